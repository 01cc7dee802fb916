/* SPDX-License-Identifier: MIT */
/*
 * cmd_quarantine.c - `signet-host quarantine list|clear`: the crashes of
 * isolated guests recorded per cdhash in this user's quarantine store
 * (signet/quarantine.h), shown and forgiven.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host.h"

/* What the policy's crash limit is when it says nothing (docs/quarantine.md). */
#define QUARANTINE_DEFAULT_LIMIT 3u

static void usage(FILE *to)
{
	fputs("Usage: signet-host quarantine list [--file PATH] [--limit N]\n"
	      "       signet-host quarantine clear [--file PATH] CDHASH|--all\n"
	      "\n"
	      "An isolated guest whose process crashes counts a crash against its bundle's\n"
	      "cdhash; a cdhash that crashed as often as the policy allows is quarantined:\n"
	      "loads of it are refused until a new build replaces it or it is cleared.\n"
	      "\n"
	      "  list         one row per cdhash: the cdhash, its state (quarantined, or N of\n"
	      "               LIMIT crashes), identifier, team, the last crash (UTC) and why\n"
	      "  clear CDHASH forget one cdhash's crashes (64 hex digits)\n"
	      "  clear --all  forget every crash; also rewrites a damaged store\n"
	      "  --file PATH  the store (default: $XDG_STATE_HOME/signet/quarantine.json,\n"
	      "               else ~/.local/state/signet/quarantine.json)\n"
	      "  --limit N    the crash limit shown by list (default 3, the policy's default)\n"
	      "  -h, --help   this text\n"
	      "\n"
	      "Exit codes: 0 done, 1 the store cannot be read or written, or CDHASH has no\n"
	      "crash to clear, 2 usage error. See docs/quarantine.md.\n", to);
}

