/* SPDX-License-Identifier: MIT */
/*
 * test_prefcache.c - the preflight cache (signet/preflight_cache.h) on real
 * signed bundles: misses then hits with identical reports; every kind of
 * change to a bundle, to a dependency outside it, to the policy or the
 * host API is a miss and gives the new verdict; a verdict the clock or
 * the process decides is not kept; every kind of damaged, foreign,
 * hostile or misplaced cache file, key or directory is ignored with its
 * reason and rebuilt, never a hang; a forged "accepted" entry changes
 * what a listing says and nothing that loads; the time window; pruning,
 * the cap, the sweep of old files; concurrent writers in real processes
 * never leave a torn file; threads sharing a handle.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "bundle/report_json.h"
#include "bundle/bundle_fixture.h"
#include "harness.h"
#include "pc_forge.h"

#define MISS_CHANGED "changed since it was examined"

/* Past the racy window (SG_PC_SLACK_NS, 50 ms) of every file made so far: what is stored from now on stays. */
static void settle(void)
{
	struct timespec ts = { 0, 120 * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

/* "<fresh sandbox>/cache/signet": a cache directory that does not exist yet. */
static char *cache_dir(void)
{
	char *dir = NULL;
	if (asprintf(&dir, "%s/cache/signet", sg_sandbox()) < 0)
		abort();
	return dir;
}

static char *in(const char *dir, const char *name)
{
	return tb_path(dir, name);
}

static signet_preflight_cache *open_with(const char *dir, const signet_policy *policy, const char *api)
{
	signet_preflight_cache *c = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_preflight_cache_open(&c, dir, policy, api, &err), &err);
	return c;
}

static signet_preflight_cache *open_cache(const char *dir)
{
	return open_with(dir, sg_test_policy(), NULL);
}

static void save(signet_preflight_cache *c)
{
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_preflight_cache_save(c, &err), &err);
}

/* The report as canonical JSON text (malloc'd). */
static char *json_of(const signet_bundle_info *info)
{
	json_t *j = sg_bundle_info_to_json(info);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return text;
}

/*
 * signet_preflight_cached() of `dir` answers exactly as signet_preflight()
 * does (code, error, report, every field), a hit or a miss as `hit` says.
 * Returns the code.
 */
static int same_answer(signet_preflight_cache *c, const char *dir, bool hit)
{
	signet_bundle_info *fresh = NULL, *cached = NULL;
	signet_error *e0 = NULL, *e1 = NULL;
	int rc0 = signet_preflight(&fresh, dir, sg_test_policy(), NULL, &e0);
	int rc1 = signet_preflight_cached(&cached, c, dir, &e1);
	CU_ASSERT_EQUAL(rc1, rc0);
	if (signet_preflight_cache_last_hit(c) != hit)
		fprintf(stderr, "  %s: wanted a %s\n", dir, hit ? "hit" : "miss");
	CU_ASSERT_EQUAL(signet_preflight_cache_last_hit(c), hit);
	CU_ASSERT_FATAL(fresh && cached);
	char *a = json_of(fresh), *b = json_of(cached);
	if (strcmp(a, b) != 0)
		fprintf(stderr, "  fresh:  %s\n  cached: %s\n", a, b);
	CU_ASSERT_STRING_EQUAL(a, b);
	CU_ASSERT_EQUAL(!e0, !e1);
	if (e0 && e1) {
		CU_ASSERT_EQUAL(signet_error_code(e1), signet_error_code(e0));
		CU_ASSERT_STRING_EQUAL(signet_error_message(e1), signet_error_message(e0));
	}
	free(a);
	free(b);
	signet_error_free(e0);
	signet_error_free(e1);
	signet_bundle_info_free(fresh);
	signet_bundle_info_free(cached);
	return rc1;
}

static signet_preflight_cache_stats stats_of(signet_preflight_cache *c)
{
	signet_preflight_cache_stats s = SIGNET_PREFLIGHT_CACHE_STATS_INIT;
	signet_preflight_cache_get_stats(c, &s);
	return s;
}

/* A lookup of `dir` misses, saying `reason`. */
static void expect_miss(signet_preflight_cache *c, const char *dir, const char *reason)
{
	signet_bundle_info *info = NULL;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(signet_preflight_cache_lookup(&info, c, dir, &err), &err, SIGNET_E_NOT_FOUND, reason);
	CU_ASSERT_PTR_NULL(info);
}

static void expect_hit(signet_preflight_cache *c, const char *dir)
{
	signet_bundle_info *info = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_preflight_cache_lookup(&info, c, dir, &err), &err);
	CU_ASSERT_PTR_NOT_NULL(info);
	signet_bundle_info_free(info);
}

/* Preflights `dir` afresh and stores the report (replacing any entry): was it kept? */
static bool restore(signet_preflight_cache *c, const char *dir)
{
	signet_bundle_info *info = NULL;
	signet_error *err = NULL;
	bool stored = false;
	int rc = signet_preflight(&info, dir, sg_test_policy(), NULL, &err);
	CU_ASSERT_EQUAL(rc, err ? signet_error_code(err) : 0);
	signet_error_free(err);
	err = NULL;
	SG_ASSERT_OK(signet_preflight_cache_store(c, info, &stored, &err), &err);
	signet_bundle_info_free(info);
	return stored;
}

/* Preflights `dir` through `c` and says whether the verdict was stored. */
static bool stores(signet_preflight_cache *c, const char *dir)
{
	size_t before = stats_of(c).stored;
	signet_bundle_info *info = NULL;
	signet_error *err = NULL;
	int rc = signet_preflight_cached(&info, c, dir, &err); /* a refusal is a verdict to keep too */
	CU_ASSERT_EQUAL(rc, err ? signet_error_code(err) : 0);
	signet_error_free(err);
	signet_bundle_info_free(info);
	return stats_of(c).stored > before;
}

static tb_spec spec(tb_signer signer)
{
	return (tb_spec){ .signer = signer };
}

static char *good_bundle(const char *name)
{
	tb_spec s = spec(TB_TEAM_A);
	return tb_make(name, &s);
}

static void flip_byte(const char *dir, const char *rel, long at)
{
	CU_ASSERT_EQUAL(tb_sh("printf '\\377' | dd of='%s/%s' bs=1 seek=%ld conv=notrunc status=none", dir, rel, at), 0);
}

static void mode_is(const char *path, unsigned mode)
{
	struct stat st;
	CU_ASSERT_EQUAL_FATAL(lstat(path, &st), 0);
	if ((st.st_mode & 07777) != mode)
		fprintf(stderr, "  %s: mode 0%o, wanted 0%o\n", path, st.st_mode & 07777, mode);
	CU_ASSERT_EQUAL(st.st_mode & 07777, mode);
}

/* ---- misses, then hits ---- */

