/* SPDX-License-Identifier: MIT */
/*
 * cms_verify.c - verifying a detached CMS SignedData and its signer.
 *
 * The order is the contract (cms.h): structure, then the signature with the
 * signer's own certificate, then the chain, then usage, then team. Like
 * signify checking the key id before the crypto, each step has its own code,
 * so "forged" (fatal), "untrusted" and "wrong usage" read differently.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "cms/chain_cache.h"
#include "cms/cms.h"
#include "cms/cms_util.h"
#include "cms/timestamp.h"
#include "core/error_internal.h"

/* Everything one verification holds, released in one place. */
typedef struct verify_state {
	const char *path;
	CMS_ContentInfo *cms;
	STACK_OF(X509) *certs;   /* carried in the CMS (untrusted) */
	CMS_SignerInfo *si;      /* the one SignerInfo of cms, not owned */
	X509 *leaf;              /* one of certs, not owned */
	char *leaf_subject;
	X509_STORE_CTX *ctx;
	STACK_OF(X509) *chain;   /* verified, leaf first */
	char *team;
	time_t at;               /* the time the chain is judged at: `now`, or a trusted timestamp's */
	time_t now;              /* the verification time (now, or the caller's "at"); never moved */
	const sg_trust *trust;
	const sg_trust *tsa;     /* TSA anchors, or NULL */
	sg_ts_verdict ts;        /* the timestamp's verdict (step 2b) */
} verify_state;

static void state_free(verify_state *st)
{
	CMS_ContentInfo_free(st->cms);
	sk_X509_pop_free(st->certs, X509_free);
	free(st->leaf_subject);
	X509_STORE_CTX_free(st->ctx);
	sk_X509_pop_free(st->chain, X509_free);
	free(st->team);
	sg_ts_verdict_clear(&st->ts);
	ERR_clear_error();
}

static const char *oid_name(const ASN1_OBJECT *obj, char *buf, size_t size)
{
	/* The short name when OpenSSL knows one ("codeSigning", "SHA256"), else dotted numbers. */
	int nid = obj ? OBJ_obj2nid(obj) : NID_undef;
	const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
	if (sn)
		snprintf(buf, size, "%s", sn);
	else if (!obj || OBJ_obj2txt(buf, (int)size, obj, 1) <= 0)
		snprintf(buf, size, "(unreadable OID)");
	return buf;
}

static int malformed(verify_state *st, signet_error **err, const char *detail)
{
	/* OpenSSL's reason when it refused (a parse error); our own refusals speak for themselves. */
	bool from_openssl = ERR_peek_error() != 0;
	char reason[SG_OSSL_REASON_MAX];
	sg_ossl_reason(reason, sizeof reason);
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_MALFORMED, .path = st->path,
		.check = "cms.structure", .expected = "a detached CMS SignedData with one signer",
		.actual = detail },
		"malformed CMS signature: %s%s%s%s", detail, from_openssl ? " (OpenSSL: " : "",
		from_openssl ? reason : "", from_openssl ? ")" : "");
}

/* ---- 1. structure ---- */

/* "EC", "RSA" or "RSA-PSS" for the key algorithms Signet verifies, else NULL. */
static const char *verified_key_family(int nid)
{
	switch (nid) {
	case NID_X9_62_id_ecPublicKey: return "EC";
	case NID_rsaEncryption: return "RSA";
	case NID_rsassaPss: return "RSA-PSS";
	default: return NULL;
	}
}

/*
 * The signer's key must be EC or RSA: what OpenSSL checks in CMS and
 * docs/certificates.md promises. Malformed is not unsupported: a key that
 * says EC or RSA but does not decode (a flipped point format byte, say) is
 * a damaged certificate, refused as a malformed signature, which no policy
 * may waive; only a well-formed key of another algorithm is "unsupported".
 */
static int check_signer_key(verify_state *st, EVP_PKEY **out, signet_error **err)
{
	char buf[128], detail[700];
	EVP_PKEY *pk = X509_get0_pubkey(st->leaf);
	const char *type = NULL;
	if (pk) {
		if (EVP_PKEY_is_a(pk, "EC") || EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_is_a(pk, "RSA-PSS")) {
			*out = pk;
			return 0;
		}
		type = EVP_PKEY_get0_type_name(pk);
	} else {
		/* Undecodable: what its algorithm identifier claims decides. */
		ASN1_OBJECT *alg = NULL;
		X509_PUBKEY_get0_param(&alg, NULL, NULL, NULL, X509_get_X509_PUBKEY(st->leaf));
		const char *family = verified_key_family(alg ? OBJ_obj2nid(alg) : NID_undef);
		if (family) {
			snprintf(detail, sizeof detail, "the signer's certificate \"%s\" carries an %s "
				"public key that does not decode", st->leaf_subject, family);
			return malformed(st, err, detail); /* gives OpenSSL's reason from the queue */
		}
		type = alg ? oid_name(alg, buf, sizeof buf) : NULL;
	}
	ERR_clear_error();
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_UNSUPPORTED,
		.path = st->path, .check = "cms.algorithm", .expected = "an ECDSA or RSA key",
		.actual = type ? type : "an unknown key type" },
		"unsupported signer key %s in %s", type ? type : "(unknown type)", st->leaf_subject);
}

