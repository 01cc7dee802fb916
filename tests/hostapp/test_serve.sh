#!/bin/sh
# SPDX-License-Identifier: MIT
# signet-host serve and call between real processes (docs/connections.md):
# a client accepted and served, a client of another team refused, a
# squatting server refused, socket activation, usage errors.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b="$SIGNET_TEST_BUILDDIR"
p="$b/plugins"
host="$p/signet-host"     # signed by the sample team ABCDE12345
hostz="$p/signet-host-z"  # the same program signed by team ZZZZZ99999
anchors="--anchors $p/pki/root.pem"
name=ABCDE12345.org.signet.sample.rot13
XDG_RUNTIME_DIR="$tmpdir/run"
export XDG_RUNTIME_DIR
mkdir -m 0700 "$XDG_RUNTIME_DIR"
sock="$XDG_RUNTIME_DIR/signet/services/$name"
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$tmpdir"' EXIT

# wait_for LOG: until the server says it serves (30 s at most: sanitizer builds are slow to load a bundle).
wait_for() {
	i=0
	while ! grep -q "serving" "$1" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	grep -q "serving" "$1" || { not_ok "the service came up" "$(cat "$1")"; finish; }
}

"$host" $anchors serve "$name" "$p/Rot13.bundle" 2>"$tmpdir/serve.log" &
pids="$pids $!"
wait_for "$tmpdir/serve.log"
check_grep "serve says where it serves" "^signet-host: serve: serving $name at $sock\$" "$tmpdir/serve.log"

echo Hello | "$host" $anchors call "$name" filter - >"$tmpdir/out" 2>"$tmpdir/err"
check_grep "a client of the team is served: echo Hello | call NAME filter -" '^Uryyb$' "$tmpdir/out"
check_grep "serve logs the client it accepted" 'accepted client pid [0-9]+ \(org.signet.sample.host, team ABCDE12345\)' "$tmpdir/serve.log"
"$host" $anchors call "$name" filter 'two args?' >"$tmpdir/out"
check_grep "an argument given on the command line" '^gjb netf\?$' "$tmpdir/out"
"$host" $anchors call "$name" nosuch x 2>"$tmpdir/err"; rc=$?
if [ $rc -eq 2 ]; then ok "a method the service lacks is a usage error (exit 2)"; else not_ok "a method the service lacks exits 2" "exit $rc"; fi
check_grep "and says so" "^signet-host: call: the service has no method 'nosuch'\$" "$tmpdir/err"
"$host" $anchors call "$name" filter a b 2>"$tmpdir/err"; rc=$?
if [ $rc -eq 2 ]; then ok "the wrong number of arguments is a usage error (exit 2)"; else not_ok "the wrong number of arguments exits 2" "exit $rc"; fi
check_grep "and names the method's encoding" 'filter takes 1 argument \(encoding "\*\*"\), 2 given' "$tmpdir/err"

# docs/connections.md's C client, built from the page, signed by the team.
SIGNET_ANCHORS="$p/pki/root.pem" "$b/tests/connection/doc_client-signed" Hello >"$tmpdir/out" 2>"$tmpdir/err"
check_grep "the documented C client is served" '^Uryyb$' "$tmpdir/out"

# Another team's client: refused by the server before any call is read; both sides say why.
echo Hello | "$hostz" $anchors call "$name" filter - >"$tmpdir/out" 2>"$tmpdir/err"; rc=$?
if [ $rc -eq 1 ]; then ok "a client of another team exits 1"; else not_ok "a client of another team exits 1" "exit $rc"; fi
check_grep "the refused client hears why" 'the server refused this connection: .*team' "$tmpdir/err"
check_grep "the server logs why it refused" 'refused a client: .*ZZZZZ99999' "$tmpdir/serve.log"
check_no_grep "nothing reached the refused client" '.' "$tmpdir/out"

# A squatter: team Z's host publishing its own name, but at team A's name's socket.
kill $pids 2>/dev/null; wait 2>/dev/null; pids=
# (Its own plugin requirement, since the bundle is team A's: a squatter loads what it likes.)
"$hostz" $anchors --requirement 'anchor trusted' serve --socket "$sock" ZZZZZ99999.org.signet.squat \
	"$p/Rot13.bundle" 2>"$tmpdir/squat.log" &
pids="$pids $!"
wait_for "$tmpdir/squat.log"
echo Hello | "$host" $anchors call "$name" filter - >"$tmpdir/out" 2>"$tmpdir/err"; rc=$?
if [ $rc -eq 1 ]; then ok "a squatting server is refused (exit 1)"; else not_ok "a squatting server is refused" "exit $rc"; fi
check_grep "the client says the server's team is wrong" 'the server is refused: team: wanted ABCDE12345, peer has ZZZZZ99999' "$tmpdir/err"
check_no_grep "nothing was sent to the squatter" '.' "$tmpdir/out"
# And team Z may not publish team A's name at all.
"$hostz" $anchors serve --socket "$tmpdir/x" "$name" "$p/Rot13.bundle" 2>"$tmpdir/err"; rc=$?
if [ $rc -eq 1 ]; then ok "publishing another team's name exits 1"; else not_ok "publishing another team's name exits 1" "exit $rc"; fi
check_grep "and says why" "may not publish $name: its own team is ZZZZZ99999" "$tmpdir/err"
kill $pids 2>/dev/null; wait 2>/dev/null; pids=

# Socket activation, as systemd does it: the socket on descriptor 3, LISTEN_FDS, LISTEN_PID.
rm -f "$sock"
"$b/tests/connection/activate" "$sock" "$host" $anchors serve "$name" "$p/Rot13.bundle" 2>"$tmpdir/act.log" &
pids="$pids $!"
wait_for "$tmpdir/act.log"
check_grep "under socket activation serve takes the socket it was given" 'serving .* at the socket systemd passed' "$tmpdir/act.log"
echo Hello | "$host" $anchors call "$name" filter - >"$tmpdir/out" 2>"$tmpdir/err"
check_grep "and serves on it (the client judged the service, not the manager)" '^Uryyb$' "$tmpdir/out"
kill $pids 2>/dev/null; wait 2>/dev/null; pids=

# Usage.
check_status "serve --help exits 0" 0 "$host" serve --help
check_status "call --help exits 0" 0 "$host" call --help
check_status "serve without a bundle is a usage error" 2 "$host" $anchors serve "$name"
check_status "call without a method is a usage error" 2 "$host" $anchors call "$name"
check_status "call --timeout 0 is a usage error" 2 "$host" $anchors call --timeout 0 "$name" filter x
check_status "a bad --requirement is a usage error" 2 "$host" $anchors call --requirement 'team ==' "$name" filter x
"$host" $anchors call ABCDE12345.org.signet.nobody filter x 2>"$tmpdir/err"; rc=$?
if [ $rc -eq 1 ]; then ok "no such service exits 1"; else not_ok "no such service exits 1" "exit $rc"; fi
check_grep "and names the socket path" 'signet/services/ABCDE12345.org.signet.nobody: no such service' "$tmpdir/err"
finish
