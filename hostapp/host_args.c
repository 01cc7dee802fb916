/* SPDX-License-Identifier: MIT */
/*
 * host_args.c - signet-host's command line: one table of global options,
 * shared by main (before the command) and every command's parser (after
 * it), with getopt_long and cli/cli.h's messages. Global options may come
 * before or after the command name; a command's own option of the same
 * name (serve's and call's --requirement) wins after the command name.
 *
 * Thread-safety: none; main's thread only (getopt's state is global).
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

host_options host_opts;
const char *host_command;

/* Global options' values: above any character a command's own option uses. */
enum {
	OPT_ANCHORS = 0x100,
	OPT_REQUIREMENT,
	OPT_POLICY,
	OPT_ISOLATE,
	OPT_GUEST_HELPER,
	OPT_CALL_TIMEOUT,
	OPT_JOBS,
	OPT_NO_CACHE,
	OPT_HELP = 'h',
};

static const struct option global_options[] = {
	{ "anchors", required_argument, NULL, OPT_ANCHORS },
	{ "requirement", required_argument, NULL, OPT_REQUIREMENT },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "isolate", no_argument, NULL, OPT_ISOLATE },
	{ "guest-helper", required_argument, NULL, OPT_GUEST_HELPER },
	{ "call-timeout", required_argument, NULL, OPT_CALL_TIMEOUT },
	{ "jobs", required_argument, NULL, OPT_JOBS },
	{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};
#define GLOBAL_COUNT (sizeof global_options / sizeof global_options[0] - 1)

/* A global option into host_opts: 0, or the usage error's exit code (reported). */
static int set_global(int c, const char *arg)
{
	unsigned long v = 0;
	switch (c) {
	case OPT_ANCHORS: host_opts.anchors = arg; return 0;
	case OPT_REQUIREMENT: host_opts.requirement = arg; return 0;
	case OPT_POLICY: host_opts.policy = arg; return 0;
	case OPT_ISOLATE: host_opts.isolate = true; return 0;
	case OPT_GUEST_HELPER: host_opts.guest_helper = arg; return 0;
	case OPT_NO_CACHE: host_opts.no_cache = true; return 0;
	case OPT_CALL_TIMEOUT:
		/* A day at most: a deadline beyond that is a typo, not a plan. */
		if (!cli_parse_ulong(arg, 1, 86400000ul, &v))
			return cli_usage_error(host_command, "option '--call-timeout' takes 1 to 86400000 milliseconds, "
				"not '%s'", arg);
		host_opts.call_timeout_ms = v;
		return 0;
	case OPT_JOBS:
		if (!cli_parse_ulong(arg, 1, 64, &v))
			return cli_usage_error(host_command, "option '--jobs' takes a number from 1 to 64, not '%s'", arg);
		host_opts.jobs = (unsigned)v;
		return 0;
	default:
		return -1; /* not a global option */
	}
}

/* The command's own options, then every global one it does not shadow, then the terminator. */
static struct option *merged_options(const struct option *own)
{
	size_t n = 0;
	while (own && own[n].name)
		n++;
	struct option *all = calloc(n + GLOBAL_COUNT + 1, sizeof *all);
	if (!all)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		all[k++] = own[i];
	for (size_t g = 0; g < GLOBAL_COUNT; g++) {
		bool shadowed = false;
		for (size_t i = 0; i < n && !shadowed; i++)
			shadowed = strcmp(own[i].name, global_options[g].name) == 0;
		if (!shadowed)
			all[k++] = global_options[g];
	}
	return all;
}

int host_parse_global(int argc, char **argv, int *command_at)
{
	host_command = NULL;
	optind = 0; /* a full reinitialization: glibc then starts at argv[1] */
	opterr = 0;
	static const struct option main_only[] = {
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct option *all = merged_options(main_only);
	if (!all) {
		cli_error(NULL, "out of memory");
		return HOST_EXIT_REFUSED;
	}
	int c, rc = -1;
	/* '+': the first operand is the command; what follows it is the command's to parse. */
	while (rc < 0 && (c = getopt_long(argc, argv, "+:h", all, NULL)) != -1) {
		if (c == 'h') {
			rc = HOST_EXIT_HELP;
		} else if (c == 'V') {
			rc = HOST_EXIT_VERSION;
		} else if (c == '?' || c == ':') {
			rc = cli_option_error(NULL, c, argv, all);
		} else {
			int g = set_global(c, optarg);
			if (g > 0)
				rc = g;
		}
	}
	free(all);
	*command_at = optind;
	return rc;
}

int host_parse(const host_command_spec *spec, int argc, char **argv, int *first)
{
	host_command = spec->name;
	optind = 0;
	opterr = 0;
	struct option *all = merged_options(spec->options);
	if (!all) {
		cli_error(spec->name, "out of memory");
		return HOST_EXIT_REFUSED;
	}
	/*
	 * ':' first: a missing value is told from an unknown option. '+' for
	 * the commands whose operands are handed on (run's and call's ARGS may
	 * start with '-'): options end at the first operand there.
	 */
	const char *optstring = spec->stop_at_operand ? "+:h" : ":h";
	int c, rc = -1;
	while (rc < 0 && (c = getopt_long(argc, argv, optstring, all, NULL)) != -1) {
		if (c == 'h') {
			spec->usage(stdout);
			rc = HOST_EXIT_OK;
		} else if (c == '?' || c == ':') {
			rc = cli_option_error(spec->name, c, argv, all);
		} else {
			int g = set_global(c, optarg);
			if (g < 0)
				g = spec->on_option ? spec->on_option(c, optarg, spec->payload) : -1;
			if (g > 0)
				rc = g;
			else if (g < 0)
				rc = cli_usage_error(spec->name, "option '%s' is not handled", argv[optind - 1]);
		}
	}
	free(all);
	if (rc >= 0)
		return rc;
	*first = optind;
	size_t operands = (size_t)(argc - optind);
	if (operands < spec->min_operands)
		return cli_usage_error(spec->name, "missing %s", spec->operands);
	if (operands > spec->max_operands)
		return cli_usage_error(spec->name, "unexpected operand '%s'", argv[optind + (int)spec->max_operands]);
	return -1;
}

int host_flag_option(int c, const char *value, void *payload)
{
	host_flags *f = payload;
	(void)value;
	if (c == HOST_OPT_JSON)
		f->json = true;
	else if (c == HOST_OPT_STATS)
		f->stats = true;
	else
		return -1;
	return 0;
}
