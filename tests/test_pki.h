/* SPDX-License-Identifier: MIT */
/*
 * test_pki.h - keys and certificates made at test time (signing/pki.c), for
 * white-box tests that link libsignet-signing.la. Nothing is committed.
 */
#ifndef SIGNET_TEST_PKI_H
#define SIGNET_TEST_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

typedef struct sg_test_cred {
	EVP_PKEY *key;
	X509 *cert;
} sg_test_cred;

/*
 * A CA (`ca`) or a code-signing leaf with subject CN=O=`cn` and, when `ou`
 * is given, that single OU (the team). Self-signed when `issuer` is NULL.
 * Exits with 99 (automake's hard error) when OpenSSL refuses.
 */
void sg_test_cred_make(sg_test_cred *out, const char *cn, const char *ou, bool ca, const sg_test_cred *issuer);

/* The same leaf (never a CA) with an RSA-2048 key. */
void sg_test_cred_make_rsa(sg_test_cred *out, const char *cn, const char *ou, const sg_test_cred *issuer);

/*
 * Where `cert`'s public key bits start in `bytes` (a CMS or a signed file
 * carrying the certificate): the first byte after the unused-bits byte of
 * its SubjectPublicKeyInfo's BIT STRING, which is the point format byte
 * (0x04) of an EC key and the SEQUENCE tag (0x30) of an RSA key. Found by
 * locating the SubjectPublicKeyInfo's DER, not by a fixed offset. Exits
 * with 99 when the bytes do not carry it.
 */
size_t sg_test_pubkey_offset(const uint8_t *bytes, size_t len, X509 *cert);

#endif /* SIGNET_TEST_PKI_H */
