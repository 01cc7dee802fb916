/* SPDX-License-Identifier: MIT */
/*
 * prefcache.c - the preflight cache (signet/preflight_cache.h,
 * docs/preflight-cache.md): where it lives, the table of entries, lookups,
 * stores and saves.
 *
 * The table is the body's "entries" object itself: jansson's hash table,
 * keyed by the bundle's path as given, made absolute. An entry is never
 * changed once in the table, only replaced or removed, so a lookup takes a
 * reference under the lock and checks the entry without it.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <signet/preflight_cache.h>

#include "bundle/report.h"
#include "bundle/report_json.h"
#include "codesign/identity_internal.h"
#include "core/error_internal.h"
#include "core/hex.h"
#include "core/sha256.h"
#include "core/statefile.h"
#include "policy/policy_internal.h"
#include "prefcache/prefcache_internal.h"

/* Cache files of other policies kept beside this one; the least recently written go first. */
#define MAX_OTHER_FILES 15
/* A temporary file this old was left by a writer that died: removed. */
#define STALE_TEMPORARY_SECONDS (24 * 3600)

#define NOT_USED "the preflight cache there is not used"

struct signet_preflight_cache {
	pthread_mutex_t lock;
	const signet_policy *policy;
	char host_api[48];             /* normalized: MAJOR.MINOR.PATCH */
	char policy_hex[2 * SG_SHA256_SIZE + 1];
	char *dir, *path, *key_path;
	json_t *entries;               /* path -> entry; behind `lock` */
	bool dirty;                    /* the table differs from the file */
	signet_error *status;          /* why the file was not used at open */
	bool last_hit;
	signet_preflight_cache_stats stats;
};

/* ---- opening ------------------------------------------------------------ */

/* The body of the file: entries, checked against the handle's policy and host API when read. */
static void load(signet_preflight_cache *c)
{
	signet_error *why = NULL;
	bool missing = false;
	json_t *body = NULL;
	/* A directory others may write is not trusted, whatever its files say. */
	int rc = sg_state_directory(c->dir, false, &missing, "prefcache.directory", NOT_USED, &why);
	if (!rc && !missing)
		rc = sg_pc_file_read(&body, c->path, c->key_path, c->policy_hex, c->host_api, &why);
	if (!rc && !missing)
		c->entries = json_incref(json_object_get(body, "entries"));
	json_decref(body);
	if (rc && rc != SIGNET_E_NOT_FOUND) {
		c->status = why;
		c->dirty = true; /* the next save rewrites it */
	}
}

