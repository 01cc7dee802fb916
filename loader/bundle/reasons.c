/* SPDX-License-Identifier: MIT */
/* reasons.c - a list of refusal reasons. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/reasons.h"
#include "core/error_internal.h"

int sg_reasons_add(sg_reasons *r, int rc, signet_error *e)
{
	if (!r->first)
		r->first = rc;
	if (!e)
		return rc;
	/* Out of memory, the code survives in `first`; only the detail is lost. */
	if (sg_array_push(&r->list, e) != 0)
		signet_error_free(e);
	return rc;
}

signet_error *sg_reasons_take_first(sg_reasons *r)
{
	if (!r->list.n)
		return NULL;
	signet_error *e = r->list.items[0];
	memmove(r->list.items, r->list.items + 1, (r->list.n - 1) * sizeof *r->list.items);
	r->list.n--;
	return e;
}

void sg_reasons_clear(sg_reasons *r)
{
	for (size_t i = 0; i < r->list.n; i++)
		signet_error_free(r->list.items[i]);
	sg_array_clear(&r->list);
	*r = (sg_reasons){ .all = r->all };
}

int sg_reasons_fail(sg_reasons *r, const sg_error_info *info, const char *fmt, ...)
{
	signet_error *e = NULL;
	va_list ap;
	va_start(ap, fmt);
	int rc = sg_fail_v(&e, info, fmt, ap);
	va_end(ap);
	return sg_reasons_add(r, rc, e);
}
