#!/bin/sh
# SPDX-License-Identifier: MIT
# Library validation for any program (docs/audit.md): an ordinary program,
# which knows nothing of Signet, run under signet-run and the LD_AUDIT
# module. A signed program and library run; an unsigned, a tampered and an
# other-team library stop it with the reason; an LD_PRELOAD impostor and an
# LD_LIBRARY_PATH plant are refused (each shown to work without the module
# first, so the refusal is the module's doing); a dlopen() of an unsigned
# plugin fails while a signed one works; the module's own dependencies are
# not chosen by LD_LIBRARY_PATH; names stay real for dladdr() and gdb.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b="$SIGNET_TEST_BUILDDIR"
src="$SIGNET_TEST_SRCDIR/tests/audit"
run="$b/signet-run"
SIGNET_AUDIT_MODULE="$b/.libs/libsignet-audit.so"
export SIGNET_AUDIT_MODULE
pki="$b/tests/pki"
anchors="$pki/root.pem"
cc=${CC:-cc}

# A sanitized module cannot be an audit module: the sanitizer runtime must
# be the first library of the process, and ld.so loads auditors into a
# namespace of their own. The judge itself runs sanitized in test_judge.
if ldd "$SIGNET_AUDIT_MODULE" | grep -Eq 'lib(a|ub|t)san'; then
	echo "SKIP (sanitized build): an LD_AUDIT module cannot carry a sanitizer runtime; tests/audit/test_judge covers the judge"
	exit 77
fi

sign() { # sign KEYNAME IDENTIFIER FILE
	"$b/signet" sign --key "$pki/$1.key" --cert "$pki/$1.pem" --identifier "$2" "$3" >/dev/null
}
lib() { # lib OUT ANSWER [extra cc flags]: libauditlib.so.1 answering ANSWER
	out=$1 answer=$2; shift 2
	"$cc" -fPIC -shared -Wl,-soname,libauditlib.so.1 -DANSWER="$answer" "$@" -o "$out" "$src/auditlib.c"
}
# run_case NAME: runs the rest of the command line, keeping stdout, stderr and the status.
run_case() {
	case_name=$1; shift
	"$@" >"$tmpdir/$case_name.out" 2>"$tmpdir/$case_name.err"
	echo $? >"$tmpdir/$case_name.status"
}
status_is() { # status_is CASE WANT DESCRIPTION
	got=$(cat "$tmpdir/$1.status")
	if [ "$got" -eq "$2" ]; then ok "$3"; else
		not_ok "$3" "exit $got, wanted $2" "$(cat "$tmpdir/$1.err" | head -20)"; fi
}

# --- the application: a program and its library, signed by team A -----------
app="$tmpdir/app"
mkdir -p "$app/lib"
lib "$app/lib/libauditlib.so.1" 42
"$cc" -o "$app/prog" "$src/audit_prog.c" -L"$app/lib" -l:libauditlib.so.1 -Wl,-rpath,'$ORIGIN/lib' -ldl -pthread
cp "$app/lib/libauditlib.so.1" "$tmpdir/libauditlib.unsigned"
cp "$app/prog" "$tmpdir/prog.unsigned"
sign ABCDE12345 org.signet.test.auditlib "$app/lib/libauditlib.so.1"
sign ABCDE12345 org.signet.test.prog "$app/prog"

SIGNET_PRINT_IMAGES=1 run_case signed "$run" --anchors "$anchors" -- "$app/prog" maps
status_is signed 0 "a signed program with a signed library of its team runs"
check_grep "it ran its library's code" '^answer 42$' "$tmpdir/signed.out"
check_grep "the module's own libraries leave the program's pthread keys alone" '^new key is empty$' "$tmpdir/signed.out"
check_grep "dladdr() names the library by its real path, found through \$ORIGIN" "^lib $app/lib/libauditlib.so.1\$" "$tmpdir/signed.out"
check_grep "/proc/PID/maps shows the library's code mapped from the sealed snapshot, named after it" \
	'^maps .* /memfd:signet:libauditlib\.so\.1 \(deleted\)$' "$tmpdir/signed.out"
