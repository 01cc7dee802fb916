/* SPDX-License-Identifier: MIT */
/* sha256.c - SHA-256 of one buffer. */
#include "config.h"

#include <openssl/evp.h>

#include "core/sha256.h"

int sg_sha256(uint8_t out[SG_SHA256_SIZE], const void *data, size_t n)
{
	unsigned len = 0;
	return EVP_Digest(data, n, out, &len, EVP_sha256(), NULL) == 1 && len == SG_SHA256_SIZE ? 0 : -1;
}
