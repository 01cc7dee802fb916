/* SPDX-License-Identifier: MIT */
/*
 * array.h - growable arrays, after libgit2's git_array: one way to grow
 * one, instead of a realloc loop in every module.
 *
 *   typedef SG_ARRAY(sg_event) sg_batch;      struct { sg_event *items; size_t n, cap; }
 *   sg_batch b = { 0 };
 *   if (sg_array_push(&b, ev) != 0) ...       SIGNET_E_NOMEM; `b` unchanged
 *   if (sg_array_reserve(&b, k) != 0) ...     room for k more, or nothing changes
 *   sg_array_clear(&b);                       frees the storage (not what items point to)
 *
 * Capacity doubles from 8; sizes that would overflow are refused as out of
 * memory. Not thread-safe: an array belongs to whoever holds its lock.
 */
#ifndef SIGNET_CORE_ARRAY_H
#define SIGNET_CORE_ARRAY_H

#include <stddef.h>
#include <stdlib.h>

#include <signet/error.h>

#define SG_ARRAY(type) struct { type *items; size_t n, cap; }

/*
 * Makes room for `more` items after the `n` in use of the array whose
 * storage pointer is at `items` (a `T **`, passed untyped) and whose
 * capacity is *cap. 0, or SIGNET_E_NOMEM with nothing changed.
 */
int sg_array_grow(void *items, size_t *cap, size_t n, size_t more, size_t item_size)
	__attribute__((warn_unused_result));

#define sg_array_reserve(a, more) sg_array_grow(&(a)->items, &(a)->cap, (a)->n, (more), sizeof *(a)->items)
#define sg_array_push(a, value) \
	(sg_array_reserve((a), 1) != 0 ? SIGNET_E_NOMEM : ((a)->items[(a)->n++] = (value), 0))
#define sg_array_clear(a) (free((a)->items), (a)->items = NULL, (a)->n = (a)->cap = 0)

#endif /* SIGNET_CORE_ARRAY_H */
