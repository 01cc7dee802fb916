/* SPDX-License-Identifier: MIT */
/*
 * text.h - a growable string with an optional hard cap: requirement
 * formatting and explanations, the resource seal, lists of paths tried.
 *
 * Not open_memstream(): explanations of `or` alternatives that end up
 * satisfied must be rolled back (sg_text_rewind), and an explanation must
 * stay bounded however large the requirement and the identity are.
 * Once a piece does not fit under the cap, it and everything after it are
 * dropped (so the kept text is a clean prefix) and sg_text_finish() ends the
 * text with "...".
 */
#ifndef SIGNET_CORE_TEXT_H
#define SIGNET_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What sg_text_finish() appends to a cut text. */
#define SG_TEXT_ELLIPSIS "..."

typedef struct sg_text {
	char *data;
	size_t len, alloc;
	size_t limit;    /* most bytes kept; SIZE_MAX for no cap */
	bool truncated;  /* something was dropped for the cap */
	bool nomem;      /* an allocation failed: the text is unusable */
} sg_text;

#define SG_TEXT_INIT(cap) { NULL, 0, 0, (cap), false, false }

typedef struct sg_text_mark {
	size_t len;
	bool truncated;
} sg_text_mark;

void sg_text_put(sg_text *t, const char *s, size_t n);
void sg_text_puts(sg_text *t, const char *s);

/* `n` bytes as lower-case hex. */
void sg_text_put_hex(sg_text *t, const uint8_t *bytes, size_t n);

/* True once nothing more will be kept (cap reached or out of memory). */
bool sg_text_full(const sg_text *t);

sg_text_mark sg_text_get_mark(const sg_text *t);
void sg_text_rewind(sg_text *t, sg_text_mark mark);

/*
 * The NUL-terminated text, now the caller's (free()), with "..." appended
 * when truncated; NULL when memory ran out. Leaves `t` empty.
 */
char *sg_text_finish(sg_text *t);

/* Releases the buffer without returning it. */
void sg_text_dispose(sg_text *t);

#endif /* SIGNET_CORE_TEXT_H */
