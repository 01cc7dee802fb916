/* SPDX-License-Identifier: MIT */
/*
 * load.c - signet_load()/signet_unload(): the verified load transaction.
 *
 *   1. open the path once, copy it into a memfd and seal it (snapshot.c);
 *   2. validate the ELF (both views, hard caps) and that this host can load it;
 *   3. verify the signature over the sealed bytes;
 *   4. admit the identity under the policy;
 *   5. close over dependencies, loading them first (closure.c);
 *   6. dlopen() the sealed memfd: the first moment any code of the image runs;
 *   7. commit into the registry with its identity; observers hear of it.
 * A refusal at any step leaves nothing mapped, registered or open.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <signet/loader.h>

#include "bundle/bundle.h"
#include "codesign/identity_internal.h"
#include "core/error_internal.h"
#include "elf/elf_image.h"
#include "load/load_internal.h"
#include "load/snapshot.h"
#include "policy/policy_internal.h"
#include "registry/imagelog.h"

/* ---- reentrancy ---- */

static int check_reentrancy(const char *what, const char *path, signet_error **err)
{
	/*
	 * An observer runs while the image it hears about is half-way through
	 * being added or removed; a constructor runs while ld.so holds its own
	 * lock and ours. Loading from there invites recursion and lock-order
	 * trouble, so it is refused outright rather than sometimes working.
	 */
	if (sg_tls_observer_depth() > 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IN_OBSERVER, .path = path,
			.check = "registry.reentrancy" }, "%s called from inside an image observer", what);
	if (sg_tls_initializer_depth() > 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IN_INITIALIZER, .path = path,
			.check = "registry.reentrancy" },
			"%s called from inside an image constructor or destructor", what);
	return 0;
}

/* ---- image vectors ---- */

int sg_image_vec_push(sg_image_vec *v, signet_image *image)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		signet_image **items = realloc(v->items, cap * sizeof *items);
		if (!items)
			return SIGNET_E_NOMEM;
		v->items = items;
		v->cap = cap;
	}
	v->items[v->n++] = image;
	return 0;
}

void sg_image_vec_release(sg_image_vec *v)
{
	while (v->n > 0)
		sg_release_load(v->items[--v->n]);
	free(v->items);
	*v = (sg_image_vec){ 0 };
}

/* ---- lookups ---- */

static bool match_short_name(const signet_image *img, const void *name)
{
	return sg_image_matches_short_name(img, name);
}

signet_image *sg_find_loaded(const char *name)
{
	return sg_registry_find_live(match_short_name, name);
}

static bool match_cdhash(const signet_image *img, const void *cdhash)
{
	return img->identity && memcmp(signet_identity_cdhash(img->identity), cdhash, SG_HASH_SIZE) == 0;
}

/* ---- load counts ---- */

bool sg_take_load(signet_image *img)
{
	sg_reg_lock();
	bool ok = img->linked && img->state != SG_IMAGE_REMOVING && img->signet_loads > 0;
	if (ok)
		img->signet_loads++;
	sg_reg_unlock();
	if (ok)
		signet_image_retain(img);
	return ok;
}

static int dl_close(void *handle)
{
	sg_tls_initializer_enter();
	int rc = dlclose(handle);
	sg_tls_initializer_leave();
	return rc;
}

void sg_release_load(signet_image *img)
{
	sg_reg_lock();
	if (img->signet_loads > 1) {
		img->signet_loads--;
		sg_reg_unlock();
		signet_image_free(img);
		return;
	}
	/* The last load: observers first, then dlclose (sg_finish_unmap). */
	img->state = SG_IMAGE_REMOVING; /* from here no replay picks it up */
	/*
	 * A replay to a newly registered observer may still be telling it
	 * about this image. Wait for that (bounded: nothing new can start), so
	 * every remove callback has run when the unload returns.
	 */
	while (img->add_inflight > 0)
		sg_reg_wait();
	sg_reg_unlock();
	sg_begin_remove(img); /* consumes the caller's reference */
}

