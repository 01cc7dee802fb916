/* SPDX-License-Identifier: MIT */
/* main.c - `signet`: sign, verify and inspect Signet code signatures. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <signet/signet.h>

#include "cli/cli.h"
#include "commands.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} verbs[] = {
	{ "sign", cmd_sign, "sign ELF files or bundles" },
	{ "verify", cmd_verify, "verify files, bundles and processes, optionally against a requirement" },
	{ "display", cmd_display, "show what the signature of a file, bundle or process says" },
	{ "req", cmd_req, "parse requirements and check files against them" },
	{ "ca", cmd_ca, "make a development CA and team certificates" },
	{ "revoke", cmd_revoke, "make a signed revocation list" },
	{ "trust-bundle", cmd_trust_bundle, "make a signed trust bundle for a fleet" },
};

static void usage(FILE *to)
{
	fputs("Usage: signet [--help] [--version] VERB [ARGS...]\n\nVerbs:\n", to);
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		fprintf(to, "  %-12s %s\n", verbs[i].name, verbs[i].summary);
	fputs("\n'signet VERB --help' describes one verb.\n"
	      "Errors: 'signet: VERB: MESSAGE' on standard error.\n"
	      "Exit codes: 0 valid, 1 invalid or failed, 2 usage error, 3 requirement not met.\n", to);
}

int main(int argc, char **argv)
{
	cli_init("signet");
	if (argc < 2)
		return cli_usage_error(NULL, "no verb given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return SIGNET_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("signet %s\n", PACKAGE_VERSION);
		return SIGNET_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return verbs[i].run(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		return cli_usage_error(NULL, "unknown option '%s'", argv[1]);
	return cli_usage_error(NULL, "unknown verb '%s'", argv[1]);
}
