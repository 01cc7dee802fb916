#!/bin/sh
# SPDX-License-Identifier: MIT
# README.md's "Using the library", as a user would follow it, against the
# installed Signet: the ```c block saved as example.c, the ```sh block (the
# pkg-config build command) run as written, the ```json block saved as
# policy.json, and the `$ ./example ...` line of the output block run as
# written, in a temporary directory where build/ is this build tree (the
# README says "next to the source tree's build/"; under distcheck, the
# tarball's build). The output is checked against the block: the main
# program first, the signed library and the bundle's executable loaded by
# Signet, the method's result last. Also: the program compiles without a
# warning, a tampered bundle is refused with its reason, a bad policy path
# is named, a wrong argument count is a usage error.
# `make installcheck` sets PATH, LD_LIBRARY_PATH and PKG_CONFIG_PATH to the
# install (tests/install/local.mk).
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"

readme=$SIGNET_TEST_SRCDIR/README.md
unset SIGNET_POLICY SIGNET_ANCHORS SIGNET_PRINT_IMAGES
export XDG_CACHE_HOME="$tmpdir/cache" XDG_STATE_HOME="$tmpdir/state"

# The first block of kind $1 ("c", "sh", "json", "" for a bare fence) in
# the "## Using the library" section.
block() {
	awk -v want="$1" '
		!fence && /^## / { in_section = ($0 == "## Using the library") }
		/^```/ {
			if (fence && inside)
				exit
			fence = !fence
			inside = fence && in_section && substr($0, 4) == want
			next
		}
		inside { print }' "$readme"
}

w=$tmpdir/work
mkdir "$w"
ln -s "$SIGNET_TEST_BUILDDIR" "$w/build"
block c >"$w/example.c"
block sh >"$w/build.sh"
block json >"$w/policy.json"
block "" >"$tmpdir/shown"
run=$(sed -n 's/^\$ //p' "$tmpdir/shown" | head -1)
for f in example.c build.sh policy.json; do
	if [ -s "$w/$f" ]; then ok "README block extracted: $f"; else not_ok "README block extracted: $f" "empty"; fi
done
case $run in ./example\ *) ok "README run line: $run" ;; *) not_ok "README run line" "got '$run'" ;; esac

# Builds as written, and without a warning under the strict flags.
if (cd "$w" && sh -e build.sh) >"$tmpdir/build.log" 2>&1 && [ -x "$w/example" ]; then
	ok "README build command: $(cat "$w/build.sh")"
else
	not_ok "README build command" "$(cat "$tmpdir/build.log")"
fi
# shellcheck disable=SC2046 # pkg-config's flags are words
if ${CC:-cc} -std=c11 -Wall -Wextra -Werror -o "$tmpdir/example-strict" "$w/example.c" \
	$(pkg-config --cflags --libs signet) >"$tmpdir/strict.log" 2>&1; then
	ok "example.c compiles with -std=c11 -Wall -Wextra -Werror"
else
	not_ok "example.c compiles with -std=c11 -Wall -Wextra -Werror" "$(cat "$tmpdir/strict.log")"
fi

# The run line as written.
(cd "$w" && sh -c "$run") >"$tmpdir/out" 2>"$tmpdir/err"
st=$?
if [ "$st" -eq 0 ] && [ ! -s "$tmpdir/err" ]; then
	ok "the README run exits 0, nothing on stderr"
else
	not_ok "the README run exits 0, nothing on stderr" "exit $st" "$(cat "$tmpdir/err")"
fi
first=$(head -1 "$tmpdir/out")
case $first in "+ "*/example" (main)") ok "first line: the main program" ;; *) not_ok "first line: the main program" "$first" ;; esac
rot13=$(grep -n '^+ .*/Rot13\.bundle/lib/rot13\.so (signet)$' "$tmpdir/out" | cut -d: -f1)
upper=$(grep -n '^+ .*/Upper\.bundle/lib/upper\.so (signet)$' "$tmpdir/out" | cut -d: -f1)
if [ -n "$rot13" ] && [ -n "$upper" ] && [ "$rot13" -lt "$upper" ]; then
	ok "the observer saw rot13.so loaded, then upper.so"
else
	not_ok "the observer saw rot13.so loaded, then upper.so" "$(cat "$tmpdir/out")"
fi
last=$(tail -1 "$tmpdir/out")
if [ "$last" = ababab ]; then ok "last line: ababab"; else not_ok "last line: ababab" "$last"; fi

# A tampered bundle: preflight says why, nothing is called.
(cd "$w" && ./example policy.json build/plugins/Rot13.bundle/lib/rot13.so build/plugins/Tampered.bundle) \
	>"$tmpdir/out" 2>"$tmpdir/err"
st=$?
if [ "$st" -eq 1 ]; then ok "a tampered bundle: exit 1"; else not_ok "a tampered bundle: exit 1" "exit $st"; fi
check_grep "a tampered bundle: the reason on stderr" 'lib/rot13\.so: page [0-9]+ .* was modified after signing' "$tmpdir/err"
check_no_grep "a tampered bundle: no method called" '^ababab$' "$tmpdir/out"

# A policy that is not there: the message names it.
(cd "$w" && ./example missing.json build/plugins/Rot13.bundle/lib/rot13.so build/plugins/Upper.bundle) \
	>/dev/null 2>"$tmpdir/err"
st=$?
if [ "$st" -eq 1 ]; then ok "a missing policy: exit 1"; else not_ok "a missing policy: exit 1" "exit $st"; fi
check_grep "a missing policy: named" 'missing\.json' "$tmpdir/err"

check_status "a wrong argument count: exit 2" 2 "$w/example" policy.json

finish
