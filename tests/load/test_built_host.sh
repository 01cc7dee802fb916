#!/bin/sh
# SPDX-License-Identifier: MIT
# What `make install` ships is what the linker wrote, whether or not the
# tests ran: `make check` signs copies of the host (tests/signet-host,
# plugins/signet-host) and of the guest helper (plugins/signet-guest), never
# the built programs themselves, so a test key
# can never end up in an installed binary.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b="$SIGNET_TEST_BUILDDIR"

for exe in "$b/.libs/signet-host" "$b/.libs/signet" "$b/signet-guest"; do
	[ -f "$exe" ] || { not_ok "$exe exists"; continue; }
	"$b/signet" display "$exe" >"$tmpdir/out" 2>"$tmpdir/err"
	check_grep "$(basename "$exe") as built carries no signature" 'not signed' "$tmpdir/err"
done
# The signed copies are signed.
"$b/signet" display "$b/tests/signet-host" >"$tmpdir/out" 2>&1
check_grep "the tests' host copy is signed by the test team" 'ABCDE12345' "$tmpdir/out"
"$b/signet" display "$b/plugins/signet-guest" >"$tmpdir/out" 2>&1
check_grep "the samples' guest helper copy is signed as the helper" 'org.signet.guest' "$tmpdir/out"
finish
