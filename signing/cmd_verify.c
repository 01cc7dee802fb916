/* SPDX-License-Identifier: MIT */
/* cmd_verify.c - `signet verify`: verify files, bundles and processes (codesign's exit codes). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <signet/signet.h>

#include "cli/cli.h"
#include "commands.h"
#include "verify_common.h"

#define VERB "verify"

static void usage(FILE *to)
{
	fputs("Usage: signet verify [--anchors FILE|DIR] [--requirement EXPR] [--at TIME]\n"
	      "                     [--tsa-anchors FILE|DIR] [--allow-no-team] [-v] [--json]\n"
	      "                     FILE|BUNDLE...\n"
	      "       signet verify [--anchors FILE|DIR] [--requirement EXPR] [--tsa-anchors FILE|DIR]\n"
	      "                     [--allow-no-team] [--json] --pid PID [--pid PID...] [FILE|BUNDLE...]\n"
	      "\n"
	      "Verifies each file's signature: its structure, every page hash, the CMS\n"
	      "signature, the certificate chain to a trust anchor, the code-signing\n"
	      "usage and the team, then the requirement if one is given.\n"
	      "\n"
	      "A directory is verified as a bundle, as signet-host preflight does (and\n"
	      "loading would): the manifest, the layout, the executable's signature,\n"
	      "the manifest and resource seals, every bundled library, the dependency\n"
	      "closure and the principal class. Every reason is printed.\n"
	      "\n"
	      "With --pid, verifies a running process (docs/processes.md): its main\n"
	      "executable's signature (the file that runs) and that every executable\n"
	      "mapping is accounted for; prints its identity and every problem.\n"
	      "\n"
	      "  --anchors PATH      trust anchors: a PEM file or a directory of *.pem/*.crt\n"
	      "                      (default: $SIGNET_ANCHORS, else " SIGNET_DEFAULT_ANCHORS ")\n"
	      "  --requirement EXPR  a requirement the identity must satisfy (docs/requirements.md)\n"
	      "  --at TIME           check certificate validity at TIME instead of now:\n"
	      "                      " SG_AT_FORMS "\n"
	      "                      (files only: a bundle or a process is judged now)\n"
	      "  --tsa-anchors PATH  anchors of time-stamping authorities: a trusted RFC 3161\n"
	      "                      timestamp is the time certificates are judged at\n"
	      "  --allow-no-team     accept a signing certificate without a single OU\n"
	      "  --pid PID           verify the process PID (may be given several times)\n"
	      "  -v, --verbose       print the identity of each valid file or bundle\n"
	      "  --json              print the results as one JSON document (docs/signet.md)\n"
	      "\n"
	      "Exit codes: 0 all valid, 1 a file, bundle or process is invalid (or a process\n"
	      "is unknown or gone), 2 usage error, 3 all valid but a requirement is not met.\n", to);
}

/* Invalid outranks "requirement not met", as with codesign. */
static int worse(int worst, int r)
{
	if (r == SIGNET_EXIT_INVALID || (r == SIGNET_EXIT_UNMET && worst == SIGNET_EXIT_OK))
		return r;
	return worst;
}

