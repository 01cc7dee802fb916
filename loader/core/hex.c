/* SPDX-License-Identifier: MIT */
/* hex.c - bytes as hex text and back. */
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

static int lower_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool sg_hex_decode_lower(uint8_t *out, const char *text, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = lower_digit(text[2 * i]), lo = hi < 0 ? -1 : lower_digit(text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}
