#!/bin/sh
# SPDX-License-Identifier: MIT
# Trust bundles end to end (docs/revocation.md, "One trust bundle for a
# fleet"): `signet trust-bundle` makes one, `signet display` shows it, a
# policy file names it with its signers, and signet-host loads or refuses
# under what it brings: anchors, requirement, revocation entries, CRLs,
# TSA anchors; rollback, expiry, the wrong signer, a tampered file, keys the
# bundle brings set in the policy file too; and docs/revocation.md's script.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
signet="$SIGNET_TEST_BUILDDIR/signet"
host="$SIGNET_TEST_BUILDDIR/signet-host"
export XDG_STATE_HOME="$tmpdir/state"
cd "$tmpdir" || exit 99
# Code is signed under ca/, bundles under fleet-ca/: the bundle signer is not a code anchor.
"$signet" ca init ca >/dev/null && "$signet" ca issue --team ABCDE12345 --name Example ca >/dev/null \
	&& "$signet" ca issue --team OTHER00001 --name Other ca >/dev/null \
	&& "$signet" ca init fleet-ca >/dev/null && "$signet" ca issue --team FLEET00001 --name Fleet fleet-ca >/dev/null \
	&& "$signet" ca init rogue-ca >/dev/null && "$signet" ca issue --team ROGUE00001 --name Rogue rogue-ca >/dev/null \
	|| exit 99
bkey="--key fleet-ca/FLEET00001.key --cert fleet-ca/FLEET00001.pem"
lib="$SIGNET_TEST_BUILDDIR/tests/fixtures/libmarker.so"
[ -r "$lib" ] || exit 99
cp "$lib" lib.so && "$signet" sign --key ca/ABCDE12345.key --cert ca/ABCDE12345.pem --identifier com.example.lib \
	lib.so >/dev/null || exit 99
