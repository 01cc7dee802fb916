#!/bin/sh
# SPDX-License-Identifier: MIT
# make-bundle.sh - assembles one bundle directory: the sample bundles of
# plugins/local.mk (docs/plugins-samples.md), and plugin authors' own, for
# which `make install` installs it as $(datadir)/signet/make-bundle.sh
# (`pkg-config --variable=make_bundle signet`; docs/writing-a-plugin.md).
# The bundle is built as OUT.tmp and renamed to OUT only when every step
# worked, so an interrupted build never leaves a half-made bundle that make
# would take for finished.
#
# Usage: make-bundle.sh [--signet TOOL] [--from BUNDLE] [--manifest FILE]
#                       [--file SRC=DEST]... [--key KEY --cert CERT]
#                       [--entitlements FILE] [--flip-code DEST] OUT
#
# Steps, in this order:
#   --from BUNDLE     start from a copy of BUNDLE (else an empty directory)
#   --manifest FILE   copy FILE to OUT/manifest.json
#   --file SRC=DEST   copy SRC to OUT/DEST (repeatable)
#   --key/--cert      sign: TOOL sign --key KEY --cert CERT --bundle OUT
#   --entitlements F  with --key: seal F's JSON object into the signature
#   --flip-code DEST  flip one byte in the middle of the executable (PF_X)
#                     segment of the ELF file OUT/DEST, after signing
# TOOL defaults to the signet found in PATH (the build passes its own).
set -eu

signet=signet
from='' manifest='' files='' key='' cert='' entitlements='' flip='' out=''
while [ $# -gt 0 ]; do
	case $1 in
	--signet) signet=$2; shift 2 ;;
	--from) from=$2; shift 2 ;;
	--manifest) manifest=$2; shift 2 ;;
	--file) files="$files
$2"; shift 2 ;;
	--key) key=$2; shift 2 ;;
	--cert) cert=$2; shift 2 ;;
	--entitlements) entitlements=$2; shift 2 ;;
	--flip-code) flip=$2; shift 2 ;;
	-*) echo "make-bundle.sh: unknown option $1" >&2; exit 2 ;;
	*) [ -z "$out" ] || { echo "make-bundle.sh: one OUT only" >&2; exit 2; }; out=$1; shift ;;
	esac
done
[ -n "$out" ] || { echo "make-bundle.sh: no OUT given" >&2; exit 2; }
if [ -n "$key$cert" ] && { [ -z "$key" ] || [ -z "$cert" ]; }; then
	echo "make-bundle.sh: --key and --cert go together" >&2
	exit 2
fi
if [ -n "$entitlements" ] && [ -z "$key" ]; then
	echo "make-bundle.sh: --entitlements goes with --key and --cert (they are sealed by signing)" >&2
	exit 2
fi

# The unsigned 64-bit little-endian integer of $3 bytes at offset $2 of file $1.
le() {
	od -An -v -t "u$3" -j "$2" -N "$3" "$1" | tr -d ' \n'
}

# Flips the byte in the middle of the first executable PT_LOAD's file bytes:
# code, so the page that holds it no longer matches its signed hash. ELF64
# little-endian only, which is what this project builds for.
flip_code() {
	f=$1
	magic=$(od -An -v -t x1 -N 6 "$f" | tr -d ' \n')
	if [ "$magic" != 7f454c460201 ]; then
		echo "make-bundle.sh: $f is not a 64-bit little-endian ELF file" >&2
		return 1
	fi
	phoff=$(le "$f" 32 8)
	phentsize=$(le "$f" 54 2)
	phnum=$(le "$f" 56 2)
	i=0
	while [ "$i" -lt "$phnum" ]; do
		ph=$((phoff + i * phentsize))
		p_type=$(le "$f" "$ph" 4)
		p_flags=$(le "$f" $((ph + 4)) 4)
		if [ "$p_type" -eq 1 ] && [ $((p_flags & 1)) -eq 1 ]; then
			p_offset=$(le "$f" $((ph + 8)) 8)
			p_filesz=$(le "$f" $((ph + 32)) 8)
			at=$((p_offset + p_filesz / 2))
			old=$(le "$f" "$at" 1)
			# shellcheck disable=SC2059 # the octal escape is the point
			printf "\\$(printf %03o $((old ^ 255)))" |
				dd of="$f" bs=1 seek="$at" conv=notrunc status=none
			echo "$f: flipped the byte at offset $at (code)"
			return 0
		fi
		i=$((i + 1))
	done
	echo "make-bundle.sh: $f has no executable segment" >&2
	return 1
}

tmp=$out.tmp
rm -rf "$tmp"
if [ -n "$from" ]; then
	cp -R "$from" "$tmp"
else
	mkdir -p "$tmp"
fi
[ -z "$manifest" ] || cp "$manifest" "$tmp/manifest.json"
old_ifs=$IFS
IFS='
'
for spec in $files; do
	IFS=$old_ifs
	src=${spec%%=*}
	dest=${spec#*=}
	mkdir -p "$(dirname "$tmp/$dest")"
	rm -f "$tmp/$dest"
	cp "$src" "$tmp/$dest"
done
IFS=$old_ifs
if [ -n "$key" ]; then
	if [ -n "$entitlements" ]; then
		"$signet" sign --key "$key" --cert "$cert" --entitlements "$entitlements" --bundle "$tmp" >/dev/null
	else
		"$signet" sign --key "$key" --cert "$cert" --bundle "$tmp" >/dev/null
	fi
fi
[ -z "$flip" ] || flip_code "$tmp/$flip"
touch "$tmp"
rm -rf "$out"
mv "$tmp" "$out"
