/* SPDX-License-Identifier: MIT */
/*
 * signet/quarantine.h - the quarantine of isolated guests: crashes counted
 * per cdhash, and a cdhash that crashed too often refused
 * (docs/quarantine.md).
 *
 * An isolated guest runs a bundle in its own process. When that process
 * crashes, breaks its sandbox or is killed at a call deadline, the host
 * records a crash against the bundle's cdhash (the hash of that exact
 * signed build, signet_identity_cdhash()): not its path, which a new build
 * reuses, nor its identifier, which every build shares. Once a cdhash has
 * crashed `limit` times (a policy setting) it is quarantined: a load of it
 * is refused with SIGNET_E_QUARANTINED and the reason of its last crash,
 * until a new build (a new cdhash) replaces it or a person clears it
 * (`signet-host quarantine clear`).
 *
 * The store is one JSON file per user, $XDG_STATE_HOME/signet/quarantine.json
 * (default ~/.local/state/signet/quarantine.json), shared by every host
 * process of that user: each update is a read-modify-write under an
 * exclusive lock, written to a temporary file that replaces the store only
 * once complete, so concurrent hosts lose no crash and a reader never sees
 * a torn file. A store that is not what Signet writes (damaged) is never
 * taken for an empty one: every check fails closed until
 * signet_quarantine_clear(q, NULL, ...) rewrites it (docs/quarantine.md
 * says why).
 *
 * Ownership: a `signet_quarantine` from signet_quarantine_open() is the
 * caller's and is freed with signet_quarantine_free() (NULL is a no-op).
 * Strings in an entry from signet_quarantine_get() belong to the handle and
 * stay valid until the next call that reads the store through it (reload,
 * check, record_crash, clear) or its free.
 *
 * Thread-safety: a handle belongs to one thread at a time. Distinct handles
 * (in one process or in several) may update the same store at once: the
 * store's lock serializes them.
 */
#ifndef SIGNET_QUARANTINE_H
#define SIGNET_QUARANTINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/common.h>
#include <signet/error.h>

SIGNET_BEGIN_DECLS

/* Bytes of a cdhash (SHA-256 of a CodeDirectory). */
#define SIGNET_QUARANTINE_CDHASH_SIZE 32

/* Hard limits of the store (docs/quarantine.md). */
#define SIGNET_QUARANTINE_MAX_ENTRIES 4096       /* cdhashes remembered; the oldest crash is dropped first */
#define SIGNET_QUARANTINE_MAX_FILE_SIZE (1u << 20) /* bytes of the store file */
#define SIGNET_QUARANTINE_MAX_CRASHES 1000000u   /* a count stops there */
#define SIGNET_QUARANTINE_MAX_REASON 256         /* bytes of a reason; longer ones are cut */

typedef struct signet_quarantine signet_quarantine;

/*
 * A handle on the store at `path`, or on the per-user default when `path`
 * is NULL: $XDG_STATE_HOME/signet/quarantine.json, else
 * $HOME/.local/state/signet/quarantine.json (each variable used only when
 * it is an absolute path, read with secure_getenv()). Reads nothing and
 * creates nothing: a missing store is an empty one, created (directory
 * mode 0700, file 0600) by the first update. SIGNET_E_NOT_FOUND (no path
 * given and neither variable usable), SIGNET_E_INVALID_ARGUMENT (an empty
 * path), SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_quarantine_open(signet_quarantine **out, const char *path,
	signet_error **err);

SIGNET_EXPORT void signet_quarantine_free(signet_quarantine *q);

/* The store file's path. Owned by the handle. */
SIGNET_EXPORT const char *signet_quarantine_path(const signet_quarantine *q);

/* One cdhash's record. Strings belong to the handle (see the top). */
typedef struct signet_quarantine_entry {
	uint8_t cdhash[SIGNET_QUARANTINE_CDHASH_SIZE];
	const char *identifier;  /* the signing identifier of the crashed build */
	const char *team;        /* its team, or NULL */
	unsigned crashes;        /* 1..SIGNET_QUARANTINE_MAX_CRASHES */
	bool quarantined;        /* loads of this cdhash are refused */
	long long last_crash;    /* Unix seconds */
	const char *last_reason; /* "killed by SIGSEGV during 'crash'" */
} signet_quarantine_entry;

