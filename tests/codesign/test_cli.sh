#!/bin/sh
# SPDX-License-Identifier: MIT
# `signet sign`, `verify` and `display` end to end, with codesign's exit
# codes, stock `openssl cms -verify` interoperability, and the foreign corpus;
# then the command line docs/signet.md and man/signet.1 promise: one error
# style ("signet: VERB: MESSAGE", usage errors exit 2), `--at` in both forms,
# bundles given to verify and display (the sample bundles the build made),
# --json parsed with jq and checked against the text output and the files.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
signet="$SIGNET_TEST_BUILDDIR/signet"
cd "$tmpdir" || exit 99
command -v jq >/dev/null || { echo "jq is missing (scripts/install-deps.sh installs it)"; exit 99; }

# check_err NAME STATUS EXPECTED_STDERR CMD... : the exit status, and stderr exactly.
check_err() {
	name=$1 want=$2 expected=$3; shift 3
	"$@" >"$tmpdir/ce.out" 2>"$tmpdir/ce.err"; got=$?
	if [ "$got" -eq "$want" ] && [ "$(cat "$tmpdir/ce.err")" = "$expected" ]; then
		ok "$name"
	else
		not_ok "$name" "exit $got (wanted $want): $*" "stderr: $(cat "$tmpdir/ce.err")" "wanted: $expected"
	fi
}

