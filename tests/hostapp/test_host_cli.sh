#!/bin/sh
# SPDX-License-Identifier: MIT
# signet-host end to end on the sample bundles the build made (plugins/):
# every command, its exit codes, and the golden output of `list` (variable
# fields normalized). The host used is plugins/signet-host, signed by the
# sample team, so the default requirement `team = host` is what decides.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b="$SIGNET_TEST_BUILDDIR"
p="$b/plugins"
host="$p/signet-host"
anchors="--anchors $p/pki/root.pem"
[ -x "$host" ] || { echo "no $host: run make first"; exit 99; }
# An empty quarantine of this test's own: `list` marks quarantined builds
# (tests/quarantine/test_quarantine_cli.sh), and the real user's must not.
XDG_STATE_HOME="$tmpdir/state"
export XDG_STATE_HOME

# --- list: golden output ---
"$host" $anchors list "$p" >"$tmpdir/list" 2>"$tmpdir/list.err"
st=$?
[ "$st" -eq 1 ] && ok "list exits 1 when any bundle is refused" || not_ok "list exit status" "got $st"
# Which page the build flipped depends on the code's size (sanitizer builds
# are larger), and certificate fingerprints on the keys the build made:
# normalized. Paths are already relative to each bundle.
normalize() { sed -e 's/  *$//' -e 's/page [0-9]* (file offset 0x[0-9a-f]*, [0-9]* bytes)/page N (file offset X, N bytes)/' \
	-e 's/(SHA-256 [0-9a-f]\{64\})/(SHA-256 H)/g'; }
normalize <"$tmpdir/list" >"$tmpdir/list.norm"
if diff -u "$SIGNET_TEST_SRCDIR/tests/hostapp/list.golden" "$tmpdir/list.norm" >"$tmpdir/list.diff"; then
	ok "list matches the golden output"
else
	not_ok "list matches the golden output" "$(cat "$tmpdir/list.diff")"
fi
mkdir "$tmpdir/good"
cp -r "$p/Rot13.bundle" "$p/Upper.bundle" "$tmpdir/good/"
check_status "list exits 0 when every bundle would load" 0 "$host" $anchors list "$tmpdir/good"
check_status "list of a missing directory is a usage error" 2 "$host" $anchors list "$tmpdir/absent"
check_status "list without DIR is a usage error" 2 "$host" $anchors list

# --- preflight ---
"$host" $anchors preflight "$p/Deps.bundle" >"$tmpdir/pf" 2>&1
check_grep "preflight accepts a bundle with its own library" '^verdict: accepted$' "$tmpdir/pf"
check_grep "preflight shows the bundled library as a signed dependency" \
	'^dependency: libsampledep\.so\.1 -> .*/Deps\.bundle/lib/libsampledep\.so\.1 \(signed' "$tmpdir/pf"
check_grep "preflight shows the verified team" '^team: ABCDE12345$' "$tmpdir/pf"
"$host" $anchors preflight "$p/Hello.bundle" >"$tmpdir/pf" 2>&1
check_no_grep "preflight runs no constructor" 'constructor ran' "$tmpdir/pf"
for bad in Tampered:SIGNET_E_PAGE_MISMATCH OtherTeam:SIGNET_E_REQUIREMENT_UNMET \
	Untrusted:SIGNET_E_UNTRUSTED_ANCHOR Unsigned:SIGNET_E_UNSIGNED Escape:SIGNET_E_MANIFEST_INVALID \
	NoClass:SIGNET_E_PRINCIPAL_CLASS; do
	name=${bad%%:*} code=${bad#*:}
	"$host" $anchors preflight "$p/$name.bundle" >"$tmpdir/pf" 2>&1
	st=$?
	if [ "$st" -eq 1 ] && grep -q "^verdict: refused$" "$tmpdir/pf" && grep -q "($code)" "$tmpdir/pf"; then
		ok "preflight refuses $name with $code"
	else
		not_ok "preflight refuses $name with $code" "exit $st" "$(cat "$tmpdir/pf")"
	fi
done
check_status "preflight of two bundles is a usage error" 2 "$host" $anchors preflight "$p/Rot13.bundle" "$p/Upper.bundle"

# --- info ---
"$host" $anchors info "$p/Rot13.bundle" >"$tmpdir/info" 2>&1
check_grep "info shows the class" '^class: Rot13Filter$' "$tmpdir/info"
check_grep "info lists methods with encodings" '^method: filter "\*\*"$' "$tmpdir/info"
check_grep "info checks the Filter protocol" '^conforms: Filter 1$' "$tmpdir/info"
check_status "info of a refused bundle exits 1" 1 "$host" $anchors info "$p/Tampered.bundle"

# --- run ---
out=$("$host" $anchors run "$p/Upper.bundle" repeat ab 3 2>&1)
[ "$out" = "ababab" ] && ok "run parses arguments by the encoding" || not_ok "run repeat" "got: $out"
out=$("$host" $anchors run "$p/Cpp.bundle" selftest 2>&1)
[ "$out" = "2" ] && ok "the C++ plugin catches its own exceptions" || not_ok "C++ selftest" "got: $out"
out=$("$host" $anchors run "$p/Hello.bundle" greet Signet 2>&1)
case "$out" in
*"hello plugin: constructor ran"*"Hello, Signet!"*) ok "a loaded plugin's constructor runs, then its method" ;;
*) not_ok "Hello greet" "got: $out" ;;
esac
"$host" $anchors run "$p/Upper.bundle" >"$tmpdir/run" 2>&1
check_grep "run without a method lists them" '^  repeat "\*\*i"$' "$tmpdir/run"
check_status "run with a wrong argument count is a usage error" 2 "$host" $anchors run "$p/Upper.bundle" repeat ab
check_status "run with an argument that does not parse is a usage error" 2 \
	"$host" $anchors run "$p/Upper.bundle" repeat ab three
