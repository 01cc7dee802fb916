#!/bin/sh
# SPDX-License-Identifier: MIT
# `signet-host quarantine list|clear` and the quarantine marker of `list`,
# on the sample bundles the build made (plugins/). A real bundle is
# quarantined the way an isolated-guest host would do it, through the
# public API (record_crash), against its real cdhash; every command of
# docs/signet-host.md's quarantine section and docs/quarantine.md runs here.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b="$SIGNET_TEST_BUILDDIR"
p="$b/plugins"
host="$p/signet-host"
record="$b/tests/quarantine/record_crash"
anchors="--anchors $p/pki/root.pem"
[ -x "$host" ] && [ -x "$record" ] || { echo "no $host or $record: run make check"; exit 99; }

# This test's own per-user state: never the real user's store.
XDG_STATE_HOME="$tmpdir/state"
export XDG_STATE_HOME
store="$XDG_STATE_HOME/signet/quarantine.json"

rot13=$("$host" $anchors preflight "$p/Rot13.bundle" | sed -n 's/^cdhash: //p')
upper=$("$host" $anchors preflight "$p/Upper.bundle" | sed -n 's/^cdhash: //p')
echo "$rot13" | grep -Eq '^[0-9a-f]{64}$' || { echo "no cdhash for Rot13.bundle: $rot13"; exit 99; }

# --- an empty store ---
"$host" quarantine list >"$tmpdir/out" 2>&1
st=$?
[ "$st" -eq 0 ] && ok "quarantine list of no store exits 0" || not_ok "quarantine list exit" "got $st"
check_grep "an empty store says so, naming it" "^no crashes recorded \($store\)$" "$tmpdir/out"
[ ! -e "$XDG_STATE_HOME" ] && ok "listing creates nothing" || not_ok "listing creates nothing"

# list with nothing quarantined: the golden output, unchanged.
normalize() { sed -e 's/  *$//' -e 's/page [0-9]* (file offset 0x[0-9a-f]*, [0-9]* bytes)/page N (file offset X, N bytes)/' \
	-e 's/(SHA-256 [0-9a-f]\{64\})/(SHA-256 H)/g'; }
"$host" $anchors list "$p" 2>"$tmpdir/list.err" | normalize >"$tmpdir/list"
if diff -u "$SIGNET_TEST_SRCDIR/tests/hostapp/list.golden" "$tmpdir/list" >"$tmpdir/diff"; then
	ok "list is the golden output when nothing is quarantined"
else
	not_ok "list is the golden output when nothing is quarantined" "$(cat "$tmpdir/diff")"
fi
check_no_grep "list says nothing about an empty quarantine" '.' "$tmpdir/list.err"

# --- counting up to the limit ---
out=$("$record" - "$rot13" org.signet.sample.rot13 ABCDE12345 "killed by SIGSEGV during 'filter'" 3 2)
[ "$out" = counted ] && ok "two crashes of three: counted" || not_ok "two crashes" "got: $out"
"$host" quarantine list >"$tmpdir/out"
check_grep "list shows the count against the limit" \
	"^$rot13  2 of 3 crashes +org\.signet\.sample\.rot13 +ABCDE12345 +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z  killed by SIGSEGV during 'filter'$" \
	"$tmpdir/out"
check_grep "list has a header" '^CDHASH +STATE +IDENTIFIER +TEAM +LAST CRASH +REASON$' "$tmpdir/out"
"$host" quarantine list --limit 5 >"$tmpdir/out"
check_grep "--limit is the limit shown" "^$rot13  2 of 5 crashes " "$tmpdir/out"
"$host" quarantine list --limit 0 >"$tmpdir/out"
check_grep "--limit 0: just the count" "^$rot13  2 crashes " "$tmpdir/out"
"$host" $anchors list "$p" >"$tmpdir/list" 2>&1
check_grep "list: two crashes of three still load" '^Rot13\.bundle .* accepted$' "$tmpdir/list"

out=$("$record" - "$rot13" org.signet.sample.rot13 ABCDE12345 "killed by SIGSEGV during 'filter'" 3)
[ "$out" = quarantined ] && ok "the third crash quarantines" || not_ok "third crash" "got: $out"
"$host" quarantine list >"$tmpdir/out"
check_grep "quarantine list marks it quarantined" \
	"^$rot13  quarantined +org\.signet\.sample\.rot13 +ABCDE12345 +[0-9T:Z-]{20}  killed by SIGSEGV during 'filter'$" \
	"$tmpdir/out"
