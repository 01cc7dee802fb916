# SPDX-License-Identifier: MIT
# lib.sh - helpers for shell tests: counted checks and the plain summary line.
# Source it; call `check NAME CMD...`, `check_output NAME EXPECTED CMD...`,
# then `finish`. Exit codes follow automake: 0 pass, 1 fail, 77 skip, 99 error.
passed=0
failed=0

: "${SIGNET_TEST_BUILDDIR:?run through make check}"
: "${SIGNET_TEST_SRCDIR:?run through make check}"

ok() { passed=$((passed + 1)); echo "PASS: $1"; }
not_ok() { failed=$((failed + 1)); echo "FAIL: $1"; shift; [ $# -gt 0 ] && printf '  %s\n' "$@"; }

# check NAME EXPECTED_STATUS CMD... : the command exits with that status.
check_status() {
	name=$1 want=$2; shift 2
	"$@" >/dev/null 2>&1; got=$?
	if [ "$got" -eq "$want" ]; then ok "$name"; else not_ok "$name" "exit $got, wanted $want: $*"; fi
}

# check_grep NAME PATTERN FILE : FILE has a line matching the extended regex.
check_grep() {
	if grep -Eq -- "$2" "$3"; then ok "$1"; else not_ok "$1" "no line matches /$2/ in $3:" "$(head -20 "$3")"; fi
}

check_no_grep() {
	if grep -Eq -- "$2" "$3"; then not_ok "$1" "unexpected line matching /$2/ in $3"; else ok "$1"; fi
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/signet-sh.XXXXXX") || exit 99
trap 'rm -rf "$tmpdir"' EXIT
