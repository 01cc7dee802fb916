/* SPDX-License-Identifier: MIT */
/*
 * forge_entry.c - `forge_entry CACHE BUNDLE`: rewrites the preflight cache
 * file CACHE (its key beside it) so that the entry of BUNDLE (its absolute
 * path) claims the bundle would load, with a MAC made with the user's own
 * key: what someone with this user's rights could do. For
 * test_list_cache.sh, which shows that `list` then believes it and that
 * loading the bundle is refused all the same.
 */
#include "config.h"

#include <stdio.h>

#include "pc_forge.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fputs("usage: forge_entry CACHE BUNDLE\n", stderr);
		return 2;
	}
	pc_rewrite(argv[1], pc_forge_accepted, argv[2]);
	return 0;
}
