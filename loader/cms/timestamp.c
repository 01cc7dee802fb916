/* SPDX-License-Identifier: MIT */
/* timestamp.c - RFC 3161 timestamps in a Signet signature (timestamp.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/sha.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "cms/cms_util.h"
#include "cms/timestamp.h"
#include "core/error_internal.h"

#define FAIL(...) do { snprintf(detail, size, __VA_ARGS__); ERR_clear_error(); return -1; } while (0)

/* A parsed token: the PKCS7 and its TSTInfo, both owned. */
typedef struct token {
	PKCS7 *p7;
	TS_TST_INFO *info;
} token;

static void token_free(token *t)
{
	PKCS7_free(t->p7);
	TS_TST_INFO_free(t->info);
	*t = (token){ 0 };
}

static int parse_token(token *t, const uint8_t *der, size_t len, char *detail, size_t size)
{
	*t = (token){ 0 };
	if (len == 0 || len > SG_TS_TOKEN_MAX)
		FAIL("the timestamp token is %zu bytes (at most %d)", len, SG_TS_TOKEN_MAX);
	const unsigned char *p = der;
	t->p7 = d2i_PKCS7(NULL, &p, (long)len);
	if (!t->p7 || p != der + len) {
		token_free(t);
		FAIL("the timestamp token is not a DER CMS ContentInfo (truncated or damaged)");
	}
	/*
	 * Canonical DER, like the signature around it: the token's envelope
	 * (its certificate set, its unsigned attributes) is not covered by the
	 * TSA's signature, so any other encoding would be malleable cargo.
	 */
	unsigned char *re = NULL;
	int relen = i2d_PKCS7(t->p7, &re);
	bool same = relen > 0 && (size_t)relen == len && memcmp(re, der, len) == 0;
	OPENSSL_free(re);
	if (!same) {
		token_free(t);
		FAIL("the timestamp token is not in canonical DER");
	}
	/* SignedData of id-ct-TSTInfo, one signer (RFC 3161 2.4.2). */
	if (!PKCS7_type_is_signed(t->p7) || !(t->info = PKCS7_to_TS_TST_INFO(t->p7))) {
		token_free(t);
		FAIL("the timestamp token is not a SignedData over a TSTInfo");
	}
	/*
	 * One signer, and nothing unsigned on it: the TSA's signature does not
	 * cover its unsigned attributes, so they would be cargo anyone could
	 * add to a genuine token.
	 */
	STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_get_signer_info(t->p7);
	if (sk_PKCS7_SIGNER_INFO_num(sis) != 1) {
		token_free(t);
		FAIL("the timestamp token does not have exactly one signer");
	}
	if (sk_X509_ATTRIBUTE_num(sk_PKCS7_SIGNER_INFO_value(sis, 0)->unauth_attr) > 0) {
		token_free(t);
		FAIL("the timestamp token carries unsigned attributes");
	}
	ERR_clear_error();
	return 0;
}

int sg_ts_check_token(const uint8_t *der, size_t len, char *detail, size_t size)
{
	token t;
	if (parse_token(&t, der, len, detail, size) != 0)
		return -1;
	token_free(&t);
	return 0;
}

/* The token's DER in `si`'s one attribute, or NULL (with `detail`). */
static const ASN1_STRING *attribute_token(CMS_SignerInfo *si, char *detail, size_t size)
{
	int n = CMS_unsigned_get_attr_count(si);
	if (n != 1) {
		snprintf(detail, size, "the SignerInfo carries %d unsigned attributes; at most one "
			"(a timestamp) is allowed", n);
		return NULL;
	}
	X509_ATTRIBUTE *attr = CMS_unsigned_get_attr(si, 0);
	const ASN1_OBJECT *obj = attr ? X509_ATTRIBUTE_get0_object(attr) : NULL;
	if (!obj || OBJ_obj2nid(obj) != NID_id_smime_aa_timeStampToken) {
		char name[80] = "(unreadable)";
		if (obj)
			OBJ_obj2txt(name, sizeof name, obj, 1);
		snprintf(detail, size, "the SignerInfo carries the unsigned attribute %s; only a "
			"timestamp (1.2.840.113549.1.9.16.2.14) is allowed", name);
		return NULL;
	}
	if (X509_ATTRIBUTE_count(attr) != 1) {
		snprintf(detail, size, "the timestamp attribute holds %d values where one is expected",
			X509_ATTRIBUTE_count(attr));
		return NULL;
	}
	ASN1_TYPE *value = X509_ATTRIBUTE_get0_type(attr, 0);
	if (!value || value->type != V_ASN1_SEQUENCE || !value->value.sequence) {
		snprintf(detail, size, "the timestamp attribute's value is not a SEQUENCE (a CMS ContentInfo)");
		return NULL;
	}
	return value->value.sequence;
}

