# SPDX-License-Identifier: MIT
# walkthrough.sh - runs a docs/ page that is a test, against the installed
# Signet. Source it after tests/lib.sh, then call `walkthrough PAGE`: the
# page's blocks become one script, in order, run in $tmpdir/work (empty):
#   <!-- file: NAME --> then a fenced block: the block is written to NAME;
#   a ```sh block: its commands run (set -e: any failure fails the test),
#     their standard output kept;
#   <!-- output --> then a fenced block: the previous sh block's standard
#     output must be exactly that.
# Other blocks are not run. Two checks: the blocks were found, and the page
# ran as written with every output as shown.
walkthrough() {
	page=$1
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
		ok "$(basename "$page") runs as written, every output as shown"
	else
		not_ok "$(basename "$page") runs as written, every output as shown" "$(tail -40 "$tmpdir/log")"
	fi
}
