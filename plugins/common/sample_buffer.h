/* SPDX-License-Identifier: MIT */
/*
 * sample_buffer.h - the one helper the C sample plugins share: a growing
 * output buffer kept in the instance state. A method that returns a string
 * returns this buffer; the string stays valid until the instance's next
 * call (the host copies it at once, include/signet/plugin.h) and is freed
 * by the class's fini.
 */
#ifndef SAMPLE_BUFFER_H
#define SAMPLE_BUFFER_H

#include <stdlib.h>

typedef struct sample_buffer {
	char *bytes;
	size_t cap;
} sample_buffer;

/* Room for `len` bytes plus a NUL, or NULL (the old buffer is kept). */
static inline char *sample_buffer_reserve(sample_buffer *b, size_t len)
{
	if (len >= (size_t)-1 / 2)
		return NULL;
	if (len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < len + 1)
			cap *= 2;
		char *p = realloc(b->bytes, cap);
		if (!p)
			return NULL;
		b->bytes = p;
		b->cap = cap;
	}
	return b->bytes;
}

static inline void sample_buffer_free(sample_buffer *b)
{
	free(b->bytes);
	b->bytes = NULL;
	b->cap = 0;
}

#endif /* SAMPLE_BUFFER_H */
