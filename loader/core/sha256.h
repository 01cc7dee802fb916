/* SPDX-License-Identifier: MIT */
/* sha256.h - SHA-256 of one buffer or one open file, with OpenSSL. Thread-safe. */
#ifndef SIGNET_SHA256_H
#define SIGNET_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SG_SHA256_SIZE 32u

/* 0, or -1 when OpenSSL fails. */
int sg_sha256(uint8_t out[SG_SHA256_SIZE], const void *data, size_t n);

/*
 * SHA-256 of everything readable from `fd` (from its current position),
 * with read(): never a mapping, so a file truncated while it is hashed
 * gives a different hash, not SIGBUS. Stops at `max` bytes. Returns 0, -1
 * when OpenSSL fails, -2 on a read error (errno set), -3 over `max`.
 */
int sg_sha256_fd(uint8_t out[SG_SHA256_SIZE], int fd, uint64_t max);

#endif /* SIGNET_SHA256_H */
