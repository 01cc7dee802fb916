/* SPDX-License-Identifier: MIT */
/*
 * cms_shape.c - the parts of a CMS SignedData that its signature does not
 * cover, pinned down so that no byte of the blob can change unnoticed.
 *
 * A CMS signature covers the signed attributes (and through them the
 * content), not the envelope around them: the versions, the digest
 * algorithm set, the signatureAlgorithm identifier, unsigned attributes,
 * CRLs and the certificate set are outside it, and OpenSSL tolerates odd
 * values there. Left alone, those bytes are malleable: the same signature in
 * many encodings, or unsigned data riding along in a "valid" blob. So the
 * DER must be canonical (OpenSSL re-encodes it to the same bytes), and the
 * fields OpenSSL does not expose are read with its own DER header parser
 * (ASN1_get_object) and must hold the one value RFC 5652 allows.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "cms/cms_util.h"
#include "cms/timestamp.h"

/* A window of DER: the bytes left to read. */
typedef struct der {
	const unsigned char *p;
	long left;
} der;

/*
 * Reads one element's header with OpenSSL's parser and steps over the
 * element. Definite lengths only (DER). *inner is the content, *start the
 * element itself (header included) and *total its size.
 */
static int der_next(der *d, int *tag, int *cls, int *cons, der *inner,
	const unsigned char **start, long *total)
{
	if (d->left <= 0)
		return -1;
	const unsigned char *q = d->p;
	long clen = 0;
	int t = 0, c = 0;
	int r = ASN1_get_object(&q, &clen, &t, &c, d->left);
	if (r & 0x80) /* header malformed or content past the window */
		return -1;
	if (r & 0x01) /* indefinite length: BER, not DER */
		return -1;
	long hl = (long)(q - d->p);
	if (clen < 0 || hl <= 0 || clen > d->left - hl)
		return -1;
	*tag = t;
	*cls = c;
	*cons = (r & V_ASN1_CONSTRUCTED) != 0;
	if (inner)
		*inner = (der){ q, clen };
	if (start)
		*start = d->p;
	if (total)
		*total = hl + clen;
	d->p = q + clen;
	d->left -= hl + clen;
	return 0;
}

static int der_expect(der *d, int want_tag, int want_cls, int want_cons, der *inner)
{
	int tag, cls, cons;
	if (der_next(d, &tag, &cls, &cons, inner, NULL, NULL) != 0)
		return -1;
	return (tag == want_tag && cls == want_cls && cons == want_cons) ? 0 : -1;
}

/* The next element's tag and class, without consuming it; -1 at the end. */
static int der_peek(const der *d, int *tag, int *cls)
{
	der copy = *d;
	int cons;
	return der_next(&copy, tag, cls, &cons, NULL, NULL, NULL);
}

/* A small INTEGER (a version): exactly one content byte. */
static int der_small_int(der *d, int *value)
{
	der x;
	if (der_expect(d, V_ASN1_INTEGER, V_ASN1_UNIVERSAL, 0, &x) != 0 || x.left != 1)
		return -1;
	*value = x.p[0];
	return 0;
}

/* SHA-256 with its parameters absent or NULL (RFC 5754 allows both). */
static bool is_plain_sha256(const X509_ALGOR *alg)
{
	const ASN1_OBJECT *oid = NULL;
	int ptype = 0;
	X509_ALGOR_get0(&oid, &ptype, NULL, alg);
	return OBJ_obj2nid(oid) == NID_sha256 && (ptype == V_ASN1_UNDEF || ptype == V_ASN1_NULL);
}

#define FAIL(...) do { snprintf(detail, size, __VA_ARGS__); ERR_clear_error(); return -1; } while (0)

