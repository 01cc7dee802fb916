#!/bin/sh
# SPDX-License-Identifier: MIT
# Every public header compiles on its own as strict C11 and as C++.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
for h in "$SIGNET_TEST_SRCDIR"/include/signet/*.h; do
	name=signet/$(basename "$h")
	printf '#include <%s>\nint main(void) { return 0; }\n' "$name" >"$tmpdir/t.c"
	if ${CC:-cc} -std=c11 -pedantic -Wall -Wextra -Werror -I"$SIGNET_TEST_SRCDIR/include" \
		-c "$tmpdir/t.c" -o "$tmpdir/t.o" 2>"$tmpdir/err"; then
		ok "$name compiles alone as C11"
	else
		not_ok "$name compiles alone as C11" "$(cat "$tmpdir/err")"
	fi
	if command -v g++ >/dev/null 2>&1; then
		cp "$tmpdir/t.c" "$tmpdir/t.cc"
		if g++ -std=c++11 -pedantic -Wall -Werror -I"$SIGNET_TEST_SRCDIR/include" \
			-c "$tmpdir/t.cc" -o "$tmpdir/t.o" 2>"$tmpdir/err"; then
			ok "$name compiles alone as C++"
		else
			not_ok "$name compiles alone as C++" "$(cat "$tmpdir/err")"
		fi
	fi
done
finish
