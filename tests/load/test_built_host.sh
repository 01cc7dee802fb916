#!/bin/sh
# SPDX-License-Identifier: MIT
# What `make install` ships is what the linker wrote, whether or not the
# tests ran: `make check` signs copies of the host (tests/signet-host,
# plugins/signet-host), never the built signet-host itself, so a test key
# can never end up in an installed binary.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b="$SIGNET_TEST_BUILDDIR"

for exe in "$b/.libs/signet-host" "$b/signet"; do
	[ -f "$exe" ] || { not_ok "$exe exists"; continue; }
	"$b/signet" display "$exe" >"$tmpdir/out" 2>"$tmpdir/err"
	check_grep "$(basename "$exe") as built carries no signature" 'not signed' "$tmpdir/err"
done
# The signed copies are signed.
"$b/signet" display "$b/tests/signet-host" >"$tmpdir/out" 2>&1
check_grep "the tests' host copy is signed by the test team" 'ABCDE12345' "$tmpdir/out"
finish
