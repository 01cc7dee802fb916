#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: installs what is missing, builds Signet and runs the host.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
dir=$("$top/scripts/build.sh" | tail -1)
host="$dir/signet-host"

echo "== signet-host images: every image in the host process"
"$host" images
echo
echo "== the same run with the image log on (SIGNET_PRINT_IMAGES=1)"
SIGNET_PRINT_IMAGES=1 "$host" images >/dev/null
