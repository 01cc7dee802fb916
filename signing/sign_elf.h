/* SPDX-License-Identifier: MIT */
/*
 * sign_elf.h - writing a Signet signature into an ELF file.
 *
 * Every byte of the input before its section header table is kept
 * verbatim; the signer appends (or reuses) the section name, writes a new
 * section header table, and puts the blob last. Re-signing replaces the old
 * blob in place. Files are replaced atomically (temporary + rename), so a
 * crash never leaves a half-signed file.
 */
#ifndef SIGNET_SIGN_ELF_H
#define SIGNET_SIGN_ELF_H

#include "core/export.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/error.h>

#include "cms/timestamp.h"
#include "codesign/format.h"

typedef struct sg_sign_params {
	const char *identifier;
	unsigned page_shift;          /* 12, 14 or 16 */
	EVP_PKEY *key;
	X509 *cert;
	STACK_OF(X509) *chain;        /* intermediates to embed; may be NULL */
	/* special[k - 1] is slot -k (manifest, resource seal); zero = absent.
	 * The entitlements slot is filled from `entitlements`. */
	uint8_t special[SG_SLOT_MAX][SG_HASH_SIZE];
	const uint8_t *entitlements;  /* JSON object text, or NULL */
	size_t entitlements_length;
	unsigned threads;             /* page-hash workers; 0: all cores */
	/*
	 * A timestamp to staple (NULL: none): called with SHA-256 of the
	 * signature value once the CMS is made. The slot is sized for it in
	 * advance (SG_TS_RESERVE), so a timestamped file's size does not depend
	 * on the token either.
	 */
	sg_ts_fetch_fn timestamp;
	void *timestamp_ctx;
} sg_sign_params;

/* Signs `in` into a new malloc'd buffer. `path` names the input in errors. */
int sg_sign_elf_bytes(uint8_t **out, size_t *out_len, const uint8_t *in, size_t in_len,
	const char *path, const sg_sign_params *params, signet_error **err);

/* Signs the file at `path` in place, atomically, keeping its mode. */
SG_PRIVATE int sg_sign_elf_file(const char *path, const sg_sign_params *params, signet_error **err);

#endif /* SIGNET_SIGN_ELF_H */
