/* SPDX-License-Identifier: MIT */
/*
 * host_policy.c - the policy signet-host loads with. The command line over
 * the environment over $(sysconfdir)/signet (SIGNET_CONFDIR), field by field (docs/signet-host.md,
 * "Which policy"): the base is --policy FILE, else the file $SIGNET_POLICY
 * names, else /etc/signet/policy.json when present, else the defaults with
 * anchors from $SIGNET_ANCHORS or /etc/signet/anchors (when present);
 * --anchors and --requirement then replace the base's. Without options
 * this is the library's own default policy (loader/policy/default.c), so
 * the host judges a bundle as any program using libsignet would.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "host.h"

#define HOST_POLICY_FILE SIGNET_CONFDIR "/policy.json" /* $(sysconfdir)/signet */
#define HOST_ANCHORS SIGNET_CONFDIR "/anchors"

int host_make_policy(signet_policy **out)
{
	signet_error *err = NULL;
	signet_policy *p = NULL;
	/*
	 * secure_getenv, as the library: a setuid or otherwise privileged host
	 * must not let its caller's environment choose what it trusts.
	 */
	const char *file = host_opts.policy ? host_opts.policy : secure_getenv("SIGNET_POLICY");
	if (!file && access(HOST_POLICY_FILE, F_OK) == 0)
		file = HOST_POLICY_FILE;
	const char *anchors = host_opts.anchors;
	if (!file && !anchors) {
		anchors = secure_getenv("SIGNET_ANCHORS");
		if (!anchors && access(HOST_ANCHORS, F_OK) == 0)
			anchors = HOST_ANCHORS;
	}
	int rc = file ? signet_policy_load(&p, file, &err) : signet_policy_new(&p, &err);
	if (!rc && anchors)
		rc = signet_policy_set_anchors(p, anchors, &err);
	if (!rc && host_opts.requirement)
		rc = signet_policy_set_requirement(p, host_opts.requirement, &err);
	if (rc) {
		signet_policy_free(p);
		cli_error(host_command, "policy: %s", signet_error_message(err));
		signet_error_free(err);
		return HOST_EXIT_USAGE;
	}
	*out = p;
	return HOST_EXIT_OK;
}