/* Parses `der` (all of it) and checks the envelope: SignedData of id-data,
 * detached, exactly one SignerInfo, SHA-256. */
static int parse_envelope(verify_state *st, const uint8_t *der, size_t len, signet_error **err)
{
	char buf[128], detail[256];
	const unsigned char *p = der;

	if (len == 0)
		return malformed(st, err, "empty");
	st->cms = d2i_CMS_ContentInfo(NULL, &p, (long)len); /* len <= SG_CMS_MAX_DER */
	if (!st->cms)
		return malformed(st, err, "not a DER CMS ContentInfo");
	/* Bytes after the structure are unsigned and unexplained: refuse, don't ignore. */
	if (p != der + len) {
		snprintf(detail, sizeof detail, "%zu bytes follow the CMS structure",
			(size_t)(der + len - p));
		return malformed(st, err, detail);
	}
	if (OBJ_obj2nid(CMS_get0_type(st->cms)) != NID_pkcs7_signed) {
		snprintf(detail, sizeof detail, "content type %s, not SignedData",
			oid_name(CMS_get0_type(st->cms), buf, sizeof buf));
		return malformed(st, err, detail);
	}
	const ASN1_OBJECT *ect = CMS_get0_eContentType(st->cms);
	if (!ect || OBJ_obj2nid(ect) != NID_pkcs7_data) {
		snprintf(detail, sizeof detail, "encapsulated content type %s, not id-data",
			ect ? oid_name(ect, buf, sizeof buf) : "(none)");
		return malformed(st, err, detail);
	}
	/*
	 * Detached only: content carried inside could differ from the
	 * CodeDirectory we were handed, and one of the two would go unchecked.
	 */
	if (CMS_is_detached(st->cms) != 1)
		return malformed(st, err, "the content is embedded; a Signet signature is detached");

	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(st->cms);
	int nsi = sis ? sk_CMS_SignerInfo_num(sis) : 0;
	/* Exactly one: with several, which identity is "the" signer would be a choice. */
	if (nsi != 1) {
		snprintf(detail, sizeof detail, "%d SignerInfos where exactly one is expected",
			nsi < 0 ? 0 : nsi);
		return malformed(st, err, detail);
	}
	st->si = sk_CMS_SignerInfo_value(sis, 0);
	X509_ALGOR *dig = NULL, *sig = NULL;
	CMS_SignerInfo_get0_algs(st->si, NULL, NULL, &dig, &sig);
	if (!dig || !sig)
		return malformed(st, err, "the SignerInfo lacks its algorithms");
	const ASN1_OBJECT *dig_oid = NULL;
	X509_ALGOR_get0(&dig_oid, NULL, NULL, dig);
	if (OBJ_obj2nid(dig_oid) != NID_sha256) {
		ERR_clear_error();
		oid_name(dig_oid, buf, sizeof buf);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_UNSUPPORTED,
			.path = st->path, .check = "cms.algorithm", .expected = "SHA256",
			.actual = buf }, "unsupported CMS digest algorithm %s (Signet uses SHA-256 only)", buf);
	}
	return 0;
}

/*
 * Finds the signer's certificate among st->certs and checks its key and
 * the signature algorithm, then checks the shape of `der` (the CMS as
 * parsed, carrying `ncerts` certificates) and binds the certificate to
 * the SignerInfo.
 */
