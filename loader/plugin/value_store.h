/* SPDX-License-Identifier: MIT */
/*
 * value_store.h - what a received value owns: memory, mappings and file
 * descriptors, freed (and closed) together by signet_value_clear().
 *
 * A value handed to the caller (a plugin method's string result, a value
 * decoded from a connection: strings, buffers, arrays, dictionaries and
 * descriptors nested at any depth) points into one store, kept in the
 * value's private `owned_`. The store grows while the value is built and is
 * then only freed. Not thread-safe while built; immutable after.
 */
#ifndef SIGNET_PLUGIN_VALUE_STORE_H
#define SIGNET_PLUGIN_VALUE_STORE_H

#include <stddef.h>

typedef struct sg_value_store sg_value_store;

/* NULL when out of memory. */
sg_value_store *sg_value_store_new(void);

/* `n` zeroed bytes that live as long as the store; NULL when out of memory. */
void *sg_value_store_alloc(sg_value_store *s, size_t n);

/* A NUL-terminated copy of `n` bytes of `p`; NULL when out of memory. */
char *sg_value_store_strndup(sg_value_store *s, const char *p, size_t n);

/* The store takes `fd` (closed with it, or now when out of memory): 0, or -1. */
int sg_value_store_add_fd(sg_value_store *s, int fd);

/* The store takes a mapping (munmap()ed with it, or now when out of memory): 0, or -1. */
int sg_value_store_add_mapping(sg_value_store *s, void *addr, size_t length);

/* Frees every block, unmaps every mapping, closes every descriptor. NULL is a no-op. */
void sg_value_store_free(sg_value_store *s);

#endif /* SIGNET_PLUGIN_VALUE_STORE_H */
