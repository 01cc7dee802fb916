/* SPDX-License-Identifier: MIT */
/*
 * test_races.c - loads and unloads of one image from several threads at
 * once: one record, one add and one remove per record for every observer,
 * a load never returns before the observers heard of its image, and two
 * unloads of one load cannot both succeed. Run under TSan in CI.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* ---- an observer that keeps per-record counts for one path ---- */

#define MAX_RECORDS 4096

typedef struct tally {
	pthread_mutex_t lock;
	const char *path;          /* only this image is counted */
	uint64_t ids[MAX_RECORDS]; /* record ids seen, in order of first add */
	unsigned adds[MAX_RECORDS], removes[MAX_RECORDS];
	size_t n;
	unsigned faults;           /* remove before add, second add, second remove */
	atomic_int block_adds;     /* while set, add callbacks wait (test_load_waits_for_observers) */
	atomic_int in_add;
} tally;

static tally t = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t slot_locked(uint64_t id)
{
	for (size_t i = 0; i < t.n; i++)
		if (t.ids[i] == id)
			return i;
	if (t.n == MAX_RECORDS)
		return MAX_RECORDS;
	t.ids[t.n] = id;
	t.adds[t.n] = t.removes[t.n] = 0;
	return t.n++;
}

static void on_add(const signet_image *img, void *payload)
{
	(void)payload;
	if (!t.path || strcmp(signet_image_path(img), t.path) != 0)
		return;
	atomic_store(&t.in_add, 1);
	while (atomic_load(&t.block_adds))
		usleep(1000);
	pthread_mutex_lock(&t.lock);
	size_t k = slot_locked(signet_image_id(img));
	if (k == MAX_RECORDS || t.adds[k]++ != 0 || t.removes[k] != 0)
		t.faults++;
	pthread_mutex_unlock(&t.lock);
	atomic_store(&t.in_add, 0);
}

static void on_remove(const signet_image *img, void *payload)
{
	(void)payload;
	if (!t.path || strcmp(signet_image_path(img), t.path) != 0)
		return;
	pthread_mutex_lock(&t.lock);
	size_t k = slot_locked(signet_image_id(img));
	if (k == MAX_RECORDS || t.adds[k] != 1 || t.removes[k]++ != 0)
		t.faults++;
	pthread_mutex_unlock(&t.lock);
}

/* Has the observer been told of this record's add? */
static bool added(uint64_t id)
{
	pthread_mutex_lock(&t.lock);
	bool yes = false;
	for (size_t i = 0; i < t.n; i++)
		if (t.ids[i] == id)
			yes = t.adds[i] == 1;
	pthread_mutex_unlock(&t.lock);
	return yes;
}

static signet_observer_token observe(const char *path)
{
	pthread_mutex_lock(&t.lock);
	t.path = path;
	t.n = 0;
	t.faults = 0;
	pthread_mutex_unlock(&t.lock);
	signet_observer_token token = 0;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_registry_add_observer(&token, on_add, on_remove, NULL, &err), &err);
	return token;
}

/* Every record seen got exactly one add and one remove; returns how many records. */
static size_t stop_observing(signet_observer_token token)
{
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_registry_remove_observer(token, &err), &err);
	pthread_mutex_lock(&t.lock);
	size_t n = t.n;
	CU_ASSERT_EQUAL(t.faults, 0);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(t.adds[i], 1);
		CU_ASSERT_EQUAL(t.removes[i], 1);
	}
	t.path = NULL;
	pthread_mutex_unlock(&t.lock);
	return n;
}

/* ---- many threads, one file ---- */

typedef struct worker {
	const char *path;
	int rounds;
	unsigned failures, unseen;
} worker;

static void *load_unload(void *arg)
{
	worker *w = arg;
	for (int i = 0; i < w->rounds; i++) {
		signet_image *img = NULL;
		signet_error *err = NULL;
		if (signet_load(&img, w->path, sg_test_policy(), &err) != 0) {
			fprintf(stderr, "  load failed: %s\n", signet_error_message(err));
			signet_error_free(err);
			w->failures++;
			continue;
		}
		/* The promise of loader.h: add observers have seen it when the call returns. */
		if (!added(signet_image_id(img)))
			w->unseen++;
		void *sym = NULL;
		if (signet_image_symbol(&sym, img, "fixture_id", NULL) != 0)
			w->failures++;
		if (signet_unload(img, &err) != 0) {
			fprintf(stderr, "  unload failed: %s\n", signet_error_message(err));
			signet_error_free(err);
			w->failures++;
		}
	}
	return NULL;
}

/*
 * Six threads loading and unloading one file: loads of the same image
 * share one record, a last unload races other threads' loads, and each
 * record an observer hears of gets one add and one remove.
 */
