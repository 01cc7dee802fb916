/* SPDX-License-Identifier: MIT */
/*
 * many.c - signet_load_many(): N files verified on several threads, then
 * mapped in the caller's order on the calling thread.
 *
 * Each file goes through exactly the steps of signet_load() (load.c), cut
 * where load.c already cuts them: sg_inspect() (snapshot, ELF, signature,
 * policy; nothing mapped, nothing run) on a worker, then
 * sg_load_inspected() (dependency closure, dlopen() of that very snapshot,
 * registry commit) on the calling thread, in input order
 * (core/parallel.h). Workers never run plugin code and never touch the
 * registry: every constructor and observer runs on the calling thread, as
 * with signet_load().
 *
 * Also the batch engine the other batch calls share (many_internal.h):
 * missing paths, the in-order commits, the image log, all or nothing.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <signet/loader.h>

#include "core/error_internal.h"
#include "core/parallel.h"
#include "imagelog/imagelog.h"
#include "load/load_internal.h"
#include "load/many_internal.h"
#include "policy/policy_internal.h"

/* How far verification may run ahead of the commits, per worker (bounds the snapshots held). */
#define WINDOW_PER_WORKER 4u

/* ---- the batch engine (many_internal.h) ---- */

int sg_many_options(const signet_many_options *opts, signet_many_options *out, const char *what,
	signet_error **err)
{
	if (opts && opts->version != SIGNET_MANY_OPTIONS_VERSION)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "load.many" },
			"%s: options of version %d are expected", what, SIGNET_MANY_OPTIONS_VERSION);
	*out = opts ? *opts : (signet_many_options)SIGNET_MANY_OPTIONS_INIT;
	return 0;
}

void sg_many_hand_over(signet_error *e, signet_error **err)
{
	if (err)
		*err = e;
	else
		signet_error_free(e);
}

static void run_prepare(void *ctx, size_t i)
{
	sg_many *m = ctx;
	sg_many_item *it = sg_many_at(m, i);
	if (!it->rc) /* else refused before the batch started (a missing path) */
		m->prepare(m->ctx, it);
}

/*
 * The image log hears of a refusal where the single call would have
 * logged it: between the loads before and after it. A missing path is
 * refused before any load begins, as signet_load() does: not logged.
 */
static void log_refusal(const sg_many *m, sg_many_item *it)
{
	if (m->log && it->rc && !it->logged && it->path && *it->path)
		sg_imagelog_refusal(it->path, it->rc, it->err);
	it->logged = true;
}

static void run_commit(void *ctx, size_t i)
{
	sg_many *m = ctx;
	sg_many_item *it = sg_many_at(m, i);
	m->commit(m->ctx, it, it->rc == 0);
	log_refusal(m, it);
}

/*
 * All or nothing, after every item was prepared: commits in order while
 * all goes well (and only drops what the rest kept once one is refused);
 * then gives back what was loaded, last first, and refuses every item not
 * refused on its own in the name of the first that was.
 */
static void all_or_nothing(sg_many *m)
{
	size_t n = m->count, bad = n;
	for (size_t i = 0; i < n && bad == n; i++)
		if (sg_many_at(m, i)->rc)
			bad = i;
	for (size_t i = 0; i < n; i++) {
		sg_many_item *it = sg_many_at(m, i);
		m->commit(m->ctx, it, bad == n && !it->rc);
		if (it->rc && bad == n)
			bad = i;
	}
	if (bad == n)
		return;
	char label[64];
	const char *refused = sg_many_at(m, bad)->path;
	if (!refused || !*refused) {
		snprintf(label, sizeof label, "path %zu (NULL or empty)", bad);
		refused = label;
	}
	for (size_t i = n; i-- > 0;) {
		sg_many_item *it = sg_many_at(m, i);
		if (it->rc || (it->loaded && !m->give_back(m->ctx, it)))
			continue;
		bool was_loaded = it->loaded;
		it->loaded = false;
		it->rc = sg_fail(&it->err, &(sg_error_info){ .code = SIGNET_E_BATCH_REFUSED, .path = it->path,
			.check = "load.batch", .actual = refused }, "%s: %s was refused and the batch is all or nothing",
			was_loaded ? "loaded, then given back" : "not loaded", refused);
	}
}

