/* SPDX-License-Identifier: MIT */
/*
 * test_timestamp.c - RFC 3161 timestamps in the CMS (cms/timestamp.h) and
 * the time rule with them (sg_cms_verify). Tokens come from OpenSSL's own
 * TSA (TS_RESP_CTX) in process, with its clock set per test through the
 * time callback, so every genTime is exact and nothing sleeps.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include "cms/chain_cache.h"
#include "cms/timestamp.h"
#include "cms_fixture.h"
#include "harness.h"

/* ---- a TSA ---- */

static fx_cert code_leaf(const fx_cert *issuer, long not_before, long not_after)
{
	sg_pki_spec s = SG_PKI_SPEC_INIT;
	s.common_name = "Example Team";
	s.org_units[0] = TEAM;
	s.n_org_units = 1;
	s.code_signing = true;
	s.not_before = not_before;
	s.not_after = not_after;
	s.issuer_key = issuer->key;
	s.issuer_cert = issuer->cert;
	return fx_make(&s);
}

static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL_FATAL(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

/*
 * A TSA certificate issued by `root`, with `eku` ("critical,timeStamping"
 * for a real one), serial `serial`, the key of `same_key` (NULL: a new one).
 */
static fx_cert tsa_cert_of(const fx_cert *root, const char *eku, long serial, const fx_cert *same_key)
{
	fx_cert c = { NULL, X509_new() };
	if (same_key && EVP_PKEY_up_ref(same_key->key) == 1)
		c.key = same_key->key;
	else if (!same_key)
		c.key = EVP_EC_gen("P-256");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.key);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.cert);
	X509_set_version(c.cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c.cert), serial);
	X509_gmtime_adj(X509_getm_notBefore(c.cert), -50 * DAY);
	X509_gmtime_adj(X509_getm_notAfter(c.cert), 3000 * DAY);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(c.cert), "CN", MBSTRING_ASC,
		(const unsigned char *)"Test TSA", -1, -1, 0);
	X509_set_issuer_name(c.cert, X509_get_subject_name(root->cert));
	X509_set_pubkey(c.cert, c.key);
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, root->cert, c.cert, NULL, NULL, 0);
	add_ext(c.cert, &ctx, NID_basic_constraints, "critical,CA:FALSE");
	add_ext(c.cert, &ctx, NID_key_usage, "critical,digitalSignature");
	add_ext(c.cert, &ctx, NID_ext_key_usage, eku);
	add_ext(c.cert, &ctx, NID_subject_key_identifier, "hash");
	add_ext(c.cert, &ctx, NID_authority_key_identifier, "keyid");
	CU_ASSERT_FATAL(X509_sign(c.cert, root->key, EVP_sha256()) > 0);
	return c;
}

static fx_cert tsa_cert(const fx_cert *root, const char *eku)
{
	static long serial = 1000;
	return tsa_cert_of(root, eku, serial++, NULL);
}

/* `der`, a token, with its one certificate replaced by `cert`. */
static uint8_t *swap_cert(uint8_t *der, size_t *len, X509 *cert)
{
	const unsigned char *p = der;
	PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)*len);
	CU_ASSERT_FATAL(p7 && PKCS7_type_is_signed(p7) && sk_X509_num(p7->d.sign->cert) == 1);
	X509_free(sk_X509_value(p7->d.sign->cert, 0));
	CU_ASSERT_FATAL(X509_up_ref(cert) == 1);
	sk_X509_set(p7->d.sign->cert, 0, cert);
	unsigned char *out = NULL;
	int n = i2d_PKCS7(p7, &out);
	CU_ASSERT_FATAL(n > 0);
	free(der);
	der = malloc((size_t)n);
	memcpy(der, out, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(out);
	PKCS7_free(p7);
	return der;
}

typedef struct tsa {
	const fx_cert *cert;
	time_t now;            /* the TSA's clock (also read through a non-const copy by the callback) */
	bool other_bytes;      /* stamp other bytes than the imprint asked for */
	bool garbage;          /* hand back bytes that are no token */
	X509 *swap;            /* put this certificate in the token in place of the TSA's */
	size_t oversize;       /* hand back a token padded to this many bytes */
	bool unsigned_attr;    /* add an unsigned attribute to the TSA's SignerInfo */
	int calls;
} tsa;

