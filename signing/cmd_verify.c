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
	      "       signet verify [--anchors FILE|DIR] [--requirement EXPR] [--allow-no-team]\n"
	      "                     --pid PID [--pid PID...] [FILE...]\n"
	      "\n"
	      "Verifies each file's signature: its structure, every page hash, the CMS\n"
	      "signature, the certificate chain to a trust anchor, the code-signing\n"
	      "usage and the team, then the requirement if one is given.\n"
	      "\n"
	      "With --pid, verifies a running process (docs/processes.md): its main\n"
	      "executable's signature (the file that runs) and that every executable\n"
	      "mapping is accounted for; prints its identity and every problem.\n"
	      "\n"
	      "  --anchors PATH      trust anchors: a PEM file or a directory of *.pem/*.crt\n"
	      "                      (default: $SIGNET_ANCHORS, else " SIGNET_DEFAULT_ANCHORS ")\n"
	      "  --requirement EXPR  a requirement the identity must satisfy (docs/requirements.md)\n"
	      "  --at TIME           check certificate validity at TIME (Unix seconds) instead of now\n"
	      "                      (files only: a process is judged now)\n"
	      "  --allow-no-team     accept a signing certificate without a single OU\n"
	      "  --pid PID           verify the process PID (may be given several times)\n"
	      "  -v, --verbose       print the identity of each valid file\n"
	      "\n"
	      "Exit codes: 0 all valid, 1 a file or process is invalid (or a process is\n"
	      "unknown or gone), 2 usage error, 3 all valid but a requirement is not met.\n", to);
}

/* Invalid outranks "requirement not met", as with codesign. */
static int worse(int worst, int r)
{
	if (r == SIGNET_EXIT_INVALID || (r == SIGNET_EXIT_UNMET && worst == SIGNET_EXIT_OK))
		return r;
	return worst;
}

/* One process: its verdict and identity on stdout, every problem on stderr; an exit code. */
static int verify_pid(pid_t pid, const signet_policy *policy, const signet_requirement *req)
{
	signet_process *p = NULL;
	int rc = sg_inspect_pid(&p, pid, policy, "signet verify");
	if (rc)
		return rc;
	printf("pid %ld: %s\n", (long)pid, sg_verdict_name(signet_process_get_verdict(p)));
	sg_print_process(stdout, p);
	for (size_t i = 0; i < signet_process_problem_count(p); i++)
		fprintf(stderr, "signet verify: pid %ld: %s\n", (long)pid, signet_error_message(signet_process_problem(p, i)));
	if (signet_process_unknown_reason(p))
		fprintf(stderr, "signet verify: pid %ld: %s\n", (long)pid,
			signet_error_message(signet_process_unknown_reason(p)));
	rc = SIGNET_EXIT_INVALID;
	if (signet_process_is_valid(p)) {
		/* The same check a connection makes: `team = host` is this tool's team (none, unless signed). */
		signet_error *err = NULL;
		rc = signet_process_check(p, req, policy, &err) == 0 ? SIGNET_EXIT_OK : SIGNET_EXIT_UNMET;
		if (rc)
			fprintf(stderr, "signet verify: pid %ld: requirement not met: %s\n", (long)pid, signet_error_message(err));
		signet_error_free(err);
	}
	signet_process_free(p);
	return rc;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "anchors", required_argument, NULL, 'a' },
		{ "requirement", required_argument, NULL, 'r' },
		{ "at", required_argument, NULL, 't' },
		{ "allow-no-team", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	sg_verify_cli cli = { .options = SIGNET_VERIFY_OPTIONS_INIT };
	bool verbose = false;
	pid_t pids[64];
	size_t npids = 0;
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
		case 'p':
			if (npids == sizeof pids / sizeof pids[0] || sg_parse_pid(optarg, &pids[npids]) != 0) {
				fprintf(stderr, "signet verify: --pid wants a process id (at most %zu of them), not '%s'\n",
					sizeof pids / sizeof pids[0], optarg);
				return SIGNET_EXIT_USAGE;
			}
			npids++;
			break;
		case 'h': usage(stdout); return SIGNET_EXIT_OK;
		default: usage(stderr); return SIGNET_EXIT_USAGE;
		}
	}
	if (optind == argc && npids == 0) {
		fprintf(stderr, "signet verify: no FILE given\n");
		usage(stderr);
		return SIGNET_EXIT_USAGE;
	}
	if (npids && cli.options.at) {
		fprintf(stderr, "signet verify: --at does not go with --pid: a process is judged now\n");
		return SIGNET_EXIT_USAGE;
	}
	int rc = sg_verify_cli_open(&cli, "signet verify");
	if (rc)
		return rc;
	signet_policy *policy = NULL;
	if (npids && (rc = sg_process_policy_open(&policy, cli.anchors, cli.options.allow_no_team, "signet verify")) != 0) {
		sg_verify_cli_close(&cli);
		return rc;
	}
	int worst = SIGNET_EXIT_OK;
	for (size_t i = 0; i < npids; i++)
		worst = worse(worst, verify_pid(pids[i], policy, cli.req));
	signet_policy_free(policy);
	for (int i = optind; i < argc; i++) {
		signet_identity *id = NULL;
		int r = sg_verify_cli_file(&cli, argv[i], &id, "signet verify");
		if (r == SIGNET_EXIT_OK) {
			printf("%s: valid\n", argv[i]);
			if (verbose)
				sg_print_identity(stdout, id);
		}
		signet_identity_free(id);
		worst = worse(worst, r);
	}
	sg_verify_cli_close(&cli);
	return worst;
}
