/* SPDX-License-Identifier: MIT */
/*
 * test_many.c - signet_load_many(): a batch of good, unsigned, tampered,
 * other-team and untrusted files gives, index by index, exactly what
 * signet_load() one by one gives (code, message, check, the very image),
 * whatever the worker count; the good ones are loaded and usable, add
 * observers hear of them in input order; counts 0 and 1, NULL entries,
 * duplicates, a soname held twice; refused from an observer; no code of a
 * refused file runs; all or nothing, refused before mapping and after;
 * batches from several threads at once (the TSan case).
 */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

/* The registry holds nothing named `name`. */
static void assert_not_loaded(const char *name)
{
	signet_image *img = NULL;
	CU_ASSERT_EQUAL(signet_registry_find_name(&img, name, NULL), SIGNET_E_NOT_FOUND);
	signet_image_free(img);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* Asserts one result: `code` and, when refused, a message containing `reason`. */
static void assert_result(const signet_load_result *r, int code, const char *reason)
{
	CU_ASSERT_EQUAL(r->code, code);
	if (code == 0) {
		CU_ASSERT_PTR_NOT_NULL(r->image);
		CU_ASSERT_PTR_NULL(r->error);
		return;
	}
	CU_ASSERT_PTR_NULL(r->image);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->error);
	CU_ASSERT_EQUAL(signet_error_code(r->error), code);
	if (!strstr(signet_error_message(r->error), reason)) {
		fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", signet_error_message(r->error), reason);
		CU_FAIL("a result's message does not give the expected reason");
	}
}

static void release(signet_load_result *r, size_t n)
{
	for (size_t i = n; i-- > 0;) {
		signet_error *err = NULL;
		if (r[i].image)
			SG_ASSERT_OK(signet_unload(r[i].image, &err), &err);
		signet_error_free(r[i].error);
		r[i] = (signet_load_result){ 0 };
	}
}

/* ---- the add observer: which images arrived, in order ---- */

typedef struct arrivals {
	bool live;        /* past the replay of what was already loaded */
	size_t n;
	char names[32][64];
} arrivals;

static void on_add(const signet_image *img, void *payload)
{
	arrivals *a = payload;
	if (a->live && a->n < 32)
		snprintf(a->names[a->n++], sizeof a->names[0], "%s", base_name(signet_image_path(img)));
}

/* ---- a mixed batch ---- */

#define MIXED 9
static const struct {
	const char *fixture; /* NULL: a NULL path */
	int code;
	const char *reason;
	int id;              /* fixture_id() of a good one */
} mixed[MIXED] = {
	{ "libfixture0.so", 0, NULL, 0 },
	{ "libunsigned.so", SIGNET_E_UNSIGNED, "not signed", 0 },
	{ "libfixture1.so", 0, NULL, 1 },
	{ "libtampered.so", SIGNET_E_PAGE_MISMATCH, "page 1 (file offset 0x1000", 0 },
	{ "libteamz.so", SIGNET_E_REQUIREMENT_UNMET, "wanted ABCDE12345, image has ZZZZZ99999", 0 },
	{ "libfixture2.so", 0, NULL, 2 },
	{ NULL, SIGNET_E_INVALID_ARGUMENT, "signet_load_many: path 6 is NULL or empty", 0 },
	{ "librogue.so", SIGNET_E_UNTRUSTED_ANCHOR, "librogue.so", 0 },
	{ "libfixture3.so", 0, NULL, 3 },
};

