#!/bin/sh
# SPDX-License-Identifier: MIT
# docs/errors.md's table of codes is exactly what tests/core/errors_md makes
# from SIGNET_ERROR_CODES (after curl's test that keeps its error list
# honest, but with one list instead of three). `make update-errors-md`
# rewrites it.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
doc="$SIGNET_TEST_SRCDIR/docs/errors.md"
"$SIGNET_TEST_BUILDDIR/tests/core/errors_md" >"$tmpdir/want" || exit 99
awk '/^<!-- codes: begin/ {on = 1; next} /^<!-- codes: end/ {on = 0} on' "$doc" >"$tmpdir/have"
if [ -s "$tmpdir/have" ] && cmp -s "$tmpdir/want" "$tmpdir/have"; then
	ok "docs/errors.md lists exactly the codes of SIGNET_ERROR_CODES"
else
	not_ok "docs/errors.md lists exactly the codes of SIGNET_ERROR_CODES (run make update-errors-md)" \
		"$(diff "$tmpdir/have" "$tmpdir/want" | head -20)"
fi
finish
