/* SPDX-License-Identifier: MIT */
/*
 * observers.c - add/remove observers: registration with replay, delivery of
 * events, and the per-image ordering that keeps "add before remove".
 *
 * Design (why it is not dyld's):
 *  - No Signet lock is held while a callback runs. A thread never waits for
 *    another thread's callback, except in signet_registry_remove_observer()
 *    (so the payload can be freed), when loading an image whose add
 *    callbacks another thread is still running (sg_registry_wait_added: the
 *    image is not used before observers know it), and when an owner removes
 *    its image while a replay still tells a new observer of it
 *    (sg_registry_remove: bounded, nothing new can start).
 *  - Each image records which observers were told of it (`told`). Remove is
 *    delivered to exactly those, so an observer never hears a remove without
 *    the add before it, however registration and unloading interleave.
 *  - A removal found by a sync that meets add callbacks still running does
 *    not wait: it sets remove_pending and the thread whose add callback
 *    finishes last carries out the removal (combining). That keeps
 *    per-image order without making one thread wait on another's callback.
 *  - After the remove callbacks, the image's owner (the loader) undoes its
 *    mapping through the record's hooks: the registry never calls it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "registry/registry_internal.h"

typedef struct sg_observer {
	signet_observer_token token;
	signet_image_callback on_add;
	signet_image_callback on_remove;
	void *payload;
	bool dead;          /* unregistered: no new calls start */
	bool unlinked;      /* out of the array: the last leaver frees it */
	unsigned inflight;  /* callbacks (or a replay) running now */
} sg_observer;

/*
 * A callback (or the replay) of `o` ended. Registry lock held. Returns true
 * when the caller must free `o`: it unregistered itself from inside that
 * callback, so nobody else will.
 */
static bool observer_leave_locked(sg_observer *o)
{
	if (--o->inflight > 0 || !o->dead)
		return false;
	sg_reg_broadcast();
	return o->unlinked;
}

/* Registry lock. */
static SG_ARRAY(sg_observer *) observers;
static signet_observer_token next_token = 1;

static sg_observer *find_locked(signet_observer_token token)
{
	for (size_t i = 0; i < observers.n; i++)
		if (observers.items[i]->token == token)
			return observers.items[i];
	return NULL;
}

void sg_batch_release(sg_batch *b)
{
	sg_array_clear(b);
}

static int told_append_locked(signet_image *img, signet_observer_token token)
{
	return sg_array_push(&img->told, token);
}

int sg_observers_tell_all_locked(signet_image *image)
{
	for (size_t i = 0; i < observers.n; i++) {
		if (observers.items[i]->dead)
			continue;
		int rc = told_append_locked(image, observers.items[i]->token);
		if (rc)
			return rc;
	}
	return 0;
}

/* Runs one callback of observer `token` on this thread, marked as such (reentrancy checks). */
static void run_callback(signet_observer_token token, signet_image_callback cb, const signet_image *img,
	void *payload)
{
	sg_tls_observer_enter(token);
	cb(img, payload);
	sg_tls_observer_leave();
}

/* A callback (or the replay) of `o` that counted itself in `inflight` is over. */
static void observer_done(sg_observer *o)
{
	sg_reg_lock();
	bool free_it = observer_leave_locked(o);
	sg_reg_unlock();
	if (free_it)
		free(o);
}

/* Calls one observer about one image, if it is still registered. */
static void call_observer(signet_observer_token token, const signet_image *img, bool add)
{
	sg_reg_lock();
	sg_observer *o = find_locked(token);
	signet_image_callback cb = o && !o->dead ? (add ? o->on_add : o->on_remove) : NULL;
	if (!cb) {
		sg_reg_unlock();
		return;
	}
	o->inflight++;
	void *payload = o->payload;
	sg_reg_unlock();

	run_callback(token, cb, img, payload);
	observer_done(o);
}

static void run_remove(signet_image *img)
{
	/* State is REMOVING: `told` no longer grows, so a copy is complete. */
	sg_reg_lock();
	size_t n = img->told.n;
	uint64_t *tokens = n ? malloc(n * sizeof *tokens) : NULL;
	if (tokens)
		memcpy(tokens, img->told.items, n * sizeof *tokens);
	sg_reg_unlock();

	if (!tokens && n) {
		/* Out of memory: walk the live array under short lock sections. */
		for (size_t i = 0; i < n; i++) {
			sg_reg_lock();
			uint64_t t = img->told.items[i];
			sg_reg_unlock();
			call_observer(t, img, false);
		}
	}
	for (size_t i = 0; tokens && i < n; i++)
		call_observer(tokens[i], img, false);
	free(tokens);

	/* The owner undoes its mapping (and unlinks the record) after the callbacks, never before. */
	if (img->hooks)
		img->hooks->finish_removal(img);
	sg_reg_lock();
	img->state = SG_IMAGE_GONE;
	atomic_store(&img->mapped, false);
	sg_reg_unlock();
	signet_image_free(img);
}

void sg_begin_remove(signet_image *img)
{
	sg_reg_lock();
	if (img->add_inflight > 0) {
		/* The last add deliverer runs the removal with this reference. */
		img->remove_pending = true;
		sg_reg_unlock();
		return;
	}
	sg_reg_unlock();
	run_remove(img);
}

