#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what is missing, builds, and runs the whole test suite.
# Usage: scripts/test.sh [--sanitize|--tsan]
#   --sanitize  the whole suite under ASan+UBSan (build-asan/)
#   --tsan      the threaded modules under ThreadSanitizer (build-tsan/): the
#               registry, loading (races, platform libraries), bundles,
#               calls, guests, the batch calls (tests/parallel), the chain
#               cache and the preflight cache
# Ends with one line "checks: N passed, N failed" counting every CUnit test
# case and shell check across the test programs run.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh" || exit 1
dir=$("$top/scripts/build.sh" "$@" | tail -1) || exit 1
cd "$dir" || exit 1

tests=()
if [ "${1:-}" = --tsan ]; then
	tests=(TESTS="tests/registry/test_registry tests/registry/test_observers tests/registry/test_stress
		tests/load/test_load tests/load/test_races tests/load/test_platform_load tests/bundle/test_bundle
		tests/plugin/test_invoke tests/guest/test_guest tests/parallel/test_pipeline tests/parallel/test_many
		tests/parallel/test_bundles_many tests/cms/test_chain_cache tests/prefcache/test_prefcache")
fi
rm -f $(find tests -name '*.log' 2>/dev/null) # the summary counts this run only
make -j"$(nproc)" check "${tests[@]}" >check.out 2>&1
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
