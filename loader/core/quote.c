/* SPDX-License-Identifier: MIT */
/* quote.c - untrusted bytes made safe to show in a one-line message. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/quote.h"

void sg_quote(char *dst, size_t size, const char *s, size_t max)
{
	if (!size)
		return;
	size_t n = 0;
	/* Each step writes at most 4 bytes; keep room for them and the NUL. */
	for (size_t i = 0; s[i] && n + 5 <= size; i++) {
		if (i == max) {
			memcpy(dst + n, "...", 3);
			n += 3;
			break;
		}
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
			dst[n++] = (char)c;
		else
			n += (size_t)snprintf(dst + n, size - n, "\\x%02x", c);
	}
	dst[n] = '\0';
}