static void test_misses_then_hits_identical(void)
{
	char *bundles[11];
	size_t n = 0;
	tb_spec s = spec(TB_TEAM_A);
	bundles[n++] = tb_make("good", &s);
	s.with_dep = true;
	bundles[n++] = tb_make("withlib", &s);
	s.variant = "testplugin-USES_DEP.so";
	bundles[n++] = tb_make("usesdep", &s);
	s = spec(TB_TEAM_Z);
	bundles[n++] = tb_make("otherteam", &s);
	s = spec(TB_UNSIGNED);
	bundles[n++] = tb_make("unsigned", &s);
	s = spec(TB_ROGUE);
	bundles[n++] = tb_make("rogue", &s);
	s = spec(TB_PLAIN);
	bundles[n++] = tb_make("plain", &s);
	s = spec(TB_TEAM_A);
	s.variant = "testplugin-SMALL_CLASS.so";
	bundles[n++] = tb_make("small", &s);
	bundles[n++] = good_bundle("tampered");
	flip_byte(bundles[n - 1], "lib/plugin.so", 2000);
	bundles[n++] = good_bundle("unsealed");
	CU_ASSERT_EQUAL(tb_sh("echo extra > '%s/resources/extra.txt'", bundles[n - 1]), 0);
	s.variant = NULL;
	s.host_api = ">=2.0 <3.0";
	bundles[n++] = tb_make("hostapi", &s);
	settle();

	char *dir = cache_dir();
	signet_preflight_cache *c = open_cache(dir);
	CU_ASSERT_PTR_NULL(signet_preflight_cache_status(c));
	int codes[11];
	for (size_t i = 0; i < n; i++)
		codes[i] = same_answer(c, bundles[i], false);
	/* Verdicts of every kind: accepted, and refused for nine reasons. */
	CU_ASSERT_EQUAL(codes[0], 0);
	CU_ASSERT_EQUAL(codes[1], 0);
	CU_ASSERT_EQUAL(codes[2], 0);
	CU_ASSERT_EQUAL(codes[3], SIGNET_E_REQUIREMENT_UNMET);
	CU_ASSERT_EQUAL(codes[4], SIGNET_E_UNSIGNED);
	CU_ASSERT_EQUAL(codes[5], SIGNET_E_UNTRUSTED_ANCHOR);
	CU_ASSERT_EQUAL(codes[6], SIGNET_E_BUNDLE_UNSEALED);
	CU_ASSERT_EQUAL(codes[7], SIGNET_E_PRINCIPAL_CLASS);
	CU_ASSERT_EQUAL(codes[8], SIGNET_E_PAGE_MISMATCH);
	CU_ASSERT_EQUAL(codes[9], SIGNET_E_BUNDLE_UNSEALED);
	CU_ASSERT_EQUAL(codes[10], SIGNET_E_HOST_API);
	signet_preflight_cache_stats st = stats_of(c);
	CU_ASSERT_EQUAL(st.misses, n);
	CU_ASSERT_EQUAL(st.hits, 0);
	CU_ASSERT_EQUAL(st.stored, n);
	CU_ASSERT_EQUAL(st.entries, n);
	/* Nothing on disk before a save. */
	CU_ASSERT_NOT_EQUAL(access(dir, F_OK), 0);
	save(c);
	signet_preflight_cache_free(c);
	mode_is(dir, 0700);
	mode_is(signet_preflight_cache_path(c = open_cache(dir)), 0600);
	char *key = in(dir, "preflight.key");
	mode_is(key, 0600);
	struct stat kst, before, after;
	CU_ASSERT_EQUAL(stat(key, &kst), 0);
	CU_ASSERT_EQUAL(kst.st_size, 32);

	/* A new handle (as a new process would): every answer from the cache, the same. */
	CU_ASSERT_PTR_NULL(signet_preflight_cache_status(c));
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(same_answer(c, bundles[i], true), codes[i]);
	st = stats_of(c);
	CU_ASSERT_EQUAL(st.hits, n);
	CU_ASSERT_EQUAL(st.misses, 0);
	CU_ASSERT_EQUAL(st.stored, 0);
	/* Nothing changed: saving writes nothing (the same file, not rewritten). */
	CU_ASSERT_EQUAL(stat(signet_preflight_cache_path(c), &before), 0);
	save(c);
	CU_ASSERT_EQUAL(stat(signet_preflight_cache_path(c), &after), 0);
	CU_ASSERT_EQUAL(before.st_ino, after.st_ino);
	CU_ASSERT_EQUAL(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
	/* A relative path names the same entry. */
	char cwd[PATH_MAX];
	CU_ASSERT_FATAL(getcwd(cwd, sizeof cwd) != NULL);
	char *slash = strrchr(bundles[0], '/');
	*slash = '\0';
	CU_ASSERT_EQUAL_FATAL(chdir(bundles[0]), 0);
	expect_hit(c, slash + 1);
	CU_ASSERT_EQUAL_FATAL(chdir(cwd), 0);
	*slash = '/';
	signet_preflight_cache_free(c);
	for (size_t i = 0; i < n; i++)
		free(bundles[i]);
	free(key);
	free(dir);
}

/* ---- what is not kept ---- */

static void test_what_is_not_kept(void)
{
	char *dir = cache_dir();
	signet_preflight_cache *c = open_cache(dir);
	/* A dependency not found: installing it later must change the verdict, and nothing recorded would say so. */
	tb_spec s = spec(TB_TEAM_A);
	s.variant = "testplugin-USES_DEP.so";
	char *nodep = tb_make("nodep", &s);
	char *fresh = good_bundle("fresh");
	settle();
	/* Changed after its examination began (here: after it ended, before the store): racy, not kept. */
	signet_bundle_info *info = NULL;
	signet_error *err = NULL;
	bool stored = true;
	CU_ASSERT_EQUAL(signet_preflight(&info, fresh, sg_test_policy(), NULL, &err), 0);
	CU_ASSERT_EQUAL(tb_sh("touch '%s/resources/words.txt'", fresh), 0);
	SG_ASSERT_OK(signet_preflight_cache_store(c, info, &stored, &err), &err);
	CU_ASSERT_FALSE(stored);
	signet_bundle_info_free(info);
	info = NULL;
	settle();
	CU_ASSERT_EQUAL(signet_preflight(&info, nodep, sg_test_policy(), NULL, &err), SIGNET_E_DEPENDENCY_UNRESOLVED);
	signet_error_free(err);
	err = NULL;
	stored = true;
	SG_ASSERT_OK(signet_preflight_cache_store(c, info, &stored, &err), &err);
	CU_ASSERT_FALSE(stored);
	signet_bundle_info_free(info);
	CU_ASSERT_FALSE(stores(c, nodep));
	expect_miss(c, nodep, "no entry for this bundle");
	/* Once settled, the fresh bundle's verdict is kept. */
	CU_ASSERT_TRUE(stores(c, fresh));
	expect_hit(c, fresh);
	signet_preflight_cache_stats st = stats_of(c);
	CU_ASSERT_EQUAL(st.stored, 1);
	CU_ASSERT_EQUAL(st.not_stored, 3);
	signet_preflight_cache_free(c);
	free(nodep);
	free(fresh);
	free(dir);
}

/* ---- changes ---- */

/* A warm entry for a new good bundle `name`; then `change` is run on it (sh -c, "$B" the bundle). */
static void change_is_a_miss(signet_preflight_cache *c, const char *name, const char *change, int code,
	const char *reason)
{
	char *b = good_bundle(name);
	settle();
	CU_ASSERT_TRUE(stores(c, b));
	expect_hit(c, b);
	if (tb_sh("B='%s'; %s", b, change) != 0) {
		fprintf(stderr, "  cannot: %s\n", change);
		CU_FAIL("the change could not be made");
	}
	expect_miss(c, b, reason);
	/* The stale entry went with the miss; the new verdict is the one a preflight gives. */
	CU_ASSERT_EQUAL(same_answer(c, b, false), code);
	/* Kept once nothing changed within a tick of its examination (at once, or at the next miss). */
	settle();
	signet_bundle_info *info = NULL;
	signet_error *err = NULL;
	if (signet_preflight_cache_lookup(&info, c, b, &err) != 0)
		CU_ASSERT_TRUE(stores(c, b));
	signet_error_free(err);
	signet_bundle_info_free(info);
	CU_ASSERT_EQUAL(same_answer(c, b, true), code);
	free(b);
}

static void test_changes_are_misses(void)
{
	char *dir = cache_dir();
	signet_preflight_cache *c = open_cache(dir);
	change_is_a_miss(c, "append", "echo more >> \"$B/resources/words.txt\"", SIGNET_E_SEAL_MISMATCH, MISS_CHANGED);
	change_is_a_miss(c, "replace", "cp \"$B/resources/words.txt\" \"$B/w\" && mv \"$B/w\" \"$B/resources/words.txt\"",
		0, MISS_CHANGED);
	change_is_a_miss(c, "add", "echo new > \"$B/resources/new.txt\"", SIGNET_E_BUNDLE_UNSEALED, MISS_CHANGED);
	change_is_a_miss(c, "touch", "touch -r \"$B/resources/words.txt\" \"$B/resources/words.txt\"", 0, MISS_CHANGED);
	change_is_a_miss(c, "chmod", "chmod 0600 \"$B/resources/words.txt\"", 0, MISS_CHANGED);
	change_is_a_miss(c, "remove", "rm \"$B/resources/data/blob.bin\"", SIGNET_E_SEAL_MISMATCH,
		"recorded, but cannot be stat()ed now: No such file or directory");
	change_is_a_miss(c, "rename", "mv \"$B/resources/data\" \"$B/resources/datb\"", SIGNET_E_SEAL_MISMATCH,
		"cannot be stat()ed now");
	change_is_a_miss(c, "relink", "ln -sf alias2.so \"$B/lib/alias.so\" && ln -s plugin.so \"$B/lib/alias2.so\"",
		SIGNET_E_SEAL_MISMATCH, MISS_CHANGED);
	change_is_a_miss(c, "flip", "printf '\\377' | dd of=\"$B/lib/plugin.so\" bs=1 seek=2000 conv=notrunc status=none",
		SIGNET_E_PAGE_MISMATCH, MISS_CHANGED);
	change_is_a_miss(c, "manifest", "sed -i 's/1.0.0/1.0.1/' \"$B/manifest.json\"", SIGNET_E_SEAL_MISMATCH,
		MISS_CHANGED);
	/* The bundle gone altogether: a miss, and nothing to keep. */
	char *b = good_bundle("gone");
	settle();
	CU_ASSERT_TRUE(stores(c, b));
	CU_ASSERT_EQUAL(tb_sh("rm -r '%s'", b), 0);
	expect_miss(c, b, "recorded, but cannot be stat()ed now: No such file or directory");
	CU_ASSERT_FALSE(stores(c, b));
	expect_miss(c, b, "no entry");
	free(b);
	signet_preflight_cache_free(c);
	free(dir);
}

/* ---- policy and host API ---- */

static signet_policy *policy_with(const char *anchors, const char *requirement)
{
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	SG_ASSERT_OK(signet_policy_set_anchors(p, anchors, &err), &err);
	SG_ASSERT_OK(signet_policy_set_requirement(p, requirement, &err), &err);
	return p;
}

static void test_policy_and_host_api_are_keys(void)
{
	char *b = good_bundle("keys");
	settle();
	char *dir = cache_dir();
	signet_preflight_cache *c = open_cache(dir);
	CU_ASSERT_TRUE(stores(c, b));
	save(c);
	char *first = strdup(signet_preflight_cache_path(c));
	signet_preflight_cache_free(c);

	/* The same policy built again: the same digest, so the same file, and a hit. */
	signet_policy *same = policy_with(sg_test_pki("root.pem"), "anchor trusted and team \"ABCDE12345\"");
	c = open_with(dir, same, NULL);
	CU_ASSERT_STRING_EQUAL(signet_preflight_cache_path(c), first);
	expect_hit(c, b);
	/* A report of a preflight under another policy object is not stored under this one. */
	signet_bundle_info *info = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_preflight(&info, b, sg_test_policy(), NULL, &err), &err);
	bool stored = true;
	SG_ASSERT_FAILS(signet_preflight_cache_store(c, info, &stored, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"not a report of signet_preflight() under this cache's policy and host API version (1.0.0)");
	signet_bundle_info_free(info);
	signet_preflight_cache_free(c);

	/* Another requirement, more anchors, another host API: each another file, each a miss. */
	char *both = in(sg_sandbox(), "anchors.pem");
	CU_ASSERT_EQUAL(tb_sh("cat '%s' '%s' > '%s'", sg_test_pki("root.pem"), sg_test_pki("rogue/root.pem"), both), 0);
	signet_policy *other[] = {
		policy_with(sg_test_pki("root.pem"), "anchor trusted"),
		policy_with(both, "anchor trusted and team \"ABCDE12345\""),
		same,
	};
	const char *apis[] = { NULL, NULL, "1.1.0" };
	for (size_t i = 0; i < 3; i++) {
		c = open_with(dir, other[i], apis[i]);
		CU_ASSERT_STRING_NOT_EQUAL(signet_preflight_cache_path(c), first);
		CU_ASSERT_PTR_NULL(signet_preflight_cache_status(c));
		expect_miss(c, b, "no entry for this bundle");
		signet_preflight_cache_free(c);
	}
	/* The same policy reading a revocation list: another file, so no verdict from before the list is served. */
	char *list = in(sg_sandbox(), "fleet.sig"), *state = in(sg_sandbox(), "state");
	setenv("XDG_STATE_HOME", state, 1);
	CU_ASSERT_EQUAL_FATAL(tb_sh("'%s/signet' revoke --name pc.fleet --sequence 1 --valid-for 1d --team ZZZZZ99999 "
		"--key '%s' --cert '%s' -o '%s' >/dev/null", getenv("SIGNET_TEST_BUILDDIR"), sg_test_pki("ABCDE12345.key"),
		sg_test_pki("ABCDE12345.pem"), list), 0);
	signet_policy *revoking = policy_with(sg_test_pki("root.pem"), "anchor trusted and team \"ABCDE12345\"");
	/* The test PKI's root as list signers: only the cache key is under test here. */
	SG_ASSERT_OK(signet_policy_set_revocation_signers(revoking, sg_test_pki("root.pem"), &err), &err);
	SG_ASSERT_OK(signet_policy_add_revocation_list(revoking, list, &err), &err);
	c = open_with(dir, revoking, NULL);
	CU_ASSERT_STRING_NOT_EQUAL(signet_preflight_cache_path(c), first);
	expect_miss(c, b, "no entry for this bundle");
	signet_preflight_cache_free(c);
	signet_policy_free(revoking);
	free(list);
	free(state);
	/* A body made for another policy, under the right name and a valid MAC, is not believed. */
	json_t *body = pc_body(first);
	json_object_set_new(body, "policy", json_string("00000000000000000000000000000000"
		"00000000000000000000000000000000"));
	char *key = in(dir, "preflight.key");
	pc_write(first, key, 1, body);
	c = open_cache(dir);
	const signet_error *why = signet_preflight_cache_status(c);
	CU_ASSERT_FATAL(why != NULL);
	CU_ASSERT_EQUAL(signet_error_code(why), SIGNET_E_STATE_DAMAGED);
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(why), "made for another policy or host API version"));
	expect_miss(c, b, "no entry");
	signet_preflight_cache_free(c);
	for (size_t i = 0; i < 2; i++)
		signet_policy_free(other[i]);
	signet_policy_free(same);
	json_decref(body);
	free(key);
	free(both);
	free(first);
	free(dir);
	free(b);
}

