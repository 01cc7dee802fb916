/* SPDX-License-Identifier: MIT */
/*
 * cms.h - CMS signatures, certificates, trust anchors and signer identity
 * (private to libsignet and the `signet` tool; never installed).
 *
 * Everything cryptographic is OpenSSL's: this module chooses what to accept,
 * in which order to check it, and how to explain a refusal. docs/certificates.md
 * states the rules (anchors, time, team, EKU, chain, key types) for users.
 *
 * Conventions: 0 or a negative signet_code; on failure a caller-owned error
 * in *err (when err is not NULL) naming the file, the check and, where it
 * means something, expected vs actual; outputs are set only on success.
 * OpenSSL's error queue is read into the message and then cleared by every
 * function here, success or failure, so no stale reason leaks to the next
 * call on the thread.
 *
 * Thread-safety: an sg_trust is read-only after sg_trust_load() and may be
 * shared by threads verifying concurrently. An sg_signer belongs to one
 * thread at a time (sg_signer_certificate_field() fills a cache).
 */
#ifndef SIGNET_CMS_CMS_H
#define SIGNET_CMS_CMS_H

#include "core/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <signet/error.h>

/* Hard limits on what input controls (docs/certificates.md, "Limits"). */
#define SG_CMS_MAX_DER         (1024 * 1024) /* bytes of one CMS SignedData */
#define SG_CMS_MAX_CERTS       16            /* certificates carried in one CMS */
#define SG_CMS_MAX_CHAIN_DEPTH 8             /* intermediates between leaf and anchor */
#define SG_PEM_MAX_FILE        (4 * 1024 * 1024) /* bytes of one PEM file */
#define SG_TRUST_MAX_CERTS     4096          /* anchors in one trust store */
#define SG_TEAM_ID_MAX         64            /* characters of a team ID */

/* ---- OpenSSL's reasons ---- */

/* Room for OpenSSL's reasons in one message. */
#define SG_OSSL_REASON_MAX 512

/*
 * Writes up to four entries of the thread's OpenSSL error queue, oldest (the
 * root cause) first, as "library: reason (data)" joined by "; ", or "no
 * detail from OpenSSL" when the queue is empty. Always clears the queue.
 * For the tool's own OpenSSL calls too (signing/pki.c).
 */
SG_PRIVATE void sg_ossl_reason(char *buf, size_t size);

/* ---- trust anchors ---- */

typedef struct sg_trust sg_trust;

/*
 * Loads trust anchors from `path`: a PEM file with one or more certificates,
 * or a directory whose *.pem and *.crt files (dot files skipped) are such
 * files. Every certificate found becomes an anchor; the system's CA bundle is
 * never consulted. Fails closed: a file that does not parse is an error (it
 * names the file), and so is a path that yields no certificate at all.
 * Codes: SIGNET_E_INVALID_ARGUMENT, SIGNET_E_IO (os errno set),
 * SIGNET_E_NOT_FOUND (no certificate), SIGNET_E_LIMIT, SIGNET_E_NOMEM.
 * Free with sg_trust_free().
 */
int sg_trust_load(sg_trust **out, const char *path, signet_error **err);

/*
 * The same from PEM text in memory (`label` names it in errors): how an
 * isolated guest gets exactly the anchors its host holds, not whatever the
 * host's anchors file says by the time the guest would read it.
 */
int sg_trust_from_pem(sg_trust **out, const uint8_t *pem, size_t len, const char *label, signet_error **err);
/* The same from certificates already parsed (`certs` taken, freed on failure too). */
int sg_trust_from_certs(sg_trust **out, STACK_OF(X509) *certs, const char *label, signet_error **err);

/* Every anchor as PEM text (malloc'd, NUL-terminated); 0 or SIGNET_E_NOMEM. */
int sg_trust_to_pem(char **out, size_t *len, const sg_trust *trust);

/* The number of anchors loaded, and the i-th of them (borrowed; NULL past the end). */
SG_PRIVATE size_t sg_trust_count(const sg_trust *trust);
SG_PRIVATE X509 *sg_trust_anchor(const sg_trust *trust, size_t i);

