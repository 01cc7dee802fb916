/* SPDX-License-Identifier: MIT */
/*
 * prefcache.c - the preflight cache (signet/preflight_cache.h,
 * docs/preflight-cache.md): where it lives, the table of entries, lookups,
 * stores and saves.
 *
 * The table is the file's index, parsed (jansson's hash table: the
 * bundle's path as given, made absolute -> its entry's line), and the
 * lines, oldest first: an entry is parsed only when it is looked up. A
 * lookup copies its line under the lock and does everything else without
 * it; a store appends a line and points the index at it.
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
	uint8_t *raw;                  /* the file as read: the lines not replaced since point into it */
	sg_pc_lines lines;             /* every entry, oldest first (dropped: text NULL); behind `lock` */
	json_t *index;                 /* path -> position of its line in `lines`; behind `lock` */
	size_t compactions;            /* saves that moved lines: a position taken before one means nothing after */
	bool dirty;                    /* the table differs from the file */
	signet_error *status;          /* why the file was not used at open */
	bool last_hit;
	signet_preflight_cache_stats stats;
};

/* ---- opening ------------------------------------------------------------ */

/* The file's index and lines, checked against the handle's policy and host API when read. */
static void load(signet_preflight_cache *c)
{
	signet_error *why = NULL;
	bool missing = false;
	/* A directory others may write is not trusted, whatever its files say. */
	int rc = sg_state_directory(c->dir, false, &missing, "prefcache.directory", NOT_USED, &why);
	if (!rc && !missing)
		rc = sg_pc_file_read(&c->raw, &c->lines, &c->index, c->path, c->key_path, c->policy_hex, c->host_api,
			&why);
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
	/*
	 * Revocation lists and CRLs are not in the transfer: their digest is
	 * added, so a new list (or CRL) is another policy and no verdict
	 * cached before it can hide what it revokes.
	 */
	uint8_t rev[SG_SHA256_SIZE];
	if (sg_policy_revocation_digest(policy, rev)) {
		char hex[2 * SG_SHA256_SIZE + 1], *more = NULL;
		sg_hex_encode(hex, rev, sizeof rev, false);
		if (asprintf(&more, "%s\nrevocation %s", text, hex) < 0) {
			free(text);
			return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory opening the preflight cache");
		}
		free(text);
		text = more;
	}
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
	if (!rc && !c->index && !(c->index = json_object()))
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
	json_decref(c->index);
	sg_pc_lines_clear(&c->lines);
	free(c->raw);
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
	out->entries = json_object_size(c->index);
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

/* An entry's parts, pointing into its parsed JSON. */
typedef struct entry_view {
	json_t *members, *outside, *from, *until, *report;
	uint8_t identity[SG_SHA256_SIZE];
} entry_view;

/* The entry's keys, each of its type (the writer's schema: docs/preflight-cache.md). */
static bool view_of(json_t *entry, entry_view *v)
{
	const char *identity = json_string_value(json_object_get(entry, "identity"));
	*v = (entry_view){ .members = json_object_get(entry, "members"), .outside = json_object_get(entry, "outside"),
		.from = json_object_get(entry, "not_before"), .until = json_object_get(entry, "not_after"),
		.report = json_object_get(entry, "report") };
	return json_object_size(entry) == 6 && json_is_array(v->members) && json_is_array(v->outside) &&
		json_is_object(v->report) && identity && strlen(identity) == 2 * sizeof v->identity &&
		sg_hex_decode_lower(v->identity, identity, sizeof v->identity) &&
		(json_is_null(v->from) || json_is_integer(v->from)) && (json_is_null(v->until) || json_is_integer(v->until));
}

/* Outside the window, some certificate that verified is expired or not yet valid now. */
static int check_window(const char *key, const entry_view *v, signet_error **err)
{
	long long now = (long long)time(NULL);
	bool early = json_is_integer(v->from) && now < json_integer_value(v->from);
	bool late = json_is_integer(v->until) && now > json_integer_value(v->until);
	if (!early && !late)
		return 0;
	char a[32], b[32], t[32];
	iso_time(a, json_is_integer(v->from) ? json_integer_value(v->from) : 0);
	iso_time(b, json_is_integer(v->until) ? json_integer_value(v->until) : 0);
	iso_time(t, now);
	return miss(err, key, "outside the window its verdict holds (%s to %s; now %s)", a, b, t);
}

/* Every recorded file as it was when the entry was stored. */
static int check_files(const char *key, const entry_view *v, signet_error **err)
{
	const char **m = NULL, **o = NULL;
	size_t nm = 0, no = 0;
	uint8_t now[SG_SHA256_SIZE];
	int rc = 0;
	if (!strings_of(v->members, &m, &nm) || nm == 0 || !strings_of(v->outside, &o, &no))
		rc = miss(err, key, "the cache entry is not what Signet writes: members or outside files");
	sg_pc_files f = { .root = key, .members = m, .nmembers = nm, .outside = o, .noutside = no };
	if (!rc)
		rc = sg_pc_identity(now, &f, 0, NULL, err);
	free(m);
	free(o);
	if (!rc && memcmp(now, v->identity, sizeof now) != 0)
		rc = miss(err, key, "changed since it was examined: an entry of the bundle, or a file it depends on, "
			"was added, removed, replaced or modified");
	return rc;
}

/* Is the entry `text` (for `key`) still good? 0 and its report, or a miss (SIGNET_E_NOT_FOUND) saying why. */
static int check_entry(const signet_preflight_cache *c, const char *key, const char *text, size_t len,
	signet_bundle_info **out, signet_error **err)
{
	json_error_t jerr;
	json_t *entry = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	entry_view v;
	int rc = !entry ? miss(err, key, "the cache entry is not what Signet writes: %s", jerr.text)
		: !view_of(entry, &v) ? miss(err, key, "the cache entry is not what Signet writes: its keys or their types")
		: 0;
	if (!rc)
		rc = check_window(key, &v, err);
	if (!rc)
		rc = check_files(key, &v, err);
	signet_error *why = NULL;
	if (!rc && (rc = sg_bundle_info_from_json(out, v.report, c->path, &why)) != 0) {
		if (rc == SIGNET_E_STATE_DAMAGED)
			rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOT_FOUND, .path = key,
				.check = "prefcache.miss", .cause = why }, "the cache entry's report is not what Signet writes: %s",
				signet_error_message(why));
		else if (err)
			*err = why;
		else
			signet_error_free(why);
	}
	json_decref(entry);
	return rc;
}

