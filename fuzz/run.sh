#!/bin/sh
# SPDX-License-Identifier: MIT
# run.sh - build a fuzz target with clang's libFuzzer (+ASan, UBSan) and run it.
#
#   fuzz/run.sh TARGET SECONDS [LIBFUZZER_OPTION...]
#   fuzz/run.sh requirement 60
#
# TARGET is fuzz/fuzz_TARGET.c; its seeds are fuzz/corpus/TARGET/ (read,
# never written). The library is built by its own Makefile in a separate
# configured tree ($SIGNET_FUZZ_BUILDDIR, default build-fuzz/ in the source
# tree) with -fsanitize=fuzzer-no-link, so every target links the same
# sources `make` builds. New inputs go to BUILDDIR/fuzz/corpus-TARGET/,
# crashes to BUILDDIR/fuzz/artifacts-TARGET/. Exit status is libFuzzer's:
# 0 when the time ran out without a finding. See fuzz/README.md.
set -eu

usage() { echo "usage: $0 TARGET SECONDS [LIBFUZZER_OPTION...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
target=$1 seconds=$2
shift 2
case $seconds in ''|*[!0-9]*|0) usage ;; esac

srcdir=$(cd "$(dirname "$0")/.." && pwd)
src="$srcdir/fuzz/fuzz_$target.c"
[ -f "$src" ] || { echo "$0: no fuzz target $src" >&2; exit 2; }
build=${SIGNET_FUZZ_BUILDDIR:-$srcdir/build-fuzz}
cc=${CLANG:-clang}
command -v "$cc" >/dev/null 2>&1 || { echo "$0: $cc not found (apt-get install clang)" >&2; exit 2; }

san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cflags="-g -O1 $san"

if [ ! -f "$build/Makefile" ]; then
	[ -x "$srcdir/configure" ] || (cd "$srcdir" && autoreconf -fi)
	mkdir -p "$build"
	(cd "$build" && "$srcdir/configure" --quiet --disable-shared CC="$cc" \
		CFLAGS="$cflags -fsanitize=fuzzer-no-link")
fi
make -C "$build" -j"$(nproc 2>/dev/null || echo 2)" libsignet-internal.la >/dev/null

mkdir -p "$build/fuzz/corpus-$target" "$build/fuzz/artifacts-$target"
bin="$build/fuzz/fuzz_$target"
# shellcheck disable=SC2046 # pkg-config output is meant to split
"$cc" $cflags -fsanitize=fuzzer -I"$build" -I"$srcdir/include" -I"$srcdir/loader" \
	$(pkg-config --cflags libsystemd) \
	"$src" "$build/.libs/libsignet-internal.a" \
	$(pkg-config --libs libelf libcrypto libffi jansson libsystemd) -ldl -lpthread -o "$bin"

dict=""
[ -f "$srcdir/fuzz/$target.dict" ] && dict="-dict=$srcdir/fuzz/$target.dict"
echo "fuzzing $target for $seconds s: $bin"
# shellcheck disable=SC2086 # $dict is empty or one word
exec "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$build/fuzz/artifacts-$target/" $dict "$@" \
	"$build/fuzz/corpus-$target" "$srcdir/fuzz/corpus/$target"
