/* SPDX-License-Identifier: MIT */
/*
 * test_cms.c - CMS signing and verification against real OpenSSL: round
 * trips, stock `openssl cms` in both directions, every refusal with its exact
 * code and reason, truncation at every length, and the signer's identity.
 * Keys and certificates are made at test time (signing/pki.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "cms_fixture.h"
#include "harness.h"
#include "test_pki.h"

static const sg_verify_options team_required = { .at = 0, .allow_no_team = false };

/* Verifies `der` over fx_content; the signer is cleared unless `keep` gets it. */
static int verify_with(const uint8_t *der, size_t len, const sg_trust *t,
	const sg_verify_options *o, sg_signer *keep, signet_error **err)
{
	sg_signer s;
	memset(&s, 0, sizeof s);
	int rc = sg_cms_verify(&s, der, len, fx_content, sizeof fx_content, t, o, "plugin.so", err);
	if (rc == 0 && keep)
		*keep = s;
	else if (rc == 0)
		sg_signer_clear(&s);
	return rc;
}

static int verify(const uint8_t *der, size_t len, const sg_trust *t, signet_error **err)
{
	return verify_with(der, len, t, &team_required, NULL, err);
}

/* ---- round trips ---- */

static void roundtrip(bool rsa)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = rsa ? fx_leaf_rsa(&root, "Example Team") : fx_leaf(&root, "Example Team");
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	signet_error *err = NULL;
	sg_signer s;
	SG_ASSERT_OK(verify_with(der, len, t, &team_required, &s, &err), &err);
	CU_ASSERT_STRING_EQUAL(s.team, TEAM);
	CU_ASSERT_STRING_EQUAL(s.leaf_common_name, "Example Team");
	CU_ASSERT_EQUAL(sk_X509_num(s.chain), 2);
	sg_signer_clear(&s);
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_roundtrip_ecdsa_p256(void) { roundtrip(false); }
static void test_roundtrip_rsa(void) { roundtrip(true); }

static void test_roundtrip_through_an_intermediate(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert inter = fx_intermediate(&root, "Test Intermediate");
	fx_cert leaf = fx_leaf(&inter, "Example Team");
	sg_trust *t = fx_trust(root.cert);
	/* The chain given to the signer names the intermediate and, redundantly, the leaf. */
	X509 *chain[] = { inter.cert, leaf.cert, NULL };
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, chain);
	signet_error *err = NULL;
	sg_signer s;
	SG_ASSERT_OK(verify_with(der, len, t, &team_required, &s, &err), &err);
	CU_ASSERT_EQUAL(sk_X509_num(s.chain), 3);
	CU_ASSERT_STRING_EQUAL(s.anchor_subject, "CN=Test Root,O=Signet tests");
	sg_signer_clear(&s);
	free(der);

	/* Without the intermediate the chain cannot reach the root. */
	der = fx_sign(&len, &leaf, NULL);
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_UNTRUSTED_ANCHOR,
		"whose issuer \"CN=Test Intermediate\" was not found among the trusted anchors");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&inter);
	fx_free(&root);
}

static void test_empty_content_signs_and_verifies(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = fx_leaf(&root, "Example Team");
	sg_trust *t = fx_trust(root.cert);
	uint8_t *der = NULL;
	size_t len = 0;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_cms_sign(&der, &len, NULL, 0, leaf.key, leaf.cert, NULL, &err), &err);
	sg_signer s;
	SG_ASSERT_OK(sg_cms_verify(&s, der, len, NULL, 0, t, NULL, NULL, &err), &err);
	sg_signer_clear(&s);
	SG_ASSERT_FAILS(sg_cms_verify(&s, der, len, fx_content, 1, t, NULL, NULL, &err), &err,
		SIGNET_E_CMS_MISMATCH, "bad signature");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

/*
 * sg_cms_sign_bound: the same every time for one key and chain, never below
 * a real signature's length whatever the content, and tight (an RSA
 * signature has the modulus's length; ECDSA's DER is 70 to 72 bytes).
 */
static void sign_bound(bool rsa)
{
	fx_cert root = fx_root("Test Root");
	fx_cert inter = fx_intermediate(&root, "Test Intermediate");
	fx_cert leaf = rsa ? fx_leaf_rsa(&inter, "Example Team") : fx_leaf(&inter, "Example Team");
	STACK_OF(X509) *sk = sk_X509_new_null();
	CU_ASSERT_PTR_NOT_NULL_FATAL(sk);
	sk_X509_push(sk, inter.cert);
	signet_error *err = NULL;
	size_t bound = 0, again = 0, longest = 0;
	SG_ASSERT_OK(sg_cms_sign_bound(&bound, leaf.key, leaf.cert, sk, &err), &err);
	for (int i = 0; i < 20; i++) {
		SG_ASSERT_OK(sg_cms_sign_bound(&again, leaf.key, leaf.cert, sk, &err), &err);
		CU_ASSERT_EQUAL(again, bound);
		uint8_t *der = NULL;
		size_t len = 0;
		SG_ASSERT_OK(sg_cms_sign(&der, &len, fx_content, (size_t)i * (FX_CONTENT_LEN / 19), leaf.key,
			leaf.cert, sk, &err), &err);
		CU_ASSERT(len <= bound);
		longest = len > longest ? len : longest;
		free(der);
	}
	CU_ASSERT(rsa ? longest == bound : longest + 2 >= bound);
	/* It checks what signing checks: another certificate's key is refused. */
	SG_ASSERT_FAILS(sg_cms_sign_bound(&again, leaf.key, inter.cert, sk, &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "does not belong to the certificate");
	sk_X509_free(sk);
	fx_free(&leaf);
	fx_free(&inter);
	fx_free(&root);
}

static void test_sign_bound_ecdsa_p256(void) { sign_bound(false); }
static void test_sign_bound_rsa(void) { sign_bound(true); }

static void test_sign_refuses_a_key_that_is_not_the_certificates(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert a = fx_leaf(&root, "A");
	fx_cert b = fx_leaf(&root, "B");
	uint8_t *der = NULL;
	size_t len = 0;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(sg_cms_sign(&der, &len, fx_content, sizeof fx_content, a.key, b.cert, NULL, &err),
		&err, SIGNET_E_INVALID_ARGUMENT, "does not belong to the certificate");
	CU_ASSERT_PTR_NULL(der);
	fx_free(&a);
	fx_free(&b);
	fx_free(&root);
}

static void test_sign_refuses_unsupported_keys(void)
{
	fx_cert root = fx_root("Test Root");
	EVP_PKEY *p384 = EVP_EC_gen("P-384");
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p384);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ed);
	uint8_t *der = NULL;
	size_t len = 0;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(sg_cms_sign(&der, &len, fx_content, 1, p384, root.cert, NULL, &err), &err,
		SIGNET_E_SIGNATURE_UNSUPPORTED, "EC curve secp384r1");
	SG_ASSERT_FAILS(sg_cms_sign(&der, &len, fx_content, 1, ed, root.cert, NULL, &err), &err,
		SIGNET_E_SIGNATURE_UNSUPPORTED, "key type ED25519");
	EVP_PKEY_free(p384);
	EVP_PKEY_free(ed);
	fx_free(&root);
}

