/* SPDX-License-Identifier: MIT */
/*
 * reasons.h - every reason a bundle is refused, not just the first.
 *
 * Preflight reports all it can find (an unsealed file and a wrong team are
 * both worth knowing); loading stops at the first. Checks that can go on
 * after a failure take an sg_reasons and ask sg_reasons_done() whether to.
 * Ownership: the list owns its errors until sg_reasons_take() or
 * sg_reasons_clear(). Not shared between threads.
 */
#ifndef SIGNET_BUNDLE_REASONS_H
#define SIGNET_BUNDLE_REASONS_H

#include "core/export.h"
#include <stdbool.h>
#include <stddef.h>

#include <signet/error.h>

#include "core/array.h"
#include "core/error_internal.h"

typedef SG_ARRAY(signet_error *) sg_error_list;

typedef struct sg_reasons {
	bool all;               /* collect every reason (preflight), or stop at the first */
	int first;              /* the first code added, 0 while none */
	sg_error_list list;
} sg_reasons;

/* Records `e` (ownership moves in; NULL is allowed) for code `rc`; returns rc. */
int sg_reasons_add(sg_reasons *r, int rc, signet_error *e);

/* True when a reason exists and the caller should not look for more. */
static inline bool sg_reasons_done(const sg_reasons *r)
{
	return r->first != 0 && !r->all;
}

/* Builds an error as sg_fail() does and records it; returns its code. */
int sg_reasons_fail(sg_reasons *r, const sg_error_info *info, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Moves the first reason out (NULL when none). */
SG_PRIVATE signet_error *sg_reasons_take_first(sg_reasons *r);

SG_PRIVATE void sg_reasons_clear(sg_reasons *r);

#endif /* SIGNET_BUNDLE_REASONS_H */