static int bind_signer(verify_state *st, int ncerts, const uint8_t *der, size_t len, signet_error **err)
{
	char detail[256];
	int n = st->certs ? sk_X509_num(st->certs) : 0;
	/*
	 * The signer's certificate must travel in the CMS: the verifier never
	 * looks elsewhere for it. Two different certificates answering to the
	 * same signer identifier (issuer and serial, or key id) is a trick;
	 * refuse it rather than pick one.
	 */
	for (int i = 0; i < n; i++) {
		X509 *c = sk_X509_value(st->certs, i);
		if (CMS_SignerInfo_cert_cmp(st->si, c) != 0)
			continue;
		if (st->leaf && X509_cmp(st->leaf, c) != 0)
			return malformed(st, err, "two different certificates match the signer identifier");
		st->leaf = c;
	}
	ERR_clear_error();
	if (!st->leaf)
		return malformed(st, err, n ? "the CMS does not carry the signer's certificate"
			: "the CMS carries no certificates");
	if (!(st->leaf_subject = sg_cms_name_line(X509_get_subject_name(st->leaf))))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = st->path,
			.check = "cms.structure" }, "out of memory");

	EVP_PKEY *pk = NULL;
	int rc = check_signer_key(st, &pk, err);
	if (rc)
		return rc;

	/* What the signature does not cover must still be exactly one thing. */
	bool unsupported = false;
	if (sg_cms_check_sigalg(st->si, pk, detail, sizeof detail, &unsupported) != 0) {
		if (!unsupported)
			return malformed(st, err, detail);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_UNSUPPORTED,
			.path = st->path, .check = "cms.algorithm", .expected = "SHA-256 signatures",
			.actual = detail }, "unsupported CMS signature: %s", detail);
	}
	if (sg_cms_check_shape(st->cms, st->si, ncerts, der, len, detail, sizeof detail) != 0)
		return malformed(st, err, detail);

	CMS_SignerInfo_set1_signer_cert(st->si, st->leaf);
	return 0;
}

static int check_structure(verify_state *st, const uint8_t *der, size_t len, signet_error **err)
{
	int rc = parse_envelope(st, der, len, err);
	if (rc)
		return rc;
	st->certs = CMS_get1_certs(st->cms);
	int ncerts = st->certs ? sk_X509_num(st->certs) : 0;
	if (ncerts > SG_CMS_MAX_CERTS) {
		ERR_clear_error();
		char limit[32];
		snprintf(limit, sizeof limit, "at most %d certificates", SG_CMS_MAX_CERTS);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = st->path,
			.check = "cms.structure", .expected = limit },
			"the CMS carries %d certificates (limit %d)", ncerts, SG_CMS_MAX_CERTS);
	}
	return bind_signer(st, ncerts, der, len, err);
}

/* ---- 2. signature ---- */

static int check_signature(verify_state *st, const uint8_t *content, size_t content_len,
	signet_error **err)
{
	BIO *in = BIO_new_mem_buf(content_len ? (const void *)content : (const void *)"",
		(int)content_len); /* content_len <= INT_MAX, checked by the caller */
	if (!in) {
		ERR_clear_error();
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = st->path,
			.check = "cms.signature" }, "out of memory");
	}
	/*
	 * The signature only, with the certificate identified above: the chain
	 * is step 3 (CMS_NO_SIGNER_CERT_VERIFY), so that a forged signature is
	 * reported as forged whoever the signer claims to be. CMS_BINARY: bytes,
	 * no MIME canonicalisation. Signed attributes, when present, are checked
	 * (their signature and the message digest over the content).
	 */
	int ok = CMS_verify(st->cms, NULL, NULL, in, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY);
	BIO_free(in);
	if (ok == 1) {
		ERR_clear_error();
		return 0;
	}
	char reason[SG_OSSL_REASON_MAX];
	sg_ossl_reason(reason, sizeof reason);
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_CMS_MISMATCH, .path = st->path,
		.check = "cms.signature", .expected = "a valid signature over the CodeDirectory",
		.actual = reason },
		"bad signature: the CMS signature does not verify over the content with the "
		"signer's certificate %s (OpenSSL: %s)", st->leaf_subject, reason);
}

/* ---- 2b. timestamp ---- */

/*
 * The time rule with a timestamp (docs/certificates.md): a token from a
 * trusted TSA proves the signature existed at its genTime, so the chain is
 * judged then instead of now. A trusted genTime outside the leaf's
 * validity means the key signed while its certificate was not valid (or the
 * token was stapled to a signature it cannot belong to): refused, not
 * quietly ignored, because a verifier that ignored it would accept the same
 * signature by the current rule whenever "now" happened to fit.
 */
