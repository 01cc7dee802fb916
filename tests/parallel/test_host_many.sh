#!/bin/sh
# SPDX-License-Identifier: MIT
# signet-host with several operands: `load FILE...` verifies them in
# parallel and maps them in the order given (records, refusals, --call in
# each, the image log's order), `--jobs N` (checked, and never changing
# what is printed), `list` the same whatever the job count, and `pipe`
# all or nothing (a refused bundle: no filter mapped at all).
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b="$SIGNET_TEST_BUILDDIR"
host="$b/tests/signet-host" # signed by team ABCDE12345 (tests/load/local.mk)
fx="$b/tests/fixtures"
anchors="--anchors $b/tests/pki/root.pem"
XDG_STATE_HOME="$tmpdir/state"
export XDG_STATE_HOME

# --- load FILE... ---
SIGNET_PRINT_IMAGES="$tmpdir/log" "$host" $anchors load "$fx/libfixture0.so" "$fx/libtampered.so" \
	"$fx/libfixture1.so" "$fx/libteamz.so" "$fx/libfixture2.so" --call fixture_id --returns int \
	>"$tmpdir/out" 2>"$tmpdir/err"
st=$?
[ "$st" -eq 1 ] && ok "load of several exits 1 when one is refused" || not_ok "load several: exit" "got $st"
grep -E '^(image [0-9]+: |fixture_id)' "$tmpdir/out" | sed -e 's/^image [0-9]*: //' -e "s|$fx/||" >"$tmpdir/order"
printf '%s\n' libfixture0.so 'fixture_id() = 0' libfixture1.so 'fixture_id() = 1' libfixture2.so \
	'fixture_id() = 2' >"$tmpdir/want"
if cmp -s "$tmpdir/want" "$tmpdir/order"; then
	ok "load prints each loaded file and its call, in the order given"
else
	not_ok "load prints each loaded file and its call, in the order given" "$(cat "$tmpdir/order")"
fi
grep '^signet-host: load: refused: ' "$tmpdir/err" | sed "s|$fx/||" >"$tmpdir/refusals"
if [ "$(wc -l <"$tmpdir/refusals")" -eq 2 ] &&
   head -1 "$tmpdir/refusals" | grep -Eq '^signet-host: load: refused: libtampered\.so: page 1 \(file offset 0x1000' &&
   tail -1 "$tmpdir/refusals" | grep -q 'libteamz.so: .*wanted ABCDE12345, image has ZZZZZ99999'; then
	ok "load reports each refusal with its reason, in the order given"
else
	not_ok "load reports each refusal with its reason, in the order given" "$(cat "$tmpdir/err")"
fi
# The image log: each load and each refusal where one call after another would have logged it.
grep -E '^signet-image: (add|refuse) .*path=[^ ]*/tests/fixtures/lib(fixture|tampered|teamz)' "$tmpdir/log" |
	sed -E 's/^signet-image: (add|refuse) .*path=[^ ]*\/tests\/fixtures\/([^ ]*).*/\1 \2/' >"$tmpdir/logorder"
printf '%s\n' 'add libfixture0.so' 'refuse libtampered.so' 'add libfixture1.so' 'refuse libteamz.so' \
	'add libfixture2.so' >"$tmpdir/want"
if cmp -s "$tmpdir/want" "$tmpdir/logorder"; then
	ok "the image log records every load and refusal in the order given"
else
	not_ok "the image log records every load and refusal in the order given" "$(cat "$tmpdir/logorder")"
fi

# The same files one worker at a time: the same output, byte for byte (but
# for the load addresses, which ASLR chooses).
unbase() { sed 's/^  base: 0x[0-9a-f]*$/  base: X/' "$1" >"$1.n"; }
unbase "$tmpdir/out"
for jobs in 1 2 5; do
	"$host" $anchors --jobs $jobs load "$fx/libfixture0.so" "$fx/libtampered.so" "$fx/libfixture1.so" \
		"$fx/libteamz.so" "$fx/libfixture2.so" --call fixture_id --returns int >"$tmpdir/out.$jobs" 2>"$tmpdir/err.$jobs"
	unbase "$tmpdir/out.$jobs"
	if grep -q '^  base: X$' "$tmpdir/out.n" && cmp -s "$tmpdir/out.n" "$tmpdir/out.$jobs.n" &&
	   cmp -s "$tmpdir/err" "$tmpdir/err.$jobs"; then
		ok "load with --jobs $jobs prints what the default prints"
	else
		not_ok "load with --jobs $jobs prints what the default prints" "$(diff "$tmpdir/out.n" "$tmpdir/out.$jobs.n")"
	fi
