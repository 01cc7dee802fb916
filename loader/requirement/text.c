/* SPDX-License-Identifier: MIT */
/* text.c - bounded string building for the formatter and explanations. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "requirement/lexer.h"
#include "requirement/text.h"

/* Room kept beyond the cap for the "..." that marks a cut. */
#define ELLIPSIS "..."

static bool reserve(sg_text *t, size_t more)
{
	/* +1 for the NUL, + the ellipsis sg_text_finish() may add. */
	size_t need = t->len + more + 1 + sizeof ELLIPSIS;
	if (need < t->len) {
		t->nomem = true;
		return false;
	}
	if (need <= t->alloc)
		return true;
	size_t alloc = t->alloc ? t->alloc : 64;
	while (alloc < need) {
		if (alloc > SIZE_MAX / 2) {
			alloc = need;
			break;
		}
		alloc *= 2;
	}
	char *grown = realloc(t->data, alloc);
	if (!grown) {
		t->nomem = true;
		return false;
	}
	t->data = grown;
	t->alloc = alloc;
	return true;
}

bool sg_text_full(const sg_text *t)
{
	return t->truncated || t->nomem;
}

void sg_text_put(sg_text *t, const char *s, size_t n)
{
	if (sg_text_full(t))
		return;
	if (n > t->limit - t->len) {
		/* Sticky: later, shorter pieces must not fill the gap and lie. */
		t->truncated = true;
		return;
	}
	if (!reserve(t, n))
		return;
	memcpy(t->data + t->len, s, n);
	t->len += n;
}

void sg_text_puts(sg_text *t, const char *s)
{
	sg_text_put(t, s, strlen(s));
}

void sg_text_put_string(sg_text *t, const char *s)
{
	sg_text_put(t, "\"", 1);
	for (const char *run = s;; ) {
		size_t n = strcspn(run, "\"\\");
		sg_text_put(t, run, n);
		if (!run[n])
			break;
		char esc[2] = { '\\', run[n] };
		sg_text_put(t, esc, 2);
		run += n + 1;
	}
	sg_text_put(t, "\"", 1);
}

void sg_text_put_value(sg_text *t, const char *s, size_t max)
{
	size_t len = strlen(s);
	if (len <= max && sg_req_is_word(s)) {
		sg_text_put(t, s, len);
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t end = len < max ? len : max;
	sg_text_put(t, "\"", 1);
	for (size_t i = 0; i < end && !sg_text_full(t); ) {
		size_t n = sg_req_utf8_printable(p + i, len - i);
		if (n > 0 && n <= end - i) {
			if (p[i] == '"' || p[i] == '\\')
				sg_text_put(t, "\\", 1);
			sg_text_put(t, s + i, n);
			i += n;
		} else if (n > 0) {
			break; /* a character the cut would split: stop before it */
		} else {
			char hex[5];
			snprintf(hex, sizeof hex, "\\x%02x", p[i]);
			sg_text_put(t, hex, 4);
			i++;
		}
	}
	sg_text_put(t, "\"", 1);
	if (len > max)
		sg_text_put(t, ELLIPSIS, strlen(ELLIPSIS));
}

void sg_text_put_hex(sg_text *t, const uint8_t *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char pair[3];
		sg_hex_encode(pair, &bytes[i], 1, false);
		sg_text_put(t, pair, 2);
	}
}

sg_text_mark sg_text_get_mark(const sg_text *t)
{
	return (sg_text_mark){ .len = t->len, .truncated = t->truncated };
}

void sg_text_rewind(sg_text *t, sg_text_mark mark)
{
	t->len = mark.len;
	t->truncated = mark.truncated;
}

char *sg_text_finish(sg_text *t)
{
	if (!t->nomem)
		(void)reserve(t, 0); /* the buffer may not exist yet; sets nomem on failure */
	if (t->nomem) {
		sg_text_dispose(t);
		return NULL;
	}
	if (t->truncated) {
		/* reserve() always keeps room for this beyond the cap. */
		memcpy(t->data + t->len, ELLIPSIS, strlen(ELLIPSIS));
		t->len += strlen(ELLIPSIS);
	}
	t->data[t->len] = '\0';
	char *out = t->data;
	t->data = NULL;
	t->len = t->alloc = 0;
	t->truncated = false;
	return out;
}

void sg_text_dispose(sg_text *t)
{
	free(t->data);
	t->data = NULL;
	t->len = t->alloc = 0;
	t->truncated = false;
	t->nomem = false;
}
