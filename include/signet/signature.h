/* SPDX-License-Identifier: MIT */
/*
 * signet/signature.h - verifying Signet code signatures and reading the
 * identity they establish.
 *
 * A signed ELF file carries, as its last bytes, a blob with a CodeDirectory
 * (identifier, team, one SHA-256 per page of everything before the blob)
 * and a CMS signature over it (docs/signature-format.md). Verification
 * checks the structure, the CMS signature, the certificate chain to a
 * trust anchor, the signer's team, and every page hash, and yields a
 * `signet_identity`.
 *
 * Ownership: `signet_trust` and `signet_identity` objects come from the
 * calls below and are freed with their _free function (NULL is a no-op).
 * Strings returned by accessors belong to the object.
 *
 * Thread-safety: a `signet_trust` may be shared by concurrent verifications
 * once loaded; identities are immutable. Verification starts its own worker
 * threads for page hashing.
 */
#ifndef SIGNET_SIGNATURE_H
#define SIGNET_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/common.h>
#include <signet/error.h>

SIGNET_BEGIN_DECLS

typedef struct signet_trust signet_trust;

/*
 * Loads trust anchors from a PEM file (one or more certificates) or a
 * directory of .pem/.crt files. SIGNET_E_IO, SIGNET_E_NOT_FOUND (no
 * certificate there), SIGNET_E_CERT_CHAIN (unreadable certificate).
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_trust_load(signet_trust **out, const char *path, signet_error **err);
SIGNET_EXPORT void signet_trust_free(signet_trust *trust);

typedef struct signet_verify_options {
	unsigned version;    /* SIGNET_VERIFY_OPTIONS_VERSION */
	long long at;        /* verify certificates at this time (Unix seconds); 0: now */
	unsigned threads;    /* page-hash workers; 0: one per online CPU */
	bool allow_no_team;  /* accept a leaf without a single subject OU (team NULL) */
} signet_verify_options;

#define SIGNET_VERIFY_OPTIONS_VERSION 1
#define SIGNET_VERIFY_OPTIONS_INIT { SIGNET_VERIFY_OPTIONS_VERSION, 0, 0, false }

typedef struct signet_identity signet_identity;

/*
 * Verifies the signed file at `path`. `opts` may be NULL (defaults).
 * Returns 0 and a new identity, or one of: SIGNET_E_IO, SIGNET_E_LIMIT,
 * SIGNET_E_NOT_ELF, SIGNET_E_ELF_MALFORMED, SIGNET_E_ELF_UNSUPPORTED,
 * SIGNET_E_UNSIGNED, SIGNET_E_SIGNATURE_MALFORMED,
 * SIGNET_E_SIGNATURE_NOT_LAST, SIGNET_E_SIGNATURE_DUPLICATE,
 * SIGNET_E_SIGNATURE_UNSUPPORTED, SIGNET_E_CMS_MISMATCH,
 * SIGNET_E_UNTRUSTED_ANCHOR, SIGNET_E_CERT_EXPIRED,
 * SIGNET_E_CERT_NOT_YET_VALID, SIGNET_E_CERT_CHAIN,
 * SIGNET_E_CERT_NO_CODESIGN_EKU, SIGNET_E_CERT_NO_TEAM,
 * SIGNET_E_SEAL_MISMATCH, SIGNET_E_PAGE_MISMATCH.
 * The file is read through a private mapping: for bytes that cannot change
 * while (and after) they are verified, the loader verifies a sealed copy.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_verify_file(signet_identity **out, const char *path,
	const signet_trust *trust, const signet_verify_options *opts, signet_error **err);

/* The same over bytes in memory; `path` only names them in errors. */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_verify_bytes(signet_identity **out, const void *bytes, size_t length,
	const char *path, const signet_trust *trust, const signet_verify_options *opts, signet_error **err);

SIGNET_EXPORT void signet_identity_free(signet_identity *identity);

SIGNET_EXPORT const char *signet_identity_path(const signet_identity *id);
SIGNET_EXPORT const char *signet_identity_identifier(const signet_identity *id);
/* The leaf certificate's single subject OU, or NULL (only with allow_no_team). */
SIGNET_EXPORT const char *signet_identity_team(const signet_identity *id);
/* SHA-256 of the CodeDirectory: 32 bytes, and as 64 lowercase hex digits. */
SIGNET_EXPORT const uint8_t *signet_identity_cdhash(const signet_identity *id);
SIGNET_EXPORT const char *signet_identity_cdhash_hex(const signet_identity *id);
SIGNET_EXPORT const char *signet_identity_leaf_subject(const signet_identity *id);
SIGNET_EXPORT const char *signet_identity_leaf_serial(const signet_identity *id);
SIGNET_EXPORT long long signet_identity_leaf_not_before(const signet_identity *id);
SIGNET_EXPORT long long signet_identity_leaf_not_after(const signet_identity *id);
/*
 * The time (seconds since the epoch) of the signature's RFC 3161 timestamp
 * when a trusted TSA vouched for it and the chain was judged then; 0 when
 * none was used (docs/certificates.md, "The time rule"). Its TSA's
 * certificate subject, or NULL.
 */
SIGNET_EXPORT long long signet_identity_timestamp(const signet_identity *id);
SIGNET_EXPORT const char *signet_identity_timestamp_authority(const signet_identity *id);
/* SHA-256 of the trust anchor's DER, as 64 lowercase hex digits; its subject. */
SIGNET_EXPORT const char *signet_identity_anchor_sha256_hex(const signet_identity *id);
SIGNET_EXPORT const char *signet_identity_anchor_subject(const signet_identity *id);
SIGNET_EXPORT unsigned signet_identity_page_size(const signet_identity *id);
SIGNET_EXPORT uint64_t signet_identity_page_count(const signet_identity *id);
/* Bytes covered by the signature: everything before the blob. */
SIGNET_EXPORT uint64_t signet_identity_code_limit(const signet_identity *id);
/*
 * The entitlements the signature carries (docs/signature-format.md section
 * 5): the sealed bytes exactly as verified (a JSON object by convention,
 * not checked here), NUL-terminated, `*length` bytes without the NUL (may
 * be NULL). NULL, with `*length` 0, when the signature carries none. Never
 * re-read from the file: these are the bytes the seal was checked against.
 */
SIGNET_EXPORT const char *signet_identity_entitlements(const signet_identity *id, size_t *length);

SIGNET_END_DECLS

#endif /* SIGNET_SIGNATURE_H */