int signet_preflight_cache_open(signet_preflight_cache **out, const char *dir, const signet_policy *policy,
	const char *host_api, signet_error **err)
{
	if (!out)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_preflight_cache_open needs an output");
	if (dir && !*dir)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "prefcache.path" },
			"an empty path names no directory for the preflight cache");
	sg_semver api;
	int rc = sg_host_api_parse(host_api, &api, err);
	if (!rc)
		rc = sg_policy_or_default(&policy, "the preflight cache", err);
	/*
	 * The whole policy as the guest transfer writes it (policy/transfer.c):
	 * requirement, lists, platform settings, the host's team and the
	 * anchors themselves as PEM. Any change to any of it is another digest.
	 */
	char *text = NULL;
	if (!rc)
		rc = sg_policy_export(&text, policy, err);
	if (rc)
		return rc;
	signet_preflight_cache *c = calloc(1, sizeof *c);
	uint8_t digest[SG_SHA256_SIZE];
	if (!c || sg_sha256(digest, text, strlen(text)) != 0) {
		free(text);
		free(c);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory opening the preflight cache");
	}
	free(text);
	pthread_mutex_init(&c->lock, NULL);
	c->policy = policy;
	snprintf(c->host_api, sizeof c->host_api, "%u.%u.%u", api.major, api.minor, api.patch);
	sg_hex_encode(c->policy_hex, digest, sizeof digest, false);
	/* One file per policy and host API: hosts with different policies do not evict each other. */
	char context[2 * SG_SHA256_SIZE + 1], *both = NULL;
	if (asprintf(&both, "%s\n%s", c->policy_hex, c->host_api) < 0 || sg_sha256(digest, both, strlen(both)) != 0)
		rc = SIGNET_E_NOMEM;
	free(both);
	sg_hex_encode(context, digest, sizeof digest, false);
	if (!rc && dir && !(c->dir = strdup(dir)))
		rc = SIGNET_E_NOMEM;
	else if (!rc && !dir)
		rc = sg_state_xdg_path(&c->dir, "XDG_CACHE_HOME", ".cache", "signet", "prefcache.path",
			"the preflight cache", "give its directory instead", err);
	if (!rc && (asprintf(&c->path, "%s/preflight-%.16s.cache", c->dir, context) < 0 ||
		asprintf(&c->key_path, "%s/" SG_PC_KEY_NAME, c->dir) < 0))
		rc = SIGNET_E_NOMEM;
	if (!rc)
		load(c);
	if (!rc && !c->entries && !(c->entries = json_object()))
		rc = SIGNET_E_NOMEM;
	if (rc) {
		if (rc == SIGNET_E_NOMEM && err && !*err)
			sg_fail_code(err, SIGNET_E_NOMEM, "out of memory opening the preflight cache");
		signet_preflight_cache_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void signet_preflight_cache_free(signet_preflight_cache *c)
{
	if (!c)
		return;
	json_decref(c->entries);
	signet_error_free(c->status);
	free(c->dir);
	free(c->path);
	free(c->key_path);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

const char *signet_preflight_cache_path(const signet_preflight_cache *c)
{
	return c ? c->path : NULL;
}

const signet_error *signet_preflight_cache_status(const signet_preflight_cache *c)
{
	return c ? c->status : NULL;
}

bool signet_preflight_cache_last_hit(const signet_preflight_cache *c)
{
	return c && __atomic_load_n(&c->last_hit, __ATOMIC_RELAXED);
}

void signet_preflight_cache_get_stats(signet_preflight_cache *c, signet_preflight_cache_stats *out)
{
	if (!c || !out || out->version != SIGNET_PREFLIGHT_CACHE_STATS_VERSION)
		return;
	pthread_mutex_lock(&c->lock);
	*out = c->stats;
	out->entries = json_object_size(c->entries);
	pthread_mutex_unlock(&c->lock);
}

/* ---- lookups ------------------------------------------------------------ */

__attribute__((format(printf, 3, 4)))
static int miss(signet_error **err, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = sg_fail_v(err, &(sg_error_info){ .code = SIGNET_E_NOT_FOUND, .path = key, .check = "prefcache.miss" },
		fmt, ap);
	va_end(ap);
	return rc;
}

static void iso_time(char out[32], long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "%lld", t);
}

/* The strings of the array `a` (pointers into it), or false when it is not an array of strings. */
static bool strings_of(json_t *a, const char ***out, size_t *n)
{
	if (!json_is_array(a))
		return false;
	*n = json_array_size(a);
	*out = calloc(*n ? *n : 1, sizeof **out);
	for (size_t i = 0; *out && i < *n; i++)
		if (!((*out)[i] = json_string_value(json_array_get(a, i)))) {
			free(*out);
			*out = NULL;
		}
	return *out != NULL;
}

/* Is `entry` (for `key`) still good? 0 and the report, or a miss (SIGNET_E_NOT_FOUND) saying why. */
static int check_entry(const signet_preflight_cache *c, const char *key, json_t *entry, signet_bundle_info **out,
	signet_error **err)
{
	json_t *members = NULL, *outside = NULL, *from = NULL, *until = NULL, *report = NULL;
	const char *identity = NULL;
	json_int_t stored = 0;
	json_error_t jerr;
	if (json_unpack_ex(entry, &jerr, JSON_STRICT, "{s:o, s:o, s:s, s:o, s:o, s:I, s:o}", "members", &members,
		"outside", &outside, "identity", &identity, "not_before", &from, "not_after", &until, "stored", &stored,
		"report", &report) != 0)
		return miss(err, key, "the cache entry is not what Signet writes: %s", jerr.text);
	uint8_t want[SG_SHA256_SIZE], got[SG_SHA256_SIZE];
	if (strlen(identity) != 2 * sizeof want || !sg_hex_decode_lower(want, identity, sizeof want) ||
		!(json_is_null(from) || json_is_integer(from)) || !(json_is_null(until) || json_is_integer(until)))
		return miss(err, key, "the cache entry is not what Signet writes: a bad identity or window");
	/* Outside the window, some certificate that verified is expired or not yet valid now. */
	long long now = (long long)time(NULL);
	if ((json_is_integer(from) && now < json_integer_value(from)) ||
		(json_is_integer(until) && now > json_integer_value(until))) {
		char a[32], b[32], t[32];
		iso_time(a, json_is_integer(from) ? json_integer_value(from) : 0);
		iso_time(b, json_is_integer(until) ? json_integer_value(until) : 0);
		iso_time(t, now);
		return miss(err, key, "outside the window its verdict holds (%s to %s; now %s)", a, b, t);
	}
	const char **m = NULL, **o = NULL;
	size_t nm = 0, no = 0;
	int rc = 0;
	if (!strings_of(members, &m, &nm) || nm == 0 || !strings_of(outside, &o, &no))
		rc = miss(err, key, "the cache entry is not what Signet writes: members or outside files");
	sg_pc_files f = { .root = key, .members = m, .nmembers = nm, .outside = o, .noutside = no };
	if (!rc)
		rc = sg_pc_identity(got, &f, 0, NULL, err);
	free(m);
	free(o);
	if (!rc && memcmp(got, want, sizeof got) != 0)
		rc = miss(err, key, "changed since it was examined: an entry of the bundle, or a file it depends on, "
			"was added, removed, replaced or modified");
	signet_error *why = NULL;
	if (!rc && (rc = sg_bundle_info_from_json(out, report, c->path, &why)) != 0) {
		if (rc == SIGNET_E_STATE_DAMAGED)
			rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOT_FOUND, .path = key,
				.check = "prefcache.miss", .cause = why }, "the cache entry's report is not what Signet writes: %s",
				signet_error_message(why));
		else if (err)
			*err = why;
		else
			signet_error_free(why);
	}
	return rc;
}

