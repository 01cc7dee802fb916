/* SPDX-License-Identifier: MIT */
/*
 * signet/registry.h - the process-wide image registry and its observers.
 *
 * The registry knows every image in the process: the main program, the vDSO,
 * ld.so and the rest of the startup set, images loaded with signet_load(),
 * and images other code loads or unloads with plain dlopen()/dlclose().
 * The last kind is noticed through dl_iterate_phdr()'s adds/subs counters at
 * every registry call and at signet_registry_sync(); an image that comes and
 * goes entirely between two such calls is never seen.
 *
 * Observers (dyld's _dyld_register_func_for_add_image, improved):
 *  - registering replays every current image to the new observer, in load
 *    order, before the call returns; afterwards each new image is reported
 *    after it is mapped and, for signet_load(), before that call returns;
 *  - remove callbacks run before signet_unload() unmaps an image; images that
 *    other code unloads are reported at the next sync, when already gone;
 *  - per observer and image: exactly one add, then at most one remove;
 *  - callbacks run with no Signet lock held, possibly from several threads
 *    at once (for different images), so they must be thread-safe. They may
 *    call any lookup; signet_load()/signet_unload() from inside a callback
 *    fail with SIGNET_E_IN_OBSERVER;
 *  - registration returns a token; signet_registry_remove_observer() stops
 *    delivery and, when called from another thread than a running callback,
 *    waits until no callback of that observer is running, so the payload may
 *    be freed as soon as it returns.
 *
 * Thread-safety: every function here may be called from any thread.
 * Calls made from inside an image's constructor or destructor while
 * signet_load()/signet_unload() runs it see the registry as it was before
 * that load.
 */
#ifndef SIGNET_REGISTRY_H
#define SIGNET_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include <signet/common.h>
#include <signet/error.h>
#include <signet/image.h>

SIGNET_BEGIN_DECLS

/*
 * Brings the registry up to date with the dynamic linker now, waiting for a
 * signet_load() or signet_unload() in progress in another thread. Every
 * other registry call syncs too, but skips the sync rather than wait.
 * Returns 0.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_registry_sync(signet_error **err);

/* A consistent snapshot of every image, in load order. */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_registry_snapshot(signet_image_list **out, signet_error **err);

/* What an address belongs to, like dladdr() plus the image record. */
typedef struct signet_address_info {
	signet_image *image;      /* one reference, owned by the caller */
	char *symbol;             /* nearest exported symbol at or below, or NULL; owned */
	uintptr_t symbol_address; /* 0 when symbol is NULL */
} signet_address_info;

/*
 * Looks up the image whose PT_LOAD segments contain `address`.
 * Returns 0 and fills *out, or SIGNET_E_NOT_FOUND when no image maps it.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_registry_lookup_address(
	signet_address_info *out, const void *address, signet_error **err);

/* Releases what a successful lookup stored in *info. Safe on a zeroed struct. */
SIGNET_EXPORT void signet_address_info_clear(signet_address_info *info);

/*
 * Looks up an image by path (exact match of signet_image_path()) or, when
 * `name` has no '/', by soname or by the last component of its path.
 * The earliest-loaded match wins. SIGNET_E_NOT_FOUND when none.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_registry_find_name(
	signet_image **out, const char *name, signet_error **err);

/* Looks up an image by its NT_GNU_BUILD_ID bytes. SIGNET_E_NOT_FOUND when none. */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_registry_find_build_id(
	signet_image **out, const uint8_t *build_id, size_t length, signet_error **err);

/* Looks up an image now in the registry by signet_image_id(). */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_registry_find_id(
	signet_image **out, uint64_t id, signet_error **err);

typedef void (*signet_image_callback)(const signet_image *image, void *payload);

/* Identifies a registered observer; 0 is never a valid token. */
typedef uint64_t signet_observer_token;

/*
 * Registers an observer. Either callback may be NULL (not both). Replays
 * every current image to `on_add` before returning.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_registry_add_observer(
	signet_observer_token *out, signet_image_callback on_add,
	signet_image_callback on_remove, void *payload, signet_error **err);

/*
 * Unregisters. SIGNET_E_OBSERVER_UNKNOWN for a token that is not (or no
 * longer) registered. See the header comment for when it waits.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_registry_remove_observer(signet_observer_token token, signet_error **err);

SIGNET_END_DECLS

#endif /* SIGNET_REGISTRY_H */