void sg_finish_unmap(signet_image *img)
{
	sg_load_lock();
	sg_reg_lock();
	bool linked = img->linked;
	void *handle = img->dl_handle;
	signet_image **deps = img->deps;
	size_t ndeps = img->ndeps;
	img->dl_handle = NULL;
	img->signet_loads = 0;
	img->deps = NULL;
	img->ndeps = 0;
	sg_reg_unlock();
	sg_batch batch = { 0 };
	if (linked) {
		if (handle)
			dl_close(handle);
		sg_reg_lock();
		if (sg_list_unlink_locked(img))
			signet_image_free(img); /* the list's reference; the caller still holds one */
		sg_reg_unlock();
		/* Dependencies ld.so dropped with it, or the image itself if someone
		 * else's dlopen() keeps it mapped (it comes back as foreign). */
		if (sg_sync_locked(NULL, NULL, &batch) != 0)
			sg_batch_release(&batch);
	}
	sg_reg_lock();
	img->state = SG_IMAGE_GONE;
	atomic_store(&img->mapped, false);
	sg_reg_unlock();
	sg_load_unlock();
	sg_deliver(&batch);
	/* Dependencies outlive the image that needed them (its destructors ran). */
	sg_image_vec v = { .items = deps, .n = ndeps, .cap = ndeps };
	sg_image_vec_release(&v);
}

/* ---- commit ---- */

int sg_commit_locked(const char *name, sg_claim *claim, sg_image_vec *deps, signet_image **out,
	sg_batch *batch, signet_error **err)
{
	sg_tls_initializer_enter();
	void *handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	sg_tls_initializer_leave();
	if (!handle) {
		const char *why = dlerror();
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_DLOPEN, .path = claim->path,
			.check = "load.dlopen" }, "the dynamic linker refused it: %s", why ? why : "unknown reason");
	}
	struct link_map *lm = NULL;
	if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm) {
		dl_close(handle);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INTERNAL, .path = claim->path,
			.check = "load.dlinfo" }, "dlinfo(RTLD_DI_LINKMAP) failed on a handle dlopen() returned");
	}
	claim->key = (sg_image_key){ .base = lm->l_addr, .name_ptr = lm->l_name };
	bool fresh_memfd = claim->memfd >= 0;
	signet_identity *identity = claim->identity;
	signet_image *img = NULL;
	int rc = sg_sync_locked(claim, &img, batch);
	/*
	 * The claim moves into the record only when the record is new. If ld.so
	 * returned an object it already had (a name it matched), that is not the
	 * snapshot we verified: refuse it.
	 */
	bool fresh = img && claim->identity == NULL && (!fresh_memfd || claim->memfd < 0) &&
		(identity != NULL || img->platform == claim->platform);
	if (rc || !img || !fresh || (identity == NULL && !claim->platform)) {
		dl_close(handle);
		if (img && fresh) {
			/* Cannot happen (platform claims are fresh too); undo the record. */
			sg_reg_lock();
			sg_list_unlink_locked(img);
			sg_reg_unlock();
		}
		signet_image_free(img);
		return sg_fail(err, &(sg_error_info){ .code = rc ? rc : SIGNET_E_INTERNAL, .path = claim->path,
			.check = "load.commit" }, "%s", rc ? "could not record the image in the registry"
			: "the dynamic linker returned an image that was already loaded instead of the verified snapshot");
	}
	sg_reg_lock();
	img->signet_loads = 1;
	img->dl_handle = handle;
	img->deps = deps->items;
	img->ndeps = deps->n;
	*deps = (sg_image_vec){ 0 };
	sg_reg_unlock();
	*out = img;
	return 0;
}

void sg_publish(signet_image *img, sg_batch *batch)
{
	sg_deliver(batch);
	if (!img)
		return;
	sg_reg_lock();
	while (img->state == SG_IMAGE_ADDING)
		sg_reg_wait();
	sg_reg_unlock();
}

/* ---- the verified load ---- */

static int conflict_locked(const char *soname, const char *path, signet_error **err)
{
	if (!soname)
		return 0;
	signet_image *holder = sg_find_loaded(soname);
	if (!holder)
		return 0;
	int rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SONAME_CONFLICT, .path = path,
		.check = "load.soname", .expected = soname, .actual = holder->path },
		"its soname %s is already held by %s, a different image; Signet does not alias them",
		soname, holder->path);
	signet_image_free(holder);
	return rc;
}

void sg_inspected_clear(sg_inspected *in)
{
	sg_elf_dynamic_clear(&in->dyn);
	signet_identity_free(in->identity);
	in->identity = NULL;
	sg_snapshot_close(&in->snap);
}

