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
XDG_CACHE_HOME="$tmpdir/cache"
export XDG_STATE_HOME XDG_CACHE_HOME
unset SIGNET_POLICY SIGNET_ANCHORS

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

# --- the command line (docs/signet-host.md, "Command line") ---
# expect NAME STATUS STDERR CMD...: exits STATUS with exactly STDERR on stderr.
expect() {
	name=$1 want=$2 wanterr=$3; shift 3
	"$@" >"$tmpdir/out" 2>"$tmpdir/err"; got=$?
	if [ "$got" -eq "$want" ] && [ "$(cat "$tmpdir/err")" = "$wanterr" ]; then
		ok "$name"
	else
		not_ok "$name" "exit $got (wanted $want), stderr:" "$(cat "$tmpdir/err")" "wanted: $wanterr"
	fi
}
check_status "--help exits 0" 0 "$host" --help
check_status "-h exits 0" 0 "$host" -h
check_status "--version exits 0" 0 "$host" --version
for c in list info preflight load run pipe images serve call quarantine; do
	check_status "$c --help exits 0" 0 "$host" "$c" --help
	"$host" "$c" --help >"$tmpdir/help"
	check_grep "$c --help shows its usage" "^Usage: signet-host \\[OPTIONS\\] $c" "$tmpdir/help"
	check_status "$c -h after global options exits 0" 0 "$host" $anchors "$c" -h
done
expect "an unknown command is a usage error, named" 2 "signet-host: unknown command 'frobnicate' (try 'signet-host --help')" \
	"$host" frobnicate
expect "no command is a usage error" 2 "signet-host: no command given (try 'signet-host --help')" "$host" $anchors
expect "an unknown global option is named" 2 "signet-host: unknown option '--frobnicate' (try 'signet-host --help')" \
	"$host" --frobnicate list "$p"
expect "an unknown --opt=value is named whole" 2 "signet-host: unknown option '--anchorz=x' (try 'signet-host --help')" \
	"$host" --anchorz=x list "$p"
expect "an unknown option after the command is named" 2 \
	"signet-host: list: unknown option '--frobnicate' (try 'signet-host list --help')" "$host" list --frobnicate "$p"
expect "an unknown short option is named" 2 "signet-host: info: unknown option '-x' (try 'signet-host info --help')" \
	"$host" info -x "$p/Rot13.bundle"
expect "a value given to a flag is named" 2 "signet-host: option '--isolate' takes no value (try 'signet-host --help')" \
	"$host" --isolate=yes list "$p"
expect "a value given to a command's flag is named" 2 \
	"signet-host: list: option '--json' takes no value (try 'signet-host list --help')" "$host" list --json=1 "$p"
expect "a missing value before the command" 2 "signet-host: option '--anchors' needs a value (try 'signet-host --help')" \
	"$host" --anchors
expect "a missing value after the command" 2 \
	"signet-host: preflight: option '--anchors' needs a value (try 'signet-host preflight --help')" \
	"$host" preflight "$p/Rot13.bundle" --anchors
expect "a command's own option's missing value" 2 \
	"signet-host: load: option '--call' needs a value (try 'signet-host load --help')" "$host" load "$p/x.so" --call
expect "--jobs 0 is out of range" 2 "signet-host: option '--jobs' takes a number from 1 to 64, not '0' (try 'signet-host --help')" \
	"$host" --jobs 0 list "$p"
expect "--jobs=65 after the command is out of range" 2 \
	"signet-host: list: option '--jobs' takes a number from 1 to 64, not '65' (try 'signet-host list --help')" \
	"$host" list "$p" --jobs=65
expect "--call-timeout takes whole milliseconds" 2 \
	"signet-host: run: option '--call-timeout' takes 1 to 86400000 milliseconds, not '1.5' (try 'signet-host run --help')" \
	"$host" run --call-timeout 1.5 "$p/Rot13.bundle"
expect "call --timeout 0 is out of range" 2 \
	"signet-host: call: option '--timeout' takes 1 to 3600000 milliseconds, not '0' (try 'signet-host call --help')" \
	"$host" call --timeout 0 ABCDE12345.org.example.x m
expect "quarantine --limit takes a whole number" 2 \
	"signet-host: quarantine: option '--limit' takes 0 to 1000000 crashes, not '-1' (try 'signet-host quarantine --help')" \
	"$host" quarantine list --limit -1
