#!/bin/sh
# SPDX-License-Identifier: MIT
# signet-host --isolate end to end (docs/isolation.md): the session the page
# shows, run line by line in the build directory and compared with the page
# (pids, times and cdhashes normalized); then what the page does not show:
# a pipeline of isolated filters gives the in-process result, serve with
# --isolate, usage errors of --call-timeout, a helper that is not one.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b="$SIGNET_TEST_BUILDDIR"
p="$b/plugins"
doc="$SIGNET_TEST_SRCDIR/docs/isolation.md"
trap 'rm -rf "$tmpdir"' EXIT

# The page's session: the ``` block after "From the command line". Each "$ " line is a
# command, the lines up to the next one its output (standard output and error together).
awk '/^From the command line/ { want = 1 } want && /^```$/ { if (inside) exit; inside = 1; next }
	inside' "$doc" >"$tmpdir/session"
check_grep "the page has the session" '^\$ signet-host' "$tmpdir/session"
n=0
: >"$tmpdir/script"
while IFS= read -r line; do
	case "$line" in
	'$ '*)
		n=$((n + 1))
		cmd=${line#\$ }
		printf '%s\n' "$cmd" >"$tmpdir/cmd.$n"
		: >"$tmpdir/want.$n"
		;;
	*) printf '%s\n' "$line" >>"$tmpdir/want.$n" ;;
	esac
done <"$tmpdir/session"
if [ "$n" -ge 6 ]; then ok "the session has $n commands"; else not_ok "the session has at least 6 commands" "$n"; fi

# normalize: what varies from run to run.
normalize() {
	sed -e "s|$b/||g" -e 's/(pid [0-9]*)/(pid PID)/g' -e 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:]*Z/TIME/g' \
		-e 's/[0-9a-f]\{64\}/CDHASH/g'
}
mkdir "$tmpdir/work"
cd "$b" || exit 99
i=1
while [ $i -le $n ]; do
	# One shell for the whole session: `export` lines carry over. signet-host is the sample host.
	printf '%s >"%s" 2>&1\n' "$(sed -e 's|^signet-host |plugins/signet-host |' "$tmpdir/cmd.$i")" "$tmpdir/got.$i" \
		>>"$tmpdir/run.sh"
	i=$((i + 1))
done
rm -rf "$b/state"
sh "$tmpdir/run.sh"
i=1
while [ $i -le $n ]; do
	normalize <"$tmpdir/got.$i" >"$tmpdir/norm.$i"
	if cmp -s "$tmpdir/norm.$i" "$tmpdir/want.$i"; then
		ok "docs/isolation.md: $(cat "$tmpdir/cmd.$i")"
	else
		not_ok "docs/isolation.md: $(cat "$tmpdir/cmd.$i")" "$(diff "$tmpdir/want.$i" "$tmpdir/norm.$i")"
	fi
	i=$((i + 1))
done
rm -rf "$b/state"

XDG_STATE_HOME="$tmpdir/state"
export XDG_STATE_HOME

# The page's C block, built as it stands (tests/isolation/local.mk), run in plugins/.
(cd "$p" && SIGNET_GUEST_HELPER="$p/signet-guest" "$b/tests/isolation/doc_snippet") >"$tmpdir/out" 2>&1
check_grep "docs/isolation.md's C block loads Rot13 isolated" '^guest 1: isolated$' "$tmpdir/out"
host="$p/signet-host --anchors $p/pki/root.pem --guest-helper $p/signet-guest"

# Isolated or not, a pipeline gives the same text.
printf 'Hello, isolated world\nline two\n' >"$tmpdir/in"
$host pipe "$p/Rot13.bundle" "$p/Upper.bundle" "$p/WordCount.bundle" <"$tmpdir/in" >"$tmpdir/plain"
$host --isolate pipe "$p/Rot13.bundle" "$p/Upper.bundle" "$p/WordCount.bundle" <"$tmpdir/in" >"$tmpdir/iso"
if [ -s "$tmpdir/plain" ] && cmp -s "$tmpdir/plain" "$tmpdir/iso"; then
	ok "an isolated pipeline gives the in-process result"
else
	not_ok "an isolated pipeline gives the in-process result" "$(cat "$tmpdir/plain")" "$(cat "$tmpdir/iso")"
fi
# Order of options: --isolate anywhere among the global ones.
echo Hi | $host --call-timeout 2000 --isolate pipe "$p/Rot13.bundle" >"$tmpdir/out"
check_grep "--call-timeout and --isolate together" '^Uv$' "$tmpdir/out"

# Usage errors.
for bad in 0 -5 abc 86400001; do
	$host --call-timeout "$bad" --isolate run "$p/Rot13.bundle" filter x 2>"$tmpdir/err"; rc=$?
	if [ $rc -eq 2 ]; then ok "--call-timeout $bad is a usage error (exit 2)"; else not_ok "--call-timeout $bad exits 2" "exit $rc"; fi
	check_grep "and says why ($bad)" "^signet-host: option '--call-timeout' takes 1 to 86400000 milliseconds, not '$bad' \(try 'signet-host --help'\)$" "$tmpdir/err"
done

# A helper that is not one: the unsigned build copy.
$host --guest-helper "$b/signet-guest" --isolate run "$p/Rot13.bundle" filter x 2>"$tmpdir/err"; rc=$?
if [ $rc -eq 1 ]; then ok "an unsigned helper is refused (exit 1)"; else not_ok "an unsigned helper exits 1" "exit $rc"; fi
check_grep "naming the helper" "$b/signet-guest" "$tmpdir/err"

# A helper path that is a FIFO or a huge sparse file: refused at once, without blocking or reading.
mkfifo "$tmpdir/fifo"
truncate -s 10G "$tmpdir/sparse"
$host --guest-helper "$tmpdir/fifo" --isolate run "$p/Rot13.bundle" filter x 2>"$tmpdir/err"; rc=$?
if [ $rc -eq 1 ]; then ok "a FIFO as the helper is refused (exit 1)"; else not_ok "a FIFO as the helper exits 1" "exit $rc"; fi
check_grep "it is named as a FIFO" "$tmpdir/fifo: not a regular file \(a FIFO\)" "$tmpdir/err"
$host --guest-helper "$tmpdir/sparse" --isolate run "$p/Rot13.bundle" filter x 2>"$tmpdir/err"; rc=$?
if [ $rc -eq 1 ]; then ok "a 10 GB sparse helper is refused (exit 1)"; else not_ok "a sparse helper exits 1" "exit $rc"; fi
check_grep "by its size, before reading" "$tmpdir/sparse: too large: 10737418240 bytes" "$tmpdir/err"

# serve --isolate: the class served from its own process.
XDG_RUNTIME_DIR="$tmpdir/run"
export XDG_RUNTIME_DIR
mkdir -m 0700 "$XDG_RUNTIME_DIR"
name=ABCDE12345.org.signet.sample.rot13
$host --isolate serve --once "$name" "$p/Rot13.bundle" 2>"$tmpdir/serve.log" &
spid=$!
i=0
while ! grep -q "serving" "$tmpdir/serve.log" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
echo Hello | $host call "$name" filter - >"$tmpdir/out" 2>"$tmpdir/err"
check_grep "serve --isolate serves the class from its guest process" '^Uryyb$' "$tmpdir/out"
wait $spid; rc=$?
if [ $rc -eq 0 ]; then ok "serve --isolate --once ends when its client has gone"; else not_ok "serve --isolate --once exits 0" "exit $rc" "$(cat "$tmpdir/serve.log")"; fi

finish
