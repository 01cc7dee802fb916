#!/bin/sh
# SPDX-License-Identifier: MIT
# signet-host --json (docs/signet-host.md, "JSON output") on the sample
# bundles: each command's output parsed with jq, its keys exactly the
# documented ones in the documented order, its values those of the real
# samples (Rot13 accepted, each hostile bundle refused with its reason
# code), the text and JSON forms agreeing, the exit codes unchanged, and
# errors still on stderr with nothing on stdout.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b="$SIGNET_TEST_BUILDDIR"
p="$b/plugins"
host="$p/signet-host"
anchors="--anchors $p/pki/root.pem"
[ -x "$host" ] || { echo "no $host: run make first"; exit 99; }
command -v jq >/dev/null || { not_ok "jq is installed (scripts/install-deps.sh installs it)"; finish; }
XDG_STATE_HOME="$tmpdir/state"
XDG_CACHE_HOME="$tmpdir/cache"
export XDG_STATE_HOME XDG_CACHE_HOME
unset SIGNET_POLICY SIGNET_ANCHORS

# jq_is NAME FILE FILTER EXPECTED: `jq -c FILTER FILE` prints EXPECTED.
jq_is() {
	got=$(jq -c "$3" "$2" 2>&1)
	if [ "$got" = "$4" ]; then ok "$1"; else not_ok "$1" "jq '$3': got $got, wanted $4"; fi
}
# status_is NAME WANT GOT
status_is() { if [ "$3" -eq "$2" ]; then ok "$1"; else not_ok "$1" "exit $3, wanted $2"; fi; }

report_keys='["path","ok","identifier","version","executable","principal_class","host_api","protocols","libraries","team","signing_identifier","cdhash","dependencies","reasons"]'
reason_keys='["code","message","path","check","expected","actual","errno","offset","index","column","cause"]'

# --- preflight --json ---
"$host" $anchors preflight --json "$p/Rot13.bundle" >"$tmpdir/pf.json" 2>"$tmpdir/err"
status_is "preflight --json of Rot13 exits 0" 0 $?
jq_is "preflight --json: the report's keys, in order" "$tmpdir/pf.json" 'keys_unsorted' "$report_keys"
jq_is "preflight --json: Rot13 is accepted, with its identity" "$tmpdir/pf.json" \
	'[.ok, .identifier, .version, .principal_class, .team, .signing_identifier, (.cdhash | test("^[0-9a-f]{64}$")), .reasons]' \
	'[true,"org.signet.sample.rot13","1.0.0","Rot13Filter","ABCDE12345","org.signet.sample.rot13",true,[]]'
jq_is "preflight --json: its protocols and dependencies" "$tmpdir/pf.json" \
	'[.protocols, (.dependencies | map(.kind) | unique)]' '[[{"name":"Filter","version":1}],["loaded"]]'
check_no_grep "preflight --json writes nothing to stderr" '.' "$tmpdir/err"
# The text report's cdhash is the JSON's.
"$host" $anchors preflight "$p/Rot13.bundle" >"$tmpdir/pf.txt"
rot13=$(jq -r .cdhash "$tmpdir/pf.json")
check_grep "the text report shows the same cdhash" "^cdhash: $rot13\$" "$tmpdir/pf.txt"

