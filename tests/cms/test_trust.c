/* SPDX-License-Identifier: MIT */
/*
 * test_trust.c - trust anchors from files and directories, PEM loading with
 * errors that name the file, and signing/pki.c: what it makes and how it
 * writes keys (0600, temp + rename, never overwriting silently).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cms_fixture.h"
#include "harness.h"

static unsigned file_mode(const char *path)
{
	struct stat st;
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	return (unsigned)(st.st_mode & 07777);
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* ---- trust anchors ---- */

static void test_trust_from_a_file_with_several_anchors(void)
{
	const char *dir = sg_sandbox();
	fx_cert a = fx_root("Root A"), b = fx_root("Root B");
	STACK_OF(X509) *both = sk_X509_new_null();
	sk_X509_push(both, a.cert);
	sk_X509_push(both, b.cert);
	char path[4096];
	snprintf(path, sizeof path, "%s/anchors.pem", dir);
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_pki_write_certs(path, both, false, &err), &err);
	sk_X509_free(both);

	sg_trust *t = NULL;
	SG_ASSERT_OK(sg_trust_load(&t, path, &err), &err);
	CU_ASSERT_EQUAL(sg_trust_count(t), 2);

	/* A leaf under either anchor verifies. */
	fx_cert leaf = fx_leaf(&b, "Example Team");
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	sg_signer s;
	SG_ASSERT_OK(sg_cms_verify(&s, der, len, fx_content, sizeof fx_content, t, NULL, NULL, &err), &err);
	CU_ASSERT_STRING_EQUAL(s.anchor_subject, "CN=Root B,O=Signet tests");
	sg_signer_clear(&s);
	free(der);
	sg_trust_free(t);
	sg_trust_free(NULL);
	fx_free(&leaf);
	fx_free(&a);
	fx_free(&b);
}

static void test_trust_from_a_directory(void)
{
	const char *dir = sg_sandbox();
	fx_cert a = fx_root("Root A"), b = fx_root("Root B"), c = fx_root("Root C");
	fx_write_cert(dir, "a.pem", a.cert);
	fx_write_cert(dir, "b.crt", b.cert);
	/* Neither is loaded: a hidden file and another extension. */
	fx_write_cert(dir, ".hidden.pem", c.cert);
	fx_write_cert(dir, "c.pem.bak", c.cert);
	fx_write_bytes(dir, "README", "not a certificate\n", 18);
	char sub[4096];
	snprintf(sub, sizeof sub, "%s/sub.pem", dir);
	CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0700), 0);

	sg_trust *t = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_trust_load(&t, dir, &err), &err);
	CU_ASSERT_EQUAL(sg_trust_count(t), 2);

	fx_cert leaf = fx_leaf(&c, "Example Team");
	size_t len;
	uint8_t *der = fx_sign(&len, &leaf, NULL);
	sg_signer s;
	SG_ASSERT_FAILS(sg_cms_verify(&s, der, len, fx_content, sizeof fx_content, t, NULL, NULL, &err),
		&err, SIGNET_E_UNTRUSTED_ANCHOR, "CN=Root C");
	free(der);
	sg_trust_free(t);
	fx_free(&leaf);
	fx_free(&a);
	fx_free(&b);
	fx_free(&c);
}

static void test_trust_path_errors(void)
{
	const char *dir = sg_sandbox();
	sg_trust *t = NULL;
	signet_error *err = NULL;
	char path[4096];

	snprintf(path, sizeof path, "%s/missing.pem", dir);
	CU_ASSERT_EQUAL(sg_trust_load(&t, path, &err), SIGNET_E_IO);
	CU_ASSERT_EQUAL(signet_error_os_errno(err), ENOENT);
	CU_ASSERT_STRING_EQUAL(signet_error_path(err), path);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "trust.load");
	signet_error_free(err);
	err = NULL;

	/* An empty directory, an empty file, a file of text: no anchor is an error. */
	SG_ASSERT_FAILS(sg_trust_load(&t, dir, &err), &err, SIGNET_E_NOT_FOUND,
		"no trust anchor certificate");
	const char *empty = fx_write_bytes(dir, "empty.pem", "", 0);
	SG_ASSERT_FAILS(sg_trust_load(&t, empty, &err), &err, SIGNET_E_NOT_FOUND,
		"empty.pem: no certificate in the file");
	const char *text = fx_write_bytes(dir, "text.pem", "hello\n", 6);
	SG_ASSERT_FAILS(sg_trust_load(&t, text, &err), &err, SIGNET_E_NOT_FOUND, "no certificate");
	CU_ASSERT_PTR_NULL(t);

	SG_ASSERT_FAILS(sg_trust_load(&t, "", &err), &err, SIGNET_E_INVALID_ARGUMENT, "no trust anchor path");
	SG_ASSERT_FAILS(sg_trust_load(&t, NULL, &err), &err, SIGNET_E_INVALID_ARGUMENT, "no trust anchor path");
}