static void test_threads_load_one_file(void)
{
	const char *path = sg_fixture("libfixture5.so");
	signet_observer_token token = observe(path);
	enum { THREADS = 6 };
	pthread_t th[THREADS];
	worker w[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (worker){ .path = path, .rounds = 150 };
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, load_unload, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		CU_ASSERT_EQUAL(w[i].failures, 0);
		CU_ASSERT_EQUAL(w[i].unseen, 0);
	}
	size_t records = stop_observing(token);
	/* At least one record; at most one per load (each overlap shares one). */
	CU_ASSERT(records >= 1 && records <= THREADS * 150);
	fprintf(stderr, "  %d loads of one file from %d threads: %zu records\n", THREADS * 150, THREADS, records);
	signet_image *img = NULL;
	CU_ASSERT_EQUAL(signet_registry_find_name(&img, path, NULL), SIGNET_E_NOT_FOUND);
}

/* ---- a second load waits for the first load's observers ---- */

typedef struct second {
	const char *path;
	atomic_int returned;
	signet_image *img;
	bool seen_when_returned;
} second;

static void *first_load(void *arg)
{
	second *s = arg;
	signet_image *img = NULL;
	if (signet_load(&img, s->path, sg_test_policy(), NULL) == 0)
		s->img = img;
	return NULL;
}

static void *second_load(void *arg)
{
	second *s = arg;
	signet_image *img = NULL;
	if (signet_load(&img, s->path, sg_test_policy(), NULL) == 0) {
		s->seen_when_returned = added(signet_image_id(img));
		if (signet_unload(img, NULL) != 0)
			s->seen_when_returned = false;
	}
	atomic_store(&s->returned, 1);
	return NULL;
}

static void test_second_load_waits_for_observers(void)
{
	const char *path = sg_fixture("libfixture6.so");
	signet_observer_token token = observe(path);
	second s = { .path = path };
	/* The first load's add callback blocks: its record stays "being added". */
	atomic_store(&t.block_adds, 1);
	pthread_t a, b;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&a, NULL, first_load, &s), 0);
	while (!atomic_load(&t.in_add))
		usleep(1000);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&b, NULL, second_load, &s), 0);
	usleep(300 * 1000);
	/* The same image, already mapped, but its observers have not heard of it yet. */
	CU_ASSERT_EQUAL(atomic_load(&s.returned), 0);
	atomic_store(&t.block_adds, 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	CU_ASSERT_EQUAL(atomic_load(&s.returned), 1);
	CU_ASSERT(s.seen_when_returned);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s.img);
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_unload(s.img, &err), &err);
	CU_ASSERT_EQUAL(stop_observing(token), 1);
}

/* ---- two unloads of one load ---- */

typedef struct duel {
	pthread_barrier_t start;
	signet_image *img;
	int rc[2];
	signet_error *err[2];
} duel;

static duel d;

static void *unload_once(void *arg)
{
	int k = (int)(intptr_t)arg;
	pthread_barrier_wait(&d.start);
	d.rc[k] = signet_unload(d.img, &d.err[k]);
	return NULL;
}

/*
 * One load, two threads unloading it at once (the caller keeps its own
 * reference, so the record outlives both): exactly one succeeds, the other
 * gets SIGNET_E_NOT_LOADED, and observers hear one remove.
 */
static void test_two_unloads_of_one_load(void)
{
	const char *path = sg_fixture("libfixture7.so");
	signet_observer_token token = observe(path);
	for (int round = 0; round < 200; round++) {
		signet_error *err = NULL;
		SG_ASSERT_OK(signet_load(&d.img, path, sg_test_policy(), &err), &err);
		signet_image *keep = signet_image_retain(d.img);
		pthread_barrier_init(&d.start, NULL, 2);
		pthread_t a, b;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&a, NULL, unload_once, (void *)0), 0);
		CU_ASSERT_EQUAL_FATAL(pthread_create(&b, NULL, unload_once, (void *)1), 0);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		pthread_barrier_destroy(&d.start);
		CU_ASSERT_EQUAL((d.rc[0] == 0) + (d.rc[1] == 0), 1);
		int lost = d.rc[0] == 0 ? 1 : 0;
		CU_ASSERT_EQUAL(d.rc[lost], SIGNET_E_NOT_LOADED);
		CU_ASSERT_PTR_NOT_NULL(d.err[lost]);
		if (d.err[lost])
			CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(d.err[lost]), "no load of it is outstanding"));
		signet_error_free(d.err[0]);
		signet_error_free(d.err[1]);
		d.err[0] = d.err[1] = NULL;
		CU_ASSERT_FALSE(signet_image_is_mapped(keep));
		/* And a third, later: still refused, the record is still valid memory (our reference). */
		CU_ASSERT_EQUAL(signet_unload(keep, NULL), SIGNET_E_NOT_LOADED);
		signet_image_free(keep);
	}
	CU_ASSERT_EQUAL(stop_observing(token), 200);
}

int main(void)
{
	static const sg_test tests[] = {
		{ "six threads load and unload one file: one add, one remove per record", test_threads_load_one_file },
		{ "a second load of an image waits for its add observers", test_second_load_waits_for_observers },
		{ "two unloads of one load: exactly one succeeds", test_two_unloads_of_one_load },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "races", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
