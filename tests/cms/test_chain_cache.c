/* SPDX-License-Identifier: MIT */
/*
 * test_chain_cache.c - the cache of verified certificate chains
 * (loader/cms/chain_cache.h): a second image from a known signer takes the
 * cached chain, and nothing the cache holds ever turns a refusal into an
 * acceptance: other content, other anchors, another time, another signer
 * among the same certificates, other DER around the same certificates.
 * Each refusal is asserted with the code and reason the full path gives,
 * with the cache warm for those very certificates.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cms/chain_cache.h"
#include "cms_fixture.h"
#include "harness.h"

/* A signature by `signer` over `content` (chain: NULL-terminated, may be NULL). */
static uint8_t *sign_over(size_t *len, const fx_cert *signer, X509 *const *chain, const char *content)
{
	STACK_OF(X509) *extra = sk_X509_new_null();
	for (size_t i = 0; chain && chain[i]; i++)
		sk_X509_push(extra, chain[i]);
	uint8_t *der = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_cms_sign(&der, len, (const uint8_t *)content, strlen(content), signer->key,
		signer->cert, extra, &err), &err);
	sk_X509_free(extra);
	return der;
}

static int verify_at(const uint8_t *der, size_t len, const char *content, const sg_trust *t, time_t at,
	sg_signer *keep, signet_error **err)
{
	sg_signer s;
	memset(&s, 0, sizeof s);
	sg_verify_options o = { .at = at };
	int rc = sg_cms_verify(&s, der, len, (const uint8_t *)content, strlen(content), t, &o, "plugin.so", err);
	if (rc == 0 && keep)
		*keep = s;
	else if (rc == 0)
		sg_signer_clear(&s);
	return rc;
}

/* Verifications the cached chain served, and chains verified in full. */
static uint64_t reused(void)
{
	uint64_t n = 0;
	sg_chain_cache_stats(&n, NULL);
	return n;
}

static uint64_t in_full(void)
{
	uint64_t n = 0;
	sg_chain_cache_stats(NULL, &n);
	return n;
}

/* One PKI for the whole file: a root, an intermediate, a leaf under it. */
static fx_cert root, inter, leaf, other_root;
static sg_trust *trust, *other_trust;

static X509 *leaf_chain[2];

/* Made by the first test that needs it (assertions need a running test). */
static void make_pki(void)
{
	if (trust)
		return;
	root = fx_root("Cache Root");
	inter = fx_intermediate(&root, "Cache Intermediate");
	leaf = fx_leaf(&inter, "Cache Team");
	other_root = fx_root("Other Root");
	trust = fx_trust(root.cert);
	other_trust = fx_trust(other_root.cert);
	leaf_chain[0] = inter.cert;
}

static void free_pki(void)
{
	sg_trust_free(trust);
	sg_trust_free(other_trust);
	fx_free(&leaf);
	fx_free(&inter);
	fx_free(&root);
	fx_free(&other_root);
}

static void test_second_image_of_a_signer_takes_the_cached_chain(void)
{
	make_pki();
	sg_chain_cache_flush();
	size_t l1, l2;
	uint8_t *a = sign_over(&l1, &leaf, leaf_chain, "first image's CodeDirectory");
	uint8_t *b = sign_over(&l2, &leaf, leaf_chain, "second image's CodeDirectory");
	signet_error *err = NULL;
	sg_signer cold, warm;
	uint64_t r0 = reused(), f0 = in_full();
	SG_ASSERT_OK(verify_at(a, l1, "first image's CodeDirectory", trust, 0, &cold, &err), &err);
	CU_ASSERT_EQUAL(reused(), r0); /* a miss: the chain was verified in full */
	CU_ASSERT_EQUAL(in_full(), f0 + 1);
	SG_ASSERT_OK(verify_at(b, l2, "second image's CodeDirectory", trust, 0, &warm, &err), &err);
	CU_ASSERT_EQUAL(reused(), r0 + 1);
	CU_ASSERT_EQUAL(in_full(), f0 + 1);
	/* The same signer described, field by field. */
	CU_ASSERT_STRING_EQUAL(warm.team, cold.team);
	CU_ASSERT_STRING_EQUAL(warm.team, TEAM);
	CU_ASSERT_STRING_EQUAL(warm.leaf_subject, cold.leaf_subject);
	CU_ASSERT_STRING_EQUAL(warm.anchor_subject, cold.anchor_subject);
	CU_ASSERT_STRING_EQUAL(warm.leaf_serial_hex, cold.leaf_serial_hex);
	CU_ASSERT_EQUAL(memcmp(warm.anchor_sha256, cold.anchor_sha256, 32), 0);
	CU_ASSERT_EQUAL(sk_X509_num(warm.chain), 3);
	CU_ASSERT_EQUAL(X509_cmp(sk_X509_value(warm.chain, 2), root.cert), 0);
	sg_signer_clear(&cold);
	sg_signer_clear(&warm);
	free(a);
	free(b);
}

