#!/bin/sh
# SPDX-License-Identifier: MIT
# README.md's first example (the ```sh block under "## Status" that starts
# with `signet ca init`), run as written in an empty directory with the
# built tools on PATH: a CA and a team, a library signed, verified, then
# loaded by signet-host and its function called. The README leaves lib.so
# to the reader; here it is a library whose some_function() returns 42.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
unset SIGNET_POLICY SIGNET_ANCHORS SIGNET_PRINT_IMAGES

awk '/^## / { section = $0 } section == "## Status" && /^```sh$/ { f = 1; next } f && /^```$/ { exit } f' \
	"$SIGNET_TEST_SRCDIR/README.md" >"$tmpdir/quickstart.sh"
check_grep "the README's example is found, starting with signet ca init" '^signet ca init ca/ ' "$tmpdir/quickstart.sh"

w=$tmpdir/work
mkdir "$w"
printf 'int some_function(void) { return 42; }\n' >"$w/lib.c"
${CC:-cc} -shared -fPIC -o "$w/lib.so" "$w/lib.c" || { echo "cannot build lib.so"; exit 99; }
(cd "$w" && PATH="$SIGNET_TEST_BUILDDIR:$PATH" sh -e "$tmpdir/quickstart.sh") >"$tmpdir/out" 2>"$tmpdir/err"
st=$?
if [ "$st" -eq 0 ]; then ok "the README's example runs to the end"; else
	not_ok "the README's example runs to the end" "exit $st" "$(cat "$tmpdir/err")"; fi
check_grep "signet verify -v says the library is valid" '^lib\.so: valid$' "$tmpdir/out"
check_grep "with the identifier it was signed with" '^  identifier: com\.example\.x$' "$tmpdir/out"
check_grep "signet-host loaded it through Signet" '^  arrival: signet$' "$tmpdir/out"
check_grep "and called some_function" '^some_function\(\) = 42$' "$tmpdir/out"
finish