static int check_timestamp(verify_state *st, signet_error **err)
{
	int rc = sg_ts_verify(&st->ts, st->si, st->tsa, st->path, err);
	if (rc || st->ts.state != SG_TS_TRUSTED)
		return rc;
	time_t gen = st->ts.gen_time, nb = 0, na = 0;
	char g[32], at[32], range[80];
	sg_cms_format_time(gen, g, sizeof g);
	sg_cms_format_time(st->at, at, sizeof at);
	/* A token from after the verification time (past a TSA clock's skew): the signature cannot have existed then. */
	if (gen > st->at + SG_TS_CLOCK_SKEW)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_TIMESTAMP_INVALID, .path = st->path,
			.check = "timestamp.time", .expected = at, .actual = g },
			"invalid timestamp: its time %s is after the verification time %s", g, at);
	if (sg_cms_asn1_time(X509_get0_notBefore(st->leaf), &nb) != 0
		|| sg_cms_asn1_time(X509_get0_notAfter(st->leaf), &na) != 0 || gen < nb || gen > na) {
		char b[32] = "?", a[32] = "?";
		if (nb)
			sg_cms_format_time(nb, b, sizeof b);
		if (na)
			sg_cms_format_time(na, a, sizeof a);
		snprintf(range, sizeof range, "%s to %s", b, a);
		ERR_clear_error();
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_TIMESTAMP_INVALID, .path = st->path,
			.check = "timestamp.time", .expected = range, .actual = g },
			"invalid timestamp: it says the signature was made at %s, outside the validity of "
			"the leaf \"%s\" (%s)", g, st->leaf_subject, range);
	}
	/* Within the skew a token slightly ahead is judged at the verification time: never later than "now". */
	if (gen < st->at)
		st->at = gen;
	return 0;
}

/* ---- 3. chain ---- */

/* "the leaf "CN=..."", "certificate 1 "CN=..."", or (depth < 0) "the certificate "CN=..."". */
static void which_cert(char *buf, size_t size, int depth, X509 *cert)
{
	char *subject = cert ? sg_cms_name_line(X509_get_subject_name(cert)) : NULL;
	if (depth < 0)
		snprintf(buf, size, "the certificate \"%s\"", subject ? subject : "?");
	else if (depth == 0)
		snprintf(buf, size, "the leaf \"%s\"", subject ? subject : "?");
	else
		snprintf(buf, size, "certificate %d \"%s\"", depth, subject ? subject : "?");
	free(subject);
}

/* How many trusted anchors a refusal names before "and N more". */
#define ANCHORS_NAMED 3

/*
 * The chain does not reach an anchor. Roots often share a name (every
 * `signet ca init` root once did), so "ends at CN=X, which is not trusted"
 * can read as if the trusted root itself were refused: certificates are
 * named by subject and SHA-256 fingerprint, and so are the anchors that
 * are trusted, so that a reader sees the two differ. `top` is the last
 * certificate OpenSSL could place in the chain.
 */
static int untrusted_anchor(verify_state *st, bool self_signed_leaf, X509 *top, const char *why,
	signet_error **err)
{
	bool self_signed = top && X509_self_signed(top, 0) == 1;
	/* The root the chain claims: the top itself, or the issuer nobody could find. */
	const X509_NAME *root_name = !top ? NULL
		: self_signed ? X509_get_subject_name(top) : X509_get_issuer_name(top);
	char *root = root_name ? sg_cms_name_line(root_name) : NULL;
	char *label = top ? sg_cms_cert_label(top) : NULL;
	char *anchors = sg_trust_anchor_list(st->trust, ANCHORS_NAMED);
	bool namesake = root_name && !self_signed && sg_trust_has_subject(st->trust, root_name);
	char *where = NULL;
	int n;
	if (self_signed_leaf)
		n = asprintf(&where, "the signer's certificate %s is self-signed and is not a trusted "
			"anchor", label ? label : "?");
	else if (self_signed)
		n = asprintf(&where, "the chain ends at %s, which is not a trusted anchor",
			label ? label : "?");
	else
		n = asprintf(&where, "the chain ends at %s, whose issuer \"%s\" was not found among the "
			"trusted anchors or the certificates the signature carries%s", label ? label : "?",
			root ? root : "?", namesake ? " (a trusted anchor has that name but did not issue it)" : "");
	if (n < 0)
		where = NULL;
	ERR_clear_error();
	int rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_UNTRUSTED_ANCHOR, .path = st->path,
		.check = "x509.anchor", .expected = "a certificate chain to a trusted anchor",
		.actual = root }, "untrusted anchor: %s; the trusted anchor%s %s (OpenSSL: %s)",
		where ? where : "the chain does not end at a trusted anchor",
		sg_trust_count(st->trust) == 1 ? " is" : "s are", anchors ? anchors : "?", why);
	free(where);
	free(anchors);
	free(label);
	free(root);
	return rc;
}

