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

/* How many workers a call with `threads` would use for `pages` pages. */
unsigned sg_pagehash_workers(uint64_t pages, unsigned threads);

#endif /* SIGNET_CODESIGN_PAGEHASH_H */
