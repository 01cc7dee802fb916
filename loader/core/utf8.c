/* SPDX-License-Identifier: MIT */
/* utf8.c - strict UTF-8 decoding, with OpenSSL's decoder. */
#include "config.h"

#include <openssl/asn1.h>

#include "core/utf8.h"

size_t sg_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	if (n == 0)
		return 0;
	unsigned long v = p[0];
	int got = 1;
	/*
	 * OpenSSL 3's UTF8_getc() applies exactly the RFC 3629 rules (see
	 * utf8.h), so no decoder of our own. It reads at most `len` bytes, and
	 * no character is longer than 4.
	 */
	if (p[0] >= 0x80)
		got = UTF8_getc(p, n < 4 ? (int)n : 4, &v);
	if (got <= 0)
		return 0;
	if (cp)
		*cp = (uint32_t)v;
	return (size_t)got;
}