done
check_status "load of several good files exits 0" 0 "$host" $anchors load "$fx/libfixture3.so" "$fx/libfixture4.so"
check_status "load without FILE is a usage error" 2 "$host" $anchors load
for bad in 0 65 -1 two 3x; do
	check_status "--jobs $bad is a usage error" 2 "$host" $anchors --jobs "$bad" load "$fx/libfixture0.so"
done
"$host" --jobs 0 load "$fx/libfixture0.so" 2>"$tmpdir/err"
check_grep "--jobs names its range" "^signet-host: option '--jobs' takes a number from 1 to 64, not '0' \(try 'signet-host --help'\)$" "$tmpdir/err"
"$host" --help >"$tmpdir/help"
check_grep "--help lists --jobs" '^  --jobs N ' "$tmpdir/help"

# --- docs/loading.md's example, as it stands ---
mkdir "$tmpdir/doc"
cp "$fx/libfixture5.so" "$tmpdir/doc/libx.so"
cp "$fx/libunsigned.so" "$tmpdir/doc/liby.so"
cp "$fx/libfixture6.so" "$tmpdir/doc/libz.so"
(cd "$tmpdir/doc" && "$b/tests/parallel/doc_many" "$b/tests/pki/root.pem") >"$tmpdir/doc.out" 2>"$tmpdir/doc.err"
st=$?
printf '%s\n' 'libx.so: loaded' 'liby.so: refused' 'libz.so: loaded' >"$tmpdir/want"
if [ "$st" -eq 0 ] && cmp -s "$tmpdir/want" "$tmpdir/doc.out" &&
   grep -q '^first refusal: .*liby\.so: not signed' "$tmpdir/doc.err" &&
   grep -q '^liby\.so: .*liby\.so: not signed' "$tmpdir/doc.err"; then
	ok "the example in docs/loading.md loads two, reports the third"
else
	not_ok "the example in docs/loading.md loads two, reports the third" "exit $st" "$(cat "$tmpdir/doc.out" "$tmpdir/doc.err")"
fi

# --- list: the same rows whatever the job count ---
p="$b/plugins"
"$p/signet-host" --anchors "$p/pki/root.pem" list "$p" >"$tmpdir/list" 2>&1
for jobs in 1 3; do
	"$p/signet-host" --anchors "$p/pki/root.pem" --jobs $jobs list "$p" >"$tmpdir/list.$jobs" 2>&1
	if [ -s "$tmpdir/list" ] && cmp -s "$tmpdir/list" "$tmpdir/list.$jobs"; then
		ok "list with --jobs $jobs prints what the default prints"
	else
		not_ok "list with --jobs $jobs prints what the default prints" "$(diff "$tmpdir/list" "$tmpdir/list.$jobs")"
	fi
done

# --- pipe: all or nothing ---
echo x | SIGNET_PRINT_IMAGES="$tmpdir/pipelog" "$p/signet-host" --anchors "$p/pki/root.pem" \
	pipe "$p/Rot13.bundle" "$p/Upper.bundle" "$p/Tampered.bundle" >"$tmpdir/out" 2>"$tmpdir/err"
st=$?
[ "$st" -eq 1 ] && [ ! -s "$tmpdir/out" ] && ok "pipe with a refused bundle exits 1 and moves no text" ||
	not_ok "pipe with a refused bundle exits 1 and moves no text" "exit $st"
check_no_grep "pipe maps no filter when one is refused" '^signet-image: add .*\.bundle/' "$tmpdir/pipelog"
check_grep "the image log has the refusal" '^signet-image: refuse pid=[0-9]+ code=SIGNET_E_PAGE_MISMATCH .* path=.*Tampered\.bundle' "$tmpdir/pipelog"
check_grep "the image log has the others refused in its name" \
	'^signet-image: refuse pid=[0-9]+ code=SIGNET_E_BATCH_REFUSED check=load\.batch reason=".*" path=[^ ]*Rot13\.bundle$' "$tmpdir/pipelog"
if [ "$(grep -c '^signet-host: pipe: refused: ' "$tmpdir/err")" -eq 1 ] &&
   grep -Eq 'Tampered\.bundle/lib/rot13\.so: page [0-9]+ \(file offset 0x' "$tmpdir/err"; then
	ok "pipe reports only the refusal that decided"
else
	not_ok "pipe reports only the refusal that decided" "$(cat "$tmpdir/err")"
fi
out=$(echo "hello world" | "$p/signet-host" --anchors "$p/pki/root.pem" --jobs 2 pipe "$p/Rot13.bundle" \
	"$p/Rot13.bundle" "$p/Upper.bundle")
[ "$out" = "HELLO WORLD" ] && ok "pipe with --jobs chains filters in order" || not_ok "pipe --jobs" "got: $out"
finish