/* ---- damaged, foreign, hostile files ---- */

typedef struct warm_cache {
	char *dir, *bundle, *file, *key;
} warm_cache;

/* A cache with one good bundle's entry, saved. */
static warm_cache warm(void)
{
	static char *bundle;
	if (!bundle) {
		bundle = good_bundle("warm"); /* one bundle for every damaged cache: never changed */
		settle();
	}
	warm_cache w = { .dir = cache_dir(), .bundle = bundle };
	signet_preflight_cache *c = open_cache(w.dir);
	CU_ASSERT_TRUE(stores(c, bundle));
	save(c);
	w.file = strdup(signet_preflight_cache_path(c));
	w.key = in(w.dir, "preflight.key");
	signet_preflight_cache_free(c);
	return w;
}

/*
 * The cache file (or key) is ignored with `code`, `check` and `reason`;
 * lookups miss; the next save rebuilds it, after which it is read again.
 */
static void expect_ignored(warm_cache *w, int code, const char *check, const char *reason)
{
	signet_preflight_cache *c = open_cache(w->dir);
	const signet_error *why = signet_preflight_cache_status(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(why);
	if (signet_error_code(why) != code || !strstr(signet_error_message(why), reason))
		fprintf(stderr, "  status: %s (%s), wanted \"%s\"\n", signet_error_message(why),
			signet_code_name(signet_error_code(why)), reason);
	CU_ASSERT_EQUAL(signet_error_code(why), code);
	CU_ASSERT_STRING_EQUAL(signet_error_check(why), check);
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(why), reason));
	expect_miss(c, w->bundle, "no entry for this bundle");
	CU_ASSERT_TRUE(stores(c, w->bundle));
	save(c);
	signet_preflight_cache_free(c);
	c = open_cache(w->dir);
	CU_ASSERT_PTR_NULL(signet_preflight_cache_status(c));
	expect_hit(c, w->bundle);
	signet_preflight_cache_free(c);
	mode_is(w->file, 0600);
	mode_is(w->key, 0600);
	free(w->dir);
	free(w->file);
	free(w->key);
}

