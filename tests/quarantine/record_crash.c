/* SPDX-License-Identifier: MIT */
/*
 * record_crash.c - records crashes in a quarantine store through the public
 * API, as an isolated-guest host would, so that shell tests can quarantine
 * a real bundle without crashing one:
 *
 *   record_crash STORE|- CDHASH IDENTIFIER TEAM|- REASON LIMIT [TIMES]
 *
 * STORE "-" is the per-user default. Prints "quarantined" or "counted"
 * after the last record; exit 0, or 1 with the error on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signet/signet.h>

int main(int argc, char **argv)
{
	uint8_t cdhash[SIGNET_QUARANTINE_CDHASH_SIZE];
	if (argc < 7 || argc > 8 || strlen(argv[2]) != 2 * sizeof cdhash) {
		fputs("usage: record_crash STORE|- CDHASH IDENTIFIER TEAM|- REASON LIMIT [TIMES]\n", stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof cdhash; i++) {
		unsigned v;
		if (sscanf(argv[2] + 2 * i, "%2x", &v) != 1)
			return 2;
		cdhash[i] = (uint8_t)v;
	}
	const char *team = strcmp(argv[4], "-") ? argv[4] : NULL;
	unsigned limit = (unsigned)strtoul(argv[6], NULL, 10), times = argc == 8 ? (unsigned)atoi(argv[7]) : 1;
	signet_quarantine *q = NULL;
	signet_error *err = NULL;
	bool quarantined = false;
	int rc = signet_quarantine_open(&q, strcmp(argv[1], "-") ? argv[1] : NULL, &err);
	for (unsigned i = 0; !rc && i < times; i++)
		rc = signet_quarantine_record_crash(q, cdhash, argv[3], team, argv[5], limit, &quarantined, &err);
	signet_quarantine_free(q);
	if (rc) {
		fprintf(stderr, "record_crash: %s\n", signet_error_message(err));
		signet_error_free(err);
		return 1;
	}
	puts(quarantined ? "quarantined" : "counted");
	return 0;
}
