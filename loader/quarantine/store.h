/* SPDX-License-Identifier: MIT */
/*
 * store.h - the quarantine store file: its JSON (docs/quarantine.md),
 * read as hostile input, written whole to a temporary file and renamed
 * into place under an exclusive lock.
 *
 * Ownership: entry arrays and their strings are the caller's
 * (sg_qentries_clear()); the lock descriptor too (sg_qstore_unlock()).
 * Pure apart from the file system calls; thread-safe on distinct arrays.
 */
#ifndef SIGNET_QUARANTINE_STORE_H
#define SIGNET_QUARANTINE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/quarantine.h>

#include "core/array.h"

/* The format version this build reads and writes. */
#define SG_QSTORE_VERSION 1

/* Latest last_crash accepted: 9999-12-31T23:59:59Z, what ISO 8601 with four digits can say. */
#define SG_QSTORE_MAX_TIME 253402300799LL

/* One cdhash's record (the public entry's fields, owned). */
typedef struct sg_qentry {
	uint8_t cdhash[SIGNET_QUARANTINE_CDHASH_SIZE];
	char *identifier;
	char *team;        /* NULL: no team */
	unsigned crashes;
	bool quarantined;
	long long last_crash;
	char *last_reason;
} sg_qentry;

typedef SG_ARRAY(sg_qentry) sg_qentries;

void sg_qentry_clear(sg_qentry *e);
void sg_qentries_clear(sg_qentries *entries);

/*
 * Parses the bytes of a store (`path` names it in errors) into *out
 * (empty on entry; left empty on failure). SIGNET_E_STATE_DAMAGED (check
 * quarantine.file: not JSON, the schema broken, the field named),
 * SIGNET_E_LIMIT (more than SIGNET_QUARANTINE_MAX_ENTRIES), SIGNET_E_NOMEM.
 */
int sg_qstore_parse(sg_qentries *out, const char *bytes, size_t len, const char *path, signet_error **err)
	__attribute__((warn_unused_result));

/*
 * The store's text for `entries`: one entry per line, *len bytes, the
 * caller's (free()). While the text would exceed
 * SIGNET_QUARANTINE_MAX_FILE_SIZE, entries are dropped from `entries`
 * (sg_qentries_drop_one(), sparing index `keep`), so that the reader
 * always accepts what the writer wrote. SIGNET_E_NOMEM.
 */
int sg_qstore_format(char **text, size_t *len, sg_qentries *entries, size_t keep, signet_error **err)
	__attribute__((warn_unused_result));

/*
 * Drops the entry with the oldest crash that is not quarantined, or the
 * oldest quarantined one when every entry is, never index `keep` (SIZE_MAX
 * spares none). Returns the index it had, SIZE_MAX when nothing could be
 * dropped.
 */
size_t sg_qentries_drop_one(sg_qentries *entries, size_t keep);

/*
 * The directory `dir` (the store's) made when missing, as `mkdir -p` with
 * mode 0700, when `create`; then it must be a directory of this user that
 * no one else may write. SIGNET_E_IO (check quarantine.directory).
 * *missing (may be NULL) is set when it does not exist and `create` is
 * false (no error then).
 */
int sg_qstore_directory(const char *dir, bool create, bool *missing, signet_error **err)
	__attribute__((warn_unused_result));

/*
 * Reads the store at `path` (in directory `dir`) into *out: empty when
 * it or its directory is missing. The codes of sg_file_open_at() and
 * sg_qstore_parse(), SIGNET_E_IO for a symlink at the path; every message
 * ends by saying how to repair the store.
 */
int sg_qstore_read(sg_qentries *out, const char *path, const char *dir, signet_error **err)
	__attribute__((warn_unused_result));

/* Opens (creating, 0600) and locks `lock_path` exclusively: *fd holds the lock. SIGNET_E_IO. */
int sg_qstore_lock(int *fd, const char *lock_path, signet_error **err) __attribute__((warn_unused_result));
void sg_qstore_unlock(int fd);

/*
 * Replaces the store at `path` (in `dir`) with `text`: a temporary file in
 * the same directory, mode 0600, written, fsync()ed, renamed over the
 * store, the directory fsync()ed. The caller holds the lock. SIGNET_E_IO.
 */
int sg_qstore_write(const char *path, const char *dir, const char *text, size_t len, signet_error **err)
	__attribute__((warn_unused_result));

#endif /* SIGNET_QUARANTINE_STORE_H */
