/* SPDX-License-Identifier: MIT */
/*
 * cmd_preflight.c - `signet-host preflight [--json] BUNDLE`: everything
 * about a bundle, and every reason it would be refused, without running
 * any of it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "host.h"

static void usage(FILE *to)
{
	fputs("Usage: signet-host [OPTIONS] preflight [--json] BUNDLE\n"
	      "\n"
	      "Checks BUNDLE as loading would (manifest, layout, seals, signature, policy,\n"
	      "bundled libraries, principal class, host API, dependencies) without mapping\n"
	      "or running any of its code, and prints what it is and every reason it would\n"
	      "be refused.\n"
	      "\n"
	      "  --json      the report as one JSON object (docs/bundle-format.md's schema)\n"
	      "  -h, --help  this text\n"
	      "\n"
	      "Exit codes: 0 it would load, 1 it would be refused (or could not be\n"
	      "examined: the reason on stderr), 2 usage error.\n", to);
}

static const struct option options[] = {
	{ "json", no_argument, NULL, HOST_OPT_JSON },
	{ NULL, 0, NULL, 0 },
};

int cmd_preflight(int argc, char **argv)
{
	host_flags flags = { 0 };
	const host_command_spec spec = { .name = "preflight", .usage = usage, .options = options,
		.on_option = host_flag_option, .payload = &flags, .min_operands = 1, .max_operands = 1,
		.operands = "BUNDLE" };
	int at = 0, rc = host_parse(&spec, argc, argv, &at);
	if (rc >= 0)
		return rc;
	signet_policy *policy = NULL;
	rc = host_make_policy(&policy);
	if (rc)
		return rc;
	signet_bundle_info *info = NULL;
	signet_error *err = NULL;
	rc = signet_preflight(&info, argv[at], policy, HOST_API_VERSION, &err) ? HOST_EXIT_REFUSED : HOST_EXIT_OK;
	if (info && flags.json) {
		char *text = NULL;
		signet_error *jerr = NULL;
		if (signet_bundle_info_to_json(&text, info, &jerr) != 0)
			rc = host_report(jerr);
		else if (cli_json_print(host_command, host_json_parse(text)) != 0)
			rc = HOST_EXIT_REFUSED;
	} else if (info) {
		host_print_bundle_info(stdout, info);
	} else if (rc) {
		/* Not examined at all (no report): the reason is an error, on stderr. */
		host_report_refusal(err);
	}
	signet_error_free(err);
	signet_bundle_info_free(info);
	signet_policy_free(policy);
	return rc;
}
