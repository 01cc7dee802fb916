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

/*
 * In an AddressSanitizer build (a weak hook the runtime reads at start;
 * unused otherwise): a guest's crash must reach its host as the kernel's
 * signal, as in any build, and nothing the sanitizer would do afterwards
 * may need what the sandbox forbids: LeakSanitizer's check at exit makes a
 * process and ptraces it, a report would start a symbolizer. The host
 * passes no ASAN_OPTIONS to its helper, so these are the options. Exported
 * (the build hides symbols by default) so that the runtime finds it.
 */
__attribute__((visibility("default"), used)) const char *__asan_default_options(void);
__attribute__((visibility("default"), used)) const char *__asan_default_options(void)
{
	return "detect_leaks=0:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:handle_abort=0:"
	       "symbolize=0";
}

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
