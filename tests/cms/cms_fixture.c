/* SPDX-License-Identifier: MIT */
/* cms_fixture.c - keys, certificates, trust stores and CMS blobs for tests/cms/. */
#include "config.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "cms_fixture.h"
#include "harness.h"

extern char **environ;

uint8_t fx_content[FX_CONTENT_LEN];

void fx_init(void)
{
	memcpy(fx_content, "SGCD", 4); /* looks like a CodeDirectory to a reader; any bytes do */
	for (size_t i = 4; i < sizeof fx_content; i++)
		fx_content[i] = (uint8_t)(i * 37 + 11);
}

void fx_free(fx_cert *c)
{
	EVP_PKEY_free(c->key);
	X509_free(c->cert);
	c->key = NULL;
	c->cert = NULL;
}

fx_cert fx_make(const sg_pki_spec *spec)
{
	fx_cert c = { NULL, NULL };
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_pki_make(&c.key, &c.cert, spec, &err), &err);
	return c;
}

fx_cert fx_root(const char *cn)
{
	sg_pki_spec s = SG_PKI_SPEC_INIT;
	s.common_name = cn;
	s.organization = "Signet tests";
	s.is_ca = true;
	s.not_before = -60 * DAY; /* so tests may verify at a time in the past */
	s.not_after = 3650 * DAY;
	return fx_make(&s);
}

static fx_cert leaf(const fx_cert *issuer, const char *cn, sg_pki_key_type type)
{
	sg_pki_spec s = SG_PKI_SPEC_INIT;
	s.key_type = type;
	s.common_name = cn;
	s.organization = "Example Team";
	s.org_units[0] = TEAM;
	s.n_org_units = 1;
	s.code_signing = true;
	s.issuer_key = issuer->key;
	s.issuer_cert = issuer->cert;
	return fx_make(&s);
}

fx_cert fx_leaf(const fx_cert *issuer, const char *cn)
{
	return leaf(issuer, cn, SG_PKI_KEY_EC_P256);
}

fx_cert fx_leaf_rsa(const fx_cert *issuer, const char *cn)
{
	return leaf(issuer, cn, SG_PKI_KEY_RSA_2048);
}

fx_cert fx_intermediate(const fx_cert *issuer, const char *cn)
{
	sg_pki_spec s = SG_PKI_SPEC_INIT;
	s.common_name = cn;
	s.is_ca = true;
	s.issuer_key = issuer->key;
	s.issuer_cert = issuer->cert;
	return fx_make(&s);
}

static char *ring_path(const char *dir, const char *name)
{
	static char ring[8][4096];
	static unsigned next;
	char *buf = ring[next++ % 8];
	snprintf(buf, sizeof ring[0], "%s/%s", dir, name);
	return buf;
}

const char *fx_write_cert(const char *dir, const char *name, X509 *cert)
{
	const char *path = ring_path(dir, name);
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_pki_write_cert(path, cert, true, &err), &err);
	return path;
}

const char *fx_write_key(const char *dir, const char *name, EVP_PKEY *key)
{
	const char *path = ring_path(dir, name);
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_pki_write_key(path, key, true, &err), &err);
	return path;
}

const char *fx_write_bytes(const char *dir, const char *name, const void *data, size_t len)
{
	const char *path = ring_path(dir, name);
	FILE *f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(data, 1, len, f), len);
	CU_ASSERT_EQUAL(fclose(f), 0);
	return path;
}

uint8_t *fx_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	size_t r;
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

sg_trust *fx_trust(X509 *root)
{
	const char *dir = sg_sandbox();
	sg_trust *t = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_trust_load(&t, fx_write_cert(dir, "anchor.pem", root), &err), &err);
	return t;
}

uint8_t *fx_sign(size_t *len, const fx_cert *signer, X509 *const *chain)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	CU_ASSERT_PTR_NOT_NULL_FATAL(sk);
	for (size_t i = 0; chain && chain[i]; i++)
		sk_X509_push(sk, chain[i]);
	uint8_t *der = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_cms_sign(&der, len, fx_content, sizeof fx_content, signer->key,
		signer->cert, sk, &err), &err);
	sk_X509_free(sk);
	return der;
}

