#!/bin/sh
# SPDX-License-Identifier: MIT
# `signet revoke` and `signet display` of a list, end to end: a list made by
# the tool, read by a policy file, refusing a load by signet-host; rollback
# and expiry through the tool's own files; usage errors; atomic output.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
signet="$SIGNET_TEST_BUILDDIR/signet"
host="$SIGNET_TEST_BUILDDIR/signet-host"
export XDG_STATE_HOME="$tmpdir/state"
ca="$tmpdir/ca"
# Lists come from a CA of their own (docs/revocation.md, "Who may sign a list").
"$signet" ca init "$ca" >/dev/null && "$signet" ca issue --team ABCDE12345 --name Example "$ca" >/dev/null \
	&& "$signet" ca init "$tmpdir/lists-ca" >/dev/null \
	&& "$signet" ca issue --team LISTS00001 --name Lists "$tmpdir/lists-ca" >/dev/null || exit 99
key="--key $tmpdir/lists-ca/LISTS00001.key --cert $tmpdir/lists-ca/LISTS00001.pem"
# A small fixture library (libz would clash with the copy signet-host itself maps).
lib="$SIGNET_TEST_BUILDDIR/tests/fixtures/libmarker.so"
[ -r "$lib" ] || exit 99
cp "$lib" "$tmpdir/lib.so" && "$signet" sign --key "$ca/ABCDE12345.key" --cert "$ca/ABCDE12345.pem" \
	--identifier com.example.lib "$tmpdir/lib.so" >/dev/null || exit 99
cdhash=$("$signet" display --json "$tmpdir/lib.so" | jq -r '.results[0].signature.cdhash')

# --- usage ---
check_status "revoke --help exits 0" 0 "$signet" revoke --help
check_status "revoke without --name is a usage error" 2 "$signet" revoke --sequence 1 --valid-for 1d $key -o "$tmpdir/x.sig"
check_status "--expires and --valid-for together are a usage error" 2 "$signet" revoke --name f --sequence 1 \
	--valid-for 1d --expires 2099-01-01T00:00:00Z $key -o "$tmpdir/x.sig"
check_status "a sequence of 0 is a usage error" 2 "$signet" revoke --name f --sequence 0 --valid-for 1d $key -o "$tmpdir/x.sig"
check_status "a bad duration is a usage error" 2 "$signet" revoke --name f --sequence 1 --valid-for 1w $key -o "$tmpdir/x.sig"
"$signet" revoke --name f --sequence 1 --valid-for 1d --cdhash abc $key -o "$tmpdir/x.sig" 2>"$tmpdir/err"
check_grep "a short cdhash is named" "signet: revoke: --cdhash wants 64 hex digits, not 'abc'" "$tmpdir/err"
"$signet" revoke --name f --sequence 1 --valid-for 1d --team -bad $key -o "$tmpdir/x.sig" 2>"$tmpdir/err"
check_grep "a bad team is refused by the list's own reader" "signet: revoke: the new list: teams\[0\]: expected a team ID" "$tmpdir/err"
[ ! -e "$tmpdir/x.sig" ] && ok "a refused list writes nothing" || not_ok "a refused list writes nothing"

# --- a list, shown ---
check_status "revoke writes a list" 0 "$signet" revoke --name fleet --sequence 2 --issued 2026-01-01T00:00:00Z \
	--expires 2099-01-01T00:00:00Z --cdhash "$cdhash" --serial 00a1b $key -o "$tmpdir/fleet.sig"
"$signet" display "$tmpdir/fleet.sig" >"$tmpdir/show"
check_grep "display names the list" '^name: fleet$' "$tmpdir/show"
check_grep "display gives the sequence" '^sequence: 2$' "$tmpdir/show"
check_grep "display gives the times in ISO 8601" '^expires: 2099-01-01T00:00:00Z$' "$tmpdir/show"
check_grep "display gives the cdhash" "^cdhash: $cdhash\$" "$tmpdir/show"
check_grep "serials are normalized" '^serial: A1B$' "$tmpdir/show"
"$signet" display --json "$tmpdir/fleet.sig" >"$tmpdir/json"
check_grep "--json: the kind" '"kind": "revocation_list"' "$tmpdir/json"
[ "$(jq -r '.results[0].revocation_list.sequence' "$tmpdir/json")" = 2 ] && ok "--json: the sequence" || not_ok "--json: the sequence"
openssl cms -verify -inform DER -in "$tmpdir/fleet.sig" -CAfile "$tmpdir/lists-ca/root.pem" -purpose any -out "$tmpdir/content" \
	>/dev/null 2>&1 && ok "openssl cms verifies the list too" || not_ok "openssl cms verifies the list too"
check_grep "its content is the JSON list" '"format": "signet-revocation-list/1"' "$tmpdir/content"
ls -A "$tmpdir" >"$tmpdir/ls"
check_no_grep "no temporary file is left" '^\.' "$tmpdir/ls"

