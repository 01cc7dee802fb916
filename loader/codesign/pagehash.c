/* SPDX-License-Identifier: MIT */
/*
 * pagehash.c - page hashes over all cores.
 *
 * Each worker takes one contiguous run of pages (good locality, no sharing)
 * and keeps one EVP_MD_CTX for all its pages: creating a context per page
 * would cost more than hashing a 4 KiB page.
 */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codesign/format.h"
#include "codesign/pagehash.h"
#include "core/error_internal.h"
#include "core/sha256.h"

/* Below this many pages per worker, a thread costs more than it saves. */
#define MIN_PAGES_PER_WORKER 64u
#define MAX_WORKERS 64u

typedef struct job {
	const uint8_t *data;
	uint64_t len;
	unsigned shift;
	uint64_t first, last;      /* pages [first, last) */
	uint8_t *out;              /* compute: hashes for all pages */
	const uint8_t *expected;   /* verify: expected hashes for all pages */
	int64_t mismatch;          /* verify: lowest bad page in [first, last), or -1 */
	int failed;                /* OpenSSL failed */
} job;

unsigned sg_pagehash_workers(uint64_t pages, unsigned threads)
{
	/* A small file gets one worker whatever the machine: skip asking it
	 * (sysconf reads /sys on every call, 15 us, a tenth of a preflight). */
	if (pages / MIN_PAGES_PER_WORKER <= 1)
		return 1;
	if (threads == SG_PAGEHASH_ALL_CORES) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1u;
	}
	if (threads > MAX_WORKERS)
		threads = MAX_WORKERS;
	uint64_t useful = pages / MIN_PAGES_PER_WORKER;
	if (useful < threads)
		threads = useful > 0 ? (unsigned)useful : 1u;
	return threads;
}

static void *run(void *arg)
{
	job *j = arg;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const EVP_MD *md = sg_sha256_md();
	uint64_t page = (uint64_t)1 << j->shift;
	j->mismatch = -1;
	if (!ctx || !md) {
		j->failed = 1;
		goto out;
	}
	for (uint64_t p = j->first; p < j->last; p++) {
		uint64_t off = p << j->shift;
		size_t n = (size_t)(j->len - off < page ? j->len - off : page);
		uint8_t h[SG_HASH_SIZE];
		unsigned hl = 0;
		if (!EVP_DigestInit_ex(ctx, md, NULL) || !EVP_DigestUpdate(ctx, j->data + off, n) ||
		    !EVP_DigestFinal_ex(ctx, h, &hl)) {
			j->failed = 1;
			break;
		}
		if (j->out) {
			memcpy(j->out + p * SG_HASH_SIZE, h, SG_HASH_SIZE);
		} else if (CRYPTO_memcmp(h, j->expected + p * SG_HASH_SIZE, SG_HASH_SIZE) != 0) {
			/* Constant-time compare: no timing hint about how close a forgery came. */
			j->mismatch = (int64_t)p;
			break; /* the first in this run is the lowest in this run */
		}
	}
out:
	EVP_MD_CTX_free(ctx);
	return NULL;
}

static int spread(job *proto, unsigned threads, int64_t *mismatch, signet_error **err)
{
	uint64_t pages = sg_page_count(proto->len, proto->shift);
	unsigned workers = sg_pagehash_workers(pages, threads);
	job jobs[MAX_WORKERS];
	pthread_t tids[MAX_WORKERS];
	bool started[MAX_WORKERS] = { false };
	uint64_t per = pages / workers, extra = pages % workers, at = 0;
	for (unsigned w = 0; w < workers; w++) {
		jobs[w] = *proto;
		jobs[w].first = at;
		at += per + (w < extra ? 1 : 0);
		jobs[w].last = at;
	}
	/* Worker 0 runs on this thread; if a thread cannot start, do its share here. */
	for (unsigned w = 1; w < workers; w++)
		started[w] = pthread_create(&tids[w], NULL, run, &jobs[w]) == 0;
	run(&jobs[0]);
	for (unsigned w = 1; w < workers; w++) {
		if (started[w])
			pthread_join(tids[w], NULL);
		else
			run(&jobs[w]);
	}
	*mismatch = -1;
	for (unsigned w = 0; w < workers; w++) {
		if (jobs[w].failed)
			return sg_fail_code(err, SIGNET_E_INTERNAL, "OpenSSL failed to compute SHA-256");
		if (*mismatch < 0 && jobs[w].mismatch >= 0)
			*mismatch = jobs[w].mismatch; /* runs are in order: the first found is the lowest */
	}
	return 0;
}

int sg_pagehash_compute(uint8_t *out, const uint8_t *data, uint64_t len, unsigned shift,
	unsigned threads, signet_error **err)
{
	job proto = { .data = data, .len = len, .shift = shift, .out = out };
	int64_t unused;
	return spread(&proto, threads, &unused, err);
}

int sg_pagehash_verify(const uint8_t *expected, const uint8_t *data, uint64_t len, unsigned shift,
	unsigned threads, const char *path, signet_error **err)
{
	job proto = { .data = data, .len = len, .shift = shift, .expected = expected };
	int64_t bad = -1;
	int rc = spread(&proto, threads, &bad, err);
	if (rc || bad < 0)
		return rc;
	uint64_t off = (uint64_t)bad << shift;
	uint64_t size = len - off < ((uint64_t)1 << shift) ? len - off : (uint64_t)1 << shift;
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PAGE_MISMATCH, .path = path, .check = "signature.page",
		.has_index = true, .index = bad, .has_offset = true, .offset = (long long)off },
		"page %lld (file offset 0x%llx, %llu bytes) was modified after signing", (long long)bad,
		(unsigned long long)off, (unsigned long long)size);
}