/* Drops the line at `pos` (the live one of `key`). With the lock. */
static void drop_locked(signet_preflight_cache *c, const char *key, size_t pos)
{
	sg_pc_line *l = &c->lines.items[pos];
	if (l->owned)
		free(l->text);
	l->text = NULL;
	l->owned = false;
	json_object_del(c->index, key);
	c->dirty = true;
}

/* The position of `key`'s line, or SIZE_MAX. With the lock. */
static size_t position_locked(const signet_preflight_cache *c, const char *key)
{
	json_t *at = json_object_get(c->index, key);
	return at ? (size_t)json_integer_value(at) : SIZE_MAX;
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
	size_t pos = position_locked(c, key), compactions = c->compactions;
	sg_pc_line *l = pos == SIZE_MAX ? NULL : &c->lines.items[pos];
	size_t len = l ? l->len : 0;
	char *text = l ? strndup(l->text, len) : NULL;
	pthread_mutex_unlock(&c->lock);
	signet_bundle_info *info = NULL;
	/* The copy is checked without the lock: other threads' lookups go on meanwhile. */
	int rc = !l ? miss(err, key, "no entry for this bundle")
		: !text ? sg_fail_code(err, SIGNET_E_NOMEM, "out of memory looking up %s", key)
		: check_entry(c, key, text, len, &info, err);
	pthread_mutex_lock(&c->lock);
	/* Stale: it will never be a hit again (unless another thread stored a new one meanwhile). */
	if (rc == SIGNET_E_NOT_FOUND && l && c->compactions == compactions && position_locked(c, key) == pos)
		drop_locked(c, key, pos);
	if (!rc)
		c->stats.hits++;
	else if (rc == SIGNET_E_NOT_FOUND)
		c->stats.misses++;
	pthread_mutex_unlock(&c->lock);
	free(text);
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
	/* A list or CRL that expires ends the window too: admission refuses from then on. */
	long long stale = 0;
	if (sg_policy_revocation_until(c->policy, &stale)) {
		if (!has)
			from = 0;
		if (!has || stale < until)
			until = stale;
		has = true;
	}
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
	return json_pack("{s:o, s:o, s:s, s:o, s:o, s:o}", "members", members, "outside", outside, "identity", hex,
		"not_before", has ? json_integer(from) : json_null(), "not_after", has ? json_integer(until) : json_null(),
		"report", report);
}