int sg_cms_check_shape(CMS_ContentInfo *cms, CMS_SignerInfo *si, int ncerts,
	const uint8_t *bytes, size_t len, char *detail, size_t size)
{
	/* 1. Canonical DER: what OpenSSL parsed re-encodes to the very same bytes. */
	unsigned char *re = NULL;
	int relen = i2d_CMS_ContentInfo(cms, &re);
	bool same = relen > 0 && (size_t)relen == len && memcmp(re, bytes, len) == 0;
	OPENSSL_free(re);
	if (!same)
		FAIL("not in canonical DER (it re-encodes differently)");

	/* 2. Walk to the fields OpenSSL keeps to itself. */
	der top = { bytes, (long)len }, ci, outer, sd, set, item;
	int sd_version = -1, si_version = -1, tag, cls, cons;
	if (der_expect(&top, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, 1, &ci) != 0
		|| der_expect(&ci, V_ASN1_OBJECT, V_ASN1_UNIVERSAL, 0, NULL) != 0
		|| der_expect(&ci, 0, V_ASN1_CONTEXT_SPECIFIC, 1, &outer) != 0
		|| der_expect(&outer, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, 1, &sd) != 0
		|| der_small_int(&sd, &sd_version) != 0)
		FAIL("the SignedData header does not parse");

	/* digestAlgorithms: exactly { SHA-256 }, the one digest its signer uses. */
	if (der_expect(&sd, V_ASN1_SET, V_ASN1_UNIVERSAL, 1, &set) != 0)
		FAIL("the digestAlgorithms set does not parse");
	int nalgs = 0;
	while (set.left > 0) {
		const unsigned char *start = NULL;
		long total = 0;
		if (der_next(&set, &tag, &cls, &cons, NULL, &start, &total) != 0)
			FAIL("the digestAlgorithms set does not parse");
		X509_ALGOR *alg = d2i_X509_ALGOR(NULL, &start, total);
		bool ok = alg && is_plain_sha256(alg);
		X509_ALGOR_free(alg);
		if (!ok)
			FAIL("the digestAlgorithms set holds something other than SHA-256");
		nalgs++;
	}
	if (nalgs != 1)
		FAIL("the digestAlgorithms set holds %d algorithms where one (SHA-256) is expected", nalgs);

	if (der_expect(&sd, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, 1, NULL) != 0)
		FAIL("the encapsulated content info does not parse");

	/* certificates [0]: X.509 certificates only, each a plain SEQUENCE. */
	int listed = 0;
	if (der_peek(&sd, &tag, &cls) == 0 && cls == V_ASN1_CONTEXT_SPECIFIC && tag == 0) {
		if (der_expect(&sd, 0, V_ASN1_CONTEXT_SPECIFIC, 1, &set) != 0)
			FAIL("the certificate set does not parse");
		while (set.left > 0) {
			if (der_expect(&set, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, 1, NULL) != 0)
				FAIL("the certificate set holds something other than X.509 certificates");
			listed++;
		}
	}
	if (listed != ncerts)
		FAIL("the certificate set holds %d entries but %d X.509 certificates", listed, ncerts);
	/* crls [1]: Signet does no revocation, so a CRL would be unchecked cargo. */
	if (der_peek(&sd, &tag, &cls) == 0 && cls == V_ASN1_CONTEXT_SPECIFIC && tag == 1)
		FAIL("it carries CRLs, which Signet does not use");

	if (der_expect(&sd, V_ASN1_SET, V_ASN1_UNIVERSAL, 1, &set) != 0
		|| der_expect(&set, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, 1, &item) != 0
		|| der_small_int(&item, &si_version) != 0)
		FAIL("the SignerInfo does not parse");
	if (sd.left != 0)
		FAIL("unexpected fields after the SignerInfos");

	/*
	 * 3. Versions, as RFC 5652 5.3 and 5.1 fix them for what is allowed
	 * here (id-data, X.509 certificates only, no CRLs): a SignerInfo is 1
	 * when it names its certificate by issuer and serial, 3 by key id; the
	 * SignedData is 3 when its SignerInfo is, else 1.
	 */
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	if (CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &serial) != 1)
		FAIL("the signer identifier does not parse");
	int want_si = keyid ? 3 : 1;
	if (si_version != want_si)
		FAIL("SignerInfo version %d where RFC 5652 requires %d", si_version, want_si);
	if (sd_version != want_si)
		FAIL("SignedData version %d where RFC 5652 requires %d", sd_version, want_si);

	/*
	 * 4. Nothing unsigned rides along but one well-formed RFC 3161
	 * timestamp (timestamp.h): whether it is trusted is judged later, but
	 * its bytes are pinned here, present TSA anchors or not.
	 */
	if (sg_ts_check_attributes(si, detail, size) != 0)
		return -1;
	ERR_clear_error();
	return 0;
}

int sg_cms_check_sigalg(CMS_SignerInfo *si, EVP_PKEY *key, char *detail, size_t size,
	bool *unsupported)
{
	X509_ALGOR *dig = NULL, *sig = NULL;
	const ASN1_OBJECT *oid = NULL;
	int ptype = 0;
	*unsupported = false;
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sig);
	if (!dig || !sig)
		FAIL("the SignerInfo lacks its algorithms");
	if (!is_plain_sha256(dig))
		FAIL("the SHA-256 digest algorithm carries parameters");
	X509_ALGOR_get0(&oid, &ptype, NULL, sig);
	int nid = OBJ_obj2nid(oid);
	bool ok;
	/*
	 * The signatureAlgorithm is not signed and OpenSSL reads the key type
	 * from the certificate, so pin it to what RFC 5753/5754 and RFC 3370
	 * write for this key and SHA-256, parameters included.
	 */
	if (EVP_PKEY_is_a(key, "EC"))
		ok = nid == NID_ecdsa_with_SHA256 && ptype == V_ASN1_UNDEF;
	else if (EVP_PKEY_is_a(key, "RSA"))
		ok = (nid == NID_rsaEncryption || nid == NID_sha256WithRSAEncryption)
			&& (ptype == V_ASN1_NULL || ptype == V_ASN1_UNDEF);
	else if (EVP_PKEY_is_a(key, "RSA-PSS"))
		ok = nid == NID_rsassaPss; /* parameters checked by OpenSSL against the signature */
	else
		ok = false;
	if (ok)
		return 0;
	char name[80];
	if (OBJ_obj2txt(name, sizeof name, oid, 0) <= 0)
		snprintf(name, sizeof name, "(unreadable)");
	int dnid = NID_undef, pknid = NID_undef;
	/* A real algorithm with another digest is unsupported; anything else is malformed. */
	*unsupported = nid != NID_undef && OBJ_find_sigid_algs(nid, &dnid, &pknid) == 1
		&& dnid != NID_sha256 && dnid != NID_undef;
	const char *type = EVP_PKEY_get0_type_name(key);
	FAIL("signature algorithm %s%s does not fit a %s key with SHA-256", name,
		ptype == V_ASN1_UNDEF ? "" : " with parameters", type ? type : "?");
}

