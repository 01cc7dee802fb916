/* SPDX-License-Identifier: MIT */
/*
 * codedirectory.h - building and strictly parsing the CodeDirectory.
 *
 * Pure functions over bytes: no I/O, no global state, thread-safe.
 */
#ifndef SIGNET_CODESIGN_CODEDIRECTORY_H
#define SIGNET_CODESIGN_CODEDIRECTORY_H

#include "core/export.h"

#include <signet/error.h>

#include "codesign/format.h"

/* 1..max characters of A-Z a-z 0-9 . - _ (identifiers, team IDs). */
SG_PRIVATE bool sg_cd_valid_name(const char *s, size_t max);

/* The length sg_cd_build() gives `in` (its code_hashes are not read). */
size_t sg_cd_size(const sg_cd_input *in);

/* Encodes `in` canonically into a new malloc'd buffer. */
int sg_cd_build(uint8_t **out, size_t *out_len, const sg_cd_input *in, signet_error **err);

/*
 * Parses `len` bytes as a CodeDirectory. `out` points into `cd`.
 * SIGNET_E_SIGNATURE_MALFORMED or SIGNET_E_SIGNATURE_UNSUPPORTED, naming
 * `path`. Does not check the code limit against a file: the caller does.
 */
int sg_cd_parse(sg_code_directory *out, const uint8_t *cd, size_t len, const char *path, signet_error **err);

/* Special slot -`slot` (1..3): its hash, or NULL when absent. */
SG_PRIVATE const uint8_t *sg_cd_special(const sg_code_directory *cd, unsigned slot);

#endif /* SIGNET_CODESIGN_CODEDIRECTORY_H */
