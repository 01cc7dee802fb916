/* SPDX-License-Identifier: MIT */
/*
 * cmd_quarantine.c - `signet-host quarantine list|clear`: the crashes of
 * isolated guests recorded per cdhash in this user's quarantine store
 * (signet/quarantine.h), shown and forgiven.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host.h"

/* What the policy's crash limit is when it says nothing (docs/quarantine.md). */
#define QUARANTINE_DEFAULT_LIMIT 3u

static void usage(FILE *to)
{
	fputs("Usage: signet-host [OPTIONS] quarantine list [--file PATH] [--limit N]\n"
	      "       signet-host [OPTIONS] quarantine clear [--file PATH] CDHASH|--all\n"
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
		return host_report(err);
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
			return host_report(err);
		char state[48], when[CLI_TIME_SIZE];
		if (e.quarantined)
			snprintf(state, sizeof state, "quarantined");
		else if (limit)
			snprintf(state, sizeof state, "%u of %u crashes", e.crashes, limit);
		else
			snprintf(state, sizeof state, "%u crash%s", e.crashes, e.crashes == 1 ? "" : "es");
		cli_format_time((time_t)e.last_crash, when);
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
			cli_error(host_command, "%s", signet_error_message(err));
			signet_error_free(err);
			err = NULL;
		}
		if (signet_quarantine_clear(q, NULL, &cleared, &err) != 0)
			return host_report(err);
		if (damaged)
			printf("rewrote the damaged store %s empty\n", signet_quarantine_path(q));
		else
			printf("cleared %zu entr%s (%s)\n", cleared, cleared == 1 ? "y" : "ies", signet_quarantine_path(q));
		return HOST_EXIT_OK;
	}
	uint8_t cdhash[SIGNET_QUARANTINE_CDHASH_SIZE];
	if (host_parse_cdhash(cdhash, what) != 0) {
		return cli_usage_error(host_command, "'%s' is not a cdhash (64 hex digits) or --all", what);
	}
	if (signet_quarantine_clear(q, cdhash, &cleared, &err) != 0)
		return host_report(err);
	if (cleared == 0) {
		cli_error(host_command, "no crash recorded for %s (%s)", what, signet_quarantine_path(q));
		return HOST_EXIT_REFUSED;
	}
	printf("cleared ");
	print_hex(cdhash, sizeof cdhash);
	printf(" (%s)\n", signet_quarantine_path(q));
	return HOST_EXIT_OK;
}

typedef struct quarantine_options {
	const char *file;
	unsigned long limit;
	bool all;
} quarantine_options;

static int on_option(int c, const char *value, void *payload)
{
	quarantine_options *o = payload;
	switch (c) {
	case 'f': o->file = value; return 0;
	case 'a': o->all = true; return 0;
	case 'l':
		if (!cli_parse_ulong(value, 0, SIGNET_QUARANTINE_MAX_CRASHES, &o->limit))
			return cli_usage_error(host_command, "option '--limit' takes 0 to %u crashes, not '%s'",
				SIGNET_QUARANTINE_MAX_CRASHES, value);
		return 0;
	default: return -1;
	}
}

int cmd_quarantine(int argc, char **argv)
{
	static const struct option options[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "limit", required_argument, NULL, 'l' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	quarantine_options qo = { .limit = QUARANTINE_DEFAULT_LIMIT };
	const host_command_spec spec = { .name = "quarantine", .usage = usage, .options = options,
		.on_option = on_option, .payload = &qo, .min_operands = 1, .max_operands = 2,
		.operands = "list or clear" };
	int at = 0, rc = host_parse(&spec, argc, argv, &at);
	if (rc >= 0)
		return rc;
	const char *sub = argv[at];
	if (strcmp(sub, "list") != 0 && strcmp(sub, "clear") != 0)
		return cli_usage_error(host_command, "unknown subcommand '%s' (list or clear)", sub);
	bool listing = !strcmp(sub, "list"), all = qo.all;
	const char *file = qo.file;
	unsigned long limit = qo.limit;
	int operands = argc - at - 1;
	const char *what = operands == 1 ? argv[at + 1] : NULL;
	bool ok = listing ? operands == 0 && !all : (all ? operands == 0 : operands == 1);
	if (!ok)
		return cli_usage_error(host_command, "%s", listing ? "list takes no operand" :
			"clear takes one CDHASH, or --all");
	signet_quarantine *q = NULL;
	signet_error *err = NULL;
	if (signet_quarantine_open(&q, file, &err) != 0)
		return host_report(err);
	rc = listing ? list(q, (unsigned)limit) : clear(q, all ? "--all" : what);
	signet_quarantine_free(q);
	return rc;
}
