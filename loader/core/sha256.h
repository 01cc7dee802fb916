/* SPDX-License-Identifier: MIT */
/* sha256.h - SHA-256 of one buffer or one open file, with OpenSSL. Thread-safe. */
#ifndef SIGNET_SHA256_H
#define SIGNET_SHA256_H

#include "core/export.h"

#include <stddef.h>
#include <stdint.h>

#define SG_SHA256_SIZE 32u

#include <openssl/types.h>

/*
 * OpenSSL's SHA-256, fetched once for the whole process. OpenSSL 3 looks an
 * algorithm up in its provider tables, under a lock, on every implicit use
 * (EVP_sha256() in EVP_DigestInit); a verification hashes hundreds of pages
 * and several buffers, so it fetches once and reuses. Never NULL once
 * OpenSSL works; the caller must not free it.
 */
const EVP_MD *sg_sha256_md(void);

/* 0, or -1 when OpenSSL fails. */
SG_PRIVATE int sg_sha256(uint8_t out[SG_SHA256_SIZE], const void *data, size_t n);

/*
 * SHA-256 of everything readable from `fd` (from its current position),
 * with read(): never a mapping, so a file truncated while it is hashed
 * gives a different hash, not SIGBUS. Stops at `max` bytes. Returns 0, -1
 * when OpenSSL fails, -2 on a read error (errno set), -3 over `max`.
 */
int sg_sha256_fd(uint8_t out[SG_SHA256_SIZE], int fd, uint64_t max);

#endif /* SIGNET_SHA256_H */
