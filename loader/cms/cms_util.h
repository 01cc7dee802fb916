/* SPDX-License-Identifier: MIT */
/*
 * cms_util.h - helpers shared by the files of loader/cms/ only: OpenSSL's
 * error queue as text, X.509 names and times as text.
 */
#ifndef SIGNET_CMS_UTIL_H
#define SIGNET_CMS_UTIL_H

#include "core/export.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/x509.h>

#include <signet/error.h>

#include "cms/cms.h"

/* A name as one RFC 2253 line in UTF-8, control characters escaped; malloc'd, NULL on OOM. */
SG_PRIVATE char *sg_cms_name_line(const X509_NAME *name);

/*
 * The value of attribute `nid` in `name` as UTF-8 when it occurs exactly
 * once and holds no NUL byte; otherwise *value = NULL. *count (may be NULL)
 * gets the number of occurrences. Returns 0, or -1 when out of memory.
 */
int sg_cms_name_single(const X509_NAME *name, int nid, char **value, int *count);

/* ASN1_TIME -> time_t (UTC). Returns 0, or -1 for a time OpenSSL cannot read. */
SG_PRIVATE int sg_cms_asn1_time(const ASN1_TIME *t, time_t *out);

/* "2025-01-31T12:00:00Z"; `buf` has at least 32 bytes. */
void sg_cms_format_time(time_t t, char *buf, size_t size);

/* Lowercase (upper = 0) or uppercase hex of `len` bytes; malloc'd, NULL on OOM. */
char *sg_cms_hex(const uint8_t *bytes, size_t len, int upper);

/* A certificate's serial number as uppercase hex; malloc'd, NULL on OOM. */
SG_PRIVATE char *sg_cms_serial_hex(const X509 *cert);

/* SHA-256 of a certificate's DER: its fingerprint. Returns 0, or -1. */
int sg_cms_cert_sha256(const X509 *cert, uint8_t out[32]);

/* The same as lowercase hex (what `anchor = H"..."` takes); malloc'd, NULL on failure. */
char *sg_cms_cert_sha256_hex(const X509 *cert);

/*
 * A certificate named for a reader who must tell it from another of the
 * same name: "\"SUBJECT\" (SHA-256 HEX)", the subject as sg_cms_name_line()
 * writes it. malloc'd, NULL on failure.
 */
char *sg_cms_cert_label(const X509 *cert);

/*
 * cms_shape.c: the bytes a CMS signature does not cover. sg_cms_check_shape
 * requires canonical DER, exactly { SHA-256 } as digestAlgorithms, only
 * X.509 certificates (`ncerts` of them) and no CRLs, the RFC 5652 versions
 * for the signer identifier's kind, and no unsigned attributes.
 * sg_cms_check_sigalg pins the signatureAlgorithm to `key`'s type with
 * SHA-256 (*unsupported: a real algorithm with another digest). Both return
 * 0, or -1 with a reason in `detail`.
 */
int sg_cms_check_shape(CMS_ContentInfo *cms, CMS_SignerInfo *si, int ncerts,
	const uint8_t *bytes, size_t len, char *detail, size_t size);
int sg_cms_check_sigalg(CMS_SignerInfo *si, EVP_PKEY *key, char *detail, size_t size,
	bool *unsupported);

/*
 * cms_shape.c, for the chain cache: a SignedData ContentInfo split into its
 * certificate set (the [0] element, header included: *certs points into
 * `bytes`) and the rest re-assembled without it (*rest, malloc'd). Returns
 * 0 only when `bytes` is exactly the canonical DER assembly of those
 * pieces; -1 otherwise (no set, other DER, out of memory): verify in full.
 */
int sg_cms_split_certs(const uint8_t *bytes, size_t len, const uint8_t **certs, size_t *certs_len,
	uint8_t **rest, size_t *rest_len);

/* The store behind the opaque trust handle (trust.c). */
struct sg_trust;
X509_STORE *sg_trust_store(const struct sg_trust *trust);

/* SHA-256 over the anchors' fingerprints, in load order (32 bytes). */
const uint8_t *sg_trust_digest(const struct sg_trust *trust);

/*
 * The anchors as sg_cms_cert_label()s joined by ", ", the first `max` of
 * them, then " and N more" (trust.c); malloc'd, NULL when out of memory.
 */
char *sg_trust_anchor_list(const struct sg_trust *trust, int max);

/* Whether an anchor's subject is `name` (another certificate may share it). */
bool sg_trust_has_subject(const struct sg_trust *trust, const X509_NAME *name);

/*
 * Fills *s from a verified chain (leaf first, anchor last; the stack is taken
 * over on success) and the team (taken over; may be NULL). Returns 0, or -1
 * when out of memory (nothing taken over, *s untouched).
 */
struct sg_signer;
int sg_cms_signer_fill(struct sg_signer *s, STACK_OF(X509) *chain, char *team, time_t at);

/*
 * The same from a signer already described from this very chain (the chain
 * cache's): its strings copied rather than derived again from the
 * certificates. Takes over `chain` and `team` on success; 0 or -1 (out of
 * memory, nothing taken over).
 */
int sg_cms_signer_copy(struct sg_signer *out, const struct sg_signer *described, STACK_OF(X509) *chain,
	char *team, time_t at);

#endif /* SIGNET_CMS_UTIL_H */
