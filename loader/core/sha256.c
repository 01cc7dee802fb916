/* SPDX-License-Identifier: MIT */
/* sha256.c - SHA-256 of one buffer or one open file. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include <pthread.h>

#include <openssl/evp.h>

#include "core/sha256.h"

static EVP_MD *fetched;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch(void)
{
	fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
}

const EVP_MD *sg_sha256_md(void)
{
	pthread_once(&fetch_once, fetch);
	/* Should the fetch ever fail, the built-in handle still works (slower). */
	return fetched ? fetched : EVP_sha256();
}

int sg_sha256(uint8_t out[SG_SHA256_SIZE], const void *data, size_t n)
{
	unsigned len = 0;
	return EVP_Digest(data, n, out, &len, sg_sha256_md(), NULL) == 1 && len == SG_SHA256_SIZE ? 0 : -1;
}

int sg_sha256_fd(uint8_t out[SG_SHA256_SIZE], int fd, uint64_t max)
{
	enum { CHUNK = 64 * 1024 };
	unsigned char *buf = malloc(CHUNK);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!buf || !ctx || EVP_DigestInit_ex(ctx, sg_sha256_md(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		free(buf);
		return -1;
	}
	uint64_t total = 0;
	int rc = 0;
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -2;
			break;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > max) {
			rc = -3;
			break;
		}
		if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1) {
			rc = -1;
			break;
		}
	}
	unsigned len = 0;
	if (!rc && (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != SG_SHA256_SIZE))
		rc = -1;
	EVP_MD_CTX_free(ctx);
	free(buf);
	return rc;
}
