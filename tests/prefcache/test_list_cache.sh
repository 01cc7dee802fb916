#!/bin/sh
# SPDX-License-Identifier: MIT
# `signet-host list` through the preflight cache (docs/preflight-cache.md),
# on the sample bundles the build made: the page's session run line by line
# and compared with the page, and its C block; misses then hits with the
# very same listing (and the golden one); --no-cache; a changed bundle; a
# cache that cannot be opened or saved is one warning and changes nothing
# else; a forged "accepted" entry fools the listing and nothing that loads.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
b="$SIGNET_TEST_BUILDDIR"
p="$b/plugins"
host="$p/signet-host"
anchors="--anchors $p/pki/root.pem"
doc="$SIGNET_TEST_SRCDIR/docs/preflight-cache.md"
[ -x "$host" ] || { echo "no $host: run make first"; exit 99; }
XDG_STATE_HOME="$tmpdir/state"
XDG_CACHE_HOME="$tmpdir/cache"
export XDG_STATE_HOME XDG_CACHE_HOME
cache="$XDG_CACHE_HOME/signet"
n=$(ls -d "$p"/*.bundle | wc -l)
stats() { sed -n 's/^signet-host: list: preflight cache: \([0-9]* hits, [0-9]* misses, [0-9]* stored\) .*/\1/p' "$1"; }

# --- the page's session ---
awk '/^## From the command line/ { want = 1 } want && /^```$/ { if (inside) exit; inside = 1; next }
	inside' "$doc" >"$tmpdir/session"
i=0
while IFS= read -r line; do
	case "$line" in
	'$ '*) i=$((i + 1)); printf '%s\n' "${line#\$ }" >"$tmpdir/cmd.$i"; : >"$tmpdir/want.$i" ;;
	*) printf '%s\n' "$line" >>"$tmpdir/want.$i" ;;
	esac
done <"$tmpdir/session"
if [ "$i" -ge 6 ]; then ok "the page has a session of $i commands"; else not_ok "the page's session" "$i commands"; fi
: >"$tmpdir/run.sh"
k=1
while [ $k -le $i ]; do
	# Grouped: a command's own redirection (">/dev/null") applies inside, the rest is captured.
	printf '{ %s; } >"%s" 2>&1\n' "$(sed -e 's|^signet-host |plugins/signet-host |' "$tmpdir/cmd.$k")" "$tmpdir/got.$k" \
		>>"$tmpdir/run.sh"
	k=$((k + 1))
done
rm -rf "$b/cache"
(cd "$b" && sh "$tmpdir/run.sh")
k=1
while [ $k -le $i ]; do
	sed -e "s|$b/||g" -e 's/preflight-[0-9a-f]\{16\}\.cache/preflight-HASH.cache/' "$tmpdir/got.$k" >"$tmpdir/norm.$k"
	if cmp -s "$tmpdir/norm.$k" "$tmpdir/want.$k"; then
		ok "docs/preflight-cache.md: $(cat "$tmpdir/cmd.$k")"
	else
		not_ok "docs/preflight-cache.md: $(cat "$tmpdir/cmd.$k")" "$(diff "$tmpdir/want.$k" "$tmpdir/norm.$k")"
	fi
	k=$((k + 1))
done
chmod 0700 "$b/cache/signet" 2>/dev/null
rm -rf "$b/cache"

# The page's C block, as it stands (doc_snippet.c), on two bundles: misses, then hits.
(cd "$p" && "$b/tests/prefcache/doc_snippet" "$tmpdir/snippet" Rot13.bundle Tampered.bundle) >"$tmpdir/c1" 2>&1
(cd "$p" && "$b/tests/prefcache/doc_snippet" "$tmpdir/snippet" Rot13.bundle Tampered.bundle) >"$tmpdir/c2" 2>&1
printf 'Rot13.bundle: accepted\nTampered.bundle: refused\n' >"$tmpdir/c1.want"
printf 'Rot13.bundle: accepted (from the cache)\nTampered.bundle: refused (from the cache)\n' >"$tmpdir/c2.want"
if cmp -s "$tmpdir/c1" "$tmpdir/c1.want" && cmp -s "$tmpdir/c2" "$tmpdir/c2.want"; then
	ok "the page's C block: misses, then answers from the cache"
else
	not_ok "the page's C block" "$(cat "$tmpdir/c1" "$tmpdir/c2")"
fi

