#!/bin/sh
# SPDX-License-Identifier: MIT
# docs/writing-a-plugin.md, followed literally against the installed Signet
# (tests/install/walkthrough.sh says how a page runs). `make installcheck`
# runs this with PATH, LD_LIBRARY_PATH and PKG_CONFIG_PATH pointing at the
# install (tests/install/local.mk); by hand, set those three and
# SIGNET_TEST_SRCDIR and SIGNET_TEST_BUILDDIR (any directory) the same way.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
. "$SIGNET_TEST_SRCDIR/tests/install/walkthrough.sh"

page=$SIGNET_TEST_SRCDIR/docs/writing-a-plugin.md
# Nothing from the caller's environment may choose the policy or the anchors.
unset SIGNET_POLICY SIGNET_ANCHORS SIGNET_PRINT_IMAGES
export XDG_CACHE_HOME="$tmpdir/cache" XDG_STATE_HOME="$tmpdir/state"

walkthrough "$page"

# What the page promises beyond the outputs it shows.
check_status "the bundle it built verifies: signet-host preflight" 0 \
	signet-host --anchors "$tmpdir/work/reverse/ca/root.pem" \
	--requirement 'anchor trusted and team "ABCDE12345"' preflight "$tmpdir/work/reverse/Reverse.bundle"
readelf -d "$tmpdir/work/reverse/reverse.so" >"$tmpdir/dynamic" 2>&1
check_grep "the plugin is the shared object reverse.so" 'SONAME.*\[reverse\.so\]' "$tmpdir/dynamic"
check_no_grep "the plugin links no Signet library" 'NEEDED.*signet' "$tmpdir/dynamic"
mb=$(pkg-config --variable=make_bundle signet)
case $mb in
*/signet/make-bundle.sh) if [ -f "$mb" ]; then ok "make_bundle names the installed script"; else not_ok "make_bundle" "no file $mb"; fi ;;
*) not_ok "make_bundle names the installed script" "pkg-config says '$mb'" ;;
esac

finish