for bad in Tampered:SIGNET_E_PAGE_MISMATCH:signature.page OtherTeam:SIGNET_E_REQUIREMENT_UNMET:requirement \
	Untrusted:SIGNET_E_UNTRUSTED_ANCHOR: Unsigned:SIGNET_E_UNSIGNED: Escape:SIGNET_E_MANIFEST_INVALID: \
	NoClass:SIGNET_E_PRINCIPAL_CLASS:; do
	name=${bad%%:*} rest=${bad#*:}
	code=${rest%%:*} check=${rest#*:}
	"$host" $anchors preflight --json "$p/$name.bundle" >"$tmpdir/pf.json" 2>/dev/null
	status_is "preflight --json of $name exits 1, as without --json" 1 $?
	jq_is "preflight --json: $name refused with $code" "$tmpdir/pf.json" '[.ok, .reasons[0].code]' "[false,\"$code\"]"
	jq_is "preflight --json: $name's reason has every key" "$tmpdir/pf.json" '.reasons[0] | keys_unsorted' "$reason_keys"
	[ -n "$check" ] && jq_is "preflight --json: $name's check is $check" "$tmpdir/pf.json" '.reasons[0].check' "\"$check\""
done
"$host" $anchors preflight --json "$p/Tampered.bundle" >"$tmpdir/pf.json" 2>/dev/null
jq_is "Tampered: the page is named, as an integer offset" "$tmpdir/pf.json" \
	'[.team, .cdhash, (.reasons[0].offset | type), (.reasons[0].message | test("page [0-9]+ \\(file offset 0x"))]' \
	'[null,null,"number",true]'
"$host" $anchors preflight --json "$tmpdir/nosuch.bundle" >"$tmpdir/out" 2>"$tmpdir/err"
status_is "preflight --json of a missing bundle exits 1" 1 $?
jq_is "its report says why" "$tmpdir/out" '[.ok, .path, .reasons[0].code]' '[false,null,"SIGNET_E_IO"]'
"$host" $anchors preflight --json >"$tmpdir/out" 2>"$tmpdir/err"
status_is "preflight --json without BUNDLE is a usage error" 2 $?
if [ ! -s "$tmpdir/out" ]; then ok "a usage error prints no JSON"; else not_ok "a usage error prints no JSON" "$(cat "$tmpdir/out")"; fi
check_grep "the usage error is on stderr as usual" "^signet-host: preflight: missing BUNDLE \\(try 'signet-host preflight --help'\\)\$" "$tmpdir/err"

# --- info --json ---
"$host" $anchors info --json "$p/Rot13.bundle" >"$tmpdir/info.json" 2>"$tmpdir/err"
status_is "info --json of Rot13 exits 0" 0 $?
jq_is "info --json: report and guest" "$tmpdir/info.json" 'keys_unsorted' '["report","guest"]'
jq_is "info --json: the report is preflight's" "$tmpdir/info.json" '[(.report | keys_unsorted == '"$report_keys"'), .report.ok, .report.cdhash]' \
	"[true,true,\"$rot13\"]"
jq_is "info --json: the guest's keys, in order" "$tmpdir/info.json" '.guest | keys_unsorted' \
	'["handle","status","class","methods","filter","filter_reason"]'
jq_is "info --json: Rot13's class and methods, a Filter" "$tmpdir/info.json" '.guest | [.class, .methods, .filter, .filter_reason]' \
	'["Rot13Filter",[{"name":"filter","types":"**"},{"name":"name","types":"*"}],true,null]'
jq_is "info --json: handle and status are integers" "$tmpdir/info.json" '.guest | [(.handle | type), (.status | type), .handle > 0]' \
	'["number","number",true]'
"$host" $anchors info --json "$p/Hello.bundle" >"$tmpdir/info.json" 2>/dev/null
jq_is "info --json: Hello is not a Filter, and says why" "$tmpdir/info.json" \
	'.guest | [.filter, (.filter_reason | test("does not adopt protocol Filter 1"))]' '[false,true]'
"$host" $anchors info --json "$p/Tampered.bundle" >"$tmpdir/info.json" 2>/dev/null
status_is "info --json of Tampered exits 1, as without --json" 1 $?
jq_is "info --json: a refused bundle has no guest" "$tmpdir/info.json" '[.guest, .report.ok, .report.reasons[0].code]' \
	'[null,false,"SIGNET_E_PAGE_MISMATCH"]'

# --- list --json ---
"$host" $anchors list --json "$p" >"$tmpdir/list.json" 2>"$tmpdir/err"
status_is "list --json of the samples exits 1 (some are refused), as without --json" 1 $?
jq_is "list --json: directory and bundles" "$tmpdir/list.json" 'keys_unsorted' '["directory","bundles"]'
jq_is "list --json: the directory's real path" "$tmpdir/list.json" '.directory' "\"$(cd "$p" && pwd -P)\""
n=$(ls -d "$p"/*.bundle | wc -l)
jq_is "list --json: one entry per bundle, in name order" "$tmpdir/list.json" '[(.bundles | length), (.bundles | map(.name) | . == sort)]' \
	"[$n,true]"
jq_is "list --json: every entry has the documented keys" "$tmpdir/list.json" \
	'[.bundles[] | keys_unsorted] | unique' '[["name","path","identifier","version","team","principal_class","cdhash","verdict","reason"]]'
jq_is "list --json: Rot13 accepted" "$tmpdir/list.json" '.bundles[] | select(.name == "Rot13.bundle") | [.verdict, .team, .cdhash, .reason]' \
	"[\"accepted\",\"ABCDE12345\",\"$rot13\",null]"
jq_is "list --json: Tampered refused, its first reason whole" "$tmpdir/list.json" \
	'.bundles[] | select(.name == "Tampered.bundle") | [.verdict, .team, .reason.code, .reason.check, (.reason | keys_unsorted == '"$reason_keys"')]' \
	'["refused",null,"SIGNET_E_PAGE_MISMATCH","signature.page",true]'
# The table and the JSON give the same verdicts and reason codes.
"$host" $anchors list "$p" 2>/dev/null | awk 'NR > 1 { print $1, $6, ($7 == "" ? "-" : $7) }' | sed 's/:$//' >"$tmpdir/text-verdicts"
jq -r '.bundles[] | "\(.name) \(.verdict) \(.reason.code // "-")"' "$tmpdir/list.json" >"$tmpdir/json-verdicts"
if [ -s "$tmpdir/json-verdicts" ] && cmp -s "$tmpdir/text-verdicts" "$tmpdir/json-verdicts"; then
	ok "list: the table and --json agree on every verdict and reason"
else
	not_ok "list: the table and --json agree" "$(diff "$tmpdir/text-verdicts" "$tmpdir/json-verdicts")"
fi
mkdir "$tmpdir/good" "$tmpdir/empty"
cp -r "$p/Rot13.bundle" "$p/Upper.bundle" "$tmpdir/good/"
"$host" $anchors list --json "$tmpdir/good" >"$tmpdir/list.json" 2>/dev/null
status_is "list --json of good bundles exits 0" 0 $?
jq_is "list --json: both accepted" "$tmpdir/list.json" '[.bundles[] | [.name, .verdict]]' '[["Rot13.bundle","accepted"],["Upper.bundle","accepted"]]'
"$host" $anchors list --json "$tmpdir/empty" >"$tmpdir/out" 2>"$tmpdir/err"
status_is "list --json of an empty directory exits 1, as without --json" 1 $?
if [ ! -s "$tmpdir/out" ]; then ok "list --json of an empty directory prints no JSON"; else not_ok "no JSON for an empty directory" "$(cat "$tmpdir/out")"; fi
check_grep "and says so on stderr" "^signet-host: list: $tmpdir/empty holds no bundle \\(no \\*\\.bundle directory\\)\$" "$tmpdir/err"

# --- images --json ---
"$host" images --json >"$tmpdir/img.json" 2>"$tmpdir/err"
status_is "images --json exits 0" 0 $?
image_keys='["id","base","arrival","signature","signed","platform","build_id","path","soname","identifier","team","cdhash","reason"]'
jq_is "images --json: every image has the documented keys, in order" "$tmpdir/img.json" '[.images[] | keys_unsorted] | unique' "[$image_keys]"
jq_is "images --json: the host comes first, as main" "$tmpdir/img.json" '.images[0] | [.id, .arrival, (.path | endswith("/signet-host"))]' '[1,"main",true]'
jq_is "images --json: bases are 0x and 16 hex digits" "$tmpdir/img.json" '[.images[].base | test("^0x[0-9a-f]{16}$")] | unique' '[true]'
jq_is "images --json: libc is a startup image" "$tmpdir/img.json" '[.images[] | select(.path | endswith("/libc.so.6")) | .arrival]' '["startup"]'
# The sample host is signed, but this process's default policy has no anchors to judge it by.
jq_is "images --json: the signed host, with no default anchors, is invalid with the reason whole; libc unsigned" "$tmpdir/img.json" \
	'[.images[] | select(.arrival == "main" or (.path | endswith("/libc.so.6"))) | [.signature, .identifier, .reason.code, .reason.check]]' \
	'[["invalid",null,"SIGNET_E_POLICY_INVALID","process.image"],["unsigned",null,null,null]]'
"$host" images >"$tmpdir/img.txt"
rows=$(awk 'NR > 1 && /^[0-9]/' "$tmpdir/img.txt" | wc -l)
jq_is "images --json: as many images as the table's rows" "$tmpdir/img.json" '.images | length' "$rows"
"$host" $anchors images --json "$p/Rot13.bundle" "$p/Tampered.bundle" >"$tmpdir/img.json" 2>"$tmpdir/err"
status_is "images --json with a refused bundle exits 1, as without --json" 1 $?
jq_is "images --json: Rot13 loaded by Signet, with its identity" "$tmpdir/img.json" \
	'[.images[] | select(.arrival == "signet") | [(.path | endswith("/Rot13.bundle/lib/rot13.so")), .signature, .signed, .identifier, .team, .cdhash, .soname, .reason]]' \
	"[[true,\"verified\",true,\"org.signet.sample.rot13\",\"ABCDE12345\",\"$rot13\",\"rot13.so\",null]]"
check_grep "the refusal is on stderr as usual" '^signet-host: images: refused: .*Tampered\.bundle/lib/rot13\.so: page [0-9]+ \(file offset 0x' "$tmpdir/err"
check_grep "with its check as a continuation line" '^  check: signature\.page \(SIGNET_E_PAGE_MISMATCH\)$' "$tmpdir/err"

# --json is a command's option: before the command it is unknown.
"$host" --json list "$p" >/dev/null 2>"$tmpdir/err"
status_is "--json before the command is a usage error" 2 $?
check_grep "naming it" "^signet-host: unknown option '--json' \\(try 'signet-host --help'\\)\$" "$tmpdir/err"
"$host" $anchors run --json "$p/Upper.bundle" >/dev/null 2>"$tmpdir/err"
status_is "run has no --json" 2 $?
check_grep "and says so" "^signet-host: run: unknown option '--json' \\(try 'signet-host run --help'\\)\$" "$tmpdir/err"
finish
