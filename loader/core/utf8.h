/* SPDX-License-Identifier: MIT */
/*
 * utf8.h - strict UTF-8 (RFC 3629): the one decoder every text check uses.
 * Overlong forms, surrogates, values past U+10FFFF, 5- and 6-byte forms and
 * truncated sequences are invalid. Pure; thread-safe.
 */
#ifndef SIGNET_CORE_UTF8_H
#define SIGNET_CORE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Length (1-4) of the valid sequence at p[0..n), with its code point in
 * *cp (may be NULL); 0 when the bytes there are not UTF-8 (or n is 0).
 */
size_t sg_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp);

#endif /* SIGNET_CORE_UTF8_H */