/* sg_trust_free(NULL) does nothing. */
void sg_trust_free(sg_trust *trust);

/* ---- the verified signer ---- */

typedef struct sg_signer_field sg_signer_field; /* certificate_field cache entry */

/* What a verified CMS says about its signer. All strings are UTF-8. */
typedef struct sg_signer {
	char *team;               /* the leaf's single subject OU; NULL only when allowed and absent */
	char *leaf_subject;       /* one line, RFC 2253, control characters escaped */
	char *leaf_common_name;   /* the leaf's single CN, or NULL */
	char *leaf_serial_hex;    /* uppercase hex, no leading zeros ("-" first if negative) */
	time_t leaf_not_before, leaf_not_after;
	uint8_t anchor_sha256[32];/* SHA-256 of the trust anchor's DER */
	char *anchor_subject;     /* one line, RFC 2253 */
	STACK_OF(X509) *chain;    /* leaf first, anchor last; owned */
	time_t verified_at;       /* the verification time (now or the caller's); with a timestamp,
	                             the chain was judged at `timestamp` instead */
	time_t timestamp;         /* a trusted RFC 3161 timestamp's genTime, or 0 */
	char *timestamp_tsa;      /* that TSA certificate's subject, one line; NULL without */

	/* certificate_field cache: strings handed out stay valid until clear */
	sg_signer_field *fields;
	size_t n_fields, cap_fields;
} sg_signer;

/* Frees what `s` owns and zeroes it; safe on a zeroed or cleared struct. */
void sg_signer_clear(sg_signer *s);

/*
 * A field of one certificate of the verified chain, for requirements such as
 * `certificate leaf[subject.CN] = "..."`. `index` 0 is the leaf, 1 its
 * issuer, ...; -1 is the anchor. Fields: `subject` and `issuer` (RFC 2253
 * one line), `subject.X` and `issuer.X` for X in CN, O, OU, C, L, ST, and
 * emailAddress (an attribute present zero or several times is absent: a
 * requirement must never match "one of" several values), `serial` (uppercase
 * hex), `sha256` (lowercase hex of the DER), `not_before` and `not_after`
 * (ISO 8601 UTC). NULL when absent, when the index or field is unknown, or
 * when a value holds a NUL byte. The string stays valid until
 * sg_signer_clear().
 */
const char *sg_signer_certificate_field(sg_signer *s, int index, const char *field);

/* The same, shaped like sg_req_subject.certificate_field (ctx = sg_signer *). */
const char *sg_signer_field_cb(void *ctx, int index, const char *field);

/*
 * The team ID rule shared by the verifier and `signet ca`: 1 to 64
 * characters of [A-Za-z0-9._-], the first a letter or digit. Apple's team
 * IDs (10 uppercase letters and digits) are valid ones.
 */
SG_PRIVATE bool sg_team_id_valid(const char *team);

/*
 * The team of a certificate, by the one rule verification applies: its
 * subject has exactly one OU and that OU is a valid team ID. *team gets a
 * malloc'd copy, or NULL when there is no team; *ou_count (may be NULL) the
 * number of OUs. The signer uses this too, so it can never write a team
 * claim the verifier would not derive. Returns 0 or SIGNET_E_NOMEM.
 */
SG_PRIVATE int sg_certificate_team(X509 *cert, char **team, int *ou_count);

/* ---- verification ---- */

typedef struct sg_verify_options {
	/*
	 * Verification time: 0 means now. Never the signing-time attribute of the
	 * CMS: the signer wrote it, so it proves nothing (docs/certificates.md,
	 * "The time rule").
	 */
	time_t at;
	/* false: a leaf with zero or several OUs is refused (SIGNET_E_CERT_NO_TEAM) */
	bool allow_no_team;
	/*
	 * TSA anchors (NULL: none): a timestamp from a TSA chaining to one of
	 * them moves the verification time to its genTime ("The time rule").
	 */
	const struct sg_trust *tsa;
} sg_verify_options;