"$host" $anchors run "$p/Upper.bundle" repeat ab 2147483648 2>"$tmpdir/err"
check_grep "an out-of-range int32 is named" 'int32' "$tmpdir/err"
check_status "run of an unknown method is a usage error" 2 "$host" $anchors run "$p/Upper.bundle" nosuch
check_status "run of another team's bundle exits 1" 1 "$host" $anchors run "$p/OtherTeam.bundle" filter x

# --- pipe ---
out=$(echo Hello | "$host" $anchors pipe "$p/Rot13.bundle")
[ "$out" = "Uryyb" ] && ok "pipe: rot13" || not_ok "pipe rot13" "got: $out"
out=$(echo "hello world" | "$host" $anchors pipe "$p/Rot13.bundle" "$p/Rot13.bundle" "$p/Upper.bundle")
[ "$out" = "HELLO WORLD" ] && ok "pipe chains filters in order" || not_ok "pipe chain" "got: $out"
out=$(printf 'one two\nthree\n' | "$host" $anchors pipe "$p/WordCount.bundle")
[ "$out" = "2 3 14" ] && ok "pipe: word count" || not_ok "pipe wc" "got: $out"
out=$(echo "hello world" | "$host" $anchors pipe "$p/Deps.bundle")
[ -n "$out" ] && ok "pipe: a filter using its bundled library" || not_ok "pipe deps" "empty output"
echo x | "$host" $anchors pipe "$p/Rot13.bundle" "$p/Tampered.bundle" >"$tmpdir/out" 2>"$tmpdir/err"
st=$?
[ "$st" -eq 1 ] && [ ! -s "$tmpdir/out" ] && ok "pipe with a refused bundle moves no text and exits 1" \
	|| not_ok "pipe refused" "exit $st, out: $(cat "$tmpdir/out")"
check_grep "pipe names the refused bundle and page" 'Tampered\.bundle/lib/rot13\.so: page [0-9]+ \(file offset 0x' "$tmpdir/err"
echo x | "$host" $anchors pipe "$p/Hello.bundle" >/dev/null 2>"$tmpdir/err"
check_grep "pipe refuses a bundle that is not a Filter" 'does not adopt protocol Filter 1' "$tmpdir/err"
check_status "pipe without bundles is a usage error" 2 "$host" $anchors pipe

# --- images ---
"$host" $anchors images "$p/Rot13.bundle" "$p/Tampered.bundle" >"$tmpdir/img" 2>"$tmpdir/err"
st=$?
[ "$st" -eq 1 ] && ok "images exits 1 when a bundle was refused" || not_ok "images status" "got $st"
check_grep "images lists the loaded bundle as verified" ' signet +verified .*Rot13\.bundle/lib/rot13\.so$' "$tmpdir/img"
check_grep "the image log names what this run loaded" 'Rot13\.bundle/lib/rot13\.so: org\.signet\.sample\.rot13 team=ABCDE12345 cdhash=[0-9a-f]{64}$' "$tmpdir/img"
check_no_grep "the refused bundle is not loaded" 'Tampered' "$tmpdir/img"

# --- the Crash sample and its entitled builds ---
out=$("$host" $anchors run "$p/Crash.bundle" echo "same" 2>&1)
[ "$out" = "same" ] && ok "run: the Crash sample's echo" || not_ok "Crash echo" "got: $out"
"$host" $anchors run "$p/Crash.bundle" >"$tmpdir/run" 2>&1
check_grep "the Crash sample lists connect_local with its port argument" '^  connect_local "\*i"$' "$tmpdir/run"
# signet display of a bundle's executable shows what its signature asks for.
signet="$b/signet"
"$signet" display "$p/Crash-net.bundle/lib/crash.so" >"$tmpdir/disp" 2>&1
check_grep "display shows a bundle's entitlements" '^entitlements: \{ "org\.signet\.network\.client": true \}$' \
	"$tmpdir/disp"
# Slot -3 is the SHA-256 of the entitlements file's bytes (docs/signet.md shows this very line).
seal=$(sha256sum "$SIGNET_TEST_SRCDIR/plugins/crash/entitlements-net.json" | cut -d' ' -f1)
check_grep "display shows the entitlements' seal: their SHA-256" "^  -3 entitlements: $seal\$" "$tmpdir/disp"
check_grep "docs/signet.md shows that seal" "^  -3 entitlements: $seal\$" "$SIGNET_TEST_SRCDIR/docs/signet.md"
check_grep "display shows the bundle's identifier" '^identifier: org\.signet\.sample\.crashnet$' "$tmpdir/disp"
"$signet" display "$p/Crash-unknown.bundle/lib/crash.so" >"$tmpdir/disp" 2>&1
check_grep "display shows an unknown org.signet entitlement as signed" \
	'^entitlements: \{ "org\.signet\.files\.write": true \}$' "$tmpdir/disp"
"$signet" display "$p/Crash.bundle/lib/crash.so" >"$tmpdir/disp" 2>&1
check_no_grep "the plain Crash sample asks for nothing" '^entitlements:' "$tmpdir/disp"
check_grep "its entitlements slot is absent" '^  -3 entitlements: absent$' "$tmpdir/disp"

# --- global ---
check_status "--help exits 0" 0 "$host" --help
for c in list info preflight load run pipe images; do
	check_status "$c --help exits 0" 0 "$host" "$c" --help
done
check_status "an unknown command is a usage error" 2 "$host" frobnicate
finish
