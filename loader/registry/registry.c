/* SPDX-License-Identifier: MIT */
/*
 * registry.c - the process-wide list of images: locks, reentrancy tracking,
 * syncing with the dynamic linker, snapshots and lookups.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "core/namespace.h"
#include "registry/discover.h"
#include "registry/registry_internal.h"

/* ---- locks ---- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t reg_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reg_cond = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t load_mutex; /* recursive; set up in init() */

/* List of records in load order; holds one reference each. Membership
 * changes need both locks, so either lock alone gives a stable view. */
static SG_ARRAY(signet_image *) list;

/* Load lock. */
static bool first_sync_done;
static char *main_path;
/* What the dynamic linker's counters were at the last sync. */
static atomic_ullong synced_adds, synced_subs;
static atomic_bool synced_once;

static void init(void)
{
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	/*
	 * Recursive: the last add callback to finish may carry out a pending
	 * removal (dlclose) from inside an image constructor that registered
	 * an observer while signet_load() holds this lock on the same thread.
	 */
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&load_mutex, &attr);
	pthread_mutexattr_destroy(&attr);

	/* dl_iterate_phdr() names the executable "": use its real path. */
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n > 0) {
		buf[n] = '\0';
		main_path = strdup(buf);
	}
}

void sg_registry_ensure_init(void) { pthread_once(&init_once, init); }
void sg_reg_lock(void) { pthread_mutex_lock(&reg_mutex); }
void sg_reg_unlock(void) { pthread_mutex_unlock(&reg_mutex); }
void sg_reg_wait(void) { pthread_cond_wait(&reg_cond, &reg_mutex); }
void sg_reg_broadcast(void) { pthread_cond_broadcast(&reg_cond); }
void sg_load_lock(void) { sg_registry_ensure_init(); pthread_mutex_lock(&load_mutex); }
bool sg_load_trylock(void) { sg_registry_ensure_init(); return pthread_mutex_trylock(&load_mutex) == 0; }
void sg_load_unlock(void) { pthread_mutex_unlock(&load_mutex); }

/* ---- reentrancy ---- */

#define OBSERVER_STACK 16
static _Thread_local unsigned observer_depth;
static _Thread_local uint64_t observer_stack[OBSERVER_STACK];
static _Thread_local unsigned initializer_depth;

unsigned sg_tls_observer_depth(void) { return observer_depth; }
unsigned sg_tls_initializer_depth(void) { return initializer_depth; }
void sg_tls_initializer_enter(void) { initializer_depth++; }
void sg_tls_initializer_leave(void) { initializer_depth--; }

void sg_tls_observer_enter(uint64_t token)
{
	if (observer_depth < OBSERVER_STACK)
		observer_stack[observer_depth] = token;
	observer_depth++;
}

void sg_tls_observer_leave(void) { observer_depth--; }

bool sg_tls_in_observer(uint64_t token)
{
	return observer_depth > 0 && observer_depth <= OBSERVER_STACK &&
	       observer_stack[observer_depth - 1] == token;
}

/* ---- list ---- */

signet_image **sg_list_images_locked(size_t *count);
signet_image **sg_list_images_locked(size_t *count)
{
	*count = list.n;
	return list.items;
}

static signet_image *list_unlink_locked(signet_image *image)
{
	for (size_t i = 0; i < list.n; i++) {
		if (list.items[i] == image) {
			memmove(&list.items[i], &list.items[i + 1], (list.n - i - 1) * sizeof *list.items);
			list.n--;
			image->linked = false;
			return image;
		}
	}
	return NULL;
}

bool sg_registry_unlink(signet_image *image)
{
	sg_reg_lock();
	bool was = list_unlink_locked(image) != NULL;
	sg_reg_unlock();
	if (was)
		signet_image_free(image); /* the list's reference; the caller still holds one */
	return was;
}

void sg_registry_wait_added(signet_image *image)
{
	sg_reg_lock();
	while (image->state == SG_IMAGE_ADDING)
		sg_reg_wait();
	sg_reg_unlock();
}

static bool key_eq(const sg_image_key *a, const sg_image_key *b)
{
	return a->base == b->base && a->name_ptr == b->name_ptr;
}

static bool walk_has_key(const sg_walk *w, const sg_image_key *key)
{
	for (size_t i = 0; i < w->entries.n; i++)
		if (key_eq(&w->entries.items[i].key, key))
			return true;
	return false;
}

/* Appends an event to a batch whose room was reserved. */
static void batch_put(sg_batch *b, sg_event_kind kind, signet_image *image, size_t ntold)
{
	b->items[b->n++] = (sg_event){ .kind = kind, .image = image, .ntold = ntold };
}