static void test_trust_refuses_a_damaged_file(void)
{
	const char *dir = sg_sandbox();
	fx_cert a = fx_root("Root A");
	const char *good = fx_write_cert(dir, "good.pem", a.cert);
	size_t len;
	uint8_t *pem = fx_read(good, &len);
	/* A second block whose base64 is damaged: the whole file is refused, not half-loaded. */
	const char *bad_block = "-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----\n";
	size_t blen = strlen(bad_block);
	uint8_t *both = malloc(len + blen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(both);
	memcpy(both, pem, len);
	memcpy(both + len, bad_block, blen);
	char *damaged = strdup(fx_write_bytes(dir, "damaged.pem", both, len + blen));
	sg_trust *t = NULL;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(sg_trust_load(&t, damaged, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"damaged.pem: a PEM block after certificate 1 does not decode");
	/* In a directory, the damaged file is named. */
	SG_ASSERT_FAILS(sg_trust_load(&t, dir, &err), &err, SIGNET_E_INVALID_ARGUMENT, "damaged.pem");
	CU_ASSERT_EQUAL(ERR_peek_error(), 0);
	free(damaged);
	free(both);
	free(pem);
	fx_free(&a);
}

/* ---- PEM ---- */

static void test_pem_keys_load_and_name_the_file_on_error(void)
{
	const char *dir = sg_sandbox();
	fx_cert root = fx_root("Root");
	fx_cert rsa = fx_leaf_rsa(&root, "RSA Team");
	signet_error *err = NULL;
	EVP_PKEY *k = NULL;

	SG_ASSERT_OK(sg_pem_load_key(&k, fx_write_key(dir, "ec.key", root.key), &err), &err);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(k, root.key), 1);
	EVP_PKEY_free(k);
	k = NULL;
	SG_ASSERT_OK(sg_pem_load_key(&k, fx_write_key(dir, "rsa.key", rsa.key), &err), &err);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(k, rsa.key), 1);
	EVP_PKEY_free(k);
	k = NULL;

	char missing[4096];
	snprintf(missing, sizeof missing, "%s/nope.key", dir);
	CU_ASSERT_EQUAL(sg_pem_load_key(&k, missing, &err), SIGNET_E_IO);
	CU_ASSERT_EQUAL(signet_error_os_errno(err), ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(err), "nope.key: cannot open"));
	signet_error_free(err);
	err = NULL;

	SG_ASSERT_FAILS(sg_pem_load_key(&k, fx_write_cert(dir, "cert.pem", root.cert), &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "cert.pem: no private key could be read");
	SG_ASSERT_FAILS(sg_pem_load_key(&k, dir, &err), &err, SIGNET_E_IO, "not a regular file");

	/* An encrypted key is refused without prompting for a passphrase. */
	char enc[4096];
	snprintf(enc, sizeof enc, "%s/enc.key", dir);
	FILE *f = fopen(enc, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(PEM_write_PKCS8PrivateKey(f, root.key, EVP_aes_256_cbc(), "pw", 2, NULL, NULL), 1);
	fclose(f);
	SG_ASSERT_FAILS(sg_pem_load_key(&k, enc, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"enc.key: the private key is encrypted");
	CU_ASSERT_PTR_NULL(k);
	CU_ASSERT_EQUAL(ERR_peek_error(), 0);
	fx_free(&rsa);
	fx_free(&root);
}

static void test_pem_certificates(void)
{
	const char *dir = sg_sandbox();
	fx_cert a = fx_root("Root A"), b = fx_root("Root B");
	signet_error *err = NULL;
	X509 *one = NULL;
	SG_ASSERT_OK(sg_pem_load_cert(&one, fx_write_cert(dir, "a.pem", a.cert), &err), &err);
	CU_ASSERT_EQUAL(X509_cmp(one, a.cert), 0);
	X509_free(one);
	one = NULL;

	/* A key and a certificate in one file: the key block is skipped. */
	char mixed[4096];
	snprintf(mixed, sizeof mixed, "%s/mixed.pem", dir);
	FILE *f = fopen(mixed, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	PEM_write_PrivateKey(f, a.key, NULL, NULL, 0, NULL, NULL);
	PEM_write_X509(f, a.cert);
	fclose(f);
	SG_ASSERT_OK(sg_pem_load_cert(&one, mixed, &err), &err);
	X509_free(one);
	one = NULL;

	STACK_OF(X509) *two = sk_X509_new_null();
	sk_X509_push(two, a.cert);
	sk_X509_push(two, b.cert);
	char both[4096];
	snprintf(both, sizeof both, "%s/both.pem", dir);
	SG_ASSERT_OK(sg_pki_write_certs(both, two, false, &err), &err);
	sk_X509_free(two);
	SG_ASSERT_FAILS(sg_pem_load_cert(&one, both, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"both.pem: the file holds 2 certificates where one is expected");

	STACK_OF(X509) *certs = NULL;
	SG_ASSERT_OK(sg_pem_load_certs(&certs, both, &err), &err);
	CU_ASSERT_EQUAL(sk_X509_num(certs), 2);
	sk_X509_pop_free(certs, X509_free);
	certs = NULL;

	/* A chain file may be empty (signet ca writes one); a certificate list may not. */
	char empty[4096];
	snprintf(empty, sizeof empty, "%s/empty.chain.pem", dir);
	SG_ASSERT_OK(sg_pki_write_certs(empty, NULL, false, &err), &err);
	SG_ASSERT_OK(sg_pem_load_chain(&certs, empty, &err), &err);
	CU_ASSERT_EQUAL(sk_X509_num(certs), 0);
	sk_X509_pop_free(certs, X509_free);
	certs = NULL;
	SG_ASSERT_FAILS(sg_pem_load_certs(&certs, empty, &err), &err, SIGNET_E_NOT_FOUND,
		"empty.chain.pem: no certificate in the file");
	SG_ASSERT_FAILS(sg_pem_load_cert(&one, empty, &err), &err, SIGNET_E_NOT_FOUND, "no certificate");
	fx_free(&a);
	fx_free(&b);
}

/* ---- signing/pki.c ---- */

static void test_pki_makes_what_the_spec_says(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert leaf = fx_leaf(&root, "Example Team");

	/* Root: self-issued, critical CA:TRUE, keyCertSign, SKI = AKI. */
	CU_ASSERT_EQUAL(X509_check_ca(root.cert), 1);
	CU_ASSERT_EQUAL(X509_self_signed(root.cert, 1), 1);
	CU_ASSERT(X509_get_key_usage(root.cert) & KU_KEY_CERT_SIGN);
	int crit = -1;
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(root.cert, NID_basic_constraints, &crit, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bc);
	CU_ASSERT_EQUAL(crit, 1);
	BASIC_CONSTRAINTS_free(bc);
	CU_ASSERT_EQUAL(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(root.cert),
		X509_get0_authority_key_id(root.cert)), 0);

	/* Leaf: not a CA, digitalSignature, codeSigning, AKI = root's SKI, version 3, EC P-256. */
	CU_ASSERT_EQUAL(X509_check_ca(leaf.cert), 0);
	CU_ASSERT_EQUAL(X509_get_version(leaf.cert), X509_VERSION_3);
	CU_ASSERT(X509_get_key_usage(leaf.cert) & KU_DIGITAL_SIGNATURE);
	CU_ASSERT(X509_get_extended_key_usage(leaf.cert) & XKU_CODE_SIGN);
	CU_ASSERT_EQUAL(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(root.cert),
		X509_get0_authority_key_id(leaf.cert)), 0);
	CU_ASSERT_EQUAL(X509_NAME_cmp(X509_get_issuer_name(leaf.cert), X509_get_subject_name(root.cert)), 0);
	CU_ASSERT_EQUAL(X509_verify(leaf.cert, root.key), 1);
	CU_ASSERT_TRUE(EVP_PKEY_is_a(leaf.key, "EC"));
	CU_ASSERT_EQUAL(EVP_PKEY_get_bits(leaf.key), 256);

	/* Serial: positive, random, at most 128 bits, different each time. */
	BIGNUM *s1 = ASN1_INTEGER_to_BN(X509_get0_serialNumber(root.cert), NULL);
	BIGNUM *s2 = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf.cert), NULL);
	CU_ASSERT_FALSE(BN_is_negative(s1));
	CU_ASSERT_FALSE(BN_is_zero(s1));
	CU_ASSERT(BN_num_bits(s1) <= 128 && BN_num_bits(s1) > 64);
	CU_ASSERT_NOT_EQUAL(BN_cmp(s1, s2), 0);
	BN_free(s1);
	BN_free(s2);

	/* Validity offsets, negative ones included. */
	sg_pki_spec s = SG_PKI_SPEC_INIT;
	s.common_name = "Expired";
	s.not_before = -10 * DAY;
	s.not_after = -DAY;
	fx_cert old = fx_make(&s);
	CU_ASSERT(X509_cmp_current_time(X509_get0_notAfter(old.cert)) < 0);
	s.key_type = SG_PKI_KEY_RSA_3072;
	s.not_before = DAY;
	s.not_after = 2 * DAY;
	fx_cert future = fx_make(&s);
	CU_ASSERT(X509_cmp_current_time(X509_get0_notBefore(future.cert)) > 0);
	CU_ASSERT_EQUAL(EVP_PKEY_get_bits(future.key), 3072);
	fx_free(&old);
	fx_free(&future);
	fx_free(&leaf);
	fx_free(&root);
}