static int tsa_time(TS_RESP_CTX *ctx, void *data, long *sec, long *usec)
{
	(void)ctx;
	*sec = (long)*(const time_t *)data;
	*usec = 0;
	return 1;
}

/* A token over `digest` from OpenSSL's TSA with t->cert, at t->now. */
static uint8_t *make_token(const tsa *t, const uint8_t digest[32], size_t *len)
{
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	unsigned char d[32];
	memcpy(d, digest, sizeof d);
	CU_ASSERT_FATAL(req && mi && alg);
	X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL);
	TS_MSG_IMPRINT_set_algo(mi, alg);
	TS_MSG_IMPRINT_set_msg(mi, d, 32);
	TS_REQ_set_version(req, 1);
	TS_REQ_set_msg_imprint(req, mi);
	TS_REQ_set_cert_req(req, 1);
	TS_MSG_IMPRINT_free(mi); /* the request holds copies */
	X509_ALGOR_free(alg);
	BIO *q = BIO_new(BIO_s_mem());
	CU_ASSERT_FATAL(q && i2d_TS_REQ_bio(q, req) == 1);

	TS_RESP_CTX *ctx = TS_RESP_CTX_new();
	ASN1_OBJECT *policy = OBJ_txt2obj("1.2.3.4.1", 1);
	CU_ASSERT_FATAL(ctx && policy);
	CU_ASSERT_FATAL(TS_RESP_CTX_set_signer_cert(ctx, t->cert->cert) == 1);
	CU_ASSERT_FATAL(TS_RESP_CTX_set_signer_key(ctx, t->cert->key) == 1);
	CU_ASSERT_FATAL(TS_RESP_CTX_set_def_policy(ctx, policy) == 1);
	CU_ASSERT_FATAL(TS_RESP_CTX_add_md(ctx, EVP_sha256()) == 1);
	CU_ASSERT_FATAL(TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256()) == 1);
	time_t clock = t->now;
	TS_RESP_CTX_set_time_cb(ctx, tsa_time, &clock);
	TS_RESP *resp = TS_RESP_create_response(ctx, q);
	CU_ASSERT_PTR_NOT_NULL_FATAL(resp);
	CU_ASSERT_EQUAL_FATAL(ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp))), 0);
	unsigned char *der = NULL;
	int n = i2d_PKCS7(TS_RESP_get_token(resp), &der);
	CU_ASSERT_FATAL(n > 0);
	uint8_t *out = malloc((size_t)n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	memcpy(out, der, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(der);
	TS_RESP_free(resp);
	ASN1_OBJECT_free(policy);
	TS_RESP_CTX_free(ctx);
	BIO_free(q);
	TS_REQ_free(req);
	ERR_clear_error();
	return out;
}

/* An sg_ts_fetch_fn with ctx = tsa *. */
static int fetch(void *ctx, const uint8_t imprint[32], uint8_t **token, size_t *len, signet_error **err)
{
	(void)err;
	tsa *t = ctx;
	t->calls++;
	if (t->garbage) {
		static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
		*token = malloc(sizeof junk);
		memcpy(*token, junk, sizeof junk);
		*len = sizeof junk;
		return 0;
	}
	uint8_t other[32];
	if (t->other_bytes)
		SHA256((const unsigned char *)"another signature", 17, other);
	*token = make_token(t, t->other_bytes ? other : imprint, len);
	if (t->swap)
		*token = swap_cert(*token, len, t->swap);
	if (t->unsigned_attr) {
		const unsigned char *p = *token;
		PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)*len);
		PKCS7_SIGNER_INFO *si = p7 ? sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(p7), 0) : NULL;
		ASN1_IA5STRING *cargo = ASN1_IA5STRING_new();
		CU_ASSERT_FATAL(si && cargo && ASN1_STRING_set(cargo, "cargo", 5));
		CU_ASSERT_FATAL(PKCS7_add_attribute(si, NID_pkcs9_emailAddress, V_ASN1_IA5STRING, cargo) == 1);
		unsigned char *der = NULL;
		int n = i2d_PKCS7(p7, &der);
		CU_ASSERT_FATAL(n > 0);
		free(*token);
		*token = malloc((size_t)n);
		memcpy(*token, der, (size_t)n);
		*len = (size_t)n;
		OPENSSL_free(der);
		PKCS7_free(p7);
	}
	if (t->oversize) {
		uint8_t *big = calloc(1, t->oversize);
		memcpy(big, *token, *len);
		free(*token);
		*token = big;
		*len = t->oversize;
	}
	return 0;
}

