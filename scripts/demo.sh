#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: installs what is missing, builds Signet and the sample
# plugin bundles (signed by a development CA the build makes in
# build/plugins/pki, never committed), and runs the host on them: the image
# table, `list` with every good bundle accepted and every hostile one
# refused with its reason, a filter pipeline, the C++ plugin, and a bundle
# served to other processes: a client of the team accepted, a client of
# another team refused, a squatting server refused; and the Crash sample
# isolated in its own sandboxed process (the host survives each of its
# misdeeds), then its crash in process, which ends the host.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
dir=$("$top/scripts/build.sh" | tail -1)
p="$dir/plugins"
# The sample host is signed by the sample team: `team = host` decides.
host=("$p/signet-host" --anchors "$p/pki/root.pem")

echo "== signet-host images: every image in the host process, after loading Rot13"
# The host's own signature is judged by the process default policy, so its
# anchors come from the environment (docs/signet-host.md).
SIGNET_ANCHORS="$p/pki/root.pem" "${host[@]}" images "$p/Rot13.bundle"
echo
echo "== signet-host list: every sample bundle, preflighted (none of them runs)"
"${host[@]}" list "$p" || true
echo
echo "== a filter pipeline: echo Hello | signet-host pipe Rot13.bundle"
echo Hello | "${host[@]}" pipe "$p/Rot13.bundle"
echo
echo "== three filters: rot13 twice, then upper, then word count"
echo "hello signed world" | "${host[@]}" pipe "$p/Rot13.bundle" "$p/Rot13.bundle" "$p/Upper.bundle"
echo "hello signed world" | "${host[@]}" pipe "$p/WordCount.bundle"
echo
echo "== the C++ plugin (exceptions, thread_local): reverse each line, then its self-test"
echo "Hello from C++" | "${host[@]}" pipe "$p/Cpp.bundle"
echo "exceptions caught by the plugin: $("${host[@]}" run "$p/Cpp.bundle" selftest)"
echo
echo "== a plugin that brings its own signed library"
echo "hello world" | "${host[@]}" pipe "$p/Deps.bundle"
echo
echo "== typed arguments by the method's encoding: Upper.repeat(\"ab\", 3)"
"${host[@]}" run "$p/Upper.bundle" repeat ab 3
echo
echo "== a hostile bundle in a pipeline is refused before any text moves"
echo Hello | "${host[@]}" pipe "$p/Rot13.bundle" "$p/Tampered.bundle" || true
echo
# Services live under $XDG_RUNTIME_DIR; a root shell without one gets a private directory.
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "$XDG_RUNTIME_DIR" ]; then
	XDG_RUNTIME_DIR=$(mktemp -d)
	export XDG_RUNTIME_DIR
fi
name=ABCDE12345.org.signet.sample.rot13
sock=$XDG_RUNTIME_DIR/signet/services/$name
hostz=("$p/signet-host-z" --anchors "$p/pki/root.pem")  # the same host, signed by team ZZZZZ99999
serve_pid=
trap '[ -z "$serve_pid" ] || kill "$serve_pid" 2>/dev/null' EXIT
# serve_in_background HOST...: starts a server (its log on stderr), waits until it serves.
serve_in_background() {
	log=$(mktemp)
	"$@" 2> >(tee "$log" >&2) &
	serve_pid=$!
	for _ in $(seq 100); do grep -q "serving" "$log" && break; sleep 0.1; done
	rm -f "$log"
}
stop_server() { kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null || true; serve_pid=; }

echo "== a service: signet-host serve $name Rot13.bundle (in the background)"
serve_in_background "${host[@]}" serve "$name" "$p/Rot13.bundle"
echo "== a client of the team: echo Hello | signet-host call $name filter -"
echo Hello | "${host[@]}" call "$name" filter -
echo "== a client of another team (signet-host signed by ZZZZZ99999) is refused, both sides say why"
echo Hello | "${hostz[@]}" call "$name" filter - || true
sleep 0.2
stop_server
echo
echo "== a squatter: team ZZZZZ99999 serving at team ABCDE12345's socket; the client refuses it before sending"
serve_in_background "${hostz[@]}" --requirement "anchor trusted" serve --socket "$sock" ZZZZZ99999.org.signet.squat \
	"$p/Rot13.bundle"
echo Hello | "${host[@]}" call "$name" filter - || true
stop_server
echo
# Isolated guests (docs/isolation.md): the build's signed guest helper, a private quarantine store.
iso=("${host[@]}" --guest-helper "$p/signet-guest" --call-timeout 1000 --isolate)
XDG_STATE_HOME=$(mktemp -d)
export XDG_STATE_HOME
echo "== isolated: the same pipeline, each bundle in its own sandboxed process"
echo Hello | "${iso[@]}" pipe "$p/Rot13.bundle" "$p/Upper.bundle"
for method in crash write_passwd fork spin; do
	echo "== isolated: Crash.bundle $method (the host survives and says what happened)"
	"${iso[@]}" run "$p/Crash.bundle" "$method" || true
done
echo "== three crashes of one build: it is quarantined, isolated or not"
"${host[@]}" quarantine list
"${iso[@]}" run "$p/Crash.bundle" echo hi || true
"${host[@]}" quarantine clear --all
echo "== isolated: Crash.bundle connect_local 9 (a socket is a forbidden system call)"
"${iso[@]}" run "$p/Crash.bundle" connect_local 9 || true
echo "== the same crash in process ends the host (exit status $( ("${host[@]}" run "$p/Crash.bundle" crash \
	>/dev/null 2>&1); echo $?), 139 = SIGSEGV)"
rm -rf "$XDG_STATE_HOME"