/* Stores what can be kept of a preflight's report under this handle's policy; true when it was. */
static bool keep(signet_preflight_cache *c, const signet_bundle_info *info)
{
	json_t *entry = make_entry(c, info);
	char *text = entry ? json_dumps(entry, JSON_COMPACT) : NULL, *key = text ? strdup(info->prov->key) : NULL;
	json_decref(entry);
	pthread_mutex_lock(&c->lock);
	bool kept = false;
	if (text && key) {
		/* A new line at the end, the newest: the file stays oldest first for the cap. */
		size_t old = position_locked(c, key), pos = c->lines.n;
		if (old != SIZE_MAX)
			drop_locked(c, key, old);
		if (sg_array_push(&c->lines, ((sg_pc_line){ .key = key, .text = text, .len = strlen(text),
			.owned = true })) == 0) {
			key = text = NULL; /* the line's now */
			sg_pc_line *l = &c->lines.items[pos];
			kept = json_object_set_new(c->index, l->key, json_integer((json_int_t)pos)) == 0;
			if (!kept) { /* never a live line without its index */
				free(l->text);
				l->text = NULL;
				l->owned = false;
			}
		}
	}
	if (kept) {
		c->stats.stored++;
		c->dirty = true;
	} else {
		c->stats.not_stored++;
	}
	pthread_mutex_unlock(&c->lock);
	free(key);
	free(text);
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

int signet_preflight_cached_many(signet_preflight_result *results, signet_preflight_cache *c,
	const char *const *paths, size_t count, const signet_many_options *opts, signet_error **err)
{
	if (!c || (count && (!results || !paths)))
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT,
			"signet_preflight_cached_many needs a cache, results and paths");
	/* The hits answered here; the misses gathered for one parallel preflight. */
	const char **miss = calloc(count ? count : 1, sizeof *miss);
	size_t *where = calloc(count ? count : 1, sizeof *where);
	signet_preflight_result *fresh = calloc(count ? count : 1, sizeof *fresh);
	if (!miss || !where || !fresh) {
		free(miss);
		free(where);
		free(fresh);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory preflighting %zu bundles", count);
	}
	size_t n_miss = 0;
	for (size_t i = 0; i < count; i++) {
		results[i] = (signet_preflight_result){ 0 };
		signet_error *why = NULL;
		int rc = paths[i] && *paths[i] ? signet_preflight_cache_lookup(&results[i].info, c, paths[i], &why)
			: SIGNET_E_NOT_FOUND;
		signet_error_free(why);
		if (rc == 0) {
			results[i].code = verdict(results[i].info, &results[i].error);
		} else {
			miss[n_miss] = paths[i];
			where[n_miss++] = i;
		}
	}
	int whole = signet_preflight_many(fresh, miss, n_miss, c->policy, c->host_api, opts, NULL);
	for (size_t k = 0; k < n_miss; k++) {
		if (fresh[k].info)
			keep(c, fresh[k].info);
		results[where[k]] = fresh[k];
	}
	(void)whole; /* every result carries its own code, a whole-call refusal included */
	free(miss);
	free(where);
	free(fresh);
	for (size_t i = 0; i < count; i++)
		if (results[i].code) {
			if (err)
				*err = results[i].error ? sg_error_copy(results[i].error) : NULL;
			return results[i].code;
		}
	return 0;
}

/* ---- saving ------------------------------------------------------------- */

/* Drops the `n` oldest live lines. With the lock. */
static void drop_oldest_locked(signet_preflight_cache *c, size_t n)
{
	for (size_t i = 0; n > 0 && i < c->lines.n; i++)
		if (c->lines.items[i].text) {
			drop_locked(c, c->lines.items[i].key, i);
			n--;
		}
}

/* Entries whose bundle directory is gone: they would only ever be misses. With the lock. */
static void drop_gone_locked(signet_preflight_cache *c)
{
	for (size_t i = 0; i < c->lines.n; i++) {
		struct stat st;
		if (c->lines.items[i].text && stat(c->lines.items[i].key, &st) != 0 && (errno == ENOENT || errno == ENOTDIR))
			drop_locked(c, c->lines.items[i].key, i);
	}
}

/* After a write: the dropped lines go, the index follows the live ones. With the lock. */
static void compact_locked(signet_preflight_cache *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->lines.n; i++) {
		sg_pc_line l = c->lines.items[i];
		if (!l.text) {
			free(l.key);
			continue;
		}
		json_integer_set(json_object_get(c->index, l.key), (json_int_t)n); /* in place: no memory needed */
		c->lines.items[n++] = l;
	}
	c->lines.n = n;
	c->compactions++;
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
		drop_gone_locked(c);
		size_t n = json_object_size(c->index);
		if (n > SIGNET_PREFLIGHT_CACHE_MAX_ENTRIES)
			drop_oldest_locked(c, n - SIGNET_PREFLIGHT_CACHE_MAX_ENTRIES);
	}
	while (!rc) {
		signet_error *why = NULL;
		rc = sg_pc_file_write(c->path, c->dir, key, c->policy_hex, c->host_api, c->lines.items, c->lines.n, &why);
		/* Too large to be read back: the oldest quarter goes, until it fits. */
		if (rc == SIGNET_E_LIMIT && json_object_size(c->index) > 0) {
			drop_oldest_locked(c, (json_object_size(c->index) + 3) / 4);
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
		compact_locked(c);
		sweep(c);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}