int sg_inspect(sg_txn *t, sg_inspected *in, signet_error **err)
{
	const signet_trust *trust = sg_policy_trust(t->policy);
	const sg_snapshot *snap = &in->snap;
	if (!trust)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_INVALID, .path = snap->path,
			.check = "policy.anchors" }, "the policy has no trust anchors, so nothing can be verified");
	/* From here on only the sealed bytes are read: the file may change. */
	int rc = sg_elf_layout_read(&in->layout, snap->bytes, snap->length, snap->path, err);
	if (!rc)
		rc = sg_elf_check_loadable(&in->layout, snap->path, err);
	if (rc)
		return rc;
	signet_verify_options vo;
	sg_policy_verify_options(t->policy, &vo);
	rc = signet_verify_bytes(&in->identity, snap->bytes, snap->length, snap->path, trust, &vo, err);
	if (!rc)
		rc = sg_elf_dynamic_read(&in->dyn, snap->bytes, snap->length, &in->layout, snap->path, err);
	/* The policy last: a refusal by policy leaves the verified identity and
	 * the dynamic section for preflight's report (and its dry closure). */
	if (!rc)
		rc = sg_policy_admit(t->policy, in->identity, err);
	return rc;
}

int sg_load_verified(sg_txn *t, const char *path, const char *want_soname, signet_image **out, signet_error **err)
{
	if (t->depth >= SG_MAX_DEPENDENCY_DEPTH)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "load.depth" },
			"dependencies nest deeper than %d (a cycle?)", SG_MAX_DEPENDENCY_DEPTH);
	sg_inspected in = { .snap = { .fd = -1 } };
	int rc = sg_snapshot_take(&in.snap, path, err);
	if (!rc && t->bundle)
		rc = sg_bundle_check_mapped(t->bundle, in.snap.path, in.snap.bytes, in.snap.length, err);
	if (!rc)
		rc = sg_inspect(t, &in, err);
	if (!rc)
		rc = sg_load_inspected(t, &in, want_soname, out, err);
	sg_inspected_clear(&in);
	return rc;
}

int sg_load_inspected(sg_txn *t, sg_inspected *in, const char *want_soname, signet_image **out,
	signet_error **err)
{
	sg_snapshot *snap = &in->snap;
	const sg_elf_dynamic *dyn = &in->dyn;
	sg_image_vec deps = { 0 };
	signet_image *img = NULL;
	sg_batch batch = { 0 };
	int rc = 0;
	if (snap->heap && !t->dry_run) /* a private read was never sealed: never map it */
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INTERNAL, .path = snap->path,
			.check = "load.snapshot" }, "an unsealed preflight copy reached the loader");
	if (want_soname && (!dyn->soname || strcmp(dyn->soname, want_soname) != 0))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_DEPENDENCY_UNRESOLVED, .path = snap->path,
			.check = "load.dependency", .expected = want_soname, .actual = dyn->soname ? dyn->soname : "(none)" },
			"found as %s, but its soname is %s", want_soname, dyn->soname ? dyn->soname : "(none)");
	/* The same verified image already loaded: one image, loaded twice. */
	img = sg_registry_find_live(match_cdhash, signet_identity_cdhash(in->identity));
	if (img) {
		bool taken = !t->dry_run && sg_take_load(img);
		signet_image_free(img); /* sg_take_load took its own reference */
		if (t->dry_run || taken) {
			*out = t->dry_run ? NULL : img;
			return 0;
		}
		img = NULL;
	}

	t->depth++;
	rc = sg_resolve_dependencies(t, dyn, snap->origin, snap->path, &deps, err);
	t->depth--;
	if (rc || t->dry_run)
		goto out; /* a dry run ends here: verified and resolved, nothing mapped */

	sg_load_lock();
	/* Checked again under the lock: another thread may have won the race. */
	img = sg_registry_find_live(match_cdhash, signet_identity_cdhash(in->identity));
	if (img && sg_take_load(img)) {
		sg_load_unlock();
		signet_image_free(img);
		goto out;
	}
	signet_image_free(img);
	img = NULL;
	rc = conflict_locked(dyn->soname, snap->path, err);
	if (!rc) {
		sg_claim claim = { .path = snap->path, .identity = in->identity, .memfd = snap->fd };
		sg_snapshot_unmap(snap);
		rc = sg_commit_locked(snap->dlopen_name, &claim, &deps, &img, &batch, err);
		in->identity = claim.identity; /* NULL once the record owns it */
		snap->fd = claim.memfd;        /* -1 once the record owns it */
	}
	sg_load_unlock();
	sg_publish(rc ? NULL : img, &batch);
