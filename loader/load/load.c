/* SPDX-License-Identifier: MIT */
/*
 * load.c - signet_load()/signet_unload(): the load transaction as it stands.
 *
 * INTERIM: the file is mapped with plain dlopen() and nothing is verified.
 * What is already final: the registry commit (the image is claimed as a
 * Signet image in the same load-lock section as the dlopen(), so no sync can
 * mistake it for a foreign one), observers that have seen the image before
 * signet_load() returns, remove observers before dlclose(), reference
 * counts, and the reentrancy rules.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

#include <signet/loader.h>

#include "core/error_internal.h"
#include "registry/registry_internal.h"

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

static int dl_close(void *handle)
{
	sg_tls_initializer_enter();
	int rc = dlclose(handle);
	sg_tls_initializer_leave();
	return rc;
}

int signet_load(signet_image **out, const char *path, signet_error **err)
{
	if (!out || !path || !*path)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_load needs an output and a path");
	int rc = check_reentrancy("signet_load", path, err);
	if (rc)
		return rc;

	/* The record keeps the absolute path: a relative one means nothing later. */
	char *abs = realpath(path, NULL);
	if (!abs)
		return sg_fail(err, &(sg_error_info){ .code = errno == ENOMEM ? SIGNET_E_NOMEM : SIGNET_E_IO,
			.path = path, .check = "load.open", .os_errno = errno }, "cannot resolve: %s", strerror(errno));

	sg_load_lock();
	sg_tls_initializer_enter();
	void *handle = dlopen(abs, RTLD_NOW | RTLD_LOCAL);
	sg_tls_initializer_leave();
	if (!handle) {
		const char *why = dlerror();
		sg_load_unlock();
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_DLOPEN, .path = abs, .check = "load.dlopen" },
			"dynamic linker refused it: %s", why ? why : "unknown reason");
		free(abs);
		return rc;
	}
	struct link_map *lm = NULL;
	if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm) {
		dl_close(handle);
		sg_load_unlock();
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INTERNAL, .path = abs, .check = "load.dlinfo" },
			"dlinfo(RTLD_DI_LINKMAP) failed on a handle dlopen() returned");
		free(abs);
		return rc;
	}
	sg_image_key key = { .base = lm->l_addr, .name_ptr = lm->l_name };
	signet_image *img = NULL;
	sg_batch batch = { 0 };
	rc = sg_sync_locked(&key, abs, &img, &batch);
	if (rc || !img) {
		dl_close(handle);
		sg_batch_release(&batch);
		sg_load_unlock();
		signet_image_free(img);
		rc = sg_fail(err, &(sg_error_info){ .code = rc ? rc : SIGNET_E_INTERNAL, .path = abs,
			.check = "load.commit" }, "could not record the image in the registry");
		free(abs);
		return rc;
	}
	free(abs);
	sg_reg_lock();
	img->signet_loads++;
	img->dl_handle = handle; /* ld.so hands out the same handle for the same object */
	sg_reg_unlock();
	sg_load_unlock();

	sg_deliver(&batch);

	/* Loaded again while another thread still tells observers about it:
	 * the caller must not use it before they know. */
	sg_reg_lock();
	while (img->state == SG_IMAGE_ADDING)
		sg_reg_wait();
	sg_reg_unlock();
	*out = img;
	return 0;
}

int signet_unload(signet_image *img, signet_error **err)
{
	/* Before touching `img`: from an initializer it may be anything. */
	int rc = check_reentrancy("signet_unload", NULL, err);
	if (rc)
		return rc;
	if (!img)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_unload needs an image");

	sg_load_lock();
	sg_reg_lock();
	if (img->signet_loads == 0 || !img->linked || img->state == SG_IMAGE_REMOVING) {
		sg_reg_unlock();
		sg_load_unlock();
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOT_LOADED, .path = img->path,
			.check = "load.unload" }, "not loaded by signet_load() (or already unloaded)");
	}
	if (img->arrival == SIGNET_ARRIVAL_SIGNET && img->signet_loads == 1) {
		/* Last load of an image Signet mapped: observers first, then dlclose. */
		img->state = SG_IMAGE_REMOVING; /* from here no replay picks it up */
		sg_reg_unlock();
		sg_load_unlock();
		/*
		 * A replay to a newly registered observer may still be telling it
		 * about this image. Wait for that (it is bounded: nothing new can
		 * start), so that every remove callback has run when we return.
		 */
		sg_reg_lock();
		while (img->add_inflight > 0)
			sg_reg_wait();
		sg_reg_unlock();
		sg_begin_remove(img); /* consumes the caller's reference */
		return 0;
	}
	/* Still loaded by someone, or an image ld.so had before us: only our
	 * dlopen() reference goes. */
	void *handle = img->dl_handle;
	if (--img->signet_loads == 0)
		img->dl_handle = NULL;
	sg_reg_unlock();
	dl_close(handle);
	sg_batch batch = { 0 };
	if (sg_sync_locked(NULL, NULL, NULL, &batch) != 0)
		sg_batch_release(&batch);
	sg_load_unlock();
	sg_deliver(&batch);
	signet_image_free(img);
	return 0;
}

void sg_finish_unmap(signet_image *img)
{
	sg_load_lock();
	sg_reg_lock();
	bool linked = img->linked;
	void *handle = img->dl_handle;
	img->dl_handle = NULL;
	img->signet_loads = 0;
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
		if (sg_sync_locked(NULL, NULL, NULL, &batch) != 0)
			sg_batch_release(&batch);
	}
	sg_reg_lock();
	img->state = SG_IMAGE_GONE;
	atomic_store(&img->mapped, false);
	sg_reg_unlock();
	sg_load_unlock();
	sg_deliver(&batch);
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