static void test_damaged_files_are_rebuilt(void)
{
	warm_cache w = warm();
	/* A byte of the body flipped. */
	size_t len = 0;
	uint8_t *bytes = sg_read_file(w.file, &len);
	bytes[len - 20] ^= 0x01;
	sg_write_file(w.file, bytes, len, 0600);
	expect_ignored(&w, SIGNET_E_STATE_DAMAGED, "prefcache.file", "the MAC does not match");
	/* Truncated in the body, and in the header. */
	w = warm();
	CU_ASSERT_EQUAL(truncate(w.file, (off_t)(len / 2)), 0);
	expect_ignored(&w, SIGNET_E_STATE_DAMAGED, "prefcache.file", "the MAC does not match");
	w = warm();
	CU_ASSERT_EQUAL(truncate(w.file, 30), 0);
	expect_ignored(&w, SIGNET_E_STATE_DAMAGED, "prefcache.file", "not a preflight cache: no header line");
	w = warm();
	CU_ASSERT_EQUAL(truncate(w.file, 0), 0);
	expect_ignored(&w, SIGNET_E_STATE_DAMAGED, "prefcache.file", "no header line");
	/* Another MAC in the header. */
	w = warm();
	free(bytes);
	bytes = sg_read_file(w.file, &len);
	char *mac = strstr((char *)bytes, "\"mac\":\"") + 7;
	mac[0] = mac[0] == 'a' ? 'b' : 'a';
	sg_write_file(w.file, bytes, len, 0600);
	expect_ignored(&w, SIGNET_E_STATE_DAMAGED, "prefcache.file", "the MAC does not match");
	/* A MAC that is no MAC. */
	w = warm();
	sg_write_file(w.file, "{\"format\":1,\"mac\":\"XYZ\"}\n{}\n", 28, 0600);
	expect_ignored(&w, SIGNET_E_STATE_DAMAGED, "prefcache.file", "the MAC is not 64 lowercase hex digits");
	/* Not JSON at all. */
	w = warm();
	sg_write_file(w.file, "\177ELF garbage\n\001\002", 16, 0600);
	expect_ignored(&w, SIGNET_E_STATE_DAMAGED, "prefcache.file", "not a preflight cache: the first line is not");
	/* Format 2 (a later Signet's), with a valid MAC and all. */
	w = warm();
	json_t *body = pc_body(w.file);
	pc_write(w.file, w.key, 2, body);
	expect_ignored(&w, SIGNET_E_STATE_DAMAGED, "prefcache.file", "format 2: this Signet reads format 1");
	/* A valid MAC over an index that is not JSON, or not this schema, or lines it does not account for. */
	w = warm();
	pc_write_raw(w.file, w.key, 1, "{\"format\":1,");
	expect_ignored(&w, SIGNET_E_STATE_DAMAGED, "prefcache.file", "line 2, column");
	w = warm();
	pc_write_raw(w.file, w.key, 1, "{\"format\":1,\"policy\":\"p\",\"host_api\":\"1.0.0\",\"entries\":{},\"x\":1}");
	expect_ignored(&w, SIGNET_E_STATE_DAMAGED, "prefcache.file", "index: ");
	w = warm();
	json_t *extra = pc_body(w.file);
	json_t *index_only = json_deep_copy(extra);
	json_object_set_new(index_only, "entries", json_object());
	char *text = json_dumps(index_only, JSON_COMPACT), *two = NULL;
	if (asprintf(&two, "%s\n{}", text) < 0)
		abort();
	pc_write_raw(w.file, w.key, 1, two);
	expect_ignored(&w, SIGNET_E_STATE_DAMAGED, "prefcache.file", "the index names 0 entries, but 1 lines follow");
	free(two);
	w = warm();
	json_object_set_new(index_only, "entries", json_pack("{s:i, s:i}", "/a", 0, "/b", 0));
	free(text);
	text = json_dumps(index_only, JSON_COMPACT);
	if (asprintf(&two, "%s\n{}\n{}", text) < 0)
		abort();
	pc_write_raw(w.file, w.key, 1, two);
	expect_ignored(&w, SIGNET_E_STATE_DAMAGED, "prefcache.file", "index: the line of \"/b\" is not one of its own");
	free(two);
	w = warm();
	json_object_set_new(index_only, "entries", json_pack("{s:i}", "/a", 0));
	free(text);
	text = json_dumps(index_only, JSON_COMPACT);
	if (asprintf(&two, "%s\n", text) < 0) /* and then an empty line */
		abort();
	pc_write_raw(w.file, w.key, 1, two);
	expect_ignored(&w, SIGNET_E_STATE_DAMAGED, "prefcache.file", "line 3: empty");
	free(two);
	json_decref(index_only);
	json_decref(extra);
	/* Another user's file, or one made with another key: the MAC does not match. */
	w = warm();
	uint8_t other[32];
	for (int i = 0; i < 32; i++)
		other[i] = (uint8_t)(i * 7 + 1);
	sg_write_file(w.key, other, sizeof other, 0600);
	expect_ignored(&w, SIGNET_E_STATE_DAMAGED, "prefcache.file", "the MAC does not match");
	json_decref(body);
	free(text);
	free(bytes);
}

static void test_hostile_files_at_the_cache_path(void)
{
	sg_watchdog(120);
	/* A FIFO without a writer: opened nonblocking, refused, never waited on. */
	warm_cache w = warm();
	CU_ASSERT_EQUAL(unlink(w.file), 0);
	CU_ASSERT_EQUAL(mkfifo(w.file, 0600), 0);
	expect_ignored(&w, SIGNET_E_IO, "prefcache.file", "not a regular file (a FIFO)");
	/* A symlink to a good cache file: not followed, and the save replaces the link, not its target. */
	w = warm();
	char *target = in(sg_sandbox(), "target.cache");
	CU_ASSERT_EQUAL(rename(w.file, target), 0);
	CU_ASSERT_EQUAL(symlink(target, w.file), 0);
	size_t before = 0, after = 0;
	free(sg_read_file(target, &before));
	expect_ignored(&w, SIGNET_E_IO, "prefcache.file", "not a regular file (a symlink)");
	uint8_t *t = sg_read_file(target, &after);
	CU_ASSERT_EQUAL(before, after);
	free(t);
	/* A huge sparse file: refused from its size, before a byte is read. */
	w = warm();
	CU_ASSERT_EQUAL(truncate(w.file, (off_t)SIGNET_PREFLIGHT_CACHE_MAX_FILE_SIZE + 1), 0);
	expect_ignored(&w, SIGNET_E_LIMIT, "file.size", "too large");
	/* A socket and a device cannot be renamed over by a user... a directory cannot be replaced at all. */
	w = warm();
	CU_ASSERT_EQUAL(unlink(w.file), 0);
	CU_ASSERT_EQUAL(mkdir(w.file, 0700), 0);
	signet_preflight_cache *c = open_cache(w.dir);
	const signet_error *why = signet_preflight_cache_status(c);
	CU_ASSERT_FATAL(why != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(why), "not a regular file (a directory)"));
	CU_ASSERT_TRUE(stores(c, w.bundle));
	signet_error *err = NULL;
	SG_ASSERT_FAILS(signet_preflight_cache_save(c, &err), &err, SIGNET_E_IO,
		"cannot replace the cache file: Is a directory");
	/* The handle goes on, unsaved: its answers still come from memory. */
	expect_hit(c, w.bundle);
	signet_preflight_cache_free(c);
	free(target);
	free(w.dir);
	free(w.file);
	free(w.key);
}

static void test_bad_keys_are_replaced(void)
{
	sg_watchdog(120);
	warm_cache w = warm();
	CU_ASSERT_EQUAL(unlink(w.key), 0);
	expect_ignored(&w, SIGNET_E_IO, "prefcache.key", "cannot open: No such file or directory");
	w = warm();
	CU_ASSERT_EQUAL(unlink(w.key), 0);
	CU_ASSERT_EQUAL(mkfifo(w.key, 0600), 0);
	expect_ignored(&w, SIGNET_E_IO, "prefcache.key", "not a regular file (a FIFO)");
	/* A symlink to the right key is not followed either: the key is replaced, the link's target kept. */
	w = warm();
	char *target = in(sg_sandbox(), "key");
	CU_ASSERT_EQUAL(rename(w.key, target), 0);
	CU_ASSERT_EQUAL(symlink(target, w.key), 0);
	expect_ignored(&w, SIGNET_E_IO, "prefcache.key", "not a regular file (a symlink)");
	struct stat st;
	CU_ASSERT_EQUAL(stat(target, &st), 0);
	CU_ASSERT_EQUAL(st.st_size, 32);
	w = warm();
	CU_ASSERT_EQUAL(chmod(w.key, 0644), 0);
	expect_ignored(&w, SIGNET_E_IO, "prefcache.key", "not a key of this user's alone");
	w = warm();
	CU_ASSERT_EQUAL(truncate(w.key, 31), 0);
	expect_ignored(&w, SIGNET_E_IO, "prefcache.key", "not a key: it is not 32 bytes long");
	w = warm();
	CU_ASSERT_EQUAL(truncate(w.key, 10LL << 30), 0);
	expect_ignored(&w, SIGNET_E_LIMIT, "file.size", "too large");
	free(target);
}

