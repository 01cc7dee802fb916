/* SPDX-License-Identifier: MIT */
/* chain_cache.c - verified certificate chains, reused (chain_cache.h says what is safe to reuse). */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "cms/chain_cache.h"
#include "cms/cms_util.h"
#include "core/sha256.h"

typedef struct entry {
	bool used;
	uint8_t key[SG_CHAIN_CACHE_KEY_SIZE];
	/* The verdict holds strictly between these: the latest notBefore and
	 * the earliest notAfter of every certificate of the chain. */
	time_t valid_after, valid_before;
	STACK_OF(X509) *carried;
	STACK_OF(X509) *chain;
	sg_signer described;     /* from chain, without chain or team (chain_cache.h) */
} entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static entry table[SG_CHAIN_CACHE_SLOTS];
static unsigned next_slot;
static uint64_t reused_count, full_count;
static int enabled = -1; /* -1: not read yet */

/* With the lock held. SIGNET_SIGNATURE_CACHE=0 turns it off: for measuring
 * the cold path and for ruling the cache out while debugging. */
static bool cache_enabled(void)
{
	if (enabled < 0) {
		const char *v = getenv("SIGNET_SIGNATURE_CACHE");
		enabled = !(v && strcmp(v, "0") == 0);
	}
	return enabled == 1;
}

int sg_chain_cache_key(uint8_t key[SG_CHAIN_CACHE_KEY_SIZE], const uint8_t anchors_digest[32],
	const uint8_t *certs_der, size_t certs_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned n = 0;
	bool ok = ctx && EVP_DigestInit_ex(ctx, sg_sha256_md(), NULL) == 1
		&& EVP_DigestUpdate(ctx, anchors_digest, 32) == 1
		&& EVP_DigestUpdate(ctx, certs_der, certs_len) == 1
		&& EVP_DigestFinal_ex(ctx, key, &n) == 1 && n == SG_CHAIN_CACHE_KEY_SIZE;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : -1;
}

static void entry_clear(entry *e)
{
	sk_X509_pop_free(e->carried, X509_free);
	sk_X509_pop_free(e->chain, X509_free);
	sg_signer_clear(&e->described);
	memset(e, 0, sizeof *e);
}

bool sg_chain_cache_get(const uint8_t key[SG_CHAIN_CACHE_KEY_SIZE], time_t at,
	STACK_OF(X509) **carried, STACK_OF(X509) **chain, sg_signer *described)
{
	bool hit = false;
	pthread_mutex_lock(&lock);
	if (!cache_enabled()) {
		pthread_mutex_unlock(&lock);
		return false;
	}
	for (unsigned i = 0; i < SG_CHAIN_CACHE_SLOTS && !hit; i++) {
		entry *e = &table[i];
		/* Strictly inside the window: at a boundary second, verify in full
		 * and let OpenSSL's own comparison decide. */
		if (!e->used || CRYPTO_memcmp(e->key, key, sizeof e->key) != 0
		    || !(e->valid_after < at && at < e->valid_before))
			continue;
		*carried = X509_chain_up_ref(e->carried);
		*chain = X509_chain_up_ref(e->chain);
		hit = *carried && *chain
			&& sg_cms_signer_copy(described, &e->described, NULL, NULL, 0) == 0;
		if (!hit) {
			sk_X509_pop_free(*carried, X509_free);
			sk_X509_pop_free(*chain, X509_free);
			*carried = *chain = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	ERR_clear_error();
	return hit;
}

/* The window in which every certificate of `chain` is valid; -1 when a time does not read. */
static int window(STACK_OF(X509) *chain, time_t *after, time_t *before)
{
	int n = sk_X509_num(chain);
	for (int i = 0; i < n; i++) {
		X509 *c = sk_X509_value(chain, i);
		time_t nb, na;
		if (sg_cms_asn1_time(X509_get0_notBefore(c), &nb) != 0
		    || sg_cms_asn1_time(X509_get0_notAfter(c), &na) != 0)
			return -1;
		if (i == 0 || nb > *after)
			*after = nb;
		if (i == 0 || na < *before)
			*before = na;
	}
	return n > 0 ? 0 : -1;
}

void sg_chain_cache_put(const uint8_t key[SG_CHAIN_CACHE_KEY_SIZE], STACK_OF(X509) *carried,
	STACK_OF(X509) *chain)
{
	entry fresh = { .used = true };
	memcpy(fresh.key, key, sizeof fresh.key);
	if (window(chain, &fresh.valid_after, &fresh.valid_before) != 0)
		return;
	/*
	 * OpenSSL fills a certificate's extension cache on first use and checks
	 * whether it did without its lock; verification filled it for these,
	 * but make sure before other threads share them.
	 */
	for (int i = 0; i < sk_X509_num(carried); i++)
		(void)X509_check_purpose(sk_X509_value(carried, i), -1, 0);
	for (int i = 0; i < sk_X509_num(chain); i++)
		(void)X509_check_purpose(sk_X509_value(chain, i), -1, 0);
	fresh.carried = X509_chain_up_ref(carried);
	fresh.chain = X509_chain_up_ref(chain);
	/* Described once, from a chain of its own (the description takes it over). */
	STACK_OF(X509) *own = X509_chain_up_ref(chain);
	bool described = own && sg_cms_signer_fill(&fresh.described, own, NULL, 0) == 0;
	if (!described)
		sk_X509_pop_free(own, X509_free);
	ERR_clear_error();
	if (!fresh.carried || !fresh.chain || !described) {
		entry_clear(&fresh);
		return;
	}
	pthread_mutex_lock(&lock);
	entry *slot = NULL;
	for (unsigned i = 0; i < SG_CHAIN_CACHE_SLOTS && !slot; i++)
		if (table[i].used && memcmp(table[i].key, key, sizeof table[i].key) == 0)
			slot = &table[i]; /* a concurrent verification stored it first: refresh */
	if (!slot) {
		slot = &table[next_slot];
		next_slot = (next_slot + 1) % SG_CHAIN_CACHE_SLOTS;
	}
	entry old = *slot;
	*slot = fresh;
	pthread_mutex_unlock(&lock);
	entry_clear(&old); /* X509_free outside the lock */
}

void sg_chain_cache_flush(void)
{
	entry old[SG_CHAIN_CACHE_SLOTS];
	pthread_mutex_lock(&lock);
	memcpy(old, table, sizeof table);
	memset(table, 0, sizeof table);
	next_slot = 0;
	pthread_mutex_unlock(&lock);
	for (unsigned i = 0; i < SG_CHAIN_CACHE_SLOTS; i++)
		entry_clear(&old[i]);
}

void sg_chain_cache_count(bool reused)
{
	pthread_mutex_lock(&lock);
	if (reused)
		reused_count++;
	else
		full_count++;
	pthread_mutex_unlock(&lock);
}

void sg_chain_cache_stats(uint64_t *reused, uint64_t *in_full)
{
	pthread_mutex_lock(&lock);
	if (reused)
		*reused = reused_count;
	if (in_full)
		*in_full = full_count;
	pthread_mutex_unlock(&lock);
}
