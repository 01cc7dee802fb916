/* SPDX-License-Identifier: MIT */
/* hex.h - bytes as hex text: the one encoder every module uses. Pure. */
#ifndef SIGNET_HEX_H
#define SIGNET_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes 2n hex digits and a NUL to `out` (2n + 1 bytes). */
void sg_hex_encode(char *out, const uint8_t *bytes, size_t n, bool upper);

#endif /* SIGNET_HEX_H */