static int chain_failed(verify_state *st, signet_error **err)
{
	int e = X509_STORE_CTX_get_error(st->ctx);
	int depth = X509_STORE_CTX_get_error_depth(st->ctx);
	X509 *cert = X509_STORE_CTX_get_current_cert(st->ctx);
	const char *why = X509_verify_cert_error_string(e);
	char who[600], at[32], when[32], expected[96], actual[96];
	which_cert(who, sizeof who, depth, cert);
	sg_cms_format_time(st->at, at, sizeof at);
	ERR_clear_error();

	switch (e) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID: {
		bool expired = e == X509_V_ERR_CERT_HAS_EXPIRED;
		time_t t = 0;
		const ASN1_TIME *bound = !cert ? NULL
			: expired ? X509_get0_notAfter(cert) : X509_get0_notBefore(cert);
		if (sg_cms_asn1_time(bound, &t) == 0)
			sg_cms_format_time(t, when, sizeof when);
		else
			snprintf(when, sizeof when, "(unreadable)");
		snprintf(expected, sizeof expected, "a certificate valid at %s (verification time)", at);
		snprintf(actual, sizeof actual, "%s %s", expired ? "notAfter" : "notBefore", when);
		return sg_fail(err, &(sg_error_info){
			.code = expired ? SIGNET_E_CERT_EXPIRED : SIGNET_E_CERT_NOT_YET_VALID,
			.path = st->path, .check = "x509.time", .expected = expected, .actual = actual },
			"%s: %s is valid %s %s; verification time %s (OpenSSL: %s)",
			expired ? "certificate expired" : "certificate not yet valid", who,
			expired ? "until" : "from", when, at, why);
	}
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED:
		return untrusted_anchor(st, e == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, cert, why, err);
	case X509_V_ERR_INVALID_CA:
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_CERT_CHAIN, .path = st->path,
			.check = "x509.chain", .expected = "every issuer a CA (basicConstraints CA:TRUE)",
			.actual = who }, "invalid certificate chain: %s is not a CA but issued "
			"another certificate of the chain (OpenSSL: %s)", who, why);
	default:
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_CERT_CHAIN, .path = st->path,
			.check = "x509.chain", .actual = why },
			"invalid certificate chain at %s: %s", who, why);
	}
}

static int check_chain(verify_state *st, const sg_trust *trust, signet_error **err)
{
	st->ctx = X509_STORE_CTX_new();
	if (!st->ctx || X509_STORE_CTX_init(st->ctx, sg_trust_store(trust), st->leaf, st->certs) != 1) {
		ERR_clear_error();
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = st->path,
			.check = "x509.chain" }, "out of memory");
	}
	/* This context's parameters only: the shared store is never changed. */
	X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(st->ctx);
	/* The time rule (docs/certificates.md): now, or the time the caller chose. */
	X509_VERIFY_PARAM_set_time(param, st->at);
	X509_VERIFY_PARAM_set_depth(param, SG_CMS_MAX_CHAIN_DEPTH);
	/*
	 * Security level 2 (112 bits): no RSA under 2048 bits, no SHA-1 or MD5
	 * certificate signatures anywhere in the chain. OpenSSL's rule, not ours.
	 */
	X509_VERIFY_PARAM_set_auth_level(param, 2);
	/*
	 * RFC 5280 strictness: critical basicConstraints on CAs, key identifiers,
	 * no explicit EC parameters, ... A code-signing PKI has no legacy
	 * certificates to be lenient with.
	 */
	X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
	/*
	 * No X509_V_FLAG_PARTIAL_CHAIN: an anchor is a self-signed root, so a
	 * stray intermediate in the trust directory does not become a root.
	 */
	X509_VERIFY_PARAM_clear_flags(param, X509_V_FLAG_PARTIAL_CHAIN);

	if (X509_verify_cert(st->ctx) != 1)
		return chain_failed(st, err);
	st->chain = X509_STORE_CTX_get1_chain(st->ctx);
	ERR_clear_error();
	if (!st->chain || sk_X509_num(st->chain) < 1)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = st->path,
			.check = "x509.chain" }, "out of memory");
	/*
	 * Every certificate carried must be one of the chain just verified (an
	 * embedded root must be the anchor itself): an unused certificate is
	 * unchecked cargo whose bytes could change without anyone noticing.
	 */
	int ncerts = sk_X509_num(st->certs), nchain = sk_X509_num(st->chain);
	for (int i = 0; i < ncerts; i++) {
		X509 *c = sk_X509_value(st->certs, i);
		bool used = false;
		for (int j = 0; j < nchain && !used; j++)
			used = X509_cmp(c, sk_X509_value(st->chain, j)) == 0;
		if (!used) {
			char who[600], detail[700];
			which_cert(who, sizeof who, -1, c);
			snprintf(detail, sizeof detail, "it carries %s, which is not part of the "
				"signer's verified chain", who);
			return malformed(st, err, detail);
		}
	}
	return 0;
}

