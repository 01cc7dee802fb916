#!/bin/sh
# SPDX-License-Identifier: MIT
# `signet verify --pid` and `signet display --pid` on real processes
# (docs/signet.md, docs/processes.md): a signed one, an unsigned one, one
# with an unsigned preloaded library, one that is gone; exit codes as for
# files. The children are tests/process/peer-* in "sleep" mode: they say
# "ready" on a FIFO and end when another FIFO is closed (no sleeps).
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b=$SIGNET_TEST_BUILDDIR
signet="$b/signet"
anchors="$b/tests/pki/root.pem"
cd "$tmpdir" || exit 99

# start NAME PROGRAM ENV R H: runs PROGRAM sleep (with ENV=VALUE unless ""), its pid in $pid; this
# shell reads its "ready" on descriptor R and holds descriptor H, whose closing ends it.
start() {
	mkfifo "$1.ready" "$1.hold" || exit 99
	if [ -n "$3" ]; then
		env "$3" "$2" sleep 3>"$1.ready" 4<"$1.hold" &
	else
		"$2" sleep 3>"$1.ready" 4<"$1.hold" &
	fi
	pid=$!
	# The child opens the FIFOs in this order, each open waiting for the other end.
	eval "exec $4<\"$1.ready\"; exec $5>\"$1.hold\"; read -r line <&$4" || exit 99
	[ "$line" = ready ] || exit 99
}

# check_rc NAME WANTED GOT: an exit status kept from an earlier run.
check_rc() {
	if [ "$3" -eq "$2" ]; then ok "$1"; else not_ok "$1" "exit $3, wanted $2"; fi
}

# A signed process: valid, its identity printed; the file's cdhash.
start a "$b/tests/process/peer-a" "" 5 6
apid=$pid
"$signet" verify --anchors "$anchors" -v "$b/tests/process/peer-a" >file.out 2>&1 || exit 99
cdhash=$(sed -n 's/^  cdhash: //p' file.out)
"$signet" verify --anchors "$anchors" --pid "$apid" >out 2>err; rc=$?
check_rc "verify --pid of a signed process exits 0" 0 "$rc"
check_grep "verify --pid says valid" "^pid $apid: valid\$" out
check_grep "verify --pid names the executable" "^  executable: $b/tests/process/peer-a\$" out
check_grep "verify --pid gives the identifier" '^  identifier: org\.signet\.test\.peer$' out
check_grep "verify --pid gives the team" '^  team: ABCDE12345$' out
check_grep "the process's cdhash is its file's" "^  cdhash: $cdhash\$" out
check_status "a requirement that holds exits 0" 0 "$signet" verify --anchors "$anchors" \
	--requirement 'team "ABCDE12345" and identifier "org.signet.test.peer"' --pid "$apid"
"$signet" verify --anchors "$anchors" --requirement 'team "ZZZZZ99999"' --pid "$apid" >out 2>err; rc=$?
check_rc "a requirement that fails exits 3, as for files" 3 "$rc"
check_grep "an unmet requirement is the evaluator's explanation" \
	"^signet: verify: pid $apid: requirement not met: team: wanted ZZZZZ99999, peer has ABCDE12345\$" err
check_status "team = host is never met by this unsigned tool" 3 "$signet" verify --anchors "$anchors" \
	--requirement 'team = host' --pid "$apid"
# TSA anchors go with --pid too (the executable is judged by the time rule files are); a missing file is named.
check_status "verify --pid with --tsa-anchors: valid" 0 "$signet" verify --anchors "$anchors" --tsa-anchors "$anchors" \
	--pid "$apid"
"$signet" verify --anchors "$anchors" --tsa-anchors "$tmpdir/no-tsa.pem" --pid "$apid" >out 2>err; rc=$?
check_rc "unreadable TSA anchors with --pid are a usage error" 2 "$rc"
check_grep "...naming them as TSA anchors" "^signet: verify: TSA anchors: .*no-tsa\.pem" err
"$signet" display --anchors "$anchors" --pid "$apid" >out 2>&1; rc=$?
check_rc "display --pid exits 0" 0 "$rc"
check_grep "display --pid gives the verdict" '^verdict: valid$' out
check_grep "display --pid gives the identity" '^  team: ABCDE12345$' out
check_grep "display --pid counts no problem" '^problems: 0$' out

