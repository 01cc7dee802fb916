/* SPDX-License-Identifier: MIT */
/* parallel.c - prepared on several threads, committed in order (parallel.h). */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/parallel.h"

/* Set on every thread of a running pipeline with more than one worker. */
static _Thread_local bool on_pipeline;

unsigned sg_parallel_hash_threads(void)
{
	return on_pipeline ? 1u : 0u;
}

unsigned sg_parallel_workers(size_t count, unsigned requested)
{
	unsigned w = requested;
	if (w == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		w = n > 0 ? (unsigned)n : 1u;
	}
	if (w > SG_PARALLEL_MAX_WORKERS)
		w = SG_PARALLEL_MAX_WORKERS;
	if (w > count)
		w = (unsigned)count;
	return w ? w : 1u;
}

typedef struct run {
	const sg_pipeline *p;
	atomic_size_t next;    /* the next index to claim */
	pthread_mutex_t lock;  /* guards `done` and `committed`, and publishes what prepare wrote */
	pthread_cond_t cond;   /* an index done, or a commit made */
	bool *done;
	size_t committed;      /* indexes [0, committed) are committed */
} run;

static void *work(void *arg)
{
	run *r = arg;
	const sg_pipeline *p = r->p;
	on_pipeline = true;
	for (;;) {
		size_t i = atomic_fetch_add(&r->next, 1);
		if (i >= p->count)
			break;
		if (p->window) {
			/* Claims are handed out in order, so the index being committed is always claimed
			 * by someone who is not waiting here: this wait always ends. */
			pthread_mutex_lock(&r->lock);
			while (i - r->committed >= p->window)
				pthread_cond_wait(&r->cond, &r->lock);
			pthread_mutex_unlock(&r->lock);
		}
		p->prepare(p->ctx, i);
		pthread_mutex_lock(&r->lock);
		r->done[i] = true;
		pthread_cond_broadcast(&r->cond);
		pthread_mutex_unlock(&r->lock);
	}
	return NULL;
}

static void one_by_one(const sg_pipeline *p)
{
	for (size_t i = 0; i < p->count; i++) {
		p->prepare(p->ctx, i);
		if (p->commit)
			p->commit(p->ctx, i);
	}
}

unsigned sg_pipeline_run(const sg_pipeline *p)
{
	unsigned workers = sg_parallel_workers(p->count, p->workers);
	pthread_t tids[SG_PARALLEL_MAX_WORKERS];
	run r = { .p = p, .done = workers > 1 ? calloc(p->count, sizeof *r.done) : NULL };
	if (!r.done) {
		one_by_one(p);
		return 1;
	}
	atomic_init(&r.next, 0);
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.cond, NULL);
	/*
	 * Workers block every signal: a host's handler (or a signal meant for
	 * the host's own threads) must not land on a thread the library owns
	 * for the length of a batch.
	 */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	unsigned started = 0;
	while (started < workers && pthread_create(&tids[started], NULL, work, &r) == 0)
		started++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started == 0) {
		one_by_one(p);
	} else {
		bool was = on_pipeline;
		on_pipeline = true; /* a commit may verify dependencies: the cores are busy too */
		for (size_t i = 0; i < p->count; i++) {
			pthread_mutex_lock(&r.lock);
			while (!r.done[i])
				pthread_cond_wait(&r.cond, &r.lock);
			pthread_mutex_unlock(&r.lock);
			if (p->commit)
				p->commit(p->ctx, i);
			pthread_mutex_lock(&r.lock);
			r.committed = i + 1;
			pthread_cond_broadcast(&r.cond);
			pthread_mutex_unlock(&r.lock);
		}
		on_pipeline = was;
	}
	for (unsigned w = 0; w < started; w++)
		pthread_join(tids[w], NULL);
	pthread_cond_destroy(&r.cond);
	pthread_mutex_destroy(&r.lock);
	free(r.done);
	return started ? started : 1;
}
