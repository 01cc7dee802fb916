/* SPDX-License-Identifier: MIT */
/*
 * signet/preflight_cache.h - preflight results kept between runs
 * (docs/preflight-cache.md): a per-user cache of what signet_preflight()
 * said about each bundle, so that a host listing its plugins again reads
 * the verdicts back instead of verifying every signature again
 * (GStreamer's registry.bin, dyld's closures, made safe).
 *
 * A HIT IS ONLY EVER ADVISORY. Nothing that loads (signet_load(),
 * signet_host_load_bundle(), isolated guests) reads the cache: a load
 * verifies in full, every time. A cache entry that says "accepted", stale,
 * damaged or forged, can make a listing wrong; it can never make a load
 * succeed.
 *
 * An entry is used only while every file the verdict depends on is as it
 * was: each entry and directory of the bundle (a directory's mtime and
 * ctime change when an entry is added, removed or renamed, so stat()ing
 * the directories and files recorded, without reading a directory, proves
 * the set unchanged) and the files outside it that the dependency closure
 * read, each by device, inode, mode, size, mtime and ctime in nanoseconds;
 * only under the same policy (a digest of the whole policy, anchors
 * included) and host API version; and only inside the time window in which
 * every certificate chain that verified is valid. A verdict that depends
 * on more than that (the process's loaded libraries, the platform's files,
 * the clock against an expired certificate) is not stored.
 *
 * Where: one file per policy and host API version, "preflight-<hex>.cache",
 * and the key that authenticates it (HMAC-SHA256), "preflight.key", in
 * $XDG_CACHE_HOME/signet/ (else $HOME/.cache/signet/), or in a directory
 * the caller names. A file that is damaged, truncated, of another version,
 * made with another key, or not a regular file of this user is ignored
 * (signet_preflight_cache_status() says why) and rewritten by the next save.
 *
 * Ownership: a handle from signet_preflight_cache_open() is the caller's,
 * freed with signet_preflight_cache_free() (NULL is a no-op); it keeps a
 * pointer to the policy, which must outlive it and not change meanwhile.
 * Reports returned are the caller's (signet_bundle_info_free()).
 *
 * Thread-safety: every call may be made on one handle from several threads
 * at once (a later parallel preflight does): the table is behind the
 * handle's own lock, held for lookups and stores but never while a bundle
 * is examined. signet_preflight_cache_last_hit() means something only to a
 * handle used by one thread. Several processes may use and save the same
 * cache: each save replaces the file whole (the last one wins; no reader
 * ever sees a torn file).
 */
#ifndef SIGNET_PREFLIGHT_CACHE_H
#define SIGNET_PREFLIGHT_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include <signet/bundle.h>
#include <signet/common.h>
#include <signet/error.h>
#include <signet/policy.h>

SIGNET_BEGIN_DECLS

/* Hard limits (docs/preflight-cache.md). */
#define SIGNET_PREFLIGHT_CACHE_MAX_ENTRIES 16384           /* bundles per file; the oldest stored go first */
#define SIGNET_PREFLIGHT_CACHE_MAX_FILE_SIZE (64u << 20)   /* bytes of a cache file read or written */

typedef struct signet_preflight_cache signet_preflight_cache;

/*
 * A handle on the cache for bundles preflighted under `policy` (NULL: the
 * process default, as signet_preflight()) by a host of API version
 * `host_api` (NULL: SIGNET_HOST_API_DEFAULT), in directory `dir` (NULL:
 * $XDG_CACHE_HOME/signet, else $HOME/.cache/signet, each variable used only
 * when it is an absolute path, read with secure_getenv()). Reads the cache
 * file now; creates nothing. A missing or unusable file is not an error:
 * the handle starts empty (see signet_preflight_cache_status()).
 * SIGNET_E_INVALID_ARGUMENT (`host_api` not MAJOR.MINOR.PATCH, an empty
 * `dir`), SIGNET_E_NOT_FOUND (no `dir` and neither variable usable),
 * SIGNET_E_POLICY_INVALID (no policy to be had, or one without anchors),
 * SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_preflight_cache_open(signet_preflight_cache **out, const char *dir,
	const signet_policy *policy, const char *host_api, signet_error **err);

SIGNET_EXPORT void signet_preflight_cache_free(signet_preflight_cache *c);

/* The cache file's path (it may not exist yet). Owned by the handle. */
SIGNET_EXPORT const char *signet_preflight_cache_path(const signet_preflight_cache *c);