static void test_a_cached_signer_over_other_content_is_a_mismatch(void)
{
	make_pki();
	size_t len;
	uint8_t *a = sign_over(&len, &leaf, leaf_chain, "signed bytes");
	signet_error *err = NULL;
	SG_ASSERT_OK(verify_at(a, len, "signed bytes", trust, 0, NULL, &err), &err);
	uint64_t before = reused();
	SG_ASSERT_FAILS(verify_at(a, len, "other bytes!", trust, 0, NULL, &err), &err, SIGNET_E_CMS_MISMATCH,
		"bad signature: the CMS signature does not verify over the content with the signer's certificate");
	CU_ASSERT_EQUAL(reused(), before);
	free(a);
}

static void test_cached_certificates_under_other_anchors_are_untrusted(void)
{
	make_pki();
	size_t len;
	uint8_t *a = sign_over(&len, &leaf, leaf_chain, "content");
	signet_error *err = NULL;
	SG_ASSERT_OK(verify_at(a, len, "content", trust, 0, NULL, &err), &err);
	SG_ASSERT_FAILS(verify_at(a, len, "content", other_trust, 0, NULL, &err), &err,
		SIGNET_E_UNTRUSTED_ANCHOR, "whose issuer \"CN=Cache Root,O=Signet tests\" was not found");
	free(a);
}

static void test_cached_chain_outside_its_validity_is_judged_in_full(void)
{
	make_pki();
	size_t len;
	uint8_t *a = sign_over(&len, &leaf, leaf_chain, "content");
	signet_error *err = NULL;
	SG_ASSERT_OK(verify_at(a, len, "content", trust, 0, NULL, &err), &err);
	uint64_t before = reused();
	/* The leaf and intermediate are valid from now on for a year (SG_PKI_SPEC_INIT). */
	SG_ASSERT_FAILS(verify_at(a, len, "content", trust, time(NULL) + 3 * 365 * DAY, NULL, &err), &err,
		SIGNET_E_CERT_EXPIRED, "certificate expired: certificate 1 \"CN=Cache Intermediate\" is valid until");
	SG_ASSERT_FAILS(verify_at(a, len, "content", trust, time(NULL) - 30 * DAY, NULL, &err), &err,
		SIGNET_E_CERT_NOT_YET_VALID, "certificate not yet valid: certificate 1 \"CN=Cache Intermediate\" is valid from");
	CU_ASSERT_EQUAL(reused(), before);
	/* And inside it again: served by the cache. */
	SG_ASSERT_OK(verify_at(a, len, "content", trust, time(NULL) + DAY, NULL, &err), &err);
	CU_ASSERT_EQUAL(reused(), before + 1);
	free(a);
}

/*
 * The intermediate signs, carrying the same two certificates as the
 * leaf's signatures (DER sorts a SET OF, so the set's bytes are the same):
 * the cached chain was built for the leaf, so the intermediate as signer is
 * judged in full: its own chain leaves the leaf's certificate unused.
 */
