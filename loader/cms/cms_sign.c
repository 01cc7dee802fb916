/* SPDX-License-Identifier: MIT */
/* cms_sign.c - making the detached CMS SignedData over a CodeDirectory. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/core_names.h>
#include <openssl/err.h>

#include "cms/cms.h"
#include "cms/cms_util.h"
#include "core/error_internal.h"

/* ECDSA P-256 or RSA >= 2048: what docs/certificates.md promises verifiers accept. */
static int check_key(EVP_PKEY *key, signet_error **err)
{
	if (EVP_PKEY_is_a(key, "EC")) {
		char group[64] = "";
		size_t len = 0;
		if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
			sizeof group, &len) != 1)
			group[0] = '\0';
		ERR_clear_error();
		if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0)
			return 0;
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_UNSUPPORTED,
			.check = "cms.key", .expected = "ECDSA on P-256, or RSA of 2048 bits or more",
			.actual = group[0] ? group : "an EC key on an unnamed curve" },
			"unsupported signing key: EC curve %s", group[0] ? group : "(unnamed)");
	}
	if (EVP_PKEY_is_a(key, "RSA")) {
		int bits = EVP_PKEY_get_bits(key);
		if (bits >= 2048)
			return 0;
		char actual[32];
		snprintf(actual, sizeof actual, "RSA-%d", bits);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_UNSUPPORTED,
			.check = "cms.key", .expected = "RSA of 2048 bits or more", .actual = actual },
			"unsupported signing key: RSA of %d bits is too short", bits);
	}
	/* Ed25519 among others: OpenSSL 3.0 cannot make CMS signatures with it. */
	const char *type = EVP_PKEY_get0_type_name(key);
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_UNSUPPORTED,
		.check = "cms.key", .expected = "ECDSA on P-256, or RSA of 2048 bits or more",
		.actual = type ? type : "unknown" },
		"unsupported signing key type %s", type ? type : "(unknown)");
}

static int openssl_failed(signet_error **err, const char *what)
{
	char reason[SG_OSSL_REASON_MAX];
	sg_ossl_reason(reason, sizeof reason);
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INTERNAL, .check = "cms.sign",
		.actual = reason }, "CMS signing failed: %s (%s)", what, reason);
}

/*
 * The SignedData over `content`, signed: everything sg_cms_sign() makes
 * and sg_cms_sign_bound() measures. *out is the caller's.
 */
static int build(CMS_ContentInfo **out, const uint8_t *content, size_t content_len, EVP_PKEY *key,
	X509 *leaf, STACK_OF(X509) *chain, signet_error **err)
{
	if (!key || !leaf || (!content && content_len))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT,
			.check = "cms.sign" }, "sg_cms_sign: missing key, certificate, content or output");
	/* BIO_new_mem_buf takes an int length. */
	if (content_len > INT_MAX)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .check = "cms.sign" },
			"content too large to sign (%zu bytes)", content_len);
	int nchain = chain ? sk_X509_num(chain) : 0;
	if (nchain < 0 || nchain >= SG_CMS_MAX_CERTS)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .check = "cms.sign" },
			"too many chain certificates (%d; at most %d besides the leaf)",
			nchain, SG_CMS_MAX_CERTS - 1);

	ERR_clear_error();
	int rc = check_key(key, err);
	if (rc)
		return rc;
	/* Refuse early and clearly rather than let OpenSSL say "private key does not match". */
	if (X509_check_private_key(leaf, key) != 1) {
		ERR_clear_error();
		char *subject = sg_cms_name_line(X509_get_subject_name(leaf));
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT,
			.check = "cms.sign", .actual = subject },
			"the private key does not belong to the certificate %s", subject ? subject : "");
		free(subject);
		return rc;
	}

	/*
	 * CMS_BINARY: the content is bytes, never MIME text (no CRLF rewriting).
	 * CMS_DETACHED: the CodeDirectory travels beside the CMS, not inside.
	 * CMS_NOSMIMECAP: S/MIME capabilities mean nothing to a code signature.
	 * CMS_PARTIAL: add the signer and certificates ourselves, then finalise.
	 * OpenSSL adds content-type, message-digest and signing-time signed
	 * attributes; the verifier never trusts the signing time.
	 */
	const unsigned int flags = CMS_BINARY | CMS_DETACHED | CMS_NOSMIMECAP | CMS_PARTIAL;
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	BIO *in = NULL;
	if (!cms) {
		rc = openssl_failed(err, "cannot create SignedData");
		goto out;
	}
	if (!CMS_add1_signer(cms, leaf, key, EVP_sha256(), flags)) {
		rc = openssl_failed(err, "cannot add the signer");
		goto out;
	}
	for (int i = 0; i < nchain; i++) {
		X509 *c = sk_X509_value(chain, i);
		/* OpenSSL refuses a certificate twice; a chain file that repeats the leaf is common. */
		if (!c || X509_cmp(c, leaf) == 0)
			continue;
		bool dup = false;
		for (int j = 0; j < i; j++)
			dup = dup || X509_cmp(c, sk_X509_value(chain, j)) == 0;
		if (!dup && !CMS_add1_cert(cms, c)) {
			rc = openssl_failed(err, "cannot add a chain certificate");
			goto out;
		}
	}
	in = BIO_new_mem_buf(content_len ? (const void *)content : (const void *)"", (int)content_len);
	if (!in || !CMS_final(cms, in, NULL, flags)) {
		rc = openssl_failed(err, "cannot sign the content");
		goto out;
	}
	*out = cms;
	cms = NULL;
