/* SPDX-License-Identifier: MIT */
/* text.c - bounded string building. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/array.h"
#include "core/text.h"

/* Room kept beyond the cap for the "..." that marks a cut. */
#define ELLIPSIS SG_TEXT_ELLIPSIS

static bool reserve(sg_text *t, size_t more)
{
	/* +1 for the NUL, + the ellipsis sg_text_finish() may add. */
	if (more > SIZE_MAX - 1 - sizeof ELLIPSIS ||
	    sg_array_grow(&t->data, &t->alloc, t->len, more + 1 + sizeof ELLIPSIS, 1) != 0) {
		t->nomem = true;
		return false;
	}
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
