/* SPDX-License-Identifier: MIT */
/*
 * prefcache_internal.h - the preflight cache's parts (docs/preflight-cache.md):
 *
 *   cachefile.c  the key and the file: reading a hostile file, the MAC,
 *                writing it whole;
 *   identity.c   what an entry records of the files it depends on, and
 *                whether they are still so;
 *   prefcache.c  the public API: the table, lookups, stores, saves.
 *
 * Pure apart from the file system calls; thread-safe on distinct data
 * (prefcache.c holds the handle's lock around its table).
 */
#ifndef SIGNET_PREFCACHE_INTERNAL_H
#define SIGNET_PREFCACHE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <signet/error.h>

#include "core/array.h"

/* The file format this build reads and writes (the header's and the body's "format"). */
#define SG_PC_FORMAT 1
#define SG_PC_KEY_SIZE 32u
#define SG_PC_MAC_SIZE 32u
#define SG_PC_KEY_NAME "preflight.key"

/*
 * How long after a file changes its ctime may still read as earlier: the
 * coarse clock file systems stamp with lags by up to a tick (4 ms at
 * HZ=250, 10 ms at HZ=100). A file system that keeps whole seconds (its
 * nanoseconds are 0) gets two.
 */
#define SG_PC_SLACK_NS (50LL * 1000 * 1000)
#define SG_PC_SLACK_COARSE_NS (2LL * 1000 * 1000 * 1000)

/* ---- cachefile.c -------------------------------------------------------- */

/*
 * Reads the key at `key_path`: 0, or why it cannot be used (SIGNET_E_IO,
 * check prefcache.key: missing (os errno ENOENT), not a regular file, not
 * this user's, readable or writable by others, not 32 bytes; SIGNET_E_LIMIT).
 */
int sg_pc_key_read(uint8_t key[SG_PC_KEY_SIZE], const char *key_path, signet_error **err);

/*
 * The key, made when missing or unusable: 32 random bytes in a temporary
 * file (O_EXCL, 0600) linked into place, so that two processes making one
 * at once agree on one (the later reads the earlier's). SIGNET_E_IO
 * (prefcache.key), SIGNET_E_NOMEM.
 */
int sg_pc_key_ensure(uint8_t key[SG_PC_KEY_SIZE], const char *key_path, signet_error **err);

/*
 * One entry as the file holds it: its key, and its line, the entry object's
 * JSON text (no newline). Oldest first in a file; a dropped entry keeps its
 * place with `text` NULL until the next write.
 */
typedef struct sg_pc_line {
	char *key;          /* owned */
	char *text;         /* into the file's bytes, or owned when `owned` */
	size_t len;
	bool owned;
} sg_pc_line;
typedef SG_ARRAY(sg_pc_line) sg_pc_lines;

/* Frees the keys and the owned texts, and the array. */
void sg_pc_lines_clear(sg_pc_lines *l);

/*
 * Reads the cache file at `path`, checked with the key at `key_path`: 0,
 * with *bytes the file (which the lines point into; free() it after them),
 * *lines its entries and *index its index, key -> position in *lines;
 * SIGNET_E_NOT_FOUND (no file, no error object); or why it is not used, as
 * signet_preflight_cache_status() describes. `policy_hex` and `host_api`
 * must be the file's. Entries are not parsed: each is when it is looked up.
 */
int sg_pc_file_read(uint8_t **bytes, sg_pc_lines *lines, json_t **index, const char *path, const char *key_path,
	const char *policy_hex, const char *host_api, signet_error **err);

/*
 * Writes the `n` lines (those whose text is not NULL, in order) to `path` in
 * `dir` under `key`, whole (core/statefile.h). SIGNET_E_IO, SIGNET_E_NOMEM,
 * SIGNET_E_LIMIT (over SIGNET_PREFLIGHT_CACHE_MAX_FILE_SIZE: nothing written).
 */
int sg_pc_file_write(const char *path, const char *dir, const uint8_t key[SG_PC_KEY_SIZE], const char *policy_hex,
	const char *host_api, const sg_pc_line *lines, size_t n, signet_error **err);

/* ---- identity.c --------------------------------------------------------- */

/* The files an entry depends on: members beneath `root`, and files outside it. */
typedef struct sg_pc_files {
	const char *root;            /* the bundle's path as given, absolute */
	const char *const *members;  /* "" (the root itself, symlinks followed as the walk does), then relative paths */
	size_t nmembers;
	const char *const *outside;  /* absolute paths (symlinks followed, as the loader opens them) */
	size_t noutside;
} sg_pc_files;

/*
 * SHA-256 over every file's identity now (device, inode, mode, size,
 * mtime and ctime in ns; for each file outside, its directory's too). 0;
 * SIGNET_E_NOT_FOUND when one cannot be stat()ed (check prefcache.miss,
 * the file named). With `since_ns`, *racy is set when a file's ctime is
 * not clearly older than that instant (it may have changed after it).
 */
int sg_pc_identity(uint8_t digest[32], const sg_pc_files *f, long long since_ns, bool *racy, signet_error **err);

#endif /* SIGNET_PREFCACHE_INTERNAL_H */