/*
 * The chain, and when a timestamp was present but its TSA is not trusted,
 * the current rule with a reason that says so: a refusal on time names the
 * timestamp that could not help, so nobody wonders why it was ignored.
 */
static int chain_with_timestamp(verify_state *st, const sg_trust *trust, signet_error **err)
{
	if (st->ts.state != SG_TS_UNTRUSTED)
		return check_chain(st, trust, err);
	signet_error *chain_err = NULL;
	int rc = check_chain(st, trust, &chain_err);
	if (rc != SIGNET_E_CERT_EXPIRED && rc != SIGNET_E_CERT_NOT_YET_VALID) {
		if (err)
			*err = chain_err;
		else
			signet_error_free(chain_err);
		return rc;
	}
	/* The chain's message without its "PATH: " (the new error names the path itself). */
	const char *msg = signet_error_message(chain_err);
	size_t plen = st->path ? strlen(st->path) : 0;
	if (plen && strncmp(msg, st->path, plen) == 0 && strncmp(msg + plen, ": ", 2) == 0)
		msg += plen + 2;
	rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_TIMESTAMP_INVALID, .path = st->path,
		.check = "timestamp.tsa", .expected = "a timestamp from a trusted TSA",
		.actual = "an untrusted TSA" }, "%s, and the signature's timestamp cannot stand in "
		"for it: %s", msg, st->ts.why);
	signet_error_free(chain_err);
	return rc;
}

/* ---- 4. usage ---- */

/* The EKU purposes a certificate lists, as text ("serverAuth, clientAuth"). */
static void list_ekus(X509 *cert, char *buf, size_t size)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(cert, NID_ext_key_usage, NULL, NULL);
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku) && used + 1 < size; i++) {
		char name[80];
		oid_name(sk_ASN1_OBJECT_value(eku, i), name, sizeof name);
		int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", name);
		if (n < 0)
			break;
		used += (size_t)n < size - used ? (size_t)n : size - used - 1;
	}
	if (!buf[0])
		snprintf(buf, size, "none");
	EXTENDED_KEY_USAGE_free(eku);
	ERR_clear_error();
}

static int check_usage(verify_state *st, signet_error **err)
{
	X509 *leaf = sk_X509_value(st->chain, 0);
	uint32_t flags = X509_get_extension_flags(leaf);
	char have[256], who[600];
	/*
	 * A CA's key issues certificates; a key that signs code must not also
	 * be one, or whoever holds it could mint more signers. With no purpose
	 * set, OpenSSL's chain check does not judge the leaf's role, so it is
	 * judged here, as a chain error: a certificate in the wrong place.
	 */
	if (flags & EXFLAG_CA)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_CERT_CHAIN, .path = st->path,
			.check = "x509.leaf_ca", .expected = "basicConstraints CA:FALSE or none",
			.actual = "CA:TRUE" }, "the leaf \"%s\" is a CA (basicConstraints CA:TRUE); "
			"a code-signing leaf must not be one", st->leaf_subject);
	/*
	 * An explicit codeSigning purpose. A leaf without any EKU extension is
	 * "any purpose" under RFC 5280, and anyExtendedKeyUsage says the same:
	 * both are refused, so a TLS or mail certificate from the same CA can
	 * never sign code.
	 */
	if (!(flags & EXFLAG_XKUSAGE) || !(X509_get_extended_key_usage(leaf) & XKU_CODE_SIGN)) {
		list_ekus(leaf, have, sizeof have);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_CERT_NO_CODESIGN_EKU,
			.path = st->path, .check = "x509.eku", .expected = "codeSigning",
			.actual = have }, "the leaf \"%s\" lacks the code-signing extended key usage "
			"(it lists: %s)", st->leaf_subject, have);
	}
	/*
	 * keyUsage must be there and allow what a signature is. Without the
	 * extension RFC 5280 means "any usage": refused like a missing EKU (and
	 * like OpenSSL 3.4's code-signing purpose), so that a key certified for
	 * nothing in particular does not sign code.
	 */
	if (!(flags & EXFLAG_KUSAGE))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_CERT_NO_CODESIGN_EKU,
			.path = st->path, .check = "x509.key_usage", .expected = "digitalSignature",
			.actual = "no keyUsage extension" }, "the leaf \"%s\" has no keyUsage extension; "
			"a code-signing leaf needs one with digitalSignature", st->leaf_subject);
	if (!(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_CERT_NO_CODESIGN_EKU,
			.path = st->path, .check = "x509.key_usage", .expected = "digitalSignature" },
			"the leaf \"%s\" has a key usage without digitalSignature", st->leaf_subject);
	/*
	 * An intermediate that restricts its EKU (say, to serverAuth) does not
	 * delegate code signing, as browsers and Windows read it; the anchor is
	 * configuration and is not judged here.
	 */
	int n = sk_X509_num(st->chain);
	for (int i = 1; i < n - 1; i++) {
		X509 *c = sk_X509_value(st->chain, i);
		if (!(X509_get_extension_flags(c) & EXFLAG_XKUSAGE))
			continue;
		if (X509_get_extended_key_usage(c) & (XKU_CODE_SIGN | XKU_ANYEKU))
			continue;
		list_ekus(c, have, sizeof have);
		which_cert(who, sizeof who, i, c);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_CERT_NO_CODESIGN_EKU,
			.path = st->path, .check = "x509.eku", .expected = "codeSigning or no EKU",
			.actual = have }, "%s restricts its extended key usage to %s, without "
			"code-signing", who, have);
	}
	ERR_clear_error();
	return 0;
}

