/* SPDX-License-Identifier: MIT */
/* hex.h - bytes as hex text and back: the one codec every module uses. Pure. */
#ifndef SIGNET_HEX_H
#define SIGNET_HEX_H

#include "core/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes 2n hex digits and a NUL to `out` (2n + 1 bytes). */
SG_PRIVATE void sg_hex_encode(char *out, const uint8_t *bytes, size_t n, bool upper);

/*
 * Reads exactly 2n lowercase hex digits from `text` into `out`. False on
 * any other character (uppercase included: one spelling per value).
 */
bool sg_hex_decode_lower(uint8_t *out, const char *text, size_t n);

#endif /* SIGNET_HEX_H */