static void mixed_batch(unsigned workers)
{
	const char *paths[MIXED];
	char held[MIXED][PATH_MAX];
	for (size_t i = 0; i < MIXED; i++) {
		if (mixed[i].fixture)
			snprintf(held[i], sizeof held[i], "%s", sg_fixture(mixed[i].fixture));
		paths[i] = mixed[i].fixture ? held[i] : NULL;
	}
	arrivals *a = calloc(1, sizeof *a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	signet_error *err = NULL;
	signet_observer_token token;
	SG_ASSERT_OK(signet_registry_add_observer(&token, on_add, NULL, a, &err), &err);
	a->live = true;

	signet_load_result r[MIXED];
	signet_many_options o = SIGNET_MANY_OPTIONS_INIT;
	o.workers = workers;
	/* The first refusal in input order is the call's. */
	SG_ASSERT_FAILS(signet_load_many(r, paths, MIXED, sg_test_policy(), &o, &err), &err, SIGNET_E_UNSIGNED,
		"libunsigned.so: not signed");
	SG_ASSERT_OK(signet_registry_remove_observer(token, &err), &err);

	for (size_t i = 0; i < MIXED; i++) {
		assert_result(&r[i], mixed[i].code, mixed[i].reason);
		if (mixed[i].code)
			continue;
		/* Loaded and usable. */
		void *fn = NULL;
		SG_ASSERT_OK(signet_image_symbol(&fn, r[i].image, "fixture_id", &err), &err);
		CU_ASSERT_EQUAL(fn ? ((int (*)(void))(uintptr_t)fn)() : -1, mixed[i].id);
	}
	/* Observers heard of the good ones in input order, and of nothing else. */
	static const char *const order[] = { "libfixture0.so", "libfixture1.so", "libfixture2.so", "libfixture3.so" };
	CU_ASSERT_EQUAL(a->n, 4);
	for (size_t k = 0; k < 4 && k < a->n; k++)
		CU_ASSERT_STRING_EQUAL(a->names[k], order[k]);
	assert_not_loaded("libunsigned.so");
	assert_not_loaded("libtampered.so");
	assert_not_loaded("libteamz.so");
	assert_not_loaded("librogue.so");

	/* One by one, each file gives what its index gave: the same code, message and check, the same image. */
	for (size_t i = 0; i < MIXED; i++) {
		if (!paths[i])
			continue;
		signet_image *img = NULL;
		signet_error *one = NULL;
		int rc = signet_load(&img, paths[i], sg_test_policy(), &one);
		CU_ASSERT_EQUAL(rc, r[i].code);
		if (rc) {
			CU_ASSERT_STRING_EQUAL(signet_error_message(one), signet_error_message(r[i].error));
			CU_ASSERT_STRING_EQUAL(signet_error_check(one), signet_error_check(r[i].error));
			signet_error_free(one);
		} else {
			CU_ASSERT_PTR_EQUAL(img, r[i].image); /* one image, now loaded twice */
			SG_ASSERT_OK(signet_unload(img, &err), &err);
		}
	}
	release(r, MIXED);
	assert_not_loaded("libfixture0.so");
	assert_not_loaded("libfixture3.so");
	free(a);
}

static void test_mixed_batch_one_worker(void) { mixed_batch(1); }
static void test_mixed_batch_two_workers(void) { mixed_batch(2); }
static void test_mixed_batch_eight_workers(void) { mixed_batch(8); }
static void test_mixed_batch_online_cpus(void) { mixed_batch(0); }

/* ---- counts and arguments ---- */

static void test_counts_and_arguments(void)
{
	signet_error *err = NULL;
	/* Nothing to do: done, whatever the pointers. */
	CU_ASSERT_EQUAL(signet_load_many(NULL, NULL, 0, NULL, NULL, &err), 0);
	CU_ASSERT_PTR_NULL(err);

	/* One file, as signet_load(). */
	const char *one[] = { sg_fixture("libfixture4.so") };
	signet_load_result r[3];
	SG_ASSERT_OK(signet_load_many(r, one, 1, sg_test_policy(), NULL, &err), &err);
	assert_result(&r[0], 0, NULL);
	release(r, 1);
	const char *bad[] = { sg_fixture("libteamz.so") };
	SG_ASSERT_FAILS(signet_load_many(r, bad, 1, sg_test_policy(), NULL, &err), &err, SIGNET_E_REQUIREMENT_UNMET,
		"wanted ABCDE12345, image has ZZZZZ99999");
	assert_result(&r[0], SIGNET_E_REQUIREMENT_UNMET, "wanted ABCDE12345, image has ZZZZZ99999");
	release(r, 1);

	/* An empty path is refused for its index alone. */
	const char *empty[] = { "", sg_fixture("libfixture4.so") };
	SG_ASSERT_FAILS(signet_load_many(r, empty, 2, sg_test_policy(), NULL, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"path 0 is NULL or empty");
	assert_result(&r[0], SIGNET_E_INVALID_ARGUMENT, "path 0 is NULL or empty");
	assert_result(&r[1], 0, NULL);
	release(r, 2);

	/* The call itself refused: every result says why, nothing is loaded. */
	SG_ASSERT_FAILS(signet_load_many(NULL, one, 1, sg_test_policy(), NULL, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"needs results and paths for 1 files");
	SG_ASSERT_FAILS(signet_load_many(r, NULL, 3, sg_test_policy(), NULL, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"needs results and paths for 3 files");
	for (size_t i = 0; i < 3; i++)
		assert_result(&r[i], SIGNET_E_INVALID_ARGUMENT, "needs results and paths for 3 files");
	release(r, 3);
	signet_many_options o = SIGNET_MANY_OPTIONS_INIT;
	o.version = 99;
	SG_ASSERT_FAILS(signet_load_many(r, one, 1, sg_test_policy(), &o, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"signet_load_many: options of version 1 are expected");
	assert_result(&r[0], SIGNET_E_INVALID_ARGUMENT, "options of version 1 are expected");
	release(r, 1);
	assert_not_loaded("libfixture4.so");
}

/* ---- duplicates ---- */

static void test_duplicates_and_a_soname_held_twice(void)
{
	const char *paths[] = { sg_fixture("libfixture4.so"), sg_fixture("librace-a.so"), sg_fixture("libfixture4.so"),
		sg_fixture("librace-a2.so") };
	signet_load_result r[4];
	signet_error *err = NULL;
	SG_ASSERT_FAILS(signet_load_many(r, paths, 4, sg_test_policy(), NULL, &err), &err, SIGNET_E_SONAME_CONFLICT,
		"its soname librace.so is already held by");
	assert_result(&r[0], 0, NULL);
	assert_result(&r[1], 0, NULL);
	assert_result(&r[2], 0, NULL);
	/* The same library twice: one image holding two loads, as signet_load() twice. */
	CU_ASSERT_PTR_EQUAL(r[0].image, r[2].image);
	/* A different image with a soname already held, as one by one. */
	assert_result(&r[3], SIGNET_E_SONAME_CONFLICT, "its soname librace.so is already held by");
	CU_ASSERT_STRING_EQUAL(signet_error_check(r[3].error), "load.soname");
	signet_image *img = signet_image_retain(r[0].image); /* keeps the record for the last check */
	SG_ASSERT_OK(signet_unload(r[0].image, &err), &err);
	SG_ASSERT_OK(signet_unload(r[2].image, &err), &err);
	SG_ASSERT_FAILS(signet_unload(img, &err), &err, SIGNET_E_NOT_LOADED, "no load of it is outstanding");
	signet_image_free(img);
	r[0].image = r[2].image = NULL;
	release(r, 4);
	assert_not_loaded("libfixture4.so");
	assert_not_loaded("librace.so");
}

/* ---- reentrancy ---- */

typedef struct inside {
	bool done;
	int rc;
	signet_load_result r[2];
} inside;

static void load_many_inside(const signet_image *img, void *payload)
{
	(void)img;
	inside *in = payload;
	if (in->done)
		return;
	in->done = true;
	const char *paths[] = { sg_fixture("libfixture5.so"), sg_fixture("libfixture6.so") };
	in->rc = signet_load_many(in->r, paths, 2, sg_test_policy(), NULL, NULL);
}

static void test_refused_from_an_observer(void)
{
	inside in = { 0 };
	signet_error *err = NULL;
	signet_observer_token token;
	/* The replay of the main program calls it. */
	SG_ASSERT_OK(signet_registry_add_observer(&token, load_many_inside, NULL, &in, &err), &err);
	SG_ASSERT_OK(signet_registry_remove_observer(token, &err), &err);
	CU_ASSERT(in.done);
	CU_ASSERT_EQUAL(in.rc, SIGNET_E_IN_OBSERVER);
	for (size_t i = 0; i < 2; i++)
		assert_result(&in.r[i], SIGNET_E_IN_OBSERVER, "signet_load_many called from inside an image observer");
	release(in.r, 2);
	assert_not_loaded("libfixture5.so");
	assert_not_loaded("libfixture6.so");
}

/* ---- no code before verification; all or nothing ---- */

static const char *marker_path(void)
{
	static char marker[PATH_MAX];
	snprintf(marker, sizeof marker, "%s/marker", sg_sandbox());
	setenv("SIGNET_TEST_MARKER", marker, 1);
	unlink(marker);
	return marker;
}

static void test_no_code_of_a_refused_file_runs(void)
{
	const char *marker = marker_path();
	const char *paths[] = { sg_fixture("libmarker-tampered.so"), sg_fixture("libfixture7.so"),
		sg_fixture("libmarker-z.so") };
	signet_load_result r[3];
	CU_ASSERT_EQUAL(signet_load_many(r, paths, 3, sg_test_policy(), NULL, NULL), SIGNET_E_PAGE_MISMATCH);
	assert_result(&r[0], SIGNET_E_PAGE_MISMATCH, "was modified after signing");
	assert_result(&r[1], 0, NULL);
	assert_result(&r[2], SIGNET_E_REQUIREMENT_UNMET, "wanted ABCDE12345, image has ZZZZZ99999");
	CU_ASSERT_EQUAL(access(marker, F_OK), -1);
	release(r, 3);
	unsetenv("SIGNET_TEST_MARKER");
}

static void test_all_or_nothing(void)
{
	const char *marker = marker_path();
	signet_many_options o = SIGNET_MANY_OPTIONS_INIT;
	o.all_or_nothing = true;
	signet_load_result r[3];
	signet_error *err = NULL;

	/* Refused while verifying: nothing is mapped, no code of any of them runs. */
	const char *before[] = { sg_fixture("libmarker.so"), sg_fixture("libfixture4.so"), sg_fixture("libtampered.so") };
	SG_ASSERT_FAILS(signet_load_many(r, before, 3, sg_test_policy(), &o, &err), &err, SIGNET_E_PAGE_MISMATCH,
		"libtampered.so: page 1 (file offset 0x1000");
	assert_result(&r[0], SIGNET_E_BATCH_REFUSED, "libmarker.so: not loaded: ");
	assert_result(&r[1], SIGNET_E_BATCH_REFUSED, "libtampered.so was refused and the batch is all or nothing");
	assert_result(&r[2], SIGNET_E_PAGE_MISMATCH, "page 1 (file offset 0x1000");
	CU_ASSERT_STRING_EQUAL(signet_error_check(r[0].error), "load.batch");
	CU_ASSERT_STRING_EQUAL(signet_error_actual(r[0].error), before[2]);
	CU_ASSERT_EQUAL(access(marker, F_OK), -1);
	assert_not_loaded("libmarker.so");
	assert_not_loaded("libfixture4.so");
	release(r, 3);

	/* Refused after the first was mapped (a dependency): the first is given back. */
	const char *after[] = { sg_fixture("libmarker.so"), sg_fixture("missing/libapp.so") };
	SG_ASSERT_FAILS(signet_load_many(r, after, 2, sg_test_policy(), &o, &err), &err,
		SIGNET_E_DEPENDENCY_UNRESOLVED, "needs libdep.so.1");
	assert_result(&r[0], SIGNET_E_BATCH_REFUSED, "libmarker.so: loaded, then given back: ");
	assert_result(&r[1], SIGNET_E_DEPENDENCY_UNRESOLVED, "needs libdep.so.1");
	CU_ASSERT_EQUAL(access(marker, F_OK), 0); /* it did run: a load is given back, not undone */
	assert_not_loaded("libmarker.so");
	assert_not_loaded("libapp.so");
	release(r, 2);

	/* A NULL path refuses the batch too. */
	const char *hole[] = { sg_fixture("libfixture4.so"), NULL };
	SG_ASSERT_FAILS(signet_load_many(r, hole, 2, sg_test_policy(), &o, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"path 1 is NULL or empty");
	assert_result(&r[0], SIGNET_E_BATCH_REFUSED, "not loaded: path 1 (NULL or empty) was refused");
	release(r, 2);

	/* All good: all loaded. */
	const char *good[] = { sg_fixture("libfixture4.so"), sg_fixture("libfixture5.so") };
	SG_ASSERT_OK(signet_load_many(r, good, 2, sg_test_policy(), &o, &err), &err);
	assert_result(&r[0], 0, NULL);
	assert_result(&r[1], 0, NULL);
	release(r, 2);
	unsetenv("SIGNET_TEST_MARKER");
}

/* ---- batches from several threads at once ---- */

#define THREADS 4
#define ROUNDS 5
#define BATCH 10

static void *batches(void *arg)
{
	intptr_t bad = 0;
	const char **paths = arg;
	for (int round = 0; round < ROUNDS; round++) {
		signet_load_result r[BATCH];
		signet_many_options o = SIGNET_MANY_OPTIONS_INIT;
		o.workers = 3;
		if (signet_load_many(r, paths, BATCH, sg_test_policy(), &o, NULL) != SIGNET_E_UNSIGNED)
			bad++;
		for (size_t i = 0; i < BATCH; i++) {
			bool want_ok = i != BATCH - 1;
			if ((r[i].code == 0) != want_ok)
				bad++;
			void *fn = NULL;
			if (r[i].image && (signet_image_symbol(&fn, r[i].image, "fixture_id", NULL) != 0 ||
				((int (*)(void))(uintptr_t)fn)() != (int)(i % 8)))
				bad++;
		}
		for (size_t i = BATCH; i-- > 0;) {
			if (r[i].image && signet_unload(r[i].image, NULL) != 0)
				bad++;
			signet_error_free(r[i].error);
		}
	}
	return (void *)bad;
}

static void test_batches_from_several_threads(void)
{
	sg_watchdog(600);
	static char held[BATCH][PATH_MAX];
	const char *paths[BATCH];
	for (size_t i = 0; i < BATCH; i++) {
		char name[32];
		snprintf(name, sizeof name, i == BATCH - 1 ? "libunsigned.so" : "libfixture%zu.so", i % 8);
		snprintf(held[i], sizeof held[i], "%s", sg_fixture(name));
		paths[i] = held[i];
	}
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, batches, paths), 0);
	for (int i = 0; i < THREADS; i++) {
		void *bad = NULL;
		pthread_join(t[i], &bad);
		CU_ASSERT_EQUAL((intptr_t)bad, 0);
	}
	assert_not_loaded("libfixture0.so");
	assert_not_loaded("libfixture7.so");
}

int main(void)
{
	sg_watchdog(600);
	static const sg_test tests[] = {
		{ "mixed_batch_one_worker", test_mixed_batch_one_worker },
		{ "mixed_batch_two_workers", test_mixed_batch_two_workers },
		{ "mixed_batch_eight_workers", test_mixed_batch_eight_workers },
		{ "mixed_batch_online_cpus", test_mixed_batch_online_cpus },
		{ "counts_and_arguments", test_counts_and_arguments },
		{ "duplicates_and_a_soname_held_twice", test_duplicates_and_a_soname_held_twice },
		{ "refused_from_an_observer", test_refused_from_an_observer },
		{ "no_code_of_a_refused_file_runs", test_no_code_of_a_refused_file_runs },
		{ "all_or_nothing", test_all_or_nothing },
		{ "batches_from_several_threads", test_batches_from_several_threads },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "load_many", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