# check_eq NAME GOT WANTED : two strings are equal (and not empty).
check_eq() {
	if [ -n "$3" ] && [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got '$2'" "wanted '$3'"; fi
}

# A new user signs in three commands.
"$signet" ca init ca >/dev/null || exit 99
"$signet" ca issue --team ABCDE12345 --name "Team A" ca >/dev/null || exit 99
"$signet" ca init other >/dev/null || exit 99
"$signet" ca issue --team ZZZZZ99999 --name "Other" other >/dev/null || exit 99
cp /usr/lib/x86_64-linux-gnu/libsqlite3.so.0 lib.so
cp lib.so unsigned.so

check_status "sign exits 0" 0 "$signet" sign --key ca/ABCDE12345.key --cert ca/ABCDE12345.pem --identifier org.example.lib lib.so
check_status "sign without --identifier is a usage error" 2 "$signet" sign --key ca/ABCDE12345.key --cert ca/ABCDE12345.pem lib.so
check_status "sign with a bad page size is a usage error" 2 "$signet" sign --key ca/ABCDE12345.key --cert ca/ABCDE12345.pem --identifier x --page-size 8k lib.so
check_status "sign a missing file fails" 1 "$signet" sign --key ca/ABCDE12345.key --cert ca/ABCDE12345.pem --identifier x nothere.so
check_status "sign with a missing key fails" 1 "$signet" sign --key nokey.pem --cert ca/ABCDE12345.pem --identifier x lib.so
check_status "sign --help exits 0" 0 "$signet" sign --help

check_status "verify a signed file exits 0" 0 "$signet" verify --anchors ca/root.pem lib.so
"$signet" verify -v --anchors ca/root.pem lib.so >out 2>&1
check_grep "verify -v names the identifier" '^  identifier: org\.example\.lib$' out
check_grep "verify -v names the team" '^  team: ABCDE12345$' out
check_grep "verify -v gives the cdhash" '^  cdhash: [0-9a-f]{64}$' out
SIGNET_ANCHORS=ca/root.pem "$signet" verify lib.so >out 2>&1
check_grep "SIGNET_ANCHORS supplies the anchors" '^lib\.so: valid$' out

"$signet" verify --anchors other/root.pem lib.so >out 2>err
check_status "verify against another CA exits 1" 1 "$signet" verify --anchors other/root.pem lib.so
check_grep "an untrusted signer is refused, naming the file" '^signet: verify: lib\.so: ' err
# The refusal tells the roots apart: the signer's root by name (it is not
# in the signature), the leaf and the trusted anchor by SHA-256, computed
# here by stock openssl.
fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }
name() { openssl x509 -in "$1" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'; }
check_grep "the untrusted refusal names the leaf by its SHA-256" \
	"the chain ends at \"$(name ca/ABCDE12345.pem)\" \(SHA-256 $(fingerprint ca/ABCDE12345.pem)\)" err
check_grep "the untrusted refusal names the signer's root" "whose issuer \"$(name ca/root.pem)\" was not found" err
check_grep "the untrusted refusal names the trusted anchor by its SHA-256" \
	"the trusted anchor is \"$(name other/root.pem)\" \(SHA-256 $(fingerprint other/root.pem)\)" err
"$signet" verify --anchors ca/root.pem unsigned.so 2>err
check_grep "an unsigned file is refused as unsigned" 'unsigned\.so: not signed' err
check_status "verify of an unsigned file exits 1" 1 "$signet" verify --anchors ca/root.pem unsigned.so
check_status "verify without FILE is a usage error" 2 "$signet" verify --anchors ca/root.pem
check_status "verify with missing anchors is a usage error" 2 "$signet" verify --anchors /nonexistent lib.so

# Requirements: met (0), not met (3), invalid (2).
check_status "a requirement that holds exits 0" 0 "$signet" verify --anchors ca/root.pem --requirement 'identifier "org.example.lib" and team "ABCDE12345"' lib.so
check_status "a requirement that fails exits 3" 3 "$signet" verify --anchors ca/root.pem --requirement 'team "ZZZZZ99999"' lib.so
check_status "an invalid requirement exits 2" 2 "$signet" verify --anchors ca/root.pem --requirement 'team ==' lib.so
"$signet" verify --anchors ca/root.pem --requirement 'team "ZZZZZ99999"' lib.so 2>err
check_grep "an unmet requirement explains itself" 'ZZZZZ99999' err

# signet req check: verify, then evaluate.
"$signet" req check --anchors ca/root.pem 'identifier "org.example.lib"' lib.so >out 2>&1
check_grep "req check reports a satisfied requirement" '^lib\.so: satisfies the requirement$' out
check_status "req check exits 3 when unmet" 3 "$signet" req check --anchors ca/root.pem 'team = host' lib.so
"$signet" req check --anchors ca/root.pem 'team = host' lib.so 2>err
check_grep "req check explains team = host without a host" 'the host has no team' err
check_status "req check exits 1 on an unsigned file" 1 "$signet" req check --anchors ca/root.pem 'anchor trusted' unsigned.so
check_status "req check exits 2 on a bad requirement" 2 "$signet" req check --anchors ca/root.pem 'team ==' lib.so

# One flipped byte in page 3.
cp lib.so tampered.so
printf '\377' | dd of=tampered.so bs=1 seek=$((3 * 4096 + 100)) conv=notrunc status=none
"$signet" verify --anchors ca/root.pem tampered.so 2>err
check_grep "a flipped byte names its page and offset" 'page 3 \(file offset 0x3000' err
check_status "a tampered file exits 1 even when another is valid" 1 "$signet" verify --anchors ca/root.pem lib.so tampered.so

# display, and interoperability with stock OpenSSL.
"$signet" display lib.so >out
check_grep "display gives the identifier" '^identifier: org\.example\.lib$' out
check_grep "display gives the team" '^team: ABCDE12345$' out
check_grep "display gives hash type and page size" '^page-size: 4096$' out
check_grep "display lists the signing certificate" 'subject: .*CN ?= ?Team A' out
check_grep "display shows absent special slots" '^  -1 manifest: absent$' out
check_no_grep "display shows no entitlements line when there are none" '^entitlements:' out
check_grep "display shows the entitlements slot absent" '^  -3 entitlements: absent$' out
"$signet" display -v lib.so >out
check_grep "display -v lists page hashes" '^  0: [0-9a-f]{64}$' out

# Entitlements: shown as signed, every byte a terminal would act on escaped.
cp unsigned.so ent.so
printf '{\n\t"org.signet.files.read": true,\n\t"com.example.\033[31mred": "caf\303\251"\n}\n' >ent.json
check_status "sign --entitlements exits 0" 0 "$signet" sign --key ca/ABCDE12345.key --cert ca/ABCDE12345.pem \
	--identifier org.example.ent --entitlements ent.json ent.so
"$signet" display ent.so >out
check_grep "display shows the entitlements' seal" '^  -3 entitlements: [0-9a-f]{64}$' out
check_grep "display gives their size" "^signature: .*, entitlements $(wc -c <ent.json | tr -d ' ')\)$" out
check_grep "display starts the entitlements on their line" '^entitlements: \{$' out
check_grep "display indents each following line, tabs kept" "^  $(printf '\t')\"org\\.signet\\.files\\.read\": true,$" out
check_grep "display escapes control and non-ASCII bytes" \
	'^  '"$(printf '\t')"'"com\.example\.\\x1b\[31mred": "caf\\xc3\\xa9"$' out
check_grep "display drops the final line break only" '^  \}$' out
check_no_grep "display never writes the escape byte itself" "$(printf '\033')" out
check_status "the entitlements verify" 0 "$signet" verify --anchors ca/root.pem ent.so
check_status "display extracts CMS and CodeDirectory" 0 "$signet" display --extract-cms sig.cms --extract-cd cd.bin lib.so
check_status "display will not overwrite an extract" 1 "$signet" display --extract-cms sig.cms lib.so
check_status "display of an unsigned file exits 1" 1 "$signet" display unsigned.so
check_status "stock openssl cms -verify accepts the extracted signature" 0 \
	openssl cms -verify -binary -inform DER -in sig.cms -content cd.bin -CAfile ca/root.pem -purpose any -out /dev/null
cp cd.bin cd-bad.bin
printf 'X' | dd of=cd-bad.bin bs=1 seek=60 conv=notrunc status=none
check_status "stock openssl rejects a changed CodeDirectory" 4 \
	openssl cms -verify -binary -inform DER -in sig.cms -content cd-bad.bin -CAfile ca/root.pem -purpose any -out /dev/null

# Every foreign file: exit 1, a reason naming the file, never a crash.
corpus="$SIGNET_CORPUS/elf-foreign"
if [ -d "$corpus" ]; then
	bad=0
	for f in "$corpus"/*; do
		"$signet" verify --anchors ca/root.pem "$f" >/dev/null 2>err
		st=$?
		if [ $st -ne 1 ] || ! grep -q "^signet: verify: $f: " err; then
			bad=$((bad + 1)); echo "  $f: exit $st: $(cat err)"
		fi
		"$signet" display "$f" >/dev/null 2>&1
		st=$?
		[ $st -eq 1 ] || { bad=$((bad + 1)); echo "  display $f: exit $st"; }
	done
	if [ $bad -eq 0 ]; then ok "every corpus file is refused with its reason"; else not_ok "corpus refusals" "$bad failures"; fi
else
	not_ok "the shared corpus is present" "$corpus missing"
fi
# ---- One error style: "signet: VERB: MESSAGE", usage errors exit 2 ----
check_err "no verb" 2 "signet: no verb given (try 'signet --help')" "$signet"
check_err "an unknown verb is named" 2 "signet: unknown verb 'frobnicate' (try 'signet --help')" "$signet" frobnicate
check_err "an unknown global option is named" 2 "signet: unknown option '--bogus' (try 'signet --help')" "$signet" --bogus
check_err "verify: an unknown long option is named" 2 \
	"signet: verify: unknown option '--bogus' (try 'signet verify --help')" "$signet" verify --bogus lib.so
check_err "verify: an unknown option with a value is named whole" 2 \
	"signet: verify: unknown option '--anchorz=ca/root.pem' (try 'signet verify --help')" \
	"$signet" verify --anchorz=ca/root.pem lib.so
check_err "verify: an unknown short option is named" 2 \
	"signet: verify: unknown option '-x' (try 'signet verify --help')" "$signet" verify -x lib.so
check_err "verify: a missing value is named" 2 \
	"signet: verify: option '--anchors' needs a value (try 'signet verify --help')" "$signet" verify --anchors
check_err "verify: no operand" 2 "signet: verify: no FILE or BUNDLE given (try 'signet verify --help')" \
	"$signet" verify --anchors ca/root.pem
check_err "verify: a bad pid is named" 2 \
	"signet: verify: --pid wants a process id from 1, not '0x10' (try 'signet verify --help')" "$signet" verify --pid 0x10
check_err "display: a missing value is named" 2 \
	"signet: display: option '--extract-cms' needs a value (try 'signet display --help')" "$signet" display --extract-cms
check_err "display: an unknown option is named" 2 \
	"signet: display: unknown option '--bogus' (try 'signet display --help')" "$signet" display --bogus lib.so
cp lib.so before.so
check_err "sign: a malformed --identifier is a usage error" 2 \
	"signet: sign: --identifier wants 1-255 characters of A-Z a-z 0-9 . - _, not 'bad id' (try 'signet sign --help')" \
	"$signet" sign --key ca/ABCDE12345.key --cert ca/ABCDE12345.pem --identifier 'bad id' lib.so
cmp -s lib.so before.so && ok "a usage error leaves the file as it was" || not_ok "a usage error leaves the file as it was"
check_err "sign: a bad page size is named" 2 \
	"signet: sign: --page-size wants 4k, 16k or 64k, not '8k' (try 'signet sign --help')" \
	"$signet" sign --key ca/ABCDE12345.key --cert ca/ABCDE12345.pem --identifier x --page-size 8k lib.so
check_err "sign: a missing key is a usage error" 2 "signet: sign: --key is required (try 'signet sign --help')" \
	"$signet" sign --cert ca/ABCDE12345.pem --identifier x lib.so
check_err "sign: a missing value is named" 2 \
	"signet: sign: option '--identifier' needs a value (try 'signet sign --help')" \
	"$signet" sign --key ca/ABCDE12345.key --cert ca/ABCDE12345.pem --identifier
check_err "sign: an unknown option is named" 2 "signet: sign: unknown option '--bogus' (try 'signet sign --help')" \
	"$signet" sign --bogus
check_err "sign: an unreadable key fails (exit 1) in the same style" 1 \
	"signet: sign: nokey.pem: cannot open: No such file or directory" \
	"$signet" sign --key nokey.pem --cert ca/ABCDE12345.pem --identifier x lib.so
check_err "req: an unknown subcommand is named" 2 "signet: req: unknown subcommand 'frob' (try 'signet req --help')" \
	"$signet" req frob
check_err "req parse: a missing value is named" 2 \
	"signet: req parse: option '-f' needs a value (try 'signet req parse --help')" "$signet" req parse -f
check_err "req check: an unknown option is named" 2 \
	"signet: req check: unknown option '--bogus' (try 'signet req check --help')" "$signet" req check --bogus x lib.so
check_err "ca: an unknown subcommand is named" 2 "signet: ca: unknown subcommand 'frob' (try 'signet ca --help')" \
	"$signet" ca frob
check_err "ca issue: a bad --days is named" 2 \
	"signet: ca issue: --days wants a number of days from 1 to 3650, not '0' (try 'signet ca issue --help')" \
	"$signet" ca issue --team T --name N --days 0 ca
check_err "ca issue: a missing value is named" 2 \
	"signet: ca issue: option '--team' needs a value (try 'signet ca issue --help')" "$signet" ca issue ca --team
check_err "ca init: an unknown option is named" 2 \
	"signet: ca init: unknown option '--bogus' (try 'signet ca init --help')" "$signet" ca init --bogus ca

# ---- --at: Unix seconds or ISO 8601 UTC; the epoch is refused; garbage is a usage error ----
now=$(date -u +%s)
check_err "--at in Unix seconds" 0 "" "$signet" verify --anchors ca/root.pem --at "$now" lib.so
check_err "--at in ISO 8601 UTC" 0 "" "$signet" verify --anchors ca/root.pem --at "$(date -u -d "@$now" +%Y-%m-%dT%H:%M:%SZ)" lib.so
# 1970: before the root existed, so "not yet valid", the root named as the library names it, dates in ISO 8601.
iso() { date -u -d "$(openssl x509 -in "$1" -noout "-$2" | sed 's/^[a-zA-Z]*=//')" +%Y-%m-%dT%H:%M:%SZ; }
check_err "--at 1 judges at 1970-01-01T00:00:01Z: not yet valid" 1 \
	"signet: verify: lib.so: certificate not yet valid: certificate 1 \"$(name ca/root.pem)\" is valid from $(iso ca/root.pem startdate); verification time 1970-01-01T00:00:01Z (OpenSSL: certificate is not yet valid)" \
	"$signet" verify --anchors ca/root.pem --at 1 lib.so
"$signet" verify --anchors ca/root.pem --at 2999-01-01T00:00:00Z lib.so 2>err
check_grep "--at after the leaf's end: expired, at that time" \
	"^signet: verify: lib\.so: certificate expired: .*verification time 2999-01-01T00:00:00Z" err
for at in 0 1970-01-01T00:00:00Z; do
	check_err "--at $at (the epoch) is refused" 2 \
		"signet: verify: --at '$at' is the epoch, which the library reads as \"now\"; give a time from 1 (1970-01-01T00:00:01Z) (try 'signet verify --help')" \
		"$signet" verify --anchors ca/root.pem --at "$at" lib.so
done
for at in yesterday -5 " 5" 5x 2026-02-30T00:00:00Z 2026-12-07T04:03:60Z 2026-12-07T04:03:50+01:00 \
	2026-12-07T04:03:50.5Z 2026-12-07 1969-12-31T23:59:59Z 99999999999999; do
	check_err "--at '$at' is a usage error naming it" 2 \
		"signet: verify: --at wants Unix seconds from 1, or an ISO 8601 UTC time like 2026-12-07T04:03:50Z, not '$at' (try 'signet verify --help')" \
		"$signet" verify --anchors ca/root.pem --at "$at" lib.so
done
check_err "req check --at garbage is a usage error too" 2 \
	"signet: req check: --at wants Unix seconds from 1, or an ISO 8601 UTC time like 2026-12-07T04:03:50Z, not 'soon' (try 'signet req check --help')" \
	"$signet" req check --anchors ca/root.pem --at soon 'anchor trusted' lib.so
check_status "req check --at in ISO form" 0 "$signet" req check --anchors ca/root.pem --at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" 'anchor trusted' lib.so

# ---- display and verify -v name and date alike (the library's DN style, ISO 8601 UTC) ----
"$signet" verify -v --anchors ca/root.pem lib.so >vv
"$signet" display lib.so >dd
field() { sed -n "s/^ *$1: //p" "$2" | head -1; }
check_eq "the signer is named alike" "$(field '\[0\] subject' dd)" "$(field signer vv)"
check_eq "... and as openssl's RFC 2253 names it" "$(field signer vv)" "$(name ca/ABCDE12345.pem)"
check_eq "the issuer is the anchor, named alike" "$(field issuer dd)" "$(field anchor vv)"
check_eq "the serial is shown alike" "$(field serial dd)" "$(field serial vv)"
check_eq "the validity is shown alike, in ISO 8601 UTC" "$(field valid dd)" "$(field not-before vv) .. $(field not-after vv)"
check_eq "... the dates openssl reads" "$(field valid dd)" "$(iso ca/ABCDE12345.pem startdate) .. $(iso ca/ABCDE12345.pem enddate)"
check_eq "the cdhash is shown alike" "$(field cdhash dd)" "$(field cdhash vv)"

# ---- --json on files ----
"$signet" verify --json --anchors ca/root.pem lib.so >v.json 2>err; st=$?
check_eq "verify --json of a valid file exits 0, silent on stderr" "$st:$(cat err)" "0:"
check_eq "verify --json: the document's command and exit" "$(jq -r '"\(.command) \(.exit) \(.results|length)"' v.json)" "verify 0 1"
check_eq "verify --json: status" "$(jq -r '.results[0].status' v.json)" valid
check_eq "verify --json: kind and path" "$(jq -r '.results[0] | "\(.kind) \(.path)"' v.json)" "file lib.so"
for k in identifier team cdhash signer serial not-before not-after anchor anchor-sha256; do
	check_eq "verify --json: identity.$k is verify -v's" "$(jq -r ".results[0].identity.$(echo $k | tr - _)" v.json)" "$(field $k vv)"
done
check_eq "verify --json: pages and page size" "$(jq -r '.results[0].identity | "\(.pages) x \(.page_size) bytes, code limit \(.code_limit)"' v.json)" "$(field pages vv)"
check_eq "verify --json: no bundle, no errors" "$(jq -c '.results[0] | [.bundle, .errors]' v.json)" '[null,[]]'
"$signet" verify --json --anchors ca/root.pem tampered.so unsigned.so lib.so >v.json 2>err; st=$?
check_eq "verify --json of several files: an array, the worst exit" "$st $(jq -r '"\(.exit) \(.results|length)"' v.json)" "1 1 3"
check_eq "verify --json: the page mismatch by code, check, page and offset" \
	"$(jq -r '.results[0] | "\(.status) \(.identity) \(.errors[0].code) \(.errors[0].check) \(.errors[0].index) \(.errors[0].offset)"' v.json)" \
	"invalid null SIGNET_E_PAGE_MISMATCH signature.page 3 12288"
check_eq "verify --json: the message is stderr's" "signet: verify: $(jq -r '.results[0].errors[0].message' v.json)" "$(sed -n 1p err)"
check_eq "verify --json: unsigned by code and check" "$(jq -r '.results[1].errors[0] | "\(.code) \(.check)"' v.json)" \
	"SIGNET_E_UNSIGNED signature.present"
"$signet" verify --json --anchors ca/root.pem --requirement 'team "ZZZZZ99999"' lib.so >v.json 2>err; st=$?
check_eq "verify --json: an unmet requirement exits 3, status unmet, the identity kept" \
	"$st $(jq -r '.results[0] | "\(.status) \(.identity.team) \(.errors[0].code) \(.errors[0].expected) \(.errors[0].actual)"' v.json)" \
	"3 unmet ABCDE12345 SIGNET_E_REQUIREMENT_UNMET ZZZZZ99999 ABCDE12345"
check_err "verify: -v and --json do not mix" 2 \
	"signet: verify: -v and --json do not mix: the JSON always has the identity (try 'signet verify --help')" \
	"$signet" verify -v --json --anchors ca/root.pem lib.so
"$signet" display --json ent.so >d.json; st=$?
"$signet" display ent.so >dd
check_eq "display --json exits 0" "$st $(jq -r '"\(.command) \(.exit) \(.results[0].kind)"' d.json)" "0 display 0 file"
for k in identifier team cdhash hash-type page-size pages code-limit; do
	check_eq "display --json: signature.$k is display's" "$(jq -r ".results[0].signature.$(echo $k | tr - _)" d.json)" "$(field $k dd)"
done
check_eq "display --json: the entitlements slot" "$(jq -r '.results[0].signature.special_slots | "\(.manifest) \(.resources) \(.entitlements)"' d.json)" \
	"null null $(field '-3 entitlements' dd)"
check_eq "display --json: the entitlements as signed, escaped as in text" "$(jq -r '.results[0].signature.entitlements' d.json | sed -n 3p)" \
	"$(printf '\t')\"com.example.\\x1b[31mred\": \"caf\\xc3\\xa9\""
check_eq "display --json: sizes" "$(jq -r '.results[0].signature.entitlements_length' d.json)" "$(wc -c <ent.json | tr -d ' ')"
check_eq "display --json: the certificate as text shows it" \
	"$(jq -r '.results[0].signature.certificates[0] | "\(.subject)|\(.issuer)|\(.serial)|\(.not_before) .. \(.not_after)"' d.json)" \
	"$(field '\[0\] subject' dd)|$(field issuer dd)|$(field serial dd)|$(field valid dd)"
check_eq "display --json: page hashes only with -v" "$(jq -r '.results[0].signature.page_hashes' d.json)" null
"$signet" display -v --json ent.so >d.json
check_eq "display -v --json: every page hash" "$(jq -r '.results[0].signature | (.page_hashes|length) == .pages' d.json)" true
"$signet" display --json unsigned.so >d.json 2>err; st=$?
check_eq "display --json of an unsigned file: exit 1, no signature, the reason" \
	"$st $(jq -r '.results[0] | "\(.signature) \(.errors[0].code) \(.errors[0].check)"' d.json)" \
	"1 null SIGNET_E_UNSIGNED signature.present"
check_eq "... and the reason on stderr" "$(cat err)" "signet: display: unsigned.so: not signed (no .signet.sig section)"

# ---- bundles: verify and display a bundle directory (the build's samples) ----
p="$SIGNET_TEST_BUILDDIR/plugins"
rp=$(realpath "$p")
A="--anchors $p/pki/root.pem"
check_err "verify of a good bundle" 0 "" "$signet" verify $A "$p/Rot13.bundle"
check_eq "... says so" "$(cat "$tmpdir/ce.out")" "$p/Rot13.bundle: valid"
check_err "verify of a bundle with a bundled library" 0 "" "$signet" verify -v $A "$p/Deps.bundle"
check_eq "verify -v of a bundle: its identity" "$(sed -n '2,8p' "$tmpdir/ce.out" | tr '\n' '|')" \
	"  bundle: $rp/Deps.bundle|  identifier: org.signet.sample.deps|  team: ABCDE12345|  cdhash: $("$signet" display "$p/Deps.bundle" | sed -n 's/^cdhash: //p')|  version: 1.0.0|  executable: lib/deps.so|  library: lib/libsampledep.so.1|"
# The page the build flipped a byte in (which one depends on the compiler's layout): where the two files differ.
at=$(cmp "$p/Rot13.bundle/lib/rot13.so" "$p/Tampered.bundle/lib/rot13.so" | sed -n 's/.* byte \([0-9]*\),.*/\1/p')
page=$(( (at - 1) / 4096 ))
tampered="page $page (file offset 0x$(printf %x $((page * 4096))), 4096 bytes) was modified after signing"
check_err "verify of Tampered.bundle: the page the byte was flipped in, exit 1" 1 \
	"signet: verify: $rp/Tampered.bundle/lib/rot13.so: $tampered" \
	"$signet" verify $A "$p/Tampered.bundle"
check_err "verify of Unsigned.bundle: not signed, exit 1" 1 \
	"signet: verify: $rp/Unsigned.bundle/lib/rot13.so: not signed (no .signet.sig section)" \
	"$signet" verify $A "$p/Unsigned.bundle"
check_err "verify of NoClass.bundle: the principal class, exit 1" 1 \
	"signet: verify: $rp/NoClass.bundle/lib/noclass.so: the principal class MissingClass is not exported in .dynsym (dlsym would not find it)" \
	"$signet" verify $A "$p/NoClass.bundle"
check_err "verify of OtherTeam.bundle: a valid signature of another team" 0 "" "$signet" verify $A "$p/OtherTeam.bundle"
check_err "verify of OtherTeam.bundle against team A: requirement not met, exit 3" 3 \
	"signet: verify: $p/OtherTeam.bundle: requirement not met: $rp/OtherTeam.bundle/lib/rot13.so: team: wanted ABCDE12345, image has ZZZZZ99999" \
	"$signet" verify $A --requirement 'team "ABCDE12345"' "$p/OtherTeam.bundle"
check_status "req check on a bundle: met" 0 "$signet" req check $A 'identifier "org.signet.sample.rot13" and team "ABCDE12345"' "$p/Rot13.bundle"
check_status "req check on a bundle: unmet" 3 "$signet" req check $A 'team "ZZZZZ99999"' "$p/Rot13.bundle"
check_err "--at does not go with a bundle" 2 \
	"signet: verify: --at does not go with a bundle ($p/Rot13.bundle): a bundle is judged now (try 'signet verify --help')" \
	"$signet" verify $A --at "$now" "$p/Rot13.bundle"
check_err "mixed operands: files and bundles, the worst exit" 1 \
	"signet: verify: $rp/Tampered.bundle/lib/rot13.so: $tampered" \
	"$signet" verify $A "$p/Rot13.bundle/lib/rot13.so" "$p/Tampered.bundle" "$p/Upper.bundle"
check_eq "... each valid one said so" "$(cat "$tmpdir/ce.out" | tr '\n' '|')" "$p/Rot13.bundle/lib/rot13.so: valid|$p/Upper.bundle: valid|"
"$signet" display "$p/Rot13.bundle" >dd 2>err; st=$?
check_eq "display of a bundle: its identity first" "$st $(sed -n 1,5p dd | tr '\n' '|')" \
	"0 bundle: $p/Rot13.bundle|bundle-identifier: org.signet.sample.rot13|version: 1.0.0|executable: lib/rot13.so|path: $p/Rot13.bundle/lib/rot13.so|"
check_eq "display of a bundle: the executable's signature" "$(field identifier dd) $(field team dd)" "org.signet.sample.rot13 ABCDE12345"
check_grep "display of a bundle: the seals" '^  -1 manifest: [0-9a-f]{64}$' dd
check_err "display of Unsigned.bundle: exit 1" 1 "signet: display: $p/Unsigned.bundle/lib/rot13.so: not signed (no .signet.sig section)" \
	"$signet" display "$p/Unsigned.bundle"

# ---- --json on bundles, key by key against display's text and the manifest ----
"$signet" verify --json $A "$p/Rot13.bundle" >v.json; st=$?
check_eq "verify --json of a bundle: valid, the report" "$st $(jq -r '.results[0] | "\(.kind) \(.status) \(.bundle.ok) \(.identity)"' v.json)" \
	"0 bundle valid true null"
check_eq "... team as display prints it" "$(jq -r '.results[0].bundle.team' v.json)" "$(field team dd)"
check_eq "... signing identifier as display prints it" "$(jq -r '.results[0].bundle.signing_identifier' v.json)" "$(field identifier dd)"
check_eq "... cdhash as display prints it" "$(jq -r '.results[0].bundle.cdhash' v.json)" "$(field cdhash dd)"
check_eq "... identifier and version as the manifest says" "$(jq -r '.results[0].bundle | "\(.identifier) \(.version) \(.executable)"' v.json)" \
	"$(jq -r '"\(.identifier) \(.version) \(.executable)"' "$p/Rot13.bundle/manifest.json")"
"$signet" display --json "$p/Rot13.bundle" >d.json
check_eq "display --json of a bundle: the manifest's identity" \
	"$(jq -r '.results[0] | "\(.kind) \(.bundle.identifier) \(.bundle.version) \(.bundle.executable) \(.bundle.principal_class)"' d.json)" \
	"bundle $(jq -r '"\(.identifier) \(.version) \(.executable) \(.principal_class)"' "$p/Rot13.bundle/manifest.json")"
check_eq "display --json of a bundle: the executable's cdhash is verify's" \
	"$(jq -r '.results[0].signature.cdhash' d.json)" "$(jq -r '.results[0].bundle.cdhash' v.json)"
check_eq "display --json of a bundle: the manifest seal is its SHA-256" \
	"$(jq -r '.results[0].signature.special_slots.manifest' d.json)" "$(sha256sum <"$p/Rot13.bundle/manifest.json" | cut -d' ' -f1)"
"$signet" verify --json $A "$p/Tampered.bundle" "$p/OtherTeam.bundle" "$p/Unsigned.bundle" "$p/Rot13.bundle" >v.json 2>/dev/null; st=$?
check_eq "verify --json of four bundles: exit 1, four results" "$st $(jq -r '"\(.exit) \(.results|length)"' v.json)" "1 1 4"
check_eq "... Tampered by code, check and page" "$(jq -r '.results[0] | "\(.status) \(.errors[0].code) \(.errors[0].check) \(.errors[0].index) \(.errors[0].offset)"' v.json)" \
	"invalid SIGNET_E_PAGE_MISMATCH signature.page $page $((page * 4096))"
check_eq "... OtherTeam valid without a requirement" "$(jq -r '.results[1] | "\(.status) \(.bundle.team) \(.errors|length)"' v.json)" "valid ZZZZZ99999 0"
check_eq "... Unsigned by code and check" "$(jq -r '.results[2] | "\(.status) \(.errors[0].code) \(.errors[0].check)"' v.json)" \
	"invalid SIGNET_E_UNSIGNED signature.present"
check_eq "... the errors are the report's reasons" "$(jq -c '[.results[] | .errors == .bundle.reasons] | all' v.json)" true
"$signet" verify --json $A --requirement 'team "ABCDE12345"' "$p/OtherTeam.bundle" >v.json 2>/dev/null; st=$?
check_eq "verify --json: OtherTeam against team A is unmet (3)" \
	"$st $(jq -r '.results[0] | "\(.status) \(.errors[0].code) \(.errors[0].check) \(.errors[0].expected) \(.errors[0].actual)"' v.json)" \
	"3 unmet SIGNET_E_REQUIREMENT_UNMET requirement ABCDE12345 ZZZZZ99999"
# ---- docs/signet.md's examples, run as written from the build directory ----
doc="$SIGNET_TEST_SRCDIR/docs/signet.md"
bdir=$(cd "$SIGNET_TEST_BUILDDIR" && pwd -P)
# The block after each "<!-- example: ... -->": every "$ CMD" line, with the
# lines after it up to the next command as what it prints (stdout and
# stderr, compared as sets of lines: the two streams interleave as they
# will), or its first lines when the example ends in "...". "/…/" stands
# for the build directory; "$ echo $?" is the previous command's status.
awk '/^<!-- example:/ { want = 1; next }
     /^```/ { if (inblock) { if (cmd) print "@@end"; cmd = 0; inblock = 0 } else if (want) { inblock = 1; want = 0 } next }
     inblock && /^\$ / { if (cmd) print "@@end"; cmd = 1; print "@@cmd " substr($0, 3); next }
     inblock && cmd { print }' "$doc" >examples
n=0 st=0
while IFS= read -r line; do
	case $line in
	"@@cmd "*) cmd=${line#@@cmd }; : >expected ;;
	@@end)
		n=$((n + 1))
		if [ "$cmd" = 'echo $?' ]; then
			echo "$st" >got
		else
			(cd "$bdir" && PATH="$bdir:$PATH" sh -c "$cmd") >got 2>&1; st=$?
		fi
		if grep -qx '\.\.\.' expected; then
			sed '/^\.\.\.$/,$d' expected >want
			head -n "$(wc -l <want)" got >got.head
			cmp -s want got.head && ok "docs example: $cmd" || not_ok "docs example: $cmd" "$(diff want got.head)"
		else
			sed "s|/…/|$bdir/|g" expected | sort >want
			sort got >got.sorted
			cmp -s want got.sorted && ok "docs example: $cmd" || not_ok "docs example: $cmd" "$(diff want got.sorted)"
		fi ;;
	*) printf '%s\n' "$line" >>expected ;;
	esac
done <examples
[ "$n" -eq 5 ] && ok "the doc's five \$ examples were run" || not_ok "the doc's five \$ examples were run" "found $n"
# The script after "<!-- script: ... -->", as written.
awk '/^<!-- script:/ { want = 1; next } /^```/ { if (inblock) exit; if (want) inblock = 1; next } inblock' "$doc" >script.sh
(cd "$bdir" && PATH="$bdir:$PATH" sh "$tmpdir/script.sh") >got 2>&1
check_grep "docs script: a valid bundle's cdhash, display's" \
	"^plugins/Rot13\.bundle valid $("$signet" display "$p/Rot13.bundle" | sed -n 's/^cdhash: //p')\$" got
check_grep "docs script: a refused bundle's reason" '^plugins/Tampered\.bundle invalid SIGNET_E_PAGE_MISMATCH$' got
check_eq "docs script: a line per bundle" "$(wc -l <got)" "$(ls -d "$p"/*.bundle | wc -l)"
# ---- man/signet.1: every option of every --help is in the page; its EXAMPLES run as written ----
man="$SIGNET_TEST_SRCDIR/man/signet.1"
for verb in sign verify display "req parse" "req check" "ca init" "ca issue" revoke; do
	missing=
	for opt in $("$signet" $verb --help | grep -oE -- '(^|[ ,[])--[a-z][a-z-]+' | sed 's/^[ ,[]*--//' | sort -u); do
		grep -q -- "^\.\(Op \)\?Fl -$opt\b\|Fl -$opt\b" "$man" || missing="$missing --$opt"
	done
	check_eq "man/signet.1 documents every option of 'signet $verb --help'" "${missing:-none}" none
done
mkdir manex && cd manex || exit 99
cp /usr/lib/x86_64-linux-gnu/libsqlite3.so.0 plugin.so
cp -r "$p/Rot13.bundle" Example.bundle
# Each literal block of EXAMPLES, "\e" being a backslash, run as a script of its own.
awk '/^\.Sh EXAMPLES/ { on = 1; next } /^\.Sh / { on = 0 }
     on && /^\.Bd -literal/ { n++; f = sprintf("example%d.sh", n); next }
     on && /^\.Ed/ { f = ""; next }
     f { gsub(/\\e/, "\\"); print > f }' "$man"
run_example() { PATH="$SIGNET_TEST_BUILDDIR:$PATH" sh "$1" >"$1.out" 2>"$1.err"; }
run_example example1.sh; check_eq "man EXAMPLES 1: CA, sign, verify -v" "$?:$(grep -x '  identifier: com.example.plugin' example1.sh.out)" \
	"0:  identifier: com.example.plugin"
run_example example2.sh; check_eq "man EXAMPLES 2: a bundle signed, verified, shown" "$?:$(grep -c '^Example.bundle: valid$\|^bundle: Example.bundle$' example2.sh.out)" "0:2"
for line in 1 2; do
	sed -n "${line}p" example3.sh >at.sh
	run_example at.sh; st=$?
	check_eq "man EXAMPLES 3.$line: --at before the CA existed: not yet valid" "$st $(grep -c 'certificate not yet valid: .*verification time 2020-01-01T00:00:00Z' at.sh.err)" "1 1"
done
run_example example4.sh; check_eq "man EXAMPLES 4: the cdhash of each valid file" "$?:$(cat example4.sh.out)" \
	"0:$("$signet" display plugin.so | sed -n 's/^cdhash: //p')"
run_example example5.sh; check_eq "man EXAMPLES 5: stock openssl verifies the extracts" "$?:$(cat example5.sh.err)" "0:CMS Verification successful"
[ -f example6.sh ] && not_ok "man EXAMPLES: a sixth block this test does not run" || ok "man EXAMPLES: every block run"
cd "$tmpdir" || exit 99
finish
