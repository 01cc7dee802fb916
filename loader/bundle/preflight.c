/* SPDX-License-Identifier: MIT */
/* preflight.c - signet_preflight(): every check, no code run (examine.c). */
#include "config.h"

#include <signet/bundle.h>

#include "bundle/report.h"
#include "core/error_internal.h"
#include "policy/policy_internal.h"

int signet_preflight(signet_bundle_info **out, const char *path, const signet_policy *policy,
	const char *host_api, signet_error **err)
{
	if (!path || !*path)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_preflight needs a bundle path");
	sg_semver host;
	int rc = sg_host_api_parse(host_api, &host, err);
	if (!rc)
		rc = sg_policy_or_default(&policy, path, err);
	if (rc)
		return rc;
	sg_examination x;
	rc = sg_examine_bundle(&x, path, policy, host, true);
	signet_bundle_info *info = NULL;
	if (out && sg_bundle_info_build(&info, &x) != 0) {
		sg_examination_clear(&x);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reporting on %s", path);
	}
	if (rc && err) {
		/* The first reason, as its own copy: the report keeps the list. */
		const signet_error *first = info ? signet_bundle_info_reason(info, 0)
			: x.reasons.list.n ? x.reasons.list.items[0] : NULL;
		*err = first ? sg_error_copy(first) : NULL;
		if (!*err)
			sg_fail_code(err, rc, "%s: refused (%s)", path, signet_code_name(rc));
	}
	sg_examination_clear(&x);
	if (out)
		*out = info;
	return rc;
}