check_grep "the image log shows the program verified, as the main program" \
	"^signet-image: add pid=[0-9]+ base=0x[0-9a-f]{16} id=1 build-id=[0-9a-f]+ arrival=main identity=verified team=ABCDE12345 identifier=org.signet.test.prog cdhash=[0-9a-f]{64} path=$app/prog\$" \
	"$tmpdir/signed.err"
check_grep "the image log shows the library verified, at start-up, by its real path" \
	"^signet-image: add .* arrival=startup identity=verified team=ABCDE12345 identifier=org.signet.test.auditlib cdhash=[0-9a-f]{64} path=$app/lib/libauditlib.so.1\$" \
	"$tmpdir/signed.err"
check_grep "libc is a platform library" "^signet-image: add .* arrival=startup identity=platform path=/.*/libc\\.so\\.6\$" "$tmpdir/signed.err"
check_grep "the vDSO is shown as the kernel's" "^signet-image: add .* arrival=vdso identity=unsigned path=linux-vdso\\.so\\.1\$" "$tmpdir/signed.err"
check_no_grep "nothing was refused, and there are no remove lines at exit" '^signet-image: (refuse|remove)' "$tmpdir/signed.err"

# --- libraries that must stop the program ------------------------------------
bad_library() { # bad_library NAME CODE CHECK DESCRIPTION: $tmpdir/NAME/ holds prog and lib/
	run_case "$1" "$run" --anchors "$anchors" -- "$tmpdir/$1/prog"
	status_is "$1" 127 "$4: the program does not start (ld.so: no acceptable candidate)"
	check_grep "$4: refused with $2, check $3, naming the file" \
		"^signet-audit: refused library $tmpdir/$1/lib/libauditlib\\.so\\.1: .*\\($2, check $3\\)\$" "$tmpdir/$1.err"
	check_grep "$4: ld.so reports the library as not found" \
		'libauditlib\.so\.1: cannot open shared object file' "$tmpdir/$1.err"
	check_no_grep "$4: none of the program ran" '^answer' "$tmpdir/$1.out"
}
variant() { # variant NAME: a copy of the signed application
	mkdir -p "$tmpdir/$1/lib"
	cp "$app/prog" "$tmpdir/$1/prog"
}
variant unsigned
cp "$tmpdir/libauditlib.unsigned" "$tmpdir/unsigned/lib/libauditlib.so.1"
bad_library unsigned SIGNET_E_UNSIGNED signature.present "an unsigned library"
check_grep "an unsigned library: the refusal also says why it is no platform library" \
	'nor is it trusted by location: .*not in a platform directory' "$tmpdir/unsigned.err"

variant tampered
cp "$app/lib/libauditlib.so.1" "$tmpdir/tampered/lib/libauditlib.so.1"
# One byte of the code page changed after signing (auditlib_answer's first instruction).
off=$(nm -D --defined-only "$tmpdir/tampered/lib/libauditlib.so.1" | awk '/ auditlib_answer$/ { print $1 }')
printf '\314' | dd of="$tmpdir/tampered/lib/libauditlib.so.1" bs=1 seek=$((0x$off)) conv=notrunc 2>/dev/null
bad_library tampered SIGNET_E_PAGE_MISMATCH signature.page "a tampered library"

variant otherteam
lib "$tmpdir/otherteam/lib/libauditlib.so.1" 42
sign ZZZZZ99999 org.signet.test.auditlib "$tmpdir/otherteam/lib/libauditlib.so.1"
bad_library otherteam SIGNET_E_REQUIREMENT_UNMET requirement "another team's library"
check_grep "another team's library: the reason names both teams" 'ZZZZZ99999.*ABCDE12345|ABCDE12345.*ZZZZZ99999' \
	"$tmpdir/otherteam.err"

# --- the environment cannot substitute code -----------------------------------
# The impostor interposes auditlib_answer (666) and leaves a marker when its
# constructor runs.
lib "$tmpdir/evil.so" 666 -DMARKER_ENV='"AUDIT_MARKER"'
mkdir -p "$tmpdir/plant"
cp "$tmpdir/evil.so" "$tmpdir/plant/libauditlib.so.1"