[ "$(stat -c %a "$store")" = 600 ] && [ "$(stat -c %a "$XDG_STATE_HOME/signet")" = 700 ] &&
	ok "the store is 0600 in a 0700 directory" || not_ok "store modes" "$(ls -la "$XDG_STATE_HOME/signet")"

# --- list marks it, and only it ---
"$host" $anchors list "$p" >"$tmpdir/list" 2>"$tmpdir/list.err"
st=$?
[ "$st" -eq 1 ] && ok "list exits 1 with a quarantined bundle" || not_ok "list exit" "got $st"
check_grep "list marks the quarantined bundle with the reason" \
	"^Rot13\.bundle +org\.signet\.sample\.rot13 +1\.0\.0 +ABCDE12345 +Rot13Filter +quarantined SIGNET_E_QUARANTINED: quarantined: org\.signet\.sample\.rot13 \(team ABCDE12345\) crashed 3 times, last: killed by SIGSEGV during 'filter' \([0-9T:Z-]{20}\); a new build starts afresh, or: signet-host quarantine clear $rot13$" \
	"$tmpdir/list"
# The same in list --json (docs/signet-host.md, "JSON output"): the verdict and the reason whole.
"$host" $anchors list --json "$p" >"$tmpdir/list.json" 2>/dev/null
st=$?
got=$(jq -c '.bundles[] | select(.name == "Rot13.bundle") | [.verdict, .cdhash, .reason.code, .reason.check,
	(.reason.message | test("crashed 3 times, last: killed by SIGSEGV during .filter. \\([0-9T:Z-]{20}\\)"))]' \
	"$tmpdir/list.json" 2>&1)
[ "$st" -eq 1 ] && [ "$got" = "[\"quarantined\",\"$rot13\",\"SIGNET_E_QUARANTINED\",\"quarantine.cdhash\",true]" ] &&
	ok "list --json marks it quarantined, with the reason" || not_ok "list --json quarantined" "exit $st: $got"
grep -v '^Rot13\.bundle ' "$tmpdir/list" | normalize >"$tmpdir/rest"
grep -v '^Rot13\.bundle ' "$SIGNET_TEST_SRCDIR/tests/hostapp/list.golden" >"$tmpdir/golden-rest"
if diff -u "$tmpdir/golden-rest" "$tmpdir/rest" >"$tmpdir/diff"; then
	ok "every other row is unchanged (another cdhash is unaffected)"
else
	not_ok "every other row is unchanged" "$(cat "$tmpdir/diff")"
fi
# docs/signet-host.md shows this very row; cdhashes (the build makes new
# keys), times and store paths normalized.
doc="$SIGNET_TEST_SRCDIR/docs/signet-host.md"
norm() {
	sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/T/g' -e 's/[0-9a-f]{64}/H/g' \
		-e 's/\([^)]*quarantine\.json\)/(STORE)/'
}
# The output the page shows after "$ signet-host quarantine ARGS" (ARGS normalized, CDHASH as H).
example() {
	norm <"$doc" | awk -v cmd="\$ signet-host quarantine $1" '$0 == cmd {on = 1; next} on && /^(```|\$ )/ {exit} on'
}
grep '^Rot13\.bundle .* quarantined ' "$doc" | norm >"$tmpdir/doc-row"
grep '^Rot13\.bundle ' "$tmpdir/list" | norm >"$tmpdir/row"
if [ -s "$tmpdir/doc-row" ] && cmp -s "$tmpdir/doc-row" "$tmpdir/row"; then
	ok "docs/signet-host.md shows the list marker as it is"
else
	not_ok "docs/signet-host.md shows the list marker as it is" "$(diff "$tmpdir/doc-row" "$tmpdir/row")"
fi
mkdir "$tmpdir/good"
cp -r "$p/Rot13.bundle" "$p/Upper.bundle" "$tmpdir/good/"
check_status "list of good bundles exits 1 when one is quarantined" 1 "$host" $anchors list "$tmpdir/good"

