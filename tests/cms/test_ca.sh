#!/bin/sh
# SPDX-License-Identifier: MIT
# `signet ca`: init, refusing to overwrite, issue, file modes, what the certificates say, usage errors.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
signet="$SIGNET_TEST_BUILDDIR/signet"
ca="$tmpdir/ca"

# --- usage ---
check_status "ca with no subcommand is a usage error" 2 "$signet" ca
check_status "ca --help exits 0" 0 "$signet" ca --help
check_status "ca init --help exits 0" 0 "$signet" ca init --help
check_status "ca issue --help exits 0" 0 "$signet" ca issue --help
check_status "an unknown subcommand is a usage error" 2 "$signet" ca frobnicate
check_status "init without a directory is a usage error" 2 "$signet" ca init
check_status "init with two directories is a usage error" 2 "$signet" ca init "$ca" "$ca.2"
check_status "init with an unknown option is a usage error" 2 "$signet" ca init --bogus "$ca"
"$signet" ca --help >"$tmpdir/help"
check_grep "ca --help shows both subcommands" '^Usage: signet ca init' "$tmpdir/help"
"$signet" ca issue --help >"$tmpdir/help"
check_grep "issue --help documents the team ID rule" 'A-Z a-z 0-9 \. _ -' "$tmpdir/help"
check_grep "issue --help names the chain file" 'TEAM\.chain\.pem' "$tmpdir/help"
"$signet" ca init --bogus "$ca" 2>"$tmpdir/err"
check_grep "an unknown option is named" "unknown option '--bogus'" "$tmpdir/err"
[ ! -e "$ca" ] && ok "a usage error creates nothing" || not_ok "a usage error creates nothing"

# --- init ---
check_status "init creates a CA" 0 "$signet" ca init "$ca"
check_grep "the CA directory is 0700" '^700$' "$(stat -c %a "$ca" >"$tmpdir/m"; echo "$tmpdir/m")"
stat -c %a "$ca/root.key" >"$tmpdir/m"
check_grep "root.key is 0600" '^600$' "$tmpdir/m"
stat -c %a "$ca/root.pem" >"$tmpdir/m"
check_grep "root.pem is 0644" '^644$' "$tmpdir/m"
openssl x509 -in "$ca/root.pem" -noout -text >"$tmpdir/root.txt" 2>&1
check_grep "the root is a CA" 'CA:TRUE' "$tmpdir/root.txt"
check_grep "the root may sign certificates" 'Certificate Sign' "$tmpdir/root.txt"
check_grep "the root is ECDSA P-256" 'ASN1 OID: prime256v1' "$tmpdir/root.txt"
check_grep "the root is self-issued" 'Issuer: .*CN ?= ?Signet Development Root CA' "$tmpdir/root.txt"
openssl pkey -in "$ca/root.key" -noout >/dev/null 2>&1 && ok "root.key is a readable key" || not_ok "root.key is a readable key"
ls -A "$ca" >"$tmpdir/ls"
check_no_grep "no temporary file is left" '^\.' "$tmpdir/ls"

# Two roots never share a name by default, so refusals that name the root
# and the trusted anchor show that they differ.
subject() { openssl x509 -in "$1" -noout -subject -nameopt RFC2253 2>&1; }
subject "$ca/root.pem" >"$tmpdir/subject1"
check_grep "the default root name is the base name and 8 random hex digits, as CN and O" \
	'^subject=CN=Signet Development Root CA ([0-9a-f]{8}),O=Signet Development Root CA \1$' "$tmpdir/subject1"
check_status "init makes a second CA" 0 "$signet" ca init "$tmpdir/ca2"
subject "$tmpdir/ca2/root.pem" >"$tmpdir/subject2"
check_grep "the second root has a default name too" '^subject=CN=Signet Development Root CA [0-9a-f]{8},' "$tmpdir/subject2"
cmp -s "$tmpdir/subject1" "$tmpdir/subject2" && not_ok "two init roots get different subjects" \
	"$(cat "$tmpdir/subject1" "$tmpdir/subject2")" || ok "two init roots get different subjects"
check_status "init --name sets the name" 0 "$signet" ca init --name "Example Root" "$tmpdir/ca3"
subject "$tmpdir/ca3/root.pem" >"$tmpdir/subject3"
check_grep "--name is used as it is, without a suffix" '^subject=CN=Example Root,O=Example Root$' "$tmpdir/subject3"
"$signet" ca init --help >"$tmpdir/help"
check_grep "init --help documents the default name" '"Signet Development Root CA" and 8 random hex digits' "$tmpdir/help"

cp "$ca/root.pem" "$tmpdir/root.before"
check_status "a second init refuses to overwrite" 1 "$signet" ca init "$ca"
"$signet" ca init "$ca" 2>"$tmpdir/err"
check_grep "the refusal names the file and says why" "root\.(key|pem): a CA already exists here; not replacing it" "$tmpdir/err"
cmp -s "$ca/root.pem" "$tmpdir/root.before" && ok "the refused init left the root alone" || not_ok "the refused init left the root alone"
check_status "init --force replaces the CA" 0 "$signet" ca init --force "$ca"
cmp -s "$ca/root.pem" "$tmpdir/root.before" && not_ok "--force made a new root" || ok "--force made a new root"
stat -c %a "$ca/root.key" >"$tmpdir/m"
check_grep "the replaced root.key is 0600" '^600$' "$tmpdir/m"
printf 'x' >"$tmpdir/afile"
check_status "init on a file is a failure" 1 "$signet" ca init "$tmpdir/afile"

