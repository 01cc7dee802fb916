/* SPDX-License-Identifier: MIT */
/*
 * signet/loader.h - loading and unloading images through Signet.
 *
 * INTERIM: signet_load() currently maps the file with plain dlopen() and
 * verifies nothing. The verified-loading pipeline replaces its insides; the
 * contract below (registry, observers, reference counts, errors) stays.
 *
 * Ownership: a successful signet_load() gives the caller a handle that holds
 * one load of the image (and one record reference). signet_unload() gives
 * both back; the handle must not be used afterwards. Loading the same file
 * twice gives the same record, loaded twice.
 *
 * Thread-safety: both calls may be made from any thread concurrently. From
 * inside an observer callback they fail with SIGNET_E_IN_OBSERVER; from an
 * image constructor or destructor run by them, with SIGNET_E_IN_INITIALIZER.
 */
#ifndef SIGNET_LOADER_H
#define SIGNET_LOADER_H

#include <signet/common.h>
#include <signet/error.h>
#include <signet/image.h>

SIGNET_BEGIN_DECLS

/*
 * Loads the shared object at `path` (RTLD_NOW | RTLD_LOCAL). Add observers
 * have seen the image when this returns. Errors: SIGNET_E_INVALID_ARGUMENT,
 * SIGNET_E_IO (the path cannot be resolved), SIGNET_E_DLOPEN,
 * SIGNET_E_IN_OBSERVER, SIGNET_E_IN_INITIALIZER, SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_load(signet_image **out, const char *path, signet_error **err);

/*
 * Gives back one load. When it was the last load of an image Signet mapped,
 * remove observers run and then the image is unmapped. Errors:
 * SIGNET_E_NOT_LOADED (not a handle from signet_load(), or already unloaded),
 * SIGNET_E_IN_OBSERVER, SIGNET_E_IN_INITIALIZER.
 */
SIGNET_EXPORT int signet_unload(signet_image *image, signet_error **err);

/*
 * Looks up an exported symbol of an image loaded with signet_load().
 * SIGNET_E_NOT_LOADED for other images, SIGNET_E_NOT_FOUND when absent.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_image_symbol(
	void **out, const signet_image *image, const char *name, signet_error **err);

SIGNET_END_DECLS

#endif /* SIGNET_LOADER_H */