# --json (docs/signet.md, "JSON output"): the same identity, parsed.
if command -v jq >/dev/null; then
	"$signet" verify --json --anchors "$anchors" --pid "$apid" >v.json; rc=$?
	check_rc "verify --json --pid exits 0" 0 "$rc"
	check_grep "verify --json --pid: a process result, valid, its cdhash the file's" \
		"^process $apid valid org\.signet\.test\.peer ABCDE12345 $cdhash 0\$" \
		"$(jq -r '.results[0] | "\(.kind) \(.pid) \(.verdict) \(.identity.identifier) \(.identity.team) \(.identity.cdhash) \(.errors|length)"' v.json >j.out; echo j.out)"
	"$signet" verify --json --anchors "$anchors" --requirement 'team "ZZZZZ99999"' --pid "$apid" >v.json 2>/dev/null; rc=$?
	check_rc "verify --json --pid: unmet exits 3" 3 "$rc"
	check_grep "verify --json --pid: the unmet requirement by code and check" \
		'^3 SIGNET_E_PEER_REFUSED process\.requirement$' \
		"$(jq -r '"\(.exit) \(.results[0].errors[0].code) \(.results[0].errors[0].check)"' v.json >j.out; echo j.out)"
	"$signet" display --json --anchors "$anchors" --pid 4194305 >d.json 2>/dev/null; rc=$?
	check_rc "display --json of a pid that names no process exits 1" 1 "$rc"
	check_grep "... and says why by code, check and errno" '^1 null SIGNET_E_PROCESS_GONE process\.pidfd 3$' \
		"$(jq -r '"\(.exit) \(.results[0].verdict) \(.results[0].errors[0].code) \(.results[0].errors[0].check) \(.results[0].errors[0].errno)"' d.json >j.out; echo j.out)"
else
	not_ok "jq is installed (scripts/install-deps.sh)"
fi

# An unsigned process: invalid (1), the problem named on stderr.
start u "$b/tests/process/peer_child" "" 7 8
upid=$pid
"$signet" verify --anchors "$anchors" --pid "$upid" >out 2>err; rc=$?
check_rc "verify --pid of an unsigned process exits 1" 1 "$rc"
check_grep "the unsigned process is invalid" "^pid $upid: invalid\$" out
check_grep "and has no identity" '^  identity: none$' out
check_grep "the problem names the executable" \
	"^signet: verify: pid $upid: $b/tests/process/peer_child: main executable does not verify: not signed" err
"$signet" display --anchors "$anchors" --pid "$upid" >out 2>&1; rc=$?
check_rc "display --pid shows an invalid process and exits 0" 0 "$rc"
check_grep "display --pid lists the problem with its check" \
	"^  \[process\.exe\] $b/tests/process/peer_child: main executable does not verify" out
# Invalid outranks unmet, across processes and files.
check_status "one invalid process among valid ones exits 1" 1 "$signet" verify --anchors "$anchors" \
	--requirement 'team "ZZZZZ99999"' --pid "$apid" --pid "$upid"

# A signed process with an unsigned library preloaded: invalid, naming the library.
lib=$(cd "$b/tests/fixtures" && pwd -P)/libunsigned.so
asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
ASAN_OPTIONS=$asan; export ASAN_OPTIONS
start p "$b/tests/process/peer-a" "LD_PRELOAD=$lib" 3 4
ppid_=$pid
"$signet" verify --anchors "$anchors" --pid "$ppid_" >out 2>err; rc=$?
check_rc "verify --pid of a process with an unsigned preload exits 1" 1 "$rc"
check_grep "its identity is still the signed executable's" '^  team: ABCDE12345$' out
check_grep "the problem names the preloaded library" \
	"^signet: verify: pid $ppid_: $lib: mapping [0-9a-f]+-[0-9a-f]+ r-xp: not a platform library" err

# Usage, and a process that is not there.
check_status "--pid wants a number" 2 "$signet" verify --anchors "$anchors" --pid 12x
check_status "--pid 0 is refused" 2 "$signet" verify --anchors "$anchors" --pid 0
check_status "--at does not go with --pid" 2 "$signet" verify --anchors "$anchors" --at 1700000000 --pid "$apid"
check_status "display --pid takes no FILE" 2 "$signet" display --anchors "$anchors" --pid "$apid" lib.so
check_status "display --anchors needs --pid" 2 "$signet" display --anchors "$anchors" lib.so
check_status "verify --pid with missing anchors is a usage error" 2 "$signet" verify --anchors /nonexistent --pid "$apid"
# Past any pid_max (2^22): no process can have it.
"$signet" verify --anchors "$anchors" --pid 4194305 >out 2>err; rc=$?
check_rc "a pid that names no process exits 1" 1 "$rc"
check_grep "and says so" '^signet: verify: pid 4194305: No such process$' err
check_status "display of a pid that names no process exits 1" 1 "$signet" display --anchors "$anchors" --pid 4194305
"$signet" verify --help >out
check_grep "verify --help describes --pid" '--pid PID' out
"$signet" display --help >out
check_grep "display --help describes --pid" '--pid PID' out

exec 6>&- 8>&- 4>&-
wait
finish