static void test_sign_and_verify_check_their_arguments(void)
{
	fx_cert root = fx_root("Test Root");
	sg_trust *t = fx_trust(root.cert);
	uint8_t *der = NULL;
	size_t len = 0;
	signet_error *err = NULL;
	sg_signer s;
	SG_ASSERT_FAILS(sg_cms_sign(&der, &len, fx_content, 1, NULL, root.cert, NULL, &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "missing");
	SG_ASSERT_FAILS(sg_cms_verify(&s, NULL, 0, fx_content, 1, NULL, NULL, NULL, &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "missing");
	SG_ASSERT_FAILS(sg_cms_verify(&s, fx_content, (size_t)SG_CMS_MAX_DER + 1, fx_content, 1, t,
		NULL, NULL, &err), &err, SIGNET_E_LIMIT, "too large");
	sg_trust_free(t);
	fx_free(&root);
}

/* ---- stock openssl, both directions ---- */

static void interop_verify(bool rsa)
{
	const char *dir = sg_sandbox();
	fx_cert root = fx_root("Test Root");
	fx_cert inter = fx_intermediate(&root, "Test Intermediate");
	fx_cert leaf = rsa ? fx_leaf_rsa(&inter, "Example Team") : fx_leaf(&inter, "Example Team");
	X509 *chain[] = { inter.cert, NULL };
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, chain);
	char *sig = strdup(fx_write_bytes(dir, "sig.der", der, len));
	char *content = strdup(fx_write_bytes(dir, "content", fx_content, sizeof fx_content));
	char *anchor = strdup(fx_write_cert(dir, "root.pem", root.cert));
	const char *argv[] = { "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sig,
		"-content", content, "-CAfile", anchor, "-purpose", "any", "-out", "/dev/null", NULL };
	CU_ASSERT_EQUAL(fx_run(dir, argv), 0);

	/* One byte changed in the content: stock openssl refuses too. */
	uint8_t tampered[FX_CONTENT_LEN];
	memcpy(tampered, fx_content, sizeof tampered);
	tampered[FX_CONTENT_LEN / 2] ^= 1;
	free(content);
	content = strdup(fx_write_bytes(dir, "tampered", tampered, sizeof tampered));
	argv[9] = content;
	int rc = fx_run(dir, argv);
	CU_ASSERT(rc != 0 && rc != -1);

	free(sig);
	free(content);
	free(anchor);
	free(der);
	fx_free(&leaf);
	fx_free(&inter);
	fx_free(&root);
}

static void test_stock_openssl_verifies_an_ecdsa_signature(void) { interop_verify(false); }
static void test_stock_openssl_verifies_an_rsa_signature(void) { interop_verify(true); }

static void test_signet_verifies_what_stock_openssl_signs(void)
{
	const char *dir = sg_sandbox();
	fx_cert root = fx_root("Test Root");
	fx_cert inter = fx_intermediate(&root, "Test Intermediate");
	fx_cert leaf = fx_leaf(&inter, "Example Team");
	char *content = strdup(fx_write_bytes(dir, "content", fx_content, sizeof fx_content));
	char *cert = strdup(fx_write_cert(dir, "leaf.pem", leaf.cert));
	char *key = strdup(fx_write_key(dir, "leaf.key", leaf.key));
	char *chain = strdup(fx_write_cert(dir, "chain.pem", inter.cert));
	char out[4096];
	snprintf(out, sizeof out, "%s/sig.der", dir);
	sg_trust *t = fx_trust(root.cert);
	/* Signer named by issuer and serial (the default), then by key id (-keyid). */
	for (int keyid = 0; keyid < 2; keyid++) {
		const char *argv[] = { "openssl", "cms", "-sign", "-binary", "-md", "sha256", "-in", content,
			"-signer", cert, "-inkey", key, "-certfile", chain, "-outform", "DER", "-out", out,
			keyid ? "-keyid" : NULL, NULL };
		CU_ASSERT_EQUAL_FATAL(fx_run(dir, argv), 0);
		size_t len;
		uint8_t *der = fx_read(out, &len);
		signet_error *err = NULL;
		SG_ASSERT_OK(verify(der, len, t, &err), &err);
		free(der);
	}
	sg_trust_free(t);
	free(content);
	free(cert);
	free(key);
	free(chain);
	fx_free(&leaf);
	fx_free(&inter);
	fx_free(&root);
}

/* The recipe in docs/certificates.md ("Using your own CA"), run as written. */
static void test_a_ca_made_with_the_openssl_cli_as_documented_works(void)
{
	const char *dir = sg_sandbox();
	char rk[4096], rp[4096], tk[4096], csr[4096], tp[4096], ext[4096];
	snprintf(rk, sizeof rk, "%s/root.key", dir);
	snprintf(rp, sizeof rp, "%s/root.pem", dir);
	snprintf(tk, sizeof tk, "%s/ABCDE12345.key", dir);
	snprintf(csr, sizeof csr, "%s/ABCDE12345.csr", dir);
	snprintf(tp, sizeof tp, "%s/ABCDE12345.pem", dir);
	const char *extensions = "basicConstraints=critical,CA:FALSE\n"
		"keyUsage=critical,digitalSignature\n"
		"extendedKeyUsage=codeSigning\n"
		"subjectKeyIdentifier=hash\n"
		"authorityKeyIdentifier=keyid:always\n";
	snprintf(ext, sizeof ext, "%s", fx_write_bytes(dir, "codesign.ext", extensions, strlen(extensions)));
	const char *root_cmd[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
		"ec_paramgen_curve:P-256", "-nodes", "-keyout", rk, "-out", rp, "-days", "3650",
		"-subj", "/O=Example Corp/CN=Example Code Signing Root",
		"-addext", "basicConstraints=critical,CA:TRUE",
		"-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL };
	const char *csr_cmd[] = { "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
		"ec_paramgen_curve:P-256", "-nodes", "-keyout", tk, "-out", csr,
		"-subj", "/O=Example Team/OU=ABCDE12345/CN=Example Team", NULL };
	const char *issue_cmd[] = { "openssl", "x509", "-req", "-in", csr, "-CA", rp, "-CAkey", rk,
		"-days", "365", "-sha256", "-extfile", ext, "-out", tp, NULL };
	CU_ASSERT_EQUAL_FATAL(fx_run(dir, root_cmd), 0);
	CU_ASSERT_EQUAL_FATAL(fx_run(dir, csr_cmd), 0);
	CU_ASSERT_EQUAL_FATAL(fx_run(dir, issue_cmd), 0);

	signet_error *err = NULL;
	fx_cert team = { NULL, NULL };
	SG_ASSERT_OK(sg_pem_load_key(&team.key, tk, &err), &err);
	SG_ASSERT_OK(sg_pem_load_cert(&team.cert, tp, &err), &err);
	sg_trust *t = NULL;
	SG_ASSERT_OK(sg_trust_load(&t, rp, &err), &err);
	size_t len;
	uint8_t *der = fx_sign(&len, &team, NULL);
	sg_signer s;
	SG_ASSERT_OK(verify_with(der, len, t, NULL, &s, &err), &err);
	CU_ASSERT_STRING_EQUAL(s.team, TEAM);
	CU_ASSERT_STRING_EQUAL(s.anchor_subject, "CN=Example Code Signing Root,O=Example Corp");
	sg_signer_clear(&s);
	free(der);
	sg_trust_free(t);
	fx_free(&team);
}

/* ---- certificate refusals, each with its exact code ---- */

/*
 * A certificate as refusals about anchors name it: its subject and the
 * SHA-256 of its DER, computed here independently (X509_digest).
 */
static const char *label(X509 *cert, char *buf, size_t size)
{
	uint8_t md[32];
	unsigned int n = 0;
	CU_ASSERT_FATAL(X509_digest(cert, EVP_sha256(), md, &n) == 1 && n == 32);
	char *subject = X509_NAME_oneline(X509_get_subject_name(cert), NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(subject);
	/* X509_NAME_oneline says "/O=x/CN=y"; the messages use RFC 2253 ("CN=y,O=x"). */
	char rfc2253[256] = "";
	for (char *part = strrchr(subject, '/'); part; part = strrchr(subject, '/')) {
		size_t used = strlen(rfc2253);
		snprintf(rfc2253 + used, sizeof rfc2253 - used, "%s%s", used ? "," : "", part + 1);
		*part = '\0';
	}
	OPENSSL_free(subject);
	int k = snprintf(buf, size, "\"%s\" (SHA-256 ", rfc2253);
	for (int i = 0; i < 32 && k > 0 && (size_t)k + 3 < size; i++)
		k += snprintf(buf + k, size - (size_t)k, "%02x", md[i]);
	snprintf(buf + k, size - (size_t)k, ")");
	return buf;
}

static void test_untrusted_root_is_refused(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert other = fx_root("Other Root");
	fx_cert leaf = fx_leaf(&other, "Example Team");
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	signet_error *err = NULL;
	CU_ASSERT_EQUAL(verify(der, len, t, &err), SIGNET_E_UNTRUSTED_ANCHOR);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "x509.anchor");
	CU_ASSERT_STRING_EQUAL(signet_error_expected(err), "a certificate chain to a trusted anchor");
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), "CN=Other Root,O=Signet tests");
	CU_ASSERT_STRING_EQUAL(signet_error_path(err), "plugin.so");
	CU_ASSERT_FALSE(signet_code_is_fatal(signet_error_code(err)));
	signet_error_free(err);
	err = NULL;
	/* The foreign root is not carried: the leaf is named, its issuer, and what is trusted. */
	char a[160], b[160], want[800];
	snprintf(want, sizeof want, "untrusted anchor: the chain ends at %s, whose issuer \"CN=Other Root,"
		"O=Signet tests\" was not found among the trusted anchors or the certificates the signature "
		"carries; the trusted anchor is %s", label(leaf.cert, a, sizeof a), label(root.cert, b, sizeof b));
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_UNTRUSTED_ANCHOR, want);
	/* Carrying the foreign root in the CMS does not make it an anchor; its fingerprint is named. */
	free(der);
	X509 *chain[] = { other.cert, NULL };
	der = fx_sign(&len, &leaf, chain);
	snprintf(want, sizeof want, "untrusted anchor: the chain ends at %s, which is not a trusted anchor; "
		"the trusted anchor is %s", label(other.cert, a, sizeof a), label(root.cert, b, sizeof b));
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_UNTRUSTED_ANCHOR, want);
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&other);
	fx_free(&root);
}

/*
 * Two roots of one name (every `signet ca init` root once had the same
 * one): the refusal must show they differ, so it gives fingerprints, and
 * says so when the trusted anchor shares the missing issuer's name.
 */
static void test_roots_of_one_name_are_told_apart(void)
{
	fx_cert ours = fx_root("Signet Development Root CA");
	fx_cert theirs = fx_root("Signet Development Root CA");
	fx_cert leaf = fx_leaf(&theirs, "Example Team");
	sg_trust *t = fx_trust(ours.cert);
	char a[160], b[160], want[800];
	CU_ASSERT_STRING_NOT_EQUAL(label(ours.cert, a, sizeof a), label(theirs.cert, b, sizeof b));
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	signet_error *err = NULL;
	snprintf(want, sizeof want, "whose issuer \"CN=Signet Development Root CA,O=Signet tests\" was not "
		"found among the trusted anchors or the certificates the signature carries (a trusted anchor "
		"has that name but did not issue it); the trusted anchor is %s", label(ours.cert, a, sizeof a));
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_UNTRUSTED_ANCHOR, want);
	free(der);
	X509 *chain[] = { theirs.cert, NULL };
	der = fx_sign(&len, &leaf, chain);
	snprintf(want, sizeof want, "the chain ends at %s, which is not a trusted anchor; the trusted "
		"anchor is %s", label(theirs.cert, a, sizeof a), label(ours.cert, b, sizeof b));
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_UNTRUSTED_ANCHOR, want);
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&theirs);
	fx_free(&ours);
}