static void test_directory_others_may_write(void)
{
	warm_cache w = warm();
	const char *reason = "not a directory of this user that only it may write: the preflight cache there is not used";
	CU_ASSERT_EQUAL(chmod(w.dir, 0777), 0);
	signet_preflight_cache *c = open_cache(w.dir);
	const signet_error *why = signet_preflight_cache_status(c);
	CU_ASSERT_FATAL(why != NULL);
	CU_ASSERT_EQUAL(signet_error_code(why), SIGNET_E_IO);
	CU_ASSERT_STRING_EQUAL(signet_error_check(why), "prefcache.directory");
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(why), reason));
	/* Not read: what is in it could be anyone's. Not written: it is saved nowhere. */
	expect_miss(c, w.bundle, "no entry for this bundle");
	CU_ASSERT_TRUE(stores(c, w.bundle));
	struct stat before, after;
	CU_ASSERT_EQUAL(stat(w.file, &before), 0);
	signet_error *err = NULL;
	SG_ASSERT_FAILS(signet_preflight_cache_save(c, &err), &err, SIGNET_E_IO, reason);
	CU_ASSERT_EQUAL(stat(w.file, &after), 0);
	CU_ASSERT_EQUAL(before.st_ino, after.st_ino);
	signet_preflight_cache_free(c);
	CU_ASSERT_EQUAL(chmod(w.dir, 0700), 0);
	/* Another user's directory: only root can make one here to show it. */
	if (geteuid() == 0) {
		CU_ASSERT_EQUAL(chown(w.dir, 65534, 65534), 0);
		c = open_cache(w.dir);
		why = signet_preflight_cache_status(c);
		CU_ASSERT_FATAL(why != NULL);
		CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(why), reason));
		SG_ASSERT_FAILS(signet_preflight_cache_save(c, &err), &err, SIGNET_E_IO, reason);
		signet_preflight_cache_free(c);
		CU_ASSERT_EQUAL(chown(w.dir, 0, 0), 0);
	} else {
		fprintf(stderr, "  (not root: a directory of another user is not tried)\n");
	}
	/* A file where the directory should be. */
	char *file = in(sg_sandbox(), "notadir");
	sg_write_file(file, "x", 1, 0600);
	c = open_cache(file);
	why = signet_preflight_cache_status(c);
	CU_ASSERT_FATAL(why != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(why), reason));
	CU_ASSERT_TRUE(stores(c, w.bundle));
	SG_ASSERT_FAILS(signet_preflight_cache_save(c, &err), &err, SIGNET_E_IO, reason);
	signet_preflight_cache_free(c);
	free(file);
	free(w.dir);
	free(w.file);
	free(w.key);
}

/* ---- entries the MAC vouches for but that are wrong ---- */

static void set_members(json_t *body, void *bundle)
{
	json_object_set_new(pc_entry(body, bundle), "members", json_integer(5));
}

static void set_bad_code(json_t *body, void *bundle)
{
	json_t *reasons = json_object_get(json_object_get(pc_entry(body, bundle), "report"), "reasons");
	json_object_set_new(json_array_get(reasons, 0), "code", json_string("SIGNET_E_NOPE"));
}

static void test_odd_entries_are_misses(void)
{
	warm_cache w = warm();
	pc_rewrite(w.file, set_members, w.bundle);
	signet_preflight_cache *c = open_cache(w.dir);
	CU_ASSERT_PTR_NULL(signet_preflight_cache_status(c));
	CU_ASSERT_EQUAL(stats_of(c).entries, 1);
	expect_miss(c, w.bundle, "the cache entry is not what Signet writes");
	CU_ASSERT_EQUAL(stats_of(c).entries, 0); /* dropped */
	signet_preflight_cache_free(c);
	/* A refused bundle's report whose reason has no code of the list. */
	tb_spec s = spec(TB_TEAM_Z);
	char *b = tb_make("badcode", &s);
	settle();
	c = open_cache(w.dir);
	CU_ASSERT_TRUE(stores(c, b));
	save(c);
	signet_preflight_cache_free(c);
	pc_rewrite(w.file, set_bad_code, b);
	c = open_cache(w.dir);
	expect_miss(c, b, "the cache entry's report is not what Signet writes: ");
	expect_miss(c, b, "no entry");
	CU_ASSERT_EQUAL(same_answer(c, b, false), SIGNET_E_REQUIREMENT_UNMET);
	signet_preflight_cache_free(c);
	free(b);
	free(w.dir);
	free(w.file);
	free(w.key);
}

/* ---- a forged "accepted" ---- */

static void test_forged_accepted_entry_loads_nothing(void)
{
	char *b = good_bundle("forged");
	flip_byte(b, "lib/plugin.so", 2000);
	settle();
	char *dir = cache_dir();
	signet_preflight_cache *c = open_cache(dir);
	signet_error *refusal = NULL;
	signet_bundle_info *info = NULL;
	CU_ASSERT_EQUAL(signet_preflight(&info, b, sg_test_policy(), NULL, &refusal), SIGNET_E_PAGE_MISMATCH);
	signet_bundle_info_free(info);
	info = NULL;
	CU_ASSERT_TRUE(stores(c, b));
	save(c);
	signet_preflight_cache_free(c);
	/* Someone with this user's rights rewrites the entry, MAC and all. */
	pc_rewrite(signet_preflight_cache_path(c = open_cache(dir)), pc_forge_accepted, b);
	signet_preflight_cache_free(c);
	c = open_cache(dir);
	signet_error *err = NULL;
	/* The cache believes it: that is what advisory means. */
	SG_ASSERT_OK(signet_preflight_cached(&info, c, b, &err), &err);
	CU_ASSERT_TRUE(signet_preflight_cache_last_hit(c));
	CU_ASSERT_TRUE(signet_bundle_info_ok(info));
	signet_bundle_info_free(info);
	/* Loading never asks it: refused with the very verification error a preflight gives. */
	signet_host *host = NULL;
	signet_host_options o = SIGNET_HOST_OPTIONS_INIT;
	o.policy = sg_test_policy();
	SG_ASSERT_OK(signet_host_new(&host, &o, &err), &err);
	signet_guest_id g;
	int rc = signet_host_load_bundle(&g, host, b, &err);
	CU_ASSERT_EQUAL(rc, SIGNET_E_PAGE_MISMATCH);
	CU_ASSERT_FATAL(err != NULL);
	CU_ASSERT_EQUAL(signet_error_code(err), SIGNET_E_PAGE_MISMATCH);
	CU_ASSERT_STRING_EQUAL(signet_error_message(err), signet_error_message(refusal));
	CU_ASSERT_EQUAL(signet_error_offset(err), signet_error_offset(refusal));
	signet_error_free(err);
	err = NULL;
	char *exe = in(b, "lib/plugin.so");
	signet_image *img = NULL;
	SG_ASSERT_FAILS(signet_load(&img, exe, sg_test_policy(), &err), &err, SIGNET_E_PAGE_MISMATCH, "page");
	signet_host_free(host);
	signet_preflight_cache_free(c);
	signet_error_free(refusal);
	free(exe);
	free(dir);
	free(b);
}

/* ---- the time window ---- */

static long long cert_time(const char *pem, bool after)
{
	FILE *f = fopen(pem, "re");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	struct tm tm;
	CU_ASSERT_EQUAL(ASN1_TIME_to_tm(after ? X509_get0_notAfter(x) : X509_get0_notBefore(x), &tm), 1);
	X509_free(x);
	return (long long)timegm(&tm);
}

static long long window_of(const char *file, const char *bundle, const char *which)
{
	json_t *body = pc_body(file);
	long long v = json_integer_value(json_object_get(pc_entry(body, bundle), which));
	json_decref(body);
	return v;
}

static void set_window(json_t *body, void *payload)
{
	const long long *w = payload;
	json_t *e = pc_entry(body, (const char *)(uintptr_t)w[2]);
	json_object_set_new(e, "not_before", json_integer(w[0]));
	json_object_set_new(e, "not_after", json_integer(w[1]));
}

static void test_time_window(void)
{
	/* A PKI of this test's own: the same root, and a team certificate valid for one day. */
	char *pki = in(sg_sandbox(), "pki");
	const char *b0 = sg_builddir();
	CU_ASSERT_EQUAL_FATAL(tb_sh("cp -r '%s/tests/pki' '%s' && '%s/signet' ca issue --team ABCDE12345 --name Short "
		"--days 1 --force '%s' >/dev/null", b0, pki, b0, pki), 0);
	char *short_pem = in(pki, "ABCDE12345.pem"), *short_key = in(pki, "ABCDE12345.key");
	char *b = good_bundle("window");
	tb_spec s = spec(TB_UNSIGNED);
	char *brief = tb_make("brief", &s);
	CU_ASSERT_EQUAL_FATAL(tb_sh("'%s/signet' sign --key '%s' --cert '%s' --bundle '%s' >/dev/null", b0, short_key,
		short_pem, brief), 0);
	settle();
	char *dir = cache_dir();
	signet_preflight_cache *c = open_cache(dir);
	CU_ASSERT_TRUE(stores(c, b));
	CU_ASSERT_TRUE(stores(c, brief));
	save(c);
	const char *file = signet_preflight_cache_path(c);
	/* [latest notBefore, earliest notAfter] over the chain, the anchor included. */
	const char *leaf = sg_test_pki("ABCDE12345.pem"), *root = sg_test_pki("root.pem");
	long long nb = cert_time(leaf, false), na = cert_time(leaf, true);
	if (cert_time(root, false) > nb)
		nb = cert_time(root, false);
	if (cert_time(root, true) < na)
		na = cert_time(root, true);
	CU_ASSERT_EQUAL(window_of(file, b, "not_before"), nb);
	CU_ASSERT_EQUAL(window_of(file, b, "not_after"), na);
	/* The one-day certificate ends the window before the root does. */
	CU_ASSERT_EQUAL(window_of(file, brief, "not_after"), cert_time(short_pem, true));
	CU_ASSERT(window_of(file, brief, "not_after") < cert_time(root, true));
	signet_preflight_cache_free(c);

	/* Outside the window (rewritten, MAC and all, as the clock cannot be moved): a miss, dropped. */
	long long now = (long long)time(NULL);
	long long past[3] = { nb, now - 60, (long long)(uintptr_t)b };
	c = open_cache(dir);
	pc_rewrite(signet_preflight_cache_path(c), set_window, past);
	signet_preflight_cache_free(c);
	c = open_cache(dir);
	expect_miss(c, b, "outside the window its verdict holds");
	expect_miss(c, b, "no entry");
	CU_ASSERT_TRUE(stores(c, b));
	save(c);
	long long future[3] = { now + 3600, na, (long long)(uintptr_t)b };
	pc_rewrite(signet_preflight_cache_path(c), set_window, future);
	signet_preflight_cache_free(c);
	c = open_cache(dir);
	expect_miss(c, b, "outside the window its verdict holds");
	signet_preflight_cache_free(c);
	free(pki);
	free(short_pem);
	free(short_key);
	free(brief);
	free(dir);
	free(b);
}

