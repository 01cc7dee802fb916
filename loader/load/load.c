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
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <signet/loader.h>

#include "codesign/identity_internal.h"
#include "core/error_internal.h"
#include "core/parallel.h"
#include "elf/elf_image.h"
#include "load/load_internal.h"
#include "load/snapshot.h"
#include "policy/policy_internal.h"
#include "imagelog/imagelog.h"

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

void sg_image_vec_release(sg_image_vec *v)
{
	while (v->n > 0)
		sg_release_load(v->items[--v->n]);
	sg_array_clear(v);
}

/* ---- the loader's state on a record ---- */

/*
 * The loads lock guards every sg_loaded: a leaf lock, never held while
 * taking another or calling out. Checking a count and claiming a load (or
 * the last release) happen in one critical section, so two threads can
 * never both take the last load of one image.
 */
static pthread_mutex_t loads_mutex = PTHREAD_MUTEX_INITIALIZER;

struct sg_loaded {
	unsigned count;     /* loads given out by signet_load() and dependencies, not yet given back */
	atomic_bool releasing; /* the last load was given back: no new one may be taken; never cleared */
	void *handle;       /* dlopen()'s, until finish_removal() closes it */
	int memfd;          /* the sealed snapshot ld.so mapped, or -1; closed with the record, so
	                     * its descriptor number (ld.so's name for the image) is never reused
	                     * while anyone can still see the image */
	sg_image_vec deps;  /* images loaded for this one, each holding one load */
	char *proc_name;    /* the name ld.so gave the image ("/proc/PID/fd/N") before debug_name()
	                     * replaced it; freed with the record, after dlclose() (see there) */
};

/* ---- lookups ---- */

/*
 * Whether a record still stands for its image as far as the loader is
 * concerned: not one whose last load was given back. Between that moment
 * and the registry marking it removed, a lookup must not find it, or a
 * new load of the same file would take the record going away for "a
 * different image holding its soname". `releasing` only ever goes from
 * false to true, so reading it without the loads lock is enough.
 */
static bool standing(const signet_image *img)
{
	return !img->loaded || !atomic_load(&img->loaded->releasing);
}

static bool match_short_name(const signet_image *img, const void *name)
{
	return standing(img) && sg_image_matches_short_name(img, name);
}

signet_image *sg_find_loaded(const char *name)
{
	return sg_registry_find_live(match_short_name, name);
}

static bool match_cdhash(const signet_image *img, const void *cdhash)
{
	return standing(img) && img->identity &&
		memcmp(signet_identity_cdhash(img->identity), cdhash, SG_HASH_SIZE) == 0;
}

static void finish_removal(signet_image *img);

static void free_loaded(sg_loaded *l)
{
	free(l->proc_name);
	sg_snapshot_close_fd(l->memfd);
	free(l->deps.items);
	free(l);
}

static const sg_image_hooks loader_hooks = { .finish_removal = finish_removal, .free_state = free_loaded };

bool sg_take_load(signet_image *img)
{
	sg_loaded *l = img->loaded;
	pthread_mutex_lock(&loads_mutex);
	bool ok = l && l->count > 0 && !atomic_load(&l->releasing);
	if (ok)
		l->count++;
	pthread_mutex_unlock(&loads_mutex);
	if (ok)
		signet_image_retain(img);
	return ok;
}

/*
 * Gives back one load in one critical section. SIGNET_E_NOT_LOADED when
 * none is outstanding (never loaded by Signet, or every load given back).
 * The last one goes on to remove the image: observers first, then
 * finish_removal(). Consumes the caller's reference when it succeeds.
 */
static int release_load(signet_image *img)
{
	sg_loaded *l = img->loaded;
	pthread_mutex_lock(&loads_mutex);
	bool ours = l && l->count > 0 && !atomic_load(&l->releasing);
	bool last = ours && --l->count == 0;
	if (last)
		atomic_store(&l->releasing, true);
	pthread_mutex_unlock(&loads_mutex);
	if (!ours)
		return SIGNET_E_NOT_LOADED;
	if (last)
		sg_registry_remove(img); /* consumes the reference */
	else
		signet_image_free(img);
	return 0;
}

void sg_release_load(signet_image *img)
{
	(void)release_load(img); /* internal callers hold a load by construction */
}

static int dl_close(void *handle)
{
	sg_tls_initializer_enter();
	int rc = dlclose(handle);
	sg_tls_initializer_leave();
	return rc;
}

/* The registry's hook: the remove callbacks ran; unmap, unlink, then give back the dependencies. */
static void finish_removal(signet_image *img)
{
	sg_loaded *l = img->loaded;
	sg_load_lock();
	pthread_mutex_lock(&loads_mutex);
	void *handle = l->handle;
	sg_image_vec deps = l->deps;
	l->handle = NULL;
	l->deps = (sg_image_vec){ 0 };
	pthread_mutex_unlock(&loads_mutex);
	if (handle)
		dl_close(handle);
	sg_registry_unlink(img);
	/* Dependencies ld.so dropped with it, or the image itself if someone
	 * else's dlopen() keeps it mapped (it comes back as foreign). */
	sg_batch batch = { 0 };
	if (sg_sync_locked(NULL, NULL, &batch) != 0)
		sg_batch_release(&batch);
	sg_load_unlock();
	sg_deliver(&batch);
	/* Dependencies outlive the image that needed them (its destructors ran). */
	sg_image_vec_release(&deps);
}