int sg_sync_locked(sg_claim *claim, signet_image **claimed, sg_batch *batch)
{
	/*
	 * Keys of records that stay: a record already REMOVING is left out, so
	 * an object still mapped under its key gets a fresh record when Signet
	 * claims it (it was loaded again while being unloaded).
	 */
	sg_reg_lock();
	size_t nknown = 0;
	sg_image_key *known = malloc((list.n ? list.n : 1) * sizeof *known);
	for (size_t i = 0; known && i < list.n; i++)
		if (list.items[i]->state != SG_IMAGE_REMOVING)
			known[nknown++] = list.items[i]->key;
	sg_reg_unlock();
	if (!known)
		return SIGNET_E_NOMEM;

	bool first = !first_sync_done;
	sg_walk w;
	int rc = sg_walk_objects(&w, known, nknown, first, main_path, claim);
	free(known);
	if (rc)
		return rc;
	bool *startup = first ? calloc(w.entries.n ? w.entries.n : 1, sizeof *startup) : NULL;
	if (first && !startup) {
		sg_walk_release(&w);
		return SIGNET_E_NOMEM;
	}
	if (first)
		sg_walk_classify_startup(&w, startup);

	sg_reg_lock();
	size_t nfresh = 0;
	for (size_t i = 0; i < w.entries.n; i++)
		nfresh += w.entries.items[i].fresh != NULL;
	/* Room for every event and entry first: from here on nothing can fail half-way. */
	rc = sg_array_reserve(batch, nfresh + list.n);
	if (!rc)
		rc = sg_array_reserve(&list, nfresh);
	if (rc) {
		sg_reg_unlock();
		free(startup);
		sg_walk_release(&w);
		return rc;
	}

	/* Gone from the process: unlinked now, so no lookup returns them. */
	for (size_t i = 0; i < list.n;) {
		signet_image *img = list.items[i];
		if (img->state == SG_IMAGE_REMOVING || walk_has_key(&w, &img->key)) {
			i++;
			continue;
		}
		list_unlink_locked(img);
		img->state = SG_IMAGE_REMOVING;
		atomic_store(&img->mapped, false);
		batch_put(batch, SG_EVENT_REMOVE, img, 0); /* the list's reference */
	}

	for (size_t i = 0; i < w.entries.n; i++) {
		sg_walk_entry *e = &w.entries.items[i];
		signet_image *img = e->fresh;
		if (!img)
			continue;
		bool is_claim = claim && key_eq(&claim->key, &e->key);
		bool shadowed = false;
		for (size_t j = 0; !is_claim && j < list.n; j++)
			shadowed |= key_eq(&list.items[j]->key, &e->key);
		if (shadowed)
			continue; /* being unloaded by Signet: its finisher re-syncs */
		e->fresh = NULL;
		if (first && startup[i] && img->arrival == SIGNET_ARRIVAL_FOREIGN)
			img->arrival = SIGNET_ARRIVAL_STARTUP; /* not yet published */
		if (is_claim) {
			/* Still unpublished: the owner's facts and state move in with it. */
			img->identity = claim->identity;
			img->platform = claim->platform;
			img->hooks = claim->hooks;
			img->loaded = claim->loaded;
			claim->identity = NULL;
			claim->loaded = NULL;
		}
		img->linked = true;
		img->state = SG_IMAGE_ADDING;
		img->add_inflight = 1;
		if (sg_observers_tell_all_locked(img) != 0)
			img->told.n = 0; /* no memory to tell anyone: nobody hears add or remove */
		list.items[list.n++] = img;
		batch_put(batch, SG_EVENT_ADD, signet_image_retain(img), img->told.n);
	}

	if (claim && claimed) {
		*claimed = NULL;
		for (size_t i = list.n; i-- > 0;) {
			if (list.items[i]->state != SG_IMAGE_REMOVING && key_eq(&list.items[i]->key, &claim->key)) {
				*claimed = signet_image_retain(list.items[i]);
				break;
			}
		}
	}
	atomic_store(&synced_adds, w.adds);
	atomic_store(&synced_subs, w.subs);
	atomic_store(&synced_once, true);
	first_sync_done = true;
	sg_reg_unlock();

	free(startup);
	sg_walk_release(&w);
	return 0;
}

void sg_refresh(bool wait)
{
	sg_registry_ensure_init();
	/*
	 * Not from inside a callback (it would recurse into delivery) nor from
	 * an initializer Signet is running (the image being loaded is in ld.so's
	 * list already but not committed: it would be taken for a foreign one).
	 */
	if (observer_depth || initializer_depth)
		return;
	unsigned long long adds, subs;
	sg_walk_counters(&adds, &subs);
	if (atomic_load(&synced_once) && adds == atomic_load(&synced_adds) &&
	    subs == atomic_load(&synced_subs))
		return;
	if (wait)
		sg_load_lock();
	else if (!sg_load_trylock())
		return; /* a load in progress will sync when it commits */
	sg_batch batch = { 0 };
	int rc = sg_sync_locked(NULL, NULL, &batch);
	sg_load_unlock();
	if (rc == 0)
		sg_deliver(&batch);
	else
		sg_batch_release(&batch);
}

/*
 * At load time, so that the startup set is recorded even by a host that
 * never calls the registry.
 */
__attribute__((constructor)) static void registry_at_load(void)
{
	/* An audit module's copy walks only its own namespace: nothing worth recording early. */
	if (!sg_in_base_namespace())
		return;
	sg_registry_ensure_init();
	sg_refresh(true);
}

