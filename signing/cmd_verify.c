/* SPDX-License-Identifier: MIT */
/* cmd_verify.c - `signet verify`: verify signatures (codesign's exit codes). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <signet/signet.h>

#include "commands.h"
#include "verify_common.h"

static void usage(FILE *to)
{
	fputs("Usage: signet verify [--anchors FILE|DIR] [--requirement EXPR] [--at TIME]\n"
	      "                     [--allow-no-team] [-v] FILE...\n"
	      "\n"
	      "Verifies each file's signature: its structure, every page hash, the CMS\n"
	      "signature, the certificate chain to a trust anchor, the code-signing\n"
	      "usage and the team, then the requirement if one is given.\n"
	      "\n"
	      "  --anchors PATH      trust anchors: a PEM file or a directory of *.pem/*.crt\n"
	      "                      (default: $SIGNET_ANCHORS, else " SIGNET_DEFAULT_ANCHORS ")\n"
	      "  --requirement EXPR  a requirement the identity must satisfy (docs/requirements.md)\n"
	      "  --at TIME           check certificate validity at TIME (Unix seconds) instead of now\n"
	      "  --allow-no-team     accept a signing certificate without a single OU\n"
	      "  -v, --verbose       print the identity of each valid file\n"
	      "\n"
	      "Exit codes: 0 all valid, 1 a file is invalid, 2 usage error,\n"
	      "3 all signatures valid but a requirement is not met.\n", to);
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "anchors", required_argument, NULL, 'a' },
		{ "requirement", required_argument, NULL, 'r' },
		{ "at", required_argument, NULL, 't' },
		{ "allow-no-team", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	sg_verify_cli cli = { .options = SIGNET_VERIFY_OPTIONS_INIT };
	bool verbose = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "a:r:t:nvh", opts, NULL)) != -1) {
		switch (c) {
		case 'a': cli.anchors = optarg; break;
		case 'r': cli.requirement = optarg; break;
		case 't':
			if (sg_parse_time(optarg, &cli.options.at) != 0) {
				fprintf(stderr, "signet verify: --at wants Unix seconds, not '%s'\n", optarg);
				return SIGNET_EXIT_USAGE;
			}
			break;
		case 'n': cli.options.allow_no_team = true; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return SIGNET_EXIT_OK;
		default: usage(stderr); return SIGNET_EXIT_USAGE;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "signet verify: no FILE given\n");
		usage(stderr);
		return SIGNET_EXIT_USAGE;
	}
	int rc = sg_verify_cli_open(&cli, "signet verify");
	if (rc)
		return rc;
	int worst = SIGNET_EXIT_OK;
	for (int i = optind; i < argc; i++) {
		signet_identity *id = NULL;
		int r = sg_verify_cli_file(&cli, argv[i], &id, "signet verify");
		if (r == SIGNET_EXIT_OK) {
			printf("%s: valid\n", argv[i]);
			if (verbose)
				sg_print_identity(stdout, id);
		}
		signet_identity_free(id);
		/* Invalid outranks "requirement not met", as with codesign. */
		if (r == SIGNET_EXIT_INVALID || (r == SIGNET_EXIT_UNMET && worst == SIGNET_EXIT_OK))
			worst = r;
	}
	sg_verify_cli_close(&cli);
	return worst;
}
