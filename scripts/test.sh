#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what is missing, builds, and runs the whole test suite.
# Usage: scripts/test.sh [--sanitize|--tsan]
# Ends with one line "checks: N passed, N failed" counting every CUnit test
# case and shell check across all test programs.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh" || exit 1
dir=$("$top/scripts/build.sh" "$@" | tail -1) || exit 1
cd "$dir" || exit 1

make -j"$(nproc)" check >check.out 2>&1
rc=$?
grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' check.out
if [ $rc -ne 0 ]; then
	echo "---- failing test logs ----"
	for log in $(grep -lE '^:test-result: (FAIL|ERROR)' $(find tests fuzz -name '*.trs') 2>/dev/null | sed 's/\.trs$/.log/'); do
		echo "==== $log"; tail -60 "$log"
	done
	grep -qE '^(PASS|FAIL|ERROR)' check.out || tail -40 check.out
fi

# Count test cases, not programs: CUnit's run summary and lib.sh's line.
find tests -name '*.log' -print0 | xargs -0 awk '
	/^ +tests +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+/ { p += $4; f += $5; next }
	/^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
	END { printf "checks: %d passed, %d failed\n", p, f }' | tee check.summary
exit $rc