/* ---- a signed dependency outside the bundle ---- */

static void test_dependency_outside_the_bundle(void)
{
	/* testplugin-OUTSIDE_DEP.so has RUNPATH tests/prefcache/outside (absolute): its libtestdep.so.1 lives there. */
	const char *b0 = sg_builddir();
	char *outside = NULL, *dep = NULL, *pki = in(sg_sandbox(), "pki");
	if (asprintf(&outside, "%s/tests/prefcache/outside", b0) < 0 || asprintf(&dep, "%s/libtestdep.so.1", outside) < 0)
		abort();
	/* Signed with a one-day certificate: the entry's window must come from the dependency too. */
	CU_ASSERT_EQUAL_FATAL(tb_sh("rm -rf '%s' && mkdir -p '%s' && cp '%s/tests/bundle/plugins/libtestdep.so.1' '%s' && "
		"cp -r '%s/tests/pki' '%s' && '%s/signet' ca issue --team ABCDE12345 --name Short --days 1 --force '%s' "
		">/dev/null && '%s/signet' sign --key '%s/ABCDE12345.key' --cert '%s/ABCDE12345.pem' --identifier "
		"org.signet.test.outside '%s' >/dev/null", outside, outside, b0, dep, b0, pki, b0, pki, b0, pki, pki, dep), 0);
	tb_spec s = spec(TB_TEAM_A);
	s.variant = "testplugin-OUTSIDE_DEP.so";
	char *b = tb_make("outside", &s);
	settle();
	char *dir = cache_dir();
	signet_preflight_cache *c = open_cache(dir);
	CU_ASSERT_EQUAL(same_answer(c, b, false), 0);
	save(c);
	json_t *body = pc_body(signet_preflight_cache_path(c));
	json_t *e = pc_entry(body, b);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(e, "outside"), 0)), dep);
	char *short_pem = in(pki, "ABCDE12345.pem");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(e, "not_after")), cert_time(short_pem, true));
	json_decref(body);
	CU_ASSERT_EQUAL(same_answer(c, b, true), 0);
	/* A new file beside the dependency: its directory changed (a new candidate could be there). */
	CU_ASSERT_EQUAL(tb_sh("touch '%s/other.txt'", outside), 0);
	expect_miss(c, b, MISS_CHANGED);
	settle();
	CU_ASSERT_EQUAL(same_answer(c, b, false), 0);
	CU_ASSERT_EQUAL(same_answer(c, b, true), 0);
	/* The dependency rewritten with the same bytes. */
	CU_ASSERT_EQUAL(tb_sh("cat '%s' > '%s.tmp' && cat '%s.tmp' > '%s' && rm '%s.tmp'", dep, dep, dep, dep, dep), 0);
	expect_miss(c, b, MISS_CHANGED);
	/* Tampered: refused, as a fresh preflight says. */
	flip_byte(outside, "libtestdep.so.1", 1500);
	settle();
	CU_ASSERT_EQUAL(same_answer(c, b, false), SIGNET_E_PAGE_MISMATCH);
	CU_ASSERT_EQUAL(same_answer(c, b, true), SIGNET_E_PAGE_MISMATCH);
	signet_preflight_cache_free(c);
	CU_ASSERT_EQUAL(tb_sh("rm -rf '%s'", outside), 0);
	free(short_pem);
	free(outside);
	free(dep);
	free(pki);
	free(dir);
	free(b);
}

/* ---- growth: pruning, the cap, old files ---- */

static void test_gone_bundles_are_pruned(void)
{
	char *b[3] = { good_bundle("p0"), good_bundle("p1"), good_bundle("p2") };
	settle();
	char *dir = cache_dir();
	signet_preflight_cache *c = open_cache(dir);
	for (int i = 0; i < 2; i++)
		CU_ASSERT_TRUE(stores(c, b[i]));
	save(c);
	signet_preflight_cache_free(c);
	CU_ASSERT_EQUAL(tb_sh("rm -r '%s'", b[0]), 0);
	c = open_cache(dir);
	CU_ASSERT_EQUAL(stats_of(c).entries, 2);
	CU_ASSERT_TRUE(stores(c, b[2]));
	save(c);
	signet_preflight_cache_free(c);
	c = open_cache(dir);
	CU_ASSERT_EQUAL(stats_of(c).entries, 2);
	expect_miss(c, b[0], "no entry");
	expect_hit(c, b[1]);
	expect_hit(c, b[2]);
	signet_preflight_cache_free(c);
	for (int i = 0; i < 3; i++)
		free(b[i]);
	free(dir);
}

static void test_the_cap_drops_the_oldest(void)
{
	char *b = good_bundle("capped");
	settle();
	char *dir = cache_dir();
	signet_preflight_cache *c = open_cache(dir);
	CU_ASSERT_TRUE(stores(c, b));
	save(c); /* makes the directory and the key */
	/* As many entries as the cap allows, each for a directory that exists, oldest first: 1, 2, ... */
	const char *many = sg_sandbox();
	json_t *body = pc_body(signet_preflight_cache_path(c)), *entries = json_object();
	for (int i = 1; i <= SIGNET_PREFLIGHT_CACHE_MAX_ENTRIES; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/%d", many, i);
		CU_ASSERT_EQUAL_FATAL(mkdir(path, 0700), 0);
		json_object_set_new(entries, path, json_pack("{s:[s], s:[], s:s, s:n, s:n, s:{}}", "members", "",
			"outside", "identity", "00", "not_before", "not_after", "report"));
	}
	json_object_set_new(body, "entries", entries);
	char *key = in(dir, "preflight.key");
	pc_write(signet_preflight_cache_path(c), key, 1, body);
	signet_preflight_cache_free(c);
	c = open_cache(dir);
	CU_ASSERT_PTR_NULL(signet_preflight_cache_status(c));
	CU_ASSERT_EQUAL(stats_of(c).entries, SIGNET_PREFLIGHT_CACHE_MAX_ENTRIES);
	CU_ASSERT_TRUE(stores(c, b)); /* one more than the cap: the oldest goes on save */
	save(c);
	signet_preflight_cache_free(c);
	c = open_cache(dir);
	CU_ASSERT_EQUAL(stats_of(c).entries, SIGNET_PREFLIGHT_CACHE_MAX_ENTRIES);
	char oldest[PATH_MAX], next[PATH_MAX];
	snprintf(oldest, sizeof oldest, "%s/1", many);
	snprintf(next, sizeof next, "%s/2", many);
	expect_miss(c, oldest, "no entry for this bundle");
	expect_miss(c, next, "not what Signet writes"); /* still there (and not a real entry) */
	expect_hit(c, b);
	signet_preflight_cache_free(c);
	json_decref(body);
	free(key);
	free(dir);
	free(b);
}

