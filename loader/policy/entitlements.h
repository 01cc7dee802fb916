/* SPDX-License-Identifier: MIT */
/*
 * entitlements.h - the entitlements Signet defines, and which of those a
 * verified signature asks for the policy grants (docs/policy.md,
 * "Entitlements").
 *
 * An entitlement is a key of the JSON object sealed in a signature
 * (docs/signature-format.md section 5). Keys under "org.signet." are
 * Signet's: each must be one it defines, with the value true. Every other
 * key belongs to the plugin and its host, and Signet ignores it.
 *
 * Pure functions over an immutable identity and a built policy: thread-safe.
 * An sg_grants owns its strings; release it with sg_grants_clear().
 */
#ifndef SIGNET_ENTITLEMENTS_H
#define SIGNET_ENTITLEMENTS_H

#include <stdbool.h>
#include <stddef.h>

#include <signet/policy.h>
#include <signet/signature.h>

#include "policy/policy_internal.h"

/* Signet's namespace: a key starting with this is Signet's to define. */
#define SG_ENTITLEMENT_PREFIX "org.signet."

/* One bit per entitlement Signet defines. */
enum {
	SG_ENTITLEMENT_NETWORK_CLIENT = 1u << 0, /* SIGNET_ENTITLEMENT_NETWORK_CLIENT */
	SG_ENTITLEMENT_FILES_READ = 1u << 1,     /* SIGNET_ENTITLEMENT_FILES_READ */
};

/* The bit of entitlement `name`, or 0 when Signet does not define it. */
unsigned sg_entitlement_bit(const char *name);

/* The names Signet defines, ", "-separated, for messages and rules. */
#define SG_ENTITLEMENT_NAMES SIGNET_ENTITLEMENT_NETWORK_CLIENT ", " SIGNET_ENTITLEMENT_FILES_READ

/* What one guest is granted. */
typedef struct sg_grants {
	unsigned bits;          /* SG_ENTITLEMENT_* granted (each one the signature asks for) */
	sg_strings read_paths;  /* copies of the policy's read paths when FILES_READ is granted, else empty */
} sg_grants;

/*
 * Which entitlements the signature of `id` asks for, each checked against
 * `p` (NULL: the defaults, which grant none). A signature without
 * entitlements is granted nothing and refused nothing. Errors, each
 * SIGNET_E_ENTITLEMENT_DENIED with signet_identity_path(id) as the path:
 *  - check "entitlements.format": the sealed bytes are not a JSON object
 *    (not JSON, a duplicate key, not an object);
 *  - check "entitlements.unknown": a key under "org.signet." that Signet
 *    does not define ("unknown entitlement org.signet.x");
 *  - check "entitlements.value": one of Signet's whose value is not true;
 *  - check "entitlements.grant": one the policy does not grant ("the bundle
 *    asks for org.signet.network.client, which this host's policy does not
 *    grant (isolation.grant)").
 * The first two kinds are found before any grant is looked at: a signature
 * Signet cannot read is refused as such under any policy. Also
 * SIGNET_E_LIMIT (over 64 KiB), SIGNET_E_INVALID_ARGUMENT, SIGNET_E_NOMEM.
 * `*out` is written only on success.
 */
int sg_entitlements_grant(const signet_policy *p, const signet_identity *id, sg_grants *out,
	signet_error **err) __attribute__((warn_unused_result));

void sg_grants_clear(sg_grants *g);

#endif /* SIGNET_ENTITLEMENTS_H */
