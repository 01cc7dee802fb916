/* SPDX-License-Identifier: MIT */
/*
 * many_internal.h - the batch engine the batch calls share:
 * signet_load_many() (load/many.c), signet_preflight_many()
 * (bundle/preflight_many.c) and signet_host_load_bundles() (guest/host.c).
 * The threads themselves are core/parallel.h's.
 *
 * A batch is N items, each beginning with an sg_many_item. The engine
 * refuses NULL or empty paths, prepares every other item on the workers
 * (everything before mapping), commits them on the calling thread in input
 * order (dependency closure, dlopen(), the commit), logs each refusal
 * where a single call would have logged it, and carries out all or
 * nothing. The caller then reads each item into its public result.
 *
 * Ownership and thread-safety: one batch belongs to the call running it.
 * `prepare` runs on workers, concurrently for distinct items, and must
 * touch only its own item and what is shared read-only or locked; every
 * other callback runs on the calling thread.
 */
#ifndef SIGNET_LOAD_MANY_INTERNAL_H
#define SIGNET_LOAD_MANY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <signet/loader.h>

typedef struct sg_many_item {
	const char *path;
	int rc;             /* 0, or why this item was refused */
	signet_error *err;  /* the reason, when rc != 0 */
	bool loaded;        /* committed: holds a load (or a guest) */
	bool logged;        /* its refusal is in the image log (or needs not be) */
} sg_many_item;

typedef struct sg_many {
	const char *what;        /* the public call's name, for messages */
	void *items;             /* `count` items of `item_size` bytes, each starting with an sg_many_item */
	size_t item_size, count;
	signet_many_options opts;
	bool log;                /* refusals go to the image log (loads; a preflight logs nothing) */
	/* On a worker, for an item with a path: everything before mapping; sets rc and err. */
	void (*prepare)(void *ctx, sg_many_item *it);
	/*
	 * On the calling thread, in input order: for an item still at rc 0,
	 * the load (sets rc, err, loaded); for every item, drops what prepare
	 * kept. May be NULL (nothing to commit: a preflight).
	 */
	void (*commit)(void *ctx, sg_many_item *it, bool load);
	/* All or nothing: gives a loaded item's load back; false when it cannot (it then stays loaded). */
	bool (*give_back)(void *ctx, sg_many_item *it);
	void *ctx;
} sg_many;

/* `opts` (NULL: the defaults) into `out`; SIGNET_E_INVALID_ARGUMENT (check "load.many") for another version. */
int sg_many_options(const signet_many_options *opts, signet_many_options *out, const char *what,
	signet_error **err);

/*
 * Sets up every item (its path; a NULL or empty one refused at once with
 * SIGNET_E_INVALID_ARGUMENT, check "load.many"), runs the batch, and
 * returns the code of the first failed item in input order (0: none; all
 * or nothing, the first refused on its own account, never one refused in
 * its name), a copy of its error in `*err`. Items must be zeroed apart from what the
 * caller's callbacks need.
 */
int sg_many_run(sg_many *m, const char *const *paths, signet_error **err);

/* Item `i` of the batch. */
static inline sg_many_item *sg_many_at(const sg_many *m, size_t i)
{
	return (sg_many_item *)(void *)((char *)m->items + i * m->item_size);
}

/*
 * A call refused as a whole: every result (a struct with `code` and
 * `error`) gets the code and its own copy of the reason; `*err` the reason.
 */
#define SG_MANY_REFUSE_ALL(results, count, rc, e, err) do { \
		for (size_t sg_i_ = 0; (results) && sg_i_ < (count); sg_i_++) { \
			memset(&(results)[sg_i_], 0, sizeof (results)[sg_i_]); \
			(results)[sg_i_].code = (rc); \
			(results)[sg_i_].error = sg_error_copy(e); \
		} \
		sg_many_hand_over((e), (err)); \
	} while (0)

/* `e` to `*err`, or freed when the caller wants none. */
void sg_many_hand_over(signet_error *e, signet_error **err);

#endif /* SIGNET_LOAD_MANY_INTERNAL_H */