/* fx_sign, then a timestamp from `t`. */
static uint8_t *sign_stamped(size_t *len, const fx_cert *leaf, tsa *t)
{
	uint8_t *der = fx_sign(len, leaf, NULL);
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_cms_add_timestamp(&der, len, fetch, t, &err), &err);
	return der;
}

static int verify_at(const uint8_t *der, size_t len, const sg_trust *anchors, const sg_trust *tsa_anchors,
	time_t at, sg_signer *keep, signet_error **err)
{
	sg_verify_options o = { .at = at, .tsa = tsa_anchors };
	sg_signer s;
	memset(&s, 0, sizeof s);
	int rc = sg_cms_verify(&s, der, len, fx_content, sizeof fx_content, anchors, &o, "plugin.so", err);
	if (rc == 0 && keep)
		*keep = s;
	else if (rc == 0)
		sg_signer_clear(&s);
	return rc;
}

/* The PKI every test uses: a code-signing root, a TSA root, its TSA; another TSA root. */
typedef struct world {
	fx_cert root, tsa_root, tsa, other_root;
	sg_trust *anchors, *tsa_anchors, *other_tsa_anchors;
} world;

static void world_make(world *w)
{
	w->root = fx_root("Test Root");
	w->tsa_root = fx_root("TSA Root");
	w->tsa = tsa_cert(&w->tsa_root, "critical,timeStamping");
	w->other_root = fx_root("Other TSA Root");
	w->anchors = fx_trust(w->root.cert);
	w->tsa_anchors = fx_trust(w->tsa_root.cert);
	w->other_tsa_anchors = fx_trust(w->other_root.cert);
	sg_chain_cache_flush();
}

static void world_free(world *w)
{
	sg_trust_free(w->anchors);
	sg_trust_free(w->tsa_anchors);
	sg_trust_free(w->other_tsa_anchors);
	fx_free(&w->root);
	fx_free(&w->tsa_root);
	fx_free(&w->tsa);
	fx_free(&w->other_root);
}

/* ---- the time rule ---- */

static void test_a_trusted_timestamp_keeps_an_expired_leaf_valid(void)
{
	world w;
	world_make(&w);
	time_t now = time(NULL);
	fx_cert leaf = code_leaf(&w.root, -30 * DAY, -DAY);
	tsa t = { .cert = &w.tsa, .now = now - 10 * DAY };
	size_t len;
	uint8_t *der = sign_stamped(&len, &leaf, &t);
	CU_ASSERT_EQUAL(t.calls, 1);
	signet_error *err = NULL;

	/* Without TSA anchors the current rule stands. */
	SG_ASSERT_FAILS(verify_at(der, len, w.anchors, NULL, 0, NULL, &err), &err, SIGNET_E_CERT_EXPIRED,
		"certificate expired");
	/* With them, the chain is judged at genTime, and the signer says so. */
	sg_signer s;
	SG_ASSERT_OK(verify_at(der, len, w.anchors, w.tsa_anchors, now, &s, &err), &err);
	CU_ASSERT_EQUAL(s.timestamp, now - 10 * DAY);
	/*
	 * verified_at stays the verification time: what is judged "now" after
	 * verification (a revocation list's expiry) must not move back to the
	 * signing time, or a stale list would pass for every stamped image.
	 */
	CU_ASSERT_EQUAL(s.verified_at, now);
	CU_ASSERT_STRING_EQUAL(s.timestamp_tsa, "CN=Test TSA");
	sg_signer_clear(&s);
	/* Again (the chain cache must not skip the timestamp). */
	SG_ASSERT_OK(verify_at(der, len, w.anchors, w.tsa_anchors, 0, &s, &err), &err);
	CU_ASSERT_EQUAL(s.timestamp, now - 10 * DAY);
	sg_signer_clear(&s);
	free(der);
	fx_free(&leaf);
	world_free(&w);
}