# --- clear ---
check_status "clear of something that is not a cdhash is a usage error" 2 "$host" quarantine clear 12ab
check_status "clear without an operand is a usage error" 2 "$host" quarantine clear
check_status "clear with two operands is a usage error" 2 "$host" quarantine clear "$rot13" "$upper"
check_status "clear CDHASH --all is a usage error" 2 "$host" quarantine clear "$rot13" --all
check_status "list with an operand is a usage error" 2 "$host" quarantine list x
check_status "an unknown subcommand is a usage error" 2 "$host" quarantine forget
check_status "no subcommand is a usage error" 2 "$host" quarantine
check_status "--limit takes a number" 2 "$host" quarantine list --limit many
check_status "--limit takes no negative number" 2 "$host" quarantine list --limit -1
check_status "quarantine --help exits 0" 0 "$host" quarantine --help
check_status "quarantine list --help exits 0" 0 "$host" quarantine list --help
"$host" --help >"$tmpdir/help"
check_grep "--help lists the quarantine command" '^  quarantine ' "$tmpdir/help"

"$host" quarantine clear "$upper" >"$tmpdir/out" 2>"$tmpdir/err"
st=$?
[ "$st" -eq 1 ] && ok "clearing a cdhash without crashes exits 1" || not_ok "clear absent exit" "got $st"
check_grep "and says so" "^signet-host: quarantine: no crash recorded for $upper \($store\)$" "$tmpdir/err"
rot13_caps=$(echo "$rot13" | tr a-f A-F)
"$host" quarantine clear "$rot13_caps" >"$tmpdir/out" 2>&1
st=$?
[ "$st" -eq 0 ] && ok "clear CDHASH exits 0 (upper-case hex too)" || not_ok "clear exit" "got $st" "$(cat "$tmpdir/out")"
check_grep "clear names what it cleared" "^cleared $rot13 \($store\)$" "$tmpdir/out"
[ -n "$(example "clear H")" ] && [ "$(example "clear H")" = "$(norm <"$tmpdir/out")" ] &&
	ok "docs/signet-host.md's clear CDHASH example" || not_ok "docs/signet-host.md's clear CDHASH example"
"$host" $anchors list "$tmpdir/good" >"$tmpdir/list" 2>&1
st=$?
[ "$st" -eq 0 ] && ok "after clear, list exits 0 again" || not_ok "list after clear" "got $st" "$(cat "$tmpdir/list")"
check_grep "after clear, the bundle is accepted" '^Rot13\.bundle .* accepted$' "$tmpdir/list"

# clear --all, with two cdhashes
"$record" - "$rot13" org.signet.sample.rot13 ABCDE12345 "killed by SIGSEGV during 'filter'" 1 >/dev/null
"$record" - "$upper" org.signet.sample.upper ABCDE12345 "sandbox: ptrace during 'repeat'" 3 >/dev/null
"$host" quarantine list >"$tmpdir/out"
# ... which is docs/signet-host.md's example.
example list >"$tmpdir/doc-list"
norm <"$tmpdir/out" >"$tmpdir/have"
if [ -s "$tmpdir/doc-list" ] && cmp -s "$tmpdir/doc-list" "$tmpdir/have"; then
	ok "docs/signet-host.md's quarantine list example is the real output"
else
	not_ok "docs/signet-host.md's quarantine list example" "$(diff "$tmpdir/doc-list" "$tmpdir/have")"
fi
[ "$(grep -c '^[0-9a-f]\{64\} ' "$tmpdir/out")" -eq 2 ] && ok "list shows one line per cdhash" ||
	not_ok "two lines" "$(cat "$tmpdir/out")"
check_grep "a cdhash of one crash of three" "^$upper  1 of 3 crashes +org\.signet\.sample\.upper .* sandbox: ptrace during 'repeat'$" \
	"$tmpdir/out"
"$host" quarantine clear --all >"$tmpdir/out" 2>&1
check_grep "clear --all counts what it cleared" "^cleared 2 entries \($store\)$" "$tmpdir/out"
[ -n "$(example "clear --all")" ] && [ "$(example "clear --all")" = "$(norm <"$tmpdir/out")" ] &&
	ok "docs/signet-host.md's clear --all example" || not_ok "docs/signet-host.md's clear --all example"
"$host" quarantine list >"$tmpdir/out"
check_grep "then the store is empty" "^no crashes recorded " "$tmpdir/out"