# --- issue ---
check_status "issue without --team is a usage error" 2 "$signet" ca issue --name "Example Team" "$ca"
check_status "issue without --name is a usage error" 2 "$signet" ca issue --team ABCDE12345 "$ca"
check_status "issue with a space in the team is a usage error" 2 "$signet" ca issue --team "AB CD" --name X "$ca"
check_status "issue with a team starting with - is a usage error" 2 "$signet" ca issue --team=-x --name X "$ca"
check_status "issue with a 65-character team is a usage error" 2 "$signet" ca issue \
	--team AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA --name X "$ca"
check_status "issue with --days 0 is a usage error" 2 "$signet" ca issue --team ABCDE12345 --name X --days 0 "$ca"
check_status "issue with --days abc is a usage error" 2 "$signet" ca issue --team ABCDE12345 --name X --days abc "$ca"
check_status "issue with --days missing its value is a usage error" 2 "$signet" ca issue --name X "$ca" --days
"$signet" ca issue --team "AB CD" --name X "$ca" 2>"$tmpdir/err"
check_grep "the bad team is named" "invalid team ID 'AB CD'" "$tmpdir/err"
check_status "issue from a directory without a CA fails" 1 "$signet" ca issue --team ABCDE12345 --name X "$tmpdir/nothing"
"$signet" ca issue --team ABCDE12345 --name X "$tmpdir/nothing" 2>"$tmpdir/err"
check_grep "the missing root is named" 'nothing/root\.pem: cannot open: No such file' "$tmpdir/err"
check_status "issue past the root's expiry fails" 1 "$signet" ca issue --team ABCDE12345 --name X --days 3650 "$ca"

check_status "issue makes a team certificate" 0 "$signet" ca issue --team ABCDE12345 --name "Example Team" "$ca"
for f in ABCDE12345.key:600 ABCDE12345.pem:644 ABCDE12345.chain.pem:644; do
	stat -c %a "$ca/${f%%:*}" >"$tmpdir/m"
	check_grep "${f%%:*} is ${f#*:}" "^${f#*:}\$" "$tmpdir/m"
done
[ -s "$ca/ABCDE12345.chain.pem" ] && not_ok "the chain file is empty (no intermediates)" || ok "the chain file is empty (no intermediates)"
openssl x509 -in "$ca/ABCDE12345.pem" -noout -text >"$tmpdir/leaf.txt" 2>&1
check_grep "the leaf has the code-signing EKU" 'Code Signing' "$tmpdir/leaf.txt"
check_grep "the leaf's OU is the team" 'Subject: .*OU ?= ?ABCDE12345' "$tmpdir/leaf.txt"
check_grep "the leaf's CN is the name" 'Subject: .*CN ?= ?Example Team' "$tmpdir/leaf.txt"
check_grep "the leaf's O is the name" 'Subject: .*O ?= ?Example Team' "$tmpdir/leaf.txt"
check_grep "the leaf is not a CA" 'CA:FALSE' "$tmpdir/leaf.txt"
check_grep "the leaf has a critical keyUsage" 'X509v3 Key Usage: critical' "$tmpdir/leaf.txt"
check_grep "the leaf's keyUsage is digitalSignature only" '^ *Digital Signature$' "$tmpdir/leaf.txt"
check_grep "the leaf is ECDSA P-256 by default" 'ASN1 OID: prime256v1' "$tmpdir/leaf.txt"
check_grep "the leaf has an authority key identifier" 'X509v3 Authority Key Identifier' "$tmpdir/leaf.txt"
openssl verify -CAfile "$ca/root.pem" -purpose any "$ca/ABCDE12345.pem" >"$tmpdir/verify" 2>&1
check_grep "stock openssl verifies the leaf against the root" ': OK$' "$tmpdir/verify"
openssl verify -x509_strict -CAfile "$ca/root.pem" "$ca/ABCDE12345.pem" >"$tmpdir/verify" 2>&1
check_grep "the chain passes RFC 5280 strict checks" ': OK$' "$tmpdir/verify"

check_status "a second issue refuses to overwrite" 1 "$signet" ca issue --team ABCDE12345 --name "Example Team" "$ca"
"$signet" ca issue --team ABCDE12345 --name "Example Team" "$ca" 2>"$tmpdir/err"
check_grep "the refusal names the file" 'ABCDE12345\.key: already exists' "$tmpdir/err"
check_status "issue --force replaces it" 0 "$signet" ca issue --force --team ABCDE12345 --name "Example Team" "$ca"

check_status "issue --rsa makes an RSA team certificate" 0 "$signet" ca issue --rsa --days 30 --team RSA.team-1 --name "RSA Team" "$ca"
openssl x509 -in "$ca/RSA.team-1.pem" -noout -text >"$tmpdir/rsa.txt" 2>&1
check_grep "the --rsa leaf is RSA-3072" 'Public-Key: \(3072 bit\)' "$tmpdir/rsa.txt"
check_grep "the --rsa leaf has the code-signing EKU" 'Code Signing' "$tmpdir/rsa.txt"

# --- the certificates sign CMS that stock openssl accepts ---
printf 'a CodeDirectory stand-in' >"$tmpdir/content"
if openssl cms -sign -binary -md sha256 -in "$tmpdir/content" -signer "$ca/ABCDE12345.pem" \
	-inkey "$ca/ABCDE12345.key" -outform DER -out "$tmpdir/sig.der" 2>"$tmpdir/err" &&
   openssl cms -verify -binary -inform DER -in "$tmpdir/sig.der" -content "$tmpdir/content" \
	-CAfile "$ca/root.pem" -purpose any -out /dev/null 2>>"$tmpdir/err"; then
	ok "a CMS signed with the team key verifies against the root"
else
	not_ok "a CMS signed with the team key verifies against the root" "$(cat "$tmpdir/err")"
fi
finish