static void test_old_files_are_swept(void)
{
	warm_cache w = warm();
	/* Twenty caches of other policies, written 1 to 20 days ago; temporary files of writers that died. */
	time_t now = time(NULL);
	for (int i = 1; i <= 20; i++) {
		char *f = NULL;
		if (asprintf(&f, "%s/preflight-%016x.cache", w.dir, i) < 0)
			abort();
		sg_write_file(f, "x", 1, 0600);
		struct timespec t[2] = { { now - i * 86400, 0 }, { now - i * 86400, 0 } };
		CU_ASSERT_EQUAL(utimensat(AT_FDCWD, f, t, 0), 0);
		free(f);
	}
	const char *temps[] = { "preflight-0123456789abcdef.cache.Ab12Cd", "preflight.key.Xy34Zw" };
	for (int i = 0; i < 2; i++) {
		char *f = in(w.dir, temps[i]);
		sg_write_file(f, "x", 1, 0600);
		struct timespec t[2] = { { now - 2 * 86400, 0 }, { now - 2 * 86400, 0 } };
		CU_ASSERT_EQUAL(utimensat(AT_FDCWD, f, t, 0), 0);
		free(f);
	}
	char *young = in(w.dir, "preflight-0123456789abcdef.cache.Young1");
	sg_write_file(young, "x", 1, 0600);
	signet_preflight_cache *c = open_cache(w.dir);
	CU_ASSERT_TRUE(restore(c, w.bundle)); /* something to save */
	save(c);
	signet_preflight_cache_free(c);
	for (int i = 1; i <= 20; i++) {
		char *f = NULL;
		if (asprintf(&f, "%s/preflight-%016x.cache", w.dir, i) < 0)
			abort();
		if ((access(f, F_OK) == 0) != (i <= 15))
			fprintf(stderr, "  %s: %s\n", f, i <= 15 ? "should be kept" : "should be gone");
		CU_ASSERT_EQUAL(access(f, F_OK) == 0, i <= 15);
		free(f);
	}
	for (int i = 0; i < 2; i++) {
		char *f = in(w.dir, temps[i]);
		CU_ASSERT_NOT_EQUAL(access(f, F_OK), 0);
		free(f);
	}
	CU_ASSERT_EQUAL(access(young, F_OK), 0);
	CU_ASSERT_EQUAL(access(w.file, F_OK), 0);
	CU_ASSERT_EQUAL(access(w.key, F_OK), 0);
	free(young);
	free(w.dir);
	free(w.file);
	free(w.key);
}

/* ---- concurrency ---- */

static void test_concurrent_writers_never_tear(void)
{
	sg_watchdog(240);
	enum { WRITERS = 4, ROUNDS = 25, READS = 150 };
	char *b[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		char name[16];
		snprintf(name, sizeof name, "w%d", i);
		b[i] = good_bundle(name);
	}
	settle();
	/* No key yet either: the writers race to make it, and must agree on one. */
	char *dir = cache_dir();
	pid_t kids[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		kids[i] = fork();
		CU_ASSERT_FATAL(kids[i] >= 0);
		if (kids[i] == 0) {
			int bad = 0;
			for (int r = 0; r < ROUNDS; r++) {
				signet_preflight_cache *c = NULL;
				signet_error *err = NULL;
				signet_bundle_info *info = NULL;
				bool stored = false;
				bad |= signet_preflight_cache_open(&c, dir, sg_test_policy(), NULL, &err) != 0;
				bad |= signet_preflight(&info, b[(i + r) % WRITERS], sg_test_policy(), NULL, &err) != 0;
				bad |= signet_preflight_cache_store(c, info, &stored, &err) != 0 || !stored;
				bad |= signet_preflight_cache_save(c, &err) != 0;
				if (bad && err)
					fprintf(stderr, "  writer %d: %s\n", i, signet_error_message(err));
				signet_error_free(err);
				signet_bundle_info_free(info);
				signet_preflight_cache_free(c);
			}
			_exit(bad);
		}
	}
	/* Meanwhile: every read sees a whole file under the one key, or none yet. */
	int torn = 0;
	for (int r = 0; r < READS; r++) {
		signet_preflight_cache *c = open_cache(dir);
		const signet_error *why = signet_preflight_cache_status(c);
		/* The only status allowed: the key not made yet while a first file... cannot be: the key comes first. */
		if (why) {
			fprintf(stderr, "  read %d: %s\n", r, signet_error_message(why));
			torn++;
		}
		signet_preflight_cache_free(c);
	}
	for (int i = 0; i < WRITERS; i++) {
		int st = 0;
		CU_ASSERT_EQUAL(waitpid(kids[i], &st, 0), kids[i]);
		CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	CU_ASSERT_EQUAL(torn, 0);
	signet_preflight_cache *c = open_cache(dir);
	CU_ASSERT_PTR_NULL(signet_preflight_cache_status(c));
	CU_ASSERT(stats_of(c).entries >= 1);
	signet_preflight_cache_free(c);
	/* No temporary file left behind. */
	CU_ASSERT_EQUAL(tb_sh("test $(ls -A '%s' | wc -l) -eq 2", dir), 0);
	for (int i = 0; i < WRITERS; i++)
		free(b[i]);
	free(dir);
}

typedef struct shared {
	signet_preflight_cache *c;
	char **bundles;
	int n, failures;
} shared;

static void *reader(void *arg)
{
	shared *s = arg;
	for (int r = 0; r < 100; r++) {
		signet_bundle_info *info = NULL;
		signet_error *err = NULL;
		if (signet_preflight_cached(&info, s->c, s->bundles[r % s->n], &err) != 0 || !signet_bundle_info_ok(info))
			__atomic_add_fetch(&s->failures, 1, __ATOMIC_RELAXED);
		signet_error_free(err);
		signet_bundle_info_free(info);
	}
	return NULL;
}

static void test_threads_share_a_handle(void)
{
	char *b[3] = { good_bundle("t0"), good_bundle("t1"), good_bundle("t2") };
	settle();
	char *dir = cache_dir();
	shared s = { .c = open_cache(dir), .bundles = b, .n = 3 };
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, reader, &s), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CU_ASSERT_EQUAL(s.failures, 0);
	signet_preflight_cache_stats st = stats_of(s.c);
	CU_ASSERT_EQUAL(st.hits + st.misses, 400);
	CU_ASSERT(st.hits >= 400 - 4 * 3); /* each thread may miss each bundle once, racing the others */
	CU_ASSERT_EQUAL(st.entries, 3);
	save(s.c);
	signet_preflight_cache_free(s.c);
	for (int i = 0; i < 3; i++)
		free(b[i]);
	free(dir);
}

/* ---- where, and arguments ---- */

static void expect_default(const char *cache_home, const char *home, const char *want)
{
	if (cache_home)
		setenv("XDG_CACHE_HOME", cache_home, 1);
	else
		unsetenv("XDG_CACHE_HOME");
	if (home)
		setenv("HOME", home, 1);
	else
		unsetenv("HOME");
	signet_preflight_cache *c = NULL;
	signet_error *err = NULL;
	if (want) {
		SG_ASSERT_OK(signet_preflight_cache_open(&c, NULL, sg_test_policy(), NULL, &err), &err);
		const char *path = signet_preflight_cache_path(c);
		CU_ASSERT_EQUAL(strncmp(path, want, strlen(want)), 0);
		CU_ASSERT_EQUAL(strlen(path), strlen(want) + strlen("preflight-0123456789abcdef.cache"));
		signet_preflight_cache_free(c);
	} else {
		SG_ASSERT_FAILS(signet_preflight_cache_open(&c, NULL, sg_test_policy(), NULL, &err), &err,
			SIGNET_E_NOT_FOUND, "no place for the preflight cache: neither $XDG_CACHE_HOME nor $HOME is set to an "
			"absolute path (give its directory instead)");
	}
}

static void test_default_place(void)
{
	char *saved_cache = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
	char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	expect_default("/nonexistent/c", "/nonexistent/h", "/nonexistent/c/signet/");
	expect_default("relative/c", "/nonexistent/h", "/nonexistent/h/.cache/signet/");
	expect_default(NULL, "/nonexistent/h", "/nonexistent/h/.cache/signet/");
	expect_default("relative", "relative", NULL);
	expect_default(NULL, NULL, NULL);
	if (saved_cache)
		setenv("XDG_CACHE_HOME", saved_cache, 1);
	else
		unsetenv("XDG_CACHE_HOME");
	if (saved_home)
		setenv("HOME", saved_home, 1);
	free(saved_cache);
	free(saved_home);
}

