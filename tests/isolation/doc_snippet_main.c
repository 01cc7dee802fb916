/* SPDX-License-Identifier: MIT */
/*
 * doc_snippet_main.c - runs the C block of docs/isolation.md ("From C,
 * per host or per load"), included as it stands: the sample PKI's policy
 * in the current directory (run it in build/plugins), the helper from
 * $SIGNET_GUEST_HELPER. Prints the guest and whether it is isolated.
 */
#include "config.h"

#include <stdio.h>

#include <signet/signet.h>

static int fail(signet_error *err)
{
	fprintf(stderr, "doc_snippet: %s\n", signet_error_message(err));
	signet_error_free(err);
	return 1;
}

static int run(signet_policy *policy)
{
	signet_host *host = NULL;
	signet_error *err = NULL;
	signet_guest_id guest = 0;
#include "doc_snippet.inc"
	printf("guest %u: %s\n", guest, signet_guest_is_isolated(host, guest) ? "isolated" : "in process");
	signet_host_free(host);
	return 0;
}

int main(void)
{
	signet_policy *policy = NULL;
	signet_error *err = NULL;
	if (signet_policy_new(&policy, &err) != 0 || signet_policy_set_anchors(policy, "pki/root.pem", &err) != 0 ||
	    signet_policy_set_requirement(policy, "anchor trusted and team \"ABCDE12345\"", &err) != 0)
		return fail(err);
	int rc = run(policy);
	signet_policy_free(policy);
	return rc;
}
