/* SPDX-License-Identifier: MIT */
/* array.c - growing the storage of an SG_ARRAY. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/array.h"

int sg_array_grow(void *items, size_t *cap, size_t n, size_t more, size_t item_size)
{
	if (more <= *cap - n)
		return 0;
	if (more > SIZE_MAX - n)
		return SIGNET_E_NOMEM;
	size_t need = n + more, ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return SIGNET_E_NOMEM;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / item_size)
		return SIGNET_E_NOMEM;
	/* The storage pointer is read and written as bytes: `items` is some T **. */
	void *old;
	memcpy(&old, items, sizeof old);
	void *grown = realloc(old, ncap * item_size);
	if (!grown)
		return SIGNET_E_NOMEM;
	memcpy(items, &grown, sizeof grown);
	*cap = ncap;
	return 0;
}
