/* SPDX-License-Identifier: MIT */
/*
 * pagehash.c - page hashes over all cores.
 *
 * Each worker takes one contiguous run of pages (good locality, no sharing)
 * and keeps one EVP_MD_CTX for all its pages: creating a context per page
 * would cost more than hashing a 4 KiB page. Filling (sg_pagehash_fill),
 * each worker also reads its run from the file, a chunk at a time, and
 * hashes the chunk while it is still in the CPU's cache. Hashing a mapping,
 * each worker maps its own part in first (prefault()).
 */
#include "config.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "codesign/format.h"
#include "codesign/pagehash.h"
#include "core/error_internal.h"
#include "core/sha256.h"

/* Below this many pages per worker, a thread costs more than it saves. */
#define MIN_PAGES_PER_WORKER 64u
#define MAX_WORKERS 64u
/* Filling: read this many bytes, then hash them while they are hot (L2-sized). */
#define FILL_CHUNK (256u * 1024u)

/* Linux 5.14; older kernels fault the pages in on the first read instead. */
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
/* Runs shorter than this are not worth the system call. */
#define PREFAULT_MIN (256u * 1024u)

typedef struct job {
	const uint8_t *data;
	uint64_t len;
	unsigned shift;
	uint64_t first, last;      /* pages [first, last) */
	uint8_t *out;              /* compute: hashes for all pages */
	const char *path;          /* names the file in errors */
	const uint8_t *expected;   /* verify: expected hashes for all pages */
	const uint8_t *known;      /* verify: hashes already computed for these bytes, or NULL */
	uint64_t known_len;        /* ... over this many bytes, in pages of 2^shift */
	int64_t mismatch;          /* verify: lowest bad page in [first, last), or -1 */
	int failed;                /* OpenSSL failed */
	/* fill: read the run from fill_fd into data first (data is writable then) */
	int fill_fd;
	int fill_errno;            /* a read failed */
	bool shrank;               /* the file ended early ... */
	uint64_t shrank_at;        /* ... at this offset */
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

/* fill: reads bytes [from, to) of the file into the run's buffer; -1 when it cannot. */
static int fill(job *j, uint64_t from, uint64_t to)
{
	uint8_t *dst = (uint8_t *)(uintptr_t)j->data;
	while (from < to) {
		ssize_t n = pread(j->fill_fd, dst + from, (size_t)(to - from), (off_t)from);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			j->fill_errno = n < 0 ? errno : 0;
			j->shrank = n == 0;
			j->shrank_at = from;
			return -1;
		}
		from += (uint64_t)n;
	}
	return 0;
}

/*
 * Maps the run's pages in with one call before hashing them: a sealed
 * snapshot is mapped lazily, and a page fault each costs several
 * microseconds in a VM, so each worker populates its own part, in
 * parallel, instead of the whole mapping being populated on one core.
 * Best effort: an error (an older kernel, a start that is not page
 * aligned) only means the pages fault in as they are read.
 */
static void prefault(const job *j)
{
	uint64_t from = j->first << j->shift;
	uint64_t to = j->last << j->shift < j->len ? j->last << j->shift : j->len;
	if (to <= from || to - from < PREFAULT_MIN)
		return;
	uintptr_t start = (uintptr_t)(j->data + from), end = (uintptr_t)(j->data + to);
	uintptr_t page = 4096; /* the smallest page Linux maps; madvise rounds the length up */
	start &= ~(page - 1);
	(void)madvise((void *)start, end - start, MADV_POPULATE_READ);
}

/* May page p be taken from j->known: the same bytes, hashed over the same extent? */
static bool known_page(const job *j, uint64_t p)
{
	uint64_t end = (p + 1) << j->shift;
	return j->known && p < sg_page_count(j->known_len, j->shift)
		&& (end < j->len ? end : j->len) == (end < j->known_len ? end : j->known_len);
}

static void *run(void *arg)
{
	job *j = arg;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const EVP_MD *md = sg_sha256_md();
	uint64_t page = (uint64_t)1 << j->shift;
	uint64_t chunk_pages = FILL_CHUNK >> j->shift ? FILL_CHUNK >> j->shift : 1;
	j->mismatch = -1;
	if (!ctx || !md) {
		j->failed = 1;
		goto out;
	}
	if (j->fill_fd < 0)
		prefault(j);
	for (uint64_t p = j->first; p < j->last; p++) {
		uint64_t off = p << j->shift;
		size_t n = (size_t)(j->len - off < page ? j->len - off : page);
		if (j->fill_fd >= 0 && (p - j->first) % chunk_pages == 0) {
			uint64_t stop = (p + chunk_pages < j->last ? p + chunk_pages : j->last) << j->shift;
			if (fill(j, off, stop < j->len ? stop : j->len) != 0)
				break;
		}
		uint8_t h[SG_HASH_SIZE];
		unsigned hl = 0;
		if (known_page(j, p)) {
			memcpy(h, j->known + p * SG_HASH_SIZE, SG_HASH_SIZE);
		} else if (!EVP_DigestInit_ex(ctx, md, NULL) || !EVP_DigestUpdate(ctx, j->data + off, n) ||
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
	/* With every page but the last already known, comparing is all that is left. */
	unsigned workers = proto->known && known_page(proto, pages > 1 ? pages - 2 : 0) ? 1
		: sg_pagehash_workers(pages, threads);
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
		if (jobs[w].fill_errno)
			return sg_fail(err, &(sg_error_info){ .code = jobs[w].fill_errno == ENOMEM ? SIGNET_E_NOMEM
				: SIGNET_E_IO, .path = proto->path, .check = "load.read", .os_errno = jobs[w].fill_errno },
				"cannot read: %s", strerror(jobs[w].fill_errno));
		if (jobs[w].shrank)
			/* Someone truncated it under us: refuse rather than guess. */
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = proto->path,
				.check = "load.read" }, "the file shrank from %llu to %llu bytes while being read",
				(unsigned long long)proto->len, (unsigned long long)jobs[w].shrank_at);
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
	job proto = { .data = data, .len = len, .shift = shift, .out = out, .fill_fd = -1 };
	int64_t unused;
	return spread(&proto, threads, &unused, err);
}

int sg_pagehash_fill(uint8_t **hashes, uint8_t *data, int fd, uint64_t len, unsigned shift,
	unsigned threads, const char *path, signet_error **err)
{
	uint64_t pages = sg_page_count(len, shift);
	uint8_t *out = malloc(pages ? pages * SG_HASH_SIZE : 1);
	if (!out)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory hashing %s", path);
	job proto = { .data = data, .len = len, .shift = shift, .out = out, .fill_fd = fd, .path = path };
	int64_t unused;
	int rc = spread(&proto, threads, &unused, err);
	if (rc)
		free(out);
	else
		*hashes = out;
	return rc;
}

int sg_pagehash_verify(const uint8_t *expected, const uint8_t *data, uint64_t len, unsigned shift,
	unsigned threads, const char *path, signet_error **err)
{
	return sg_pagehash_verify_known(expected, data, len, shift, NULL, 0, threads, path, err);
}

int sg_pagehash_verify_known(const uint8_t *expected, const uint8_t *data, uint64_t len, unsigned shift,
	const uint8_t *known, uint64_t known_len, unsigned threads, const char *path, signet_error **err)
{
	job proto = { .data = data, .len = len, .shift = shift, .expected = expected, .known = known,
		.known_len = known_len, .fill_fd = -1, .path = path };
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
