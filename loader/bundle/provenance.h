/* SPDX-License-Identifier: MIT */
/*
 * provenance.h - what a preflight's verdict was made from, kept with its
 * report (report.h) so that the preflight cache (loader/prefcache/) can
 * key the verdict on it later: which bundle, under which policy and host
 * API, every entry of the bundle as the walk listed it, the files outside
 * the bundle that the dependency dry run read, and the time window in
 * which every certificate chain that verified is valid.
 *
 * Recording it costs no system call: names are copied from the walk, and
 * the files are stat()ed only by whoever stores the verdict (the time the
 * examination started then proves that nothing changed since).
 *
 * Ownership: the examination owns its provenance until the report takes
 * it; sg_provenance_free() releases one. Immutable once in a report.
 */
#ifndef SIGNET_BUNDLE_PROVENANCE_H
#define SIGNET_BUNDLE_PROVENANCE_H

#include <stdbool.h>

#include <signet/policy.h>
#include <signet/signature.h>

#include "bundle/manifest.h"
#include "bundle/tree.h"
#include "core/array.h"

typedef SG_ARRAY(char *) sg_path_list;

typedef struct sg_provenance {
	char *key;                   /* the bundle's path as given, made absolute (NULL: no memory) */
	const signet_policy *policy; /* examined under (not owned; the caller's) */
	sg_semver host_api;
	long long started_ns;        /* CLOCK_REALTIME before the examination read anything */
	bool complete;               /* the walk listed every entry, and nothing ran out of memory */
	sg_path_list members;        /* "" (the root), then every entry relative to it, as the walk sorted them */
	sg_path_list outside;        /* files outside the bundle the dependency dry run read, as it named them */
	sg_path_list windowed;       /* real paths of the files whose verified chains the window covers */
	bool has_window;             /* some chain verified: [not_before, not_after] is its (their) window */
	long long not_before, not_after;
} sg_provenance;

/*
 * A provenance begun now (CLOCK_REALTIME before a byte is read), for the
 * bundle at `path` (made absolute: getcwd() for a relative path); NULL
 * when out of memory, and then nothing is cached from this preflight.
 */
sg_provenance *sg_provenance_start(const char *path, const signet_policy *policy, sg_semver host_api);

/*
 * What names a bundle in a cache: `path` as given, made absolute with
 * getcwd() (no symlink resolved, no system call for an absolute path).
 * malloc'd; NULL when out of memory or the working directory is gone.
 */
char *sg_provenance_key(const char *path);

/* Every entry of the walk `t`, the root first as ""; incomplete without a walk. */
void sg_provenance_note_members(sg_provenance *p, const sg_tree *t);

/* A file outside the bundle that the dry run read (once each). */
void sg_provenance_note_outside(sg_provenance *p, const char *path);

/*
 * Narrows the window to the verified chain of `id` (the file at
 * `real_path`), anchor included: every certificate of it is checked
 * against the time (docs/certificates.md), so outside [latest notBefore,
 * earliest notAfter] that verification, and the verdict made from it,
 * would not hold.
 */
void sg_provenance_note_window(sg_provenance *p, const signet_identity *id, const char *real_path);

/*
 * The same narrowing of a window held elsewhere: *has says whether
 * [*not_before, *not_after] is set yet. False when the chain is empty or
 * a time cannot be read (no window can be trusted then).
 */
bool sg_identity_window(const signet_identity *id, bool *has, long long *not_before, long long *not_after);

void sg_provenance_free(sg_provenance *p);

#endif /* SIGNET_BUNDLE_PROVENANCE_H */