int sg_ts_check_attributes(CMS_SignerInfo *si, char *detail, size_t size)
{
	if (CMS_unsigned_get_attr_count(si) <= 0) {
		ERR_clear_error();
		return 0;
	}
	const ASN1_STRING *der = attribute_token(si, detail, size);
	if (!der) {
		ERR_clear_error();
		return -1;
	}
	/* A SEQUENCE in an ASN1_TYPE holds its whole encoding, header included. */
	return sg_ts_check_token(ASN1_STRING_get0_data(der), (size_t)ASN1_STRING_length(der), detail, size);
}

void sg_ts_verdict_clear(sg_ts_verdict *v)
{
	if (!v)
		return;
	free(v->tsa);
	memset(v, 0, sizeof *v);
}

static int ts_fail(signet_error **err, const char *path, const char *check, const char *expected,
	const char *actual, const char *what)
{
	ERR_clear_error();
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_TIMESTAMP_INVALID, .path = path,
		.check = check, .expected = expected, .actual = actual }, "invalid timestamp: %s", what);
}

/* SHA-256 of the SignerInfo's signature value: what the token must be over. */
static int signature_imprint(CMS_SignerInfo *si, uint8_t out[32])
{
	ASN1_OCTET_STRING *sig = CMS_SignerInfo_get0_signature(si);
	if (!sig)
		return -1;
	SHA256(ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig), out);
	return 0;
}

static int check_imprint(const token *t, CMS_SignerInfo *si, const char *path, signet_error **err)
{
	uint8_t want[32];
	TS_MSG_IMPRINT *mi = TS_TST_INFO_get_msg_imprint(t->info);
	X509_ALGOR *alg = mi ? TS_MSG_IMPRINT_get_algo(mi) : NULL;
	ASN1_OCTET_STRING *got = mi ? TS_MSG_IMPRINT_get_msg(mi) : NULL;
	const ASN1_OBJECT *oid = NULL;
	if (alg)
		X509_ALGOR_get0(&oid, NULL, NULL, alg);
	if (!oid || OBJ_obj2nid(oid) != NID_sha256 || !got)
		return ts_fail(err, path, "timestamp.imprint", "a SHA-256 message imprint", "another algorithm",
			"the token's message imprint is not SHA-256");
	if (signature_imprint(si, want) != 0)
		return ts_fail(err, path, "timestamp.structure", NULL, NULL, "the signature value is missing");
	/*
	 * Over this signature's value, nothing else: a genuine token lifted from
	 * another signature would lend it a time it never had (a replay), so it
	 * is refused, not ignored.
	 */
	if (ASN1_STRING_length(got) != 32 || memcmp(ASN1_STRING_get0_data(got), want, 32) != 0)
		return ts_fail(err, path, "timestamp.imprint", "SHA-256 of this signature's value",
			"the digest of other bytes", "the token is over other bytes than this signature "
			"(a timestamp from another signature)");
	return 0;
}