/*
 * Reads the store; count() and get() then describe what was read, in the
 * order the cdhashes first crashed. On failure they describe an empty
 * store. SIGNET_E_IO (cannot read, not a regular file: a FIFO, socket,
 * directory or symlink at the path; a directory others may write),
 * SIGNET_E_LIMIT (over SIGNET_QUARANTINE_MAX_FILE_SIZE or _MAX_ENTRIES),
 * SIGNET_E_STATE_DAMAGED (not JSON, or not the store's schema: the message
 * names the field), SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_quarantine_reload(signet_quarantine *q, signet_error **err);

/* Entries as last read (0 before any read). */
SIGNET_EXPORT size_t signet_quarantine_count(const signet_quarantine *q);

/* Entry `index` as last read. SIGNET_E_NOT_FOUND (index >= count), SIGNET_E_INVALID_ARGUMENT. */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_quarantine_get(signet_quarantine_entry *out,
	const signet_quarantine *q, size_t index, signet_error **err);

/*
 * Counts one crash of the build `cdhash` (identifier and team from its
 * signature; team may be NULL) and why it ended (`reason`, such as "killed
 * by SIGSEGV during 'crash'": control characters become '?', over
 * SIGNET_QUARANTINE_MAX_REASON bytes it is cut). When its crashes reach
 * `limit` the cdhash is quarantined; `limit` 0 never quarantines. A
 * quarantine stays until cleared, whatever later limits say. *quarantined
 * (may be NULL) tells whether the cdhash is quarantined after this crash.
 * The store is re-read under its lock first, so crashes recorded meanwhile
 * by other processes count; when it is full the entry with the oldest crash
 * that is not quarantined is dropped (a quarantined one only when all are).
 * A damaged store is not rewritten (that would forget its quarantines):
 * the error says how to repair it. SIGNET_E_INVALID_ARGUMENT (NULL cdhash
 * or reason, identifier or team not 1..255 / 1..64 characters of
 * A-Z a-z 0-9 . - _), the codes of reload(), SIGNET_E_IO (cannot create
 * the directory, lock, write, sync or rename), SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_quarantine_record_crash(signet_quarantine *q,
	const uint8_t cdhash[SIGNET_QUARANTINE_CDHASH_SIZE], const char *identifier, const char *team,
	const char *reason, unsigned limit, bool *quarantined, signet_error **err);

/*
 * May `cdhash` load? Re-reads the store (another process may have recorded
 * or cleared since), then 0 when it is not quarantined, or
 * SIGNET_E_QUARANTINED (check "quarantine.cdhash", actual the cdhash in
 * hex): "quarantined: org.x.crash (team ABCDE12345) crashed 3 times, last:
 * killed by SIGSEGV during 'crash' (2026-12-06T22:41:07Z); a new build
 * starts afresh, or: signet-host quarantine clear <cdhash>". Fails closed:
 * any non-zero code means the cdhash must not load, a store that cannot be
 * read or is damaged (the codes of reload()) included.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_quarantine_check(signet_quarantine *q,
	const uint8_t cdhash[SIGNET_QUARANTINE_CDHASH_SIZE], signet_error **err);

/*
 * Forgets the crashes of `cdhash`, or of every cdhash when it is NULL;
 * *cleared (may be NULL) gets how many entries went (0 when `cdhash` had
 * none: not an error). Clearing all is also the repair of a damaged
 * store: it is rewritten empty whatever it held (*cleared counts the
 * entries that could be read: 0 for a damaged store); clearing one cdhash
 * of a damaged store fails with the damage. The codes of reload() and
 * record_crash().
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_quarantine_clear(signet_quarantine *q,
	const uint8_t *cdhash, size_t *cleared, signet_error **err);

SIGNET_END_DECLS

#endif /* SIGNET_QUARANTINE_H */
