/* SPDX-License-Identifier: MIT */
/*
 * load_internal.h - one load transaction: the verified image, and every
 * dependency it brings, loaded leaves first through the same pipeline.
 *
 * A transaction belongs to one signet_load() call on one thread. Each
 * image it loads holds one Signet load; an image's dependencies are
 * released after the image itself is unmapped (ld.so ran its destructors),
 * and on any refusal everything the transaction loaded is released again.
 */
#ifndef SIGNET_LOAD_INTERNAL_H
#define SIGNET_LOAD_INTERNAL_H

#include <signet/loader.h>
#include <signet/policy.h>

#include "core/array.h"
#include "elf/elf_dynamic.h"
#include "elf/elf_image.h"
#include "load/snapshot.h"
#include "registry/registry_internal.h"

/* Deeper dependency chains than this are refused (and cycles end here). */
#define SG_MAX_DEPENDENCY_DEPTH 32

/* How a dependency was (or would be) satisfied, for reports. */
typedef enum sg_dep_kind {
	SG_DEP_LOADED,    /* an acceptable image already in the process */
	SG_DEP_SIGNED,    /* a signed image found through RUNPATH/RPATH */
	SG_DEP_PLATFORM   /* a platform library the policy accepts */
} sg_dep_kind;

typedef struct sg_txn {
	const signet_policy *policy;
	unsigned depth;
	/* Preflight: verify and resolve everything, but never dlopen() and
	 * never take a load; sg_load_* then succeed with *out == NULL. */
	bool dry_run;
	/* Judging a main program (the audit module): an executable, so the
	 * loadable-object checks and the dynamic section do not apply. */
	bool program;
	/* Hash on the calling thread only (the audit module runs inside ld.so). */
	bool one_thread;
	/*
	 * Checks every file the transaction maps, before it is mapped (may be
	 * NULL): loading a bundle, a file from inside it must be the very bytes
	 * its resource seal lists (sg_bundle_check_mapped in bundle/bundle.h).
	 * The loader knows nothing of bundles; their code installs this.
	 */
	int (*check_mapped)(const void *ctx, const char *real_path, const uint8_t *bytes, size_t length,
		signet_error **err);
	const void *check_ctx;
	/* Told about each dependency resolved (may be NULL). */
	void (*on_dependency)(void *ctx, const char *who, const char *needed, const char *path, sg_dep_kind kind);
	void *ctx;
} sg_txn;

/* What the checks before any mapping produced for one file. */
typedef struct sg_inspected {
	sg_snapshot snap;
	sg_elf_layout layout;
	signet_identity *identity;
	sg_elf_dynamic dyn;
} sg_inspected;

/* A list of images, each holding one load. */
typedef SG_ARRAY(signet_image *) sg_image_vec;

/* Gives back every load in the vector (last first) and empties it. */
void sg_image_vec_release(sg_image_vec *v);

/*
 * Loads the signed image at `path` (as a dependency when `want_soname` is
 * set: its DT_SONAME must match). On success *out holds one load.
 * Snapshot, sg_inspect(), sg_load_inspected().
 */
int sg_load_verified(sg_txn *t, const char *path, const char *want_soname, signet_image **out, signet_error **err);

/*
 * Steps 2-4 over a snapshot already in `in->snap`: the ELF checks, the
 * signature over the sealed bytes, the dynamic section, then the policy.
 * Nothing is mapped executable and nothing runs. `in->identity` is set
 * exactly when the signature verified, even if the policy then refused.
 */
int sg_inspect(sg_txn *t, sg_inspected *in, signet_error **err);

/*
 * Steps 5-7 for an inspected image: the dependency closure, then (unless
 * t->dry_run) dlopen() of the sealed snapshot and the registry commit.
 * The identity and the memfd move into the record when it is new.
 */
int sg_load_inspected(sg_txn *t, sg_inspected *in, const char *want_soname, signet_image **out,
	signet_error **err);


/*
 * The entry checks of every public loading call: no load or unload from
 * an observer or an initializer (SIGNET_E_IN_OBSERVER,
 * SIGNET_E_IN_INITIALIZER), and the registry up to date.
 */
int sg_load_enter(const char *what, const char *path, signet_error **err);

/* Records a refusal in the image log and hands the error to the caller. */
void sg_load_refused(const char *path, int rc, signet_error *local, signet_error **err);

/* Releases whatever `in` still holds. */
void sg_inspected_clear(sg_inspected *in);

/*
 * Resolves every DT_NEEDED of `who` (whose $ORIGIN is `origin`) as the
 * policy allows: an acceptable image already loaded, a signed image found
 * through RUNPATH/RPATH (loaded first), or a platform library. Loads taken
 * are appended to `deps`. SIGNET_E_DEPENDENCY_UNRESOLVED names the
 * dependency and every path tried; SIGNET_E_DEPENDENCY_CONFLICT names the
 * unacceptable image that holds the soname. (closure.c)
 */
int sg_resolve_dependencies(sg_txn *t, const sg_elf_dynamic *dyn, const char *origin, const char *who,
	sg_image_vec *deps, signet_error **err);

/* Loads an accepted, unsigned platform library (its own deps first). */
int sg_load_platform(sg_txn *t, const char *path, const char *soname, signet_image **out, signet_error **err);

/*
 * For an object ld.so opens by name (a platform library): the bytes that
 * were judged. After dlopen() the mapping's ELF header, program headers and
 * build-id note must be these bytes, or the file was replaced between the
 * check and the mapping (only root can) and the load is refused.
 */
typedef struct sg_expected_mapping {
	const uint8_t *bytes;
	size_t length;
	const sg_elf_layout *layout;
} sg_expected_mapping;

/*
 * With the load lock held: dlopen()s `name` and records the result as a
 * Signet image with `claim` (whose key, hooks and state are filled in
 * here). The object must be new to the process: ld.so handing back an
 * existing one (a reused name) is refused; with `expect`, so is a mapping
 * of other bytes. On success the image holds one load, `memfd` (-1 for
 * none) and `deps`; on failure they stay the caller's.
 */
int sg_commit_locked(const char *name, sg_claim *claim, int memfd, const sg_expected_mapping *expect,
	sg_image_vec *deps, signet_image **out, sg_batch *batch, signet_error **err);

/*
 * After a commit: delivers `batch` (always: on a failed commit it may still
 * hold what the sync found) and, when `image` is not NULL, waits until every
 * add callback for it has run (another thread may still be replaying it),
 * so the caller never uses an image its observers have not heard of.
 */
void sg_publish(signet_image *image, sg_batch *batch);

/* The image (linked, not being removed) whose soname or file name is `name`,
 * retained; NULL when none. */
signet_image *sg_find_loaded(const char *name);

/*
 * Takes one more load (and one reference) of an image Signet loaded. False
 * when it has none left or is being removed. Thread-safe: the check and the
 * claim are one critical section.
 */
bool sg_take_load(signet_image *image);

/* Gives back one load and one reference (no reentrancy checks: internal callers). */
void sg_release_load(signet_image *image);

/* The loader's state on the record of an image it loaded (load.c). */
typedef struct sg_loaded sg_loaded;

#endif /* SIGNET_LOAD_INTERNAL_H */