AUDIT_MARKER="$tmpdir/marker.plain" LD_PRELOAD="$tmpdir/evil.so" run_case preload-plain "$app/prog"
check_grep "without the module, an LD_PRELOAD impostor takes over (the attack is real)" '^answer 666$' \
	"$tmpdir/preload-plain.out"
check_grep "without the module, the impostor's constructor runs in the program" "^$app/prog\$" "$tmpdir/marker.plain"
AUDIT_MARKER="$tmpdir/marker.preload" LD_PRELOAD="$tmpdir/evil.so" \
	run_case preload "$run" --anchors "$anchors" -- "$app/prog"
status_is preload 0 "under the module, the program runs without the LD_PRELOAD impostor"
check_grep "the LD_PRELOAD impostor is refused as unsigned" \
	"^signet-audit: refused library $tmpdir/evil\\.so: .*\\(SIGNET_E_UNSIGNED, check signature\\.present\\)\$" "$tmpdir/preload.err"
check_grep "the program called its own verified library" '^answer 42$' "$tmpdir/preload.out"
# signet-run itself starts with the environment it is given, LD_PRELOAD
# included (docs/audit.md, "Limits"): the impostor must not run in the program.
touch "$tmpdir/marker.preload"
check_no_grep "the impostor's constructor never ran in the program" "^$app/prog\$" "$tmpdir/marker.preload"

LD_LIBRARY_PATH="$tmpdir/plant" run_case plant-plain "$app/prog"
check_grep "without the module, an LD_LIBRARY_PATH plant is used (the attack is real)" '^answer 666$' \
	"$tmpdir/plant-plain.out"
AUDIT_MARKER="$tmpdir/marker.plant" LD_LIBRARY_PATH="$tmpdir/plant" \
	SIGNET_PRINT_IMAGES=1 run_case plant "$run" --anchors "$anchors" -- "$app/prog"
status_is plant 0 "under the module, the program runs past an LD_LIBRARY_PATH plant"
check_grep "the plant is refused, with its path" \
	"^signet-image: refuse pid=[0-9]+ code=SIGNET_E_UNSIGNED check=signature\.present reason=\".*\" path=$tmpdir/plant/libauditlib\\.so\\.1\$" \
	"$tmpdir/plant.err"
check_grep "ld.so went on to the next candidate: the signed library, through \$ORIGIN" '^answer 42$' "$tmpdir/plant.out"
touch "$tmpdir/marker.plant"
check_no_grep "the plant's constructor never ran" . "$tmpdir/marker.plant"

# The module's own dependencies: a libcrypto.so.3 planted on LD_LIBRARY_PATH
# is not what the module runs with (DT_RPATH is searched first).
mkdir -p "$tmpdir/cryptoplant"
"$cc" -fPIC -shared -Wl,-soname,libcrypto.so.3 -DANSWER=0 -DMARKER_ENV='"AUDIT_MARKER"' \
	-o "$tmpdir/cryptoplant/libcrypto.so.3" "$src/auditlib.c"
AUDIT_MARKER="$tmpdir/marker.crypto" LD_LIBRARY_PATH="$tmpdir/cryptoplant" \
	run_case cryptoplant "$run" --anchors "$anchors" -- "$app/prog"
status_is cryptoplant 0 "a libcrypto planted on LD_LIBRARY_PATH does not break the module"
touch "$tmpdir/marker.crypto"
check_no_grep "the module did not load the planted libcrypto" . "$tmpdir/marker.crypto"

# --- dlopen() after start-up ------------------------------------------------------
lib "$tmpdir/plugin-signed.so" 7
sign ABCDE12345 org.signet.test.plugin "$tmpdir/plugin-signed.so"
lib "$tmpdir/plugin-unsigned.so" 8 -DMARKER_ENV='"AUDIT_MARKER"'
AUDIT_MARKER="$tmpdir/marker.dlopen" SIGNET_PRINT_IMAGES=1 run_case dlopen "$run" --anchors "$anchors" -- \
	"$app/prog" dlopen "$tmpdir/plugin-signed.so" "$tmpdir/plugin-unsigned.so"
status_is dlopen 0 "a program dlopen()ing plugins runs"
check_grep "dlopen() of a signed plugin works" "^dlopen ok $tmpdir/plugin-signed.so 7\$" "$tmpdir/dlopen.out"
check_grep "dlopen() of an unsigned plugin fails as not found" \
	"^dlopen failed $tmpdir/plugin-unsigned.so: .*cannot open shared object file" "$tmpdir/dlopen.out"
