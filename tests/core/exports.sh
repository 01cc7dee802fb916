#!/bin/sh
# SPDX-License-Identifier: MIT
# The shared library exports the public API under SIGNET_0 (signet_* and
# nothing else: version script and -fvisibility=hidden) and, under
# SIGNET_PRIVATE, exactly the sg_* internals loader/libsignet.map lists for
# Signet's own tools (not an API; declared in no public header). And
# `signet` is a client of libsignet.so.0, with no copy of the loader.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b="$SIGNET_TEST_BUILDDIR"
so=$(ls "$b"/.libs/libsignet.so.* 2>/dev/null | head -1)
[ -n "$so" ] || { echo "libsignet.so not built"; exit 99; }
map="$SIGNET_TEST_SRCDIR/loader/libsignet.map"

# Every defined dynamic symbol as NAME@VERSION (NAME alone when unversioned;
# the ABS entries are the version nodes' own names).
readelf --dyn-syms -W "$so" | awk '$1 ~ /^[0-9]+:$/ && $7 != "UND" && $7 != "ABS" && $8 != "" {print $8}' |
	sed 's/@@*/@/' | sort -u >"$tmpdir/all"
grep -v '@' "$tmpdir/all" >"$tmpdir/unversioned"
check_no_grep "every export carries a version node" '.' "$tmpdir/unversioned"
sed -n 's/@SIGNET_0$//p' "$tmpdir/all" | grep -v '^SIGNET_0$' >"$tmpdir/public"
sed -n 's/@SIGNET_PRIVATE$//p' "$tmpdir/all" | grep -v '^SIGNET_PRIVATE$' >"$tmpdir/private"
grep -Ev '@(SIGNET_0|SIGNET_PRIVATE)$' "$tmpdir/all" >"$tmpdir/other"
check_no_grep "no version node but SIGNET_0 and SIGNET_PRIVATE" '.' "$tmpdir/other"

check_grep "exports signet_load" '^signet_load$' "$tmpdir/public"
check_grep "exports signet_registry_add_observer" '^signet_registry_add_observer$' "$tmpdir/public"
check_grep "exports signet_image_signature" '^signet_image_signature$' "$tmpdir/public"
check_grep "exports signet_signature_status_name" '^signet_signature_status_name$' "$tmpdir/public"
check_no_grep "SIGNET_0 holds nothing but signet_*" '^[^s]|^s[^i]|^si[^g]|^sig[^n]|^sign[^e]|^signe[^t]|^signet[^_]' "$tmpdir/public"

# The private node: exactly the names the map lists, all sg_*.
awk '/^SIGNET_PRIVATE/ {p = 1; next} p && /^}/ {p = 0} p && /^[ \t]+[A-Za-z_][A-Za-z0-9_]*;/ {
	sub(/^[ \t]+/, ""); sub(/;.*/, ""); print}' "$map" | sort -u >"$tmpdir/listed"
[ -s "$tmpdir/listed" ] || not_ok "the map lists SIGNET_PRIVATE symbols"
check_no_grep "SIGNET_PRIVATE holds nothing but sg_*" '^([^s]|s[^g]|sg[^_])' "$tmpdir/private"
if diff "$tmpdir/listed" "$tmpdir/private" >"$tmpdir/diff"; then
	ok "SIGNET_PRIVATE exports exactly what libsignet.map lists"
else
	not_ok "SIGNET_PRIVATE exports exactly what libsignet.map lists" \
		"< listed but not exported (SG_PRIVATE missing?), > exported but not listed:" "$(cat "$tmpdir/diff")"
fi
# ...declared in no public header: they are no API.
: >"$tmpdir/in_headers"
while read -r s; do
	grep -lw "$s" "$SIGNET_TEST_SRCDIR"/include/signet/*.h >>"$tmpdir/in_headers" 2>/dev/null
done <"$tmpdir/private"
check_no_grep "no private symbol is named in a public header" '.' "$tmpdir/in_headers"
# The rest of the internals stay hidden.
check_no_grep "internal sg_* symbols other than the private ones stay hidden" '^sg_' "$tmpdir/public"

# `signet` links libsignet.so.0 dynamically and carries no copy of it.
tool="$b/.libs/signet"
[ -f "$tool" ] || tool="$b/signet"
readelf -d "$tool" >"$tmpdir/dynamic" 2>&1
check_grep "signet has NEEDED libsignet.so.0" 'NEEDED.*\[libsignet\.so\.0\]' "$tmpdir/dynamic"
nm --defined-only "$tool" | awk '{print $3}' >"$tmpdir/tool_defined"
check_no_grep "signet defines no signet_* function of its own" '^signet_' "$tmpdir/tool_defined"
check_no_grep "signet has no copy of the loader (sg_load_*, sg_cd_build, sg_pki_make)" \
	'^(sg_load_|sg_cd_build$|sg_pki_make$|sg_sign_elf_file$)' "$tmpdir/tool_defined"
readelf --dyn-syms -W "$tool" | awk '$7 == "UND" {print $8}' >"$tmpdir/tool_undef"
check_grep "signet calls the signer through SIGNET_PRIVATE" '^sg_sign_elf_file@SIGNET_PRIVATE' "$tmpdir/tool_undef"
check_grep "signet calls the public API through SIGNET_0" '^signet_[a-z_]*@SIGNET_0' "$tmpdir/tool_undef"
finish
