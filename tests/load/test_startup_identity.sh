#!/bin/sh
# SPDX-License-Identifier: MIT
# The main program's and the startup libraries' signatures
# (signet_image_signature(), docs/registry.md "Signatures") as
# `signet-host images` and the image log show them: the signed copy of the
# host verified against the default policy's anchors, invalid under other
# anchors (with the reason), a signed LD_PRELOAD'ed library verified as a
# startup image, and unsigned images unsigned.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b="$SIGNET_TEST_BUILDDIR"
host="$b/tests/signet-host" # signed by team ABCDE12345 (tests/load/local.mk)
fx=$(cd "$b/tests/fixtures" && pwd -P)
unset SIGNET_POLICY

SIGNET_ANCHORS="$b/tests/pki/root.pem" SIGNET_PRINT_IMAGES=1 "$host" images >"$tmpdir/out" 2>"$tmpdir/log"
check_status "images exits 0" 0 env SIGNET_ANCHORS="$b/tests/pki/root.pem" "$host" images
check_grep "the signed host is verified" '^1 +0x[0-9a-f]{16} main +verified .*/tests/signet-host$' "$tmpdir/out"
check_grep "its identity is printed below it" \
	'^     identifier=org\.signet\.host team=ABCDE12345 cdhash=[0-9a-f]{40,64}$' "$tmpdir/out"
check_grep "libc stays unsigned" ' startup +unsigned .*/libc\.so\.6$' "$tmpdir/out"
check_grep "the vDSO is unsigned" ' vdso +unsigned .* linux-vdso\.so\.1$' "$tmpdir/out"
check_grep "the image log shows the host verified" \
	'^signet-image: add pid=[0-9]+ base=0x[0-9a-f]{16} id=1 build-id=[0-9a-f]+ arrival=main identity=verified team=ABCDE12345 identifier=org\.signet\.host cdhash=[0-9a-f]{40,64} path=/.*/tests/signet-host$' "$tmpdir/log"

# docs/image-log.md's first example, as written there: the sample host, signed by the sample team.
(cd "$b" && SIGNET_ANCHORS=plugins/pki/root.pem SIGNET_PRINT_IMAGES=1 plugins/signet-host images) >/dev/null 2>"$tmpdir/log"
check_grep "the sample host's log line says verified, as docs/image-log.md shows" \
	'^signet-image: add pid=[0-9]+ base=0x[0-9a-f]{16} id=1 build-id=[0-9a-f]+ arrival=main identity=verified team=ABCDE12345 identifier=org\.signet\.sample\.host cdhash=[0-9a-f]{64} path=/.*/plugins/signet-host$' "$tmpdir/log"

# The same in `images --json`: the signed host verified, with its identity; then invalid with its reason.
SIGNET_ANCHORS="$b/tests/pki/root.pem" "$host" images --json >"$tmpdir/img.json"
check_status "images --json: the signed host is verified, with its identity and no reason" 0 \
	jq -e '.images[0] | .arrival == "main" and .signature == "verified" and .signed == false
		and .identifier == "org.signet.host" and .team == "ABCDE12345" and .reason == null' "$tmpdir/img.json"
SIGNET_ANCHORS="$b/tests/pki/rogue/root.pem" "$host" images --json >"$tmpdir/img.json"
check_status "images --json: under other anchors invalid, the reason whole, no identity" 0 \
	jq -e '.images[0] | .signature == "invalid" and .identifier == null and (.reason.code | startswith("SIGNET_E_"))
		and (.reason.message | test("signed, but does not verify: "))' "$tmpdir/img.json"

# Other anchors: signed, but the chain does not reach them.
SIGNET_ANCHORS="$b/tests/pki/rogue/root.pem" SIGNET_PRINT_IMAGES=1 "$host" images >"$tmpdir/out" 2>"$tmpdir/log"
check_grep "under other anchors the host is invalid" '^1 +0x[0-9a-f]{16} main +invalid .*/tests/signet-host$' "$tmpdir/out"
check_grep "and the reason is printed below it" '^     invalid: .*/tests/signet-host: signed, but does not verify: ' "$tmpdir/out"
check_grep "the image log shows it invalid with code and quoted reason" \
	'^signet-image: add pid=[0-9]+ .* arrival=main identity=invalid code=SIGNET_E_[A-Z_]+ reason=".*signed, but does not verify: [^"]*" path=/.*/tests/signet-host$' "$tmpdir/log"
check_no_grep "no image is shown verified under the wrong anchors" 'identity=verified' "$tmpdir/log"

# A signed library ld.so loaded before main(): a startup image, verified from its file.
# (A sanitized host needs its ASan runtime first in the list.)
asan=$(ldd "$host" | awk '/libasan/ { print $3 }')
SIGNET_ANCHORS="$b/tests/pki/root.pem" LD_PRELOAD="${asan:+$asan }$fx/libfixture0.so" "$host" images >"$tmpdir/out" 2>&1
check_grep "a signed preloaded library is a verified startup image" \
	" startup +verified +[0-9a-f]{40} +$fx/libfixture0\\.so\$" "$tmpdir/out"
check_grep "with its identifier" '^     identifier=org\.signet\.test\.fixture0 team=ABCDE12345 cdhash=' "$tmpdir/out"

# A relative LD_PRELOAD: ld.so records "./libfixture0.so", opened against the same directory and checked by inode.
(cd "$fx" && SIGNET_ANCHORS="$b/tests/pki/root.pem" LD_PRELOAD="${asan:+$asan }./libfixture0.so" "$host" images) >"$tmpdir/out" 2>&1
check_grep "a relative preload is verified too" ' startup +verified +[0-9a-f]{40} +\./libfixture0\.so$' "$tmpdir/out"

# An unsigned program: unsigned, whatever the anchors.
SIGNET_ANCHORS="$b/tests/pki/root.pem" "$b/signet-host" images >"$tmpdir/out" 2>&1
check_grep "the unsigned host is unsigned" '^1 +0x[0-9a-f]{16} main +unsigned .*signet-host$' "$tmpdir/out"
check_no_grep "and nothing in it is invalid" ' invalid ' "$tmpdir/out"
finish
