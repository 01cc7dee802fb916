#!/bin/sh
# SPDX-License-Identifier: MIT
# The configuration directory is configure's $(sysconfdir)/signet
# (docs/policy.md): the library's default policy, `signet` and `signet-host`
# use the configured path, never a hard-coded /etc/signet.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b="$SIGNET_TEST_BUILDDIR"
c="${SIGNET_TEST_CONFDIR:?}"
[ -e "$c" ] && { echo "$c exists on this machine: the default cannot be told from it"; exit 77; }
so=$(ls "$b"/.libs/libsignet.so.* | head -1)

strings "$so" >"$tmpdir/strings"
check_grep "libsignet's default policy file is $c/policy.json" "^$c/policy\.json\$" "$tmpdir/strings"
check_grep "libsignet's default anchors are $c/anchors" "^$c/anchors\$" "$tmpdir/strings"
if [ "$c" != /etc/signet ]; then
	check_no_grep "libsignet names no /etc/signet of its own" '^/etc/signet' "$tmpdir/strings"
fi

# The tools: with no --anchors and no $SIGNET_ANCHORS, the configured directory.
env -u SIGNET_ANCHORS -u SIGNET_POLICY "$b/signet" verify "$b/signet-guest" >"$tmpdir/out" 2>"$tmpdir/err"
echo $? >"$tmpdir/rc"
check_grep "signet verify reads $c/anchors by default" \
	"^signet:? verify: trust anchors: $c/anchors: cannot read trust anchors: No such file or directory\$" "$tmpdir/err"
check_grep "... and fails with exit 2" '^2$' "$tmpdir/rc"
"$b/signet-host" --help >"$tmpdir/help" 2>&1
check_grep "signet-host --help names $c/anchors" "else $c/anchors\\)" "$tmpdir/help"
"$b/signet" verify --help >"$tmpdir/help" 2>&1
check_grep "signet verify --help names $c/anchors" "else $c/anchors\\)" "$tmpdir/help"
finish
