/* SPDX-License-Identifier: MIT */
/* admit.c - a verified identity against the policy: deny, allow, requirement. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codesign/identity_internal.h"
#include "core/error_internal.h"
#include "policy/policy_internal.h"
#include "requirement/requirement_internal.h"

static int check_deny(const signet_policy *p, const signet_identity *id, signet_error **err)
{
	const char *path = signet_identity_path(id);
	if (sg_hashes_contains(&p->deny_cdhashes, signet_identity_cdhash(id)))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_DENIED, .path = path,
			.check = "policy.deny", .expected = "cdhash not on the deny list",
			.actual = signet_identity_cdhash_hex(id) },
			"denied: cdhash %s is on the policy's cdhash deny list", signet_identity_cdhash_hex(id));

	const char *serial = signet_identity_leaf_serial(id);
	char norm[SG_POLICY_MAX_SERIAL_HEX + 1];
	/*
	 * With a deny list of serials, an identity whose serial cannot be read
	 * or normalized is refused: failing open here would let exactly the
	 * odd certificate through that someone took the trouble to deny.
	 */
	if (p->deny_serials.n > 0 && (!serial || !sg_policy_normalize_serial(serial, norm)))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_DENIED, .path = path,
			.check = "policy.deny", .expected = "a certificate serial to check against the deny list",
			.actual = serial }, "denied: the signing certificate's serial cannot be checked against "
			"the policy's serial deny list");
	if (p->deny_serials.n > 0 && sg_strings_contains(&p->deny_serials, norm))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_DENIED, .path = path,
			.check = "policy.deny", .expected = "certificate serial not on the deny list",
			.actual = serial },
			"denied: signing certificate serial %s is on the policy's serial deny list", serial);
	return 0;
}

static int check_allow(const signet_policy *p, const signet_identity *id, signet_error **err)
{
	if (p->allow_identifiers.n == 0 && p->allow_cdhashes.n == 0)
		return 0;
	const char *ident = signet_identity_identifier(id);
	if (ident && sg_strings_contains(&p->allow_identifiers, ident))
		return 0;
	if (sg_hashes_contains(&p->allow_cdhashes, signet_identity_cdhash(id)))
		return 0;
	char actual[512];
	snprintf(actual, sizeof actual, "identifier %s, cdhash %s", ident ? ident : "(none)",
		signet_identity_cdhash_hex(id));
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_NOT_ALLOWED, .path = signet_identity_path(id),
		.check = "policy.allow", .expected = "identifier or cdhash on an allow list", .actual = actual },
		"not allowed: neither identifier %s (%zu listed) nor cdhash %s (%zu listed) is on the policy's "
		"allow lists", ident ? ident : "(none)", p->allow_identifiers.n, signet_identity_cdhash_hex(id),
		p->allow_cdhashes.n);
}

static int check_requirement(const signet_policy *p, const signet_identity *id, signet_error **err)
{
	sg_req_subject subject;
	sg_identity_subject(id, p->host_team, &subject);
	signet_error *why = NULL;
	int rc = sg_requirement_evaluate(p->requirement, &subject, &why);
	if (rc == 0)
		return 0;
	if (!why)
		return sg_fail_code(err, rc, "requirement not evaluated");
	/*
	 * The evaluator knows the clause, not the file: re-issue its error with
	 * the image's path, and say why the host has no team when that matters,
	 * since "the host has no team" alone does not tell the operator that the
	 * host executable itself is unsigned.
	 */
	const char *msg = signet_error_message(why);
	bool host_story = !p->host_team && strstr(msg, "the host has no team");
	const char *status = p->host_status ? p->host_status : "no trust anchors were set";
	rc = sg_fail(err, &(sg_error_info){ .code = signet_error_code(why), .path = signet_identity_path(id),
		.check = signet_error_check(why), .expected = signet_error_expected(why),
		.actual = signet_error_actual(why) }, "%s%s%s%s", msg, host_story ? " (" : "",
		host_story ? status : "", host_story ? ")" : "");
	signet_error_free(why);
	return rc;
}

int sg_policy_admit(const signet_policy *p, const signet_identity *id, signet_error **err)
{
	if (!p || !id)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "sg_policy_admit: NULL argument");
	/*
	 * Revocation first, then deny: a revoked or denied image stays refused
	 * whatever an allow list or the requirement says. Checked here, on every
	 * admission and after any cached chain verdict (cms/chain_cache.h), so
	 * no cache can hide a revocation.
	 */
	int rc = sg_policy_check_revocation(p, id, err);
	if (rc == 0)
		rc = check_deny(p, id, err);
	if (rc == 0)
		rc = check_allow(p, id, err);
	if (rc == 0)
		rc = check_requirement(p, id, err);
	return rc;
}
