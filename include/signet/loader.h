/* SPDX-License-Identifier: MIT */
/*
 * signet/loader.h - loading verified images: nothing unverified ever runs.
 *
 * signet_load() opens the file once, copies it into a sealed memfd, checks
 * the ELF structure, verifies the signature over the sealed bytes, admits
 * the identity under the policy, resolves every dependency itself (loading
 * signed ones first through the same pipeline, or accepting platform
 * libraries the policy names), and only then dlopen()s the sealed copy: no
 * constructor, IFUNC resolver or init_array of the image runs before every
 * check passed, and the bytes mapped are the bytes verified. Add observers
 * have seen the image (and its new dependencies) when the call returns.
 * Any refusal leaves nothing mapped, registered or open.
 *
 * Ownership: a successful signet_load() gives the caller a handle that
 * holds one load of the image (and one record reference). signet_unload()
 * gives both back; the handle must not be used afterwards. Loading the same
 * signed image again (same cdhash) gives the same record, loaded twice;
 * that second signet_load() returns only once the add observers have seen
 * the image, even when another thread is still telling them about it.
 * Dependencies Signet loaded for an image stay until nothing needs them.
 *
 * Many at once: signet_load_many() verifies N files on several threads
 * and then maps them in the caller's order on the calling thread, each
 * exactly as signet_load() would (the same checks, codes and reasons, the
 * same image log lines); see its comment below.
 *
 * Thread-safety: every call may be made from any thread concurrently;
 * verification of different files runs in parallel, the final dlopen() and
 * registry commit are serialized. From inside an observer callback they
 * fail with SIGNET_E_IN_OBSERVER; from an image constructor or destructor
 * run by them, with SIGNET_E_IN_INITIALIZER. signet_load_many() starts and
 * joins its own worker threads, which block every signal and never run
 * plugin code: constructors and observers run on the calling thread.
 */
#ifndef SIGNET_LOADER_H
#define SIGNET_LOADER_H

#include <stdbool.h>
#include <stddef.h>

#include <signet/common.h>
#include <signet/error.h>
#include <signet/image.h>
#include <signet/policy.h>

SIGNET_BEGIN_DECLS

/*
 * Loads the signed shared object at `path` under `policy` (NULL: the
 * process default: $SIGNET_POLICY, else SYSCONFDIR/signet/policy.json, else
 * anchors from $SIGNET_ANCHORS or SYSCONFDIR/signet/anchors with the default
 * requirement; SYSCONFDIR is configure's, /etc in the Debian package). Errors: every verification code of signet/signature.h,
 * SIGNET_E_REQUIREMENT_UNMET, SIGNET_E_POLICY_DENIED,
 * SIGNET_E_POLICY_NOT_ALLOWED, SIGNET_E_POLICY_INVALID,
 * SIGNET_E_DEPENDENCY_UNRESOLVED, SIGNET_E_DEPENDENCY_CONFLICT,
 * SIGNET_E_SONAME_CONFLICT, SIGNET_E_SEALING_UNAVAILABLE, SIGNET_E_DLOPEN,
 * SIGNET_E_IO, SIGNET_E_LIMIT, SIGNET_E_IN_OBSERVER,
 * SIGNET_E_IN_INITIALIZER, SIGNET_E_INVALID_ARGUMENT, SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_load(signet_image **out, const char *path,
	const signet_policy *policy, signet_error **err);

/* How a batch call (signet_load_many(), signet_preflight_many(), signet_host_load_bundles()) runs. */
typedef struct signet_many_options {
	unsigned version;     /* SIGNET_MANY_OPTIONS_VERSION */
	unsigned workers;     /* threads verifying at once; 0: one per online CPU. Capped by the count
	                       * and by 64. 1: one by one on the calling thread, as N single calls */
	bool all_or_nothing;  /* loads only (see signet_load_many()); a preflight refuses it */
} signet_many_options;

#define SIGNET_MANY_OPTIONS_VERSION 1
#define SIGNET_MANY_OPTIONS_INIT { SIGNET_MANY_OPTIONS_VERSION, 0, false }

