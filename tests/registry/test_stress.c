/* SPDX-License-Identifier: MIT */
/*
 * test_stress.c - 8 threads load and unload distinct libraries 1,000 times
 * each while 4 threads register and unregister observers. Every observer
 * must see, per image, add before remove and each at most once, and must
 * miss nothing that happened entirely while it was registered.
 *
 * "While registered" is measured with one global ticket counter: a load
 * whose call began after registration returned and ended before
 * unregistration began must have been reported (likewise for unloads).
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define LOADERS 8
#define ITERATIONS 1000
#define WATCHERS 4
#define MAX_SESSIONS 4000

static atomic_ullong ticket;
/* Longest load seen so far, in microseconds: sessions outlast it. */
static atomic_ullong longest_load_us;
static atomic_int loaders_running;

typedef struct op {
	uint64_t id;
	unsigned long long load_begin, load_end, unload_begin, unload_end;
} op;

static op ops[LOADERS][ITERATIONS];
static atomic_int loader_failures;

typedef struct ev {
	uint64_t id;
	bool add;
} ev;

typedef struct session {
	pthread_mutex_t lock;
	ev *events;
	size_t n, cap;
	unsigned long long registered, unregistering;
	atomic_int bad_remove_unmapped;
} session;

static session *sessions[WATCHERS][MAX_SESSIONS];
static size_t nsessions[WATCHERS];

static void record(session *s, const signet_image *img, bool add)
{
	pthread_mutex_lock(&s->lock);
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->events = realloc(s->events, s->cap * sizeof *s->events);
		if (!s->events)
			abort();
	}
	s->events[s->n++] = (ev){ signet_image_id(img), add };
	pthread_mutex_unlock(&s->lock);
}

static void on_add(const signet_image *img, void *p) { record(p, img, true); }

static void on_remove(const signet_image *img, void *p)
{
	session *s = p;
	/* Signet images are reported before they are unmapped. */
	if (signet_image_arrival(img) == SIGNET_ARRIVAL_SIGNET && !signet_image_is_mapped(img))
		atomic_fetch_add(&s->bad_remove_unmapped, 1);
	record(s, img, false);
}

static void *loader(void *arg)
{
	int which = (int)(intptr_t)arg;
	char name[32];
	snprintf(name, sizeof name, "libfixture%d.so", which);
	const char *path = sg_fixture(name);
	char copy[4096];
	snprintf(copy, sizeof copy, "%s", path);
	for (int i = 0; i < ITERATIONS; i++) {
		signet_image *img = NULL;
		op *o = &ops[which][i];
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		o->load_begin = atomic_fetch_add(&ticket, 1);
		if (signet_load(&img, copy, sg_test_policy(), NULL) != 0) {
			atomic_fetch_add(&loader_failures, 1);
			continue;
		}
		o->load_end = atomic_fetch_add(&ticket, 1);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		unsigned long long us = (unsigned long long)((t1.tv_sec - t0.tv_sec) * 1000000 +
			(t1.tv_nsec - t0.tv_nsec) / 1000);
		unsigned long long seen = atomic_load(&longest_load_us);
		while (us > seen && !atomic_compare_exchange_weak(&longest_load_us, &seen, us))
			;
		o->id = signet_image_id(img);
		void *fn = NULL;
		if (signet_image_symbol(&fn, img, "fixture_id", NULL) != 0 ||
		    ((int (*)(void))(uintptr_t)fn)() != which)
			atomic_fetch_add(&loader_failures, 1);
		o->unload_begin = atomic_fetch_add(&ticket, 1);
		if (signet_unload(img, NULL) != 0)
			atomic_fetch_add(&loader_failures, 1);
		o->unload_end = atomic_fetch_add(&ticket, 1);
	}
	atomic_fetch_sub(&loaders_running, 1);
	return NULL;
}

static void *watcher(void *arg)
{
	int w = (int)(intptr_t)arg;
	unsigned seed = (unsigned)w * 7919u + 1;
	while (atomic_load(&loaders_running) > 0 && nsessions[w] < MAX_SESSIONS) {
		session *s = calloc(1, sizeof *s);
		pthread_mutex_init(&s->lock, NULL);
		signet_observer_token token;
		if (signet_registry_add_observer(&token, on_add, on_remove, s, NULL) != 0)
			abort();
		s->registered = atomic_fetch_add(&ticket, 1);
		/* Long enough that whole loads fall inside a session, however slow
		 * loading is here (sanitizers, a busy machine): 2 to 4 times the
		 * longest load so far, at least 1 ms. */
		unsigned long long longest = atomic_load(&longest_load_us);
		unsigned long long hold = 1000 + 2 * longest + (unsigned long long)rand_r(&seed) % (2 * longest + 1);
		usleep((useconds_t)(hold > 2000000 ? 2000000 : hold));
		s->unregistering = atomic_fetch_add(&ticket, 1);
		if (signet_registry_remove_observer(token, NULL) != 0)
			abort();
		sessions[w][nsessions[w]++] = s;
	}
	return NULL;
}