static void test_pki_refuses_bad_specs(void)
{
	fx_cert root = fx_root("Test Root");
	fx_cert other = fx_root("Other Root");
	EVP_PKEY *k = NULL;
	X509 *c = NULL;
	signet_error *err = NULL;
	sg_pki_spec s = SG_PKI_SPEC_INIT;
	SG_ASSERT_FAILS(sg_pki_make(&k, &c, &s, &err), &err, SIGNET_E_INVALID_ARGUMENT, "no common name");
	s.common_name = "X";
	s.not_after = s.not_before;
	SG_ASSERT_FAILS(sg_pki_make(&k, &c, &s, &err), &err, SIGNET_E_INVALID_ARGUMENT, "notAfter");
	s.not_after = DAY;
	s.issuer_key = root.key;
	SG_ASSERT_FAILS(sg_pki_make(&k, &c, &s, &err), &err, SIGNET_E_INVALID_ARGUMENT, "both its key");
	s.issuer_cert = other.cert;
	SG_ASSERT_FAILS(sg_pki_make(&k, &c, &s, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"the issuer key does not belong");
	s.issuer_cert = root.cert;
	s.path_len = 0;
	SG_ASSERT_FAILS(sg_pki_make(&k, &c, &s, &err), &err, SIGNET_E_INVALID_ARGUMENT, "path length");
	s.path_len = -1;
	char longname[80];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	s.common_name = longname; /* CN is at most 64 characters */
	SG_ASSERT_FAILS(sg_pki_make(&k, &c, &s, &err), &err, SIGNET_E_INTERNAL, "invalid common name");
	CU_ASSERT_PTR_NULL(k);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_EQUAL(ERR_peek_error(), 0);
	fx_free(&root);
	fx_free(&other);
}

static void test_pki_writes_keys_0600_and_never_overwrites_silently(void)
{
	const char *dir = sg_sandbox();
	fx_cert root = fx_root("Test Root");
	fx_cert other = fx_root("Other Root");
	char key[4096], cert[4096];
	snprintf(key, sizeof key, "%s/root.key", dir);
	snprintf(cert, sizeof cert, "%s/root.pem", dir);
	signet_error *err = NULL;

	/* Modes are exact whatever the umask. */
	mode_t old = umask(077);
	SG_ASSERT_OK(sg_pki_write_key(key, root.key, false, &err), &err);
	SG_ASSERT_OK(sg_pki_write_cert(cert, root.cert, false, &err), &err);
	umask(old);
	CU_ASSERT_EQUAL(file_mode(key), 0600);
	CU_ASSERT_EQUAL(file_mode(cert), 0644);
	CU_ASSERT_EQUAL(count_entries(dir), 2); /* no temporary left behind */

	/* PKCS#8, unencrypted. */
	size_t len;
	uint8_t *pem = fx_read(key, &len);
	CU_ASSERT(len > 27 && memcmp(pem, "-----BEGIN PRIVATE KEY-----", 27) == 0);
	OPENSSL_cleanse(pem, len);
	free(pem);

	CU_ASSERT_EQUAL(sg_pki_write_key(key, other.key, false, &err), SIGNET_E_IO);
	CU_ASSERT_EQUAL(signet_error_os_errno(err), EEXIST);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "pki.write");
	signet_error_free(err);
	err = NULL;
	SG_ASSERT_FAILS(sg_pki_write_cert(cert, other.cert, false, &err), &err, SIGNET_E_IO,
		"root.pem: already exists; not overwriting it");
	/* The old files are intact. */
	EVP_PKEY *k = NULL;
	SG_ASSERT_OK(sg_pem_load_key(&k, key, &err), &err);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(k, root.key), 1);
	EVP_PKEY_free(k);
	k = NULL;

	/* A dangling symlink in the way is not followed, and not replaced. */
	char link_path[4096], target[4096];
	snprintf(link_path, sizeof link_path, "%s/planted.key", dir);
	snprintf(target, sizeof target, "%s/elsewhere", dir);
	CU_ASSERT_EQUAL_FATAL(symlink(target, link_path), 0);
	SG_ASSERT_FAILS(sg_pki_write_key(link_path, root.key, false, &err), &err, SIGNET_E_IO,
		"already exists");
	CU_ASSERT_NOT_EQUAL(access(target, F_OK), 0);

	/* With overwrite, atomically replaced. */
	SG_ASSERT_OK(sg_pki_write_key(key, other.key, true, &err), &err);
	SG_ASSERT_OK(sg_pem_load_key(&k, key, &err), &err);
	CU_ASSERT_EQUAL(EVP_PKEY_eq(k, other.key), 1);
	CU_ASSERT_EQUAL(file_mode(key), 0600);
	EVP_PKEY_free(k);
	CU_ASSERT_EQUAL(count_entries(dir), 3);

	/* A directory that does not exist: the error names the file. */
	char nodir[4096];
	snprintf(nodir, sizeof nodir, "%s/no/such.key", dir);
	CU_ASSERT_EQUAL(sg_pki_write_key(nodir, root.key, false, &err), SIGNET_E_IO);
	CU_ASSERT_EQUAL(signet_error_os_errno(err), ENOENT);
	CU_ASSERT_STRING_EQUAL(signet_error_path(err), nodir);
	signet_error_free(err);
	fx_free(&root);
	fx_free(&other);
}