expect "quarantine with an unknown subcommand" 2 \
	"signet-host: quarantine: unknown subcommand 'show' (list or clear) (try 'signet-host quarantine --help')" \
	"$host" quarantine show
expect "a missing operand is named" 2 "signet-host: info: missing BUNDLE (try 'signet-host info --help')" "$host" $anchors info
expect "an extra operand is named" 2 \
	"signet-host: list: unexpected operand 'extra' (try 'signet-host list --help')" "$host" $anchors list "$p" extra
expect "serve takes NAME and BUNDLE" 2 "signet-host: serve: missing NAME and BUNDLE (try 'signet-host serve --help')" \
	"$host" serve ABCDE12345.org.example.x
# Options anywhere, --opt=value, --: the same listing each way.
"$host" --anchors "$p/pki/root.pem" --no-cache list "$tmpdir/good" >"$tmpdir/want" 2>&1
for form in "list $tmpdir/good --anchors $p/pki/root.pem --no-cache" "list --anchors=$p/pki/root.pem $tmpdir/good --no-cache" \
	"--no-cache list --anchors=$p/pki/root.pem -- $tmpdir/good" "--jobs=1 list $tmpdir/good --no-cache --anchors $p/pki/root.pem"; do
	# shellcheck disable=SC2086 # the form is split into words on purpose
	"$host" $form >"$tmpdir/got" 2>&1; st=$?
	if [ "$st" -eq 0 ] && [ -s "$tmpdir/want" ] && cmp -s "$tmpdir/want" "$tmpdir/got"; then
		ok "signet-host $form lists as the options before the command do"
	else
		not_ok "signet-host $form" "exit $st" "$(diff "$tmpdir/want" "$tmpdir/got")"
	fi
done
# -- ends options: a bundle named like an option is an operand.
cp -r "$p/Rot13.bundle" "$tmpdir/good/-x.bundle"
"$host" $anchors preflight -- "$tmpdir/good/-x.bundle" >"$tmpdir/out" 2>&1
check_grep "after --, '-x.bundle' is a bundle" '^verdict: accepted$' "$tmpdir/out"
rm -rf "$tmpdir/good/-x.bundle"
# run and call hand their ARGS on: options end at the first operand.
out=$("$host" run $anchors "$p/Upper.bundle" repeat -x 2 2>&1)
[ "$out" = "-x-x" ] && ok "run: an ARG starting with '-' is an argument" || not_ok "run -x" "got: $out"
out=$(SIGNET_ANCHORS="$p/pki/root.pem" "$host" run "$p/Upper.bundle" --anchors "$p/pki/root.pem" 2>&1); st=$?
[ "$st" -eq 2 ] && [ "$out" = "signet-host: run: class UpperFilter has no method '--anchors'" ] \
	&& ok "run: after BUNDLE, '--anchors' is METHOD" || not_ok "run: after BUNDLE" "exit $st: $out"
# A refusal: the command, "refused", then the detail lines.
expect "a refusal names the command, then its details" 1 "signet-host: load: refused: $p/OtherTeam.bundle/lib/rot13.so: team = host: wanted ABCDE12345, image has ZZZZZ99999
  check: requirement (SIGNET_E_REQUIREMENT_UNMET)
  expected: ABCDE12345
  actual: ZZZZZ99999" "$host" $anchors load "$p/OtherTeam.bundle/lib/rot13.so"

# --- list of a bundle, of an empty directory ---
expect "list of a bundle says so (exit 2)" 2 \
	"signet-host: list: $p/Rot13.bundle is a bundle, not a directory of bundles; 'signet-host preflight $p/Rot13.bundle' checks one bundle" \
	"$host" $anchors list "$p/Rot13.bundle"
mkdir "$tmpdir/plain" "$tmpdir/empty"
cp -r "$p/Rot13.bundle/." "$tmpdir/plain/"
expect "list of a directory holding manifest.json says it is a bundle" 2 \
	"signet-host: list: $tmpdir/plain is a bundle, not a directory of bundles; 'signet-host preflight $tmpdir/plain' checks one bundle" \
	"$host" $anchors list "$tmpdir/plain"