int sg_many_run(sg_many *m, const char *const *paths, signet_error **err)
{
	bool all = m->opts.all_or_nothing && m->commit;
	for (size_t i = 0; i < m->count; i++) {
		sg_many_item *it = sg_many_at(m, i);
		it->path = paths[i];
		if (!it->path || !*it->path)
			it->rc = sg_fail(&it->err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "load.many",
				.has_index = true, .index = (long long)i }, "%s: path %zu is NULL or empty", m->what, i);
	}
	/* A few items per worker ahead of the commits; all or nothing must hold every item before the first. */
	size_t window = all || !m->commit ? 0
		: (size_t)sg_parallel_workers(m->count, m->opts.workers) * WINDOW_PER_WORKER;
	sg_pipeline p = { .count = m->count, .workers = m->opts.workers, .window = window, .prepare = run_prepare,
		.commit = all || !m->commit ? NULL : run_commit, .ctx = m };
	sg_pipeline_run(&p);
	if (all)
		all_or_nothing(m);
	/* The first refusal in input order; all or nothing, the first refused on its own account. */
	sg_many_item *first = NULL;
	for (size_t i = 0; i < m->count; i++) {
		sg_many_item *it = sg_many_at(m, i);
		log_refusal(m, it); /* all or nothing: the refusals after every load and unload */
		if (it->rc && (!first || (first->rc == SIGNET_E_BATCH_REFUSED && it->rc != SIGNET_E_BATCH_REFUSED)))
			first = it;
	}
	if (first && err)
		*err = first->err ? sg_error_copy(first->err) : NULL;
	return first ? first->rc : 0;
}

/* ---- signet_load_many() ---- */

typedef struct item {
	sg_many_item base;
	sg_inspected in;
	signet_image *image; /* one load, once committed */
} item;

/* On a worker: everything before mapping (signet_load()'s steps 1-5). */
static void prepare(void *ctx, sg_many_item *base)
{
	item *it = (item *)base;
	sg_txn t = { .policy = ctx };
	base->rc = sg_snapshot_take(&it->in.snap, base->path, &base->err);
	if (!base->rc)
		base->rc = sg_inspect(&t, &it->in, &base->err);
	if (base->rc)
		sg_inspected_clear(&it->in); /* nothing of a refused file is kept while the batch goes on */
}

/* On the calling thread, in input order: the rest of signet_load(). */
static void commit(void *ctx, sg_many_item *base, bool load)
{
	item *it = (item *)base;
	if (load) {
		sg_txn t = { .policy = ctx };
		base->rc = sg_load_inspected(&t, &it->in, NULL, &it->image, &base->err);
		base->loaded = !base->rc;
	}
	sg_inspected_clear(&it->in);
}

static bool give_back(void *ctx, sg_many_item *base)
{
	(void)ctx;
	item *it = (item *)base;
	sg_release_load(it->image);
	it->image = NULL;
	return true;
}

int signet_load_many(signet_load_result *results, const char *const *paths, size_t count,
	const signet_policy *policy, const signet_many_options *opts, signet_error **err)
{
	if (count == 0)
		return 0;
	signet_error *e = NULL;
	signet_many_options o = SIGNET_MANY_OPTIONS_INIT;
	int rc = !results || !paths
		? sg_fail_code(&e, SIGNET_E_INVALID_ARGUMENT, "signet_load_many needs results and paths for %zu files",
			count)
		: sg_many_options(opts, &o, "signet_load_many", &e);
	if (!rc)
		rc = sg_load_enter("signet_load_many", NULL, &e);
	if (!rc)
		rc = sg_policy_or_default(&policy, NULL, &e);
	item *items = rc ? NULL : calloc(count, sizeof *items);
	if (!rc && !items)
		rc = sg_fail_code(&e, SIGNET_E_NOMEM, "out of memory loading %zu files", count);
	if (rc) {
		SG_MANY_REFUSE_ALL(results, count, rc, e, err);
		return rc;
	}
	for (size_t i = 0; i < count; i++)
		items[i].in = (sg_inspected){ .snap = { .fd = -1 } };
	sg_many m = { .what = "signet_load_many", .items = items, .item_size = sizeof *items, .count = count,
		.opts = o, .log = true, .prepare = prepare, .commit = commit, .give_back = give_back,
		.ctx = (void *)(uintptr_t)policy };
	rc = sg_many_run(&m, paths, err);
	for (size_t i = 0; i < count; i++)
		results[i] = (signet_load_result){ .image = items[i].image, .code = items[i].base.rc,
			.error = items[i].base.err };
	free(items);
	return rc;
}
