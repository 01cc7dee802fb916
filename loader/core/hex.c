/* SPDX-License-Identifier: MIT */
/* hex.c - bytes as hex text. */
#include "config.h"

#include "core/hex.h"

void sg_hex_encode(char *out, const uint8_t *bytes, size_t n, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}