/* Many anchors: the first three are named, then how many more. */
static void test_untrusted_refusal_lists_a_few_anchors(void)
{
	fx_cert roots[5] = { fx_root("Root 1"), fx_root("Root 2"), fx_root("Root 3"), fx_root("Root 4"),
		fx_root("Root 5") };
	STACK_OF(X509) *sk = sk_X509_new_null();
	CU_ASSERT_PTR_NOT_NULL_FATAL(sk);
	for (int i = 0; i < 5; i++)
		sk_X509_push(sk, roots[i].cert);
	char path[4096];
	snprintf(path, sizeof path, "%s/anchors.pem", sg_sandbox());
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_pki_write_certs(path, sk, false, &err), &err);
	sk_X509_free(sk);
	sg_trust *t = NULL;
	SG_ASSERT_OK(sg_trust_load(&t, path, &err), &err);
	fx_cert other = fx_root("Other Root");
	fx_cert leaf = fx_leaf(&other, "Example Team");
	X509 *chain[] = { other.cert, NULL };
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, chain);
	char a[160], b[160], c[160], want[800];
	snprintf(want, sizeof want, "which is not a trusted anchor; the trusted anchors are %s, %s, %s and 2 more "
		"(OpenSSL: ", label(roots[0].cert, a, sizeof a), label(roots[1].cert, b, sizeof b),
		label(roots[2].cert, c, sizeof c));
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_UNTRUSTED_ANCHOR, want);
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&other);
	for (int i = 0; i < 5; i++)
		fx_free(&roots[i]);
}

static void test_self_signed_leaf_is_refused(void)
{
	fx_cert root = fx_root("Test Root");
	sg_pki_spec s = SG_PKI_SPEC_INIT;
	s.common_name = "Lone Signer";
	s.org_units[0] = TEAM;
	s.n_org_units = 1;
	s.code_signing = true;
	fx_cert self = fx_make(&s);
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &self, NULL);
	signet_error *err = NULL;
	char a[160], b[160], want[800];
	snprintf(want, sizeof want, "untrusted anchor: the signer's certificate %s is self-signed and is not "
		"a trusted anchor; the trusted anchor is %s", label(self.cert, a, sizeof a),
		label(root.cert, b, sizeof b));
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_UNTRUSTED_ANCHOR, want);
	free(der);
	sg_trust_free(t);
	fx_free(&self);
	fx_free(&root);
}

static fx_cert leaf_valid(const fx_cert *issuer, long not_before, long not_after)
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

static void test_expired_leaf_is_refused(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = leaf_valid(&root, -30 * DAY, -DAY);
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	signet_error *err = NULL;
	CU_ASSERT_EQUAL(verify(der, len, t, &err), SIGNET_E_CERT_EXPIRED);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "x509.time");
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_actual(err), "notAfter 20"));
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_expected(err), "(verification time)"));
	signet_error_free(err);
	err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_EXPIRED,
		"certificate expired: the leaf \"CN=Example Team,OU=ABCDE12345\" is valid until");

	/* At a time inside its validity, the same signature verifies: the `at` option. */
	sg_verify_options then = { .at = time(NULL) - 10 * DAY };
	SG_ASSERT_OK(verify_with(der, len, t, &then, NULL, &err), &err);
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_not_yet_valid_leaf_is_refused(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = leaf_valid(&root, DAY, 30 * DAY);
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	signet_error *err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_NOT_YET_VALID,
		"certificate not yet valid: the leaf \"CN=Example Team,OU=ABCDE12345\" is valid from");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_verification_time_outside_validity_is_refused(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = fx_leaf(&root, "Example Team"); /* valid from 5 minutes ago for 365 days */
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	signet_error *err = NULL;
	sg_verify_options later = { .at = time(NULL) + 400 * DAY };
	SG_ASSERT_FAILS(verify_with(der, len, t, &later, NULL, &err), &err, SIGNET_E_CERT_EXPIRED,
		"certificate expired");
	sg_verify_options earlier = { .at = time(NULL) - DAY };
	SG_ASSERT_FAILS(verify_with(der, len, t, &earlier, NULL, &err), &err,
		SIGNET_E_CERT_NOT_YET_VALID, "not yet valid");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_signing_time_attribute_is_not_trusted(void)
{
	/* The signer claims to have signed while the certificate was valid: irrelevant. */
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = leaf_valid(&root, -30 * DAY, -DAY);
	sg_trust *t = fx_trust(root.cert);
	fx_cms_opts o = { .signing_time = time(NULL) - 10 * DAY };
	size_t len;
	uint8_t *der = fx_build_cms(&len, &leaf, &o);
	signet_error *err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_EXPIRED, "certificate expired");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_expired_intermediate_is_refused(void)
{
	fx_cert root = fx_root("Test Root");
	sg_pki_spec s = SG_PKI_SPEC_INIT;
	s.common_name = "Old Intermediate";
	s.is_ca = true;
	s.not_before = -30 * DAY;
	s.not_after = -DAY;
	s.issuer_key = root.key;
	s.issuer_cert = root.cert;
	fx_cert inter = fx_make(&s);
	fx_cert leaf = fx_leaf(&inter, "Example Team");
	sg_trust *t = fx_trust(root.cert);
	X509 *chain[] = { inter.cert, NULL };
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, chain);
	signet_error *err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_EXPIRED,
		"certificate 1 \"CN=Old Intermediate\" is valid until");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&inter);
	fx_free(&root);
}

static void test_expired_anchor_is_refused(void)
{
	sg_pki_spec s = SG_PKI_SPEC_INIT;
	s.common_name = "Old Root";
	s.is_ca = true;
	s.not_before = -30 * DAY;
	s.not_after = -DAY;
	fx_cert root = fx_make(&s);
	fx_cert leaf = fx_leaf(&root, "Example Team");
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	signet_error *err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_EXPIRED,
		"certificate 1 \"CN=Old Root\" is valid until");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_sha1_certificate_signature_is_refused(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = fx_leaf(&root, "Example Team");
	/* Re-signed by the same root, with SHA-1: below security level 2. */
	CU_ASSERT_FATAL(X509_sign(leaf.cert, root.key, EVP_sha1()) > 0);
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	signet_error *err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_CHAIN, "too weak");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_rsa_1024_leaf_is_refused(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = fx_leaf(&root, "Example Team");
	/* The same leaf certificate, given a 1024-bit key and re-signed by the root. */
	EVP_PKEY *weak = EVP_RSA_gen(1024);
	CU_ASSERT_PTR_NOT_NULL_FATAL(weak);
	CU_ASSERT_EQUAL_FATAL(X509_set_pubkey(leaf.cert, weak), 1);
	CU_ASSERT_FATAL(X509_sign(leaf.cert, root.key, EVP_sha256()) > 0);
	EVP_PKEY_free(leaf.key);
	leaf.key = weak;
	/* sg_cms_sign refuses the key, so build the CMS directly. */
	uint8_t *der = NULL;
	size_t len;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(sg_cms_sign(&der, &len, fx_content, sizeof fx_content, leaf.key, leaf.cert,
		NULL, &err), &err, SIGNET_E_SIGNATURE_UNSUPPORTED, "RSA of 1024 bits is too short");
	fx_cms_opts o = { .md = NULL };
	der = fx_build_cms(&len, &leaf, &o);
	sg_trust *t = fx_trust(root.cert);
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_CHAIN, "EE certificate key too weak");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_leaf_without_codesigning_eku_is_refused(void)
{
	fx_cert root = fx_root("Test Root");
	sg_trust *t = fx_trust(root.cert);
	sg_pki_spec s = SG_PKI_SPEC_INIT;
	s.common_name = "Example Team";
	s.org_units[0] = TEAM;
	s.n_org_units = 1;
	s.issuer_key = root.key;
	s.issuer_cert = root.cert;
	signet_error *err = NULL;
	size_t len;

	/* No EKU extension at all ("any purpose" under RFC 5280): refused. */
	fx_cert none = fx_make(&s);
	uint8_t *der = fx_sign(&len, &none, NULL);
	CU_ASSERT_EQUAL(verify(der, len, t, &err), SIGNET_E_CERT_NO_CODESIGN_EKU);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "x509.eku");
	CU_ASSERT_STRING_EQUAL(signet_error_expected(err), "codeSigning");
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), "none");
	signet_error_free(err);
	err = NULL;
	free(der);

	/* A TLS server certificate from the same CA: refused, and the message lists what it has. */
	s.server_auth = true;
	fx_cert tls = fx_make(&s);
	der = fx_sign(&len, &tls, NULL);
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_NO_CODESIGN_EKU,
		"lacks the code-signing extended key usage (it lists: serverAuth)");
	free(der);
	sg_trust_free(t);
	fx_free(&none);
	fx_free(&tls);
	fx_free(&root);
}

