/* SPDX-License-Identifier: MIT */
/*
 * parallel.h - N pieces of work prepared on several threads, finished in
 * order on the calling one.
 *
 * The batch calls (signet_load_many(), signet_preflight_many(),
 * signet_host_load_bundles()) all have the same shape: a slow part that
 * may run anywhere (snapshot, ELF checks, signature, policy) and a part
 * that must run in the caller's order on the caller's thread (the
 * dependency closure, dlopen(), the registry commit: serialized anyway,
 * and the load order must not depend on which thread was fastest).
 *
 * sg_pipeline_run() starts up to `workers` threads; each takes the next
 * index from an atomic counter and prepares it. The calling thread waits
 * for index 0, commits it, waits for index 1, and so on, while the workers
 * go ahead, but never more than `window` indexes past the last commit (so
 * a batch of a thousand images holds a few sealed snapshots at a time,
 * not a thousand descriptors). With one worker nothing is started:
 * prepare and commit alternate on the calling thread, exactly as one call
 * after another.
 *
 * Nested parallelism: page hashing spreads over every core by itself
 * (codesign/pagehash.c). While a pipeline with several workers runs, its
 * threads (and the calling one) are "pipeline threads", and
 * sg_parallel_hash_threads() tells verification to hash on one core: the
 * cores are already busy with other images, and N verifications each
 * starting a thread per core would only add threads.
 *
 * Thread-safety: sg_pipeline_run() may be called from any thread, also
 * concurrently; the callbacks' own state is theirs to guard (prepare runs
 * concurrently for distinct indexes; commit(i) runs after prepare(i) has
 * returned, with what prepare wrote visible to it). Worker threads block
 * every signal, so the host's signal handling never runs on them.
 */
#ifndef SIGNET_CORE_PARALLEL_H
#define SIGNET_CORE_PARALLEL_H

#include <stddef.h>

/* More threads than this never help a batch: the cap of a worker count. */
#define SG_PARALLEL_MAX_WORKERS 64u

typedef struct sg_pipeline {
	size_t count;
	unsigned workers;  /* 0: one per online CPU; capped by count and SG_PARALLEL_MAX_WORKERS */
	size_t window;     /* how far preparation may run ahead of the commits; 0: no limit */
	void (*prepare)(void *ctx, size_t index);
	void (*commit)(void *ctx, size_t index); /* may be NULL */
	void *ctx;
} sg_pipeline;

/*
 * The worker count a batch of `count` gets for `requested` (0: online
 * CPUs): at least 1, at most count and SG_PARALLEL_MAX_WORKERS.
 */
unsigned sg_parallel_workers(size_t count, unsigned requested);

/*
 * Prepares and commits every index (see above); returns when all are
 * committed and every worker has ended. Returns the number of threads that
 * prepared (1 when the calling thread did it all). Never fails: a thread
 * that cannot be started leaves its share to those that did, and with none
 * started (or no memory for the bookkeeping) everything runs one by one on
 * the calling thread.
 */
unsigned sg_pipeline_run(const sg_pipeline *p);

/*
 * Page-hash workers for a verification on this thread: 1 on a pipeline
 * thread, else 0 (one per online CPU; signet_verify_options.threads).
 */
unsigned sg_parallel_hash_threads(void);

#endif /* SIGNET_CORE_PARALLEL_H */