# --- a policy reading it refuses the load ---
cat >"$tmpdir/policy.json" <<JSON
{ "anchors": "ca/root.pem", "requirement": "anchor trusted",
  "revocation": { "lists": ["fleet.sig"], "list_signers": "lists-ca/root.pem" } }
JSON
"$host" --policy "$tmpdir/policy.json" load "$tmpdir/lib.so" >/dev/null 2>&1 # (asserted below)
sed 's/, "list_signers": "lists-ca\/root.pem"//' "$tmpdir/policy.json" >"$tmpdir/no-signers.json"
"$host" --policy "$tmpdir/no-signers.json" load "$tmpdir/lib.so" >"$tmpdir/out" 2>&1
check_grep "lists without list signers are refused, saying why" \
	'revocation.lists: needs revocation.list_signers: the anchors that sign lists' "$tmpdir/out"
# A list signed under the code CA (a team's key) is not a list: refused.
"$signet" revoke --name fleet --sequence 99 --valid-for 1d --key "$ca/ABCDE12345.key" --cert "$ca/ABCDE12345.pem" \
	-o "$tmpdir/by-team.sig" >/dev/null || exit 99
sed 's/fleet.sig/by-team.sig/' "$tmpdir/policy.json" >"$tmpdir/by-team.json"
"$host" --policy "$tmpdir/by-team.json" load "$tmpdir/lib.so" >"$tmpdir/out" 2>&1
check_grep "a list signed by a team's code key is refused" 'not a usable revocation list: untrusted anchor' "$tmpdir/out"
"$host" --policy "$tmpdir/policy.json" load "$tmpdir/lib.so" >"$tmpdir/out" 2>&1
check_grep "signet-host refuses the revoked cdhash, naming the list and its sequence" \
	"revoked: cdhash $cdhash is on revocation list \"fleet\" \\($tmpdir/fleet.sig, sequence 2\\)" "$tmpdir/out"

# --- rollback: sequence 3, then 2 again ---
check_status "sequence 3 written" 0 "$signet" revoke --name fleet --sequence 3 --valid-for 30d $key -o "$tmpdir/fleet3.sig"
sed 's/fleet.sig/fleet3.sig/' "$tmpdir/policy.json" >"$tmpdir/policy3.json"
check_status "the newer list (revoking nothing) lets the load through" 0 "$host" --policy "$tmpdir/policy3.json" \
	load "$tmpdir/lib.so"
"$host" --policy "$tmpdir/policy.json" load "$tmpdir/lib.so" >"$tmpdir/out" 2>&1
check_grep "the older list is refused afterwards" 'revocation list "fleet" sequence 2 is older than sequence 3 already seen' "$tmpdir/out"

# --- eight hosts reading eight lists at once: no record is lost (the state is locked) ---
for i in 1 2 3 4 5 6 7 8; do
	"$signet" revoke --name "par$i" --sequence 7 --valid-for 1d $key -o "$tmpdir/par$i.sig" >/dev/null || exit 99
	sed "s/fleet3.sig/par$i.sig/" "$tmpdir/policy3.json" >"$tmpdir/par$i.json"
done
for i in 1 2 3 4 5 6 7 8; do
	"$host" --policy "$tmpdir/par$i.json" load "$tmpdir/lib.so" >/dev/null 2>&1 &
done
wait
n=$(grep -o '"par[1-8]":7' "$XDG_STATE_HOME/signet/revocation.json" | wc -l)
[ "$n" = 8 ] && ok "concurrent hosts: every list's sequence is recorded" \
	|| not_ok "concurrent hosts: every list's sequence is recorded" "$(cat "$XDG_STATE_HOME/signet/revocation.json")"

# A FIFO where the state's lock file goes: refused at once, naming it (never waits for a writer).
mkdir -p "$tmpdir/fifo-state/signet" && chmod 700 "$tmpdir/fifo-state" "$tmpdir/fifo-state/signet" \
	&& mkfifo "$tmpdir/fifo-state/signet/revocation.lock" || exit 99
XDG_STATE_HOME="$tmpdir/fifo-state" timeout 20 "$host" --policy "$tmpdir/par1.json" load "$tmpdir/lib.so" \
	>"$tmpdir/out" 2>&1
check_grep "a FIFO as the state lock is refused" 'revocation.lock: cannot lock the state: not a regular file' "$tmpdir/out"

# --- expiry: refused, then ignored ---
check_status "an expired list is written" 0 "$signet" revoke --name old --sequence 1 --issued 2020-01-01T00:00:00Z \
	--valid-for 1d $key -o "$tmpdir/old.sig"
cat >"$tmpdir/policy-old.json" <<JSON
{ "anchors": "ca/root.pem", "requirement": "anchor trusted",
  "revocation": { "lists": ["old.sig"], "list_signers": "lists-ca/root.pem" } }
