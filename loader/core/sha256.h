/* SPDX-License-Identifier: MIT */
/* sha256.h - SHA-256 of one buffer, with OpenSSL. Thread-safe. */
#ifndef SIGNET_SHA256_H
#define SIGNET_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SG_SHA256_SIZE 32u

/* 0, or -1 when OpenSSL fails. */
int sg_sha256(uint8_t out[SG_SHA256_SIZE], const void *data, size_t n);

#endif /* SIGNET_SHA256_H */