# --- misses, then hits: the same listing, the golden one ---
"$host" $anchors list --stats "$p" >"$tmpdir/l1" 2>"$tmpdir/e1"
st1=$?
"$host" $anchors list --stats "$p" >"$tmpdir/l2" 2>"$tmpdir/e2"
st2=$?
[ "$(stats "$tmpdir/e1")" = "0 hits, $n misses, $n stored" ] && ok "the first list misses and stores all $n bundles" \
	|| not_ok "the first list misses all" "$(cat "$tmpdir/e1")"
[ "$(stats "$tmpdir/e2")" = "$n hits, 0 misses, 0 stored" ] && ok "the second list answers all $n from the cache" \
	|| not_ok "the second list hits all" "$(cat "$tmpdir/e2")"
if cmp -s "$tmpdir/l1" "$tmpdir/l2" && [ "$st1" -eq 1 ] && [ "$st2" -eq 1 ]; then
	ok "the listing and the exit code are the same from the cache"
else
	not_ok "the same listing from the cache" "exit $st1 then $st2" "$(diff "$tmpdir/l1" "$tmpdir/l2")"
fi
normalize() { sed -e 's/  *$//' -e 's/page [0-9]* (file offset 0x[0-9a-f]*, [0-9]* bytes)/page N (file offset X, N bytes)/' \
	-e 's/(SHA-256 [0-9a-f]\{64\})/(SHA-256 H)/g'; }
normalize <"$tmpdir/l2" >"$tmpdir/l2.norm"
if cmp -s "$SIGNET_TEST_SRCDIR/tests/hostapp/list.golden" "$tmpdir/l2.norm"; then
	ok "the listing from the cache is the golden one"
else
	not_ok "the listing from the cache is the golden one" "$(diff "$SIGNET_TEST_SRCDIR/tests/hostapp/list.golden" "$tmpdir/l2.norm")"
fi
file=$(ls "$cache"/preflight-*.cache)
check_status "the cache file is this user's alone" 0 test "$(stat -c %a "$file") $(stat -c %a "$cache")" = "600 700"

# --- --no-cache: neither read nor written ---
before=$(stat -c '%i %Y %s' "$file")
"$host" $anchors --no-cache list --stats "$p" >"$tmpdir/l3" 2>"$tmpdir/e3"
check_grep "--no-cache says the cache is not used" '^signet-host: list: preflight cache: not used$' "$tmpdir/e3"
[ "$before" = "$(stat -c '%i %Y %s' "$file")" ] && cmp -s "$tmpdir/l1" "$tmpdir/l3" \
	&& ok "--no-cache lists the same and leaves the cache file alone" || not_ok "--no-cache" "$(diff "$tmpdir/l1" "$tmpdir/l3")"

# --- a bundle changed: a miss for it, and its new verdict ---
mkdir "$tmpdir/two"
cp -r "$p/Rot13.bundle" "$p/Upper.bundle" "$tmpdir/two/"
sleep 1 # past the racy window of the fresh copies
"$host" $anchors list --stats "$tmpdir/two" >/dev/null 2>"$tmpdir/e4"
[ "$(stats "$tmpdir/e4")" = "0 hits, 2 misses, 2 stored" ] && ok "a new directory: misses" || not_ok "new dir" "$(cat "$tmpdir/e4")"
so=$(ls "$tmpdir/two/Upper.bundle/lib/"*.so | head -1)
printf '\377' | dd of="$so" bs=1 seek=4200 conv=notrunc status=none
"$host" $anchors list --stats "$tmpdir/two" >"$tmpdir/l5" 2>"$tmpdir/e5"
st=$?
# (Whether the new verdict is stored depends on how soon after the change it was made: not asserted.)
case "$(stats "$tmpdir/e5")" in "1 hits, 1 misses, "*) true ;; *) false ;; esac && ok "a changed bundle misses; the other hits" \
	|| not_ok "changed bundle" "$(cat "$tmpdir/e5")"
check_grep "the changed bundle's new verdict" '^Upper\.bundle .* refused +SIGNET_E_PAGE_MISMATCH: lib/' "$tmpdir/l5"
[ "$st" -eq 1 ] && ok "and list exits 1 for it" || not_ok "exit after the change" "$st"

