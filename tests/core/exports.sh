#!/bin/sh
# SPDX-License-Identifier: MIT
# The shared library exports signet_* and nothing else (version script and
# -fvisibility=hidden), each under the SIGNET_0 version node.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
so=$(ls "$SIGNET_TEST_BUILDDIR"/.libs/libsignet.so.* 2>/dev/null | head -1)
[ -n "$so" ] || { echo "libsignet.so not built"; exit 99; }
nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRV]$/ {print $3}' | sed 's/@.*//' | sort -u >"$tmpdir/exports"
check_grep "exports signet_load" '^signet_load$' "$tmpdir/exports"
check_grep "exports signet_registry_add_observer" '^signet_registry_add_observer$' "$tmpdir/exports"
check_grep "exports signet_image_signature" '^signet_image_signature$' "$tmpdir/exports"
check_grep "exports signet_signature_status_name" '^signet_signature_status_name$' "$tmpdir/exports"
check_no_grep "exports nothing but signet_*" '^[^s]|^s[^i]|^si[^g]' "$tmpdir/exports"
check_no_grep "internal sg_* symbols stay hidden" '^sg_' "$tmpdir/exports"
objdump -T "$so" | grep -E ' signet_load$' >"$tmpdir/ver"
check_grep "symbols carry the SIGNET_0 version" 'SIGNET_0' "$tmpdir/ver"
finish
