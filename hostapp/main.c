/* SPDX-License-Identifier: MIT */
/* main.c - signet-host: a plugin host built on libsignet. */
#include "config.h"

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
	fputs("Usage: signet-host [OPTIONS] COMMAND [COMMAND OPTIONS] [ARGS...]\n"
	      "\n"
	      "Options (before or after COMMAND; --opt=value works; -- ends options):\n"
	      "  --policy FILE       a policy file (docs/policy.md; default: $SIGNET_POLICY,\n"
	      "                      else " SIGNET_CONFDIR "/policy.json when present)\n"
	      "  --anchors PATH      trust anchors, a PEM file or directory; replace the\n"
	      "                      policy's (default: the policy file's, else\n"
	      "                      $SIGNET_ANCHORS, else " SIGNET_CONFDIR "/anchors)\n"
	      "  --requirement EXPR  what a plugin must satisfy; replaces the policy's\n"
	      "                      (default: anchor trusted and team = host)\n"
	      "  --isolate           run each bundle in its own sandboxed process (docs/isolation.md)\n"
	      "  --guest-helper PATH the signed signet-guest to use (default: $SIGNET_GUEST_HELPER,\n"
	      "                      else the installed one)\n"
	      "  --call-timeout MS   an isolated guest's deadline per call, 1 to 86400000\n"
	      "                      (default: the policy's, 25 s)\n"
	      "  --jobs N            verify up to N files or bundles at once, 1 to 64, when a command\n"
	      "                      takes several (default: one per online CPU)\n"
	      "  --no-cache          list without the preflight cache ($XDG_CACHE_HOME/signet;\n"
	      "                      docs/preflight-cache.md); loading never uses it\n"
	      "  -h, --help          this text ('signet-host COMMAND --help': one command)\n"
	      "  --version           the version of signet-host and of libsignet\n"
	      "\nCommands:\n", to);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(to, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nlist, info, preflight and images take --json (docs/signet-host.md).\n"
	      "Errors: 'signet-host: COMMAND: MESSAGE' on stderr.\n"
	      "Exit codes: 0 success, 1 refused or failed, 2 usage error.\n"
	      "Environment: SIGNET_POLICY, SIGNET_ANCHORS (the policy, as above);\n"
	      "SIGNET_PRINT_IMAGES=1 logs image events to stderr, =/path to that file;\n"
	      "SIGNET_GUEST_HELPER (as above). See signet-host(1).\n", to);
}

int host_report(signet_error *err)
{
	cli_error(host_command, "%s", signet_error_message(err));
	signet_error_free(err);
	return HOST_EXIT_REFUSED;
}

int main(int argc, char **argv)
{
	cli_init("signet-host");
	int at = 0;
	int rc = host_parse_global(argc, argv, &at);
	if (rc == HOST_EXIT_HELP) {
		usage(stdout);
		return HOST_EXIT_OK;
	}
	if (rc == HOST_EXIT_VERSION) {
		printf("signet-host %s (libsignet %s)\n", PACKAGE_VERSION, signet_version());
		return HOST_EXIT_OK;
	}
	if (rc >= 0)
		return rc;
	if (at >= argc)
		return cli_usage_error(NULL, "no command given");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[at], commands[i].name) == 0)
			return commands[i].run(argc - at, argv + at);
	return cli_usage_error(NULL, "unknown command '%s'", argv[at]);
}
