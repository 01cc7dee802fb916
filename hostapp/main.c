/* SPDX-License-Identifier: MIT */
/* main.c - signet-host: a plugin host built on libsignet. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "list", cmd_list, "preflight every bundle in a directory: one row each, with its verdict" },
	{ "info", cmd_info, "a bundle's preflight report, then its class and methods" },
	{ "preflight", cmd_preflight, "check a bundle as loading would, without running any of it" },
	{ "load", cmd_load, "load signed shared objects (and call a function in each)" },
	{ "run", cmd_run, "load a bundle and call a method of its principal class" },
	{ "pipe", cmd_pipe, "chain text-filter bundles from standard input to standard output" },
	{ "images", cmd_images, "print every image in this process (after loading BUNDLEs)" },
	{ "serve", cmd_serve, "publish a bundle's principal class as a service to other processes" },
	{ "call", cmd_call, "call a method of a service and print the result" },
	{ "quarantine", cmd_quarantine, "list or clear the crashes counted against isolated guests' builds" },
};

static void usage(FILE *to)
{
	fputs("Usage: signet-host [--help] [--version] [--anchors FILE|DIR] [--requirement EXPR]\n"
	      "                   [--policy FILE] [--isolate] [--guest-helper PATH] [--call-timeout MS]\n"
	      "                   [--jobs N] [--no-cache] COMMAND [ARGS...]\n\n"
	      "  --anchors PATH      trust anchors (default: $SIGNET_ANCHORS, else " SIGNET_CONFDIR "/anchors)\n"
	      "  --requirement EXPR  what a plugin must satisfy (default: anchor trusted and team = host)\n"
	      "  --policy FILE       a policy file (docs/policy.md); the two options above override it\n"
	      "  --isolate           run each bundle in its own sandboxed process (docs/isolation.md)\n"
	      "  --guest-helper PATH the signed signet-guest to use (default: $SIGNET_GUEST_HELPER,\n"
	      "                      else the installed one)\n"
	      "  --call-timeout MS   an isolated guest's deadline per call (default: the policy's, 25 s)\n"
	      "  --jobs N            verify up to N files or bundles at once, 1 to 64, when a command\n"
	      "                      takes several (default: one per online CPU)\n"
	      "  --no-cache          list without the preflight cache ($XDG_CACHE_HOME/signet;\n"
	      "                      docs/preflight-cache.md); loading never uses it\n"
	      "\nCommands:\n", to);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(to, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'signet-host COMMAND --help' describes one command.\n"
	      "Exit codes: 0 success, 1 refused or failed, 2 usage error.\n"
	      "Environment: SIGNET_PRINT_IMAGES=1 logs image events to stderr,\n"
	      "SIGNET_PRINT_IMAGES=/path appends them to that file.\n", to);
}

int host_report(const char *what, signet_error *err)
{
	fprintf(stderr, "signet-host: %s: %s\n", what, signet_error_message(err));
	signet_error_free(err);
	return HOST_EXIT_REFUSED;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return HOST_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return HOST_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("signet-host %s (libsignet %s)\n", PACKAGE_VERSION, signet_version());
		return HOST_EXIT_OK;
	}
	int at = 1;
	while (at < argc) {
		if (strcmp(argv[at], "--isolate") == 0 || strcmp(argv[at], "--no-cache") == 0) {
			if (argv[at][2] == 'i')
				host_opts.isolate = true;
			else
				host_opts.no_cache = true;
			at++;
			continue;
		}
		if (at + 1 >= argc)
			break;
		if (strcmp(argv[at], "--anchors") == 0)
			host_opts.anchors = argv[at + 1];
		else if (strcmp(argv[at], "--requirement") == 0)
			host_opts.requirement = argv[at + 1];
		else if (strcmp(argv[at], "--policy") == 0)
			host_opts.policy = argv[at + 1];
		else if (strcmp(argv[at], "--guest-helper") == 0)
			host_opts.guest_helper = argv[at + 1];
		else if (strcmp(argv[at], "--call-timeout") == 0) {
			char *end = NULL;
			errno = 0;
			host_opts.call_timeout_ms = strtoul(argv[at + 1], &end, 10);
			if (errno || !end || *end || argv[at + 1][0] == '-' || host_opts.call_timeout_ms == 0 ||
			    host_opts.call_timeout_ms > 86400000ul) {
				fprintf(stderr, "signet-host: --call-timeout: '%s' is not a number of milliseconds "
					"from 1 to 86400000\n", argv[at + 1]);
				return HOST_EXIT_USAGE;
			}
		} else if (strcmp(argv[at], "--jobs") == 0) {
			char *end = NULL;
			errno = 0;
			unsigned long jobs = strtoul(argv[at + 1], &end, 10);
			if (errno || !end || *end || argv[at + 1][0] == '-' || jobs == 0 || jobs > 64) {
				fprintf(stderr, "signet-host: --jobs: '%s' is not a number from 1 to 64\n", argv[at + 1]);
				return HOST_EXIT_USAGE;
			}
			host_opts.jobs = (unsigned)jobs;
		} else
			break;
		at += 2;
	}
	if (at >= argc || argv[at][0] == '-') {
		fprintf(stderr, "signet-host: %s (try --help)\n", at >= argc ? "no command given" : "unknown option");
		return HOST_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[at], commands[i].name) == 0)
			return commands[i].run(argc - at, argv + at);
	fprintf(stderr, "signet-host: unknown command '%s' (try --help)\n", argv[at]);
	return HOST_EXIT_USAGE;
}
