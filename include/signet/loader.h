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
 * Thread-safety: both calls may be made from any thread concurrently;
 * verification of different files runs in parallel, the final dlopen() and
 * registry commit are serialized. From inside an observer callback they
 * fail with SIGNET_E_IN_OBSERVER; from an image constructor or destructor
 * run by them, with SIGNET_E_IN_INITIALIZER.
 */
#ifndef SIGNET_LOADER_H
#define SIGNET_LOADER_H

#include <signet/common.h>
#include <signet/error.h>
#include <signet/image.h>
#include <signet/policy.h>

SIGNET_BEGIN_DECLS

/*
 * Loads the signed shared object at `path` under `policy` (NULL: the
 * process default: $SIGNET_POLICY, else /etc/signet/policy.json, else
 * anchors from $SIGNET_ANCHORS or /etc/signet/anchors with the default
 * requirement). Errors: every verification code of signet/signature.h,
 * SIGNET_E_REQUIREMENT_UNMET, SIGNET_E_POLICY_DENIED,
 * SIGNET_E_POLICY_NOT_ALLOWED, SIGNET_E_POLICY_INVALID,
 * SIGNET_E_DEPENDENCY_UNRESOLVED, SIGNET_E_DEPENDENCY_CONFLICT,
 * SIGNET_E_SONAME_CONFLICT, SIGNET_E_SEALING_UNAVAILABLE, SIGNET_E_DLOPEN,
 * SIGNET_E_IO, SIGNET_E_LIMIT, SIGNET_E_IN_OBSERVER,
 * SIGNET_E_IN_INITIALIZER, SIGNET_E_INVALID_ARGUMENT, SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_load(signet_image **out, const char *path,
	const signet_policy *policy, signet_error **err);

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