# --- a cache that cannot be used: one warning, nothing else changes ---
chmod 0777 "$cache"
"$host" $anchors list "$p" >"$tmpdir/l6" 2>"$tmpdir/e6"
st=$?
chmod 0700 "$cache"
[ "$(grep -c 'preflight cache' "$tmpdir/e6")" -eq 1 ] && cmp -s "$tmpdir/l1" "$tmpdir/l6" && [ "$st" -eq 1 ] \
	&& ok "a directory others may write: one warning, the same listing and exit code" \
	|| not_ok "cache directory 0777" "exit $st" "$(cat "$tmpdir/e6")"
check_grep "the warning says why" 'warning: preflight cache: not saved: .*: not a directory of this user that only it may write' \
	"$tmpdir/e6"
: >"$tmpdir/afile"
XDG_CACHE_HOME="$tmpdir/afile" "$host" $anchors list "$p" >"$tmpdir/l7" 2>"$tmpdir/e7"
[ "$(grep -c 'preflight cache' "$tmpdir/e7")" -eq 1 ] && cmp -s "$tmpdir/l1" "$tmpdir/l7" \
	&& ok "a cache directory that cannot be made: one warning, the same listing" || not_ok "unmakeable" "$(cat "$tmpdir/e7")"
env -u XDG_CACHE_HOME -u HOME "$host" $anchors list "$p" >"$tmpdir/l8" 2>"$tmpdir/e8"
check_grep "no place for a cache: one warning" '^signet-host: list: warning: preflight cache: not used: no place for the preflight cache' \
	"$tmpdir/e8"
cmp -s "$tmpdir/l1" "$tmpdir/l8" && ok "and the same listing" || not_ok "no place" "$(diff "$tmpdir/l1" "$tmpdir/l8")"
# A damaged cache file is rebuilt without a word.
printf 'garbage\n' >"$file"
"$host" $anchors list --stats "$p" >"$tmpdir/l9" 2>"$tmpdir/e9"
[ "$(stats "$tmpdir/e9")" = "0 hits, $n misses, $n stored" ] && [ "$(grep -c warning "$tmpdir/e9")" -eq 0 ] \
	&& cmp -s "$tmpdir/l1" "$tmpdir/l9" && ok "a damaged cache file: rebuilt silently" || not_ok "damaged" "$(cat "$tmpdir/e9")"

# --- a forged "accepted": the listing believes it, loading does not ---
real=$(cd "$p" && pwd -P)
grep '^Tampered\.bundle' "$tmpdir/l1" | sed 's/.*SIGNET_E_PAGE_MISMATCH: //' >"$tmpdir/why"
"$b/tests/prefcache/forge_entry" "$file" "$real/Tampered.bundle" || exit 99
"$host" $anchors list --stats "$p" >"$tmpdir/l10" 2>"$tmpdir/e10"
check_grep "the forged entry is believed by list" '^Tampered\.bundle .* accepted$' "$tmpdir/l10"
"$host" $anchors run "$p/Tampered.bundle" filter x >"$tmpdir/out" 2>"$tmpdir/err"
st=$?
[ "$st" -eq 1 ] && [ ! -s "$tmpdir/out" ] && grep -qF "Tampered.bundle/$(cat "$tmpdir/why")" "$tmpdir/err" \
	&& grep -q 'check: signature.page (SIGNET_E_PAGE_MISMATCH)' "$tmpdir/err" \
	&& ok "run refuses it with the page-hash error a fresh preflight gives" \
	|| not_ok "run of the forged bundle" "exit $st; wanted: $(cat "$tmpdir/why")" "$(cat "$tmpdir/err")"
"$host" $anchors load "$p/Tampered.bundle/lib/rot13.so" >"$tmpdir/out" 2>"$tmpdir/err"
st=$?
[ "$st" -eq 1 ] && grep -qF "Tampered.bundle/$(cat "$tmpdir/why")" "$tmpdir/err" \
	&& ok "load refuses its executable the same way" || not_ok "load of the forged bundle" "exit $st" "$(cat "$tmpdir/err")"
check_status "list --stats without DIR is a usage error" 2 "$host" $anchors list --stats
check_status "list with an unknown option is a usage error" 2 "$host" $anchors list --bogus "$p"
"$host" --help >"$tmpdir/help"
check_grep "the usage names --no-cache" '^  --no-cache  ' "$tmpdir/help"
check_grep "preflight (which never uses the cache) still refuses it" '^verdict: refused$' \
	"$("$host" $anchors preflight "$p/Tampered.bundle" >"$tmpdir/pf" 2>&1; echo "$tmpdir/pf")"
finish