check_grep "the unsigned plugin's refusal is logged with its reason" \
	"^signet-image: refuse .*code=SIGNET_E_UNSIGNED .* path=$tmpdir/plugin-unsigned\\.so\$" "$tmpdir/dlopen.err"
touch "$tmpdir/marker.dlopen"
check_no_grep "the unsigned plugin's constructor never ran" . "$tmpdir/marker.dlopen"
check_grep "the signed plugin arrives as a later image" \
	"^signet-image: add .* arrival=foreign identity=verified team=ABCDE12345 identifier=org.signet.test.plugin .* path=$tmpdir/plugin-signed\\.so\$" \
	"$tmpdir/dlopen.err"
check_grep "dlclose() of it is a remove line" "^signet-image: remove .* identifier=org.signet.test.plugin .* path=$tmpdir/plugin-signed\\.so\$" \
	"$tmpdir/dlopen.err"

# The same signed plugin in the program's namespace and in a new one
# (dlmopen): ld.so maps the verified snapshot once in each.
SIGNET_PRINT_IMAGES=1 run_case dlmopen "$run" --anchors "$anchors" -- "$app/prog" dlmopen "$tmpdir/plugin-signed.so"
status_is dlmopen 0 "a program that dlmopen()s a signed plugin a second time runs"
check_grep "the plugin works in both namespaces" "^dlmopen ok $tmpdir/plugin-signed.so 7 7\$" "$tmpdir/dlmopen.out"
n=$(grep -c "^signet-image: add .* identifier=org.signet.test.plugin .* path=$tmpdir/plugin-signed\.so\$" "$tmpdir/dlmopen.err")
if [ "$n" -eq 2 ]; then ok "both images are logged verified, under the real path"; else
	not_ok "both images are logged verified, under the real path" "$n add lines"; fi

# dlmopen() into a new namespace: glibc does not ask the module about that
# namespace's first object, so the module judges it once mapped, before any
# of its code runs, and ends the process when it must refuse it.
AUDIT_MARKER="$tmpdir/marker.dlmopen" run_case dlmopen-unsigned "$run" --anchors "$anchors" -- \
	"$app/prog" dlmopen "$tmpdir/plugin-unsigned.so"
status_is dlmopen-unsigned 127 "dlmopen() of an unsigned plugin ends the process (it cannot be unmapped)"
check_grep "the refusal names the plugin and the reason" \
	"^signet-audit: refused library $tmpdir/plugin-unsigned\.so: .*\(SIGNET_E_UNSIGNED, check signature\.present\)\$" \
	"$tmpdir/dlmopen-unsigned.err"
touch "$tmpdir/marker.dlmopen"
check_no_grep "the unsigned plugin's constructor never ran" . "$tmpdir/marker.dlmopen"

# A plugin dlopen()ed by path whose own dependency is found through its
# $ORIGIN: ld.so knows the plugin by its snapshot at first, and the module
# turns that directory back into the real one (and renames both).
mkdir -p "$tmpdir/plugdir/deps"
printf 'int dep_value(void);\nint dep_value(void) { return 99; }\n' >"$tmpdir/dep.c"
printf 'int dep_value(void);\nint auditlib_answer(void);\nint auditlib_answer(void) { return dep_value() + 1; }\n' \
	>"$tmpdir/plugdep.c"
"$cc" -fPIC -shared -Wl,-soname,libplugdep.so -o "$tmpdir/plugdir/deps/libplugdep.so" "$tmpdir/dep.c"
"$cc" -fPIC -shared -o "$tmpdir/plugdir/plugin-dep.so" "$tmpdir/plugdep.c" -L"$tmpdir/plugdir/deps" -lplugdep \
	-Wl,-rpath,'$ORIGIN/deps'
