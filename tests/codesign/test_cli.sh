#!/bin/sh
# SPDX-License-Identifier: MIT
# `signet sign`, `verify` and `display` end to end, with codesign's exit
# codes, stock `openssl cms -verify` interoperability, and the foreign corpus.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
signet="$SIGNET_TEST_BUILDDIR/signet"
cd "$tmpdir" || exit 99

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
finish
