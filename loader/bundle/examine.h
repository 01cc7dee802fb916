/* SPDX-License-Identifier: MIT */
/*
 * examine.h - every check on a bundle that comes before mapping it.
 *
 * One routine serves preflight and loading, so the two can never disagree
 * about what is acceptable: preflight runs it collecting every reason and
 * resolving dependencies as a dry run; loading runs it stopping at the
 * first reason and then hands the inspected executable (its sealed
 * snapshot and verified identity) to the load transaction, so the bytes
 * examined are the bytes mapped.
 *
 * Ownership: the caller owns the examination; sg_examination_clear()
 * releases it. Not shared between threads.
 */
#ifndef SIGNET_BUNDLE_EXAMINE_H
#define SIGNET_BUNDLE_EXAMINE_H

#include <stdbool.h>

#include <signet/policy.h>

#include "bundle/bundle.h"
#include "bundle/provenance.h"
#include "bundle/reasons.h"
#include "load/load_internal.h"

typedef struct sg_dependency {
	char *needed_by, *name, *path;
	sg_dep_kind kind;
} sg_dependency;
typedef SG_ARRAY(sg_dependency) sg_dependencies;

typedef struct sg_examination {
	sg_bundle bundle;
	bool opened;            /* bundle.has_manifest: there is something to report on */
	sg_inspected exe;       /* the executable: snapshot, layout, identity (set when it verified), dynamic section */
	sg_reasons reasons;
	sg_dependencies deps;
	bool deps_failed;       /* out of memory recording one */
	sg_provenance *prov;    /* preflight: what the verdict is made from (NULL when loading, or no memory) */
} sg_examination;

/* An examination holding nothing (no descriptor either): what sg_examination_clear() leaves. */
#define SG_EXAMINATION_INIT { .bundle = { .tree = { .rootfd = -1 } }, .exe = { .snap = { .fd = -1 } } }

/*
 * Examines the bundle at `path`. With `preflight`, collects every reason,
 * resolves the dependency closure as a dry run and records its provenance;
 * otherwise stops at the first reason and leaves the closure to
 * sg_load_inspected(). `host_api` is the host's version. Returns the
 * first reason's code (0: acceptable).
 */
int sg_examine_bundle(sg_examination *x, const char *path, const signet_policy *policy, sg_semver host_api,
	bool preflight);

/* Releases everything; safe to call again (and on SG_EXAMINATION_INIT). */
void sg_examination_clear(sg_examination *x);

/* The host's API version from text (NULL: SIGNET_HOST_API_DEFAULT);
 * SIGNET_E_INVALID_ARGUMENT unless MAJOR.MINOR.PATCH. */
int sg_host_api_parse(const char *text, sg_semver *out, signet_error **err);

/* Frees every dependency recorded and the list's storage. */
void sg_dependencies_clear(sg_dependencies *deps);

/* The dependency kind's report name: "loaded", "signed", "platform". */
const char *sg_dep_kind_name(sg_dep_kind kind);

#endif /* SIGNET_BUNDLE_EXAMINE_H */