# --- --file: an explicit store ---
mkdir -m 0700 "$tmpdir/other"
"$record" "$tmpdir/other/q.json" "$rot13" org.signet.sample.rot13 - "exited with status 1" 3 >/dev/null
"$host" quarantine list --file "$tmpdir/other/q.json" >"$tmpdir/out"
check_grep "--file lists that store; no team is a dash" "^$rot13  1 of 3 crashes +org\.signet\.sample\.rot13 +- " "$tmpdir/out"
"$host" quarantine list >"$tmpdir/out"
check_grep "and the default store is untouched" "^no crashes recorded " "$tmpdir/out"
"$host" quarantine clear --file "$tmpdir/other/q.json" --all >"$tmpdir/out"
check_grep "clear --all --file" "^cleared 1 entry \($tmpdir/other/q\.json\)$" "$tmpdir/out"

# --- a damaged store fails closed, and clear --all repairs it ---
"$record" - "$rot13" org.signet.sample.rot13 ABCDE12345 "killed by SIGSEGV during 'filter'" 1 >/dev/null
printf '{"version":1,"entries":[' >"$store"
"$host" quarantine list >"$tmpdir/out" 2>"$tmpdir/err"
st=$?
[ "$st" -eq 1 ] && ok "quarantine list of a damaged store exits 1" || not_ok "damaged list exit" "got $st"
check_grep "it names the file and the reason, and the repair" \
	"^signet-host: quarantine: $store: not JSON: line 1, column 24: '\]' expected near end of file; isolated guests are refused until the quarantine store is repaired \(signet-host quarantine clear --all rewrites it\)$" \
	"$tmpdir/err"
"$host" $anchors list "$tmpdir/good" >"$tmpdir/list" 2>"$tmpdir/err"
st=$?
[ "$st" -eq 1 ] && ok "list exits 1 when the store is damaged" || not_ok "list damaged exit" "got $st"
check_grep "list says why on stderr" "^signet-host: list: quarantine: $store: not JSON" "$tmpdir/err"
check_grep "and still lists every bundle" '^Upper\.bundle .* accepted$' "$tmpdir/list"
out=$("$record" - "$rot13" org.signet.sample.rot13 ABCDE12345 "again" 1 2>&1)
case "$out" in
*"$store: not JSON"*) ok "a crash is not recorded over a damaged store" ;;
*) not_ok "record over a damaged store" "got: $out" ;;
esac
[ "$(cat "$store")" = '{"version":1,"entries":[' ] && ok "the damaged store is left as it was" || not_ok "damaged store kept"
"$host" quarantine clear --all >"$tmpdir/out" 2>"$tmpdir/err"
st=$?
[ "$st" -eq 0 ] && ok "clear --all of a damaged store exits 0" || not_ok "clear --all damaged exit" "got $st"
check_grep "and says it rewrote it" "^rewrote the damaged store $store empty$" "$tmpdir/out"
check_grep "after saying what was wrong" "^signet-host: quarantine: $store: not JSON" "$tmpdir/err"
check_status "then list works again" 0 "$host" quarantine list

# A FIFO at the store: refused at once, never waited on.
rm -f "$store"
mkfifo "$store"
timeout 60 "$host" quarantine list >"$tmpdir/out" 2>"$tmpdir/err"
st=$?
[ "$st" -eq 1 ] && ok "a FIFO at the store is refused (exit 1, no hang)" || not_ok "FIFO store" "exit $st"
check_grep "naming it" "^signet-host: quarantine: $store: not a regular file \(a FIFO\)" "$tmpdir/err"
"$host" quarantine clear --all >/dev/null 2>&1
[ -f "$store" ] && ok "clear --all replaces the FIFO with a store" || not_ok "FIFO replaced"

# --- no place for a store ---
env -u HOME -u XDG_STATE_HOME "$host" quarantine list >"$tmpdir/out" 2>"$tmpdir/err"
st=$?
[ "$st" -eq 1 ] && ok "no HOME and no XDG_STATE_HOME: exit 1" || not_ok "no home exit" "got $st"
check_grep "with a clear reason" \
	'^signet-host: quarantine: no place for the quarantine store: neither \$XDG_STATE_HOME nor \$HOME is set to an absolute path' \
	"$tmpdir/err"
mkdir "$tmpdir/home"
env -u XDG_STATE_HOME HOME="$tmpdir/home" "$host" quarantine list >"$tmpdir/out"
check_grep "HOME alone: ~/.local/state" "^no crashes recorded \($tmpdir/home/\.local/state/signet/quarantine\.json\)$" \
	"$tmpdir/out"
finish