static void test_a_valid_leaf_with_a_timestamp_reports_it(void)
{
	world w;
	world_make(&w);
	time_t now = time(NULL);
	fx_cert leaf = code_leaf(&w.root, -30 * DAY, 30 * DAY);
	tsa t = { .cert = &w.tsa, .now = now - DAY };
	size_t len;
	uint8_t *der = sign_stamped(&len, &leaf, &t);
	signet_error *err = NULL;
	sg_signer s;
	/* Twice without TSA anchors (the second from the chain cache): accepted, no timestamp. */
	for (int i = 0; i < 2; i++) {
		SG_ASSERT_OK(verify_at(der, len, w.anchors, NULL, 0, &s, &err), &err);
		CU_ASSERT_EQUAL(s.timestamp, 0);
		CU_ASSERT_PTR_NULL(s.timestamp_tsa);
		sg_signer_clear(&s);
	}
	/* With them, after that cache hit: the full path judges the timestamp. */
	SG_ASSERT_OK(verify_at(der, len, w.anchors, w.tsa_anchors, 0, &s, &err), &err);
	CU_ASSERT_EQUAL(s.timestamp, now - DAY);
	sg_signer_clear(&s);
	free(der);
	fx_free(&leaf);
	world_free(&w);
}

static void test_a_token_over_other_bytes_is_refused(void)
{
	world w;
	world_make(&w);
	fx_cert leaf = code_leaf(&w.root, -30 * DAY, 30 * DAY);
	tsa t = { .cert = &w.tsa, .now = time(NULL) - DAY, .other_bytes = true };
	size_t len;
	uint8_t *der = sign_stamped(&len, &leaf, &t);
	signet_error *err = NULL;
	int rc = verify_at(der, len, w.anchors, w.tsa_anchors, 0, NULL, &err);
	CU_ASSERT_EQUAL(rc, SIGNET_E_TIMESTAMP_INVALID);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "timestamp.imprint");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_TIMESTAMP_INVALID, "the token is over other bytes than this signature");
	free(der);
	fx_free(&leaf);
	world_free(&w);
}

static void test_an_untrusted_tsa_leaves_the_current_rule(void)
{
	world w;
	world_make(&w);
	time_t now = time(NULL);
	fx_cert valid = code_leaf(&w.root, -30 * DAY, 30 * DAY);
	fx_cert expired = code_leaf(&w.root, -30 * DAY, -DAY);
	tsa t = { .cert = &w.tsa, .now = now - 10 * DAY };
	size_t len1, len2;
	uint8_t *der1 = sign_stamped(&len1, &valid, &t);
	uint8_t *der2 = sign_stamped(&len2, &expired, &t);
	signet_error *err = NULL;
	sg_signer s;
	/* Valid now: accepted by the current rule, no timestamp claimed. */
	SG_ASSERT_OK(verify_at(der1, len1, w.anchors, w.other_tsa_anchors, 0, &s, &err), &err);
	CU_ASSERT_EQUAL(s.timestamp, 0);
	sg_signer_clear(&s);
	/* Expired now: refused, saying why the timestamp could not help. */
	int rc = verify_at(der2, len2, w.anchors, w.other_tsa_anchors, 0, NULL, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "timestamp.tsa");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_TIMESTAMP_INVALID,
		"cannot stand in for it: its TSA does not chain to a trusted TSA anchor");
	/* The code-signing anchors are no TSA anchors. */
	rc = verify_at(der2, len2, w.anchors, w.anchors, 0, NULL, &err);
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_TIMESTAMP_INVALID, "its TSA does not chain");
	free(der1);
	free(der2);
	fx_free(&valid);
	fx_free(&expired);
	world_free(&w);
}

