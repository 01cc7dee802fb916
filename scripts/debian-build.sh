#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the Debian packages (libsignet0, libsignet-dev, signet-tools) from a
# copy of the tree, so the source tree stays clean; checks them with
# lintian; installs them and runs the demo with the installed tools.
# Usage: scripts/debian-build.sh [--extract]
#   as root      the packages are installed with dpkg -i, then purged
#   --extract    (or not root) unpacked with dpkg-deb -x into a directory
# The test suite runs separately (scripts/test.sh), so the package is built
# with DEB_BUILD_OPTIONS=nocheck: its tests read the shared corpus, which is
# not part of the source package (debian/rules). Prints the directory that
# holds the .deb files as its last line.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
extract=no
case "${1:-}" in
	--extract) extract=yes ;;
	"") ;;
	*) echo "usage: scripts/debian-build.sh [--extract]" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || extract=yes

"$top/scripts/install-deps.sh" --debian

# A copy of what git tracks (and new files not ignored): no build trees, no
# configure products, so dh's autoreconf starts from the sources.
out=${SIGNET_DEB_OUT:-$top/build-deb}
rm -rf "$out"
mkdir -p "$out/src"
(cd "$top" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$out/src")

echo "debian-build: dpkg-buildpackage -us -uc -b in $out/src" >&2
(cd "$out/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1) || { tail -60 "$out/build.log"; exit 1; }
changes=$(ls "$out"/signet_*.changes)

# lintian: no errors (warnings printed; debian/*.lintian-overrides says
# which are overridden and why).
lintian --fail-on error --info "$changes" | tee "$out/lintian.log" >&2

# Install, then the demo: the installed signet-host on the sample bundles
# the package build made and signed (its plugins/, with its development PKI).
debs=("$out"/libsignet0_*.deb "$out"/libsignet-dev_*.deb "$out"/signet-tools_*.deb)
if [ "$extract" = yes ]; then
	root="$out/root"
	for d in "${debs[@]}"; do dpkg-deb -x "$d" "$root"; done
	export LD_LIBRARY_PATH="$root/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)"
	bin="$root/usr/bin"
else
	trap 'dpkg --purge signet-tools libsignet-dev libsignet0 >/dev/null' EXIT
	dpkg -i "${debs[@]}" >/dev/null
	root=""
	bin=/usr/bin
fi
test -d "$root/etc/signet/anchors"
test -f "$root/usr/include/signet/signet.h"
# signet runs on the packaged libsignet.so.0, not a copy of its own
# (/lib is /usr/lib on a merged-/usr system).
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
ldd "$bin/signet" >"$out/ldd.out"
grep -Eq "libsignet\.so\.0 => ${root}(/usr)?/lib/$multiarch/libsignet\.so\.0 " "$out/ldd.out"
# libsignet-dev: a client builds with pkg-config and runs on libsignet0.
printf '#include <signet/signet.h>\n#include <stdio.h>\nint main(void) { puts(signet_version()); return 0; }\n' \
	>"$out/client.c"
PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_LIBDIR="$root/usr/lib/$multiarch/pkgconfig:/usr/lib/$multiarch/pkgconfig:/usr/share/pkgconfig" \
	pkg-config --cflags --libs signet >"$out/client.flags"
# shellcheck disable=SC2046
cc -o "$out/client" "$out/client.c" $(cat "$out/client.flags")
test "$("$out/client")" = "$(sed -n 's/^signet (\([^-]*\)-.*/\1/p;q' "$out/src/debian/changelog")"
# signet.pc's make_bundle names the installed bundle assembler (signet-tools).
make_bundle=$(PKG_CONFIG_LIBDIR="$root/usr/lib/$multiarch/pkgconfig" pkg-config --variable=make_bundle signet)
test "$make_bundle" = /usr/share/signet/make-bundle.sh
test -x "$root$make_bundle"
samples="$out/src/plugins"
host=("$bin/signet-host" --anchors "$samples/pki/root.pem" --requirement 'anchor trusted and team "ABCDE12345"')
"$bin/signet-host" --version
"$bin/signet" --version
# list exits 1: the hostile samples are refused, as they must be.
rc=0
"${host[@]}" list "$samples" >"$out/list.out" || rc=$?
cat "$out/list.out"
[ "$rc" -eq 1 ]
grep -Eq '^Rot13\.bundle .* accepted *$' "$out/list.out"
grep -Eq '^Tampered\.bundle .* refused +SIGNET_E_PAGE_MISMATCH' "$out/list.out"
test "$(echo Hello | "${host[@]}" pipe "$samples/Rot13.bundle")" = Uryyb
# signet-run names the packaged module, and runs a program under it (the
# packages are unpacked, not installed: the module is pointed at here).
grep -q "/usr/lib/$multiarch/signet/libsignet-audit.so" "$bin/signet-run"
SIGNET_AUDIT_MODULE="$root/usr/lib/$multiarch/signet/libsignet-audit.so" \
	"$bin/signet-run" --log-only -- /bin/true 2>"$out/run.err"
grep -Eq '^signet-image: add .* arrival=main identity=[a-z]+ path=/(usr/)?bin/true$' "$out/run.err"
echo "debian-build: packages built, lintian clean of errors, installed, demo and signet-run ran" >&2
echo "$out"
