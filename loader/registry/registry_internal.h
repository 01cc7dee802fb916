/* SPDX-License-Identifier: MIT */
/*
 * registry_internal.h - the registry's locks, list and event batches, shared
 * by registry.c (list, sync, lookups), observers.c (delivery), discover.c
 * (walking the dynamic linker's list), and what an owner of images (the
 * loader) may ask of it: the load lock, sync with a claim, lookups,
 * unlinking and removal. The registry never calls into the loader: what
 * must happen when a claimed image is removed comes back through the
 * record's hooks (image_internal.h).
 *
 * Locks, always taken in this order, never the other way round:
 *   1. the load lock (recursive): held across dlopen()/dlclose() by Signet
 *      and across every change of list membership, so a sync never mistakes
 *      an image Signet is loading for a foreign one;
 *   2. the registry lock: short critical sections over the list, the
 *      observers and per-image delivery state.
 * glibc's own loader locks come after the load lock (we call dlopen with it
 * held) and are never taken with the registry lock held: no dlopen, dlclose,
 * dladdr or dl_iterate_phdr call happens inside a registry-lock section.
 * Observer callbacks run with neither lock held.
 */
#ifndef SIGNET_REGISTRY_INTERNAL_H
#define SIGNET_REGISTRY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/registry.h>

#include "core/array.h"
#include "registry/image_internal.h"

/* ---- events ---- */

typedef enum sg_event_kind { SG_EVENT_ADD, SG_EVENT_REMOVE } sg_event_kind;

typedef struct sg_event {
	sg_event_kind kind;
	signet_image *image; /* one reference, owned by the event */
	size_t ntold;        /* ADD: how many of image->told this event serves */
} sg_event;

typedef SG_ARRAY(sg_event) sg_batch;

/* ---- locks (registry.c) ---- */

void sg_registry_ensure_init(void);
void sg_reg_lock(void);
void sg_reg_unlock(void);
/* Waits on the registry lock's condition (image state, observer in-flight). */
void sg_reg_wait(void);
void sg_reg_broadcast(void);
void sg_load_lock(void);
bool sg_load_trylock(void);
void sg_load_unlock(void);

/* ---- reentrancy (registry.c): per-thread depths ---- */

/* Depth of observer callbacks running on this thread. */
unsigned sg_tls_observer_depth(void);
void sg_tls_observer_enter(uint64_t token);
void sg_tls_observer_leave(void);
/* True when the innermost running callback on this thread is `token`'s. */
bool sg_tls_in_observer(uint64_t token);
/* Depth of dlopen()/dlclose() calls made by Signet on this thread. */
unsigned sg_tls_initializer_depth(void);
void sg_tls_initializer_enter(void);
void sg_tls_initializer_leave(void);

/* ---- list and sync (registry.c) ---- */

/*
 * With the load lock held: brings the list up to date with the dynamic
 * linker. When `claim` is given, the entry with that key becomes (or is) a
 * Signet image and a new reference to its record goes to *claimed; when the
 * record is new, the claim's identity and memfd move into it (the claim's
 * fields are then cleared, so the caller frees only what is left). New
 * images and vanished ones become events in `batch`, to be delivered by
 * sg_deliver() after the load lock is released. Returns 0 or SIGNET_E_NOMEM.
 */
int sg_sync_locked(sg_claim *claim, signet_image **claimed, sg_batch *batch);

/* Brings the registry up to date unless this thread must not (observer,
 * initializer) or, with wait == false, another thread is loading. */
void sg_refresh(bool wait);

/* The first live record (not being removed) that `match` accepts, retained;
 * NULL when none. Does not sync. */
signet_image *sg_registry_find_live(bool (*match)(const signet_image *img, const void *arg), const void *arg);

/*
 * With the load lock held (membership changes need both locks; this takes
 * the registry lock itself): takes `image` out of the list and drops the
 * list's reference. False when it was not in the list.
 */
bool sg_registry_unlink(signet_image *image);

/*
 * Waits until every add callback for `image` has run (another thread may
 * still be delivering or replaying it). No lock held.
 */
void sg_registry_wait_added(signet_image *image);

/*
 * An owner gives up its image: from now on no lookup or replay finds it
 * live. Waits for replays still telling observers about it (bounded:
 * nothing new can start), runs the remove callbacks, then the owner's
 * finish_removal hook, and marks the record gone. No lock held; consumes
 * one reference. Returns when every remove callback has run.
 */
void sg_registry_remove(signet_image *image);

/* ---- events and observers (observers.c) ---- */

void sg_batch_release(sg_batch *b);

/* Registry lock held: every live observer's token is appended to image->told. */
int sg_observers_tell_all_locked(signet_image *image);

/*
 * Delivers and releases every event of `batch`, in order. No lock held.
 * Remove events go through sg_begin_remove().
 */
void sg_deliver(sg_batch *batch);

/*
 * Continues the removal of `image`, whose state the caller already set to
 * SG_IMAGE_REMOVING under the registry lock. No lock held; consumes one
 * reference. When add callbacks for the image are still running, the last
 * of them takes over (combining, never waiting); otherwise the remove
 * callbacks run here, then the owner's finish_removal hook.
 */
void sg_begin_remove(signet_image *image);

#endif /* SIGNET_REGISTRY_INTERNAL_H */
