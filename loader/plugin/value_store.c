/* SPDX-License-Identifier: MIT */
/* value_store.c - the memory, mappings and descriptors a received value owns. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/array.h"
#include "plugin/value_store.h"

typedef struct mapping {
	void *addr;
	size_t length;
} mapping;

struct sg_value_store {
	SG_ARRAY(void *) blocks;
	SG_ARRAY(mapping) mappings;
	SG_ARRAY(int) fds;
};

sg_value_store *sg_value_store_new(void)
{
	return calloc(1, sizeof(sg_value_store));
}

void *sg_value_store_alloc(sg_value_store *s, size_t n)
{
	if (sg_array_reserve(&s->blocks, 1) != 0)
		return NULL;
	void *p = calloc(1, n ? n : 1);
	if (p)
		s->blocks.items[s->blocks.n++] = p;
	return p;
}

char *sg_value_store_strndup(sg_value_store *s, const char *p, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *copy = sg_value_store_alloc(s, n + 1);
	if (copy)
		memcpy(copy, p, n);
	return copy;
}

int sg_value_store_add_fd(sg_value_store *s, int fd)
{
	if (sg_array_push(&s->fds, fd) != 0) {
		close(fd);
		return -1;
	}
	return 0;
}

int sg_value_store_add_mapping(sg_value_store *s, void *addr, size_t length)
{
	if (sg_array_push(&s->mappings, ((mapping){ addr, length })) != 0) {
		munmap(addr, length);
		return -1;
	}
	return 0;
}

void sg_value_store_free(sg_value_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->blocks.n; i++)
		free(s->blocks.items[i]);
	for (size_t i = 0; i < s->mappings.n; i++)
		munmap(s->mappings.items[i].addr, s->mappings.items[i].length);
	for (size_t i = 0; i < s->fds.n; i++)
		close(s->fds.items[i]);
	sg_array_clear(&s->blocks);
	sg_array_clear(&s->mappings);
	sg_array_clear(&s->fds);
	free(s);
}
