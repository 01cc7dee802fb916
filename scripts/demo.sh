#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: installs what is missing, builds Signet, and runs the host:
# the image table, then a signed plugin loaded and called, then refusals.
# Keys and certificates are made here, in build/demo/ (never committed).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
dir=$("$top/scripts/build.sh" | tail -1)
host="$dir/signet-host"
signet="$dir/signet"
demo="$dir/demo"

echo "== signet-host images: every image in the host process"
"$host" images
echo

rm -rf "$demo"
mkdir -p "$demo"
"$signet" ca init "$demo/ca" >/dev/null
"$signet" ca issue --team ABCDE12345 --name "Demo Team" "$demo/ca" >/dev/null
"$signet" ca issue --team ZZZZZ99999 --name "Other Team" "$demo/ca" >/dev/null
cc -shared -fPIC -DFIXTURE_ID=42 -Wl,-soname,libhello.so -o "$demo/libhello.so" "$top/tests/fixtures/fixture.c"
cp "$demo/libhello.so" "$demo/libother.so"
"$signet" sign --key "$demo/ca/ABCDE12345.key" --cert "$demo/ca/ABCDE12345.pem" \
	--identifier com.example.hello "$demo/libhello.so"
"$signet" sign --key "$demo/ca/ZZZZZ99999.key" --cert "$demo/ca/ZZZZZ99999.pem" \
	--identifier com.example.other "$demo/libother.so"
cp "$demo/libhello.so" "$demo/libtampered.so"
printf '\377' | dd of="$demo/libtampered.so" bs=1 seek=1100 conv=notrunc status=none

policy=(--anchors "$demo/ca/root.pem" --requirement 'anchor trusted and team "ABCDE12345"')
echo
echo "== a signed plugin, verified and loaded, with the image log on"
SIGNET_PRINT_IMAGES=1 "$host" "${policy[@]}" load "$demo/libhello.so" --call fixture_id --returns int 2>&1 |
	grep -v 'arrival=\(main\|startup\|vdso\)'
for bad in libtampered.so libother.so; do
	echo
	echo "== $bad: refused"
	"$host" "${policy[@]}" load "$demo/$bad" || true
done
