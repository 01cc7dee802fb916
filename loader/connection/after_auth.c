/* SPDX-License-Identifier: MIT */
/*
 * after_auth.c - a server's first message without a CR LF pair
 * (after_auth.h explains the libsystemd assertion this avoids).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "connection/after_auth.h"
#include "core/error_internal.h"
#include "core/text.h"
#include "core/utf8.h"

static bool has_crlf(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (p[i] == '\r' && p[i + 1] == '\n')
			return true;
	return false;
}

int sg_after_auth_nonce(uint8_t *nonce, size_t size, sg_random_source draw, signet_error **err)
{
	/*
	 * Drawn again rather than patched: every nonce without the pair stays
	 * equally likely. What is lost is the one nonce in about 2,000 that
	 * holds it: under a thousandth of a bit of the 256. The bytes either side
	 * (the array's length, 32, and the end of the message) cannot complete
	 * a pair.
	 */
	for (int i = 0; i < SG_AFTER_AUTH_NONCE_DRAWS; i++) {
		errno = 0;
		ssize_t got = draw(nonce, size, 0);
		if (got != (ssize_t)size) {
			int e = got < 0 ? errno : EIO;
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .check = "connection.handshake",
				.os_errno = e }, "no random bytes for the challenge: %s", strerror(e));
		}
		if (!has_crlf(nonce, size))
			return 0;
	}
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .check = "connection.handshake" },
		"no random bytes for the challenge: %d draws in a row held CR LF", SG_AFTER_AUTH_NONCE_DRAWS);
}

/*
 * Besides the text's own CRs, a CR LF pair could come from a length: the
 * body's and the text's are little-endian 32-bit numbers, and 0x0a0d
 * (2,573) would write the pair. A text under SG_AFTER_AUTH_TEXT_MAX keeps
 * the whole body (the code's name, under 64 bytes, and padding included)
 * below that, and no other byte of the signal comes near it.
 */
void sg_after_auth_text(char *out, size_t size, const char *text)
{
	if (size > SG_AFTER_AUTH_TEXT_MAX + 1)
		size = SG_AFTER_AUTH_TEXT_MAX + 1;
	/* Byte for byte (a CR or a stray byte is replaced by one byte): out[i] comes from text[i]. */
	const unsigned char *p = (const unsigned char *)text;
	size_t n = strlen(text), o = 0;
	bool cut = n > size - 1;
	size_t keep = cut ? size - 1 - strlen(SG_TEXT_ELLIPSIS) : n;
	while (o < keep) {
		size_t len = sg_utf8_decode(p + o, n - o, NULL);
		if (!len) {
			out[o++] = '?';
			continue;
		}
		if (o + len > keep)
			break; /* never half a character */
		if (p[o] == '\r')
			out[o] = ' ';
		else
			memcpy(out + o, p + o, len);
		o += len;
	}
	if (cut) {
		memcpy(out + o, SG_TEXT_ELLIPSIS, strlen(SG_TEXT_ELLIPSIS));
		o += strlen(SG_TEXT_ELLIPSIS);
	}
	out[o] = '\0';
}
