#!/bin/sh
# SPDX-License-Identifier: MIT
# docs/writing-a-plugin.md, followed literally against the installed Signet:
# the page's blocks become one script, in order, run in an empty temporary
# directory:
#   <!-- file: NAME --> then a fenced block: the block is written to NAME;
#   a ```sh block: its commands run (set -e: any failure fails the test),
#     their standard output kept;
#   <!-- output --> then a fenced block: the previous sh block's standard
#     output must be exactly that.
# Other blocks are not run. `make installcheck` runs this with PATH,
# LD_LIBRARY_PATH and PKG_CONFIG_PATH pointing at the install (tests/install/
# local.mk); by hand, set those three and SIGNET_TEST_SRCDIR and
# SIGNET_TEST_BUILDDIR (any directory) the same way.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"

page=$SIGNET_TEST_SRCDIR/docs/writing-a-plugin.md
# Nothing from the caller's environment may choose the policy or the anchors.
unset SIGNET_POLICY SIGNET_ANCHORS SIGNET_PRINT_IMAGES
export XDG_CACHE_HOME="$tmpdir/cache" XDG_STATE_HOME="$tmpdir/state"

awk '
	/^<!-- file: [^ ]+ -->$/ { file = $3; next }
	/^<!-- output -->$/ { expect = 1; next }
	!inside && /^```/ {
		inside = 1
		lang = substr($0, 4)
		if (file != "") {
			mode = "file"; files++
			print "cat >\x27" file "\x27 <<\x27SIGNET_DOC_EOF\x27"
		} else if (expect) {
			mode = "output"; outputs++
			print "cat >\"$doc_out/expect." blocks "\" <<\x27SIGNET_DOC_EOF\x27"
		} else if (lang == "sh") {
			mode = "sh"; blocks++
			print "echo \">>> sh block " blocks "\" >&2"
			print "{"
		} else
			mode = "skip"
		next
	}
	inside && /^```$/ {
		inside = 0
		if (mode == "file" || mode == "output")
			print "SIGNET_DOC_EOF"
		if (mode == "sh") {
			print "} >\"$doc_out/got." blocks "\""
			print "cat \"$doc_out/got." blocks "\""
		}
		if (mode == "output")
			print "diff -u \"$doc_out/expect." blocks "\" \"$doc_out/got." blocks "\" >&2"
		file = ""; expect = 0
		next
	}
	inside && mode != "skip" { print }
	END { printf "# %d sh blocks, %d files, %d outputs\n", blocks, files, outputs }
' "$page" >"$tmpdir/walkthrough.sh"

counts=$(tail -1 "$tmpdir/walkthrough.sh")
case $counts in
"# 0 "* | *" 0 files"* | *" 0 outputs") not_ok "blocks extracted from $page" "$counts" ;;
*) ok "blocks extracted from the page ($counts)" ;;
esac

mkdir "$tmpdir/work" "$tmpdir/out"
if (cd "$tmpdir/work" && doc_out="$tmpdir/out" sh -e "$tmpdir/walkthrough.sh") >"$tmpdir/log" 2>&1; then
	ok "docs/writing-a-plugin.md runs as written, every output as shown"
else
	not_ok "docs/writing-a-plugin.md runs as written, every output as shown" "$(tail -40 "$tmpdir/log")"
fi

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
