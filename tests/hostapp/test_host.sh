#!/bin/sh
# SPDX-License-Identifier: MIT
# signet-host: commands, output and exit codes.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
host="$SIGNET_TEST_BUILDDIR/signet-host"

check_status "no arguments is a usage error" 2 "$host"
check_status "--help exits 0" 0 "$host" --help
check_status "--version exits 0" 0 "$host" --version
check_status "unknown command is a usage error" 2 "$host" frobnicate
check_status "images --help exits 0" 0 "$host" images --help
check_status "images of a bundle that is not there exits 1 (refused)" 1 "$host" images extra
check_status "images with an unknown option is a usage error" 2 "$host" images --bogus

"$host" --help >"$tmpdir/help"
check_grep "--help lists the images command" '^  images ' "$tmpdir/help"
"$host" frobnicate 2>"$tmpdir/err"
check_grep "unknown command is named on stderr" "unknown command 'frobnicate'" "$tmpdir/err"

"$host" images >"$tmpdir/out" 2>"$tmpdir/err"
check_grep "images prints a header" '^ID +BASE +ARRIVAL +IDENTITY +BUILD-ID +PATH$' "$tmpdir/out"
check_grep "the host itself comes first, as main" '^1 +0x[0-9a-f]{16} main +unsigned .*signet-host$' "$tmpdir/out"
check_grep "libc is a startup image" ' startup +unsigned .*/libc\.so\.6$' "$tmpdir/out"
check_grep "libsignet is a startup image" ' startup +unsigned .*/libsignet\.so\.0$' "$tmpdir/out"
check_grep "the vdso is listed" ' vdso +unsigned .* linux-vdso\.so\.1$' "$tmpdir/out"
check_grep "build-ids are printed in hex" ' startup +unsigned +[0-9a-f]{40} ' "$tmpdir/out"
check_no_grep "images writes nothing to stderr" '.' "$tmpdir/err"

SIGNET_PRINT_IMAGES=1 "$host" images >/dev/null 2>"$tmpdir/log"
check_grep "SIGNET_PRINT_IMAGES=1 logs the startup set" '^signet-image: add pid=[0-9]+ base=0x[0-9a-f]{16} id=[0-9]+ build-id=[0-9a-f-]+ arrival=startup identity=unsigned path=.*libc\.so\.6$' "$tmpdir/log"
finish