/* ---- commit ---- */

/* Does the object ld.so mapped at `lm` carry the judged bytes where they cannot have been relocated? */
static bool mapping_is(const struct link_map *lm, const sg_expected_mapping *x)
{
	const sg_elf_layout *l = x->layout;
	/* The segment that maps file offset 0 holds the ELF header and, in practice, the rest. */
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(x->bytes + l->phoff);
	const ElfW(Phdr) *first = NULL;
	for (size_t i = 0; i < l->phnum && !first; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0)
			first = &ph[i];
	if (!first)
		return false;
	const uint8_t *mem = (const uint8_t *)(lm->l_addr + first->p_vaddr);
	uint64_t headers = l->phoff + (uint64_t)l->phnum * sizeof(ElfW(Phdr));
	if (headers > first->p_filesz || memcmp(mem, x->bytes, (size_t)headers) != 0)
		return false;
	/* The build-id: a hash of the whole build, so another build of the same library differs. */
	if (l->has_build_id && l->build_id_offset + l->build_id_size <= first->p_filesz &&
	    memcmp(mem + l->build_id_offset, x->bytes + l->build_id_offset, l->build_id_size) != 0)
		return false;
	return true;
}

/*
 * Debuggers' name for an image mapped from a sealed snapshot
 * (docs/loading.md, "Debugging"). ld.so recorded the name it was given,
 * /proc/PID/fd/N, as link_map::l_name: that is what dladdr(),
 * dl_iterate_phdr(), gdb's `info sharedlibrary` and a core file's list of
 * objects (read from r_debug in the dumped memory) show, and it means
 * nothing once the process is gone. Replace it with the verified file's
 * real path, the file the sealed bytes were copied from.
 *
 * Ownership (glibc 2.36, elf/dl-close.c): "This name always is allocated",
 * and dlclose() frees l_name with ld.so's free(), which after startup is
 * the malloc family found in the main program's scope
 * (__rtld_malloc_init_real) -- the same malloc() this call resolves to,
 * ASan's interposed one included. So the new name is malloc()ed and
 * becomes glibc's.
 *
 * The old name is not freed here: another thread may be reading it right
 * now (dladdr() and dl_iterate_phdr() read l_name under glibc's locks,
 * which we cannot take). It is kept on the loader's state and freed with
 * the record, after our dlclose(). The store is one aligned pointer
 * (release: the string is written before a reader can see the pointer).
 *
 * Nothing is weakened:
 *  - l_libname still holds /proc/PID/fd/N, so our own later dlopen() of
 *    that name still finds the image, and the descriptor stays open (and
 *    its number unused) while the image is loaded;
 *  - l_origin was computed from the /proc name when ld.so made the
 *    link_map and is left alone: $ORIGIN of this image resolves as before,
 *    never in the real directory, whose files nobody verified;
 *  - glibc matches a later plain dlopen(PATH) against l_name: a foreign
 *    dlopen() of the real path now returns this verified image instead of
 *    mapping a second, unverified copy of the file (with the same soname)
 *    from disk. The registry already handles a foreign handle keeping a
 *    Signet image mapped (finish_removal(): it comes back as foreign).
 * Returns the old name (the caller keeps it), or NULL when nothing was
 * changed: out of memory (the image just keeps its /proc name), or the
 * link_map's name is not the one we asked for (not the object we mapped).
 */
static char *debug_name(struct link_map *lm, const char *asked, const char *real)
{
	if (!lm->l_name || strcmp(lm->l_name, asked) != 0)
		return NULL;
	char *name = strdup(real);
	if (!name)
		return NULL;
	char *old = lm->l_name;
	__atomic_store_n(&lm->l_name, name, __ATOMIC_RELEASE);
	return old;
}

/* Undoes debug_name() on the refusal path; the copy is leaked, since a reader may hold it. */
static void undo_debug_name(struct link_map *lm, char *old)
{
	if (old)
		__atomic_store_n(&lm->l_name, old, __ATOMIC_RELEASE);
}

