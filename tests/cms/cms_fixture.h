/* SPDX-License-Identifier: MIT */
/*
 * cms_fixture.h - keys, certificates, trust stores and CMS blobs made at test
 * time with signing/pki.c and OpenSSL (nothing is committed), for tests/cms/.
 */
#ifndef SIGNET_TESTS_CMS_FIXTURE_H
#define SIGNET_TESTS_CMS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cms/cms.h"
#include "pki.h"

#define DAY (24L * 3600)
#define TEAM "ABCDE12345"

/* A key and its certificate. */
typedef struct fx_cert {
	EVP_PKEY *key;
	X509 *cert;
} fx_cert;

void fx_free(fx_cert *c);

/* Makes a key and certificate from `spec` (asserts success). */
fx_cert fx_make(const sg_pki_spec *spec);

/* A self-signed root CA named `cn`, valid from 60 days ago for ten years. */
fx_cert fx_root(const char *cn);

/* A code-signing leaf with OU=TEAM issued by `issuer`, valid now. */
fx_cert fx_leaf(const fx_cert *issuer, const char *cn);

/* The same, RSA-2048. */
fx_cert fx_leaf_rsa(const fx_cert *issuer, const char *cn);

/* A CA issued by `issuer` (an intermediate). */
fx_cert fx_intermediate(const fx_cert *issuer, const char *cn);

/* Writes `cert` as PEM to DIR/NAME; returns the path (static ring of buffers). */
const char *fx_write_cert(const char *dir, const char *name, X509 *cert);
const char *fx_write_key(const char *dir, const char *name, EVP_PKEY *key);
const char *fx_write_bytes(const char *dir, const char *name, const void *data, size_t len);

/* A trust store holding exactly `root` (asserts success). */
sg_trust *fx_trust(X509 *root);

/* A fake CodeDirectory of FX_CONTENT_LEN bytes. */
#define FX_CONTENT_LEN 300
extern uint8_t fx_content[FX_CONTENT_LEN];

/* Fills fx_content; call once from main(). */
void fx_init(void);

/* sg_cms_sign over fx_content with `signer` and `chain` (NULL-terminated, may be NULL). */
uint8_t *fx_sign(size_t *len, const fx_cert *signer, X509 *const *chain);

/* How to build a CMS that sg_cms_sign would not make. */
typedef struct fx_cms_opts {
	const EVP_MD *md;        /* NULL: SHA-256 */
	bool embed;              /* content inside, not detached */
	bool no_signer_cert;     /* leave the signer's certificate out */
	X509 *extra[4];          /* other certificates to carry */
	const fx_cert *second;   /* a second SignerInfo */
	time_t signing_time;     /* signingTime attribute; 0: OpenSSL's (now) */
	bool use_keyid;          /* signer identified by subject key id (version 3) */
	bool unsigned_attr;      /* add an unsigned attribute */
	X509_CRL *crl;           /* carry this CRL */
	bool ber;                /* streamed, indefinite-length BER instead of DER */
} fx_cms_opts;
uint8_t *fx_build_cms(size_t *len, const fx_cert *signer, const fx_cms_opts *o);

/* An empty CRL issued by `ca` (asserts success). */
X509_CRL *fx_crl(const fx_cert *ca);

/* Runs argv (argv[0] looked up in PATH) with output to DIR/log; returns its exit status or -1. */
int fx_run(const char *dir, const char *const argv[]);

/* Reads a whole file (asserts success); free() the result. */
uint8_t *fx_read(const char *path, size_t *len);

#endif /* SIGNET_TESTS_CMS_FIXTURE_H */
