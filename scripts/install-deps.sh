#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs Signet's Debian build and test dependencies when any is missing.
# Idempotent and non-interactive; does nothing when all are present.
# --debian: also the tools that build and check the Debian packages
# (scripts/debian-build.sh). debian/control's Build-Depends lists the same
# packages (tests/debian/control.sh).
set -euo pipefail

packages=(
	# toolchain and autotools
	gcc g++ make autoconf automake libtool pkg-config binutils file
	# libraries Signet builds on
	libelf-dev libffi-dev libcunit1-dev libssl-dev libjansson-dev libsystemd-dev libseccomp-dev
	libcurl4-openssl-dev
	# tools the tests and the build run
	openssl
	# real libraries the signing tests sign copies of
	zlib1g libsqlite3-0 libstdc++6 libicu72
	# the debugger test of loaded plugins
	gdb
	# the audit module's tests: a real program (python3 importing sqlite3
	# and ssl), and counting the opens of a platform library
	python3 strace
	# the tests of both tools' --json output parse it
	jq
	# the manual pages' lint (tests/man): mandoc, and man-db with groff
	mandoc man-db groff-base
)
case "${1:-}" in
	--debian) packages+=(debhelper dpkg-dev lintian fakeroot) ;;
	"") ;;
	*) echo "usage: scripts/install-deps.sh [--debian]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
as_root=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
	as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
