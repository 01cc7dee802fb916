/* SPDX-License-Identifier: MIT */
/*
 * identity_internal.h - the verified identity, and the trust-anchor handle.
 *
 * An identity is built once by verification and never changes: the loader,
 * the registry and guest hosting keep pointers to it, never re-reading the
 * file it came from.
 */
#ifndef SIGNET_IDENTITY_INTERNAL_H
#define SIGNET_IDENTITY_INTERNAL_H

#include "core/export.h"

#include <signet/signature.h>

#include "cms/cms.h"
#include "codesign/format.h"
#include "requirement/subject.h"

struct signet_trust {
	sg_trust *anchors;
	/* TSA anchors for timestamps (NULL: none): a policy's, or tsa_owned. */
	const sg_trust *tsa;
	sg_trust *tsa_owned;
};

/*
 * Gives `trust` TSA anchors of its own, loaded from `path` as
 * sg_trust_load() does (for `signet verify --tsa-anchors`; a policy sets
 * its own with signet_policy_set_tsa_anchors()). Errors: sg_trust_load()'s.
 */
SG_PRIVATE int sg_trust_set_tsa(signet_trust *trust, const char *path, signet_error **err);

struct signet_identity {
	char *path;
	char *identifier;
	char *team;
	uint8_t cdhash[SG_HASH_SIZE];
	char cdhash_hex[2 * SG_HASH_SIZE + 1];
	char anchor_hex[2 * SG_HASH_SIZE + 1];
	sg_signer signer;
	unsigned page_shift;
	uint64_t page_count;
	uint64_t code_limit;
	bool has_special[SG_SLOT_MAX];
	uint8_t special[SG_SLOT_MAX][SG_HASH_SIZE];
	char *entitlements;     /* the entitlements JSON text, or NULL */
	size_t entitlements_length;
};

/* Fills `subject` to evaluate requirements against `id`. The subject points
 * into `id`; `host_team` may be NULL. */
SG_PRIVATE void sg_identity_subject(const signet_identity *id, const char *host_team, sg_req_subject *subject);

/*
 * Page hashes already computed over the very bytes being verified (a
 * sealed snapshot hashed while it was filled, load/snapshot.h): `hashes`
 * for pages of 2^shift over the first `length` bytes.
 */
typedef struct sg_known_hashes {
	const uint8_t *hashes;
	uint64_t length;
	unsigned shift;
} sg_known_hashes;

/*
 * signet_verify_bytes() that takes its page hashes from `known` (may be
 * NULL) wherever they cover the same extent, and hashes the rest. Every
 * other check is the same, in the same order.
 */
int sg_verify_bytes_known(signet_identity **out, const void *bytes, size_t length, const char *path,
	const signet_trust *trust, const signet_verify_options *opts, const sg_known_hashes *known,
	signet_error **err);

/*
 * Verifies the `size` bytes of the open file `fd` (`label` names it in
 * errors): a file under 1 MiB read into private memory with its pages
 * hashed as they are read (no mapping to make and unmap), a larger one
 * mapped. What signet_verify_file() and the process inspector share.
 */
int sg_verify_fd(signet_identity **out, int fd, uint64_t size, const char *label, const signet_trust *trust,
	const signet_verify_options *opts, signet_error **err);

#endif /* SIGNET_IDENTITY_INTERNAL_H */