sign ABCDE12345 org.signet.test.plugdep "$tmpdir/plugdir/deps/libplugdep.so"
sign ABCDE12345 org.signet.test.plugin-dep "$tmpdir/plugdir/plugin-dep.so"
SIGNET_PRINT_IMAGES=1 run_case origin "$run" --anchors "$anchors" -- "$app/prog" dlopen "$tmpdir/plugdir/plugin-dep.so"
check_grep "a plugin dlopen()ed by path finds its own dependency through \$ORIGIN" \
	"^dlopen ok $tmpdir/plugdir/plugin-dep.so 100\$" "$tmpdir/origin.out"
check_grep "the plugin is logged under its real path" \
	"^signet-image: add .* identifier=org.signet.test.plugin-dep .* path=$tmpdir/plugdir/plugin-dep\\.so\$" "$tmpdir/origin.err"
check_grep "its dependency is verified and logged under its real path" \
	"^signet-image: add .* identifier=org.signet.test.plugdep .* path=$tmpdir/plugdir/deps/libplugdep\\.so\$" "$tmpdir/origin.err"
check_no_grep "no image is logged under a /proc name" 'path=/proc/' "$tmpdir/origin.err"
# The same plugin in a new namespace first, then in the program's: its
# dependency's snapshot, already mapped, is handed to ld.so again.
SIGNET_PRINT_IMAGES=1 run_case origin-ns "$run" --anchors "$anchors" -- "$app/prog" dlmopen "$tmpdir/plugdir/plugin-dep.so"
status_is origin-ns 0 "the plugin and its dependency in two namespaces: the program runs"
check_grep "the plugin works in both" "^dlmopen ok $tmpdir/plugdir/plugin-dep.so 100 100\$" "$tmpdir/origin-ns.out"
n=$(grep -c "^signet-image: add .* identifier=org.signet.test.plugdep .* path=$tmpdir/plugdir/deps/libplugdep\.so\$" \
	"$tmpdir/origin-ns.err")
if [ "$n" -eq 2 ]; then ok "the dependency is logged verified in each namespace, under its real path"; else
	not_ok "the dependency is logged verified in each namespace, under its real path" "$n add lines" \
		"$(grep plugdep "$tmpdir/origin-ns.err")"; fi

# --- the main program ------------------------------------------------------------
mkdir -p "$tmpdir/unsignedprog/lib"
cp "$tmpdir/prog.unsigned" "$tmpdir/unsignedprog/prog"
cp "$app/lib/libauditlib.so.1" "$tmpdir/unsignedprog/lib/"
run_case unsignedprog "$run" --anchors "$anchors" -- "$tmpdir/unsignedprog/prog"
status_is unsignedprog 126 "an unsigned program is refused (exit 126)"
check_grep "the refusal names the program and the reason" \
	"^signet-audit: refused program $tmpdir/unsignedprog/prog: .*\\(SIGNET_E_UNSIGNED, check signature\\.present\\)\$" \
	"$tmpdir/unsignedprog.err"
check_no_grep "none of the program ran" '^answer' "$tmpdir/unsignedprog.out"

run_case badpolicy "$run" --policy "$src/auditlib.c" -- "$app/prog"
status_is badpolicy 126 "a policy that cannot be made refuses the program: the module fails closed"
check_grep "the refusal says why the policy could not be made" \
	'^signet-audit: refused program .*\(SIGNET_E_POLICY_INVALID, check ' "$tmpdir/badpolicy.err"

# --- a real program, in log-only mode -----------------------------------------------
# python3 importing sqlite3 and ssl maps two dozen libraries, most of them by
# dlopen(). --log-only must list every one with a verdict and change nothing.
py=/usr/bin/python3
if [ -x "$py" ]; then
	script='import sqlite3, ssl
