#!/bin/sh
# SPDX-License-Identifier: MIT
# debian/control's Build-Depends are the packages scripts/install-deps.sh
# installs (less gcc, g++ and make, which build-essential gives), so the
# package builds on exactly what the tree is developed and tested with.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
control="$SIGNET_TEST_SRCDIR/debian/control"
deps="$SIGNET_TEST_SRCDIR/scripts/install-deps.sh"

# install-deps.sh: the words of its first packages=( ... ), comments dropped.
awk '/^packages=\(/ {p = 1; next} p && /^\)/ {exit} p {sub(/#.*/, ""); print}' "$deps" |
	tr -s ' \t' '\n\n' | grep -v '^$' | grep -Evx 'gcc|g\+\+|make' | LC_ALL=C sort -u >"$tmpdir/deps"
[ -s "$tmpdir/deps" ] || not_ok "install-deps.sh lists packages"
# Build-Depends: the field and its continuation lines, without versions,
# architectures or build profiles.
awk '/^Build-Depends:/ {p = 1; sub(/^Build-Depends:/, ""); print; next}
	p && /^[ \t]/ {print; next} p && /^#/ {next} {p = 0}' "$control" |
	tr ',' '\n' | sed 's/([^)]*)//g; s/\[[^]]*\]//g; s/<[^>]*>//g; s/[ \t]//g' | grep -v '^$' |
	grep -v '^debhelper-compat$' | LC_ALL=C sort -u >"$tmpdir/build_depends"
if diff "$tmpdir/deps" "$tmpdir/build_depends" >"$tmpdir/diff"; then
	ok "Build-Depends are install-deps.sh's packages ($(wc -l <"$tmpdir/deps"))"
else
	not_ok "Build-Depends are install-deps.sh's packages" \
		"< only in install-deps.sh, > only in debian/control:" "$(cat "$tmpdir/diff")"
fi
check_grep "debhelper compat 13" '^Build-Depends: debhelper-compat \(= 13\),' "$control"
check_grep "the build needs no root" '^Rules-Requires-Root: no$' "$control"
# signet-tools calls SIGNET_PRIVATE: it must come with its own libsignet0.
awk '/^Package: signet-tools$/ {p = 1} p && /^Depends:/ {print; exit}' "$control" >"$tmpdir/tools_depends"
check_grep "signet-tools depends on the same libsignet0 build" 'libsignet0 \(= \$\{binary:Version\}\)' "$tmpdir/tools_depends"
finish
