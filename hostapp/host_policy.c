/* SPDX-License-Identifier: MIT */
/* host_policy.c - the policy signet-host loads with, from its options. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "host.h"

host_options host_opts;

int host_make_policy(signet_policy **out)
{
	signet_error *err = NULL;
	signet_policy *p = NULL;
	const char *anchors = host_opts.anchors;
	int rc = host_opts.policy ? signet_policy_load(&p, host_opts.policy, &err) : signet_policy_new(&p, &err);
	if (!rc && !host_opts.policy && !anchors) {
		anchors = secure_getenv("SIGNET_ANCHORS");
		if (!anchors)
			anchors = SIGNET_CONFDIR "/anchors"; /* $(sysconfdir)/signet */
	}
	if (!rc && anchors)
		rc = signet_policy_set_anchors(p, anchors, &err);
	if (!rc && host_opts.requirement)
		rc = signet_policy_set_requirement(p, host_opts.requirement, &err);
	if (rc) {
		signet_policy_free(p);
		fprintf(stderr, "signet-host: policy: %s\n", signet_error_message(err));
		signet_error_free(err);
		return HOST_EXIT_USAGE;
	}
	*out = p;
	return HOST_EXIT_OK;
}