/* ---- 5. team ---- */

int sg_certificate_team(X509 *cert, char **team, int *ou_count)
{
	int count = 0;
	char *ou = NULL;
	*team = NULL;
	if (sg_cms_name_single(X509_get_subject_name(cert), NID_organizationalUnitName, &ou, &count) != 0)
		return SIGNET_E_NOMEM;
	if (ou_count)
		*ou_count = count;
	if (ou && sg_team_id_valid(ou))
		*team = ou;
	else
		free(ou);
	return 0;
}

static int check_team(verify_state *st, bool allow_no_team, signet_error **err)
{
	X509 *leaf = sk_X509_value(st->chain, 0);
	int count = 0;
	if (sg_certificate_team(leaf, &st->team, &count) != 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = st->path,
			.check = "x509.team" }, "out of memory");
	if (st->team)
		return 0;
	/* Allowed: an identity without a team (requirements see team NULL). */
	if (allow_no_team)
		return 0;
	char actual[64];
	if (count == 1) {
		snprintf(actual, sizeof actual, "an OU that is not a team ID");
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_CERT_NO_TEAM, .path = st->path,
			.check = "x509.team", .expected = "one subject OU holding a team ID",
			.actual = actual }, "no team: the leaf \"%s\" has an OU that is not a valid "
			"team ID (1-%d characters of A-Z a-z 0-9 . _ -, the first a letter or digit)",
			st->leaf_subject, SG_TEAM_ID_MAX);
	}
	snprintf(actual, sizeof actual, "%d OUs", count);
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_CERT_NO_TEAM, .path = st->path,
		.check = "x509.team", .expected = "exactly one subject OU (the team ID)",
		.actual = actual }, "no team: the leaf \"%s\" has %d OUs; the team is its single "
		"subject OU", st->leaf_subject, count);
}

/* Hands the verified signer to `out`; 0 or SIGNET_E_NOMEM. */
static int describe_signer(verify_state *st, sg_signer *out, signet_error **err)
{
	/*
	 * verified_at is the verification time, not the timestamp's: what is
	 * judged "now" after verification (a revocation list's or CRL's
	 * expiry) must not move back to when the code was signed.
	 */
	if (sg_cms_signer_fill(out, st->chain, st->team, st->now) != 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = st->path,
			.check = "cms.verify" }, "out of memory describing the signer");
	st->chain = NULL; /* now the signer's */
	st->team = NULL;
	if (st->ts.state == SG_TS_TRUSTED) {
		out->timestamp = st->ts.gen_time;
		out->timestamp_tsa = st->ts.tsa;
		st->ts.tsa = NULL;
	}
	return 0;
}

/*
 * The same verification with the chain verdict from the cache
 * (chain_cache.h): the CMS without its certificate set (`rest`) is parsed
 * and checked as the full path checks the whole, the signer is found among
 * the cached certificates (the very bytes this CMS carries), and its
 * signature over `content` is verified; the chain OpenSSL built and
 * verified for these certificates and anchors, at a time inside their
 * common validity, is reused; usage and team are judged again. Errors are
 * not reported from here: any failure sends the caller down the full path,
 * whose refusal is the one a user sees.
 */