int host_parse_cdhash(uint8_t out[SIGNET_QUARANTINE_CDHASH_SIZE], const char *hex)
{
	if (!hex || strlen(hex) != 2 * SIGNET_QUARANTINE_CDHASH_SIZE)
		return -1;
	for (size_t i = 0; i < SIGNET_QUARANTINE_CDHASH_SIZE; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char ch = hex[2 * i + (size_t)k];
			unsigned d = ch >= '0' && ch <= '9' ? (unsigned)(ch - '0') : ch >= 'a' && ch <= 'f' ?
				(unsigned)(ch - 'a' + 10) : ch >= 'A' && ch <= 'F' ? (unsigned)(ch - 'A' + 10) : 16u;
			if (d > 15)
				return -1;
			v = v * 16 + d;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

static void print_hex(const uint8_t *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", bytes[i]);
}

static int list(signet_quarantine *q, unsigned limit)
{
	signet_error *err = NULL;
	if (signet_quarantine_reload(q, &err) != 0)
		return host_report("quarantine", err);
	size_t n = signet_quarantine_count(q);
	if (n == 0) {
		printf("no crashes recorded (%s)\n", signet_quarantine_path(q));
		return HOST_EXIT_OK;
	}
	printf("%-64s  %-16s  %-32s  %-11s  %-20s  %s\n", "CDHASH", "STATE", "IDENTIFIER", "TEAM", "LAST CRASH",
		"REASON");
	for (size_t i = 0; i < n; i++) {
		signet_quarantine_entry e;
		if (signet_quarantine_get(&e, q, i, &err) != 0)
			return host_report("quarantine", err);
		char state[48], when[32] = "?";
		if (e.quarantined)
			snprintf(state, sizeof state, "quarantined");
		else if (limit)
			snprintf(state, sizeof state, "%u of %u crashes", e.crashes, limit);
		else
			snprintf(state, sizeof state, "%u crash%s", e.crashes, e.crashes == 1 ? "" : "es");
		time_t t = (time_t)e.last_crash;
		struct tm tm;
		if (gmtime_r(&t, &tm))
			strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		print_hex(e.cdhash, sizeof e.cdhash);
		printf("  %-16s  %-32s  %-11s  %-20s  %s\n", state, e.identifier, e.team ? e.team : "-", when,
			e.last_reason);
	}
	return HOST_EXIT_OK;
}

static int clear(signet_quarantine *q, const char *what)
{
	signet_error *err = NULL;
	size_t cleared = 0;
	if (!strcmp(what, "--all")) {
		/* Say what is replaced: a damaged store is rewritten, not read. */
		bool damaged = signet_quarantine_reload(q, &err) != 0;
		if (damaged) {
			fprintf(stderr, "signet-host: quarantine: %s\n", signet_error_message(err));
			signet_error_free(err);
			err = NULL;
		}
		if (signet_quarantine_clear(q, NULL, &cleared, &err) != 0)
			return host_report("quarantine", err);
		if (damaged)
			printf("rewrote the damaged store %s empty\n", signet_quarantine_path(q));
		else
			printf("cleared %zu entr%s (%s)\n", cleared, cleared == 1 ? "y" : "ies", signet_quarantine_path(q));
		return HOST_EXIT_OK;
	}
	uint8_t cdhash[SIGNET_QUARANTINE_CDHASH_SIZE];
	if (host_parse_cdhash(cdhash, what) != 0) {
		fprintf(stderr, "signet-host: quarantine: '%s' is not a cdhash (64 hex digits) or --all\n", what);
		return HOST_EXIT_USAGE;
	}
	if (signet_quarantine_clear(q, cdhash, &cleared, &err) != 0)
		return host_report("quarantine", err);
	if (cleared == 0) {
		fprintf(stderr, "signet-host: quarantine: no crash recorded for %s (%s)\n", what,
			signet_quarantine_path(q));
		return HOST_EXIT_REFUSED;
	}
	printf("cleared ");
	print_hex(cdhash, sizeof cdhash);
	printf(" (%s)\n", signet_quarantine_path(q));
	return HOST_EXIT_OK;
}

int cmd_quarantine(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "limit", required_argument, NULL, 'l' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return HOST_EXIT_OK;
	}
	if (argc < 2 || (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "clear") != 0)) {
		fprintf(stderr, "signet-host: quarantine: %s\n\n", argc < 2 ? "list or clear?" : "unknown subcommand");
		usage(stderr);
		return HOST_EXIT_USAGE;
	}
	bool listing = !strcmp(argv[1], "list"), all = false;
	const char *file = NULL;
	unsigned long limit = QUARANTINE_DEFAULT_LIMIT;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		char *end = NULL;
		switch (c) {
		case 'f': file = optarg; break;
		case 'a': all = true; break;
		case 'l':
			limit = strtoul(optarg, &end, 10);
			if (!*optarg || *end || optarg[0] == '-' || limit > SIGNET_QUARANTINE_MAX_CRASHES) {
				fprintf(stderr, "signet-host: quarantine: --limit takes 0 to %u crashes\n",
					SIGNET_QUARANTINE_MAX_CRASHES);
				return HOST_EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return HOST_EXIT_OK;
		default:
			fprintf(stderr, "signet-host: quarantine: a missing value or an unknown option\n\n");
			usage(stderr);
			return HOST_EXIT_USAGE;
		}
	}
	int operands = argc - 1 - optind;
	const char *what = operands == 1 ? argv[1 + optind] : NULL;
	bool ok = listing ? operands == 0 && !all : (all ? operands == 0 : operands == 1);
	if (!ok) {
		fprintf(stderr, "signet-host: quarantine: %s\n\n", listing ? "list takes no operand" :
			"clear takes one CDHASH, or --all");
		usage(stderr);
		return HOST_EXIT_USAGE;
	}
	signet_quarantine *q = NULL;
	signet_error *err = NULL;
	if (signet_quarantine_open(&q, file, &err) != 0)
		return host_report("quarantine", err);
	int rc = listing ? list(q, (unsigned)limit) : clear(q, all ? "--all" : what);
	signet_quarantine_free(q);
	return rc;
}