/* A leaf of team TEAM with codeSigning, `is_ca` and the keyUsage `ku` ("" for none). */
static fx_cert leaf_profile(const fx_cert *issuer, const char *cn, bool is_ca, const char *ku)
{
	sg_pki_spec s = SG_PKI_SPEC_INIT;
	s.common_name = cn;
	s.org_units[0] = TEAM;
	s.n_org_units = 1;
	s.code_signing = true;
	s.is_ca = is_ca;
	s.key_usage = ku;
	s.issuer_key = issuer->key;
	s.issuer_cert = issuer->cert;
	return fx_make(&s);
}

/* A CA certificate is not a signing identity, whatever its keyUsage says. */
static void test_leaf_that_is_a_ca_is_refused(void)
{
	fx_cert root = fx_root("Test Root");
	sg_trust *t = fx_trust(root.cert);
	static const char *const usages[] = { "critical,digitalSignature",
		"critical,digitalSignature,keyCertSign" };
	for (size_t i = 0; i < 2; i++) {
		fx_cert leaf = leaf_profile(&root, "CA Leaf", true, usages[i]);
		size_t len;
		uint8_t *der = fx_sign(&len, &leaf, NULL);
		signet_error *err = NULL;
		CU_ASSERT_EQUAL(verify(der, len, t, &err), SIGNET_E_CERT_CHAIN);
		CU_ASSERT_PTR_NOT_NULL_FATAL(err);
		CU_ASSERT_STRING_EQUAL(signet_error_check(err), "x509.leaf_ca");
		CU_ASSERT_STRING_EQUAL(signet_error_expected(err), "basicConstraints CA:FALSE or none");
		CU_ASSERT_STRING_EQUAL(signet_error_actual(err), "CA:TRUE");
		signet_error_free(err);
		err = NULL;
		SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_CHAIN,
			"the leaf \"CN=CA Leaf,OU=ABCDE12345\" is a CA (basicConstraints CA:TRUE); "
			"a code-signing leaf must not be one");
		free(der);
		fx_free(&leaf);
	}
	sg_trust_free(t);
	fx_free(&root);
}

/* No keyUsage would mean "any usage" under RFC 5280: refused, as the missing EKU is. */
static void test_leaf_without_key_usage_is_refused(void)
{
	fx_cert root = fx_root("Test Root");
	sg_trust *t = fx_trust(root.cert);
	fx_cert leaf = leaf_profile(&root, "No Key Usage", false, "");
	CU_ASSERT_EQUAL(X509_get_extension_flags(leaf.cert) & EXFLAG_KUSAGE, 0);
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	signet_error *err = NULL;
	CU_ASSERT_EQUAL(verify(der, len, t, &err), SIGNET_E_CERT_NO_CODESIGN_EKU);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "x509.key_usage");
	CU_ASSERT_STRING_EQUAL(signet_error_expected(err), "digitalSignature");
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), "no keyUsage extension");
	signet_error_free(err);
	err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_NO_CODESIGN_EKU,
		"the leaf \"CN=No Key Usage,OU=ABCDE12345\" has no keyUsage extension; a code-signing "
		"leaf needs one with digitalSignature");
	free(der);

	/* With keyUsage but not digitalSignature: refused as before. */
	fx_cert enc = leaf_profile(&root, "Encipherment", false, "critical,keyAgreement");
	der = fx_sign(&len, &enc, NULL);
	CU_ASSERT_EQUAL(verify(der, len, t, &err), SIGNET_E_CERT_NO_CODESIGN_EKU);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "x509.key_usage");
	signet_error_free(err);
	err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_NO_CODESIGN_EKU,
		"the leaf \"CN=Encipherment,OU=ABCDE12345\" has a key usage without digitalSignature");
	free(der);
	sg_trust_free(t);
	fx_free(&enc);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_intermediate_restricted_to_tls_is_refused(void)
{
	fx_cert root = fx_root("Test Root");
	sg_pki_spec s = SG_PKI_SPEC_INIT;
	s.common_name = "TLS Intermediate";
	s.is_ca = true;
	s.server_auth = true;
	s.issuer_key = root.key;
	s.issuer_cert = root.cert;
	fx_cert inter = fx_make(&s);
	fx_cert leaf = fx_leaf(&inter, "Example Team");
	sg_trust *t = fx_trust(root.cert);
	X509 *chain[] = { inter.cert, NULL };
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, chain);
	signet_error *err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_NO_CODESIGN_EKU,
		"certificate 1 \"CN=TLS Intermediate\" restricts its extended key usage to serverAuth");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&inter);
	fx_free(&root);
}

static void test_intermediate_that_is_not_a_ca_is_refused(void)
{
	fx_cert root = fx_root("Test Root");
	sg_pki_spec s = SG_PKI_SPEC_INIT;
	s.common_name = "Not A CA";
	s.is_ca = false; /* basicConstraints critical CA:FALSE */
	s.issuer_key = root.key;
	s.issuer_cert = root.cert;
	fx_cert notca = fx_make(&s);
	fx_cert leaf = fx_leaf(&notca, "Example Team");
	sg_trust *t = fx_trust(root.cert);
	X509 *chain[] = { notca.cert, NULL };
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, chain);
	signet_error *err = NULL;
	CU_ASSERT_EQUAL(verify(der, len, t, &err), SIGNET_E_CERT_CHAIN);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "x509.chain");
	signet_error_free(err);
	err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_CHAIN,
		"certificate 1 \"CN=Not A CA\" is not a CA");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&notca);
	fx_free(&root);
}

static void test_path_length_constraint_is_enforced(void)
{
	sg_pki_spec s = SG_PKI_SPEC_INIT;
	s.common_name = "Strict Root";
	s.is_ca = true;
	s.path_len = 0; /* may issue leaves only */
	s.not_after = 3650 * DAY;
	fx_cert root = fx_make(&s);
	fx_cert inter = fx_intermediate(&root, "Test Intermediate");
	fx_cert leaf = fx_leaf(&inter, "Example Team");
	sg_trust *t = fx_trust(root.cert);
	X509 *chain[] = { inter.cert, NULL };
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, chain);
	signet_error *err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_CHAIN, "path length");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&inter);
	fx_free(&root);
}

static void test_leaf_with_a_bad_issuer_signature_is_refused(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = fx_leaf(&root, "Example Team");
	/* Flip the last byte of the leaf's DER (inside its signature) and parse it back. */
	unsigned char *buf = NULL;
	int n = i2d_X509(leaf.cert, &buf);
	CU_ASSERT_FATAL(n > 0);
	buf[n - 1] ^= 0x01;
	const unsigned char *p = buf;
	X509 *forged = d2i_X509(NULL, &p, n);
	OPENSSL_free(buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(forged);
	fx_cert bad = { leaf.key, forged };
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &bad, NULL);
	signet_error *err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_CHAIN,
		"certificate signature failure");
	free(der);
	X509_free(forged);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static fx_cert leaf_with_ous(const fx_cert *issuer, const char *const *ous, size_t n)
{
	sg_pki_spec s = SG_PKI_SPEC_INIT;
	s.common_name = "Example Team";
	for (size_t i = 0; i < n; i++)
		s.org_units[i] = ous[i];
	s.n_org_units = n;
	s.code_signing = true;
	s.issuer_key = issuer->key;
	s.issuer_cert = issuer->cert;
	return fx_make(&s);
}

static void test_leaf_without_ou_has_no_team(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = leaf_with_ous(&root, NULL, 0);
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	signet_error *err = NULL;
	CU_ASSERT_EQUAL(verify(der, len, t, &err), SIGNET_E_CERT_NO_TEAM);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "x509.team");
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), "0 OUs");
	signet_error_free(err);
	err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_NO_TEAM, "has 0 OUs");

	/* Allowed by the caller: verified, with no team. */
	sg_verify_options allow = { .allow_no_team = true };
	sg_signer s;
	SG_ASSERT_OK(verify_with(der, len, t, &allow, &s, &err), &err);
	CU_ASSERT_PTR_NULL(s.team);
	CU_ASSERT_STRING_EQUAL(s.leaf_common_name, "Example Team");
	sg_signer_clear(&s);
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_leaf_with_two_ous_has_no_team(void)
{
	fx_cert root = fx_root("Test Root");
	const char *ous[] = { TEAM, "ZZZZZ99999" };
	fx_cert leaf = leaf_with_ous(&root, ous, 2);
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	signet_error *err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_NO_TEAM, "has 2 OUs");
	sg_verify_options allow = { .allow_no_team = true };
	sg_signer s;
	SG_ASSERT_OK(verify_with(der, len, t, &allow, &s, &err), &err);
	CU_ASSERT_PTR_NULL(s.team);
	/* Neither OU can be matched by a requirement either. */
	CU_ASSERT_PTR_NULL(sg_signer_certificate_field(&s, 0, "subject.OU"));
	sg_signer_clear(&s);
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_leaf_whose_ou_is_not_a_team_id_has_no_team(void)
{
	fx_cert root = fx_root("Test Root");
	const char *ous[] = { "Example Team" }; /* a space: not a team ID */
	fx_cert leaf = leaf_with_ous(&root, ous, 1);
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	signet_error *err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CERT_NO_TEAM,
		"has an OU that is not a valid team ID");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_checks_run_in_the_documented_order(void)
{
	/* Untrusted, expired and without EKU: the chain's anchor is reported first. */
	fx_cert root = fx_root("Test Root");
	fx_cert other = fx_root("Other Root");
	sg_pki_spec s = SG_PKI_SPEC_INIT;
	s.common_name = "Everything Wrong";
	s.not_before = -30 * DAY;
	s.not_after = -DAY;
	s.issuer_key = other.key;
	s.issuer_cert = other.cert;
	fx_cert leaf = fx_make(&s);
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	signet_error *err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_UNTRUSTED_ANCHOR,
		"untrusted anchor: the chain ends at \"CN=Everything Wrong\"");
	/* ... and a forged signature before any of it. */
	sg_signer sg;
	uint8_t changed[FX_CONTENT_LEN];
	memcpy(changed, fx_content, sizeof changed);
	changed[0] ^= 0x80;
	SG_ASSERT_FAILS(sg_cms_verify(&sg, der, len, changed, sizeof changed, t, NULL, NULL, &err),
		&err, SIGNET_E_CMS_MISMATCH, "bad signature");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&other);
	fx_free(&root);
}

