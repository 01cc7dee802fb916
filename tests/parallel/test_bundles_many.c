/* SPDX-License-Identifier: MIT */
/*
 * test_bundles_many.c - bundles in batches over real, signed bundles
 * (tests/bundle/bundle_fixture.c): signet_preflight_many() gives, field for
 * field, what signet_preflight() gives one by one, whatever the worker
 * count; signet_host_load_bundles() gives each bundle the outcome of
 * signet_host_load_bundle_with(), handles in input order, usable guests;
 * the same bundle twice; all or nothing (no constructor runs when one is
 * refused before mapping; guests removed when one is refused after);
 * refused from an observer and by a dedicated host.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle_fixture.h"
#include "harness.h"

static signet_host *new_host(void)
{
	signet_host *h = NULL;
	signet_error *err = NULL;
	signet_host_options o = SIGNET_HOST_OPTIONS_INIT;
	o.policy = sg_test_policy();
	SG_ASSERT_OK(signet_host_new(&h, &o, &err), &err);
	return h;
}

static void same_string(const char *a, const char *b)
{
	CU_ASSERT((!a && !b) || (a && b && strcmp(a, b) == 0));
}

static void same_error(const signet_error *a, const signet_error *b)
{
	CU_ASSERT_EQUAL(signet_error_code(a), signet_error_code(b));
	same_string(a ? signet_error_message(a) : NULL, b ? signet_error_message(b) : NULL);
	same_string(signet_error_check(a), signet_error_check(b));
	same_string(signet_error_expected(a), signet_error_expected(b));
	same_string(signet_error_actual(a), signet_error_actual(b));
}

/* Every field of two reports. */
static void same_report(const signet_bundle_info *a, const signet_bundle_info *b)
{
	CU_ASSERT((a == NULL) == (b == NULL));
	if (!a || !b)
		return;
	CU_ASSERT_EQUAL(signet_bundle_info_ok(a), signet_bundle_info_ok(b));
	same_string(signet_bundle_info_path(a), signet_bundle_info_path(b));
	same_string(signet_bundle_info_identifier(a), signet_bundle_info_identifier(b));
	same_string(signet_bundle_info_version(a), signet_bundle_info_version(b));
	same_string(signet_bundle_info_executable(a), signet_bundle_info_executable(b));
	same_string(signet_bundle_info_principal_class(a), signet_bundle_info_principal_class(b));
	same_string(signet_bundle_info_host_api(a), signet_bundle_info_host_api(b));
	same_string(signet_bundle_info_team(a), signet_bundle_info_team(b));
	same_string(signet_bundle_info_signing_identifier(a), signet_bundle_info_signing_identifier(b));
	same_string(signet_bundle_info_cdhash_hex(a), signet_bundle_info_cdhash_hex(b));
	CU_ASSERT_EQUAL_FATAL(signet_bundle_info_protocol_count(a), signet_bundle_info_protocol_count(b));
	for (size_t i = 0; i < signet_bundle_info_protocol_count(a); i++) {
		same_string(signet_bundle_info_protocol_name(a, i), signet_bundle_info_protocol_name(b, i));
		CU_ASSERT_EQUAL(signet_bundle_info_protocol_version(a, i), signet_bundle_info_protocol_version(b, i));
	}
	CU_ASSERT_EQUAL_FATAL(signet_bundle_info_library_count(a), signet_bundle_info_library_count(b));
	for (size_t i = 0; i < signet_bundle_info_library_count(a); i++)
		same_string(signet_bundle_info_library(a, i), signet_bundle_info_library(b, i));
	CU_ASSERT_EQUAL_FATAL(signet_bundle_info_dependency_count(a), signet_bundle_info_dependency_count(b));
	for (size_t i = 0; i < signet_bundle_info_dependency_count(a); i++) {
		same_string(signet_bundle_info_dependency_name(a, i), signet_bundle_info_dependency_name(b, i));
		same_string(signet_bundle_info_dependency_path(a, i), signet_bundle_info_dependency_path(b, i));
		same_string(signet_bundle_info_dependency_needed_by(a, i), signet_bundle_info_dependency_needed_by(b, i));
		same_string(signet_bundle_info_dependency_kind(a, i), signet_bundle_info_dependency_kind(b, i));
	}
	CU_ASSERT_EQUAL_FATAL(signet_bundle_info_reason_count(a), signet_bundle_info_reason_count(b));
	for (size_t i = 0; i < signet_bundle_info_reason_count(a); i++)
		same_error(signet_bundle_info_reason(a, i), signet_bundle_info_reason(b, i));
}

