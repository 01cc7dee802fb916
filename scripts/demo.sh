#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: installs what is missing, builds Signet and the sample
# plugin bundles (signed by a development CA the build makes in
# build/plugins/pki, never committed), and runs the host on them: the image
# table, `list` with every good bundle accepted and every hostile one
# refused with its reason, a filter pipeline, and the C++ plugin.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
dir=$("$top/scripts/build.sh" | tail -1)
p="$dir/plugins"
# The sample host is signed by the sample team: `team = host` decides.
host=("$p/signet-host" --anchors "$p/pki/root.pem")

echo "== signet-host images: every image in the host process, after loading Rot13"
"${host[@]}" images "$p/Rot13.bundle"
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