expect "list of an empty directory says so (exit 1)" 1 "signet-host: list: $tmpdir/empty holds no bundle (no *.bundle directory)" \
	"$host" $anchors list "$tmpdir/empty"
if [ ! -s "$tmpdir/out" ]; then ok "and prints no empty table"; else not_ok "no empty table" "$(cat "$tmpdir/out")"; fi
expect "list of a missing directory names it (exit 2)" 2 "signet-host: list: $tmpdir/absent: No such file or directory" \
	"$host" $anchors list "$tmpdir/absent"

# --- the policy: command line over $SIGNET_POLICY over /etc/signet ---
printf '{ "anchors": "%s" }\n' "$p/pki/root.pem" >"$tmpdir/sample.json"
printf '{ "anchors": "%s" }\n' "$p/pki/rogue/root.pem" >"$tmpdir/rogue.json"
verdict() { "$@" 2>&1 | sed -n 's/^verdict: //p'; }
v=$(SIGNET_POLICY="$tmpdir/sample.json" verdict "$host" preflight "$p/Rot13.bundle")
[ "$v" = accepted ] && ok "SIGNET_POLICY is honoured" || not_ok "SIGNET_POLICY is honoured" "verdict: $v"
SIGNET_POLICY="$tmpdir/rogue.json" "$host" preflight "$p/Rot13.bundle" >"$tmpdir/out" 2>&1
check_grep "SIGNET_POLICY's anchors decide" 'check: .*\(SIGNET_E_UNTRUSTED_ANCHOR\)' "$tmpdir/out"
v=$(SIGNET_POLICY="$tmpdir/sample.json" verdict "$host" --policy "$tmpdir/rogue.json" preflight "$p/Rot13.bundle")
[ "$v" = refused ] && ok "--policy overrides SIGNET_POLICY" || not_ok "--policy overrides SIGNET_POLICY" "verdict: $v"
v=$(SIGNET_POLICY="$tmpdir/rogue.json" verdict "$host" preflight "$p/Rot13.bundle" --anchors "$p/pki/root.pem")
[ "$v" = accepted ] && ok "--anchors replaces SIGNET_POLICY's anchors" || not_ok "--anchors over SIGNET_POLICY" "verdict: $v"
v=$(SIGNET_POLICY="$tmpdir/sample.json" verdict "$host" --requirement 'anchor trusted and team "ZZZZZ99999"' \
	preflight "$p/Rot13.bundle")
[ "$v" = refused ] && ok "--requirement replaces SIGNET_POLICY's requirement" || not_ok "--requirement over SIGNET_POLICY" "verdict: $v"
v=$(SIGNET_POLICY="$tmpdir/sample.json" SIGNET_ANCHORS="$p/pki/rogue/root.pem" verdict "$host" preflight "$p/Rot13.bundle")
[ "$v" = accepted ] && ok "a policy file's anchors, not SIGNET_ANCHORS" || not_ok "SIGNET_ANCHORS with a policy file" "verdict: $v"
v=$(SIGNET_ANCHORS="$p/pki/root.pem" verdict "$host" preflight "$p/Rot13.bundle")
[ "$v" = accepted ] && ok "SIGNET_ANCHORS without a policy file" || not_ok "SIGNET_ANCHORS alone" "verdict: $v"
SIGNET_POLICY="$tmpdir/sample.json" "$host" list "$tmpdir/good" >/dev/null 2>&1
status_is_0=$?
[ "$status_is_0" -eq 0 ] && ok "list honours SIGNET_POLICY too" || not_ok "list honours SIGNET_POLICY" "exit $status_is_0"
expect "an unusable SIGNET_POLICY is a usage error" 2 \
	"signet-host: preflight: policy: $tmpdir/nosuch.json: cannot open: No such file or directory" \
	env SIGNET_POLICY="$tmpdir/nosuch.json" "$host" preflight "$p/Rot13.bundle"
if [ ! -e /etc/signet/policy.json ] && [ ! -e /etc/signet/anchors ]; then
	"$host" preflight "$p/Rot13.bundle" >"$tmpdir/out" 2>&1
	check_grep "without a policy or anchors, nothing verifies" 'check: policy\.anchors \(SIGNET_E_POLICY_INVALID\)' "$tmpdir/out"
fi
finish