out:
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	return rc;
}

/* The DER length of `cms`, or an error. */
static int encoded_length(CMS_ContentInfo *cms, size_t *len, signet_error **err)
{
	int n = i2d_CMS_ContentInfo(cms, NULL);
	if (n <= 0)
		return openssl_failed(err, "cannot encode the SignedData");
	*len = (size_t)n;
	return 0;
}

int sg_cms_sign(uint8_t **der_out, size_t *der_len, const uint8_t *content, size_t content_len,
	EVP_PKEY *key, X509 *leaf, STACK_OF(X509) *chain, signet_error **err)
{
	if (!der_out || !der_len)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT,
			.check = "cms.sign" }, "sg_cms_sign: missing key, certificate, content or output");
	CMS_ContentInfo *cms = NULL;
	uint8_t *der = NULL;
	size_t len = 0;
	int rc = build(&cms, content, content_len, key, leaf, chain, err);
	if (!rc)
		rc = encoded_length(cms, &len, err);
	if (!rc && !(der = malloc(len)))
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .check = "cms.sign" },
			"out of memory encoding the CMS");
	if (!rc) {
		unsigned char *p = der;
		if (i2d_CMS_ContentInfo(cms, &p) != (int)len) {
			rc = openssl_failed(err, "CMS encoding changed length");
			free(der);
		} else {
			*der_out = der;
			*der_len = len;
		}
	}
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return rc;
}

int sg_cms_sign_bound(size_t *bound, EVP_PKEY *key, X509 *leaf, STACK_OF(X509) *chain,
	signet_error **err)
{
	if (!bound)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT,
			.check = "cms.sign" }, "sg_cms_sign_bound: missing output");
	/*
	 * A trial signature says how long this run's signature is, not how long
	 * the next one will be (ECDSA's DER varies by a few bytes). So sign once
	 * (the content does not matter: a detached SignedData holds its SHA-256),
	 * then put the longest signature this key can make in place of the real
	 * one: EVP_PKEY_get_size() is the longest DER ECDSA signature, or the
	 * RSA modulus. Every other field has one length for given key and
	 * certificates (the signing time's too, until 2050: see cms.h), so the
	 * encoding's length is a bound that does not vary.
	 */
	CMS_ContentInfo *cms = NULL;
	uint8_t *filler = NULL;
	int rc = build(&cms, NULL, 0, key, leaf, chain, err);
	if (rc)
		goto out;
	int max = EVP_PKEY_get_size(key);
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	ASN1_OCTET_STRING *sig = sis && sk_CMS_SignerInfo_num(sis) == 1
		? CMS_SignerInfo_get0_signature(sk_CMS_SignerInfo_value(sis, 0)) : NULL;
	if (max <= 0 || !sig) {
		rc = openssl_failed(err, "cannot find the signature to measure");
		goto out;
	}
	if (!(filler = calloc(1, (size_t)max))) {
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .check = "cms.sign" },
			"out of memory measuring the CMS");
		goto out;
	}
	if (!ASN1_STRING_set(sig, filler, max)) {
		rc = openssl_failed(err, "cannot measure the signature");
		goto out;
	}
	rc = encoded_length(cms, bound, err);
out:
	free(filler);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return rc;
}