/* One process: its verdict and identity on stdout (or in `results`), every problem on stderr; an exit code. */
static int verify_pid(pid_t pid, const signet_policy *policy, const signet_requirement *req, json_t *results)
{
	signet_process *p = NULL;
	signet_error *why = NULL;
	int rc = sg_inspect_pid(&p, pid, policy, VERB, &why);
	if (rc) {
		bool ok = true;
		if (results)
			sg_json_append(results, sg_process_json(pid, NULL, why), &ok);
		signet_error_free(why);
		return rc;
	}
	if (!results) {
		printf("pid %ld: %s\n", (long)pid, sg_verdict_name(signet_process_get_verdict(p)));
		sg_print_process(stdout, p);
	}
	for (size_t i = 0; i < signet_process_problem_count(p); i++)
		cli_error(VERB, "pid %ld: %s", (long)pid, signet_error_message(signet_process_problem(p, i)));
	if (signet_process_unknown_reason(p))
		cli_error(VERB, "pid %ld: %s", (long)pid, signet_error_message(signet_process_unknown_reason(p)));
	rc = SIGNET_EXIT_INVALID;
	signet_error *err = NULL;
	if (signet_process_is_valid(p)) {
		/* The same check a connection makes: `team = host` is this tool's team (none, unless signed). */
		rc = signet_process_check(p, req, policy, &err) == 0 ? SIGNET_EXIT_OK : SIGNET_EXIT_UNMET;
		if (rc)
			cli_error(VERB, "pid %ld: requirement not met: %s", (long)pid, signet_error_message(err));
	}
	bool ok = true;
	if (results)
		sg_json_append(results, sg_process_json(pid, p, err), &ok);
	if (!ok)
		rc = SIGNET_EXIT_INVALID;
	signet_error_free(err);
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
		{ "tsa-anchors", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "pid", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	sg_verify_cli cli = { .options = SIGNET_VERIFY_OPTIONS_INIT };
	bool verbose = false, json = false;
	pid_t pids[64];
	size_t npids = 0;
	int c, rc;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":a:r:t:nvh", opts, NULL)) != -1) {
		switch (c) {
		case 'a': cli.anchors = optarg; break;
		case 'r': cli.requirement = optarg; break;
		case 't':
			if ((rc = sg_parse_at(optarg, &cli.options.at, VERB)) != 0)
				return rc;
			break;
		case 'n': cli.options.allow_no_team = true; break;
		case 'T': cli.tsa_anchors = optarg; break;
		case 'v': verbose = true; break;
		case 'j': json = true; break;
		case 'p':
			if (npids == sizeof pids / sizeof pids[0])
				return cli_usage_error(VERB, "at most %zu --pid options", sizeof pids / sizeof pids[0]);
			if (sg_parse_pid(optarg, &pids[npids]) != 0)
				return cli_usage_error(VERB, "--pid wants a process id from 1, not '%s'", optarg);
			npids++;
			break;
		case 'h': usage(stdout); return SIGNET_EXIT_OK;
		default: return cli_option_error(VERB, c, argv, opts);
		}
	}
	if (optind == argc && npids == 0)
		return cli_usage_error(VERB, "no FILE or BUNDLE given");
	if (npids && cli.options.at)
		return cli_usage_error(VERB, "--at does not go with --pid: a process is judged now");
	/* Before any work: a bundle is judged as it would load, now (the policy has no other time). */
	for (int i = optind; i < argc && cli.options.at; i++)
		if (sg_is_bundle(argv[i]))
			return cli_usage_error(VERB, "--at does not go with a bundle (%s): a bundle is judged now", argv[i]);
	if (json && verbose)
		return cli_usage_error(VERB, "-v and --json do not mix: the JSON always has the identity");
	if ((rc = sg_verify_cli_open(&cli, VERB)) != 0)
		return rc;
	signet_policy *policy = NULL;
	if (npids && (rc = sg_process_policy_open(&policy, cli.anchors, cli.tsa_anchors, cli.options.allow_no_team, VERB)) != 0) {
		sg_verify_cli_close(&cli);
		return rc;
	}
	json_t *results = json ? json_array() : NULL;
	if (json && !results) {
		cli_error(VERB, "out of memory");
		signet_policy_free(policy);
		sg_verify_cli_close(&cli);
		return SIGNET_EXIT_INVALID;
	}
	int worst = SIGNET_EXIT_OK;
	for (size_t i = 0; i < npids; i++)
		worst = worse(worst, verify_pid(pids[i], policy, cli.req, results));
	signet_policy_free(policy);
	for (int i = optind; i < argc; i++) {
		sg_verify_result r;
		int got = sg_verify_cli_operand(&cli, argv[i], &r, VERB);
		if (got == SIGNET_EXIT_USAGE) {
			/* The bundle policy could not be made: the anchors, as for files. */
			sg_verify_result_clear(&r);
			json_decref(results);
			sg_verify_cli_close(&cli);
			return got;
		}
		if (results) {
			bool ok = true;
			sg_json_append(results, sg_verify_result_json(&r), &ok);
			if (!ok)
				got = SIGNET_EXIT_INVALID;
		} else if (got == SIGNET_EXIT_OK) {
			printf("%s: valid\n", argv[i]);
			if (verbose && r.bundle)
				sg_print_bundle_identity(stdout, r.info);
			else if (verbose)
				sg_print_identity(stdout, r.id);
		}
		sg_verify_result_clear(&r);
		worst = worse(worst, got);
	}
	sg_verify_cli_close(&cli);
	if (results && cli_json_print(VERB, sg_json_document(VERB, worst, results)) != CLI_EXIT_OK)
		return SIGNET_EXIT_INVALID;
	return worst;
}