/* ---- a mixed set of bundles ---- */

#define MIXED 8
typedef struct mixed_set {
	char *dir[MIXED]; /* NULL: a NULL path */
	int code[MIXED];
	const char *reason[MIXED];
} mixed_set;

static mixed_set *make_mixed(void)
{
	mixed_set *m = calloc(1, sizeof *m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	tb_spec good = { .signer = TB_TEAM_A };
	m->dir[0] = tb_make("good0", &good);
	tb_spec z = { .signer = TB_TEAM_Z };
	m->dir[1] = tb_make("otherteam", &z);
	tb_spec dep = { .signer = TB_TEAM_A, .variant = "testplugin-USES_DEP.so", .with_dep = true };
	m->dir[2] = tb_make("withdep", &dep);
	m->dir[3] = tb_make("tampered", &good);
	CU_ASSERT_EQUAL(tb_sh("printf '\\377' | dd of='%s/lib/plugin.so' bs=1 seek=2000 conv=notrunc status=none",
		m->dir[3]), 0);
	tb_spec unsigned_ = { .signer = TB_UNSIGNED };
	m->dir[4] = tb_make("unsigned", &unsigned_);
	/* m->dir[5] stays NULL */
	tb_spec api = { .signer = TB_TEAM_A, .host_api = ">=2.0 <3.0" };
	m->dir[6] = tb_make("newapi", &api);
	m->dir[7] = tb_make("good7", &good);
	static const int codes[MIXED] = { 0, SIGNET_E_REQUIREMENT_UNMET, 0, SIGNET_E_PAGE_MISMATCH, SIGNET_E_UNSIGNED,
		SIGNET_E_INVALID_ARGUMENT, SIGNET_E_HOST_API, 0 };
	static const char *const reasons[MIXED] = { NULL, "wanted ABCDE12345, image has ZZZZZ99999", NULL,
		"was modified after signing", "not signed", "path 5 is NULL or empty", "needs host API >=2.0 <3.0", NULL };
	memcpy(m->code, codes, sizeof codes);
	memcpy(m->reason, reasons, sizeof reasons);
	return m;
}

static void free_mixed(mixed_set *m)
{
	for (size_t i = 0; i < MIXED; i++)
		free(m->dir[i]);
	free(m);
}

static void assert_code(int code, const signet_error *e, int want, const char *reason)
{
	CU_ASSERT_EQUAL(code, want);
	if (!want) {
		CU_ASSERT_PTR_NULL(e);
		return;
	}
	CU_ASSERT_EQUAL(signet_error_code(e), want);
	if (!e || !strstr(signet_error_message(e), reason)) {
		fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", e ? signet_error_message(e) : "(none)", reason);
		CU_FAIL("a result's message does not give the expected reason");
	}
}

static void preflight_mixed(const mixed_set *m, unsigned workers)
{
	signet_preflight_result r[MIXED];
	signet_many_options o = SIGNET_MANY_OPTIONS_INIT;
	o.workers = workers;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(signet_preflight_many(r, (const char *const *)m->dir, MIXED, sg_test_policy(), "1.0.0", &o,
		&err), &err, SIGNET_E_REQUIREMENT_UNMET, "wanted ABCDE12345, image has ZZZZZ99999");
	for (size_t i = 0; i < MIXED; i++) {
		assert_code(r[i].code, r[i].error, m->code[i], m->reason[i]);
		if (!m->dir[i]) {
			CU_ASSERT_PTR_NULL(r[i].info);
			signet_error_free(r[i].error);
			continue;
		}
		/* One by one: the same code, the same first reason, the same report, field for field. */
		signet_bundle_info *info = NULL;
		signet_error *one = NULL;
		CU_ASSERT_EQUAL(signet_preflight(&info, m->dir[i], sg_test_policy(), "1.0.0", &one), r[i].code);
		same_error(one, r[i].error);
		same_report(info, r[i].info);
		CU_ASSERT_PTR_NOT_NULL(r[i].info);
		signet_error_free(one);
		signet_bundle_info_free(info);
		signet_error_free(r[i].error);
		signet_bundle_info_free(r[i].info);
	}
	/* The bundle with a library reports its closure as one by one does; nothing of any of them is mapped. */
	CU_ASSERT_FALSE(sg_still_loaded(".bundle/"));
}

static void test_preflight_many_matches_one_by_one(void)
{
	mixed_set *m = make_mixed();
	preflight_mixed(m, 1);
	preflight_mixed(m, 2);
	preflight_mixed(m, 8);
	preflight_mixed(m, 0);
	free_mixed(m);
}

static void test_preflight_many_arguments(void)
{
	signet_error *err = NULL;
	CU_ASSERT_EQUAL(signet_preflight_many(NULL, NULL, 0, NULL, NULL, NULL, &err), 0);
	CU_ASSERT_PTR_NULL(err);
	tb_spec good = { .signer = TB_TEAM_A };
	char *dir = tb_make("one", &good);
	const char *paths[] = { dir, dir };
	signet_preflight_result r[2];
	/* One bundle, twice: two equal reports. */
	SG_ASSERT_OK(signet_preflight_many(r, paths, 2, sg_test_policy(), NULL, NULL, &err), &err);
	same_report(r[0].info, r[1].info);
	CU_ASSERT(signet_bundle_info_ok(r[0].info));
	for (size_t i = 0; i < 2; i++)
		signet_bundle_info_free(r[i].info);

	signet_many_options o = SIGNET_MANY_OPTIONS_INIT;
	o.all_or_nothing = true;
	SG_ASSERT_FAILS(signet_preflight_many(r, paths, 2, sg_test_policy(), NULL, &o, &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "all_or_nothing is for loads");
	for (size_t i = 0; i < 2; i++) {
		assert_code(r[i].code, r[i].error, SIGNET_E_INVALID_ARGUMENT, "all_or_nothing is for loads");
		CU_ASSERT_PTR_NULL(r[i].info);
		signet_error_free(r[i].error);
	}
	SG_ASSERT_FAILS(signet_preflight_many(r, paths, 2, sg_test_policy(), "1.x", NULL, &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "the host API version '1.x' is not MAJOR.MINOR.PATCH");
	for (size_t i = 0; i < 2; i++) {
		assert_code(r[i].code, r[i].error, SIGNET_E_INVALID_ARGUMENT, "is not MAJOR.MINOR.PATCH");
		signet_error_free(r[i].error);
	}
	SG_ASSERT_FAILS(signet_preflight_many(NULL, paths, 2, sg_test_policy(), NULL, NULL, &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "needs results and paths for 2 bundles");
	free(dir);
}

/* ---- loading bundles as guests ---- */

static void load_mixed(const mixed_set *m, unsigned workers)
{
	signet_host *h = new_host();
	signet_guest_result r[MIXED];
	signet_many_options o = SIGNET_MANY_OPTIONS_INIT;
	o.workers = workers;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(signet_host_load_bundles(r, h, (const char *const *)m->dir, MIXED, NULL, &o, &err), &err,
		SIGNET_E_REQUIREMENT_UNMET, "wanted ABCDE12345, image has ZZZZZ99999");
	signet_guest_id last = 0;
	for (size_t i = 0; i < MIXED; i++) {
		assert_code(r[i].code, r[i].error, m->code[i], m->reason[i]);
		if (r[i].code) {
			CU_ASSERT_EQUAL(r[i].guest, 0);
			continue;
		}
		/* Handles follow the input order; each guest works. */
		CU_ASSERT(r[i].guest > last);
		last = r[i].guest;
		signet_instance *inst = NULL;
		signet_value args[] = { SIGNET_INT32(40), SIGNET_INT32(2) }, out;
		SG_ASSERT_OK(signet_instance_create(&inst, h, r[i].guest, &err), &err);
		SG_ASSERT_OK(signet_instance_invoke(inst, "add", args, 2, &out, &err), &err);
		CU_ASSERT_EQUAL(out.as.i32, 42);
		signet_instance_destroy(inst);
	}
	CU_ASSERT_EQUAL(signet_host_guests(h, NULL, 0), 3);
	/* One by one, each refused bundle is refused the same way. */
	for (size_t i = 0; i < MIXED; i++) {
		if (!m->dir[i] || !r[i].code) {
			signet_error_free(r[i].error);
			continue;
		}
		signet_guest_id g = 0;
		signet_error *one = NULL;
		CU_ASSERT_EQUAL(signet_host_load_bundle(&g, h, m->dir[i], &one), r[i].code);
		same_error(one, r[i].error);
		signet_error_free(one);
		signet_error_free(r[i].error);
	}
	signet_host_free(h);
	CU_ASSERT_FALSE(sg_still_loaded(".bundle/"));
}

static void test_load_bundles_matches_one_by_one(void)
{
	mixed_set *m = make_mixed();
	load_mixed(m, 1);
	load_mixed(m, 3);
	load_mixed(m, 0);
	free_mixed(m);
}

static void test_the_same_bundle_twice(void)
{
	signet_host *h = new_host();
	tb_spec good = { .signer = TB_TEAM_A };
	char *dir = tb_make("twice", &good);
	const char *paths[] = { dir, dir };
	signet_guest_result r[2];
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_host_load_bundles(r, h, paths, 2, NULL, NULL, &err), &err);
	/* Two guests of one image, loaded twice (as two signet_host_load_bundle() calls give). */
	CU_ASSERT(r[0].guest != 0 && r[1].guest == r[0].guest + 1);
	CU_ASSERT_PTR_EQUAL(signet_guest_image(h, r[0].guest), signet_guest_image(h, r[1].guest));
	SG_ASSERT_OK(signet_host_remove_guest(h, r[0].guest, &err), &err);
	CU_ASSERT(sg_still_loaded("/twice.bundle/lib/plugin.so"));
	SG_ASSERT_OK(signet_host_remove_guest(h, r[1].guest, &err), &err);
	CU_ASSERT_FALSE(sg_still_loaded("/twice.bundle/lib/plugin.so"));
	signet_host_free(h);
	free(dir);
}

static void test_load_bundles_all_or_nothing(void)
{
	char ctor[PATH_MAX];
	snprintf(ctor, sizeof ctor, "%s/ctor.marker", sg_sandbox());
	setenv("SIGNET_TEST_CTOR_MARKER", ctor, 1);
	signet_many_options o = SIGNET_MANY_OPTIONS_INIT;
	o.all_or_nothing = true;
	signet_error *err = NULL;
	signet_guest_result r[3];
	tb_spec good = { .signer = TB_TEAM_A };
	char *a = tb_make("first", &good), *b = tb_make("second", &good), *t = tb_make("broken", &good);
	CU_ASSERT_EQUAL(tb_sh("printf '\\377' | dd of='%s/lib/plugin.so' bs=1 seek=2000 conv=notrunc status=none", t), 0);

	/* Refused while examining: none is mapped, no constructor runs. */
	signet_host *h = new_host();
	const char *before[] = { a, t, b };
	SG_ASSERT_FAILS(signet_host_load_bundles(r, h, before, 3, NULL, &o, &err), &err, SIGNET_E_PAGE_MISMATCH,
		"was modified after signing");
	assert_code(r[0].code, r[0].error, SIGNET_E_BATCH_REFUSED, "not loaded: ");
	assert_code(r[1].code, r[1].error, SIGNET_E_PAGE_MISMATCH, "was modified after signing");
	assert_code(r[2].code, r[2].error, SIGNET_E_BATCH_REFUSED, "broken.bundle was refused and the batch is all or nothing");
	for (size_t i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(r[i].guest, 0);
		signet_error_free(r[i].error);
	}
	CU_ASSERT_EQUAL(signet_host_guests(h, NULL, 0), 0);
	CU_ASSERT_EQUAL(access(ctor, F_OK), -1);
	CU_ASSERT_FALSE(sg_still_loaded(".bundle/"));

	/* Refused after mapping (a class that does not validate): the guests added are removed. */
	tb_spec badclass = { .signer = TB_TEAM_A, .variant = "testplugin-BAD_VERSION.so" };
	char *v = tb_make("badversion", &badclass);
	const char *after[] = { a, b, v };
	SG_ASSERT_FAILS(signet_host_load_bundles(r, h, after, 3, NULL, &o, &err), &err, SIGNET_E_CLASS_INVALID,
		"version is not supported");
	assert_code(r[0].code, r[0].error, SIGNET_E_BATCH_REFUSED, "loaded, then given back: ");
	assert_code(r[1].code, r[1].error, SIGNET_E_BATCH_REFUSED, "badversion.bundle was refused");
	assert_code(r[2].code, r[2].error, SIGNET_E_CLASS_INVALID, "version is not supported");
	for (size_t i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(r[i].guest, 0);
		signet_error_free(r[i].error);
	}
	CU_ASSERT_EQUAL(access(ctor, F_OK), 0); /* they did run: a load is given back, not undone */
	CU_ASSERT_EQUAL(signet_host_guests(h, NULL, 0), 0);
	CU_ASSERT_FALSE(sg_still_loaded(".bundle/"));

	/* All good: all in. */
	const char *good2[] = { a, b };
	SG_ASSERT_OK(signet_host_load_bundles(r, h, good2, 2, NULL, &o, &err), &err);
	CU_ASSERT_EQUAL(signet_host_guests(h, NULL, 0), 2);
	signet_host_free(h);
	unsetenv("SIGNET_TEST_CTOR_MARKER");
	free(a);
	free(b);
	free(t);
	free(v);
}

typedef struct inside {
	signet_host *host;
	const char *path;
	bool done;
	int rc;
	signet_guest_result r[1];
} inside;

static void load_inside(const signet_image *img, void *payload)
{
	(void)img;
	inside *in = payload;
	if (in->done)
		return;
	in->done = true;
	in->rc = signet_host_load_bundles(in->r, in->host, &in->path, 1, NULL, NULL, NULL);
}

static void test_load_bundles_refused_as_a_whole(void)
{
	tb_spec good = { .signer = TB_TEAM_A };
	char *dir = tb_make("whole", &good);
	signet_error *err = NULL;
	inside in = { .host = new_host(), .path = dir };
	signet_observer_token token;
	SG_ASSERT_OK(signet_registry_add_observer(&token, load_inside, NULL, &in, &err), &err);
	SG_ASSERT_OK(signet_registry_remove_observer(token, &err), &err);
	CU_ASSERT(in.done);
	CU_ASSERT_EQUAL(in.rc, SIGNET_E_IN_OBSERVER);
	assert_code(in.r[0].code, in.r[0].error, SIGNET_E_IN_OBSERVER,
		"signet_host_load_bundles called from inside an image observer");
	signet_error_free(in.r[0].error);
	CU_ASSERT_EQUAL(signet_host_guests(in.host, NULL, 0), 0);

	/* A dedicated host takes no batch either. */
	signet_guest_id g = 0;
	SG_ASSERT_OK(signet_host_load_bundle(&g, in.host, dir, &err), &err);
	SG_ASSERT_OK(signet_host_set_dedicated(in.host, &err), &err);
	const char *paths[] = { dir, dir };
	signet_guest_result r[2];
	SG_ASSERT_FAILS(signet_host_load_bundles(r, in.host, paths, 2, NULL, NULL, &err), &err,
		SIGNET_E_HOST_DEDICATED, "dedicated to one guest");
	for (size_t i = 0; i < 2; i++) {
		assert_code(r[i].code, r[i].error, SIGNET_E_HOST_DEDICATED, "dedicated to one guest");
		signet_error_free(r[i].error);
	}
	SG_ASSERT_FAILS(signet_host_load_bundles(r, NULL, paths, 2, NULL, NULL, &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "needs results, a host and paths for 2 bundles");
	for (size_t i = 0; i < 2; i++) {
		assert_code(r[i].code, r[i].error, SIGNET_E_INVALID_ARGUMENT, "needs results, a host and paths");
		signet_error_free(r[i].error);
	}
	signet_load_options lo = SIGNET_LOAD_OPTIONS_INIT;
	lo.version = 7;
	SG_ASSERT_FAILS(signet_host_load_bundles(r, in.host, paths, 2, &lo, NULL, &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "load options of version 1");
	for (size_t i = 0; i < 2; i++)
		signet_error_free(r[i].error);
	CU_ASSERT_EQUAL(signet_host_guests(in.host, NULL, 0), 1);
	signet_host_free(in.host);
	free(dir);
}

int main(void)
{
	sg_watchdog(900);
	static const sg_test tests[] = {
		{ "preflight_many_matches_one_by_one", test_preflight_many_matches_one_by_one },
		{ "preflight_many_arguments", test_preflight_many_arguments },
		{ "load_bundles_matches_one_by_one", test_load_bundles_matches_one_by_one },
		{ "the_same_bundle_twice", test_the_same_bundle_twice },
		{ "load_bundles_all_or_nothing", test_load_bundles_all_or_nothing },
		{ "load_bundles_refused_as_a_whole", test_load_bundles_refused_as_a_whole },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "bundles_many", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
