#!/bin/sh
# SPDX-License-Identifier: MIT
# RFC 3161 timestamps end to end: a real TSA (`openssl ts -reply` behind a
# local HTTP responder on 127.0.0.1), `signet sign --timestamp`, and
# `signet verify --tsa-anchors` after the leaf expired (--at, no sleeping);
# tokens over other bytes, from an untrusted TSA, from a time outside the
# leaf's validity, truncated; TSA URLs that are down, answer garbage, a huge
# body or the wrong type.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
signet="$SIGNET_TEST_BUILDDIR/signet"
fx="$SIGNET_TEST_BUILDDIR/tests/fixtures"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is needed for the local TSA"; exit 77; }
cd "$tmpdir" || exit 99

# --- the PKI: a code-signing CA with a one-day leaf, two TSA hierarchies ---
"$signet" ca init ca >/dev/null && "$signet" ca issue --team TSTEAM0001 --name Stamped --days 1 ca >/dev/null || exit 99
cat >ext.cnf <<'EOF'
[tsa_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[tsa_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[code_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
# make_tsa NAME: NAME-root.pem, NAME.key, NAME.pem, NAME.cnf (openssl ts's configuration)
make_tsa() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1-root.key" \
		-subj "/CN=$1 TSA Root" -days 30 -extensions tsa_root -config ext.cnf -out "$1-root.pem" 2>/dev/null &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
		-subj "/CN=$1 Time Stamping/O=Test" -out "$1.csr" 2>/dev/null &&
	openssl x509 -req -in "$1.csr" -CA "$1-root.pem" -CAkey "$1-root.key" -days 30 \
		-extfile ext.cnf -extensions tsa_leaf -out "$1.pem" 2>/dev/null || return 1
	echo 01 >"$1.serial"
	cat >"$1.cnf" <<EOF
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = $tmpdir/$1.serial
crypto_device = builtin
signer_cert = $tmpdir/$1.pem
signer_key = $tmpdir/$1.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
EOF
}
make_tsa good || exit 99
make_tsa rogue || exit 99
openssl x509 -in good.pem -noout -text >good.txt 2>&1
check_grep "the test TSA certificate has the critical timeStamping usage" 'Extended Key Usage: critical' good.txt

# --- the local TSA ---
# start_tsa CONFIG: a TSA answering with CONFIG's key on 127.0.0.1; its base URL in $tsa_url.
start_tsa() {
	rm -f port
	python3 "$SIGNET_TEST_SRCDIR/tests/cms/tsa_server.py" port "$1" 2>server.err &
	server=$!
	i=0
	while [ ! -s port ] && [ $i -lt 200 ] && kill -0 $server 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
	[ -s port ] || { echo "the TSA did not start:"; cat server.err; exit 99; }
	tsa_url="http://127.0.0.1:$(cat port)"
}
stop_tsa() { kill $server; wait $server 2>/dev/null; }
start_tsa good.cnf
trap 'kill $server 2>/dev/null; rm -rf "$tmpdir"' EXIT
url=$tsa_url

now=$(date +%s)
late=$((now + 3 * 86400)) # past the one-day leaf's notAfter
sign() { "$signet" sign --key ca/TSTEAM0001.key --cert ca/TSTEAM0001.pem --identifier com.example.stamped "$@"; }

# --- a good token ---
cp "$fx/libfixture1.so" good.so
check_status "sign --timestamp asks the TSA" 0 sign --timestamp "$url/tsa" good.so
check_status "the stamped file verifies now without TSA anchors" 0 "$signet" verify --anchors ca/root.pem good.so
check_status "after the leaf expired, it is refused without TSA anchors" 1 \
	"$signet" verify --anchors ca/root.pem --at "$late" good.so
"$signet" verify --anchors ca/root.pem --at "$late" good.so 2>err
check_grep "...as an expired certificate" 'certificate expired' err
check_status "after the leaf expired, a trusted timestamp keeps it valid" 0 \
	"$signet" verify --anchors ca/root.pem --tsa-anchors good-root.pem --at "$late" good.so
"$signet" verify --anchors ca/root.pem --tsa-anchors good-root.pem --at "$late" -v good.so >out 2>&1
check_grep "-v shows the timestamp's time" '^  timestamp: [0-9]{4}-[0-9]{2}-[0-9]{2}T' out
check_grep "-v shows the TSA" '^  timestamp-authority: O=Test,CN=good Time Stamping' out
"$signet" verify --anchors ca/root.pem --tsa-anchors good-root.pem --at "$late" --json good.so >out.json 2>&1
check_grep "--json carries the timestamp" '"timestamp": "[0-9]{4}-' out.json
check_grep "--json carries the TSA" '"timestamp_authority": "O=Test,CN=good Time Stamping' out.json
"$signet" verify --anchors ca/root.pem --json good.so >plain.json 2>&1
check_grep "--json has a null timestamp when none was used" '"timestamp": null' plain.json
"$signet" display good.so >out 2>&1
check_grep "display shows the token's claim, unverified" \
	'^timestamp: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z by O=Test,CN=good Time Stamping \(not verified here\)$' out
"$signet" display --json good.so >out.json 2>&1
check_grep "display --json has the timestamp object" '"authority": "O=Test,CN=good Time Stamping"' out.json
cp "$fx/libfixture1.so" plain.so && sign plain.so >/dev/null
"$signet" display --json plain.so >out.json 2>&1
check_grep "display --json has a null timestamp without one" '"timestamp": null' out.json
cat >policy.json <<'EOF'
{ "anchors": "ca/root.pem", "tsa_anchors": "good-root.pem" }
EOF
printf '{ "anchors": "ca/root.pem", "tsa_anchors": "missing.pem" }\n' >bad-policy.json
# A bundle: every file it signs is stamped; verify judges it under a policy with the TSA anchors.
cp -R "$SIGNET_TEST_BUILDDIR/plugins/Upper.bundle" Upper.bundle
check_status "sign --bundle --timestamp" 0 \
	"$signet" sign --key ca/TSTEAM0001.key --cert ca/TSTEAM0001.pem --timestamp "$url/tsa" --bundle Upper.bundle
check_status "the stamped bundle verifies with TSA anchors" 0 \
	"$signet" verify --anchors ca/root.pem --tsa-anchors good-root.pem Upper.bundle
"$signet" display Upper.bundle >out 2>&1
check_grep "display shows the bundle executable's timestamp" '^timestamp: .* by O=Test,CN=good Time Stamping' out
# The size does not depend on the TSA's answer: two stamped signings, one size.
cp "$fx/libfixture1.so" again.so && sign --timestamp "$url/tsa" again.so >/dev/null
[ "$(stat -c %s good.so)" = "$(stat -c %s again.so)" ] && ok "a stamped file has the same size each time" \
	|| not_ok "a stamped file has the same size each time" "$(stat -c %s good.so) vs $(stat -c %s again.so)"

# --- a token over other bytes: the TSA's answer for another signature ---
printf 'another signature' >other.bin
openssl ts -query -data other.bin -sha256 -cert -out other.tsq 2>/dev/null
openssl ts -reply -config good.cnf -queryfile other.tsq -out other.tsr 2>/dev/null
cp "$fx/libfixture1.so" replay.so
check_status "sign --timestamp-token takes a response file" 0 sign --timestamp-token other.tsr replay.so
cp "$fx/libfixture1.so" replay2.so && sign --timestamp-token other.tsr replay2.so >/dev/null 2>err
check_grep "...warning that it is over other bytes" \
	'^signet: sign: warning: other.tsr: the token is over other bytes than this signature' err
"$signet" verify --anchors ca/root.pem --tsa-anchors good-root.pem --json replay.so >out.json 2>/dev/null
check_grep "a token over other bytes is refused" '"code": "SIGNET_E_TIMESTAMP_INVALID"' out.json
check_grep "...by the imprint check" '"check": "timestamp.imprint"' out.json

# --- a token from a TSA that is not trusted ---
stop_tsa
start_tsa rogue.cnf
rogue_url=$tsa_url
cp "$fx/libfixture1.so" rogue.so
check_status "sign with an untrusted TSA" 0 sign --timestamp "$rogue_url/tsa" rogue.so
check_status "an untrusted TSA's token does not stop a valid-now verification" 0 \
	"$signet" verify --anchors ca/root.pem --tsa-anchors good-root.pem rogue.so
"$signet" verify --anchors ca/root.pem --tsa-anchors good-root.pem -v rogue.so >out 2>&1
check_no_grep "...and is not shown as the time" 'timestamp:' out
"$signet" verify --anchors ca/root.pem --tsa-anchors good-root.pem --at "$late" --json rogue.so >out.json 2>/dev/null
check_grep "after expiry, an untrusted TSA's token is refused" '"check": "timestamp.tsa"' out.json
"$signet" verify --anchors ca/root.pem --tsa-anchors good-root.pem --at "$late" rogue.so 2>err
check_grep "...saying the certificate expired and why the timestamp cannot help" \
	'certificate expired.*cannot stand in for it: its TSA does not chain' err
# The code-signing root is no TSA anchor: the roles do not mix.
"$signet" verify --anchors ca/root.pem --tsa-anchors ca/root.pem --at "$late" --json good.so >out.json 2>/dev/null
check_grep "a code-signing root does not vouch for times" '"check": "timestamp.tsa"' out.json

# --- a token time outside the leaf's validity: a leaf already expired when it signed ---
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout old.key \
	-subj "/CN=Expired Signer/OU=TSTEAM0001" -out old.csr 2>/dev/null
openssl x509 -req -in old.csr -CA ca/root.pem -CAkey ca/root.key -days -1 -extfile ext.cnf \
	-extensions code_leaf -out old.pem 2>/dev/null
cp "$fx/libfixture1.so" old.so
stop_tsa
start_tsa good.cnf
url=$tsa_url
check_status "sign with an expired leaf and a timestamp" 0 \
	"$signet" sign --key old.key --cert old.pem --identifier com.example.old --timestamp "$url/tsa" old.so
"$signet" verify --anchors ca/root.pem --tsa-anchors good-root.pem --json old.so >out.json 2>/dev/null
check_grep "a timestamp outside the leaf's validity is refused" '"check": "timestamp.time"' out.json
"$signet" verify --anchors ca/root.pem --tsa-anchors good-root.pem old.so 2>err
check_grep "...naming the time and the validity" 'signature was made at .* outside the validity of the leaf' err
# A verification time before the token: the signature did not exist yet.
"$signet" verify --anchors ca/root.pem --tsa-anchors good-root.pem --at $((now - 3600)) --json good.so >out.json 2>/dev/null
check_grep "a timestamp after the verification time is refused" '"check": "timestamp.time"' out.json

# --- a truncated token ---
openssl ts -reply -config good.cnf -queryfile other.tsq -token_out -out token.der 2>/dev/null
head -c 200 token.der >short.der
cp "$fx/libfixture1.so" short.so
check_status "a truncated token is refused at signing" 1 sign --timestamp-token short.der short.so
sign --timestamp-token short.der short.so 2>err
check_grep "...saying it does not parse" 'unusable timestamp token: .*truncated or damaged' err
check_status "a whole token file is accepted (DER TimeStampToken)" 0 sign --timestamp-token token.der short.so

# --- the TSA URL: down, garbage, huge, wrong type, not http ---
stop_tsa
cp "$fx/libfixture1.so" net.so
check_status "a TSA that is down fails the signing" 1 sign --timestamp "$url/tsa" net.so
sign --timestamp "$url/tsa" net.so 2>err
check_grep "...naming the URL and the reason" "timestamp authority $url/tsa: the request failed: .*(onnect|refused)" err
cmp -s net.so "$fx/libfixture1.so" && ok "...and leaves the file as it was" || not_ok "...and leaves the file as it was"
start_tsa good.cnf
url=$tsa_url
sign --timestamp "$url/garbage" net.so 2>err; st=$?
[ $st -eq 1 ] && ok "garbage from the TSA fails the signing" || not_ok "garbage from the TSA fails the signing" "exit $st"
check_grep "...as not a TimeStampResp" "timestamp authority $url/garbage: the reply is not a DER TimeStampResp" err
sign --timestamp "$url/huge" net.so 2>err; st=$?
[ $st -eq 1 ] && ok "a huge reply fails the signing" || not_ok "a huge reply fails the signing" "exit $st"
check_grep "...bounded, saying so" "timestamp authority $url/huge: the reply is more than 32768 bytes" err
sign --timestamp "$url/html" net.so 2>err
check_grep "a reply of another type is refused" 'not application/timestamp-reply but text/html' err
sign --timestamp "$url/nothing" net.so 2>err
check_grep "an HTTP error is named" 'the TSA answered HTTP status 404' err
check_status "a file:// URL is a usage error" 2 sign --timestamp "file:///etc/passwd" net.so
check_status "--timestamp and --timestamp-token do not mix" 2 sign --timestamp "$url/tsa" --timestamp-token token.der net.so

# --- policies: tsa_anchors, relative to the policy file like anchors ---
mkdir -p pol && cp good-root.pem pol/tsa.pem && cp ca/root.pem pol/root.pem
printf '{ "anchors": "root.pem", "tsa_anchors": "tsa.pem" }\n' >pol/policy.json
printf '{ "anchors": "root.pem", "tsa_anchors": "missing.pem" }\n' >pol/bad.json
printf '{ "anchors": "root.pem", "tsa_anchors": "" }\n' >pol/empty.json
host="$SIGNET_TEST_BUILDDIR/signet-host"
check_status "a policy with tsa_anchors loads the stamped file" 0 \
	"$host" --policy pol/policy.json --requirement 'anchor trusted' load good.so
"$host" --policy pol/bad.json --requirement 'anchor trusted' load good.so 2>err; st=$?
[ $st -ne 0 ] && ok "a policy whose TSA anchors are missing is refused" || not_ok "a policy whose TSA anchors are missing is refused"
check_grep "...naming the key and the file" 'tsa_anchors.*cannot load TSA anchors: .*pol/missing\.pem' err
"$host" --policy pol/empty.json --requirement 'anchor trusted' load good.so 2>err
check_grep "an empty tsa_anchors is refused" 'tsa_anchors.*expected a path' err
finish
