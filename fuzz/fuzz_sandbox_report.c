/* SPDX-License-Identifier: MIT */
/*
 * fuzz_sandbox_report.c - libFuzzer target for the host's reader of a
 * guest's SIGSYS report (loader/sandbox/report.c): the bytes come from a
 * process that ran hostile code, which may have written anything to the
 * pipe. Any bytes to sg_sandbox_parse_report(), and the first 4096 of them
 * through a real pipe to sg_sandbox_read_report(). Checked, aborting on any
 * failure:
 * - only 0, SIGNET_E_NOT_FOUND (exactly when there are no bytes) or
 *   SIGNET_E_PROTOCOL;
 * - 0 exactly for one 16-byte record with the magic, this architecture,
 *   reserved 0 and a non-negative number, which is what comes out;
 * - the output is not written on failure;
 * - the pipe reader gives the same answer as the parser for inputs of at
 *   most 64 bytes, and SIGNET_E_PROTOCOL for longer ones, without blocking.
 * Also replayed over fuzz/corpus/sandbox_report under `make check`.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what)
{
	fprintf(stderr, "fuzz_sandbox_report: %s\n", what);
	abort();
}

#if defined(__x86_64__)
#define ARCH 0xc000003eu
#else
#define ARCH 0xc00000b7u
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1); /* exactly its size: a read past it is a sanitizer report */
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	long nr = -12345;
	int rc = sg_sandbox_parse_report(copy, size, &nr);
	bool good = false;
	sg_sandbox_report r;
	if (size == sizeof r) {
		memcpy(&r, copy, sizeof r);
		good = r.magic == SG_SANDBOX_REPORT_MAGIC && r.arch == ARCH && r.reserved == 0 && r.syscall >= 0;
	}
	if (rc != 0 && rc != SIGNET_E_NOT_FOUND && rc != SIGNET_E_PROTOCOL)
		die("an undocumented code");
	if ((rc == SIGNET_E_NOT_FOUND) != (size == 0))
		die("SIGNET_E_NOT_FOUND for bytes, or not for none");
	if ((rc == 0) != good)
		die("accepted something else than one good record, or refused one");
	if (rc == 0 && nr != r.syscall)
		die("the number differs from the record's");
	if (rc != 0 && nr != -12345)
		die("the output was written on a failure");

	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		die("pipe2");
	size_t n = size < 4096 ? size : 4096; /* below the pipe's capacity: the write never blocks */
	if (n && write(p[1], copy, n) != (ssize_t)n)
		die("write");
	long piped = -12345;
	/* The write end stays open: the reader must not wait for more. */
	int prc = sg_sandbox_read_report(p[0], &piped);
	close(p[0]);
	close(p[1]);
	int want = n > 64 ? SIGNET_E_PROTOCOL : sg_sandbox_parse_report(copy, n, &nr);
	if (prc != want)
		die("the pipe reader and the parser disagree");
	if (prc == 0 && piped != nr)
		die("the pipe reader's number differs");
	free(copy);
	return 0;
}