out:
	sg_image_vec_release(&deps);
	if (!rc)
		*out = img;
	return rc;
}

/* ---- the default policy ---- */

static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static signet_policy *default_policy;
static signet_error *default_error;

static void make_default_policy(void)
{
	const char *file = secure_getenv("SIGNET_POLICY");
	if (!file && access("/etc/signet/policy.json", F_OK) == 0)
		file = "/etc/signet/policy.json";
	if (file) {
		if (signet_policy_load(&default_policy, file, &default_error) != 0)
			default_policy = NULL;
		return;
	}
	const char *anchors = secure_getenv("SIGNET_ANCHORS");
	if (signet_policy_new(&default_policy, &default_error) != 0)
		return;
	if (!anchors && access("/etc/signet/anchors", F_OK) == 0)
		anchors = "/etc/signet/anchors";
	if (anchors && signet_policy_set_anchors(default_policy, anchors, &default_error) != 0) {
		signet_policy_free(default_policy);
		default_policy = NULL;
	}
}

int sg_policy_or_default(const signet_policy **policy, const char *path, signet_error **err)
{
	if (*policy)
		return 0;
	pthread_once(&default_once, make_default_policy);
	if (!default_policy)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_INVALID, .path = path,
			.check = "policy.default" }, "no usable default policy: %s",
			default_error ? signet_error_message(default_error) : "out of memory");
	*policy = default_policy;
	return 0;
}

/* ---- public API ---- */

int sg_load_enter(const char *what, const char *path, signet_error **err)
{
	int rc = check_reentrancy(what, path, err);
	if (rc)
		return rc;
	sg_registry_ensure_init();
	sg_refresh(false);
	return 0;
}

void sg_load_refused(const char *path, int rc, signet_error *local, signet_error **err)
{
	sg_imagelog_refusal(path, rc, local);
	if (err)
		*err = local;
	else
		signet_error_free(local);
}

int signet_load(signet_image **out, const char *path, const signet_policy *policy, signet_error **err)
{
	if (!out || !path || !*path)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_load needs an output and a path");
	int rc = sg_load_enter("signet_load", path, err);
	if (!rc)
		rc = sg_policy_or_default(&policy, path, err);
	if (rc)
		return rc;
	sg_txn t = { .policy = policy };
	/* Our own error object, so the image log can give the reason even
	 * when the caller did not ask for one. */
	signet_error *local = NULL;
	rc = sg_load_verified(&t, path, NULL, out, &local);
	if (rc)
		sg_load_refused(path, rc, local, err);
	return rc;
}

int signet_unload(signet_image *img, signet_error **err)
{
	/* Before touching `img`: from an initializer it may be anything. */
	int rc = check_reentrancy("signet_unload", NULL, err);
	if (rc)
		return rc;
	if (!img)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_unload needs an image");
	sg_reg_lock();
	bool ours = img->signet_loads > 0 && img->linked && img->state != SG_IMAGE_REMOVING;
	sg_reg_unlock();
	if (!ours)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOT_LOADED, .path = img->path,
			.check = "load.unload" }, "not loaded by signet_load() (or already unloaded)");
	sg_release_load(img);
	return 0;
}

int signet_image_symbol(void **out, const signet_image *image, const char *name, signet_error **err)
{
	if (!out || !image || !name)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "symbol lookup needs an output, an image and a name");
	sg_reg_lock();
	void *handle = image->signet_loads ? image->dl_handle : NULL;
	sg_reg_unlock();
	if (!handle)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOT_LOADED, .path = image->path,
			.check = "load.symbol" }, "symbol lookup is only for images loaded by signet_load()");
	dlerror();
	void *sym = dlsym(handle, name);
	if (!sym)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOT_FOUND, .path = image->path,
			.check = "load.symbol", .expected = name }, "no exported symbol '%s'", name);
	*out = sym;
	return 0;
}
