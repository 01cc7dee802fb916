#!/bin/sh
# SPDX-License-Identifier: MIT
# The tools on special files: `signet verify/display/sign/req` and
# `signet-host load/preflight` given a FIFO, a socket, a directory or
# /dev/zero exit 1 at once with "not a regular file (<kind>)" naming the
# path; SIGNET_PRINT_IMAGES naming one does not hang a program; a 10 GB
# sparse resource is refused by `signet sign --bundle` from its size alone.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b="$SIGNET_TEST_BUILDDIR"
pki="$b/tests/pki"
signet="$b/signet"
host="$b/signet-host"
anchors="--anchors $pki/root.pem"
key="--key $pki/ABCDE12345.key --cert $pki/ABCDE12345.pem"

mkfifo "$tmpdir/fifo.so"
"$b/tests/core/mksocket" "$tmpdir/socket.so" || exit 99
mkdir "$tmpdir/dir.so"

# expect NAME KIND PATH CMD...: exit $want (1) within 10 s, the reason on stderr.
want=1
expect() {
	name=$1 kind=$2 path=$3; shift 3
	timeout 10 "$@" >"$tmpdir/out" 2>"$tmpdir/err"; got=$?
	if [ "$got" -eq "$want" ] && grep -qF -- "$path: not a regular file ($kind)" "$tmpdir/err"; then
		ok "$name"
	else
		not_ok "$name" "exit $got (124: hung), stderr: $(cat "$tmpdir/err")"
	fi
}

for spec in "fifo.so:a FIFO" "socket.so:a socket" "dir.so:a directory" "/dev/zero:a character device"; do
	file=${spec%%:*} kind=${spec#*:}
	case $file in /*) path=$file ;; *) path=$tmpdir/$file ;; esac
	if [ "$file" = dir.so ]; then
		# A directory is a bundle to `verify` and `display` (as to codesign -v): refused for its missing manifest.
		for verb in verify display; do
			a=; [ $verb = verify ] && a=$anchors
			timeout 10 "$signet" $verb $a "$path" >"$tmpdir/out" 2>"$tmpdir/err"; got=$?
			if [ $got -eq 1 ] && [ "$(cat "$tmpdir/err")" = "signet: $verb: $path: manifest.json is missing: a bundle without its manifest is refused" ]; then
				ok "signet $verb: a directory is a bundle without a manifest"
			else
				not_ok "signet $verb: a directory is a bundle without a manifest" "exit $got, stderr: $(cat "$tmpdir/err")"
			fi
		done
	else
		expect "signet verify: $kind" "$kind" "$path" "$signet" verify $anchors "$path"
		expect "signet display: $kind" "$kind" "$path" "$signet" display "$path"
	fi
	expect "signet req parse -f: $kind" "$kind" "$path" "$signet" req parse -f "$path"
	expect "signet-host load: $kind" "$kind" "$path" "$host" $anchors load "$path"
	[ "$file" = dir.so ] && continue # a directory is a bundle to sign, and anchors may be a directory
	expect "signet sign: $kind" "$kind" "$path" "$signet" sign $key --identifier org.example.x "$path"
	# Anchors that cannot be loaded are a usage error (exit 2), as documented in docs/signet.md.
	want=2; expect "signet verify --anchors: $kind" "$kind" "$path" "$signet" verify --anchors "$path" "$b/tests/fixtures/libfixture0.so"; want=1
done

# The image log is opened before main() of every program linking libsignet.
for log in "$tmpdir/fifo.so" "$tmpdir/socket.so" "$tmpdir/dir.so" /dev/zero; do
	SIGNET_PRINT_IMAGES=$log timeout 10 "$host" --help >/dev/null 2>&1; got=$?
	if [ "$got" -eq 0 ]; then ok "SIGNET_PRINT_IMAGES=$log: the program runs"; else not_ok "SIGNET_PRINT_IMAGES=$log" "exit $got"; fi
done

# A bundle whose resource is a 10 GB sparse file: refused from fstat, not hashed.
bundle="$tmpdir/Huge.bundle"
mkdir -p "$bundle/lib" "$bundle/resources"
cp "$b/tests/bundle/plugins/testplugin.so" "$bundle/lib/plugin.so"
cat >"$bundle/manifest.json" <<JSON
{ "identifier": "org.signet.test.huge", "version": "1.0.0", "executable": "lib/plugin.so",
  "principal_class": "TestClass", "host_api": ">=1.0 <2.0",
  "protocols": [ { "name": "Filter", "version": 1 } ] }
JSON
truncate -s 10000000000 "$bundle/resources/huge.bin"
timeout 60 "$signet" sign $key --bundle "$bundle" >"$tmpdir/out" 2>"$tmpdir/err"; got=$?
if [ "$got" -eq 1 ] && grep -qF "resources/huge.bin: too large: 10000000000 bytes, the limit is 1073741824" "$tmpdir/err"; then
	ok "signet sign --bundle refuses a 10 GB resource by its size"
else
	not_ok "signet sign --bundle refuses a 10 GB resource by its size" "exit $got: $(cat "$tmpdir/err")"
fi
finish