static void test_another_signer_among_cached_certificates_is_judged_in_full(void)
{
	make_pki();
	size_t l1, l2;
	uint8_t *a = sign_over(&l1, &leaf, leaf_chain, "content");
	X509 *with_leaf[] = { leaf.cert, NULL };
	uint8_t *b = sign_over(&l2, &inter, with_leaf, "content");
	signet_error *err = NULL;
	SG_ASSERT_OK(verify_at(a, l1, "content", trust, 0, NULL, &err), &err);
	uint64_t before = reused(), f0 = in_full();
	SG_ASSERT_FAILS(verify_at(b, l2, "content", trust, 0, NULL, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"it carries the certificate \"CN=Cache Team,OU=ABCDE12345,O=Example Team\", which is not part "
		"of the signer's verified chain");
	CU_ASSERT_EQUAL(reused(), before); /* same certificate bytes: found, not trusted */
	CU_ASSERT_EQUAL(in_full(), f0 + 1);
	free(a);
	free(b);
}

/* Other DER around the very same certificates (a length in long form): never a hit. */
static void test_other_der_around_cached_certificates_is_refused(void)
{
	make_pki();
	size_t len;
	uint8_t *a = sign_over(&len, &leaf, leaf_chain, "content");
	signet_error *err = NULL;
	SG_ASSERT_OK(verify_at(a, len, "content", trust, 0, NULL, &err), &err);
	/* 30 82 HH LL -> 30 83 00 HH LL: the same length, not in its shortest form. */
	CU_ASSERT_EQUAL_FATAL(a[0], 0x30);
	CU_ASSERT_EQUAL_FATAL(a[1], 0x82);
	uint8_t *b = malloc(len + 1);
	b[0] = 0x30;
	b[1] = 0x83;
	b[2] = 0x00;
	memcpy(b + 3, a + 2, len - 2);
	uint64_t before = reused();
	SG_ASSERT_FAILS(verify_at(b, len + 1, "content", trust, 0, NULL, &err), &err,
		SIGNET_E_SIGNATURE_MALFORMED, "not in canonical DER");
	CU_ASSERT_EQUAL(reused(), before);
	free(a);
	free(b);
}

/* Every byte of a warm signature flipped in turn: never accepted. */
static void test_every_byte_flip_with_the_cache_warm(void)
{
	make_pki();
	size_t len;
	uint8_t *a = sign_over(&len, &leaf, leaf_chain, "content");
	signet_error *err = NULL;
	SG_ASSERT_OK(verify_at(a, len, "content", trust, 0, NULL, &err), &err);
	size_t accepted = 0;
	for (size_t i = 0; i < len; i++) {
		a[i] ^= 0x01;
		if (verify_at(a, len, "content", trust, 0, NULL, &err) == 0)
			accepted++;
		signet_error_free(err);
		err = NULL;
		a[i] ^= 0x01;
	}
	CU_ASSERT_EQUAL(accepted, 0);
	SG_ASSERT_OK(verify_at(a, len, "content", trust, 0, NULL, &err), &err);
	free(a);
}

/* Threads verifying distinct signatures of one signer at once (ThreadSanitizer runs this). */
#define THREADS 4
#define PER_THREAD 20
static uint8_t *shared_sig[THREADS][PER_THREAD];
static size_t shared_len[THREADS][PER_THREAD];
static int thread_failures;
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;

static void *verifier(void *arg)
{
	int t = (int)(intptr_t)arg;
	for (int i = 0; i < PER_THREAD; i++) {
		char content[64];
		snprintf(content, sizeof content, "image %d of thread %d", i, t);
		signet_error *err = NULL;
		sg_signer s;
		memset(&s, 0, sizeof s);
		int rc = sg_cms_verify(&s, shared_sig[t][i], shared_len[t][i], (const uint8_t *)content,
			strlen(content), trust, NULL, "plugin.so", &err);
		bool ok = rc == 0 && s.team && strcmp(s.team, TEAM) == 0;
		if (rc == 0)
			sg_signer_clear(&s);
		signet_error_free(err);
		if (!ok) {
			pthread_mutex_lock(&fail_lock);
			thread_failures++;
			pthread_mutex_unlock(&fail_lock);
		}
	}
	return NULL;
}

static void test_threads_share_the_cache(void)
{
	make_pki();
	sg_chain_cache_flush();
	for (int t = 0; t < THREADS; t++)
		for (int i = 0; i < PER_THREAD; i++) {
			char content[64];
			snprintf(content, sizeof content, "image %d of thread %d", i, t);
			shared_sig[t][i] = sign_over(&shared_len[t][i], &leaf, leaf_chain, content);
		}
	uint64_t before = reused();
	pthread_t tids[THREADS];
	for (int t = 0; t < THREADS; t++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&tids[t], NULL, verifier, (void *)(intptr_t)t), 0);
	for (int t = 0; t < THREADS; t++)
		pthread_join(tids[t], NULL);
	CU_ASSERT_EQUAL(thread_failures, 0);
	/* At most one miss per thread (each may race to verify the chain first). */
	CU_ASSERT(reused() - before >= THREADS * PER_THREAD - THREADS);
	for (int t = 0; t < THREADS; t++)
		for (int i = 0; i < PER_THREAD; i++)
			free(shared_sig[t][i]);
}

static const sg_test cache_tests[] = {
	{ "second_image_of_a_signer_takes_the_cached_chain", test_second_image_of_a_signer_takes_the_cached_chain },
	{ "a_cached_signer_over_other_content_is_a_mismatch", test_a_cached_signer_over_other_content_is_a_mismatch },
	{ "cached_certificates_under_other_anchors_are_untrusted", test_cached_certificates_under_other_anchors_are_untrusted },
	{ "cached_chain_outside_its_validity_is_judged_in_full", test_cached_chain_outside_its_validity_is_judged_in_full },
	{ "another_signer_among_cached_certificates_is_judged_in_full", test_another_signer_among_cached_certificates_is_judged_in_full },
	{ "other_der_around_cached_certificates_is_refused", test_other_der_around_cached_certificates_is_refused },
	{ "every_byte_flip_with_the_cache_warm", test_every_byte_flip_with_the_cache_warm },
	{ "threads_share_the_cache", test_threads_share_the_cache },
	{ NULL, NULL },
};

int main(void)
{
	fx_init();
	static const sg_suite suites[] = {
		{ "cms.chain_cache", cache_tests },
		{ NULL, NULL },
	};
	int rc = sg_test_main(suites);
	free_pki();
	return rc;
}
