/* SPDX-License-Identifier: MIT */
/*
 * thread_keys.c - pthread keys of the audit module's own namespace.
 *
 * ld.so loads an audit module, with its dependencies and a libc of their
 * own, into a link-map namespace of its own. But a thread has one thread
 * descriptor, the program's, and glibc keeps thread-specific data there,
 * indexed by key number, while each libc hands out key numbers from its
 * own table: the module's libcrypto gets key 0 for its error state, the
 * program's libcrypto gets key 0 too, and each reads the other's pointer
 * (glibc 2.36; seen as OPENSSL_cleanup() crashing at exit of a python3
 * that imported ssl). Worse, a key past 31 makes libc allocate a block the
 * program's libc frees at thread exit.
 *
 * So the module defines the four key functions itself. It is the first
 * object of its namespace, so its libcrypto, libsystemd and the rest bind
 * to these (an unversioned definition satisfies their versioned
 * references); the program's namespace never sees them. Values live in
 * this module's own thread-local storage, which ld.so keeps apart per
 * namespace. Destructors are recorded but not run: the program's libc ends
 * threads and knows nothing of them, so per-thread state OpenSSL made on a
 * thread that loaded a library (its error queue, a few hundred bytes)
 * stays until the process exits (docs/audit.md, "Limits").
 *
 * Thread-safety: creation and deletion under a mutex; get and set touch
 * only the calling thread's values and read a key's generation atomically.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* OpenSSL takes a handful; systemd and jansson a few more. */
#define MAX_KEYS 64

#define KEY_EXPORT __attribute__((visibility("default")))

/* A key's generation: odd while it exists, so values set under an earlier life of the number read as NULL. */
static atomic_uint generation[MAX_KEYS];
static pthread_mutex_t keys_lock = PTHREAD_MUTEX_INITIALIZER;

struct slot {
	unsigned generation;
	const void *value;
};
static __thread struct slot slots[MAX_KEYS];

KEY_EXPORT int pthread_key_create(pthread_key_t *key, void (*destructor)(void *))
{
	(void)destructor; /* never run: see the top of this file */
	pthread_mutex_lock(&keys_lock);
	for (unsigned i = 0; i < MAX_KEYS; i++) {
		unsigned g = atomic_load(&generation[i]);
		if (!(g & 1u)) {
			atomic_store(&generation[i], g + 1);
			pthread_mutex_unlock(&keys_lock);
			*key = i;
			return 0;
		}
	}
	pthread_mutex_unlock(&keys_lock);
	return EAGAIN;
}

KEY_EXPORT int pthread_key_delete(pthread_key_t key)
{
	if (key >= MAX_KEYS)
		return EINVAL;
	pthread_mutex_lock(&keys_lock);
	unsigned g = atomic_load(&generation[key]);
	int rc = EINVAL;
	if (g & 1u) {
		atomic_store(&generation[key], g + 1);
		rc = 0;
	}
	pthread_mutex_unlock(&keys_lock);
	return rc;
}

KEY_EXPORT void *pthread_getspecific(pthread_key_t key)
{
	if (key >= MAX_KEYS || slots[key].generation != atomic_load(&generation[key]))
		return NULL;
	return (void *)(uintptr_t)slots[key].value;
}

KEY_EXPORT int pthread_setspecific(pthread_key_t key, const void *value)
{
	if (key >= MAX_KEYS)
		return EINVAL;
	unsigned g = atomic_load(&generation[key]);
	if (!(g & 1u))
		return EINVAL;
	slots[key] = (struct slot){ .generation = g, .value = value };
	return 0;
}
