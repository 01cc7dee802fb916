/* SPDX-License-Identifier: MIT */
/*
 * signet-guest - the helper process of an isolated guest. Started only by
 * a host (libsignet), from the sealed copy of its verified bytes, with the
 * connection to that host on descriptor 3; never run by hand.
 * serve.c does the work (isolation.h, docs/isolation.md).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "isolation/isolation.h"

int main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		puts("Usage: signet-guest (started by a Signet host, never by hand)\n"
		     "\n"
		     "The helper process of an isolated guest: a host that loads a bundle in its own\n"
		     "process verifies this program, runs it from the verified bytes with the\n"
		     "connection on descriptor 3, and it sandboxes itself, loads the bundle and\n"
		     "serves its principal class. See docs/isolation.md.");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "signet-guest: takes no arguments (see --help)\n");
		return 2;
	}
	return sg_guest_helper_main();
}