/*
 * Verifies a detached CMS SignedData `cms_der` over `content` and, on
 * success, describes the signer in *out (overwritten, not freed first; release
 * with sg_signer_clear()). `opts` may be NULL (now, team required).
 * `path_for_errors` names the file in errors (may be NULL).
 *
 * Checks, in this order, each with its own code and check name:
 *  1. structure: canonical DER, SignedData, id-data, detached, exactly one
 *     SignerInfo, the signer's certificate carried (and no other answering to
 *     its identifier), its key decoding when its algorithm is EC or RSA,
 *     counts under the limits; and what the signature does
 *     not cover pinned to its one allowed value (cms_shape.c): RFC 5652
 *     versions, digestAlgorithms = { SHA-256 }, signatureAlgorithm matching
 *     the key, X.509 certificates only, no CRLs, no unsigned attributes
 *     but at most one well-formed timestamp (timestamp.h)
 *     -> SIGNET_E_SIGNATURE_MALFORMED ("cms.structure"), SIGNET_E_LIMIT;
 *     digest other than SHA-256, a well-formed key other than EC or RSA
 *     -> SIGNET_E_SIGNATURE_UNSUPPORTED ("cms.algorithm");
 *  2. the signature over `content` with the signer's own certificate
 *     -> SIGNET_E_CMS_MISMATCH ("cms.signature");
 *  2b. with opts->tsa, the timestamp (timestamp.h: sg_ts_verify()): a
 *     trusted one whose genTime is not after the verification time (by
 *     more than SG_TS_CLOCK_SKEW) and inside the leaf's validity becomes
 *     the time the chain is judged at (the earlier of the two); one outside
 *     -> SIGNET_E_TIMESTAMP_INVALID ("timestamp.time"); imprint, structure
 *     and signature refusals as sg_ts_verify() says; a token from an
 *     untrusted TSA is not used, and when the chain then fails on time
 *     -> SIGNET_E_TIMESTAMP_INVALID ("timestamp.tsa");
 *  3. the chain to an anchor in `trust`, at the verification time
 *     -> SIGNET_E_UNTRUSTED_ANCHOR ("x509.anchor"), SIGNET_E_CERT_EXPIRED,
 *     SIGNET_E_CERT_NOT_YET_VALID ("x509.time"), SIGNET_E_CERT_CHAIN ("x509.chain");
 *     then every certificate the CMS carries must be in that verified chain
 *     -> SIGNET_E_SIGNATURE_MALFORMED ("cms.structure");
 *  4. the leaf's role and usage: not a CA -> SIGNET_E_CERT_CHAIN
 *     ("x509.leaf_ca"); EKU codeSigning, keyUsage present with
 *     digitalSignature; intermediates with an EKU must allow codeSigning
 *     -> SIGNET_E_CERT_NO_CODESIGN_EKU ("x509.eku", "x509.key_usage");
 *  5. the team: exactly one subject OU that is a valid team ID
 *     -> SIGNET_E_CERT_NO_TEAM ("x509.team") unless opts->allow_no_team.
 * Also SIGNET_E_INVALID_ARGUMENT, SIGNET_E_NOMEM.
 */
int sg_cms_verify(sg_signer *out, const uint8_t *cms_der, size_t cms_len,
	const uint8_t *content, size_t content_len, const sg_trust *trust,
	const sg_verify_options *opts, const char *path_for_errors, signet_error **err)
	__attribute__((warn_unused_result));

/* ---- signing ---- */

/*
 * Makes a detached CMS SignedData over `content`: SHA-256, signer `leaf`
 * with `key` (ECDSA P-256 or RSA of 2048 bits or more), certificates = leaf
 * + `chain` (intermediates, may be NULL or empty; a root may be included but
 * never needs to be; duplicates of the leaf are skipped), binary content (no
 * MIME canonicalisation). It does not judge the certificates: the verifier
 * does. *der_out is malloc'd; the caller frees it with free().
 * Codes: SIGNET_E_INVALID_ARGUMENT (the key does not match the leaf),
 * SIGNET_E_SIGNATURE_UNSUPPORTED (key type), SIGNET_E_LIMIT, SIGNET_E_NOMEM,
 * SIGNET_E_INTERNAL (OpenSSL refused; its reason is in the message).
 */
