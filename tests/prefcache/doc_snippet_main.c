/* SPDX-License-Identifier: MIT */
/*
 * doc_snippet_main.c - runs the C block of docs/preflight-cache.md ("From
 * C"), included as it stands: `doc_snippet CACHE_HOME BUNDLE...` in
 * build/plugins (the sample PKI's policy), the cache under CACHE_HOME (as
 * $XDG_CACHE_HOME). Prints one line per bundle, as the block does.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <signet/signet.h>

static int fail(signet_error *err)
{
	fprintf(stderr, "doc_snippet: %s\n", signet_error_message(err));
	signet_error_free(err);
	return 1;
}

static int run(signet_policy *policy, char **paths, size_t n)
{
	signet_error *err = NULL;
#include "doc_snippet.inc"
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fputs("usage: doc_snippet CACHE_HOME BUNDLE...\n", stderr);
		return 2;
	}
	setenv("XDG_CACHE_HOME", argv[1], 1);
	signet_policy *policy = NULL;
	signet_error *err = NULL;
	if (signet_policy_new(&policy, &err) != 0 || signet_policy_set_anchors(policy, "pki/root.pem", &err) != 0 ||
	    signet_policy_set_requirement(policy, "anchor trusted and team \"ABCDE12345\"", &err) != 0)
		return fail(err);
	int rc = run(policy, argv + 2, (size_t)(argc - 2));
	signet_policy_free(policy);
	return rc;
}