cdhash=$("$signet" display --json lib.so | jq -r '.results[0].signature.cdhash')
serial=$("$signet" display --json lib.so | jq -r '.results[0].signature.certificates[0].serial')
[ ${#cdhash} = 64 ] && [ -n "$serial" ] && [ "$serial" != null ] || exit 99

# A policy naming bundle FILE; expired_lists as $2 when given.
policy() {
	if [ -n "${2:-}" ]; then
		printf '{ "trust_bundle": { "file": "%s", "signers": "fleet-ca/root.pem" },\n  "revocation": { "expired_lists": "%s" } }\n' "$1" "$2"
	else
		printf '{ "trust_bundle": { "file": "%s", "signers": "fleet-ca/root.pem" } }\n' "$1"
	fi >policy.json
}
# bundle NAME SEQ FILE [options...]: a bundle valid for 30 days with ca/'s anchors and a requirement
# (without one, the policy's default requirement, `team = host`, would refuse: signet-host has no team).
bundle() {
	n=$1 s=$2 f=$3
	shift 3
	"$signet" trust-bundle --name "$n" --sequence "$s" --valid-for 30d --anchors ca/root.pem $bkey -o "$f" \
		--requirement 'anchor trusted and team "ABCDE12345"' "$@"
}

# --- usage ---
check_status "trust-bundle --help exits 0" 0 "$signet" trust-bundle --help
"$signet" trust-bundle --name f --sequence 1 --valid-for 1d $bkey -o x.tb 2>err
check_status "without --anchors: a usage error" 2 "$signet" trust-bundle --name f --sequence 1 --valid-for 1d $bkey -o x.tb
check_grep "the message says why" "signet: trust-bundle: needs --anchors: a trust bundle without anchors trusts nothing" err
"$signet" revoke --name f --sequence 1 --valid-for 1d --crl x.crl $bkey -o x.sig 2>err
check_grep "revoke refuses the bundle's options by name" "signet: revoke: '--crl' is an option of 'signet trust-bundle'" err
"$signet" trust-bundle --name f --sequence 1 --valid-for 1d --anchors ca/root.pem --requirement 'anchor trusted and' \
	$bkey -o x.tb 2>err
check_grep "a bad requirement is refused by the bundle's own reader" \
	"signet: trust-bundle: the new trust bundle: requirement: " err
[ ! -e x.tb ] && ok "a refused bundle writes nothing" || not_ok "a refused bundle writes nothing"
"$signet" trust-bundle --name f --sequence 1 --valid-for 1d --anchors ca/ABCDE12345.key $bkey -o x.tb 2>err
check_grep "anchors that are not certificates are named" "signet: trust-bundle: .*ca/ABCDE12345.key" err

# --- a bundle, shown ---
check_status "trust-bundle writes a bundle" 0 bundle com.example.fleet 1 fleet1.tb
"$signet" display fleet1.tb >show
check_grep "display: the kind and path" '^trust-bundle: fleet1.tb$' show
check_grep "display: the name" '^name: com.example.fleet$' show
check_grep "display: the requirement" '^requirement: anchor trusted and team "ABCDE12345"$' show
check_grep "display: the anchor with its SHA-256" '^anchor: CN=Signet Development Root CA [0-9a-f]+,.*\(SHA-256 [0-9a-f]{64}\)$' show
"$signet" display --json fleet1.tb >json
[ "$(jq -r '.results[0].kind' json)" = trust_bundle ] && ok "--json: the kind" || not_ok "--json: the kind"
[ "$(jq -r '.results[0].trust_bundle.anchors | length' json)" = 1 ] && ok "--json: one anchor" || not_ok "--json: one anchor"
want=$(openssl x509 -in ca/root.pem -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
[ "$(jq -r '.results[0].trust_bundle.anchors[0].sha256' json)" = "$want" ] && ok "--json: the anchor's SHA-256 is its DER's" \
	|| not_ok "--json: the anchor's SHA-256 is its DER's"
openssl cms -verify -inform DER -in fleet1.tb -CAfile fleet-ca/root.pem -purpose any -out content >/dev/null 2>&1 \
	&& ok "openssl cms verifies the bundle" || not_ok "openssl cms verifies the bundle"
check_grep "its content is JSON in the bundle format" '"format": "signet-trust-bundle/1"' content

# --- loading under it ---
policy fleet1.tb
check_status "the bundle's anchors and requirement admit the library" 0 "$host" --policy policy.json load lib.so
grep -q '"bundles":{"com.example.fleet":1}' state/signet/revocation.json && ok "the bundle's sequence is recorded" \
	|| not_ok "the bundle's sequence is recorded" "$(cat state/signet/revocation.json)"

cp "$lib" other.so && "$signet" sign --key ca/OTHER00001.key --cert ca/OTHER00001.pem --identifier com.example.lib \
	other.so >/dev/null || exit 99
"$host" --policy policy.json load other.so >out 2>&1
check_status "another team fails the bundle's requirement" 1 "$host" --policy policy.json load other.so
check_grep "the refusal is the requirement's" 'requirement' out

# --- what the bundle revokes ---
bundle com.example.fleet 2 fleet2.tb --cdhash "$cdhash" >/dev/null
policy fleet2.tb
"$host" --policy policy.json load lib.so >out 2>&1
check_grep "a cdhash the bundle names is refused, naming the bundle" \
	"revoked: cdhash $cdhash is on trust bundle \"com.example.fleet\" \\(.*fleet2.tb, sequence 2\\)" out
bundle com.example.fleet 3 fleet3.tb --team ABCDE12345 >/dev/null
policy fleet3.tb
"$host" --policy policy.json load lib.so >out 2>&1
check_grep "a team the bundle names is refused" 'revoked: team ABCDE12345 is on trust bundle "com.example.fleet"' out
# A CRL from the code CA revoking the library's signing certificate, carried in the bundle.
cat >crl.cnf <<EOF
[ca]
default_ca = d
[d]
database = index.txt
crlnumber = crlnumber
default_md = sha256
default_crl_days = 30
EOF
: >index.txt && echo 01 >crlnumber
openssl ca -config crl.cnf -gencrl -keyfile ca/root.key -cert ca/root.pem -out empty.crl 2>/dev/null || exit 99
openssl x509 -in ca/ABCDE12345.pem -noout -serial >/dev/null || exit 99
openssl ca -config crl.cnf -revoke ca/ABCDE12345.pem -keyfile ca/root.key -cert ca/root.pem 2>/dev/null || exit 99
openssl ca -config crl.cnf -gencrl -keyfile ca/root.key -cert ca/root.pem -out revoked.crl 2>/dev/null || exit 99
bundle com.example.fleet 4 fleet4.tb --crl empty.crl >/dev/null
policy fleet4.tb
check_status "a CRL revoking nothing of the chain: loaded" 0 "$host" --policy policy.json load lib.so
bundle com.example.fleet 5 fleet5.tb --crl revoked.crl >/dev/null
"$signet" display fleet5.tb >show
check_grep "display: the CRL's issuer" '^crl: CN=Signet Development Root CA' show
policy fleet5.tb
"$host" --policy policy.json load lib.so >out 2>&1
check_grep "the bundle's CRL revokes the signing certificate" \
	"lib\\.so: revoked: certificate \"CN=Example,OU=ABCDE12345,O=Example\" serial $serial is revoked by CRL .*fleet5.tb \\(crls\\[0\\]\\) since [0-9T:-]+Z\$" out

# --- the fuzz target's invariants over a real bundle with every member ---
bundle com.example.full 1 full.tb --tsa-anchors fleet-ca/root.pem --crl revoked.crl --crl empty.crl \
	--cdhash "$cdhash" --team OTHER00001 --serial 0A1B >/dev/null || exit 99
openssl cms -verify -inform DER -in full.tb -CAfile fleet-ca/root.pem -purpose any -out full.json >/dev/null 2>&1 \
	|| exit 99
"$SIGNET_TEST_BUILDDIR/fuzz/replay_trust_bundle" full.json >out 2>&1 \
	&& ok "the fuzz target's checks and round trip hold for a full bundle" \
	|| not_ok "the fuzz target's checks and round trip hold for a full bundle" "$(cat out)"
"$signet" display --json full.tb >json
[ "$(jq -r '.results[0].trust_bundle | [(.tsa_anchors | length), (.crls | length), (.serials[0])] | join(" ")' json)" = "1 2 A1B" ] \
	&& ok "--json: TSA anchors, CRLs and normalized serials" || not_ok "--json: TSA anchors, CRLs and normalized serials" "$(cat json)"

# --- rollback ---
# signet-host exits 2 for a policy it cannot use; tests/policy/test_revocation.c asserts the codes.
policy fleet1.tb
"$host" --policy policy.json load lib.so >out 2>&1
check_status "an older bundle makes the policy unusable" 2 "$host" --policy policy.json load lib.so
check_grep "rollback: named, with both sequences" \
	'policy: policy.json: trust_bundle: .*fleet1.tb: trust bundle "com.example.fleet" sequence 1 is older than sequence 5 already seen' out
grep -q '"com.example.fleet":5' state/signet/revocation.json && ok "the record is not lowered" \
	|| not_ok "the record is not lowered" "$(cat state/signet/revocation.json)"
# A list and a bundle with the same name are tracked apart.
"$signet" revoke --name com.example.fleet --sequence 1 --valid-for 1d --key fleet-ca/FLEET00001.key \
	--cert fleet-ca/FLEET00001.pem -o list.sig >/dev/null || exit 99
bundle com.example.fleet 6 fleet6.tb >/dev/null
cat >policy-list.json <<'EOF'
{ "trust_bundle": { "file": "fleet6.tb", "signers": "fleet-ca/root.pem" },
  "revocation": { "lists": ["list.sig"], "list_signers": "fleet-ca/root.pem" } }
EOF
"$host" --policy policy-list.json load lib.so >out 2>&1 && ok "a list named like the bundle is not a rollback of it" \
	|| not_ok "a list named like the bundle is not a rollback of it" "$(cat out)"

# --- the wrong signer, a tampered file ---
"$signet" trust-bundle --name com.example.fleet --sequence 9 --valid-for 30d --anchors rogue-ca/root.pem \
	--key rogue-ca/ROGUE00001.key --cert rogue-ca/ROGUE00001.pem -o rogue.tb >/dev/null || exit 99
policy rogue.tb
"$host" --policy policy.json load lib.so >out 2>&1
check_grep "a bundle signed by another CA is refused" 'not a usable trust bundle: .*untrusted|not a usable trust bundle' out
check_grep "the refusal names the file" 'rogue.tb' out
grep -q '"com.example.fleet":6' state/signet/revocation.json && ok "a refused bundle records nothing" \
	|| not_ok "a refused bundle records nothing"
# Code-signing anchors do not sign bundles: the library's own CA is not the bundle signer.
"$signet" trust-bundle --name com.example.fleet --sequence 9 --valid-for 30d --anchors ca/root.pem \
	--key ca/ABCDE12345.key --cert ca/ABCDE12345.pem -o code-signed.tb >/dev/null || exit 99
policy code-signed.tb
check_status "a bundle signed under the code CA, not the bundle signers: refused" 2 "$host" --policy policy.json load lib.so
python3 - fleet5.tb tampered.tb <<'EOF' || exit 99
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
i = b.find(b'"sequence": 5')
b[i + 12] = ord('7')
open(sys.argv[2], 'wb').write(bytes(b))
EOF
policy tampered.tb
"$host" --policy policy.json load lib.so >out 2>&1
check_grep "a bundle changed after signing is refused" 'not a usable trust bundle' out
mkfifo fifo.tb
policy fifo.tb
"$host" --policy policy.json load lib.so >out 2>&1
check_grep "a FIFO as the bundle is refused without blocking" 'not a regular file' out

# --- expiry ---
"$signet" trust-bundle --name old.fleet --sequence 1 --issued 2020-01-01T00:00:00Z --valid-for 1d \
	--anchors ca/root.pem --requirement 'anchor trusted' $bkey -o old.tb >/dev/null || exit 99
policy old.tb
"$host" --policy policy.json load lib.so >out 2>&1
check_grep "an expired bundle refuses every load" \
	'refused: trust bundle "old.fleet" \(.*old.tb, sequence 1\) expired at 2020-01-02T00:00:00Z' out
policy old.tb ignore
check_status "expired_lists ignore keeps the expired bundle in use" 0 "$host" --policy policy.json load lib.so

# --- keys the bundle brings, set in the policy file too ---
printf '{ "anchors": "ca/root.pem", "trust_bundle": { "file": "fleet5.tb", "signers": "fleet-ca/root.pem" } }\n' \
	>both.json
"$host" --policy both.json load lib.so >out 2>&1
check_grep "anchors and a trust bundle together are refused" \
	'a policy with "trust_bundle" cannot set "anchors" too' out
printf '{ "trust_bundle": { "file": "fleet5.tb" } }\n' >nosigners.json
"$host" --policy nosigners.json load lib.so >out 2>&1
check_grep "a bundle without its signers is refused" 'trust_bundle.signers: missing' out

# --- docs/revocation.md's trust bundle script, as written ---
mkdir doc && cp -r ca fleet-ca doc/ && cp lib.so doc/ || exit 99
awk '/^<!-- script: tests\/policy\/test_trust_bundle.sh/ { want = 1; next }
	/^```/ { if (inblock) exit; if (want) inblock = 1; next } inblock' "$SIGNET_TEST_SRCDIR/docs/revocation.md" >script.sh
[ -s script.sh ] && ok "docs/revocation.md has the trust bundle script" || not_ok "docs/revocation.md has the trust bundle script"
(cd doc && XDG_STATE_HOME="$tmpdir/doc/state" PATH="$SIGNET_TEST_BUILDDIR:$PATH" sh -e ../script.sh) >got 2>&1 \
	&& ok "docs/revocation.md's trust bundle script runs" || not_ok "docs/revocation.md's trust bundle script runs" "$(cat got)"
check_grep "docs script: display shows the bundle" '^trust-bundle: fleet.tb$' got
check_grep "docs script: the host loads under the bundle" '^  team: ABCDE12345$' got
finish
