/* SPDX-License-Identifier: MIT */
/*
 * isolated.h - what the host asks of the policy, the entitlements and the
 * quarantine when it starts an isolated guest (guest/host.c).
 * TEMPORARY shims until the policy and quarantine modules land.
 */
#ifndef SIGNET_GUEST_ISOLATED_H
#define SIGNET_GUEST_ISOLATED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/guest.h>

typedef struct sg_isolation_settings {
	unsigned crash_limit;
	bool accept_weaker;
	uint64_t memory_bytes;
	uint64_t cpu_seconds;
	uint64_t call_timeout_ms;
} sg_isolation_settings;

typedef struct sg_entitlement_grants {
	bool network_client;
	bool files_read;
	const char *const *read_paths;
	size_t n_read_paths;
} sg_entitlement_grants;

void sg_policy_isolation(const signet_policy *p, sg_isolation_settings *out);
int sg_entitlements_grant(sg_entitlement_grants *out, const signet_policy *p, const signet_identity *id,
	signet_error **err);
void sg_entitlement_grants_clear(sg_entitlement_grants *g);
int sg_quarantine_refuse(const signet_host *h, const signet_identity *id, const char *path, signet_error **err);
void sg_quarantine_count(const signet_host *h, const signet_identity *id, const signet_error *why);

#endif
