/* SPDX-License-Identifier: MIT */
/*
 * cmd_preflight.c - `signet-host preflight BUNDLE`: everything about a
 * bundle, and every reason it would be refused, without running any of it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "host.h"

static void usage(FILE *to)
{
	fputs("Usage: signet-host [--anchors P] [--requirement R] [--policy F] preflight BUNDLE\n"
	      "\n"
	      "Checks BUNDLE as loading would (manifest, layout, seals, signature, policy,\n"
	      "bundled libraries, principal class, host API, dependencies) without mapping\n"
	      "or running any of its code, and prints what it is and every reason it would\n"
	      "be refused. Exit code 0 when it would load, 1 when it would be refused.\n", to);
}

int cmd_preflight(int argc, char **argv)
{
	int one = host_one_operand(argc, argv, usage);
	if (one >= 0)
		return one;
	signet_policy *policy = NULL;
	int rc = host_make_policy(&policy);
	if (rc)
		return rc;
	signet_bundle_info *info = NULL;
	signet_error *err = NULL;
	rc = signet_preflight(&info, argv[1], policy, HOST_API_VERSION, &err);
	if (info) {
		host_print_bundle_info(stdout, info);
	} else if (rc) {
		host_print_refusal(stderr, "signet-host: preflight: ", err);
	}
	signet_error_free(err);
	signet_bundle_info_free(info);
	signet_policy_free(policy);
	return rc ? HOST_EXIT_REFUSED : HOST_EXIT_OK;
}
