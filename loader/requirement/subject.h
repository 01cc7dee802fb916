/* SPDX-License-Identifier: MIT */
/*
 * subject.h - what a requirement is evaluated against.
 *
 * The evaluator sees an identity only through this struct, so it depends
 * neither on OpenSSL nor on how the identity was obtained (a verified file,
 * a guest, a test). Strings are NUL-terminated and owned by whoever built
 * the subject; NULL means "absent" (an image without a team has team NULL).
 */
#ifndef SIGNET_REQUIREMENT_SUBJECT_H
#define SIGNET_REQUIREMENT_SUBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sg_req_subject {
	const char *identifier;          /* CodeDirectory identifier */
	const char *team;                /* leaf's single subject OU, or NULL */
	const uint8_t *cdhash;           /* SHA-256 of the CodeDirectory, 32 bytes, or NULL */
	bool anchor_trusted;             /* chain ended at a configured trust anchor */
	const uint8_t *anchor_sha256;    /* SHA-256 of the anchor's DER, 32 bytes, or NULL */
	const char *host_team;           /* for `team = host`; NULL: the host has no team */
	/*
	 * What explanations call the identity's owner: "team: wanted X, peer
	 * has Y" for a process at the other end of a connection. NULL: "image".
	 */
	const char *holder;

	/*
	 * certificate leaf[subject.CN], certificate root[...], certificate 1[...]:
	 * `index` 0 is the leaf, 1 its issuer, ...; -1 is the anchor (root).
	 * `field` is the text inside the brackets ("subject.CN", "subject.OU",
	 * "serial", ...). Returns the value or NULL when absent. May be NULL.
	 */
	const char *(*certificate_field)(void *ctx, int index, const char *field);
	/* manifest[version]: a manifest value as text, or NULL. May be NULL. */
	const char *(*manifest_value)(void *ctx, const char *key);
	/* entitlement["net"]: true when present. May be NULL (nothing present). */
	bool (*has_entitlement)(void *ctx, const char *key);
	void *ctx;
} sg_req_subject;

#endif /* SIGNET_REQUIREMENT_SUBJECT_H */
