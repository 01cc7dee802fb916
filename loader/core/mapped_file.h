/* SPDX-License-Identifier: MIT */
/*
 * mapped_file.h - a read-only private mapping of a regular file, refused
 * before any read when it is not a regular file or exceeds a size limit.
 *
 * For tools and verification of files at rest. The loader does not use it:
 * it verifies a sealed snapshot instead, because a mapping of a file that
 * someone else can write may change under us.
 */
#ifndef SIGNET_MAPPED_FILE_H
#define SIGNET_MAPPED_FILE_H

#include <stddef.h>
#include <stdint.h>

#include <signet/error.h>

typedef struct sg_mapped_file {
	const uint8_t *bytes; /* NULL for an empty file */
	size_t length;
} sg_mapped_file;

/* SIGNET_E_IO (open/fstat/mmap, not a regular file), SIGNET_E_LIMIT. */
int sg_mapped_file_open(sg_mapped_file *out, const char *path, uint64_t max_size, signet_error **err);
void sg_mapped_file_close(sg_mapped_file *m);

#endif /* SIGNET_MAPPED_FILE_H */