/* A fresh store of the TSA anchors, checking at `when` (the shared store is never changed). */
static X509_STORE *store_at(const sg_trust *tsa, time_t when)
{
	X509_STORE *store = X509_STORE_new();
	STACK_OF(X509) *all = store ? X509_STORE_get1_all_certs(sg_trust_store(tsa)) : NULL;
	bool ok = all != NULL;
	for (int i = 0; ok && i < sk_X509_num(all); i++)
		ok = X509_STORE_add_cert(store, sk_X509_value(all, i)) == 1;
	sk_X509_pop_free(all, X509_free);
	X509_VERIFY_PARAM *param = store ? X509_STORE_get0_param(store) : NULL;
	if (!ok || !param) {
		X509_STORE_free(store);
		return NULL;
	}
	/* The TSA's certificate must have been valid when it stamped, not now. */
	X509_VERIFY_PARAM_set_time(param, when);
	X509_VERIFY_PARAM_set_depth(param, SG_CMS_MAX_CHAIN_DEPTH);
	X509_VERIFY_PARAM_set_auth_level(param, 2);
	X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
	return store;
}

/*
 * True when OpenSSL's queue says the TSA's chain (not its signature)
 * failed: TS_RESP_verify_signature() raises TS_R_CERTIFICATE_VERIFY_ERROR
 * last and returns, so the newest entry tells.
 */
static bool chain_error_queued(void)
{
	unsigned long e = ERR_peek_last_error();
	return ERR_GET_LIB(e) == ERR_LIB_TS && ERR_GET_REASON(e) == TS_R_CERTIFICATE_VERIFY_ERROR;
}

int sg_ts_verify(sg_ts_verdict *v, CMS_SignerInfo *si, const sg_trust *tsa, const char *path,
	signet_error **err)
{
	char detail[256];
	memset(v, 0, sizeof *v);
	if (!tsa || CMS_unsigned_get_attr_count(si) <= 0) {
		ERR_clear_error();
		return 0;
	}
	const ASN1_STRING *der = attribute_token(si, detail, sizeof detail);
	token t;
	if (!der || parse_token(&t, ASN1_STRING_get0_data(der), (size_t)ASN1_STRING_length(der),
		detail, sizeof detail) != 0)
		return ts_fail(err, path, "timestamp.structure", "an RFC 3161 TimeStampToken", detail, detail);
	int rc = check_imprint(&t, si, path, err);
	time_t gen = 0;
	if (!rc && (TS_TST_INFO_get_version(t.info) != 1
		|| sg_cms_asn1_time(TS_TST_INFO_get_time(t.info), &gen) != 0))
		rc = ts_fail(err, path, "timestamp.structure", "TSTInfo version 1 with a genTime", NULL,
			"the token's TSTInfo has another version or an unreadable genTime");
	X509_STORE *store = NULL;
	X509 *signer = NULL;
	if (!rc && !(store = store_at(tsa, gen))) {
		ERR_clear_error();
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = path,
			.check = "timestamp.tsa" }, "out of memory");
	}
	if (!rc) {
		ERR_clear_error();
		/*
		 * OpenSSL's TS verification: the token's signature with the
		 * certificate its ESS signingCertificate names, and that certificate
		 * chained to a TSA anchor with the timestamp-sign purpose (the
		 * critical timeStamping EKU, alone), at genTime (the store's time).
		 */
		if (TS_RESP_verify_signature(t.p7, NULL, store, &signer) != 1) {
			bool chain = chain_error_queued();
			char reason[SG_OSSL_REASON_MAX];
			sg_ossl_reason(reason, sizeof reason);
			if (chain) {
				v->state = SG_TS_UNTRUSTED;
				snprintf(v->why, sizeof v->why, "its TSA does not chain to a trusted TSA "
					"anchor with the timeStamping usage at its time (OpenSSL: %s)", reason);
			} else {
				rc = ts_fail(err, path, "timestamp.signature", "a valid TSA signature", reason,
					"the token's own signature does not verify");
			}
		} else {
			v->state = SG_TS_TRUSTED;
			v->gen_time = gen;
			if (!(v->tsa = sg_cms_name_line(X509_get_subject_name(signer))))
				rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = path,
					.check = "timestamp.tsa" }, "out of memory");
		}
	}
	X509_free(signer);
	X509_STORE_free(store);
	token_free(&t);
	if (rc)
		sg_ts_verdict_clear(v);
	ERR_clear_error();
	return rc;
}