void sg_registry_remove(signet_image *img)
{
	sg_reg_lock();
	img->state = SG_IMAGE_REMOVING; /* from here no replay picks it up, no live lookup finds it */
	/*
	 * A replay to a newly registered observer may still be telling it
	 * about this image. Wait for that (bounded: nothing new can start), so
	 * every remove callback has run when the caller returns.
	 */
	while (img->add_inflight > 0)
		sg_reg_wait();
	sg_reg_unlock();
	sg_begin_remove(img);
}

/* One add delivery (event or replay) for `img` is over. */
static void add_done(signet_image *img)
{
	bool do_remove = false;
	sg_reg_lock();
	if (--img->add_inflight == 0) {
		if (img->state == SG_IMAGE_ADDING)
			img->state = SG_IMAGE_LIVE;
		do_remove = img->remove_pending;
		img->remove_pending = false;
		sg_reg_broadcast();
	}
	sg_reg_unlock();
	if (do_remove)
		run_remove(img);
}

static void deliver_add(const sg_event *ev)
{
	signet_image *img = ev->image;
	for (size_t i = 0; i < ev->ntold; i++) {
		sg_reg_lock();
		uint64_t token = img->told.items[i]; /* the array may move; index is stable */
		sg_reg_unlock();
		call_observer(token, img, true);
	}
	add_done(img);
	signet_image_free(img);
}

void sg_deliver(sg_batch *batch)
{
	for (size_t i = 0; i < batch->n; i++) {
		if (batch->items[i].kind == SG_EVENT_ADD)
			deliver_add(&batch->items[i]);
		else
			sg_begin_remove(batch->items[i].image);
	}
	sg_batch_release(batch);
}

/* ---- public API ---- */

extern signet_image **sg_list_images_locked(size_t *count); /* registry.c */

int signet_registry_add_observer(signet_observer_token *out, signet_image_callback on_add,
	signet_image_callback on_remove, void *payload, signet_error **err)
{
	if (!out || (!on_add && !on_remove))
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT,
			"an observer needs an output token and at least one callback");
	sg_registry_ensure_init();
	sg_refresh(false);

	sg_observer *o = calloc(1, sizeof *o);
	if (!o)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory registering an observer");
	o->on_add = on_add;
	o->on_remove = on_remove;
	o->payload = payload;
	o->inflight = 1; /* the replay */

	sg_reg_lock();
	size_t count = 0;
	signet_image **list = sg_list_images_locked(&count);
	signet_image **replay = calloc(count ? count : 1, sizeof *replay);
	if (!replay || sg_array_reserve(&observers, 1) != 0) {
		sg_reg_unlock();
		free(replay);
		free(o);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory registering an observer");
	}
	o->token = next_token++;
	/*
	 * Every image now in the list is told here, under the same lock section
	 * that publishes the observer: an image is either in this replay or in
	 * a later event's told list, never both and never neither.
	 */
	size_t nreplay = 0;
	for (size_t i = 0; i < count; i++) {
		signet_image *img = list[i];
		if (img->state == SG_IMAGE_REMOVING || told_append_locked(img, o->token) != 0)
			continue; /* on its way out (or no memory): neither add nor remove */
		img->add_inflight++;
		replay[nreplay++] = signet_image_retain(img);
	}
	observers.items[observers.n++] = o; /* room reserved above */
	signet_observer_token token = o->token;
	sg_reg_unlock();

	for (size_t i = 0; on_add && i < nreplay; i++)
		run_callback(token, on_add, replay[i], payload);
	observer_done(o);
	for (size_t i = 0; i < nreplay; i++) {
		add_done(replay[i]);
		signet_image_free(replay[i]);
	}
	free(replay);
	*out = token;
	return 0;
}

int signet_registry_remove_observer(signet_observer_token token, signet_error **err)
{
	sg_registry_ensure_init();
	sg_reg_lock();
	sg_observer *o = find_locked(token);
	if (!o || o->dead) {
		sg_reg_unlock();
		return sg_fail_code(err, SIGNET_E_OBSERVER_UNKNOWN,
			"no registered observer has token %llu", (unsigned long long)token);
	}
	o->dead = true;
	/*
	 * Wait for callbacks running in other threads, so the caller may free
	 * the payload on return. A callback unregistering its own observer
	 * cannot wait for itself: it gets "no further calls" instead.
	 */
	unsigned own = sg_tls_in_observer(token) ? 1u : 0u;
	while (o->inflight > own)
		sg_reg_wait();
	for (size_t i = 0; i < observers.n; i++) {
		if (observers.items[i] == o) {
			/* Keep registration order: replay and delivery follow it. */
			memmove(&observers.items[i], &observers.items[i + 1], (observers.n - i - 1) * sizeof *observers.items);
			observers.n--;
			break;
		}
	}
	o->unlinked = true;
	bool free_now = o->inflight == 0;
	sg_reg_unlock();
	/* Otherwise this thread is inside o's own callback; its caller frees o. */
	if (free_now)
		free(o);
	return 0;
}
