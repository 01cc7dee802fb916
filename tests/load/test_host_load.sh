#!/bin/sh
# SPDX-License-Identifier: MIT
# signet-host load: the verified pipeline from the command line, the host's
# own identity (`team = host`), exit codes, and plugin function names in a
# debugger's backtrace.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b="$SIGNET_TEST_BUILDDIR"
host="$b/tests/signet-host" # a signed copy (tests/load/local.mk)
fx="$b/tests/fixtures"
anchors="--anchors $b/tests/pki/root.pem"

# The test host is signed by team ABCDE12345: the default requirement
# (anchor trusted and team = host) admits that team's plugins.
"$host" $anchors load "$fx/app/libapp.so" --call app_value --returns int >"$tmpdir/out" 2>&1
check_grep "load calls a function in a verified plugin" '^app_value\(\) = 42$' "$tmpdir/out"
check_grep "load prints the identity" '^  team: ABCDE12345$' "$tmpdir/out"
check_grep "load names the original path, not /proc" "^image [0-9]+: $fx/app/libapp\\.so\$" "$tmpdir/out"
check_status "a verified load exits 0" 0 "$host" $anchors load "$fx/libfixture0.so"

"$host" $anchors load "$fx/libteamz.so" 2>"$tmpdir/err"
check_grep "another team is refused against the host's team" 'ZZZZZ99999' "$tmpdir/err"
check_grep "the refusal names its check" 'check: requirement \(SIGNET_E_REQUIREMENT_UNMET\)' "$tmpdir/err"
check_status "a refused load exits 1" 1 "$host" $anchors load "$fx/libteamz.so"
check_status "an unsigned plugin exits 1" 1 "$host" $anchors load "$fx/libunsigned.so"
"$host" $anchors load "$fx/libtampered.so" 2>"$tmpdir/err"
check_grep "a tampered plugin names the page" 'page 1 \(file offset 0x1000' "$tmpdir/err"
check_status "an explicit requirement overrides the default" 0 \
	"$host" $anchors --requirement 'anchor trusted and team "ZZZZZ99999"' load "$fx/libteamz.so"
check_status "--call without --returns is a usage error" 2 "$host" $anchors load "$fx/libfixture0.so" --call fixture_id
check_status "a bad --returns is a usage error" 2 "$host" $anchors load "$fx/libfixture0.so" --call fixture_id --returns struct
check_status "load without FILE is a usage error" 2 "$host" $anchors load
check_status "a bad requirement is a usage error" 2 "$host" $anchors --requirement 'team ==' load "$fx/libfixture0.so"
"$host" $anchors load "$fx/libfixture3.so" --call fixture_id --returns int >"$tmpdir/out"
check_grep "--returns int prints the value" '^fixture_id\(\) = 3$' "$tmpdir/out"

# A debugger running the host sees plugin function names. It read the list
# of objects when the plugin was mapped, under the snapshot's name
# /proc/<pid>/fd/N (which gdb can open); `info sharedlibrary` rereads it and
# shows the real path Signet put there (docs/loading.md, "Debugging"), and
# `sharedlibrary` reads that entry's symbols.
if command -v gdb >/dev/null 2>&1; then
	gdb -nx -batch -ex run -ex bt -ex 'info sharedlibrary' -ex sharedlibrary -ex 'bt 5' --args "$host" $anchors \
		load "$fx/libtrap.so" --call trap_here --returns void >"$tmpdir/gdb" 2>&1
	check_grep "gdb's backtrace names the plugin's inner function" ' in trap_inner \(\)' "$tmpdir/gdb"
	check_grep "gdb's backtrace names the plugin's entry function" ' in trap_here \(\)' "$tmpdir/gdb"
	check_grep "gdb lists the plugin by its real path" "^0x[0-9a-f]+ +0x[0-9a-f]+ +(Yes|No) .* $fx/libtrap\\.so\$" "$tmpdir/gdb"
	check_no_grep "gdb's list has no /proc/<pid>/fd/N" ' /proc/[0-9]+/fd/[0-9]+$' "$tmpdir/gdb"
	if [ "$(grep -c ' in trap_inner ()' "$tmpdir/gdb")" -eq 2 ]; then
		ok "after sharedlibrary, the backtrace still names the plugin's functions"
	else
		not_ok "after sharedlibrary, the backtrace still names the plugin's functions" "$(grep '^#' "$tmpdir/gdb")"
	fi
else
	not_ok "gdb is installed (scripts/install-deps.sh installs it)"
fi
finish
