#!/bin/sh
# SPDX-License-Identifier: MIT
# Debuggers and core files name a verified plugin by its real path, not
# /proc/PID/fd/N (docs/loading.md, "Debugging"): debug_child checks dladdr()
# and dl_iterate_phdr() in the live process; gdb attaches, gcore dumps it,
# and the core read back in gdb lists the plugin by its path and resolves
# one of its functions. Skips (77) only when ptrace is not permitted here.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b="$SIGNET_TEST_BUILDDIR"
child="$b/tests/load/debug_child"
lib=$(cd "$b/tests/fixtures" && pwd -P)/libtrap.so

if ! command -v gdb >/dev/null 2>&1; then
	not_ok "gdb is installed (scripts/install-deps.sh installs it)"
	finish
fi
mkfifo "$tmpdir/in" "$tmpdir/out"
"$child" "$lib" <"$tmpdir/in" >"$tmpdir/out" 2>&1 &
pid=$!
exec 3>"$tmpdir/in" 4<"$tmpdir/out"
IFS= read -r line <&4
case $line in
ready\ 0x*) ok "the child loaded the plugin; dladdr, dl_iterate_phdr and a plain dlopen name its real path" ;;
*) not_ok "the child loaded the plugin; dladdr, dl_iterate_phdr and a plain dlopen name its real path" "$line"
   exec 3>&-; wait "$pid"; finish ;;
esac
address=${line#ready }

# Under AddressSanitizer, gcore would dump the shadow memory (terabytes
# reserved): the sanitized build checks everything but the core file.
gcore="gcore $tmpdir/core"
if ldd "$child" | grep -q libasan; then
	gcore="echo"
fi

# A live process, attached: gdb reads the list of objects from its memory.
gdb -nx -batch -p "$pid" -ex 'info sharedlibrary' -ex "$gcore" >"$tmpdir/attach" 2>&1
if grep -Eq 'ptrace: Operation not permitted|Could not attach to process' "$tmpdir/attach"; then
	exec 3>&-; wait "$pid"
	echo "SKIP: ptrace is not permitted here: $(grep -E 'ptrace|attach' "$tmpdir/attach" | head -1)"
	exit 77
fi
check_grep "gdb attached to the live host lists the plugin by its real path" " $lib\$" "$tmpdir/attach"
check_no_grep "gdb attached to the live host shows no /proc/PID/fd name" '/proc/[0-9]+/fd/' "$tmpdir/attach"
exec 3>&-
IFS= read -r line <&4
wait "$pid"
status=$?
if [ "$status" -eq 0 ] && [ "$line" = done ]; then ok "the child unloads and exits 0"; else
	not_ok "the child unloads and exits 0" "exit $status: $line"; fi
if [ "$gcore" = echo ]; then
	echo "SKIP (sanitized build): gcore of an ASan process, and reading its core back"
	finish
fi
if [ -s "$tmpdir/core" ]; then ok "gcore wrote a core file"; else not_ok "gcore wrote a core file" "$(cat "$tmpdir/attach")"; fi

# The process is gone: the core alone must name the plugin and its symbols.
gdb -nx -batch -ex 'info sharedlibrary' -ex "info symbol $address" "$child" "$tmpdir/core" >"$tmpdir/read" 2>&1
check_grep "the core lists the plugin by its real path" "^0x[0-9a-f]+ +0x[0-9a-f]+ +Yes.* $lib\$" "$tmpdir/read"
check_grep "the core resolves the plugin's function" "^trap_inner in section \\.text of $lib\$" "$tmpdir/read"
check_no_grep "the core shows no /proc/PID/fd name" '/proc/[0-9]+/fd/' "$tmpdir/read"
finish