/*
 * OpenSSL's own TSA will not sign with a certificate lacking the usage, so
 * the token is made by the real TSA certificate and then carries, in its
 * place, one of the same issuer, serial and key without the critical
 * timeStamping EKU: the signature holds, the chain holds, the purpose not.
 */
static void test_a_tsa_without_the_timestamping_usage_is_not_trusted(void)
{
	world w;
	world_make(&w);
	fx_cert leaf = code_leaf(&w.root, -30 * DAY, -DAY);
	fx_cert real = tsa_cert_of(&w.tsa_root, "critical,timeStamping", 77, NULL);
	fx_cert not_tsa = tsa_cert_of(&w.tsa_root, "codeSigning", 77, &real);
	fx_cert not_critical = tsa_cert_of(&w.tsa_root, "timeStamping", 77, &real);
	const fx_cert *bad[] = { &not_tsa, &not_critical };
	for (size_t i = 0; i < 2; i++) {
		tsa t = { .cert = &real, .now = time(NULL) - 10 * DAY, .swap = bad[i]->cert };
		size_t len;
		uint8_t *der = sign_stamped(&len, &leaf, &t);
		signet_error *err = NULL;
		int rc = verify_at(der, len, w.anchors, w.tsa_anchors, 0, NULL, &err);
		CU_ASSERT_STRING_EQUAL(signet_error_check(err), "timestamp.tsa");
		SG_ASSERT_FAILS(rc, &err, SIGNET_E_TIMESTAMP_INVALID, "unsuitable certificate purpose");
		free(der);
	}
	/* A certificate of another key in its place: the token's own signature breaks. */
	tsa t = { .cert = &real, .now = time(NULL) - 10 * DAY, .swap = w.tsa.cert };
	size_t len;
	uint8_t *der = sign_stamped(&len, &leaf, &t);
	signet_error *err = NULL;
	int rc = verify_at(der, len, w.anchors, w.tsa_anchors, 0, NULL, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "timestamp.signature");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_TIMESTAMP_INVALID, "the token's own signature does not verify");
	free(der);
	fx_free(&real);
	fx_free(&not_tsa);
	fx_free(&not_critical);
	fx_free(&leaf);
	world_free(&w);
}

static void test_a_time_outside_the_leaf_validity_is_refused(void)
{
	world w;
	world_make(&w);
	time_t now = time(NULL);
	fx_cert leaf = code_leaf(&w.root, -30 * DAY, -DAY);
	signet_error *err = NULL;
	/* Before notBefore (40 days ago), after notAfter (yesterday noon... half a day ago). */
	time_t times[] = { now - 40 * DAY, now - DAY / 2 };
	for (size_t i = 0; i < 2; i++) {
		tsa t = { .cert = &w.tsa, .now = times[i] };
		size_t len;
		uint8_t *der = sign_stamped(&len, &leaf, &t);
		int rc = verify_at(der, len, w.anchors, w.tsa_anchors, 0, NULL, &err);
		CU_ASSERT_STRING_EQUAL(signet_error_check(err), "timestamp.time");
		SG_ASSERT_FAILS(rc, &err, SIGNET_E_TIMESTAMP_INVALID, "outside the validity of the leaf");
		free(der);
	}
	/* A token from after the verification time. */
	fx_cert valid = code_leaf(&w.root, -30 * DAY, 30 * DAY);
	tsa t = { .cert = &w.tsa, .now = now - DAY };
	size_t len;
	uint8_t *der = sign_stamped(&len, &valid, &t);
	int rc = verify_at(der, len, w.anchors, w.tsa_anchors, now - 2 * DAY, NULL, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "timestamp.time");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_TIMESTAMP_INVALID, "is after the verification time");
	free(der);
	/* A TSA clock up to SG_TS_CLOCK_SKEW ahead: accepted, the chain judged at the verification time. */
	for (long ahead = 1; ahead <= SG_TS_CLOCK_SKEW + 1; ahead += SG_TS_CLOCK_SKEW) {
		tsa fast = { .cert = &w.tsa, .now = now - DAY + ahead };
		der = sign_stamped(&len, &valid, &fast);
		sg_signer s;
		rc = verify_at(der, len, w.anchors, w.tsa_anchors, now - DAY, &s, &err);
		if (ahead <= SG_TS_CLOCK_SKEW) {
			SG_ASSERT_OK(rc, &err);
			CU_ASSERT_EQUAL(s.timestamp, now - DAY + ahead);
			CU_ASSERT_EQUAL(s.verified_at, now - DAY);
			sg_signer_clear(&s);
		} else {
			SG_ASSERT_FAILS(rc, &err, SIGNET_E_TIMESTAMP_INVALID, "is after the verification time");
		}
		free(der);
	}
	fx_free(&valid);
	fx_free(&leaf);
	world_free(&w);
}

