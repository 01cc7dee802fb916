#!/bin/sh
# SPDX-License-Identifier: MIT
# debian/libsignet0.symbols lists exactly the symbols libsignet.so exports
# under SIGNET_0 (the public node of loader/libsignet.map), each at a
# version no newer than this release. The SIGNET_PRIVATE node is one
# "(symver|optional)SIGNET_PRIVATE" pattern bound to the alternative
# dependency template "(<< next release~)", as Debian's glibc does for
# GLIBC_PRIVATE: whatever links a private symbol depends on this very
# upstream version. The package build checks the same with
# dpkg-gensymbols -c4 (debian/rules).
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
so=$(ls "$SIGNET_TEST_BUILDDIR"/.libs/libsignet.so.* 2>/dev/null | head -1)
[ -n "$so" ] || { echo "libsignet.so not built"; exit 99; }
sym="$SIGNET_TEST_SRCDIR/debian/libsignet0.symbols"
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$SIGNET_TEST_BUILDDIR/config.h")
[ -n "$version" ] || { echo "no PACKAGE_VERSION in config.h"; exit 99; }

soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
check_grep "the symbols file is for $soname in libsignet0" "^$soname libsignet0 #MINVER#\$" "$sym"
check_grep "it names the -dev package" '^\* Build-Depends-Package: libsignet-dev$' "$sym"

# The public node: the library's exports against the file's lines.
{ echo SIGNET_0; readelf --dyn-syms -W "$so" | awk '$1 ~ /^[0-9]+:$/ && $7 != "UND" {print $8}' |
	sed -n 's/@@*SIGNET_0$//p'; } | LC_ALL=C sort -u >"$tmpdir/exported"
sed -n 's/^ \([^ (][^ ]*\)@SIGNET_0 [^ ]*$/\1/p' "$sym" | LC_ALL=C sort >"$tmpdir/listed"
if diff "$tmpdir/listed" "$tmpdir/exported" >"$tmpdir/diff"; then
	ok "the symbols file lists exactly the SIGNET_0 exports ($(wc -l <"$tmpdir/exported"))"
else
	not_ok "the symbols file lists exactly the SIGNET_0 exports" \
		"< listed but not exported, > exported but not listed (add \" NAME@SIGNET_0 $version\"):" \
		"$(cat "$tmpdir/diff")"
fi
uniq -d "$tmpdir/listed" >"$tmpdir/dups"
check_no_grep "no symbol is listed twice" '.' "$tmpdir/dups"
sed -n 's/^ [^ (][^ ]*@SIGNET_0 \([^ ]*\)$/\1/p' "$sym" | sort -u >"$tmpdir/versions"
newer=
while read -r v; do dpkg --compare-versions "$v" le "$version" || newer="$newer $v"; done <"$tmpdir/versions"
[ -z "$newer" ] && ok "no symbol is newer than $version" || not_ok "no symbol is newer than $version" "$newer"

# The private node: one pattern, no private symbol by name.
check_no_grep "no SIGNET_PRIVATE symbol is listed by name" '@SIGNET_PRIVATE' "$sym"
check_grep "SIGNET_PRIVATE is one optional symver pattern on template 1" \
	"^ \\(symver\\|optional\\)SIGNET_PRIVATE $version 1\$" "$sym"
next=$(echo "$version" | awk -F. -v OFS=. '{$NF = $NF + 1; print}')
check_grep "template 1 allows this upstream version only (<< $next~)" "^\\| libsignet0 \\(<< $next~\\)\$" "$sym"
grep -E '^ ' "$sym" | grep -Ev '@SIGNET_0 |^ \(symver\|optional\)SIGNET_PRIVATE ' >"$tmpdir/other"
check_no_grep "no other version node" '.' "$tmpdir/other"
finish