/* One file's outcome in signet_load_many(). */
typedef struct signet_load_result {
	signet_image *image;  /* one load, as signet_load() gives it (signet_unload() it); NULL on failure */
	int code;             /* 0, or the code signet_load() would have returned */
	signet_error *error;  /* the reason when `code` is not 0 (the caller frees it), else NULL */
} signet_load_result;

/*
 * Loads the `count` files of `paths` under `policy` (NULL: the process
 * default) and writes one result per path to `results[i]`, in input order.
 * `opts` may be NULL (SIGNET_MANY_OPTIONS_INIT).
 *
 * How: snapshots, ELF checks, signatures and policy run for several files
 * at once on worker threads (each verification hashing on one core, since
 * the cores are busy with the other files); then, on the calling thread and
 * in input order, each verified file gets its dependency closure, its
 * dlopen() of the very snapshot verified and its registry commit, so add
 * observers hear of the images in input order (each image's new
 * dependencies just before it). Workers run ahead of the commits by a few
 * files only, so a long batch holds a few snapshots at a time. Everything
 * signet_load() guarantees holds per file: the bytes mapped are the bytes
 * verified, no code of a file runs before its verification passed, and the
 * image log records each load and each refusal (in input order).
 *
 * Each result is what signet_load(&image, paths[i], policy, &error) would
 * have given, one call after another in input order: one failure does not
 * stop the others; the same path (or the same signed file) twice gives the
 * same image twice, holding two loads; a second file with the soname of an
 * earlier one is SIGNET_E_SONAME_CONFLICT. A NULL or empty path is
 * SIGNET_E_INVALID_ARGUMENT for that index alone.
 *
 * With opts->all_or_nothing, either every file loads or none stays loaded:
 * every file is verified before the first is mapped (all snapshots are then
 * held at once: one descriptor and one copy of each file), and if any is
 * refused, none is mapped and no code of any of them runs; if a file is
 * refused later (its dependencies, dlopen()), the ones already loaded are
 * unloaded again, last first (their constructors, and destructors, have
 * run: a load cannot be undone, only given back). Every file that was not
 * itself refused then fails with SIGNET_E_BATCH_REFUSED naming the file
 * that was.
 *
 * Returns 0 when every file loaded (also for count 0). Otherwise, when the
 * batch ran, the code of the first failed index (all or nothing: of the
 * first file refused on its own account), with a copy of its error in
 * `*err`. When the call itself is refused (from an observer or an
 * initializer, no usable default policy, bad options: the codes
 * signet_load() gives for those, SIGNET_E_INVALID_ARGUMENT for a NULL
 * `results` or `paths` with a count, SIGNET_E_NOMEM), nothing is loaded,
 * `*err` gets the reason and every result carries that code and a copy of
 * it.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_load_many(signet_load_result *results, const char *const *paths,
	size_t count, const signet_policy *policy, const signet_many_options *opts, signet_error **err);

/*
 * Gives back one load, and the reference that came with it. When it was the
 * last load, remove observers run, then the image is unmapped, then the
 * dependencies loaded for it are given back; all of that has happened when
 * the call returns.
 *
 * The contract, like free()'s: each successful signet_load() is matched by
 * exactly one signet_unload() of the handle it returned (loading the same
 * image twice gives the same pointer twice, to be unloaded twice). Checking
 * for an outstanding load and taking it are one step, so when several
 * threads unload the same image, exactly as many calls succeed as there
 * were loads. A call with no load outstanding (an image Signet did not
 * load, say from a registry snapshot, or one whose every load was given
 * back) fails with SIGNET_E_NOT_LOADED, provided the caller still holds a
 * reference that keeps the record alive (signet_image_retain()); with no
 * reference left, the pointer is dangling and using it is undefined.
 * Errors: SIGNET_E_NOT_LOADED, SIGNET_E_IN_OBSERVER, SIGNET_E_IN_INITIALIZER,
 * SIGNET_E_INVALID_ARGUMENT.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_unload(signet_image *image, signet_error **err);

/*
 * Looks up an exported symbol of an image loaded with signet_load().
 * SIGNET_E_NOT_LOADED for other images, SIGNET_E_NOT_FOUND when absent.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_image_symbol(
	void **out, const signet_image *image, const char *name, signet_error **err);

SIGNET_END_DECLS

#endif /* SIGNET_LOADER_H */