/* ---- the attribute's shape ---- */

/* `der` with one more unsigned attribute (re-encoded). */
static uint8_t *add_attr(uint8_t *der, size_t *len, int nid, int type, const void *value, int vlen)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)*len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cms);
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	CU_ASSERT_EQUAL_FATAL(CMS_unsigned_add1_attr_by_NID(si, nid, type, value, vlen), 1);
	unsigned char *out = NULL;
	int n = i2d_CMS_ContentInfo(cms, &out);
	CU_ASSERT_FATAL(n > 0);
	free(der);
	der = malloc((size_t)n);
	memcpy(der, out, (size_t)n);
	*len = (size_t)n;
	OPENSSL_free(out);
	CMS_ContentInfo_free(cms);
	return der;
}

static void test_only_one_well_formed_timestamp_attribute_is_allowed(void)
{
	world w;
	world_make(&w);
	fx_cert leaf = code_leaf(&w.root, -30 * DAY, 30 * DAY);
	tsa t = { .cert = &w.tsa, .now = time(NULL) - DAY };
	signet_error *err = NULL;
	size_t len;

	/* A second attribute next to the timestamp. */
	uint8_t *der = sign_stamped(&len, &leaf, &t);
	static const unsigned char note[] = "cargo";
	der = add_attr(der, &len, NID_pkcs9_unstructuredName, V_ASN1_UTF8STRING, note, 5);
	SG_ASSERT_FAILS(verify_at(der, len, w.anchors, NULL, 0, NULL, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"carries 2 unsigned attributes; at most one (a timestamp) is allowed");
	free(der);

	/* A timestamp attribute whose value is no token: refused with or without TSA anchors. */
	der = fx_sign(&len, &leaf, NULL);
	static const unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01, 0x05 };
	der = add_attr(der, &len, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE, junk, sizeof junk);
	SG_ASSERT_FAILS(verify_at(der, len, w.anchors, NULL, 0, NULL, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"the timestamp token is not a DER CMS ContentInfo");
	SG_ASSERT_FAILS(verify_at(der, len, w.anchors, w.tsa_anchors, 0, NULL, &err), &err,
		SIGNET_E_SIGNATURE_MALFORMED, "the timestamp token is not a DER CMS ContentInfo");
	free(der);

	/*
	 * A truncated token: the first 150 bytes of its content under a
	 * SEQUENCE header that fits them (bytes cut short inside a well-formed
	 * CMS; a token cut short with its own header makes the whole CMS
	 * undecodable, refused before any attribute is looked at).
	 */
	uint8_t imprint[32] = { 0 };
	size_t tok_len;
	uint8_t *tok = make_token(&t, imprint, &tok_len);
	CU_ASSERT_FATAL(tok_len > 200 && tok[0] == 0x30 && tok[1] == 0x82);
	uint8_t cut[153] = { 0x30, 0x81, 150 };
	memcpy(cut + 3, tok + 4, 150);
	der = fx_sign(&len, &leaf, NULL);
	der = add_attr(der, &len, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE, cut, sizeof cut);
	SG_ASSERT_FAILS(verify_at(der, len, w.anchors, w.tsa_anchors, 0, NULL, &err), &err,
		SIGNET_E_SIGNATURE_MALFORMED, "the timestamp token is not a DER CMS ContentInfo (truncated");
	free(der);
	free(tok);

	/* The timestamp attribute with a value of another type. */
	der = fx_sign(&len, &leaf, NULL);
	der = add_attr(der, &len, NID_id_smime_aa_timeStampToken, V_ASN1_OCTET_STRING, note, 5);
	SG_ASSERT_FAILS(verify_at(der, len, w.anchors, NULL, 0, NULL, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"the timestamp attribute's value is not a SEQUENCE");
	free(der);
	fx_free(&leaf);
	world_free(&w);
}

/* ---- signing ---- */

static void test_stapling_checks_the_token(void)
{
	world w;
	world_make(&w);
	fx_cert leaf = code_leaf(&w.root, -30 * DAY, 30 * DAY);
	signet_error *err = NULL;
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	size_t before = len;
	tsa garbage = { .cert = &w.tsa, .now = time(NULL), .garbage = true };
	SG_ASSERT_FAILS(sg_cms_add_timestamp(&der, &len, fetch, &garbage, &err), &err, SIGNET_E_TIMESTAMP_INVALID,
		"unusable timestamp token: the timestamp token is not a DER CMS ContentInfo");
	tsa big = { .cert = &w.tsa, .now = time(NULL), .oversize = SG_TS_TOKEN_MAX + 1 };
	SG_ASSERT_FAILS(sg_cms_add_timestamp(&der, &len, fetch, &big, &err), &err, SIGNET_E_TIMESTAMP_INVALID,
		"is 4001 bytes (at most 4000)");
	tsa cargo = { .cert = &w.tsa, .now = time(NULL), .unsigned_attr = true };
	SG_ASSERT_FAILS(sg_cms_add_timestamp(&der, &len, fetch, &cargo, &err), &err, SIGNET_E_TIMESTAMP_INVALID,
		"unusable timestamp token: the timestamp token carries unsigned attributes");
	CU_ASSERT_EQUAL(len, before);
	/* The reservation holds the largest token with its attribute. */
	tsa good = { .cert = &w.tsa, .now = time(NULL) };
	SG_ASSERT_OK(sg_cms_add_timestamp(&der, &len, fetch, &good, &err), &err);
	CU_ASSERT(len > before && len - before <= SG_TS_RESERVE - (SG_TS_TOKEN_MAX - 1500));
	CU_ASSERT(SG_TS_RESERVE - SG_TS_TOKEN_MAX >= 32);
	free(der);
	fx_free(&leaf);
	world_free(&w);
}

static const sg_test timestamp_tests[] = {
	{ "a_trusted_timestamp_keeps_an_expired_leaf_valid", test_a_trusted_timestamp_keeps_an_expired_leaf_valid },
	{ "a_valid_leaf_with_a_timestamp_reports_it", test_a_valid_leaf_with_a_timestamp_reports_it },
	{ "a_token_over_other_bytes_is_refused", test_a_token_over_other_bytes_is_refused },
	{ "an_untrusted_tsa_leaves_the_current_rule", test_an_untrusted_tsa_leaves_the_current_rule },
	{ "a_tsa_without_the_timestamping_usage_is_not_trusted",
		test_a_tsa_without_the_timestamping_usage_is_not_trusted },
	{ "a_time_outside_the_leaf_validity_is_refused", test_a_time_outside_the_leaf_validity_is_refused },
	{ "only_one_well_formed_timestamp_attribute_is_allowed",
		test_only_one_well_formed_timestamp_attribute_is_allowed },
	{ "stapling_checks_the_token", test_stapling_checks_the_token },
	{ NULL, NULL },
};

int main(void)
{
	fx_init();
	static const sg_suite suites[] = {
		{ "cms.timestamp", timestamp_tests },
		{ NULL, NULL },
	};
	return sg_test_main(suites);
}