print(sqlite3.sqlite_version, ssl.OPENSSL_VERSION)
import re
for line in open("/proc/self/maps"):
    m = re.search(r" (/\S+\.so[.0-9]*)$", line.strip())
    if m: print("mapped", m.group(1))'
	run_case py-plain "$py" -c "$script"
	run_case py "$run" --log-only --anchors "$anchors" -- "$py" -c "$script"
	status_is py 0 "log-only: python3 importing sqlite3 and ssl runs"
	if [ "$(head -1 "$tmpdir/py-plain.out")" = "$(head -1 "$tmpdir/py.out")" ]; then
		ok "log-only changes nothing: the program prints what it prints when run plainly"
	else not_ok "log-only changes nothing: the program prints what it prints when run plainly" \
		"$(head -1 "$tmpdir/py-plain.out") / $(head -1 "$tmpdir/py.out")"; fi
	# Every file a plain run maps, by real path, has an add line (the
	# module's own namespace maps more: its libraries are not the program's).
	sed -n 's/^signet-image: add .* path=//p' "$tmpdir/py.err" | while read -r f; do
		realpath -e "$f" 2>/dev/null; done | sort -u >"$tmpdir/py.listed"
	sed -n 's/^mapped //p' "$tmpdir/py-plain.out" | sort -u >"$tmpdir/py.mapped"
	missing=$(comm -23 "$tmpdir/py.mapped" "$tmpdir/py.listed" | tr '\n' ' ')
	if [ -z "$missing" ] && [ -s "$tmpdir/py.mapped" ]; then
		ok "log-only lists every library python3 maps ($(wc -l <"$tmpdir/py.mapped") files)"
	else not_ok "log-only lists every library python3 maps" "not listed: $missing"; fi
	check_grep "log-only lists python3 itself as the main program" \
		'^signet-image: add .* arrival=main identity=unsigned path=/usr/bin/python3' "$tmpdir/py.err"
	check_grep "log-only says python3 would be refused, and why" \
		'^signet-image: would-refuse .*code=SIGNET_E_UNSIGNED .*path=/usr/bin/python3' "$tmpdir/py.err"
	check_grep "log-only lists libsqlite3, loaded by dlopen(), as a platform library" \
		'^signet-image: add .* arrival=foreign identity=platform path=/.*/libsqlite3\.so' "$tmpdir/py.err"
	check_grep "log-only lists the _ssl extension module" '^signet-image: add .* path=/.*/_ssl\..*so$' "$tmpdir/py.err"
	check_no_grep "log-only refuses nothing" '^signet-image: refuse ' "$tmpdir/py.err"

	# Enforcing, with /usr/bin trusted by location: platform libraries are
	# admitted without being read (ld.so's own open is the only one).
	triplet=$(gcc -print-multiarch)
	cat >"$tmpdir/platform.json" <<EOF
{
  "anchors": "$anchors",
  "platform": { "directories": ["/usr/bin", "/lib/$triplet", "/usr/lib/$triplet", "/lib64", "/usr/lib64", "/lib", "/usr/lib"] }
}
EOF
	run_case py-enforce "$run" --policy "$tmpdir/platform.json" -- "$py" -c "$script"
	status_is py-enforce 0 "enforcing: python3 runs when its directory and its libraries' are trusted by location"
	check_grep "enforcing: it imported sqlite3 and ssl" '^3\.[0-9.]+ OpenSSL' "$tmpdir/py-enforce.out"
	if command -v strace >/dev/null 2>&1; then
		run_case py-strace strace -f -e trace=openat -o "$tmpdir/py.trace" "$run" --policy "$tmpdir/platform.json" -- "$py" -c "$script"
		opens=$(grep -c 'openat(.*libsqlite3\.so[.0-9]*", O_RDONLY' "$tmpdir/py.trace" || true)
		if [ "$opens" -eq 1 ]; then ok "a platform library is opened once, by ld.so: the module never read it"; else
			not_ok "a platform library is opened once, by ld.so: the module never read it" "$opens opens:" \
				"$(grep 'libsqlite3' "$tmpdir/py.trace")"; fi
	else
		not_ok "strace is installed (scripts/install-deps.sh installs it)"
	fi
else
	not_ok "/usr/bin/python3 is installed (scripts/install-deps.sh installs python3)"
fi

# docs/policy.md's example for signet-run: system programs trusted by location.
awk '/admit them by location/ { want = 1 } want && /^```json$/ { inside = 1; next } inside && /^```$/ { exit }
	inside { print }' "$SIGNET_TEST_SRCDIR/docs/policy.md" >"$tmpdir/doc-policy.json"
run_case docpolicy "$run" --policy "$tmpdir/doc-policy.json" -- /usr/bin/true
status_is docpolicy 0 "docs/policy.md's example policy runs /usr/bin/true, enforcing"