int sg_commit_locked(const char *name, sg_claim *claim, int memfd, const sg_expected_mapping *expect,
	sg_image_vec *deps, signet_image **out, sg_batch *batch, signet_error **err)
{
	sg_loaded *l = calloc(1, sizeof *l);
	if (!l)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = claim->path,
			.check = "load.commit" }, "out of memory");
	sg_tls_initializer_enter();
	void *handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	sg_tls_initializer_leave();
	if (!handle) {
		const char *why = dlerror();
		free(l);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_DLOPEN, .path = claim->path,
			.check = "load.dlopen" }, "the dynamic linker refused it: %s", why ? why : "unknown reason");
	}
	struct link_map *lm = NULL;
	if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm) {
		dl_close(handle);
		free(l);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INTERNAL, .path = claim->path,
			.check = "load.dlinfo" }, "dlinfo(RTLD_DI_LINKMAP) failed on a handle dlopen() returned");
	}
	if (expect && !mapping_is(lm, expect)) {
		dl_close(handle);
		free(l);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PLATFORM_REFUSED, .path = claim->path,
			.check = "policy.platform" }, "not a platform library: the file was replaced between its check "
			"and its mapping (the bytes mapped are not the bytes judged)");
	}
	/*
	 * Renamed before the record is made: the registry tells images apart
	 * by (l_addr, l_name), and from now on dl_iterate_phdr() reports the
	 * new pointer. We hold the load lock, so no sync can walk the list
	 * between the two.
	 */
	char *proc_name = memfd >= 0 ? debug_name(lm, name, claim->path) : NULL;
	*l = (sg_loaded){ .count = 1, .handle = handle, .memfd = memfd, .deps = *deps, .proc_name = proc_name };
	claim->key = (sg_image_key){ .base = lm->l_addr, .name_ptr = lm->l_name };
	claim->hooks = &loader_hooks;
	claim->loaded = l;
	signet_image *img = NULL;
	int rc = sg_sync_locked(claim, &img, batch);
	/*
	 * The claim moves into the record only when the record is new. If ld.so
	 * returned an object it already had (a name it matched), that is not the
	 * snapshot we verified: refuse it.
	 */
	if (rc || !img || claim->loaded) {
		undo_debug_name(lm, proc_name);
		dl_close(handle);
		claim->loaded = NULL;
		free(l); /* the memfd and the dependencies are still the caller's */
		signet_image_free(img);
		return sg_fail(err, &(sg_error_info){ .code = rc ? rc : SIGNET_E_INTERNAL, .path = claim->path,
			.check = "load.commit" }, "%s", rc ? "could not record the image in the registry"
			: "the dynamic linker returned an image that was already loaded instead of the verified snapshot");
	}
	*deps = (sg_image_vec){ 0 }; /* now the record's */
	*out = img;
	return 0;
}

void sg_publish(signet_image *img, sg_batch *batch)
{
	sg_deliver(batch);
	if (img)
		sg_registry_wait_added(img);
}

/* One more load of an image already loaded, returned only once its observers have heard of it. */
static bool reuse_loaded(signet_image *img)
{
	if (!sg_take_load(img))
		return false;
	sg_registry_wait_added(img);
	return true;
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
	if (!rc && !t->program)
		rc = sg_elf_check_loadable(&in->layout, snap->path, err);
	if (rc)
		return rc;
	signet_verify_options vo;
	sg_policy_verify_options(t->policy, &vo);
	/* One hashing core each while a batch verifies many images at once (core/parallel.h). */
	vo.threads = t->one_thread ? 1 : sg_parallel_hash_threads();
	sg_known_hashes known;
	sg_snapshot_known_hashes(snap, &known);
	rc = sg_verify_bytes_known(&in->identity, snap->bytes, snap->length, snap->path, trust, &vo, &known, err);
	if (!rc && !t->program)
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
	if (!rc && t->check_mapped)
		rc = t->check_mapped(t->check_ctx, in.snap.path, in.snap.bytes, in.snap.length, err);
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
		bool taken = !t->dry_run && reuse_loaded(img);
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
		signet_image_free(img); /* sg_take_load took its own reference */
		sg_registry_wait_added(img);
		goto out;
	}
	signet_image_free(img);
	img = NULL;
	rc = conflict_locked(dyn->soname, snap->path, err);
	if (!rc) {
		sg_claim claim = { .path = snap->path, .identity = in->identity };
		sg_snapshot_unmap(snap);
		rc = sg_commit_locked(snap->dlopen_name, &claim, snap->fd, NULL, &deps, &img, &batch, err);
		in->identity = claim.identity; /* NULL once the record owns it */
		if (!rc)
			snap->fd = -1; /* the record's now */
	}
	sg_load_unlock();
	sg_publish(rc ? NULL : img, &batch);
out:
	sg_image_vec_release(&deps);
	if (!rc)
		*out = img;
	return rc;
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
	/* The check and the claim are one critical section (release_load). */
	if (release_load(img) != 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOT_LOADED, .path = img->path,
			.check = "load.unload" }, "no load of it is outstanding: not loaded by signet_load(), or "
			"every load already given back");
	return 0;
}

int signet_image_symbol(void **out, const signet_image *image, const char *name, signet_error **err)
{
	if (!out || !image || !name)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "symbol lookup needs an output, an image and a name");
	sg_loaded *l = image->loaded;
	pthread_mutex_lock(&loads_mutex);
	void *handle = l && l->count > 0 ? l->handle : NULL;
	pthread_mutex_unlock(&loads_mutex);
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