/* ---- public API ---- */

struct signet_image_list {
	size_t n;
	signet_image **items;
};

int signet_registry_sync(signet_error **err)
{
	(void)err;
	sg_refresh(true);
	return 0;
}

int signet_registry_snapshot(signet_image_list **out, signet_error **err)
{
	if (!out)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "snapshot needs an output pointer");
	sg_refresh(false);
	signet_image_list *l = calloc(1, sizeof *l);
	sg_reg_lock();
	if (l)
		l->items = calloc(list.n ? list.n : 1, sizeof *l->items);
	if (!l || !l->items) {
		sg_reg_unlock();
		free(l);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory taking a registry snapshot");
	}
	for (size_t i = 0; i < list.n; i++)
		l->items[l->n++] = signet_image_retain(list.items[i]);
	sg_reg_unlock();
	*out = l;
	return 0;
}

size_t signet_image_list_count(const signet_image_list *l) { return l ? l->n : 0; }

const signet_image *signet_image_list_get(const signet_image_list *l, size_t index)
{
	return (l && index < l->n) ? l->items[index] : NULL;
}

void signet_image_list_free(signet_image_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		signet_image_free(l->items[i]);
	free(l->items);
	free(l);
}

typedef bool (*match_fn)(const signet_image *img, const void *arg);

/* The first record `match` accepts (skipping those being removed when
 * `live_only`), retained; NULL when none. Does not sync. */
static signet_image *scan(match_fn match, const void *arg, bool live_only)
{
	signet_image *found = NULL;
	sg_reg_lock();
	for (size_t i = 0; i < list.n && !found; i++)
		if (!(live_only && list.items[i]->state == SG_IMAGE_REMOVING) && match(list.items[i], arg))
			found = signet_image_retain(list.items[i]);
	sg_reg_unlock();
	return found;
}

signet_image *sg_registry_find_live(bool (*match)(const signet_image *img, const void *arg), const void *arg)
{
	return scan(match, arg, true);
}

/* Public lookups: synced first; an image being unloaded is still mapped. */
static int find_first(signet_image **out, match_fn match, const void *arg)
{
	sg_refresh(false);
	*out = scan(match, arg, false);
	return *out ? 0 : SIGNET_E_NOT_FOUND;
}

static bool match_address(const signet_image *img, const void *address)
{
	return signet_image_contains(img, address);
}

static bool match_name(const signet_image *img, const void *name)
{
	if (strchr(name, '/'))
		return strcmp(img->path, name) == 0;
	return sg_image_matches_short_name(img, name);
}

typedef struct bytes_ref {
	const uint8_t *bytes;
	size_t len;
} bytes_ref;

static bool match_build_id(const signet_image *img, const void *arg)
{
	const bytes_ref *id = arg;
	return img->build_id_len == id->len && memcmp(img->build_id, id->bytes, id->len) == 0;
}

static bool match_id(const signet_image *img, const void *id)
{
	return img->id == *(const uint64_t *)id;
}

int signet_registry_lookup_address(signet_address_info *out, const void *address, signet_error **err)
{
	if (!out)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "address lookup needs an output struct");
	signet_image *img = NULL;
	if (find_first(&img, match_address, address) != 0)
		return sg_fail_code(err, SIGNET_E_NOT_FOUND, "no image maps address %p", address);

	/* The symbol comes from ld.so (outside our locks: it takes its own). */
	signet_address_info info = { .image = img };
	Dl_info dl;
	if (dladdr(address, &dl) && dl.dli_sname && dl.dli_saddr &&
	    signet_image_contains(img, dl.dli_saddr)) {
		info.symbol = strdup(dl.dli_sname);
		info.symbol_address = info.symbol ? (uintptr_t)dl.dli_saddr : 0;
	}
	*out = info;
	return 0;
}

void signet_address_info_clear(signet_address_info *info)
{
	if (!info)
		return;
	signet_image_free(info->image);
	free(info->symbol);
	*info = (signet_address_info){ 0 };
}

int signet_registry_find_name(signet_image **out, const char *name, signet_error **err)
{
	if (!out || !name || !*name)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "find by name needs an output and a name");
	if (find_first(out, match_name, name) != 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOT_FOUND, .path = name },
			"no image with this path or name is loaded");
	return 0;
}

int signet_registry_find_build_id(signet_image **out, const uint8_t *id, size_t len, signet_error **err)
{
	if (!out || !id || len == 0 || len > SG_BUILD_ID_MAX)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT,
			"find by build-id needs an output and 1 to %d bytes", SG_BUILD_ID_MAX);
	if (find_first(out, match_build_id, &(bytes_ref){ id, len }) != 0)
		return sg_fail_code(err, SIGNET_E_NOT_FOUND, "no loaded image has this build-id");
	return 0;
}

int signet_registry_find_id(signet_image **out, uint64_t id, signet_error **err)
{
	if (!out)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "find by id needs an output");
	if (find_first(out, match_id, &id) != 0)
		return sg_fail_code(err, SIGNET_E_NOT_FOUND, "no loaded image has id %llu", (unsigned long long)id);
	return 0;
}
