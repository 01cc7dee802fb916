/* SPDX-License-Identifier: MIT */
/*
 * test_pipeline.c - core/parallel.h, white box: commits in index order on
 * the calling thread, preparation never further ahead than the window,
 * one hashing core per verification on pipeline threads (all cores
 * otherwise), one worker meaning one by one on the caller, workers that
 * block signals, and the worker count's caps.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/parallel.h"
#include "harness.h"

#define N 200

typedef struct rec {
	pthread_t caller;
	atomic_size_t committed;        /* commits made so far */
	atomic_size_t max_ahead;        /* the furthest a prepare ran past the commits */
	atomic_bool prepared[N];
	atomic_uint hash_threads[N];    /* sg_parallel_hash_threads() where each index was prepared */
	atomic_bool on_caller[N];       /* prepared on the calling thread */
	atomic_bool sigint_blocked[N];  /* SIGINT blocked where it was prepared */
	size_t order[N];                /* commit order */
	bool commit_on_caller, commit_before_prepare;
	unsigned commit_hash_threads;
	char trace[2 * N + 1];          /* 'p'/'c' as they happened (one worker only) */
	atomic_size_t tn;
} rec;

static void prepare(void *ctx, size_t i)
{
	rec *r = ctx;
	size_t done = atomic_load(&r->committed);
	size_t ahead = i >= done ? i - done : 0, seen = atomic_load(&r->max_ahead);
	while (ahead > seen && !atomic_compare_exchange_weak(&r->max_ahead, &seen, ahead))
		;
	atomic_store(&r->hash_threads[i], sg_parallel_hash_threads());
	atomic_store(&r->on_caller[i], pthread_equal(pthread_self(), r->caller) != 0);
	sigset_t now;
	pthread_sigmask(SIG_BLOCK, NULL, &now);
	atomic_store(&r->sigint_blocked[i], sigismember(&now, SIGINT) == 1);
	/* Some work, so that workers overlap. */
	volatile unsigned long x = 0;
	for (unsigned long k = 0; k < 20000; k++)
		x += k;
	atomic_store(&r->prepared[i], true);
	size_t t = atomic_fetch_add(&r->tn, 1);
	if (t < 2 * N)
		r->trace[t] = 'p';
}

static void commit(void *ctx, size_t i)
{
	rec *r = ctx;
	size_t k = atomic_load(&r->committed);
	if (k < N)
		r->order[k] = i;
	if (!pthread_equal(pthread_self(), r->caller))
		r->commit_on_caller = false;
	if (!atomic_load(&r->prepared[i]))
		r->commit_before_prepare = true;
	r->commit_hash_threads = sg_parallel_hash_threads();
	size_t t = atomic_fetch_add(&r->tn, 1);
	if (t < 2 * N)
		r->trace[t] = 'c';
	atomic_store(&r->committed, k + 1);
}

static rec *new_rec(void)
{
	rec *r = calloc(1, sizeof *r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	r->caller = pthread_self();
	r->commit_on_caller = true;
	return r;
}

static void test_commits_in_order_on_the_caller_within_the_window(void)
{
	rec *r = new_rec();
	sg_pipeline p = { .count = N, .workers = 4, .window = 8, .prepare = prepare, .commit = commit, .ctx = r };
	CU_ASSERT_EQUAL(sg_pipeline_run(&p), 4);
	CU_ASSERT_EQUAL(atomic_load(&r->committed), N);
	for (size_t i = 0; i < N; i++) {
		CU_ASSERT_EQUAL(r->order[i], i);
		CU_ASSERT(atomic_load(&r->prepared[i]));
		/* On a pipeline thread a verification hashes on one core. */
		CU_ASSERT_EQUAL(atomic_load(&r->hash_threads[i]), 1);
		/* Workers prepare; the caller only commits. */
		CU_ASSERT_FALSE(atomic_load(&r->on_caller[i]));
		CU_ASSERT(atomic_load(&r->sigint_blocked[i]));
	}
	CU_ASSERT(r->commit_on_caller);
	CU_ASSERT_FALSE(r->commit_before_prepare);
	/* A commit may verify dependencies: while workers run, on one core too. */
	CU_ASSERT_EQUAL(r->commit_hash_threads, 1);
	CU_ASSERT(atomic_load(&r->max_ahead) < 8);
	/* Back on the caller, outside the pipeline: all cores again, signals as they were. */
	CU_ASSERT_EQUAL(sg_parallel_hash_threads(), 0);
	sigset_t now;
	pthread_sigmask(SIG_BLOCK, NULL, &now);
	CU_ASSERT_EQUAL(sigismember(&now, SIGINT), 0);
	free(r);
}

static void test_one_worker_is_one_call_after_another(void)
{
	rec *r = new_rec();
	sg_pipeline p = { .count = N, .workers = 1, .window = 8, .prepare = prepare, .commit = commit, .ctx = r };
	CU_ASSERT_EQUAL(sg_pipeline_run(&p), 1);
	for (size_t i = 0; i < N; i++) {
		CU_ASSERT_EQUAL(r->order[i], i);
		CU_ASSERT(atomic_load(&r->on_caller[i]));
		/* Alone, a verification may spread its hashing over every core. */
		CU_ASSERT_EQUAL(atomic_load(&r->hash_threads[i]), 0);
		CU_ASSERT(r->trace[2 * i] == 'p' && r->trace[2 * i + 1] == 'c');
	}
	free(r);
}

static void test_without_commit_or_window(void)
{
	rec *r = new_rec();
	sg_pipeline p = { .count = N, .workers = 3, .prepare = prepare, .ctx = r };
	CU_ASSERT_EQUAL(sg_pipeline_run(&p), 3);
	for (size_t i = 0; i < N; i++)
		CU_ASSERT(atomic_load(&r->prepared[i]));
	CU_ASSERT_EQUAL(atomic_load(&r->committed), 0);
	free(r);
	/* Nothing to do is done at once. */
	r = new_rec();
	p = (sg_pipeline){ .count = 0, .workers = 8, .prepare = prepare, .commit = commit, .ctx = r };
	CU_ASSERT_EQUAL(sg_pipeline_run(&p), 1);
	CU_ASSERT_EQUAL(atomic_load(&r->tn), 0);
	free(r);
}

static void test_worker_count(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	CU_ASSERT_FATAL(cpus > 0);
	unsigned want = (unsigned)cpus < 5 ? (unsigned)cpus : 5;
	CU_ASSERT_EQUAL(sg_parallel_workers(5, 0), want);
	CU_ASSERT_EQUAL(sg_parallel_workers(3, 100), 3);
	CU_ASSERT_EQUAL(sg_parallel_workers(1000, 100), SG_PARALLEL_MAX_WORKERS);
	CU_ASSERT_EQUAL(sg_parallel_workers(0, 0), 1);
	CU_ASSERT_EQUAL(sg_parallel_workers(7, 1), 1);
}

int main(void)
{
	sg_watchdog(120);
	static const sg_test tests[] = {
		{ "commits_in_order_on_the_caller_within_the_window", test_commits_in_order_on_the_caller_within_the_window },
		{ "one_worker_is_one_call_after_another", test_one_worker_is_one_call_after_another },
		{ "without_commit_or_window", test_without_commit_or_window },
		{ "worker_count", test_worker_count },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "pipeline", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
