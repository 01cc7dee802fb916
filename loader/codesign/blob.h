/* SPDX-License-Identifier: MIT */
/*
 * blob.h - the outer signature blob: header, CodeDirectory, CMS,
 * entitlements and zero padding. Pure functions over bytes; thread-safe.
 */
#ifndef SIGNET_CODESIGN_BLOB_H
#define SIGNET_CODESIGN_BLOB_H

#include "core/export.h"

#include <signet/error.h>

#include "codesign/format.h"

/* At most this much zero padding may follow the last part of a blob. */
#define SG_BLOB_MAX_PADDING 4096u

/*
 * Lays out a blob of exactly `length` bytes into `out` (which has room for
 * it). SIGNET_E_LIMIT when the parts do not fit in `length` or break a
 * limit (the signer sizes `length` from the CMS's bound, so they fit).
 */
int sg_blob_build(uint8_t *out, uint32_t length, const uint8_t *cd, uint32_t cd_len,
	const uint8_t *cms, uint32_t cms_len, const uint8_t *ent, uint32_t ent_len, signet_error **err);

/* Bytes needed for these parts before padding. */
uint64_t sg_blob_content_size(uint32_t cd_len, uint32_t cms_len, uint32_t ent_len);

/*
 * Parses the blob at [offset, offset + length) of `file` strictly, including
 * its CodeDirectory, whose code limit must equal `offset`. `out` points
 * into `file`.
 */
SG_PRIVATE int sg_blob_parse(sg_blob *out, const uint8_t *file, uint64_t offset, uint64_t length,
	const char *path, signet_error **err);

#endif /* SIGNET_CODESIGN_BLOB_H */