static int verify_cached(verify_state *st, STACK_OF(X509) *carried, STACK_OF(X509) *chain,
	const sg_signer *described, const uint8_t *rest, size_t rest_len, const uint8_t *content,
	size_t content_len, bool allow_no_team, sg_signer *out)
{
	st->certs = carried;
	st->chain = chain;
	int rc = parse_envelope(st, rest, rest_len, NULL);
	if (!rc)
		rc = bind_signer(st, 0, rest, rest_len, NULL);
	/* A timestamp to judge moves the time: the full path does that. */
	if (!rc && st->tsa && CMS_unsigned_get_attr_count(st->si) > 0)
		rc = SIGNET_E_TIMESTAMP_INVALID;
	/* The signer a SignerInfo names must be the leaf the chain was built for. */
	if (!rc && X509_cmp(st->leaf, sk_X509_value(st->chain, 0)) != 0)
		rc = SIGNET_E_SIGNATURE_MALFORMED;
	if (!rc)
		rc = check_signature(st, content, content_len, NULL);
	if (!rc)
		rc = check_usage(st, NULL);
	if (!rc)
		rc = check_team(st, allow_no_team, NULL);
	/* Described from this chain when it was cached: copied, not derived again. */
	if (!rc && sg_cms_signer_copy(out, described, st->chain, st->team, st->now) != 0)
		rc = SIGNET_E_NOMEM;
	if (!rc) {
		st->chain = NULL; /* now the signer's */
		st->team = NULL;
	}
	return rc;
}

int sg_cms_verify(sg_signer *out, const uint8_t *cms_der, size_t cms_len,
	const uint8_t *content, size_t content_len, const sg_trust *trust,
	const sg_verify_options *opts, const char *path_for_errors, signet_error **err)
{
	const sg_trust *tsa = opts ? opts->tsa : NULL;
	verify_state st = { .path = path_for_errors, .trust = trust, .tsa = tsa };
	if (!out || (!cms_der && cms_len) || (!content && content_len) || !trust)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT,
			.path = path_for_errors, .check = "cms.verify" },
			"sg_cms_verify: missing output, signature, content or trust anchors");
	if (cms_len > SG_CMS_MAX_DER)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path_for_errors,
			.check = "cms.structure" }, "CMS signature too large (%zu bytes, limit %d)",
			cms_len, SG_CMS_MAX_DER);
	if (content_len > INT_MAX)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path_for_errors,
			.check = "cms.signature" }, "signed content too large (%zu bytes)", content_len);

	/*
	 * Never the signing-time attribute: it is written by the signer, so a
	 * stolen expired key could claim any date. See "The time rule".
	 */
	st.at = st.now = opts && opts->at ? opts->at : time(NULL);
	bool allow_no_team = opts && opts->allow_no_team;
	ERR_clear_error();

	/* The certificate set apart: the cache's key, and a parse without it on a hit. */
	const uint8_t *certs_der = NULL;
	size_t certs_len = 0, rest_len = 0;
	uint8_t *rest = NULL, key[SG_CHAIN_CACHE_KEY_SIZE];
	bool keyed = sg_cms_split_certs(cms_der, cms_len, &certs_der, &certs_len, &rest, &rest_len) == 0
		&& sg_chain_cache_key(key, sg_trust_digest(trust), certs_der, certs_len) == 0;
	STACK_OF(X509) *carried = NULL, *chain = NULL;
	sg_signer described;
	memset(&described, 0, sizeof described);
	if (keyed && sg_chain_cache_get(key, st.at, &carried, &chain, &described)) {
		int fast = verify_cached(&st, carried, chain, &described, rest, rest_len, content, content_len,
			allow_no_team, out);
		sg_signer_clear(&described);
		state_free(&st);
		if (fast == 0) {
			free(rest);
			sg_chain_cache_count(true);
			return 0;
		}
		st = (verify_state){ .path = path_for_errors, .trust = trust, .tsa = tsa, .at = st.at, .now = st.now };
	}
	free(rest);

	int rc = check_structure(&st, cms_der, cms_len, err);
	if (!rc)
		rc = check_signature(&st, content, content_len, err);
	if (!rc)
		rc = check_timestamp(&st, err);
	if (!rc) {
		sg_chain_cache_count(false);
		rc = chain_with_timestamp(&st, trust, err);
	}
	if (!rc)
		rc = check_usage(&st, err);
	if (!rc)
		rc = check_team(&st, allow_no_team, err);
	if (!rc && keyed)
		sg_chain_cache_put(key, st.certs, st.chain);
	if (!rc)
		rc = describe_signer(&st, out, err);
	state_free(&st);
	return rc;
}
