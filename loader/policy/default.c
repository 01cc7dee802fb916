/* SPDX-License-Identifier: MIT */
/*
 * default.c - the process default policy: what a call given no policy
 * uses (signet_load(), preflight, guest hosts, process inspection).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "policy/policy_internal.h"

/*
 * The configuration directory is configure's $(sysconfdir)/signet
 * (SIGNET_CONFDIR, from Makefile.am): /etc/signet in the Debian package,
 * /usr/local/etc/signet for a plain ./configure (docs/policy.md).
 */
#define DEFAULT_POLICY SIGNET_CONFDIR "/policy.json"
#define DEFAULT_ANCHORS SIGNET_CONFDIR "/anchors"

static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static signet_policy *default_policy;
static signet_error *default_error;

int sg_policy_new_default(signet_policy **out, const char *anchors_override, signet_error **err)
{
	*out = NULL;
	const char *file = secure_getenv("SIGNET_POLICY");
	if (!file && access(DEFAULT_POLICY, F_OK) == 0)
		file = DEFAULT_POLICY;
	if (file) {
		int rc = signet_policy_load(out, file, err);
		if (!rc && anchors_override && (rc = signet_policy_set_anchors(*out, anchors_override, err)) != 0) {
			signet_policy_free(*out);
			*out = NULL;
		}
		return rc;
	}
	signet_policy *p = NULL;
	int rc = signet_policy_new(&p, err);
	if (rc)
		return rc;
	/* Given anchors replace the default ones: they are never read (an empty default directory would fail). */
	const char *anchors = anchors_override ? anchors_override : secure_getenv("SIGNET_ANCHORS");
	if (!anchors && access(DEFAULT_ANCHORS, F_OK) == 0)
		anchors = DEFAULT_ANCHORS;
	if (anchors && (rc = signet_policy_set_anchors(p, anchors, err)) != 0) {
		signet_policy_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

static void make_default_policy(void)
{
	if (sg_policy_new_default(&default_policy, NULL, &default_error) != 0)
		default_policy = NULL;
}

int sg_policy_or_default(const signet_policy **policy, const char *path, signet_error **err)
{
	if (*policy)
		return 0;
	pthread_once(&default_once, make_default_policy);
	if (!default_policy)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_INVALID, .path = path,
			.check = "policy.default" }, "no usable default policy: %s",
			default_error ? signet_error_message(default_error) : "out of memory");
	*policy = default_policy;
	return 0;
}
