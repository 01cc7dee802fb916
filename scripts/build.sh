#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds Signet out of tree. Usage: scripts/build.sh [--sanitize] [--tsan]
#   default      build/       (-Werror)
#   --sanitize   build-asan/  (AddressSanitizer + UndefinedBehaviorSanitizer)
#   --tsan       build-tsan/  (ThreadSanitizer)
# Prints the build directory's path as its last line.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=build
flags=(--enable-werror)
case "${1:-}" in
	--sanitize) dir=build-asan; flags+=(--enable-asan --enable-ubsan) ;;
	--tsan) dir=build-tsan; flags+=(--enable-tsan) ;;
	"") ;;
	*) echo "usage: scripts/build.sh [--sanitize|--tsan]" >&2; exit 2 ;;
esac

cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ] || [ ../configure -nt Makefile ]; then
	../configure "${flags[@]}" >configure.out 2>&1 || { cat configure.out; exit 1; }
fi
make -j"$(nproc)" >make.out 2>&1 || { tail -50 make.out; exit 1; }
echo "$top/$dir"