static void test_arguments(void)
{
	signet_preflight_cache *c = NULL;
	signet_error *err = NULL;
	char *dir = cache_dir();
	SG_ASSERT_FAILS(signet_preflight_cache_open(NULL, dir, sg_test_policy(), NULL, &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "needs an output");
	SG_ASSERT_FAILS(signet_preflight_cache_open(&c, "", sg_test_policy(), NULL, &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "an empty path names no directory");
	SG_ASSERT_FAILS(signet_preflight_cache_open(&c, dir, sg_test_policy(), "1.0", &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "is not MAJOR.MINOR.PATCH");
	signet_policy *bare = NULL;
	SG_ASSERT_OK(signet_policy_new(&bare, &err), &err);
	SG_ASSERT_FAILS(signet_preflight_cache_open(&c, dir, bare, NULL, &err), &err, SIGNET_E_POLICY_INVALID,
		"without trust anchors");
	signet_policy_free(bare);
	c = open_cache(dir);
	signet_bundle_info *info = NULL;
	SG_ASSERT_FAILS(signet_preflight_cache_lookup(&info, c, "", &err), &err, SIGNET_E_INVALID_ARGUMENT, "needs");
	SG_ASSERT_FAILS(signet_preflight_cache_lookup(NULL, c, dir, &err), &err, SIGNET_E_INVALID_ARGUMENT, "needs");
	SG_ASSERT_FAILS(signet_preflight_cached(&info, c, NULL, &err), &err, SIGNET_E_INVALID_ARGUMENT, "needs");
	SG_ASSERT_FAILS(signet_preflight_cache_store(c, NULL, NULL, &err), &err, SIGNET_E_INVALID_ARGUMENT, "needs");
	SG_ASSERT_FAILS(signet_preflight_cache_save(NULL, &err), &err, SIGNET_E_INVALID_ARGUMENT, "needs");
	/* A report read back from JSON says what a preflight found, not what from: it cannot be stored. */
	char *b = good_bundle("args");
	SG_ASSERT_OK(signet_preflight(&info, b, sg_test_policy(), NULL, &err), &err);
	json_t *j = sg_bundle_info_to_json(info);
	signet_bundle_info *copy = NULL;
	SG_ASSERT_OK(sg_bundle_info_from_json(&copy, j, "test", &err), &err);
	SG_ASSERT_FAILS(signet_preflight_cache_store(c, copy, NULL, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"not a report of signet_preflight()");
	/* Under another host API, neither. */
	signet_bundle_info *other = NULL;
	SG_ASSERT_OK(signet_preflight(&other, b, sg_test_policy(), "1.2.0", &err), &err);
	SG_ASSERT_FAILS(signet_preflight_cache_store(c, other, NULL, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"host API version (1.0.0)");
	/* A bundle that cannot be examined: the answer of signet_preflight(), no entry. */
	char *none = in(dir, "nothing.bundle");
	signet_bundle_info *ni = NULL;
	SG_ASSERT_FAILS(signet_preflight_cached(&ni, c, none, &err), &err, SIGNET_E_IO, "No such file or directory");
	CU_ASSERT_EQUAL(stats_of(c).entries, 0);
	signet_bundle_info_free(ni);
	signet_preflight_cache_free(NULL);
	CU_ASSERT_PTR_NULL(signet_preflight_cache_path(NULL));
	CU_ASSERT_PTR_NULL(signet_preflight_cache_status(NULL));
	CU_ASSERT_FALSE(signet_preflight_cache_last_hit(NULL));
	signet_preflight_cache_free(c);
	json_decref(j);
	signet_bundle_info_free(info);
	signet_bundle_info_free(copy);
	signet_bundle_info_free(other);
	free(none);
	free(b);
	free(dir);
}

/* ---- many at once ---- */

/*
 * signet_preflight_cached_many(): a first call preflights every bundle (in
 * parallel) and stores it; a second answers each from the cache; a bundle
 * changed in between is preflighted again; each index answers exactly as
 * signet_preflight() does, a NULL path failing alone.
 */
static void test_many_at_once(void)
{
	char *dir = cache_dir();
	tb_spec other = spec(TB_TEAM_Z);
	char *b[3] = { good_bundle("ManyA"), good_bundle("ManyB"), tb_make("ManyZ", &other) };
	const char *paths[4] = { b[0], NULL, b[1], b[2] };
	settle(); /* a verdict on files changed within a tick is not kept */
	signet_preflight_cache *c = open_cache(dir);
	signet_preflight_result r[4];
	signet_many_options mo = SIGNET_MANY_OPTIONS_INIT;
	mo.workers = 2;
	signet_error *err = NULL;
	for (int round = 0; round < 3; round++) {
		if (round == 2) {
			/* ManyB's manifest changed: preflighted again, and refused. */
			CU_ASSERT_EQUAL(tb_sh("sed -i 's/1.0.0/1.0.1/' '%s/manifest.json'", b[1]), 0);
			settle();
		}
		signet_preflight_cache_stats before = stats_of(c);
		int rc = signet_preflight_cached_many(r, c, paths, 4, &mo, &err);
		/* Index 1 (NULL) is the first refused one. */
		CU_ASSERT_EQUAL(rc, SIGNET_E_INVALID_ARGUMENT);
		CU_ASSERT_PTR_NOT_NULL(err);
		signet_error_free(err);
		err = NULL;
		CU_ASSERT_EQUAL(r[1].code, SIGNET_E_INVALID_ARGUMENT);
		CU_ASSERT_PTR_NULL(r[1].info);
		signet_preflight_cache_stats after = stats_of(c);
		size_t want_hits = round == 0 ? 0 : round == 1 ? 3 : 2;
		CU_ASSERT_EQUAL(after.hits - before.hits, want_hits);
		CU_ASSERT_EQUAL(after.stored - before.stored, 3 - want_hits);
		for (int i = 0; i < 4; i++) {
			if (!paths[i])
				continue;
			signet_bundle_info *fresh = NULL;
			signet_error *e0 = NULL;
			int rc0 = signet_preflight(&fresh, paths[i], sg_test_policy(), NULL, &e0);
			CU_ASSERT_EQUAL(r[i].code, rc0);
			CU_ASSERT_FATAL(fresh && r[i].info);
			char *x = json_of(fresh), *y = json_of(r[i].info);
			CU_ASSERT_STRING_EQUAL(x, y);
			CU_ASSERT_EQUAL(!e0, !r[i].error);
			if (e0 && r[i].error)
				CU_ASSERT_STRING_EQUAL(signet_error_message(r[i].error), signet_error_message(e0));
			free(x);
			free(y);
			signet_error_free(e0);
			signet_bundle_info_free(fresh);
		}
		CU_ASSERT_EQUAL(r[0].code, 0);
		CU_ASSERT_EQUAL(r[3].code, SIGNET_E_REQUIREMENT_UNMET);
		CU_ASSERT_EQUAL(r[2].code, round == 2 ? SIGNET_E_SEAL_MISMATCH : 0);
		for (int i = 0; i < 4; i++) {
			signet_bundle_info_free(r[i].info);
			signet_error_free(r[i].error);
		}
	}
	signet_preflight_cache_free(c);
	for (int i = 0; i < 3; i++)
		free(b[i]);
	free(dir);
}

static const sg_test cache_tests[] = {
	{ "misses, then hits with identical reports", test_misses_then_hits_identical },
	{ "many at once: hits from the cache, misses in parallel and stored", test_many_at_once },
	{ "a verdict the clock, the process or a racing change decides is not kept", test_what_is_not_kept },
	{ "every change to a bundle is a miss, then the new verdict", test_changes_are_misses },
	{ "the policy (anchors and all) and the host API are keys", test_policy_and_host_api_are_keys },
	{ "a signed dependency outside the bundle is keyed and windowed", test_dependency_outside_the_bundle },
	{ "the time window: the chain's, and a miss outside it", test_time_window },
	{ NULL, NULL },
};

static const sg_test file_tests[] = {
	{ "damaged, truncated, foreign or other-version files are rebuilt", test_damaged_files_are_rebuilt },
	{ "a FIFO, symlink, huge file or directory at the cache path", test_hostile_files_at_the_cache_path },
	{ "missing, special, shared, short or huge keys are replaced", test_bad_keys_are_replaced },
	{ "a directory others may write is neither read nor written", test_directory_others_may_write },
	{ "entries the MAC vouches for but that are wrong are misses", test_odd_entries_are_misses },
	{ "a forged accepted entry: the listing believes it, loading refuses", test_forged_accepted_entry_loads_nothing },
	{ NULL, NULL },
};

static const sg_test growth_tests[] = {
	{ "entries of bundles that are gone are pruned on save", test_gone_bundles_are_pruned },
	{ "past the cap, the oldest stored go", test_the_cap_drops_the_oldest },
	{ "old caches of other policies and dead writers' files are swept", test_old_files_are_swept },
	{ "concurrent writers in real processes never leave a torn file", test_concurrent_writers_never_tear },
	{ "threads share one handle", test_threads_share_a_handle },
	{ "the default place, and arguments", test_default_place },
	{ "arguments and reports from elsewhere", test_arguments },
	{ NULL, NULL },
};

int main(void)
{
	static const sg_suite suites[] = {
		{ "prefcache", cache_tests },
		{ "files", file_tests },
		{ "growth", growth_tests },
		{ NULL, NULL },
	};
	return sg_test_main(suites);
}
