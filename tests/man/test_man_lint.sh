#!/bin/sh
# SPDX-License-Identifier: MIT
# Every manual page the build installs ($SIGNET_MAN_PAGES: dist_man_MANS,
# passed by man/local.mk, so pages other fragments add are checked too):
#  - mandoc -T lint -W warning says nothing;
#  - man --warnings (groff) writes nothing on stderr;
# and the library's pages keep up with the API:
#  - every public header in include/signet/ is named by some page's .In;
#  - every function the built libsignet.so exports under the public node of
#    loader/libsignet.map is named in the NAME or SYNOPSIS of a section 3
#    page, and every function a SYNOPSIS declares is exported;
#  - man/so-links.sh makes a link page per name that `man NAME` follows to
#    the page documenting it.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
: "${SIGNET_MAN_PAGES:?run through make check}"

src=$SIGNET_TEST_SRCDIR
pages=''
for p in $SIGNET_MAN_PAGES; do pages="$pages $src/$p"; done

# --- lint: each page, both formatters ---
for page in $pages; do
	name=${page#"$src"/}
	mandoc -T lint -W warning "$page" >"$tmpdir/lint" 2>&1
	st=$?
	if [ "$st" -eq 0 ] && [ ! -s "$tmpdir/lint" ]; then
		ok "mandoc lint $name"
	else
		not_ok "mandoc lint $name" "exit $st" "$(cat "$tmpdir/lint")"
	fi
	MANWIDTH=80 man --warnings -l -E UTF-8 "$page" >/dev/null 2>"$tmpdir/groff"
	st=$?
	if [ "$st" -eq 0 ] && [ ! -s "$tmpdir/groff" ]; then
		ok "man --warnings $name"
	else
		not_ok "man --warnings $name" "exit $st" "$(cat "$tmpdir/groff")"
	fi
done

# The names a page gives in NAME (.Nm) and the functions its SYNOPSIS
# declares (.Fn, .Fo), one per line.
documented() {
	awk '/^\.Sh / { sec = $2; next }
		sec == "NAME" && /^\.Nm / { print $2 }
		sec == "SYNOPSIS" && /^\.F[no] / { print $2 }' "$@"
}
declared() {
	awk '/^\.Sh / { sec = $2; next } sec == "SYNOPSIS" && /^\.F[no] / { print $2 }' "$@"
}
man3=''
for page in $pages; do case $page in *.3) man3="$man3 $page" ;; esac; done
# shellcheck disable=SC2086 # a list of paths without spaces
documented $man3 | sort -u >"$tmpdir/documented"
# shellcheck disable=SC2086
declared $man3 | sort -u >"$tmpdir/declared"

# --- every public header has a page: a SYNOPSIS that includes it ---
# shellcheck disable=SC2086
awk '/^\.Sh / { sec = $2; next } sec == "SYNOPSIS" && /^\.In / { print $2 }' $man3 | sort -u >"$tmpdir/headers"
missing=''
for h in "$src"/include/signet/*.h; do
	base=signet/$(basename "$h")
	grep -qx "$base" "$tmpdir/headers" || missing="$missing $base"
done
if [ -z "$missing" ]; then ok "every public header has a page"; else not_ok "every public header has a page" "no .In for:$missing"; fi

# --- every exported function is documented ---
lib=$SIGNET_TEST_BUILDDIR/.libs/libsignet.so
map=$src/loader/libsignet.map
# The glob patterns of the map's public node, SIGNET_0 (SIGNET_PRIVATE's
# internals are no API and have no pages: docs/conventions.md).
patterns=$(awk '/^SIGNET_0/ { n = 1 } n && /^}/ { n = 0 } n && /global:/ { g = 1; next } /local:/ || !n { g = 0 }
	g { gsub(/[;[:space:]]/, ""); if ($0 != "") print }' "$map")
[ -n "$patterns" ] || { echo "no global patterns in $map" >&2; exit 99; }
nm -D --defined-only "$lib" | awk '$2 == "T" && $3 ~ /@@?SIGNET_0$/ { sub(/@.*/, "", $3); print $3 }' | sort -u >"$tmpdir/defined"
: >"$tmpdir/exported"
while read -r sym; do
	for pat in $patterns; do
		# shellcheck disable=SC2254 # the map's pattern is a glob on purpose
		case $sym in $pat) echo "$sym" >>"$tmpdir/exported"; break ;; esac
	done
done <"$tmpdir/defined"
count=$(wc -l <"$tmpdir/exported")
if [ "$count" -ge 100 ]; then ok "libsignet.so exports $count functions"; else not_ok "exports read from $lib" "only $count"; fi
undocumented=$(comm -23 "$tmpdir/exported" "$tmpdir/documented" | tr '\n' ' ')
if [ -z "$undocumented" ]; then
	ok "every exported function is in a page's NAME or SYNOPSIS"
else
	not_ok "every exported function is in a page's NAME or SYNOPSIS" "undocumented: $undocumented"
fi
phantom=$(comm -13 "$tmpdir/exported" "$tmpdir/declared" | tr '\n' ' ')
if [ -z "$phantom" ]; then
	ok "every function a SYNOPSIS declares is exported"
else
	not_ok "every function a SYNOPSIS declares is exported" "not exported: $phantom"
fi

# --- link pages: man NAME finds the page that documents NAME ---
mkdir -p "$tmpdir/man/man3"
# shellcheck disable=SC2086
cp $man3 "$tmpdir/man/man3/"
# shellcheck disable=SC2086
if sh "$src/man/so-links.sh" install "$tmpdir/man" $man3 2>"$tmpdir/links.err"; then
	ok "so-links.sh install"
else
	not_ok "so-links.sh install" "$(cat "$tmpdir/links.err")"
fi
nolink=''
while read -r fn; do
	[ -f "$tmpdir/man/man3/$fn.3" ] || nolink="$nolink $fn"
done <"$tmpdir/exported"
if [ -z "$nolink" ]; then ok "every exported function has a page or link page"; else not_ok "link pages" "none for:$nolink"; fi
check_output_man() {
	MANWIDTH=80 man -M "$tmpdir/man" -E UTF-8 "$1" 2>&1 | head -1 >"$tmpdir/first"
	if grep -qi "^$2(3)" "$tmpdir/first"; then ok "man $1 shows $2(3)"; else not_ok "man $1 shows $2(3)" "$(cat "$tmpdir/first")"; fi
}
check_output_man signet_load_many signet_load
check_output_man signet_error_free signet_error
check_output_man signet_instance_invoke signet_guest
check_output_man signet_version libsignet
# uninstall leaves only the pages themselves
# shellcheck disable=SC2086
sh "$src/man/so-links.sh" uninstall "$tmpdir/man" $man3
left=$(ls "$tmpdir/man/man3" | wc -l)
# shellcheck disable=SC2086
want=$(echo $man3 | wc -w)
if [ "$left" -eq "$want" ]; then ok "so-links.sh uninstall removes every link"; else not_ok "uninstall" "$left files left, want $want"; fi

finish
