/* SPDX-License-Identifier: MIT */
/*
 * file.h - opening and reading files whose paths an attacker may control.
 *
 * Every path Signet opens (a file to verify or load, a bundle member, a
 * dependency, the policy, anchors, keys, the image log) may name a FIFO, a
 * socket, a device, a directory or a huge sparse file. So, everywhere:
 *   - opening never blocks: O_NONBLOCK (a FIFO without a writer would wait
 *     forever; for a regular file the flag changes nothing);
 *   - anything but a regular file is refused, "not a regular file (a FIFO)",
 *     before a byte is read;
 *   - the size is checked from fstat() before a byte is read, and reads
 *     stop one byte past the limit in case the file grows meanwhile.
 * Errors name the path given for messages; open, type and read failures
 * carry the caller's check name, a size refusal "file.size".
 *
 * Ownership: descriptors and buffers returned are the caller's. Pure apart
 * from the system calls; thread-safe.
 */
#ifndef SIGNET_CORE_FILE_H
#define SIGNET_CORE_FILE_H

#include "core/export.h"

#include <stddef.h>
#include <stdint.h>

#include <signet/error.h>

/*
 * Opens `name` (relative to `dirfd`, or AT_FDCWD) read-only with
 * O_CLOEXEC | O_NOCTTY | O_NONBLOCK | `flags` (O_NOFOLLOW, for one), and
 * checks it with sg_file_check(). *fd gets the descriptor, *size (may be
 * NULL) its size. SIGNET_E_IO (cannot open, not a regular file: with
 * O_NOFOLLOW, a symlink is "not a regular file (a symlink)"),
 * SIGNET_E_LIMIT (over `max`).
 */
int sg_file_open_at(int *fd, uint64_t *size, int dirfd, const char *name, int flags, uint64_t max,
	const char *path, const char *check, signet_error **err) __attribute__((warn_unused_result));

/* The same for a path relative to the working directory. */
int sg_file_open(int *fd, uint64_t *size, const char *path, uint64_t max, const char *check,
	signet_error **err) __attribute__((warn_unused_result));

/*
 * For a descriptor opened elsewhere: fstat(), refuse a non-regular file
 * and a size over `max`. *size (may be NULL) gets the size.
 */
int sg_file_check(int fd, uint64_t *size, uint64_t max, const char *path, const char *check,
	signet_error **err) __attribute__((warn_unused_result));

/*
 * Reads from the descriptor's position to the end, at most `max` bytes
 * (SIGNET_E_LIMIT past that, whatever fstat() said before), into a
 * malloc'd buffer with a NUL after the *len bytes. SIGNET_E_IO, SIGNET_E_LIMIT,
 * SIGNET_E_NOMEM.
 */
int sg_file_read_fd(uint8_t **buf, size_t *len, int fd, size_t max, const char *path, const char *check,
	signet_error **err) __attribute__((warn_unused_result));

/* sg_file_open() then sg_file_read_fd(): a whole small file. */
SG_PRIVATE int sg_file_read(uint8_t **buf, size_t *len, const char *path, size_t max, const char *check,
	signet_error **err) __attribute__((warn_unused_result));

/*
 * sg_file_open_at() then sg_file_read_fd(): a whole small file beneath
 * `dirfd`. Also the way to read /proc files, which report size 0 and are
 * read to their end, at most `max` bytes (SIGNET_E_LIMIT past that).
 */
int sg_file_read_at(uint8_t **buf, size_t *len, int dirfd, const char *name, int flags, size_t max,
	const char *path, const char *check, signet_error **err) __attribute__((warn_unused_result));

/*
 * A read-only private mapping of a whole regular file at rest, for tools
 * and for libraries only root can write (platform libraries). The loader
 * never maps a file it verifies this way: someone else may write it while
 * it is mapped, so it snapshots into a sealed memfd instead (load/snapshot.h).
 */
typedef struct sg_mapped_file {
	const uint8_t *bytes; /* NULL for an empty file */
	size_t length;
} sg_mapped_file;

/* SIGNET_E_IO (open, not a regular file, mmap), SIGNET_E_LIMIT, SIGNET_E_NOMEM. */
SG_PRIVATE int sg_mapped_file_open(sg_mapped_file *out, const char *path, uint64_t max_size, signet_error **err)
	__attribute__((warn_unused_result));

/* The same for `size` bytes of a descriptor the caller opened (and keeps). */
int sg_mapped_file_from_fd(sg_mapped_file *out, int fd, uint64_t size, const char *path, signet_error **err)
	__attribute__((warn_unused_result));
SG_PRIVATE void sg_mapped_file_close(sg_mapped_file *m);

#endif /* SIGNET_CORE_FILE_H */