/* ---- signature refusals ---- */

static void test_content_changed_by_one_byte_is_a_mismatch(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = fx_leaf(&root, "Example Team");
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	uint8_t changed[FX_CONTENT_LEN];
	size_t where[] = { 0, FX_CONTENT_LEN / 2, FX_CONTENT_LEN - 1 };
	for (size_t i = 0; i < 3; i++) {
		memcpy(changed, fx_content, sizeof changed);
		changed[where[i]] ^= 0x01;
		sg_signer s;
		signet_error *err = NULL;
		int rc = sg_cms_verify(&s, der, len, changed, sizeof changed, t, NULL, "plugin.so", &err);
		CU_ASSERT_EQUAL(rc, SIGNET_E_CMS_MISMATCH);
		CU_ASSERT_STRING_EQUAL(signet_error_check(err), "cms.signature");
		CU_ASSERT_TRUE(signet_code_is_fatal(rc));
		SG_ASSERT_FAILS(rc, &err, SIGNET_E_CMS_MISMATCH,
			"plugin.so: bad signature: the CMS signature does not verify over the content");
	}
	/* Shorter or longer content as well. */
	sg_signer s;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(sg_cms_verify(&s, der, len, fx_content, sizeof fx_content - 1, t, NULL, NULL, &err),
		&err, SIGNET_E_CMS_MISMATCH, "bad signature");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_key_a_with_certificate_b_is_a_mismatch(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert a = fx_leaf(&root, "Signer A");
	fx_cert b = fx_leaf(&root, "Signer B");
	/* B re-issued under A's serial, so A's signer identifier names B's certificate. */
	CU_ASSERT_EQUAL_FATAL(X509_set_serialNumber(b.cert, X509_get_serialNumber(a.cert)), 1);
	CU_ASSERT_FATAL(X509_sign(b.cert, root.key, EVP_sha256()) > 0);
	fx_cms_opts o = { .no_signer_cert = true, .extra = { b.cert } };
	size_t len;
	uint8_t *der = fx_build_cms(&len, &a, &o);
	sg_trust *t = fx_trust(root.cert);
	signet_error *err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CMS_MISMATCH,
		"with the signer's certificate CN=Signer B");
	free(der);

	/* Both certificates carried, both matching the identifier: refused, not guessed. */
	fx_cms_opts both = { .extra = { b.cert } };
	der = fx_build_cms(&len, &a, &both);
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"two different certificates match the signer identifier");
	free(der);
	sg_trust_free(t);
	fx_free(&a);
	fx_free(&b);
	fx_free(&root);
}

static void test_flipped_signature_byte_is_a_mismatch(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = fx_leaf_rsa(&root, "Example Team");
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	/* The RSA signature value is the last element of the DER: its last byte is inside it. */
	der[len - 1] ^= 0x01;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_CMS_MISMATCH, "bad signature");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

/* ---- malformed ---- */

/*
 * The usual signed chain: root -> intermediate -> leaf of team ABCDE12345,
 * the root trusted, and a CMS the leaf signed with the intermediate
 * embedded.
 */
typedef struct signed_chain {
	fx_cert root, inter, leaf;
	sg_trust *trust;
	uint8_t *der;
	size_t len;
} signed_chain;

static signed_chain signed_chain_make(void)
{
	signed_chain c;
	c.root = fx_root("Test Root");
	c.inter = fx_intermediate(&c.root, "Test Intermediate");
	c.leaf = fx_leaf(&c.inter, "Example Team");
	c.trust = fx_trust(c.root.cert);
	X509 *chain[] = { c.inter.cert, NULL };
	c.der = fx_sign(&c.len, &c.leaf, chain);
	return c;
}

static void signed_chain_free(signed_chain *c)
{
	free(c->der);
	sg_trust_free(c->trust);
	fx_free(&c->leaf);
	fx_free(&c->inter);
	fx_free(&c->root);
}