/* ---- the certificate set apart, for the chain cache ---- */

/* The pieces of a SignedData ContentInfo around its certificate set. */
typedef struct cms_pieces {
	der oid;                   /* the contentType element, whole */
	der before, certs, after;  /* SignedData content: before the [0] set, the set (whole), after it */
} cms_pieces;

/* Writes the canonical ContentInfo made of `pc`, with or without its certificate set. */
static size_t assemble(uint8_t *out, const cms_pieces *pc, bool with_certs)
{
	long sd = pc->before.left + (with_certs ? pc->certs.left : 0) + pc->after.left;
	int sd_total = ASN1_object_size(1, sd, V_ASN1_SEQUENCE);
	int outer_total = ASN1_object_size(1, sd_total, 0);
	int ci_total = ASN1_object_size(1, pc->oid.left + outer_total, V_ASN1_SEQUENCE);
	if (sd_total < 0 || outer_total < 0 || ci_total < 0)
		return 0;
	if (!out)
		return (size_t)ci_total;
	unsigned char *p = out;
	ASN1_put_object(&p, 1, pc->oid.left + outer_total, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	memcpy(p, pc->oid.p, (size_t)pc->oid.left);
	p += pc->oid.left;
	ASN1_put_object(&p, 1, sd_total, 0, V_ASN1_CONTEXT_SPECIFIC);
	ASN1_put_object(&p, 1, sd, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL);
	memcpy(p, pc->before.p, (size_t)pc->before.left);
	p += pc->before.left;
	if (with_certs) {
		memcpy(p, pc->certs.p, (size_t)pc->certs.left);
		p += pc->certs.left;
	}
	memcpy(p, pc->after.p, (size_t)pc->after.left);
	p += pc->after.left;
	return (size_t)(p - out);
}

int sg_cms_split_certs(const uint8_t *bytes, size_t len, const uint8_t **certs, size_t *certs_len,
	uint8_t **rest, size_t *rest_len)
{
	if (len == 0 || len > LONG_MAX)
		return -1;
	der top = { bytes, (long)len }, ci, outer, sd;
	cms_pieces pc;
	const unsigned char *start = NULL;
	long total = 0;
	int tag, cls, cons;
	if (der_expect(&top, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, 1, &ci) != 0 || top.left != 0
		|| der_next(&ci, &tag, &cls, &cons, NULL, &start, &total) != 0 || tag != V_ASN1_OBJECT)
		return -1;
	pc.oid = (der){ start, total };
	if (der_expect(&ci, 0, V_ASN1_CONTEXT_SPECIFIC, 1, &outer) != 0 || ci.left != 0
		|| der_expect(&outer, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, 1, &sd) != 0 || outer.left != 0)
		return -1;
	/* version, digestAlgorithms, encapContentInfo, then the set. */
	pc.before.p = sd.p;
	for (int i = 0; i < 3; i++)
		if (der_next(&sd, &tag, &cls, &cons, NULL, NULL, NULL) != 0)
			return -1;
	pc.before.left = (long)(sd.p - pc.before.p);
	if (der_peek(&sd, &tag, &cls) != 0 || cls != V_ASN1_CONTEXT_SPECIFIC || tag != 0
		|| der_next(&sd, &tag, &cls, &cons, NULL, &start, &total) != 0 || !cons)
		return -1;
	pc.certs = (der){ start, total };
	pc.after = sd;

	/*
	 * The bytes must be exactly the canonical assembly of their pieces: the
	 * caller checks the pieces themselves (the rest re-encodes to itself,
	 * the set is bytes already verified), so that together they say what
	 * the full check says of the whole, canonical DER.
	 */
	size_t whole = assemble(NULL, &pc, true);
	uint8_t *check = whole == len ? malloc(whole) : NULL;
	bool same = check && assemble(check, &pc, true) == len && memcmp(check, bytes, len) == 0;
	free(check);
	if (!same)
		return -1;
	size_t n = assemble(NULL, &pc, false);
	uint8_t *out = n ? malloc(n) : NULL;
	if (!out || assemble(out, &pc, false) != n) {
		free(out);
		return -1;
	}
	*certs = pc.certs.p;
	*certs_len = (size_t)pc.certs.left;
	*rest = out;
	*rest_len = n;
	return 0;
}
