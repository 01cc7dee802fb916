#!/bin/sh
# SPDX-License-Identifier: MIT
# so-links.sh - the link pages that let `man signet_load_many` find the page
# that documents it (man/local.mk runs it at install and uninstall time).
#
# Usage: so-links.sh install|uninstall|list MANDIR PAGE...
#
# For every name a PAGE lists with .Nm in its NAME section, other than the
# page's own name, `install` writes MANDIR/manS/NAME.S holding the single
# line ".so manS/PAGE.S" (S the page's section, from its file name), as
# man-db and mandoc resolve it; `uninstall` removes exactly those files;
# `list` prints "NAME.S PAGE.S" per link. Two pages naming the same function
# is an error: one name must lead to one page.
set -eu

[ $# -ge 2 ] || { echo "usage: so-links.sh install|uninstall|list MANDIR PAGE..." >&2; exit 2; }
mode=$1 mandir=$2
shift 2
case $mode in install | uninstall | list) ;; *) echo "so-links.sh: unknown mode $mode" >&2; exit 2 ;; esac

# "NAME.S PAGE.S" for each link of one page.
links() {
	page=$(basename "$1")
	awk -v page="$page" '
		/^\.Sh / { in_name = ($2 == "NAME"); next }
		in_name && /^\.Nm / {
			name = $2
			section = page; sub(/^.*\./, "", section)
			if (name "." section != page)
				print name "." section, page
		}' "$1"
}

all=$(for p in "$@"; do links "$p"; done)
dup=$(printf '%s\n' "$all" | awk 'NF { n[$1]++ } END { for (k in n) if (n[k] > 1) print k }')
if [ -n "$dup" ]; then
	echo "so-links.sh: named in more than one page: $dup" >&2
	exit 1
fi

printf '%s\n' "$all" | while read -r link page; do
	[ -n "$link" ] || continue
	section=${page##*.}
	case $mode in
	list) echo "$link $page" ;;
	install)
		mkdir -p "$mandir/man$section"
		echo ".so man$section/$page" >"$mandir/man$section/$link"
		;;
	uninstall) rm -f "$mandir/man$section/$link" ;;
	esac
done