int sg_cms_sign(uint8_t **der_out, size_t *der_len, const uint8_t *content, size_t content_len,
	EVP_PKEY *key, X509 *leaf, STACK_OF(X509) *chain, signet_error **err)
	__attribute__((warn_unused_result));

/*
 * The most bytes sg_cms_sign() makes with this key, leaf and chain, for any
 * content: the same SignedData with its signature value at the longest this
 * key can produce (EVP_PKEY_get_size(): the longest DER ECDSA signature, the
 * RSA modulus). It depends only on the key, the certificates and the era of
 * the signingTime attribute (a UTCTime until 2050, a GeneralizedTime two
 * bytes longer from then on), so a signer can size a slot in signed bytes
 * before it has anything to sign, and size it the same every time.
 * Codes: those of sg_cms_sign().
 */
int sg_cms_sign_bound(size_t *bound, EVP_PKEY *key, X509 *leaf, STACK_OF(X509) *chain,
	signet_error **err) __attribute__((warn_unused_result));

/* ---- enveloping SignedData (signed files such as revocation lists) ---- */

/*
 * A detached SignedData made by sg_cms_sign() with `content` carried
 * inside it (eContent): one file a tool such as `openssl cms -verify` can
 * read too. *out is malloc'd. SIGNET_E_SIGNATURE_MALFORMED (not a
 * SignedData), SIGNET_E_LIMIT, SIGNET_E_NOMEM.
 */
SG_PRIVATE int sg_cms_attach(uint8_t **out, size_t *out_len, const uint8_t *detached, size_t detached_len,
	const uint8_t *content, size_t content_len, signet_error **err) __attribute__((warn_unused_result));

/*
 * The reverse, on bytes from a file: *detached gets the SignedData without
 * its content (to give sg_cms_verify(), which judges everything else) and
 * *content the content (both malloc'd, content NUL-terminated). Only the
 * unwrapping is checked here: DER that parses to the end, a SignedData
 * over id-data whose content is present. SIGNET_E_SIGNATURE_MALFORMED
 * (check "cms.structure"), SIGNET_E_LIMIT, SIGNET_E_NOMEM.
 */
SG_PRIVATE int sg_cms_detach(uint8_t **detached, size_t *detached_len, uint8_t **content, size_t *content_len,
	const uint8_t *der, size_t len, const char *path, signet_error **err) __attribute__((warn_unused_result));

/* ---- PEM files ---- */

/*
 * An unencrypted PEM private key (PKCS#8 or traditional). Encrypted keys are
 * refused with a message that says so (no passphrase prompt: the library
 * never talks to a terminal). The file's bytes are wiped after parsing.
 */
SG_PRIVATE int sg_pem_load_key(EVP_PKEY **out, const char *path, signet_error **err);

/* Exactly one certificate (a file with several is refused: say which one). */
SG_PRIVATE int sg_pem_load_cert(X509 **out, const char *path, signet_error **err);

/* One or more certificates (at most SG_TRUST_MAX_CERTS). */
SG_PRIVATE int sg_pem_load_certs(STACK_OF(X509) **out, const char *path, signet_error **err);
/* The same from PEM text in memory; `label` names it in errors. */
int sg_pem_parse_certs(STACK_OF(X509) **out, const uint8_t *buf, size_t len, const char *label,
	signet_error **err);

/*
 * Zero or more certificates: for a chain file such as the empty
 * <team>.chain.pem that `signet ca issue` writes.
 */
SG_PRIVATE int sg_pem_load_chain(STACK_OF(X509) **out, const char *path, signet_error **err);

#endif /* SIGNET_CMS_CMS_H */