int signet_preflight_cache_lookup(signet_bundle_info **out, signet_preflight_cache *c, const char *path,
	signet_error **err)
{
	if (!out || !c || !path || !*path)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_preflight_cache_lookup needs a cache, a bundle "
			"path and an output");
	char *key = sg_provenance_key(path);
	if (!key)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory (or no working directory) looking up %s", path);
	pthread_mutex_lock(&c->lock);
	json_t *entry = json_incref(json_object_get(c->entries, key));
	pthread_mutex_unlock(&c->lock);
	signet_bundle_info *info = NULL;
	/* The entry is checked without the lock: it never changes, and the reference keeps it. */
	int rc = entry ? check_entry(c, key, entry, &info, err) : miss(err, key, "no entry for this bundle");
	pthread_mutex_lock(&c->lock);
	if (rc == SIGNET_E_NOT_FOUND && entry && json_object_get(c->entries, key) == entry) {
		json_object_del(c->entries, key); /* stale: it will never be a hit again */
		c->dirty = true;
	}
	if (!rc)
		c->stats.hits++;
	else if (rc == SIGNET_E_NOT_FOUND)
		c->stats.misses++;
	pthread_mutex_unlock(&c->lock);
	json_decref(entry);
	free(key);
	if (!rc)
		*out = info;
	return rc;
}