static const sg_test trust_tests[] = {
	{ "trust_from_a_file_with_several_anchors", test_trust_from_a_file_with_several_anchors },
	{ "trust_from_a_directory", test_trust_from_a_directory },
	{ "trust_path_errors", test_trust_path_errors },
	{ "trust_refuses_a_damaged_file", test_trust_refuses_a_damaged_file },
	{ NULL, NULL },
};

static const sg_test pem_tests[] = {
	{ "pem_keys_load_and_name_the_file_on_error", test_pem_keys_load_and_name_the_file_on_error },
	{ "pem_certificates", test_pem_certificates },
	{ NULL, NULL },
};

static const sg_test pki_tests[] = {
	{ "pki_makes_what_the_spec_says", test_pki_makes_what_the_spec_says },
	{ "pki_refuses_bad_specs", test_pki_refuses_bad_specs },
	{ "pki_writes_keys_0600_and_never_overwrites_silently", test_pki_writes_keys_0600_and_never_overwrites_silently },
	{ NULL, NULL },
};

int main(void)
{
	fx_init();
	static const sg_suite suites[] = {
		{ "cms.trust", trust_tests },
		{ "cms.pem", pem_tests },
		{ "cms.pki", pki_tests },
		{ NULL, NULL },
	};
	return sg_test_main(suites);
}
