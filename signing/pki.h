/* SPDX-License-Identifier: MIT */
/*
 * pki.h - making keys and X.509 certificates with OpenSSL: one implementation
 * serving `signet ca` and the tests (which also make deliberately bad ones:
 * expired, not yet valid, no EKU, a non-CA issuer, zero or several OUs).
 *
 * Errors follow the library's convention (0 or a negative signet_code and a
 * caller-owned signet_error naming the file). Private key material is freed
 * with EVP_PKEY_free() (OpenSSL clears it) and every buffer that held key
 * bytes is wiped with OPENSSL_cleanse() or lives in OpenSSL's secure memory.
 */
#ifndef SIGNET_SIGNING_PKI_H
#define SIGNET_SIGNING_PKI_H

#include "core/export.h"

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <signet/error.h>

typedef enum sg_pki_key_type {
	SG_PKI_KEY_EC_P256 = 0, /* ECDSA on P-256: the default */
	SG_PKI_KEY_RSA_2048,
	SG_PKI_KEY_RSA_3072
} sg_pki_key_type;

#define SG_PKI_MAX_OUS 8

/* One key and certificate to make. Start from SG_PKI_SPEC_INIT. */
typedef struct sg_pki_spec {
	sg_pki_key_type key_type;
	const char *common_name;           /* required, UTF-8, at most 64 characters */
	const char *organization;          /* O, or NULL */
	const char *org_units[SG_PKI_MAX_OUS]; /* OUs in order; the team is the single one */
	size_t n_org_units;                /* 0..SG_PKI_MAX_OUS */
	bool is_ca;          /* basicConstraints critical CA:TRUE + keyUsage keyCertSign, cRLSign;
	                        otherwise critical CA:FALSE + keyUsage digitalSignature */
	int path_len;        /* CA only: pathlen constraint, -1 for none */
	/*
	 * Tests only (certificates Signet must refuse): the keyUsage extension in
	 * OpenSSL's configuration syntax ("critical,digitalSignature"), or "" for
	 * none at all. NULL, always in `signet ca`: the default above.
	 */
	const char *key_usage;
	bool code_signing;   /* extendedKeyUsage codeSigning */
	bool server_auth;    /* extendedKeyUsage serverAuth (tests: an EKU without code signing) */
	long not_before;     /* seconds from now, may be negative */
	long not_after;      /* seconds from now, may be negative (an expired certificate) */
	/*
	 * Issuer: both NULL for a self-signed certificate. The issuer is not
	 * required to be a CA, so tests can make invalid chains; `signet ca`
	 * always passes its root.
	 */
	EVP_PKEY *issuer_key;
	X509 *issuer_cert;
} sg_pki_spec;

/* EC P-256, valid from 5 minutes ago (clock skew) for 365 days, no pathlen. */
#define SG_PKI_SPEC_INIT { .key_type = SG_PKI_KEY_EC_P256, .path_len = -1, \
	.not_before = -300, .not_after = 365L * 24 * 3600 }

/*
 * Generates a key and a certificate for it: version 3, random positive
 * 128-bit serial, SHA-256 signature, subjectKeyIdentifier and
 * authorityKeyIdentifier. Outputs are the caller's (EVP_PKEY_free,
 * X509_free). Codes: SIGNET_E_INVALID_ARGUMENT (spec), SIGNET_E_NOMEM,
 * SIGNET_E_INTERNAL (OpenSSL refused; its reason is in the message).
 */
SG_PRIVATE int sg_pki_make(EVP_PKEY **key_out, X509 **cert_out, const sg_pki_spec *spec,
	signet_error **err);

/*
 * Writes `key` as unencrypted PKCS#8 PEM, mode 0600: to a temporary file in
 * the same directory (O_EXCL, O_NOFOLLOW), fsync'd, then renamed into place,
 * so a crash never leaves half a key. Without `overwrite` an existing `path`
 * is an error (SIGNET_E_IO, os errno EEXIST), checked atomically at the
 * rename; with it the old file is replaced atomically.
 */
SG_PRIVATE int sg_pki_write_key(const char *path, EVP_PKEY *key, bool overwrite, signet_error **err);

/* The same for a certificate, PEM, mode 0644. */
SG_PRIVATE int sg_pki_write_cert(const char *path, X509 *cert, bool overwrite, signet_error **err);

/* The same for zero or more certificates in one PEM file (0 makes an empty file). */
SG_PRIVATE int sg_pki_write_certs(const char *path, STACK_OF(X509) *certs, bool overwrite,
	signet_error **err);

#endif /* SIGNET_SIGNING_PKI_H */