/* ---- stores ------------------------------------------------------------- */

/*
 * Codes a verdict may be kept with: those decided by the bundle's files,
 * the policy and the host API alone (ELF, signatures, requirements and
 * lists, bundles, limits). Not the clock's (an expired or not yet valid
 * certificate), not the platform's files or the process's loaded images
 * (dependencies, platform libraries), nor failures of the moment.
 */
static bool settled(const signet_error *e)
{
	for (; e; e = signet_error_cause(e)) {
		int code = signet_error_code(e);
		if (code == SIGNET_E_CERT_EXPIRED || code == SIGNET_E_CERT_NOT_YET_VALID ||
			code == SIGNET_E_PLATFORM_REFUSED || code == SIGNET_E_POLICY_INVALID)
			return false;
		if (code != SIGNET_E_LIMIT && !(code <= -100 && code > -500))
			return false;
	}
	return true;
}

static bool listed(const sg_path_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

/*
 * The window of every signed dependency the examination did not already
 * cover (one outside the manifest's libraries), read again now: the files
 * are the same ones when sg_pc_identity() later finds nothing changed since
 * the examination began. False when one does not verify any more.
 */
static bool dependency_windows(const signet_preflight_cache *c, const signet_bundle_info *info, bool *has,
	long long *from, long long *until)
{
	const sg_provenance *p = info->prov;
	signet_verify_options vo;
	sg_policy_verify_options(c->policy, &vo);
	for (size_t i = 0; i < info->deps.n; i++) {
		const sg_dependency *d = &info->deps.items[i];
		char real[PATH_MAX];
		if (d->kind != SG_DEP_SIGNED)
			continue;
		if (!realpath(d->path, real))
			return false;
		if (listed(&p->windowed, real))
			continue;
		signet_identity *id = NULL;
		int rc = signet_verify_file(&id, real, sg_policy_trust(c->policy), &vo, NULL);
		bool ok = !rc && sg_identity_window(id, has, from, until);
		signet_identity_free(id);
		if (!ok)
			return false;
	}
	return true;
}

static json_t *path_array(const sg_path_list *l)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < l->n; i++)
		if (json_array_append_new(a, json_string(l->items[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The entry for `info`, or NULL when its verdict is not to be kept (or memory ran out). */
static json_t *make_entry(const signet_preflight_cache *c, const signet_bundle_info *info)
{
	const sg_provenance *p = info->prov;
	if (!p->complete)
		return NULL;
	for (size_t i = 0; i < info->reasons.n; i++)
		if (!settled(info->reasons.items[i]))
			return NULL;
	bool has = p->has_window;
	long long from = p->not_before, until = p->not_after;
	if (!dependency_windows(c, info, &has, &from, &until))
		return NULL;
	sg_pc_files f = { .root = p->key, .members = (const char *const *)p->members.items, .nmembers = p->members.n,
		.outside = (const char *const *)p->outside.items, .noutside = p->outside.n };
	uint8_t digest[SG_SHA256_SIZE];
	char hex[2 * SG_SHA256_SIZE + 1];
	bool racy = true;
	/* After the windows were read: a file they read that changed since the examination began is caught here. */
	if (sg_pc_identity(digest, &f, p->started_ns, &racy, NULL) != 0 || racy)
		return NULL;
	sg_hex_encode(hex, digest, sizeof digest, false);
	json_t *report = sg_bundle_info_to_json(info);
	json_t *members = path_array(&p->members), *outside = path_array(&p->outside);
	if (!report || !members || !outside) {
		json_decref(report);
		json_decref(members);
		json_decref(outside);
		return NULL;
	}
	return json_pack("{s:o, s:o, s:s, s:o, s:o, s:I, s:o}", "members", members, "outside", outside,
		"identity", hex, "not_before", has ? json_integer(from) : json_null(),
		"not_after", has ? json_integer(until) : json_null(), "stored", (json_int_t)time(NULL), "report", report);
}

/* Stores what can be kept of a preflight's report under this handle's policy; true when it was. */
static bool keep(signet_preflight_cache *c, const signet_bundle_info *info)
{
	json_t *entry = make_entry(c, info);
	pthread_mutex_lock(&c->lock);
	bool kept = entry && json_object_set_new(c->entries, info->prov->key, entry) == 0;
	if (kept) {
		c->stats.stored++;
		c->dirty = true;
	} else {
		c->stats.not_stored++;
	}
	pthread_mutex_unlock(&c->lock);
	return kept;
}

int signet_preflight_cache_store(signet_preflight_cache *c, const signet_bundle_info *info, bool *stored,
	signet_error **err)
{
	if (!c || !info)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_preflight_cache_store needs a cache and a report");
	const sg_provenance *p = info->prov;
	char api[48] = "";
	if (p)
		snprintf(api, sizeof api, "%u.%u.%u", p->host_api.major, p->host_api.minor, p->host_api.patch);
	/* Another policy's verdict under this one's key would be a wrong answer later. */
	if (!p || p->policy != c->policy || strcmp(api, c->host_api) != 0 || !p->key)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .path = signet_bundle_info_path(info),
			.check = "prefcache.store" }, "not a report of signet_preflight() under this cache's policy and host API "
			"version (%s)", c->host_api);
	bool kept = keep(c, info);
	if (stored)
		*stored = kept;
	return 0;
}

/* What signet_preflight() returns for a report: the first reason's code, and a copy of it in *err. */
static int verdict(const signet_bundle_info *info, signet_error **err)
{
	const signet_error *first = signet_bundle_info_reason(info, 0);
	if (!first)
		return 0;
	if (err)
		*err = sg_error_copy(first);
	return signet_error_code(first);
}

int signet_preflight_cached(signet_bundle_info **out, signet_preflight_cache *c, const char *path,
	signet_error **err)
{
	if (!c || !path || !*path)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_preflight_cached needs a cache and a bundle path");
	signet_bundle_info *info = NULL;
	signet_error *why = NULL;
	int rc = signet_preflight_cache_lookup(&info, c, path, &why);
	__atomic_store_n(&c->last_hit, rc == 0, __ATOMIC_RELAXED);
	if (rc == 0) {
		rc = verdict(info, err);
	} else if (rc == SIGNET_E_NOT_FOUND) {
		signet_error_free(why);
		rc = signet_preflight(&info, path, c->policy, c->host_api, err);
		if (info)
			keep(c, info);
	} else {
		if (err)
			*err = why;
		else
			signet_error_free(why);
		return rc;
	}
	if (out)
		*out = info;
	else
		signet_bundle_info_free(info);
	return rc;
}

/* ---- saving ------------------------------------------------------------- */

typedef struct aged {
	const char *key;
	json_int_t stored;
} aged;

static int by_stored(const void *a, const void *b)
{
	json_int_t x = ((const aged *)a)->stored, y = ((const aged *)b)->stored;
	return x < y ? -1 : x > y;
}

/* Drops the `n` entries stored longest ago. */
static void drop_oldest(json_t *entries, size_t n)
{
	size_t total = json_object_size(entries), k = 0;
	aged *all = calloc(total ? total : 1, sizeof *all);
	if (!all)
		return;
	const char *key;
	json_t *v;
	json_object_foreach(entries, key, v)
		all[k++] = (aged){ key, json_integer_value(json_object_get(v, "stored")) };
	qsort(all, total, sizeof *all, by_stored);
	/* A key's text lives with its own entry: deleting the others leaves it in place. */
	for (size_t i = 0; i < n && i < total; i++)
		json_object_del(entries, all[i].key);
	free(all);
}

/* Entries whose bundle directory is gone: they would only ever be misses. */
static void drop_gone(json_t *entries)
{
	const char *key;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(entries, tmp, key, v) {
		struct stat st;
		if (stat(key, &st) != 0 && (errno == ENOENT || errno == ENOTDIR))
			json_object_del(entries, key);
	}
}

typedef struct other_file {
	char name[64];
	time_t mtime;
} other_file;

static int newest_first(const void *a, const void *b)
{
	time_t x = ((const other_file *)a)->mtime, y = ((const other_file *)b)->mtime;
	return x > y ? -1 : x < y;
}

/*
 * Files of other policies beyond the MAX_OTHER_FILES most recently
 * written, and temporary files writers left when they died: the one
 * directory read, at save time only. A failure leaves files; no harm.
 */
static void sweep(const signet_preflight_cache *c)
{
	DIR *d = opendir(c->dir);
	if (!d)
		return;
	SG_ARRAY(other_file) others = { 0 };
	const char *mine = strrchr(c->path, '/') + 1;
	time_t now = time(NULL);
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		size_t len = strlen(name);
		struct stat st;
		bool ours = strncmp(name, "preflight", 9) == 0;
		bool cache = ours && len == 32 && strncmp(name, "preflight-", 10) == 0 && strcmp(name + 26, ".cache") == 0;
		bool temporary = ours && (strstr(name, ".cache.") || strncmp(name, SG_PC_KEY_NAME ".", 14) == 0);
		if ((!cache && !temporary) || strcmp(name, mine) == 0 || fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (temporary) {
			if (now - st.st_mtime > STALE_TEMPORARY_SECONDS)
				unlinkat(dirfd(d), name, 0);
			continue;
		}
		other_file f = { .mtime = st.st_mtime };
		memcpy(f.name, name, len + 1); /* 32 bytes and its NUL */
		if (sg_array_push(&others, f) != 0)
			break;
	}
	if (others.n > MAX_OTHER_FILES)
		qsort(others.items, others.n, sizeof *others.items, newest_first);
	for (size_t i = MAX_OTHER_FILES; i < others.n; i++)
		unlinkat(dirfd(d), others.items[i].name, 0);
	sg_array_clear(&others);
	closedir(d);
}

int signet_preflight_cache_save(signet_preflight_cache *c, signet_error **err)
{
	if (!c)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_preflight_cache_save needs a cache");
	pthread_mutex_lock(&c->lock);
	if (!c->dirty) {
		pthread_mutex_unlock(&c->lock);
		return 0;
	}
	uint8_t key[SG_PC_KEY_SIZE];
	int rc = sg_state_directory(c->dir, true, NULL, "prefcache.directory", NOT_USED, err);
	if (!rc)
		rc = sg_pc_key_ensure(key, c->key_path, err);
	if (!rc) {
		drop_gone(c->entries);
		size_t n = json_object_size(c->entries);
		if (n > SIGNET_PREFLIGHT_CACHE_MAX_ENTRIES)
			drop_oldest(c->entries, n - SIGNET_PREFLIGHT_CACHE_MAX_ENTRIES);
	}
	while (!rc) {
		json_t *body = json_pack("{s:i, s:s, s:s, s:O}", "format", SG_PC_FORMAT, "policy", c->policy_hex,
			"host_api", c->host_api, "entries", c->entries);
		signet_error *why = NULL;
		rc = body ? sg_pc_file_write(c->path, c->dir, key, body, &why)
			: sg_fail_code(&why, SIGNET_E_NOMEM, "out of memory saving %s", c->path);
		json_decref(body);
		/* Too large to be read back: the oldest quarter goes, until it fits. */
		if (rc == SIGNET_E_LIMIT && json_object_size(c->entries) > 0) {
			drop_oldest(c->entries, (json_object_size(c->entries) + 3) / 4);
			signet_error_free(why);
			rc = 0;
			continue;
		}
		if (rc && err)
			*err = why;
		else
			signet_error_free(why);
		break;
	}
	OPENSSL_cleanse(key, sizeof key);
	if (!rc) {
		c->dirty = false;
		sweep(c);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}
