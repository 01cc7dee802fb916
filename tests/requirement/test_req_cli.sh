#!/bin/sh
# SPDX-License-Identifier: MIT
# `signet req`: parse prints the canonical form, errors carry the column,
# exit codes are codesign's (0 valid, 1 invalid, 2 usage).
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
signet="$SIGNET_TEST_BUILDDIR/signet"
[ -x "$signet" ] || { echo "signet not built"; exit 99; }

# check_output NAME STATUS EXPECTED_STDOUT CMD... : exact stdout and status.
check_output() {
	name=$1 want_status=$2 want=$3; shift 3
	got=$("$@" 2>"$tmpdir/stderr"); status=$?
	if [ "$status" -eq "$want_status" ] && [ "$got" = "$want" ]; then
		ok "$name"
	else
		not_ok "$name" "exit $status (wanted $want_status), stdout [$got] (wanted [$want])" "$(cat "$tmpdir/stderr")"
	fi
}

check_output "parse prints the canonical form" 0 'team "ABCDE12345" and anchor trusted' \
	"$signet" req parse 'team="ABCDE12345"   and (anchor trusted)'
check_output "parse keeps needed parentheses" 0 '(team = host or identifier "a") and !entitlement[net] exists' \
	"$signet" req parse '(team host or identifier = "a") and ! entitlement["net"] exists'

"$signet" req parse 'anchor trusted and team' >"$tmpdir/out" 2>"$tmpdir/err"; status=$?
if [ "$status" -eq 1 ] && [ ! -s "$tmpdir/out" ]; then ok "syntax error exits 1"; else not_ok "syntax error exits 1" "exit $status"; fi
check_grep "syntax error names the column" \
	"^signet: req parse: column 24: expected a string or 'host' after 'team', found the end of the requirement$" "$tmpdir/err"
check_grep "syntax error draws a caret under the column" '^                         \^$' "$tmpdir/err"

bomb=$(printf '%0300d' 0 | tr 0 '(')
check_status "depth bomb exits 1" 1 "$signet" req parse "${bomb}true"

printf 'anchor trusted\n  and team = host\n' >"$tmpdir/req.txt"
check_output "parse -f reads a file" 0 'anchor trusted and team = host' "$signet" req parse -f "$tmpdir/req.txt"
check_output "parse -f - reads standard input" 0 'true' sh -c "echo true | '$signet' req parse -f -"
printf 'true\000 or false' >"$tmpdir/nul.txt"
check_status "a NUL byte in the file is refused" 1 "$signet" req parse -f "$tmpdir/nul.txt"
check_status "a missing file is refused" 1 "$signet" req parse -f "$tmpdir/missing.txt"

check_status "req without a subcommand is a usage error" 2 "$signet" req
check_status "parse without EXPR is a usage error" 2 "$signet" req parse
check_status "parse with two EXPRs is a usage error" 2 "$signet" req parse true false
check_status "parse with -f and EXPR is a usage error" 2 "$signet" req parse -f "$tmpdir/req.txt" true
check_status "unknown subcommand is a usage error" 2 "$signet" req frobnicate
check_status "req --help exits 0" 0 "$signet" req --help
check_status "parse --help exits 0" 0 "$signet" req parse --help
check_status "check --help exits 0" 0 "$signet" req check --help

finish