# --- signet-run's own checks --------------------------------------------------------
run_case noprog "$run"
status_is noprog 2 "no PROGRAM is a usage error"
check_grep "it says so" '^signet-run: no PROGRAM to run' "$tmpdir/noprog.err"
run_case badopt "$run" --anchorz x -- true
status_is badopt 2 "an unknown option is a usage error"
check_grep "it names the option" "^signet-run: unknown option '--anchorz" "$tmpdir/badopt.err"
run_case rellog "$run" --log relative.log -- true
status_is rellog 2 "--log with a relative path is a usage error"
run_case missing "$run" -- "$tmpdir/no-such-program"
status_is missing 127 "a missing program exits 127"
check_grep "it names the program" "^signet-run: $tmpdir/no-such-program: No such file or directory\$" "$tmpdir/missing.err"
run_case notonpath "$run" -- no-such-program-on-path
status_is notonpath 127 "a name not on PATH exits 127"
check_grep "it says so" '^signet-run: no-such-program-on-path: not found$' "$tmpdir/notonpath.err"
cp "$app/prog" "$tmpdir/setuid-prog"
chmod u+s "$tmpdir/setuid-prog"
run_case setuid "$run" --anchors "$anchors" -- "$tmpdir/setuid-prog"
status_is setuid 126 "a set-user-ID program is refused: ld.so would ignore LD_AUDIT"
check_grep "it says why" 'set-user-ID or set-group-ID program: ld.so ignores LD_AUDIT' "$tmpdir/setuid.err"
printf 'int main(void) { return 0; }\n' >"$tmpdir/static.c"
if "$cc" -static -o "$tmpdir/static-prog" "$tmpdir/static.c" 2>/dev/null; then
	run_case static "$run" -- "$tmpdir/static-prog"
	status_is static 126 "a statically linked program is refused: there is no ld.so to audit it"
	check_grep "it says why" 'statically linked: no dynamic linker runs' "$tmpdir/static.err"
else
	not_ok "a static test program links (libc6-dev has libc.a)"
fi
SIGNET_AUDIT_MODULE="$tmpdir/no-module.so" run_case nomodule "$run" -- "$app/prog"
status_is nomodule 126 "a module that cannot be loaded stops signet-run: ld.so would run the program unaudited"
check_grep "it names the module" "^signet-run: the audit module $tmpdir/no-module.so cannot be loaded" "$tmpdir/nomodule.err"
run_case help "$run" --help
status_is help 0 "--help exits 0"
check_grep "--help shows the usage" '^Usage: signet-run \[OPTIONS\] \[--\] PROGRAM \[ARGS\.\.\.\]$' "$tmpdir/help.out"
# Options end at PROGRAM: its own options are its own.
run_case args "$run" --anchors "$anchors" -- "$app/prog" --anchors
status_is args 0 "PROGRAM's own options are passed to it, not taken by signet-run"
# --log: the image log goes to the file, not to standard error.
run_case logfile "$run" --anchors "$anchors" --log "$tmpdir/images.log" -- "$app/prog"
check_grep "--log FILE appends the image log to FILE" "^signet-image: add .* arrival=main .* path=$app/prog\$" "$tmpdir/images.log"
check_no_grep "--log FILE leaves standard error alone" '^signet-image:' "$tmpdir/logfile.err"

# --- names for debuggers -----------------------------------------------------------
cat >"$tmpdir/gdb.cmd" <<EOF
set exec-wrapper $run --anchors $anchors --
break auditlib_answer
run
info sharedlibrary
bt
kill
EOF
run_case gdb gdb -nx -batch -x "$tmpdir/gdb.cmd" "$app/prog"
if grep -Eq 'ptrace: Operation not permitted|Could not attach|Couldn.t get registers' "$tmpdir/gdb.out"; then
	echo "SKIP: ptrace is not permitted here"
else
	check_grep "gdb lists the verified library by its real path" " $app/lib/libauditlib\\.so\\.1\$" "$tmpdir/gdb.out"
	check_grep "gdb stops in the library's function and shows it in the backtrace" \
		"^#0 .*auditlib_answer" "$tmpdir/gdb.out"
	check_no_grep "gdb shows no /proc/self/fd name" '/proc/(self|[0-9]+)/fd/' "$tmpdir/gdb.out"
fi

finish
