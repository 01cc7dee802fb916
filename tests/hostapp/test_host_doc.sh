#!/bin/sh
# SPDX-License-Identifier: MIT
# docs/signet-host.md as written: the sessions of "Which policy", "Command
# line" and "JSON output" run command by command in one shell, with the
# page's working directory (a directory holding `plugins`, the build's
# sample bundles) and `signet-host` the sample host, each command's output
# (stdout and stderr) compared with the page's; the `run` and `pipe`
# examples in plugins/; the `list` rows and the `images` table's shape.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b="$SIGNET_TEST_BUILDDIR"
p="$b/plugins"
doc="$SIGNET_TEST_SRCDIR/docs/signet-host.md"
[ -x "$p/signet-host" ] || { echo "no $p/signet-host: run make first"; exit 99; }
command -v jq >/dev/null || { not_ok "jq is installed (scripts/install-deps.sh installs it)"; finish; }
XDG_STATE_HOME="$tmpdir/state"
XDG_CACHE_HOME="$tmpdir/cache"
export XDG_STATE_HOME XDG_CACHE_HOME
unset SIGNET_POLICY SIGNET_ANCHORS
mkdir "$tmpdir/bin" "$tmpdir/work"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$p/signet-host" >"$tmpdir/bin/signet-host"
chmod +x "$tmpdir/bin/signet-host"
PATH="$tmpdir/bin:$PATH"
export PATH
ln -s "$p" "$tmpdir/work/plugins"

# session HEADING: the first ``` block after the heading, run in $tmpdir/work, compared.
session() {
	awk -v h="## $1" '$0 == h { want = 1; next } want && /^```$/ { if (inside) exit; inside = 1; next } inside' "$doc" \
		>"$tmpdir/session"
	rm -f "$tmpdir"/cmd.* "$tmpdir"/want.* "$tmpdir"/got.*
	i=0
	while IFS= read -r line; do
		case "$line" in
		'$ '*) i=$((i + 1)); printf '%s\n' "${line#\$ }" >"$tmpdir/cmd.$i"; : >"$tmpdir/want.$i" ;;
		*) printf '%s\n' "$line" >>"$tmpdir/want.$i" ;;
		esac
	done <"$tmpdir/session"
	if [ "$i" -ge 4 ]; then ok "\"$1\" has a session of $i commands"; else not_ok "\"$1\" has a session" "$i commands"; fi
	: >"$tmpdir/run.sh"
	k=1
	while [ $k -le $i ]; do
		printf '{ %s; } >"%s" 2>&1\n' "$(cat "$tmpdir/cmd.$k")" "$tmpdir/got.$k" >>"$tmpdir/run.sh"
		k=$((k + 1))
	done
	(cd "$tmpdir/work" && sh "$tmpdir/run.sh")
	k=1
	while [ $k -le $i ]; do
		sed -e "s|$b/||g" "$tmpdir/got.$k" >"$tmpdir/norm.$k"
		if cmp -s "$tmpdir/norm.$k" "$tmpdir/want.$k"; then
			ok "$1: $(cat "$tmpdir/cmd.$k")"
		else
			not_ok "$1: $(cat "$tmpdir/cmd.$k")" "$(diff "$tmpdir/want.$k" "$tmpdir/norm.$k")"
		fi
		k=$((k + 1))
	done
}
session "Which policy"
session "Command line"
session "JSON output"

# The `run` and `pipe` examples name bundles in plugins/; the anchors come from the environment.
for cmd in "signet-host run Upper.bundle repeat ab 3" "echo Hello | signet-host pipe Rot13.bundle"; do
	want=$(awk -v c="\$ $cmd" 'found { print; exit } $0 == c { found = 1 }' "$doc")
	got=$(cd "$p" && SIGNET_ANCHORS="$p/pki/root.pem" sh -c "$cmd" 2>&1)
	if [ -n "$want" ] && [ "$got" = "$want" ]; then ok "the page's \`$cmd\`"; else not_ok "the page's \`$cmd\`" "page: $want" "got: $got"; fi
done

# The `list` table's rows are real rows (the flipped page depends on the build).
norm_page() { sed -e 's/  *$//' -e 's/page [0-9]* (file offset 0x[0-9a-f]*, [0-9]* bytes)/page N/'; }
awk '/^`list DIR` preflights/ { want = 1 } want && /^```$/ { if (inside) exit; inside = 1; next } inside' "$doc" |
	norm_page >"$tmpdir/doc-list"
"$p/signet-host" --anchors "$p/pki/root.pem" list "$p" 2>&1 | norm_page >"$tmpdir/list"
missing=$(grep -vxFf "$tmpdir/list" "$tmpdir/doc-list")
if [ "$(wc -l <"$tmpdir/doc-list")" -ge 3 ] && [ -z "$missing" ]; then
	ok "each row of the page's list table is a real row"
else
	not_ok "each row of the page's list table is a real row" "$missing"
fi

# The `images` table: the real header, and rows of the real shape.
awk '/^`images \[BUNDLE\.\.\.\]` loads/ { want = 1 } want && /^```$/ { if (inside) exit; inside = 1; next } inside' "$doc" \
	>"$tmpdir/doc-images"
"$p/signet-host" images >"$tmpdir/images" 2>&1
if [ "$(head -1 "$tmpdir/doc-images")" = "$(head -1 "$tmpdir/images")" ]; then
	ok "the page's images header is the real one"
else
	not_ok "the page's images header is the real one" "$(head -1 "$tmpdir/doc-images")"
fi
row='^[0-9]+ +0x[0-9a-f]{16} [a-z]+ +(signed|unsigned) +([0-9a-f]{40}|-) +[^ ]+$'
bad=$(sed -n '2,$p' "$tmpdir/doc-images" | grep -v '^\.\.\.$' | grep -Ev "$row")
if [ -z "$bad" ] && sed -n '2,4p' "$tmpdir/images" | grep -Eq "$row"; then
	ok "the page's images rows have the real rows' shape"
else
	not_ok "the page's images rows have the real rows' shape" "$bad"
fi

# man/signet-host.1 names every option --help shows, and every command.
man="$SIGNET_TEST_SRCDIR/man/signet-host.1"
"$p/signet-host" --help >"$tmpdir/help"
for c in list info preflight load run pipe images serve call quarantine; do
	"$p/signet-host" "$c" --help >>"$tmpdir/help"
	grep -q "^\.Cm $c\( \|\$\)" "$man" || grep -q "^\.It Cm $c " "$man" || not_ok "man/signet-host.1 describes $c"
done
missing=
for opt in $(grep -o -- '--[a-z][a-z-]*' "$tmpdir/help" | sort -u); do
	[ "$opt" = --help ] || [ "$opt" = --opt ] && continue
	grep -q -- "Fl -${opt#--}\( \|\$\)" "$man" || missing="$missing $opt"
done
if [ -z "$missing" ]; then ok "man/signet-host.1 has every option of --help"; else not_ok "man/signet-host.1 lacks" "$missing"; fi
for v in SIGNET_POLICY SIGNET_ANCHORS SIGNET_GUEST_HELPER SIGNET_PRINT_IMAGES XDG_CACHE_HOME XDG_STATE_HOME; do
	if grep -q "^\.It Ev $v\$" "$man" && grep -q "$v" "$tmpdir/help" "$doc"; then
		ok "$v is in ENVIRONMENT, and in --help or docs/signet-host.md"
	else
		not_ok "$v is in ENVIRONMENT, and in --help or docs/signet-host.md"
	fi
done
finish
