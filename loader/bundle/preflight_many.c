/* SPDX-License-Identifier: MIT */
/*
 * preflight_many.c - signet_preflight_many(): signet_preflight() of N
 * bundles on several threads (core/parallel.h), results in input order.
 *
 * A preflight maps nothing and runs nothing, and each one owns everything
 * it touches (its examination, its report, its errors); what they share is
 * read-only (the policy, its trust anchors) or guarded (registry lookups of
 * the dry dependency closure). So the batch is the single call on each
 * worker, and its results are the single call's, field for field.
 */
#include "config.h"

#include <stdlib.h>

#include <signet/bundle.h>

#include "bundle/examine.h"
#include "core/error_internal.h"
#include "load/many_internal.h"
#include "policy/policy_internal.h"

typedef struct item {
	sg_many_item base;
	signet_bundle_info *info;
} item;

typedef struct batch {
	const signet_policy *policy;
	const char *host_api;
} batch;

static void prepare(void *ctx, sg_many_item *base)
{
	const batch *b = ctx;
	base->rc = signet_preflight(&((item *)base)->info, base->path, b->policy, b->host_api, &base->err);
}

int signet_preflight_many(signet_preflight_result *results, const char *const *paths, size_t count,
	const signet_policy *policy, const char *host_api, const signet_many_options *opts, signet_error **err)
{
	if (count == 0)
		return 0;
	signet_error *e = NULL;
	signet_many_options o = SIGNET_MANY_OPTIONS_INIT;
	sg_semver host;
	int rc = !results || !paths
		? sg_fail_code(&e, SIGNET_E_INVALID_ARGUMENT, "signet_preflight_many needs results and paths for %zu "
			"bundles", count)
		: sg_many_options(opts, &o, "signet_preflight_many", &e);
	if (!rc && o.all_or_nothing)
		rc = sg_fail(&e, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "load.many" },
			"signet_preflight_many: all_or_nothing is for loads; a preflight loads nothing");
	if (!rc)
		rc = sg_host_api_parse(host_api, &host, &e);
	if (!rc)
		rc = sg_policy_or_default(&policy, NULL, &e);
	item *items = rc ? NULL : calloc(count, sizeof *items);
	if (!rc && !items)
		rc = sg_fail_code(&e, SIGNET_E_NOMEM, "out of memory preflighting %zu bundles", count);
	if (rc) {
		SG_MANY_REFUSE_ALL(results, count, rc, e, err);
		return rc;
	}
	batch b = { .policy = policy, .host_api = host_api };
	sg_many m = { .what = "signet_preflight_many", .items = items, .item_size = sizeof *items, .count = count,
		.opts = o, .prepare = prepare, .ctx = &b };
	rc = sg_many_run(&m, paths, err);
	for (size_t i = 0; i < count; i++)
		results[i] = (signet_preflight_result){ .info = items[i].info, .code = items[i].base.rc,
			.error = items[i].base.err };
	free(items);
	return rc;
}
