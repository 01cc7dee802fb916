/* SPDX-License-Identifier: MIT */
/* quarantine_glue.c - the host's side of the quarantine (quarantine_glue.h). */
#include "config.h"

#include <signet/quarantine.h>

#include "core/error_internal.h"
#include "guest/guest_internal.h"
#include "guest/quarantine_glue.h"
#include "policy/policy_internal.h"

int sg_quarantine_refuse(const signet_host *h, const signet_identity *id, const char *path, signet_error **err)
{
	(void)path;
	sg_isolation set;
	sg_policy_isolation(h->policy, &set);
	if (set.crash_limit == 0)
		return 0; /* this host never quarantines: nothing to look up */
	signet_quarantine *q = NULL;
	signet_error *e = NULL;
	int rc = signet_quarantine_open(&q, h->quarantine_path, &e);
	/*
	 * No place for a per-user store at all ($XDG_STATE_HOME and $HOME
	 * unusable, a system service): no crash can have been recorded either.
	 * A store that exists but cannot be read fails closed (quarantine.md).
	 */
	if (rc == SIGNET_E_NOT_FOUND && !h->quarantine_path) {
		signet_error_free(e);
		return 0;
	}
	if (rc && err)
		*err = e;
	else
		signet_error_free(e);
	if (!rc)
		rc = signet_quarantine_check(q, signet_identity_cdhash(id), err);
	signet_quarantine_free(q);
	return rc;
}

void sg_quarantine_count(const signet_host *h, const signet_identity *id, const signet_error *why)
{
	sg_isolation set;
	sg_policy_isolation(h->policy, &set);
	if (set.crash_limit == 0)
		return;
	signet_quarantine *q = NULL;
	bool quarantined = false;
	/*
	 * Nobody to tell when the store cannot be written: the call that
	 * crashed already reports the crash itself. The count is lost, and
	 * the next crash tries again.
	 */
	if (signet_quarantine_open(&q, h->quarantine_path, NULL) == 0 &&
	    signet_quarantine_record_crash(q, signet_identity_cdhash(id), signet_identity_identifier(id),
		    signet_identity_team(id), why ? sg_error_reason(why) : "ended", set.crash_limit, &quarantined,
		    NULL) != 0)
		quarantined = false;
	signet_quarantine_free(q);
}