static void test_truncation_at_every_length_is_an_error(void)
{
	signed_chain c = signed_chain_make();
	sg_trust *t = c.trust;
	uint8_t *der = c.der;
	size_t len = c.len;
	size_t bad = 0;
	for (size_t cut = 0; cut < len; cut++) {
		/* A fresh exact-size copy, so ASan sees any read past the cut. */
		uint8_t *copy = malloc(cut ? cut : 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
		memcpy(copy, der, cut);
		sg_signer s;
		memset(&s, 0, sizeof s);
		signet_error *err = NULL;
		int rc = sg_cms_verify(&s, copy, cut, fx_content, sizeof fx_content, t, NULL, NULL, &err);
		if (rc != SIGNET_E_SIGNATURE_MALFORMED && rc != SIGNET_E_CMS_MISMATCH) {
			fprintf(stderr, "  truncated at %zu of %zu: %d %s\n", cut, len, rc,
				rc ? signet_error_message(err) : "(success)");
			bad++;
		}
		if (rc == 0)
			sg_signer_clear(&s);
		CU_ASSERT_EQUAL(rc != 0, err != NULL);
		CU_ASSERT_EQUAL(ERR_peek_error(), 0); /* the queue is left clean */
		signet_error_free(err);
		free(copy);
	}
	CU_ASSERT_EQUAL(bad, 0);
	signed_chain_free(&c);
}

static void test_trailing_bytes_are_malformed(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = fx_leaf(&root, "Example Team");
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	uint8_t *longer = malloc(len + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(longer);
	memcpy(longer, der, len);
	longer[len] = 0;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(verify(longer, len + 1, t, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"1 bytes follow the CMS structure");
	free(longer);
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_structure_refusals(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = fx_leaf(&root, "Example Team");
	fx_cert other = fx_leaf(&root, "Other Signer");
	sg_trust *t = fx_trust(root.cert);
	signet_error *err = NULL;
	size_t len;
	uint8_t *der;

	SG_ASSERT_FAILS(verify(fx_content, 0, t, &err), &err, SIGNET_E_SIGNATURE_MALFORMED, "empty");
	SG_ASSERT_FAILS(verify(fx_content, sizeof fx_content, t, &err), &err,
		SIGNET_E_SIGNATURE_MALFORMED, "not a DER CMS ContentInfo");

	/* A certificate is DER, but not a ContentInfo. */
	unsigned char *cert_der = NULL;
	int n = i2d_X509(leaf.cert, &cert_der);
	CU_ASSERT_FATAL(n > 0);
	SG_ASSERT_FAILS(verify(cert_der, (size_t)n, t, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"malformed CMS signature");
	OPENSSL_free(cert_der);

	fx_cms_opts embed = { .embed = true };
	der = fx_build_cms(&len, &leaf, &embed);
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"the content is embedded");
	free(der);

	fx_cms_opts two = { .second = &other };
	der = fx_build_cms(&len, &leaf, &two);
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"2 SignerInfos where exactly one is expected");
	free(der);

	fx_cms_opts nocert = { .no_signer_cert = true };
	der = fx_build_cms(&len, &leaf, &nocert);
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"the CMS carries no certificates");
	free(der);

	fx_cms_opts wrongcert = { .no_signer_cert = true, .extra = { other.cert } };
	der = fx_build_cms(&len, &leaf, &wrongcert);
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"does not carry the signer's certificate");
	free(der);

	fx_cms_opts sha1 = { .md = EVP_sha1() };
	der = fx_build_cms(&len, &leaf, &sha1);
	CU_ASSERT_EQUAL(verify(der, len, t, &err), SIGNET_E_SIGNATURE_UNSUPPORTED);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "cms.algorithm");
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), "SHA1");
	signet_error_free(err);
	err = NULL;
	free(der);

	sg_trust_free(t);
	fx_free(&other);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_too_many_certificates_hit_the_limit(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = fx_leaf(&root, "Example Team");
	sg_trust *t = fx_trust(root.cert);
	fx_cert extra[SG_CMS_MAX_CERTS];
	X509 *chain[SG_CMS_MAX_CERTS + 1];
	for (int i = 0; i < SG_CMS_MAX_CERTS; i++) {
		extra[i] = fx_leaf(&root, "Filler");
		chain[i] = extra[i].cert;
	}
	chain[SG_CMS_MAX_CERTS] = NULL;
	/* The signer will not make it ... */
	STACK_OF(X509) *sk = sk_X509_new_null();
	for (int i = 0; i < SG_CMS_MAX_CERTS; i++)
		sk_X509_push(sk, chain[i]);
	uint8_t *der = NULL;
	size_t len = 0;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(sg_cms_sign(&der, &len, fx_content, sizeof fx_content, leaf.key, leaf.cert,
		sk, &err), &err, SIGNET_E_LIMIT, "too many chain certificates");
	sk_X509_free(sk);
	/* ... and the verifier refuses one made otherwise. */
	CMS_ContentInfo *cms = CMS_sign(leaf.cert, leaf.key, NULL, NULL,
		CMS_BINARY | CMS_DETACHED | CMS_PARTIAL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cms);
	for (int i = 0; i < SG_CMS_MAX_CERTS; i++)
		CMS_add1_cert(cms, chain[i]);
	BIO *in = BIO_new_mem_buf(fx_content, sizeof fx_content);
	CU_ASSERT_EQUAL_FATAL(CMS_final(cms, in, NULL, CMS_BINARY | CMS_DETACHED), 1);
	BIO_free(in);
	int n = i2d_CMS_ContentInfo(cms, &der);
	CU_ASSERT_FATAL(n > 0);
	SG_ASSERT_FAILS(verify(der, (size_t)n, t, &err), &err, SIGNET_E_LIMIT, "carries 17 certificates");
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	for (int i = 0; i < SG_CMS_MAX_CERTS; i++)
		fx_free(&extra[i]);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

/* The last occurrence of `pat` in `hay`, or NULL. */
static uint8_t *find_last(uint8_t *hay, size_t len, const uint8_t *pat, size_t plen)
{
	for (size_t i = len >= plen ? len - plen + 1 : 0; i-- > 0;)
		if (memcmp(hay + i, pat, plen) == 0)
			return hay + i;
	return NULL;
}

static void test_envelope_fields_outside_the_signature_are_pinned(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = fx_leaf(&root, "Example Team");
	sg_trust *t = fx_trust(root.cert);
	signet_error *err = NULL;
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	SG_ASSERT_OK(verify(der, len, t, &err), &err);

	/* SignedData version: ContentInfo(4) + OID(11) + [0](4) + SEQUENCE(4), then 02 01 01. */
	CU_ASSERT_FATAL(len > 26 && der[1] == 0x82 && der[15] == 0xa0 && der[19] == 0x30);
	CU_ASSERT_FATAL(der[23] == 0x02 && der[24] == 0x01 && der[25] == 0x01);
	der[25] = 0x03;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"SignedData version 3 where RFC 5652 requires 1");
	der[25] = 0x01;

	/* SignerInfo version: SET { SEQUENCE { INTEGER 1, issuerAndSerialNumber ... */
	static const uint8_t si_head[] = { 0x02, 0x01, 0x01, 0x30 };
	uint8_t *v = find_last(der, len, si_head, sizeof si_head);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	if (!v)
		return;
	v[2] = 0x03;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"SignerInfo version 3 where RFC 5652 requires 1");
	v[2] = 0x01;

	/* signatureAlgorithm ecdsa-with-SHA256: the last one in the blob is the SignerInfo's. */
	static const uint8_t ecdsa_sha256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
	uint8_t *alg = find_last(der, len, ecdsa_sha256, sizeof ecdsa_sha256);
	CU_ASSERT_PTR_NOT_NULL_FATAL(alg);
	if (!alg)
		return;
	alg[9] = 0x03; /* ecdsa-with-SHA384: a real algorithm, another digest */
	CU_ASSERT_EQUAL(verify(der, len, t, &err), SIGNET_E_SIGNATURE_UNSUPPORTED);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "cms.algorithm");
	signet_error_free(err);
	err = NULL;
	alg[9] = 0x7f; /* no algorithm at all */
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"does not fit a EC key with SHA-256");
	alg[9] = 0x02;
	SG_ASSERT_OK(verify(der, len, t, &err), &err);
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_unsigned_cargo_is_refused(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = fx_leaf(&root, "Example Team");
	fx_cert stranger = fx_leaf(&root, "Stranger");
	sg_trust *t = fx_trust(root.cert);
	signet_error *err = NULL;
	size_t len;
	uint8_t *der;

	fx_cms_opts attr = { .unsigned_attr = true };
	der = fx_build_cms(&len, &leaf, &attr);
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"carries the unsigned attribute 1.2.840.113549.1.9.2; only a timestamp");
	free(der);

	X509_CRL *crl = fx_crl(&root);
	fx_cms_opts with_crl = { .crl = crl };
	der = fx_build_cms(&len, &leaf, &with_crl);
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"it carries CRLs, which Signet does not use");
	free(der);
	X509_CRL_free(crl);

	/* A certificate that is not in the signer's chain. */
	fx_cms_opts extra = { .extra = { stranger.cert } };
	der = fx_build_cms(&len, &leaf, &extra);
	CU_ASSERT_EQUAL(verify(der, len, t, &err), SIGNET_E_SIGNATURE_MALFORMED);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "cms.structure");
	signet_error_free(err);
	err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"it carries the certificate \"CN=Stranger,OU=ABCDE12345,O=Example Team\", which is not "
		"part of the signer's verified chain");
	free(der);

	/* The root itself may be carried: it is the anchor of the chain. */
	X509 *with_root[] = { root.cert, NULL };
	der = fx_sign(&len, &leaf, with_root);
	SG_ASSERT_OK(verify(der, len, t, &err), &err);
	free(der);
	sg_trust_free(t);
	fx_free(&stranger);
	fx_free(&leaf);
	fx_free(&root);
}

/*
 * A leaf key that is EC or RSA by its algorithm but does not decode is a
 * damaged signature (fatal), not an algorithm some policy may waive: the
 * first byte of the leaf's key bits, flipped inside a real CMS.
 */
static void tampered_leaf_key(bool rsa)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = rsa ? fx_leaf_rsa(&root, "Example Team") : fx_leaf(&root, "Example Team");
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	size_t at = sg_test_pubkey_offset(der, len, leaf.cert);
	/* EC: the uncompressed point's format byte, 0x04 -> 0x05; RSA: the key's SEQUENCE tag -> SET. */
	CU_ASSERT_EQUAL_FATAL(der[at], rsa ? 0x30 : 0x04);
	der[at] ^= 0x01;
	signet_error *err = NULL;
	CU_ASSERT_EQUAL(verify(der, len, t, &err), SIGNET_E_SIGNATURE_MALFORMED);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "cms.structure");
	CU_ASSERT_TRUE(signet_code_is_fatal(signet_error_code(err)));
	signet_error_free(err);
	err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_SIGNATURE_MALFORMED, rsa
		? "the signer's certificate \"CN=Example Team,OU=ABCDE12345,O=Example Team\" carries an "
		  "RSA public key that does not decode"
		: "the signer's certificate \"CN=Example Team,OU=ABCDE12345,O=Example Team\" carries an "
		  "EC public key that does not decode");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_tampered_ec_leaf_key_is_malformed(void) { tampered_leaf_key(false); }
static void test_tampered_rsa_leaf_key_is_malformed(void) { tampered_leaf_key(true); }