JSON
"$host" --policy "$tmpdir/policy-old.json" load "$tmpdir/lib.so" >"$tmpdir/out" 2>&1
check_grep "every load is refused while the list is expired" \
	'lib\.so: refused: revocation list "old" \(.*old.sig, sequence 1\) expired at 2020-01-02T00:00:00Z \(now [0-9T:-]+Z\): install a newer revocation list, or set revocation.expired_lists to "ignore"$' "$tmpdir/out"
sed 's/"lists"/"expired_lists": "ignore", "lists"/' "$tmpdir/policy-old.json" >"$tmpdir/policy-ignore.json"
check_status "expired_lists ignore: loaded" 0 "$host" --policy "$tmpdir/policy-ignore.json" load "$tmpdir/lib.so"

# --- docs/revocation.md's script, as written ---
mkdir "$tmpdir/doc" && cp -r "$ca" "$tmpdir/doc/ca" && cp "$tmpdir/lib.so" "$tmpdir/doc/lib.so" || exit 99
export XDG_STATE_HOME="$tmpdir/doc/state" # the script's list starts at sequence 1
doc="$SIGNET_TEST_SRCDIR/docs/revocation.md"
awk '/^<!-- script:/ { want = 1; next } /^```/ { if (inblock) exit; if (want) inblock = 1; next } inblock' "$doc" \
	>"$tmpdir/script.sh"
(cd "$tmpdir/doc" && PATH="$SIGNET_TEST_BUILDDIR:$PATH" sh -e "$tmpdir/script.sh") >"$tmpdir/got" 2>&1 \
	&& ok "docs/revocation.md's script runs" || not_ok "docs/revocation.md's script runs" "$(cat "$tmpdir/got")"
check_grep "docs script: display shows the list" '^name: com\.example\.fleet$' "$tmpdir/got"
check_grep "docs script: the host refuses the revoked library" 'revoked: cdhash [0-9a-f]{64} is on revocation list "com\.example\.fleet"' "$tmpdir/got"

# --- docs/revocation.md's JSON blocks, as written ---
# block N of the page's ```json blocks
json_block() {
	awk -v n="$1" '/^```json$/ { k++; if (k == n) { inblock = 1; next } } /^```$/ { inblock = 0 } inblock' "$doc"
}
mkdir "$tmpdir/docjson" && cd "$tmpdir/docjson" || exit 99
export XDG_STATE_HOME="$tmpdir/docjson/state"
# 1: a list's content. Signed as any CMS signer would (stock openssl, content inside), shown by signet.
json_block 1 >content.json
openssl cms -sign -binary -nodetach -md sha256 -outform DER -in content.json -signer ../lists-ca/LISTS00001.pem \
	-inkey ../lists-ca/LISTS00001.key -out doc-list.sig 2>/dev/null || exit 99
"$signet" display doc-list.sig >show 2>&1
check_grep "docs: the list content parses (name)" '^name: com\.example\.fleet$' show
check_grep "docs: the list content parses (its team)" '^team: ZZZZZ99999$' show
check_grep "docs: the list content parses (its serial)" '^serial: A1B2C3$' show
# 2: the policy, with the files it names.
json_block 2 >policy.json
mkdir anchors revocation && cp "$ca/root.pem" anchors/root.pem && cp ../lists-ca/root.pem list-anchors.pem || exit 99
"$signet" revoke --name com.example.fleet --sequence 1 --valid-for 1d --team ZZZZZ99999 $key \
	-o revocation/fleet.sig >/dev/null || exit 99
: >index.txt && echo 01 >crlnumber || exit 99
openssl ca -config /dev/stdin -gencrl -keyfile "$ca/root.key" -cert "$ca/root.pem" -out revocation/intermediate.crl \
	2>/dev/null <<EOF || exit 99
[ca]
default_ca = d
[d]
database = $tmpdir/docjson/index.txt
crlnumber = $tmpdir/docjson/crlnumber
default_md = sha256
default_crl_days = 30
EOF
check_status "docs: the policy loads as written and admits the library" 0 \
	"$host" --policy policy.json --requirement 'anchor trusted' load "$tmpdir/lib.so"
# 3: a trust bundle's policy, with its two files.
json_block 3 >bundle-policy.json
grep -q '"trust_bundle"' bundle-policy.json || not_ok "docs: the third JSON block is the trust bundle's policy"
"$signet" trust-bundle --name com.example.fleet --sequence 1 --valid-for 1d --anchors "$ca/root.pem" \
	--requirement 'anchor trusted' $key -o fleet.tb >/dev/null || exit 99
cp ../lists-ca/root.pem bundle-signers.pem || exit 99
check_status "docs: the trust bundle's policy loads as written and admits the library" 0 \
	"$host" --policy bundle-policy.json load "$tmpdir/lib.so"
cd "$tmpdir" || exit 99
finish
