/* SPDX-License-Identifier: MIT */
/* isolated.c - TEMPORARY shims (see isolated.h). */
#include "config.h"

#include "guest/isolated.h"

void sg_policy_isolation(const signet_policy *p, sg_isolation_settings *out)
{
	(void)p;
	*out = (sg_isolation_settings){ 3, false, 1024u << 20, 300, 25000 };
}

int sg_entitlements_grant(sg_entitlement_grants *out, const signet_policy *p, const signet_identity *id,
	signet_error **err)
{
	(void)p;
	(void)id;
	(void)err;
	*out = (sg_entitlement_grants){ 0 };
	return 0;
}

void sg_entitlement_grants_clear(sg_entitlement_grants *g)
{
	(void)g;
}

int sg_quarantine_refuse(const signet_host *h, const signet_identity *id, const char *path, signet_error **err)
{
	(void)h;
	(void)id;
	(void)path;
	(void)err;
	return 0;
}

void sg_quarantine_count(const signet_host *h, const signet_identity *id, const signet_error *why)
{
	(void)h;
	(void)id;
	(void)why;
}
