/* SPDX-License-Identifier: MIT */
/*
 * pagehash.h - SHA-256 of every page of a byte range, spread over cores.
 *
 * Thread-safe; starts and joins its own worker threads per call.
 */
#ifndef SIGNET_CODESIGN_PAGEHASH_H
#define SIGNET_CODESIGN_PAGEHASH_H

#include <stdint.h>

#include <signet/error.h>

/* 0: one worker per online CPU. */
#define SG_PAGEHASH_ALL_CORES 0u

/* Writes ceil(len / 2^shift) hashes of 32 bytes to `out`. */
int sg_pagehash_compute(uint8_t *out, const uint8_t *data, uint64_t len, unsigned shift,
	unsigned threads, signet_error **err);

/*
 * Compares every page with `expected`. Returns 0 when all match; otherwise
 * SIGNET_E_PAGE_MISMATCH for the lowest-numbered page that differs, with its
 * index and file offset in the error, naming `path`.
 */
int sg_pagehash_verify(const uint8_t *expected, const uint8_t *data, uint64_t len, unsigned shift,
	unsigned threads, const char *path, signet_error **err);

/*
 * Reads the first `len` bytes of `fd` (pread, from offset 0) into `data`
 * and computes the hash of each page as its bytes arrive (*hashes: a
 * malloc'd array of ceil(len / 2^shift) hashes, the caller's to free), a chunk at
 * a time while they are still in the CPU's cache: one pass over the bytes
 * where a copy, then hashing, would make two. The last hash is over a
 * partial page when `len` is not a multiple of the page. The hashes
 * describe `data` only if nobody else can write to it meanwhile: private
 * memory (load/snapshot.c says why a sealed memfd is not filled this way).
 * SIGNET_E_IO when a read fails or the file ends early (naming `path`),
 * SIGNET_E_INTERNAL when OpenSSL fails, SIGNET_E_NOMEM; *hashes is set only
 * on success.
 */
int sg_pagehash_fill(uint8_t **hashes, uint8_t *data, int fd, uint64_t len, unsigned shift,
	unsigned threads, const char *path, signet_error **err);

/*
 * sg_pagehash_verify() where `known` (may be NULL) holds the page hashes
 * sg_pagehash_fill() computed over these very bytes, `known_len` of them,
 * in pages of 2^shift: a page whose extent is the same in both (every page
 * but perhaps the last) is compared from there instead of hashed again.
 */
int sg_pagehash_verify_known(const uint8_t *expected, const uint8_t *data, uint64_t len, unsigned shift,
	const uint8_t *known, uint64_t known_len, unsigned threads, const char *path, signet_error **err);

/* How many workers a call with `threads` would use for `pages` pages. */
unsigned sg_pagehash_workers(uint64_t pages, unsigned threads);

#endif /* SIGNET_CODESIGN_PAGEHASH_H */