/*
 * Why the cache file on disk was not used when the handle was opened, or
 * NULL (it was read, or there was none). Codes: SIGNET_E_STATE_DAMAGED
 * (check "prefcache.file": not what Signet writes, another format version,
 * a MAC that does not match: another key, or the bytes changed),
 * SIGNET_E_IO ("prefcache.file": not a regular file of this user;
 * "prefcache.directory": the directory is not this user's alone;
 * "prefcache.key": the key file is missing, not a regular file of this user
 * readable by it alone, or not 32 bytes), SIGNET_E_LIMIT (over
 * SIGNET_PREFLIGHT_CACHE_MAX_FILE_SIZE). Owned by the handle.
 */
SIGNET_EXPORT const signet_error *signet_preflight_cache_status(const signet_preflight_cache *c);

/*
 * signet_preflight() of the bundle at `path` under the handle's policy and
 * host API, through the cache: the same return code, `*err` and report.
 * A hit rebuilds the report stored; a miss preflights (in full; nothing of
 * the bundle runs) and stores the result when it can be (see the top).
 * Codes: those of signet_preflight(). Nothing is written to disk before
 * signet_preflight_cache_save().
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_preflight_cached(signet_bundle_info **out, signet_preflight_cache *c,
	const char *path, signet_error **err);

/*
 * signet_preflight_many() through the cache: each bundle looked up first
 * (a hit answers as signet_preflight_cached() would), the misses preflighted
 * in parallel (`opts`, as for signet_preflight_many()) and stored.
 * `results[i]` is what signet_preflight_cached() would give for paths[i]
 * (a NULL or empty path: SIGNET_E_INVALID_ARGUMENT for that index alone).
 * Returns 0 when every bundle would load, else the code of the first
 * refused index with a copy of its reason in `*err` (may be NULL).
 * SIGNET_E_INVALID_ARGUMENT, SIGNET_E_NOMEM for the call itself. Hits and
 * stores are counted in the stats; last_hit is not set.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_preflight_cached_many(signet_preflight_result *results,
	signet_preflight_cache *c, const char *const *paths, size_t count, const signet_many_options *opts,
	signet_error **err);

/* Was the last answer of signet_preflight_cached() on this handle a hit? (One thread.) */
SIGNET_EXPORT bool signet_preflight_cache_last_hit(const signet_preflight_cache *c);

/*
 * The cache alone: 0 and the report stored for `path` (`*out`, whatever
 * its verdict) on a hit; SIGNET_E_NOT_FOUND on a miss, `*err` saying why
 * (check "prefcache.miss": no entry, an entry of the bundle changed or is
 * gone, outside the window its verdict holds; an entry found stale is
 * dropped). Also SIGNET_E_INVALID_ARGUMENT, SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_preflight_cache_lookup(signet_bundle_info **out,
	signet_preflight_cache *c, const char *path, signet_error **err);

/*
 * Stores a report that signet_preflight() (or signet_preflight_cached())
 * returned for the handle's very policy and host API. *stored (may be
 * NULL) says whether it was kept: a verdict that depends on more than the
 * files recorded (see the top), or a bundle that changed since its
 * examination began, is not. SIGNET_E_INVALID_ARGUMENT (a report not made
 * by a preflight, or under another policy or host API), SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_preflight_cache_store(signet_preflight_cache *c,
	const signet_bundle_info *info, bool *stored, signet_error **err);

/* What a handle has done since it was opened. */
typedef struct signet_preflight_cache_stats {
	unsigned version;      /* SIGNET_PREFLIGHT_CACHE_STATS_VERSION */
	size_t hits;           /* lookups answered from the cache */
	size_t misses;         /* lookups that were not */
	size_t stored;         /* reports stored */
	size_t not_stored;     /* reports offered but not kept */
	size_t entries;        /* entries in the handle's table now */
} signet_preflight_cache_stats;

#define SIGNET_PREFLIGHT_CACHE_STATS_VERSION 1
#define SIGNET_PREFLIGHT_CACHE_STATS_INIT { SIGNET_PREFLIGHT_CACHE_STATS_VERSION, 0, 0, 0, 0, 0 }

/* Fills `out` (its version set by the caller). */
SIGNET_EXPORT void signet_preflight_cache_get_stats(signet_preflight_cache *c,
	signet_preflight_cache_stats *out);

/*
 * Writes the cache file when anything changed since the handle was opened
 * or last saved (otherwise nothing): the directory made (mode 0700) and its
 * key created when missing or unusable; entries whose bundle directory is
 * gone dropped, and the oldest beyond SIGNET_PREFLIGHT_CACHE_MAX_ENTRIES;
 * written to a temporary file (0600) that is synced and renamed over the
 * cache file. SIGNET_E_IO (check "prefcache.directory": the directory cannot
 * be made, or is not this user's alone; "prefcache.key"; "prefcache.write"),
 * SIGNET_E_NOMEM. After a failure the handle works on, unsaved.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_preflight_cache_save(signet_preflight_cache *c, signet_error **err);

SIGNET_END_DECLS

#endif /* SIGNET_PREFLIGHT_CACHE_H */