int sg_ts_peek(const uint8_t *cms, size_t len, time_t *gen, char **tsa)
{
	char detail[256];
	const unsigned char *p = cms;
	CMS_ContentInfo *ci = len ? d2i_CMS_ContentInfo(NULL, &p, (long)len) : NULL;
	STACK_OF(CMS_SignerInfo) *sis = ci ? CMS_get0_SignerInfos(ci) : NULL;
	CMS_SignerInfo *si = sis && sk_CMS_SignerInfo_num(sis) == 1 ? sk_CMS_SignerInfo_value(sis, 0) : NULL;
	const ASN1_STRING *der = si && CMS_unsigned_get_attr_count(si) > 0
		? attribute_token(si, detail, sizeof detail) : NULL;
	token t = { 0 };
	int found = der && parse_token(&t, ASN1_STRING_get0_data(der), (size_t)ASN1_STRING_length(der),
		detail, sizeof detail) == 0 && sg_cms_asn1_time(TS_TST_INFO_get_time(t.info), gen) == 0;
	*tsa = NULL;
	if (found) {
		STACK_OF(X509) *signers = PKCS7_get0_signers(t.p7, NULL, 0);
		if (signers && sk_X509_num(signers) == 1)
			*tsa = sg_cms_name_line(X509_get_subject_name(sk_X509_value(signers, 0)));
		sk_X509_free(signers);
	}
	token_free(&t);
	CMS_ContentInfo_free(ci);
	ERR_clear_error();
	return found;
}

int sg_cms_add_timestamp(uint8_t **der, size_t *len, sg_ts_fetch_fn fetch, void *ctx, signet_error **err)
{
	char detail[256];
	const unsigned char *p = *der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)*len);
	STACK_OF(CMS_SignerInfo) *sis = cms ? CMS_get0_SignerInfos(cms) : NULL;
	CMS_SignerInfo *si = sis && sk_CMS_SignerInfo_num(sis) == 1 ? sk_CMS_SignerInfo_value(sis, 0) : NULL;
	uint8_t imprint[32], *tok = NULL, *out = NULL;
	size_t tok_len = 0;
	int rc = 0;
	if (!si || signature_imprint(si, imprint) != 0) {
		char reason[SG_OSSL_REASON_MAX];
		sg_ossl_reason(reason, sizeof reason);
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INTERNAL, .check = "timestamp.sign",
			.actual = reason }, "cannot read back the signature to timestamp (%s)", reason);
	}
	if (!rc)
		rc = fetch(ctx, imprint, &tok, &tok_len, err);
	if (!rc && sg_ts_check_token(tok, tok_len, detail, sizeof detail) != 0)
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_TIMESTAMP_INVALID,
			.check = "timestamp.structure", .expected = "an RFC 3161 TimeStampToken",
			.actual = detail }, "unusable timestamp token: %s", detail);
	/* The token's whole encoding is the value: an ASN1_TYPE SEQUENCE holds it verbatim. */
	if (!rc && CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE,
		tok, (int)tok_len) != 1) {
		char reason[SG_OSSL_REASON_MAX];
		sg_ossl_reason(reason, sizeof reason);
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INTERNAL, .check = "timestamp.sign",
			.actual = reason }, "cannot add the timestamp attribute (%s)", reason);
	}
	int n = rc ? 0 : i2d_CMS_ContentInfo(cms, &out);
	if (!rc && n <= 0) {
		char reason[SG_OSSL_REASON_MAX];
		sg_ossl_reason(reason, sizeof reason);
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INTERNAL, .check = "timestamp.sign",
			.actual = reason }, "cannot encode the timestamped CMS (%s)", reason);
	}
	if (!rc) {
		uint8_t *copy = malloc((size_t)n);
		if (!copy)
			rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .check = "timestamp.sign" },
				"out of memory");
		else {
			memcpy(copy, out, (size_t)n);
			free(*der);
			*der = copy;
			*len = (size_t)n;
		}
	}
	OPENSSL_free(out);
	free(tok);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return rc;
}
