/* SPDX-License-Identifier: MIT */
/* test_pki.c - test-time keys and certificates. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "test_pki.h"

static void make(sg_test_cred *out, const char *cn, const char *ou, bool ca, const sg_test_cred *issuer,
	sg_pki_key_type type)
{
	sg_pki_spec spec = SG_PKI_SPEC_INIT;
	spec.key_type = type;
	spec.common_name = cn;
	spec.organization = cn;
	if (ou) {
		spec.org_units[0] = ou;
		spec.n_org_units = 1;
	}
	spec.is_ca = ca;
	spec.code_signing = !ca;
	spec.issuer_key = issuer ? issuer->key : NULL;
	spec.issuer_cert = issuer ? issuer->cert : NULL;
	signet_error *err = NULL;
	if (sg_pki_make(&out->key, &out->cert, &spec, &err) != 0) {
		fprintf(stderr, "test pki: %s\n", signet_error_message(err));
		exit(99);
	}
}

void sg_test_cred_make(sg_test_cred *out, const char *cn, const char *ou, bool ca, const sg_test_cred *issuer)
{
	make(out, cn, ou, ca, issuer, SG_PKI_KEY_EC_P256);
}

void sg_test_cred_make_rsa(sg_test_cred *out, const char *cn, const char *ou, const sg_test_cred *issuer)
{
	make(out, cn, ou, false, issuer, SG_PKI_KEY_RSA_2048);
}

size_t sg_test_pubkey_offset(const uint8_t *bytes, size_t len, X509 *cert)
{
	unsigned char *spki = NULL;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &spki);
	const ASN1_BIT_STRING *bits = X509_get0_pubkey_bitstr(cert);
	const uint8_t *at = n > 0 ? memmem(bytes, len, spki, (size_t)n) : NULL;
	if (!at || !bits || ASN1_STRING_length(bits) >= n) {
		fprintf(stderr, "test pki: the certificate's public key is not in the bytes\n");
		exit(99);
	}
	/* The BIT STRING is the SubjectPublicKeyInfo's last element: its bits end it. */
	size_t offset = (size_t)(at - bytes) + (size_t)n - (size_t)ASN1_STRING_length(bits);
	OPENSSL_free(spki);
	return offset;
}
