/* SPDX-License-Identifier: MIT */
/*
 * trust_bundle.h - the content of a trust bundle (docs/revocation.md, "One
 * trust bundle for a fleet"): everything a fleet's hosts must agree on to
 * trust code, in one signed, versioned file. Code-signing anchors, TSA
 * anchors, the requirement, revocation entries and CRLs.
 *
 * A bundle is a revocation list with more members (revlist.h): the same
 * name, sequence, issued, expires, cdhashes, teams and serials, read by
 * the same code, plus
 *   "anchors":     [PEM certificate, ...]   (required, 1 to 64)
 *   "tsa_anchors": [PEM certificate, ...]   (optional, up to 64)
 *   "requirement": "requirement text"       (optional)
 *   "crls":        [PEM X.509 CRL, ...]     (optional, up to 64)
 * so its expiry, rollback and revocation entries mean exactly what a
 * list's do. The signature around it is checked by revocation.c; this
 * parser trusts nothing and is fuzzed on its own (fuzz/fuzz_trust_bundle.c).
 *
 * Every refusal: SIGNET_E_TRUST_BUNDLE (SIGNET_E_LIMIT for sizes and
 * counts), check "trust_bundle", message "<label>: <where>: <why>".
 *
 * Ownership: an sg_trust_bundle owns everything it points to; free with
 * sg_trust_bundle_free(). Thread-safety: pure; a parsed bundle is
 * read-only and may be shared.
 */
#ifndef SIGNET_POLICY_TRUST_BUNDLE_H
#define SIGNET_POLICY_TRUST_BUNDLE_H

#include "core/export.h"

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include <signet/error.h>
#include <signet/requirement.h>

#include "cms/cms.h"
#include "policy/revlist.h"

#define SG_TRUST_BUNDLE_FORMAT "signet-trust-bundle/1"
#define SG_TRUST_BUNDLE_MAX_CONTENT (4 * 1024 * 1024) /* bytes of the JSON content */
#define SG_TRUST_BUNDLE_MAX_CERTS 64                  /* anchors, and TSA anchors */
#define SG_TRUST_BUNDLE_MAX_CRLS 64

extern const sg_revlist_kind sg_trust_bundle_kind;

typedef struct sg_trust_bundle {
	sg_revlist *list;                 /* name, sequence, times and revocation entries */
	sg_trust *anchors;                /* never NULL */
	sg_trust *tsa;                    /* NULL: the bundle names no TSA anchors */
	signet_requirement *requirement;  /* NULL: the bundle names no requirement */
	X509_CRL **crls;
	size_t n_crls;
} sg_trust_bundle;

/*
 * Parses `len` bytes of bundle content. `label` names the bundle in errors.
 * Codes: SIGNET_E_TRUST_BUNDLE, SIGNET_E_LIMIT, SIGNET_E_NOMEM.
 */
SG_PRIVATE int sg_trust_bundle_parse(sg_trust_bundle **out, const uint8_t *bytes, size_t len, const char *label,
	signet_error **err) __attribute__((warn_unused_result));

SG_PRIVATE void sg_trust_bundle_free(sg_trust_bundle *b);

/* What a bundle is made of, for the writer: the caller's, borrowed. */
typedef struct sg_trust_bundle_parts {
	const sg_revlist *list;         /* name, sequence, times, entries (arrays in any order) */
	STACK_OF(X509) *anchors;        /* at least one */
	STACK_OF(X509) *tsa;            /* NULL or empty: none */
	const char *requirement;        /* NULL: none */
	X509_CRL *const *crls;
	size_t n_crls;
} sg_trust_bundle_parts;

/*
 * The content for `parts`, checked by sg_trust_bundle_parse() before it is
 * handed out (a writer never makes a bundle hosts refuse). *out is
 * malloc'd text, *len its length without a NUL.
 */
int sg_trust_bundle_format(char **out, size_t *len, const sg_trust_bundle_parts *parts, signet_error **err)
	__attribute__((warn_unused_result));

#endif /* SIGNET_POLICY_TRUST_BUNDLE_H */