X509_CRL *fx_crl(const fx_cert *ca)
{
	X509_CRL *crl = X509_CRL_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(crl);
	ASN1_TIME *now = ASN1_TIME_set(NULL, time(NULL));
	ASN1_TIME *next = ASN1_TIME_set(NULL, time(NULL) + DAY);
	CU_ASSERT_EQUAL(X509_CRL_set_version(crl, X509_CRL_VERSION_2), 1);
	CU_ASSERT_EQUAL(X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)), 1);
	CU_ASSERT_EQUAL(X509_CRL_set1_lastUpdate(crl, now), 1);
	CU_ASSERT_EQUAL(X509_CRL_set1_nextUpdate(crl, next), 1);
	CU_ASSERT_FATAL(X509_CRL_sign(crl, ca->key, EVP_sha256()) > 0);
	ASN1_TIME_free(now);
	ASN1_TIME_free(next);
	return crl;
}

uint8_t *fx_build_cms(size_t *len, const fx_cert *signer, const fx_cms_opts *o)
{
	unsigned int flags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP | (o->embed ? 0 : CMS_DETACHED)
		| (o->ber ? CMS_STREAM : 0);
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cms);
	const EVP_MD *md = o->md ? o->md : EVP_sha256();
	CMS_SignerInfo *si = CMS_add1_signer(cms, signer->cert, signer->key, md,
		flags | (o->no_signer_cert ? CMS_NOCERTS : 0) | (o->use_keyid ? CMS_USE_KEYID : 0));
	CU_ASSERT_PTR_NOT_NULL_FATAL(si);
	if (o->unsigned_attr) {
		static const unsigned char note[] = "unsigned cargo";
		CU_ASSERT_EQUAL(CMS_unsigned_add1_attr_by_NID(si, NID_pkcs9_unstructuredName,
			V_ASN1_UTF8STRING, note, sizeof note - 1), 1);
	}
	if (o->crl)
		CU_ASSERT_EQUAL(CMS_add1_crl(cms, o->crl), 1);
	if (o->signing_time) {
		ASN1_TIME *t = ASN1_TIME_set(NULL, o->signing_time);
		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		CU_ASSERT_EQUAL(CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, t->type, t, -1), 1);
		ASN1_TIME_free(t);
	}
	if (o->second)
		CU_ASSERT_PTR_NOT_NULL_FATAL(CMS_add1_signer(cms, o->second->cert, o->second->key, md, flags));
	for (size_t i = 0; i < 4 && o->extra[i]; i++)
		CU_ASSERT_EQUAL(CMS_add1_cert(cms, o->extra[i]), 1);
	BIO *in = BIO_new_mem_buf(fx_content, sizeof fx_content);
	if (o->ber) {
		/* OpenSSL streams with indefinite lengths: valid BER, not DER. */
		BIO *out = BIO_new(BIO_s_mem());
		CU_ASSERT_EQUAL_FATAL(i2d_CMS_bio_stream(out, cms, in, flags), 1);
		char *data = NULL;
		long n = BIO_get_mem_data(out, &data);
		CU_ASSERT_FATAL(n > 0);
		uint8_t *ber = malloc((size_t)n);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ber);
		memcpy(ber, data, (size_t)n);
		BIO_free(out);
		BIO_free(in);
		CMS_ContentInfo_free(cms);
		ERR_clear_error();
		*len = (size_t)n;
		return ber;
	}
	CU_ASSERT_EQUAL_FATAL(CMS_final(cms, in, NULL, flags), 1);
	BIO_free(in);
	int n = i2d_CMS_ContentInfo(cms, NULL);
	CU_ASSERT_FATAL(n > 0);
	uint8_t *der = malloc((size_t)n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(der);
	unsigned char *p = der;
	CU_ASSERT_EQUAL_FATAL(i2d_CMS_ContentInfo(cms, &p), n);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	*len = (size_t)n;
	return der;
}

int fx_run(const char *dir, const char *const argv[])
{
	/* posix_spawn wants char *const[]: give it writable copies rather than cast const away. */
	size_t n = 0;
	while (argv[n])
		n++;
	char **args = calloc(n + 1, sizeof *args);
	CU_ASSERT_PTR_NOT_NULL_FATAL(args);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_PTR_NOT_NULL_FATAL(args[i] = strdup(argv[i]));
	posix_spawn_file_actions_t fa;
	char log[4096];
	snprintf(log, sizeof log, "%s/log", dir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	pid_t pid;
	int rc = posix_spawnp(&pid, args[0], &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	for (size_t i = 0; i < n; i++)
		free(args[i]);
	free(args);
	if (rc != 0)
		return -1;
	int status;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}