/* A well-formed key of another algorithm is what "unsupported" means. */
static void test_signer_key_of_another_algorithm_is_unsupported(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = fx_leaf(&root, "Example Team");
	/* The leaf's certificate again, same issuer and serial, with an Ed25519 key. */
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ed);
	X509 *other = X509_dup(leaf.cert);
	CU_ASSERT_PTR_NOT_NULL_FATAL(other);
	CU_ASSERT_EQUAL_FATAL(X509_set_pubkey(other, ed), 1);
	CU_ASSERT_FATAL(X509_sign(other, root.key, EVP_sha256()) > 0);
	/* OpenSSL 3.0 cannot sign CMS with Ed25519: sign with the EC key, carry the Ed25519 certificate. */
	fx_cms_opts o = { .no_signer_cert = true, .extra = { other } };
	size_t len;
	uint8_t *der = fx_build_cms(&len, &leaf, &o);
	sg_trust *t = fx_trust(root.cert);
	signet_error *err = NULL;
	CU_ASSERT_EQUAL(verify(der, len, t, &err), SIGNET_E_SIGNATURE_UNSUPPORTED);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "cms.algorithm");
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), "ED25519");
	signet_error_free(err);
	err = NULL;
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_SIGNATURE_UNSUPPORTED,
		"unsupported signer key ED25519 in CN=Example Team,OU=ABCDE12345,O=Example Team");
	free(der);
	sg_trust_free(t);
	X509_free(other);
	EVP_PKEY_free(ed);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_ber_and_key_id_signers(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = fx_leaf(&root, "Example Team");
	sg_trust *t = fx_trust(root.cert);
	signet_error *err = NULL;
	size_t len;

	/*
	 * The outer length in long form with a leading zero byte: BER that
	 * OpenSSL parses, but the same signature would have two encodings.
	 */
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	CU_ASSERT_FATAL(der[0] == 0x30 && der[1] == 0x82);
	uint8_t *loose = malloc(len + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(loose);
	loose[0] = 0x30;
	loose[1] = 0x83;
	loose[2] = 0x00;
	memcpy(loose + 3, der + 2, len - 2);
	SG_ASSERT_FAILS(verify(loose, len + 1, t, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"not in canonical DER");
	free(loose);
	free(der);

	/* Indefinite lengths (OpenSSL's streaming output): refused too. */
	fx_cms_opts ber = { .ber = true };
	der = fx_build_cms(&len, &leaf, &ber);
	SG_ASSERT_FAILS(verify(der, len, t, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"malformed CMS signature");
	free(der);

	/* A signer named by subject key id (versions 3) is fine. */
	fx_cms_opts keyid = { .use_keyid = true };
	der = fx_build_cms(&len, &leaf, &keyid);
	sg_signer s;
	SG_ASSERT_OK(verify_with(der, len, t, NULL, &s, &err), &err);
	CU_ASSERT_STRING_EQUAL(s.team, TEAM);
	sg_signer_clear(&s);
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_every_byte_flip_is_refused(void)
{
	/* Each bit pattern at each byte of an ECDSA and an RSA signature with an intermediate. */
	fx_cert root = fx_root("Test Root");
	fx_cert inter = fx_intermediate(&root, "Test Intermediate");
	fx_cert leaves[2] = { fx_leaf(&inter, "Example Team"), fx_leaf_rsa(&inter, "Example Team") };
	sg_trust *t = fx_trust(root.cert);
	X509 *chain[] = { inter.cert, NULL };
	static const uint8_t patterns[] = { 0x01, 0x80, 0xff };
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	/*
	 * Sanitized builds (with fast_unwind_on_malloc=0) are ~100 times slower
	 * inside OpenSSL: one pattern at every 7th byte there still exercises
	 * every parser path for memory safety; the full sweep runs unsanitized.
	 */
	const size_t npatterns = 1, stride = 7;
#else
	const size_t npatterns = sizeof patterns, stride = 1;
#endif
	for (int k = 0; k < 2; k++) {
		size_t len, accepted = 0;
		uint8_t *der = fx_sign(&len, &leaves[k], chain);
		for (size_t i = (size_t)k; i < len; i += stride) {
			for (size_t p = 0; p < npatterns; p++) {
				der[i] ^= patterns[p];
				sg_signer s;
				signet_error *err = NULL;
				int rc = sg_cms_verify(&s, der, len, fx_content, sizeof fx_content, t, NULL, NULL, &err);
				if (rc == 0) {
					fprintf(stderr, "  %s: flip 0x%02x at %zu of %zu accepted\n",
						k ? "RSA" : "EC", patterns[p], i, len);
					sg_signer_clear(&s);
					accepted++;
				}
				signet_error_free(err);
				der[i] ^= patterns[p];
			}
		}
		CU_ASSERT_EQUAL(accepted, 0);
		free(der);
	}
	sg_trust_free(t);
	fx_free(&leaves[0]);
	fx_free(&leaves[1]);
	fx_free(&inter);
	fx_free(&root);
}

/* ---- the signer ---- */

static void test_signer_describes_the_leaf_and_anchor(void)
{
	signed_chain c = signed_chain_make();
	sg_trust *t = c.trust;
	uint8_t *der = c.der;
	size_t len = c.len;
	signet_error *err = NULL;
	sg_signer s;
	time_t before = time(NULL);
	SG_ASSERT_OK(verify_with(der, len, t, NULL, &s, &err), &err);
	CU_ASSERT_STRING_EQUAL(s.team, TEAM);
	CU_ASSERT_STRING_EQUAL(s.leaf_subject, "CN=Example Team,OU=ABCDE12345,O=Example Team");
	CU_ASSERT_STRING_EQUAL(s.leaf_common_name, "Example Team");
	CU_ASSERT_STRING_EQUAL(s.anchor_subject, "CN=Test Root,O=Signet tests");
	CU_ASSERT(s.verified_at >= before && s.verified_at <= time(NULL));

	/* Serial: uppercase hex of the certificate's serial number. */
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c.leaf.cert), NULL);
	char *hex = BN_bn2hex(bn);
	CU_ASSERT_STRING_EQUAL(s.leaf_serial_hex, hex);
	for (const char *p = s.leaf_serial_hex; *p; p++)
		CU_ASSERT(!(*p >= 'a' && *p <= 'f'));
	OPENSSL_free(hex);
	BN_free(bn);

	/* Validity as time_t, matching OpenSSL's own comparison. */
	CU_ASSERT(s.leaf_not_before <= before && s.leaf_not_before > before - 3600);
	CU_ASSERT(s.leaf_not_after > before + 364 * DAY && s.leaf_not_after < before + 366 * DAY);
	CU_ASSERT_EQUAL(ASN1_TIME_cmp_time_t(X509_get0_notAfter(c.leaf.cert), s.leaf_not_after), 0);

	/* Anchor hash: SHA-256 over the root's DER, computed here independently. */
	unsigned char *root_der = NULL;
	int n = i2d_X509(c.root.cert, &root_der);
	CU_ASSERT_FATAL(n > 0);
	uint8_t md[32];
	unsigned int mdlen = 0;
	CU_ASSERT_EQUAL(EVP_Digest(root_der, (size_t)n, md, &mdlen, EVP_sha256(), NULL), 1);
	CU_ASSERT_EQUAL(mdlen, 32);
	CU_ASSERT_EQUAL(memcmp(s.anchor_sha256, md, 32), 0);
	OPENSSL_free(root_der);

	/* The chain: leaf, intermediate, anchor. */
	CU_ASSERT_EQUAL_FATAL(sk_X509_num(s.chain), 3);
	CU_ASSERT_EQUAL(X509_cmp(sk_X509_value(s.chain, 0), c.leaf.cert), 0);
	CU_ASSERT_EQUAL(X509_cmp(sk_X509_value(s.chain, 1), c.inter.cert), 0);
	CU_ASSERT_EQUAL(X509_cmp(sk_X509_value(s.chain, 2), c.root.cert), 0);
	sg_signer_clear(&s);
	CU_ASSERT_PTR_NULL(s.chain);
	CU_ASSERT_PTR_NULL(s.team);
	sg_signer_clear(&s); /* twice is fine */
	signed_chain_free(&c);
}

static void test_certificate_fields(void)
{
	signed_chain c = signed_chain_make();
	sg_trust *t = c.trust;
	uint8_t *der = c.der;
	size_t len = c.len;
	signet_error *err = NULL;
	sg_signer s;
	SG_ASSERT_OK(verify_with(der, len, t, NULL, &s, &err), &err);

	CU_ASSERT_STRING_EQUAL(sg_signer_certificate_field(&s, 0, "subject.CN"), "Example Team");
	CU_ASSERT_STRING_EQUAL(sg_signer_certificate_field(&s, 0, "subject.OU"), TEAM);
	CU_ASSERT_STRING_EQUAL(sg_signer_certificate_field(&s, 0, "subject.O"), "Example Team");
	CU_ASSERT_STRING_EQUAL(sg_signer_certificate_field(&s, 0, "issuer.CN"), "Test Intermediate");
	CU_ASSERT_STRING_EQUAL(sg_signer_certificate_field(&s, 0, "serial"), s.leaf_serial_hex);
	CU_ASSERT_STRING_EQUAL(sg_signer_certificate_field(&s, 0, "subject"),
		"CN=Example Team,OU=ABCDE12345,O=Example Team");
	CU_ASSERT_PTR_NULL(sg_signer_certificate_field(&s, 0, "subject.C"));
	CU_ASSERT_STRING_EQUAL(sg_signer_certificate_field(&s, 1, "subject.CN"), "Test Intermediate");
	CU_ASSERT_STRING_EQUAL(sg_signer_certificate_field(&s, 1, "issuer.CN"), "Test Root");
	CU_ASSERT_STRING_EQUAL(sg_signer_certificate_field(&s, -1, "subject.CN"), "Test Root");
	CU_ASSERT_STRING_EQUAL(sg_signer_certificate_field(&s, -1, "subject.O"), "Signet tests");
	CU_ASSERT_STRING_EQUAL(sg_signer_certificate_field(&s, 2, "subject.CN"), "Test Root");

	/* sha256 of the anchor is the anchor hash, in lowercase hex. */
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", s.anchor_sha256[i]);
	CU_ASSERT_STRING_EQUAL(sg_signer_certificate_field(&s, -1, "sha256"), hex);
	const char *nb = sg_signer_certificate_field(&s, 0, "not_before");
	CU_ASSERT(nb && strlen(nb) == 20 && nb[19] == 'Z');

	/* Absent, unknown and out of range are NULL. */
	CU_ASSERT_PTR_NULL(sg_signer_certificate_field(&s, 3, "subject.CN"));
	CU_ASSERT_PTR_NULL(sg_signer_certificate_field(&s, -2, "subject.CN"));
	CU_ASSERT_PTR_NULL(sg_signer_certificate_field(&s, 0, "subject.XX"));
	CU_ASSERT_PTR_NULL(sg_signer_certificate_field(&s, 0, "subjectCN"));
	CU_ASSERT_PTR_NULL(sg_signer_certificate_field(&s, 0, "bogus"));
	CU_ASSERT_PTR_NULL(sg_signer_certificate_field(NULL, 0, "subject.CN"));

	/* The same question gets the same pointer (a bounded cache), and the callback agrees. */
	const char *a = sg_signer_certificate_field(&s, 0, "subject.CN");
	CU_ASSERT_PTR_EQUAL(a, sg_signer_certificate_field(&s, 0, "subject.CN"));
	CU_ASSERT_PTR_EQUAL(sg_signer_field_cb(&s, -1, "subject.CN"),
		sg_signer_certificate_field(&s, 2, "subject.CN"));
	sg_signer_clear(&s);
	signed_chain_free(&c);
}

static void test_names_are_utf8_on_one_line(void)
{
	fx_cert root = fx_root("Test Root");
	sg_pki_spec spec = SG_PKI_SPEC_INIT;
	spec.common_name = "\xc3\x89quipe\nEvil: yes"; /* "Équipe", then a forged second line */
	spec.org_units[0] = TEAM;
	spec.n_org_units = 1;
	spec.code_signing = true;
	spec.issuer_key = root.key;
	spec.issuer_cert = root.cert;
	fx_cert leaf = fx_make(&spec);
	sg_trust *t = fx_trust(root.cert);
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	signet_error *err = NULL;
	sg_signer s;
	SG_ASSERT_OK(verify_with(der, len, t, NULL, &s, &err), &err);
	/* The field is the exact value, for requirements to compare byte for byte ... */
	CU_ASSERT_STRING_EQUAL(s.leaf_common_name, "\xc3\x89quipe\nEvil: yes");
	/* ... the one-line subject keeps UTF-8 readable and escapes the control character. */
	CU_ASSERT_STRING_EQUAL(s.leaf_subject, "CN=\xc3\x89quipe\\0AEvil: yes,OU=ABCDE12345");
	CU_ASSERT_PTR_NULL(strchr(s.leaf_subject, '\n'));
	sg_signer_clear(&s);
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_team_id_rule(void)
{
	CU_ASSERT_TRUE(sg_team_id_valid("ABCDE12345"));
	CU_ASSERT_TRUE(sg_team_id_valid("a"));
	CU_ASSERT_TRUE(sg_team_id_valid("com.example_team-1"));
	char max[SG_TEAM_ID_MAX + 2];
	memset(max, 'A', sizeof max);
	max[SG_TEAM_ID_MAX] = '\0';
	CU_ASSERT_TRUE(sg_team_id_valid(max));
	max[SG_TEAM_ID_MAX] = 'A';
	max[SG_TEAM_ID_MAX + 1] = '\0';
	CU_ASSERT_FALSE(sg_team_id_valid(max));
	CU_ASSERT_FALSE(sg_team_id_valid(""));
	CU_ASSERT_FALSE(sg_team_id_valid(NULL));
	CU_ASSERT_FALSE(sg_team_id_valid("-rf"));
	CU_ASSERT_FALSE(sg_team_id_valid(".."));
	CU_ASSERT_FALSE(sg_team_id_valid("ABC DE"));
	CU_ASSERT_FALSE(sg_team_id_valid("ABC/DE"));
	CU_ASSERT_FALSE(sg_team_id_valid("ABC\nDE"));
	CU_ASSERT_FALSE(sg_team_id_valid("\xc3\x89QUIPE"));
}

static const sg_test roundtrip_tests[] = {
	{ "roundtrip_ecdsa_p256", test_roundtrip_ecdsa_p256 },
	{ "roundtrip_rsa", test_roundtrip_rsa },
	{ "roundtrip_through_an_intermediate", test_roundtrip_through_an_intermediate },
	{ "empty_content_signs_and_verifies", test_empty_content_signs_and_verifies },
	{ "sign_bound_ecdsa_p256", test_sign_bound_ecdsa_p256 },
	{ "sign_bound_rsa", test_sign_bound_rsa },
	{ "sign_refuses_a_key_that_is_not_the_certificates", test_sign_refuses_a_key_that_is_not_the_certificates },
	{ "sign_refuses_unsupported_keys", test_sign_refuses_unsupported_keys },
	{ "sign_and_verify_check_their_arguments", test_sign_and_verify_check_their_arguments },
	{ NULL, NULL },
};

static const sg_test interop_tests[] = {
	{ "stock_openssl_verifies_an_ecdsa_signature", test_stock_openssl_verifies_an_ecdsa_signature },
	{ "stock_openssl_verifies_an_rsa_signature", test_stock_openssl_verifies_an_rsa_signature },
	{ "signet_verifies_what_stock_openssl_signs", test_signet_verifies_what_stock_openssl_signs },
	{ "a_ca_made_with_the_openssl_cli_as_documented_works", test_a_ca_made_with_the_openssl_cli_as_documented_works },
	{ NULL, NULL },
};

static const sg_test certificate_tests[] = {
	{ "untrusted_root_is_refused", test_untrusted_root_is_refused },
	{ "roots_of_one_name_are_told_apart", test_roots_of_one_name_are_told_apart },
	{ "untrusted_refusal_lists_a_few_anchors", test_untrusted_refusal_lists_a_few_anchors },
	{ "self_signed_leaf_is_refused", test_self_signed_leaf_is_refused },
	{ "expired_leaf_is_refused", test_expired_leaf_is_refused },
	{ "not_yet_valid_leaf_is_refused", test_not_yet_valid_leaf_is_refused },
	{ "verification_time_outside_validity_is_refused", test_verification_time_outside_validity_is_refused },
	{ "signing_time_attribute_is_not_trusted", test_signing_time_attribute_is_not_trusted },
	{ "expired_intermediate_is_refused", test_expired_intermediate_is_refused },
	{ "expired_anchor_is_refused", test_expired_anchor_is_refused },
	{ "sha1_certificate_signature_is_refused", test_sha1_certificate_signature_is_refused },
	{ "rsa_1024_leaf_is_refused", test_rsa_1024_leaf_is_refused },
	{ "leaf_without_codesigning_eku_is_refused", test_leaf_without_codesigning_eku_is_refused },
	{ "leaf_that_is_a_ca_is_refused", test_leaf_that_is_a_ca_is_refused },
	{ "leaf_without_key_usage_is_refused", test_leaf_without_key_usage_is_refused },
	{ "intermediate_restricted_to_tls_is_refused", test_intermediate_restricted_to_tls_is_refused },
	{ "intermediate_that_is_not_a_ca_is_refused", test_intermediate_that_is_not_a_ca_is_refused },
	{ "path_length_constraint_is_enforced", test_path_length_constraint_is_enforced },
	{ "leaf_with_a_bad_issuer_signature_is_refused", test_leaf_with_a_bad_issuer_signature_is_refused },
	{ "leaf_without_ou_has_no_team", test_leaf_without_ou_has_no_team },
	{ "leaf_with_two_ous_has_no_team", test_leaf_with_two_ous_has_no_team },
	{ "leaf_whose_ou_is_not_a_team_id_has_no_team", test_leaf_whose_ou_is_not_a_team_id_has_no_team },
	{ "checks_run_in_the_documented_order", test_checks_run_in_the_documented_order },
	{ NULL, NULL },
};

static const sg_test signature_tests[] = {
	{ "content_changed_by_one_byte_is_a_mismatch", test_content_changed_by_one_byte_is_a_mismatch },
	{ "key_a_with_certificate_b_is_a_mismatch", test_key_a_with_certificate_b_is_a_mismatch },
	{ "flipped_signature_byte_is_a_mismatch", test_flipped_signature_byte_is_a_mismatch },
	{ "truncation_at_every_length_is_an_error", test_truncation_at_every_length_is_an_error },
	{ "trailing_bytes_are_malformed", test_trailing_bytes_are_malformed },
	{ "structure_refusals", test_structure_refusals },
	{ "too_many_certificates_hit_the_limit", test_too_many_certificates_hit_the_limit },
	{ "envelope_fields_outside_the_signature_are_pinned", test_envelope_fields_outside_the_signature_are_pinned },
	{ "unsigned_cargo_is_refused", test_unsigned_cargo_is_refused },
	{ "tampered_ec_leaf_key_is_malformed", test_tampered_ec_leaf_key_is_malformed },
	{ "tampered_rsa_leaf_key_is_malformed", test_tampered_rsa_leaf_key_is_malformed },
	{ "signer_key_of_another_algorithm_is_unsupported", test_signer_key_of_another_algorithm_is_unsupported },
	{ "ber_and_key_id_signers", test_ber_and_key_id_signers },
	{ "every_byte_flip_is_refused", test_every_byte_flip_is_refused },
	{ NULL, NULL },
};

static const sg_test signer_tests[] = {
	{ "signer_describes_the_leaf_and_anchor", test_signer_describes_the_leaf_and_anchor },
	{ "certificate_fields", test_certificate_fields },
	{ "names_are_utf8_on_one_line", test_names_are_utf8_on_one_line },
	{ "team_id_rule", test_team_id_rule },
	{ NULL, NULL },
};

int main(void)
{
	fx_init();
	static const sg_suite suites[] = {
		{ "cms.roundtrip", roundtrip_tests },
		{ "cms.interop", interop_tests },
		{ "cms.certificates", certificate_tests },
		{ "cms.signature", signature_tests },
		{ "cms.signer", signer_tests },
		{ NULL, NULL },
	};
	return sg_test_main(suites);
}