static int cmp_ev(const void *a, const void *b)
{
	const ev *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Index of the first event for `id` in a list sorted stably by id, or n. */
static size_t find_first(const ev *sorted, size_t n, uint64_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sorted[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void test_concurrent_loads_and_observers(void)
{
	pthread_t lt[LOADERS], wt[WATCHERS];
	atomic_store(&loaders_running, LOADERS);
	for (int w = 0; w < WATCHERS; w++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&wt[w], NULL, watcher, (void *)(intptr_t)w), 0);
	for (int i = 0; i < LOADERS; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&lt[i], NULL, loader, (void *)(intptr_t)i), 0);
	for (int i = 0; i < LOADERS; i++)
		pthread_join(lt[i], NULL);
	for (int w = 0; w < WATCHERS; w++)
		pthread_join(wt[w], NULL);

	CU_ASSERT_EQUAL(atomic_load(&loader_failures), 0);

	size_t total_sessions = 0, checked_loads = 0, checked_unloads = 0, order_faults = 0;
	size_t missed = 0, duplicates = 0, unmapped = 0;
	for (int w = 0; w < WATCHERS; w++) {
		for (size_t k = 0; k < nsessions[w]; k++) {
			session *s = sessions[w][k];
			total_sessions++;
			unmapped += (size_t)atomic_load(&s->bad_remove_unmapped);
			/* Per image: at most one add, at most one remove, add first.
			 * A stable sort keeps each image's events in arrival order. */
			for (size_t i = 1; i < s->n; i++) { /* insertion sort is stable */
				ev x = s->events[i];
				size_t j = i;
				while (j > 0 && cmp_ev(&s->events[j - 1], &x) > 0) {
					s->events[j] = s->events[j - 1];
					j--;
				}
				s->events[j] = x;
			}
			for (size_t i = 0; i < s->n;) {
				size_t j = i, adds = 0, removes = 0;
				bool remove_first = !s->events[i].add;
				for (; j < s->n && s->events[j].id == s->events[i].id; j++)
					s->events[j].add ? adds++ : removes++;
				duplicates += adds > 1 || removes > 1;
				order_faults += remove_first;
				i = j;
			}
			/* Nothing missed while registered. */
			for (int l = 0; l < LOADERS; l++) {
				for (int i = 0; i < ITERATIONS; i++) {
					const op *o = &ops[l][i];
					if (!o->id)
						continue;
					size_t at = find_first(s->events, s->n, o->id);
					bool has_add = false, has_remove = false;
					for (size_t e = at; e < s->n && s->events[e].id == o->id; e++)
						s->events[e].add ? (has_add = true) : (has_remove = true);
					if (o->load_begin > s->registered && o->load_end < s->unregistering) {
						checked_loads++;
						missed += !has_add;
					}
					if (o->unload_begin > s->registered && o->unload_end < s->unregistering) {
						checked_unloads++;
						missed += !has_remove;
					}
				}
			}
			free(s->events);
			pthread_mutex_destroy(&s->lock);
			free(s);
		}
	}
	printf("\n  stress: %d loads, %zu observer sessions, %zu loads and %zu unloads "
	       "checked against sessions\n", LOADERS * ITERATIONS, total_sessions, checked_loads, checked_unloads);
	CU_ASSERT(total_sessions >= WATCHERS);
	CU_ASSERT(checked_loads > 0);
	CU_ASSERT_EQUAL(duplicates, 0);
	CU_ASSERT_EQUAL(order_faults, 0);
	CU_ASSERT_EQUAL(missed, 0);
	CU_ASSERT_EQUAL(unmapped, 0);

	/* Nothing of ours is left in the registry. */
	signet_image *img = NULL;
	for (int i = 0; i < LOADERS; i++) {
		char name[32];
		snprintf(name, sizeof name, "libfixture%d.so", i);
		CU_ASSERT_EQUAL(signet_registry_find_name(&img, name, NULL), SIGNET_E_NOT_FOUND);
	}
}

int main(void)
{
	static const sg_test tests[] = {
		{ "8 loaders x 1000 with 4 observer threads: ordered, exactly once, nothing missed",
		  test_concurrent_loads_and_observers },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "stress", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
