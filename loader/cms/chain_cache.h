/* SPDX-License-Identifier: MIT */
/*
 * chain_cache.h - the process-wide cache of verified certificate chains
 * (private to loader/cms/).
 *
 * Most images a process verifies come from a handful of signers: every
 * plugin of one team carries the same leaf certificate. Parsing that
 * certificate (OpenSSL 3.0 decodes its public key through its generic
 * decoder, about 95 us) and verifying its chain (an ECDSA verify and the
 * path building, about 70 us) were two thirds of a small image's
 * verification. This cache remembers, for the exact bytes of the
 * certificate set a CMS carries and the exact anchor set, the parsed
 * certificates and the chain X509_verify_cert() built from them, and the
 * window of time in which that verdict holds.
 *
 * What it never holds: anything about an image. Every verification still
 * parses its own SignerInfo, checks the structure, verifies its own
 * signature over its own CodeDirectory with the cached leaf's key, and
 * judges the leaf's usage and team; only the chain verdict is reused, and
 * only when the certificate bytes, the anchors (by digest) and a time
 * strictly inside every certificate's validity all match. Only successful
 * verifications are stored; a refusal is always recomputed, so its
 * message is the same as without a cache.
 *
 * Thread-safety: every function may be called from any thread; one mutex
 * guards the table, and the X509 objects handed out are reference-counted
 * and fully computed (extension caches filled) before they are shared.
 * Memory: at most SG_CHAIN_CACHE_SLOTS entries, replaced round-robin;
 * what is left at exit is reachable, not leaked.
 */
#ifndef SIGNET_CMS_CHAIN_CACHE_H
#define SIGNET_CMS_CHAIN_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "cms/cms.h"

#define SG_CHAIN_CACHE_SLOTS 64
#define SG_CHAIN_CACHE_KEY_SIZE 32

/* The key: SHA-256 over the anchor set's digest and the certificate set's DER. */
int sg_chain_cache_key(uint8_t key[SG_CHAIN_CACHE_KEY_SIZE], const uint8_t anchors_digest[32],
	const uint8_t *certs_der, size_t certs_len);

/*
 * On a hit for `key` at time `at`, true with *carried (the certificates as
 * the CMS carries them, in its order) and *chain (leaf first, anchor last)
 * as new stacks holding new references: the caller frees both with
 * sk_X509_pop_free(..., X509_free); and *described, the signer as
 * sg_cms_signer_fill() described it from that chain (its strings and
 * times only, no chain and no team: a copy the caller clears with
 * sg_signer_clear()). False on a miss, when the cache is disabled
 * (SIGNET_SIGNATURE_CACHE=0 in the environment at first use), or when out
 * of memory.
 */
bool sg_chain_cache_get(const uint8_t key[SG_CHAIN_CACHE_KEY_SIZE], time_t at,
	STACK_OF(X509) **carried, STACK_OF(X509) **chain, sg_signer *described);

/*
 * Remembers a chain verified from exactly these carried certificates
 * (takes its own references). Nothing is stored when a certificate's
 * validity cannot be read or memory runs out: a miss costs time, never
 * correctness.
 */
void sg_chain_cache_put(const uint8_t key[SG_CHAIN_CACHE_KEY_SIZE], STACK_OF(X509) *carried,
	STACK_OF(X509) *chain);

/* Forgets everything (tests, and a host that wants cold figures). */
void sg_chain_cache_flush(void);

/*
 * Counting, for tests and benchmarks: a verification calls
 * sg_chain_cache_count() once with whether the cached chain served it
 * (found, and every other check passed on it) or the chain was verified in
 * full (a miss, or a hit that did not hold up). The stats are those counts
 * since the process started.
 */
void sg_chain_cache_count(bool reused);
void sg_chain_cache_stats(uint64_t *reused, uint64_t *in_full);

#endif /* SIGNET_CMS_CHAIN_CACHE_H */
