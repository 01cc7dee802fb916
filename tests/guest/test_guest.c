/* SPDX-License-Identifier: MIT */
/*
 * test_guest.c - guest hosting, principal classes and calls through real
 * loaded bundles: descriptor validation (each bad variant refused, nothing
 * left loaded), conformance, calls of every type through libffi and
 * mismatches refused without a call, one-way status flags, a killed guest
 * never run, calls by handle racing the guest's removal, the dedicated
 * host, lookups by handle, address and cdhash, "who is calling me", and
 * requirements against a guest's identity.
 */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signet/guest.h>

#include "bundle_fixture.h"
#include "harness.h"

static signet_host *new_host(void)
{
	signet_host *h = NULL;
	signet_error *err = NULL;
	signet_host_options o = SIGNET_HOST_OPTIONS_INIT;
	o.policy = sg_test_policy();
	if (signet_host_new(&h, &o, &err) != 0) {
		fprintf(stderr, "host: %s\n", signet_error_message(err));
		abort();
	}
	return h;
}

/* A host with one guest loaded from a fresh good bundle. */
static signet_host *host_with_guest(signet_guest_id *g, const char *variant)
{
	signet_host *h = new_host();
	tb_spec s = { .signer = TB_TEAM_A, .variant = variant };
	char *dir = tb_make("guest", &s);
	signet_error *err = NULL;
	int rc = signet_host_load_bundle(g, h, dir, &err);
	if (rc)
		fprintf(stderr, "load: %s\n", signet_error_message(err));
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	free(dir);
	return h;
}

/* A plugin global, read through the guest's image. */
static int plugin_int(signet_host *h, signet_guest_id g, const char *name)
{
	void *p = NULL;
	CU_ASSERT_EQUAL_FATAL(signet_image_symbol(&p, signet_guest_image(h, g), name, NULL), 0);
	return __atomic_load_n((int *)p, __ATOMIC_RELAXED);
}

/* ---- loading and descriptors ---- */

static void test_load_and_describe(void)
{
	signet_guest_id g = 0;
	signet_host *h = host_with_guest(&g, NULL);
	CU_ASSERT_EQUAL(g, 1);
	signet_guest_id ids[4];
	CU_ASSERT_EQUAL(signet_host_guests(h, ids, 4), 1);
	CU_ASSERT_EQUAL(ids[0], g);
	CU_ASSERT_STRING_EQUAL(signet_guest_class_name(h, g), "TestClass");
	CU_ASSERT_EQUAL(signet_guest_method_count(h, g), 12);
	CU_ASSERT_STRING_EQUAL(signet_guest_method_name(h, g, 0), "add");
	CU_ASSERT_STRING_EQUAL(signet_guest_method_types(h, g, 0), "iii");
	CU_ASSERT_PTR_NULL(signet_guest_method_name(h, g, 12));
	const signet_bundle_info *info = signet_guest_bundle_info(h, g);
	CU_ASSERT_STRING_EQUAL(signet_bundle_info_identifier(info), "org.signet.test.guest");
	CU_ASSERT_STRING_EQUAL(signet_bundle_info_cdhash_hex(info), signet_identity_cdhash_hex(signet_guest_identity(h, g)));
	CU_ASSERT(signet_image_is_signed(signet_guest_image(h, g)));
	uint32_t st = 0;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_guest_status(&st, h, g, &err), &err);
	CU_ASSERT_EQUAL(st, SIGNET_GUEST_VALID);
	CU_ASSERT_PTR_NULL(signet_guest_class_name(h, 99));
	SG_ASSERT_FAILS(signet_guest_status(&st, h, 99, &err), &err, SIGNET_E_NOT_FOUND, "no guest 99");
	signet_host_free(h);
	CU_ASSERT_FALSE(sg_still_loaded("/guest.bundle/lib/plugin.so"));
}

static void test_bad_descriptors_refused(void)
{
	static const struct {
		const char *variant;
		int code;
		const char *reason;
	} cases[] = {
		{ "testplugin-BAD_VERSION.so", SIGNET_E_CLASS_INVALID, "version is not supported" },
		{ "testplugin-FOREIGN_NAME.so", SIGNET_E_CLASS_INVALID, "name points outside the image" },
		{ "testplugin-FOREIGN_CODE.so", SIGNET_E_CLASS_INVALID, "methods[].function is not code of the image itself" },
		{ "testplugin-BAD_ENCODING.so", SIGNET_E_CLASS_INVALID, "filter" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		signet_host *h = new_host();
		tb_spec s = { .signer = TB_TEAM_A, .variant = cases[i].variant };
		char *dir = tb_make("baddesc", &s);
		signet_error *err = NULL;
		signet_guest_id g = 0;
		SG_ASSERT_FAILS(signet_host_load_bundle(&g, h, dir, &err), &err, cases[i].code, cases[i].reason);
		CU_ASSERT_EQUAL(g, 0);
		CU_ASSERT_EQUAL(signet_host_guests(h, NULL, 0), 0);
		/* Nothing is left mapped after the refusal. */
		CU_ASSERT_FALSE(sg_still_loaded("/baddesc.bundle/"));
		signet_host_free(h);
		free(dir);
	}
}

static void test_manifest_protocols_must_be_adopted(void)
{
	signet_host *h = new_host();
	tb_spec s = { .signer = TB_TEAM_A, .protocols = "[ { \"name\": \"Filter\", \"version\": 3 } ]" };
	char *dir = tb_make("promise", &s);
	signet_error *err = NULL;
	signet_guest_id g = 0;
	SG_ASSERT_FAILS(signet_host_load_bundle(&g, h, dir, &err), &err, SIGNET_E_CLASS_INVALID,
		"the manifest lists protocol Filter 3, which class TestClass does not adopt");
	CU_ASSERT_FALSE(sg_still_loaded("/promise.bundle/"));
	signet_host_free(h);
	free(dir);
}

static void test_refused_bundle_leaves_nothing(void)
{
	signet_host *h = new_host();
	tb_spec s = { .signer = TB_TEAM_Z };
	char *dir = tb_make("refused", &s);
	signet_error *err = NULL;
	signet_guest_id g = 0;
	SG_ASSERT_FAILS(signet_host_load_bundle(&g, h, dir, &err), &err, SIGNET_E_REQUIREMENT_UNMET, "ZZZZZ99999");
	CU_ASSERT_FALSE(sg_still_loaded("/refused.bundle/"));
	signet_host_free(h);
	free(dir);
}

static void test_bundled_library_is_the_guests(void)
{
	signet_host *h = new_host();
	tb_spec s = { .signer = TB_TEAM_A, .variant = "testplugin-USES_DEP.so", .with_dep = true };
	char *dir = tb_make("depguest", &s);
	signet_error *err = NULL;
	signet_guest_id g = 0;
	SG_ASSERT_OK(signet_host_load_bundle(&g, h, dir, &err), &err);
	signet_instance *inst = NULL;
	SG_ASSERT_OK(signet_instance_create(&inst, h, g, &err), &err);
	signet_value r;
	SG_ASSERT_OK(signet_instance_invoke(inst, "dep", NULL, 0, &r, &err), &err);
	CU_ASSERT_EQUAL(r.as.i32, 7);
	/* An address in the bundle's own library belongs to the guest too. */
	signet_image *lib = NULL;
	SG_ASSERT_OK(signet_registry_find_name(&lib, "libtestdep.so.1", &err), &err);
	signet_guest_id who = 0;
	SG_ASSERT_OK(signet_host_guest_by_address(&who, h, (const void *)signet_image_base(lib), &err), &err);
	CU_ASSERT_EQUAL(who, g);
	signet_image_free(lib);
	signet_instance_destroy(inst);
	signet_host_free(h);
	CU_ASSERT_FALSE(sg_still_loaded("/depguest.bundle/"));
	free(dir);
}

/* ---- conformance ---- */

static void test_conformance(void)
{
	signet_guest_id g = 0;
	signet_host *h = host_with_guest(&g, NULL);
	signet_error *err = NULL;
	static const signet_protocol_method filter_methods[] = {
		{ "filter", "**", true },
		{ "flush", "v", false }, /* optional and absent: fine */
	};
	signet_protocol filter = { "Filter", 1, 2, filter_methods };
	SG_ASSERT_OK(signet_guest_conforms(h, g, &filter, &err), &err);

	signet_protocol not_adopted = { "Sorter", 1, 0, NULL };
	SG_ASSERT_FAILS(signet_guest_conforms(h, g, &not_adopted, &err), &err, SIGNET_E_PROTOCOL_MISMATCH,
		"does not adopt protocol Sorter 1");
	signet_protocol other_version = { "Filter", 2, 2, filter_methods };
	SG_ASSERT_FAILS(signet_guest_conforms(h, g, &other_version, &err), &err, SIGNET_E_PROTOCOL_MISMATCH,
		"does not adopt protocol Filter 2");
	static const signet_protocol_method missing[] = { { "reset", "v", true } };
	signet_protocol needs_reset = { "Counter", 2, 1, missing };
	SG_ASSERT_FAILS(signet_guest_conforms(h, g, &needs_reset, &err), &err, SIGNET_E_PROTOCOL_MISMATCH,
		"method reset is missing, but required by protocol Counter 2");
	static const signet_protocol_method wrong[] = { { "add", "qqq", true } };
	signet_protocol wrong_types = { "Counter", 2, 1, wrong };
	int rc = signet_guest_conforms(h, g, &wrong_types, &err);
	CU_ASSERT_EQUAL(rc, SIGNET_E_PROTOCOL_MISMATCH);
	CU_ASSERT_STRING_EQUAL(signet_error_expected(err), "qqq");
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), "iii");
	signet_error_free(err);
	err = NULL;
	/* An optional method, when present, must still match. */
	static const signet_protocol_method optional_wrong[] = { { "half", "ff", false } };
	signet_protocol opt = { "Counter", 2, 1, optional_wrong };
	SG_ASSERT_FAILS(signet_guest_conforms(h, g, &opt, &err), &err, SIGNET_E_PROTOCOL_MISMATCH,
		"method half has another type encoding");
	signet_host_free(h);
}

/* ---- calls ---- */

static void test_calls_of_every_type(void)
{
	signet_guest_id g = 0;
	signet_host *h = host_with_guest(&g, NULL);
	signet_error *err = NULL;
	signet_instance *a = NULL, *b = NULL;
	SG_ASSERT_OK(signet_instance_create(&a, h, g, &err), &err);
	SG_ASSERT_OK(signet_instance_create(&b, h, g, &err), &err);
	CU_ASSERT_EQUAL(signet_instance_guest(a), g);
	CU_ASSERT_EQUAL(plugin_int(h, g, "testplugin_inits"), 2);
	signet_value r;
	signet_value args[2];

	args[0] = SIGNET_INT32(-40);
	args[1] = SIGNET_INT32(-2);
	SG_ASSERT_OK(signet_instance_invoke(a, "add", args, 2, &r, &err), &err);
	CU_ASSERT_EQUAL(r.type, SIGNET_TYPE_INT32);
	CU_ASSERT_EQUAL(r.as.i32, -42);
	args[0] = SIGNET_INT64(INT64_C(3000000000));
	args[1] = SIGNET_INT64(-3);
	SG_ASSERT_OK(signet_instance_invoke(a, "mul64", args, 2, &r, &err), &err);
	CU_ASSERT_EQUAL(r.as.i64, INT64_C(-9000000000));
	args[0] = SIGNET_UINT64(UINT64_MAX - 1);
	SG_ASSERT_OK(signet_instance_invoke(a, "next", args, 1, &r, &err), &err);
	CU_ASSERT_EQUAL(r.as.u64, UINT64_MAX);
	args[0] = SIGNET_DOUBLE(5.0);
	SG_ASSERT_OK(signet_instance_invoke(a, "half", args, 1, &r, &err), &err);
	CU_ASSERT_DOUBLE_EQUAL(r.as.f64, 2.5, 0);
	args[0] = SIGNET_BOOL(false);
	SG_ASSERT_OK(signet_instance_invoke(a, "negate", args, 1, &r, &err), &err);
	CU_ASSERT_EQUAL(r.type, SIGNET_TYPE_BOOL);
	CU_ASSERT(r.as.boolean);
	args[0] = SIGNET_STRING("hi");
	SG_ASSERT_OK(signet_instance_invoke(a, "filter", args, 1, &r, &err), &err);
	CU_ASSERT_STRING_EQUAL(r.as.string, "<hi>");
	signet_value_clear(&r);
	static const unsigned char bytes[] = { 1, 2, 250 };
	args[0] = SIGNET_BUFFER(bytes, sizeof bytes);
	SG_ASSERT_OK(signet_instance_invoke(a, "sum", args, 1, &r, &err), &err);
	CU_ASSERT_EQUAL(r.as.u64, 253);
	SG_ASSERT_OK(signet_instance_invoke(a, "self", NULL, 0, &r, &err), &err);
	CU_ASSERT_EQUAL(r.type, SIGNET_TYPE_POINTER);
	void *a_self = r.as.pointer;
	CU_ASSERT_PTR_NOT_NULL(a_self);
	args[0] = SIGNET_INSTANCE(a);
	SG_ASSERT_OK(signet_instance_invoke(a, "same", args, 1, &r, &err), &err);
	CU_ASSERT(r.as.boolean);
	SG_ASSERT_OK(signet_instance_invoke(b, "same", args, 1, &r, &err), &err);
	CU_ASSERT_FALSE(r.as.boolean);
	SG_ASSERT_OK(signet_instance_invoke(a, "nothing", NULL, 0, &r, &err), &err);
	CU_ASSERT_EQUAL(r.type, SIGNET_TYPE_VOID);
	/* Per-instance state: a made ten calls, b one. */
	SG_ASSERT_OK(signet_instance_invoke(a, "calls", NULL, 0, &r, &err), &err);
	CU_ASSERT_EQUAL(r.as.i32, 10);
	SG_ASSERT_OK(signet_instance_invoke(b, "calls", NULL, 0, &r, &err), &err);
	CU_ASSERT_EQUAL(r.as.i32, 1);
	CU_ASSERT_STRING_EQUAL(signet_instance_method_types(a, "sum"), "Qb");
	CU_ASSERT_PTR_NULL(signet_instance_method_types(a, "nope"));
	signet_instance_destroy(a);
	signet_instance_destroy(b);
	CU_ASSERT_EQUAL(plugin_int(h, g, "testplugin_finis"), 2);
	signet_host_free(h);
}

static void test_mismatched_calls_make_no_call(void)
{
	signet_guest_id g = 0;
	signet_host *h = host_with_guest(&g, NULL);
	signet_error *err = NULL;
	signet_instance *a = NULL;
	SG_ASSERT_OK(signet_instance_create(&a, h, g, &err), &err);
	int before = plugin_int(h, g, "testplugin_calls");
	signet_value r = { .type = SIGNET_TYPE_VOID };
	signet_value args[3] = { SIGNET_INT32(1), SIGNET_INT32(2), SIGNET_INT32(3) };
	SG_ASSERT_FAILS(signet_instance_invoke(a, "add", args, 1, &r, &err), &err, SIGNET_E_ARGUMENT_MISMATCH, "add");
	SG_ASSERT_FAILS(signet_instance_invoke(a, "add", args, 3, &r, &err), &err, SIGNET_E_ARGUMENT_MISMATCH, "add");
	args[1] = SIGNET_STRING("2");
	int rc = signet_instance_invoke(a, "add", args, 2, &r, &err);
	CU_ASSERT_EQUAL(rc, SIGNET_E_ARGUMENT_MISMATCH);
	CU_ASSERT_STRING_EQUAL(signet_error_expected(err), "int32");
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), "string");
	signet_error_free(err);
	err = NULL;
	args[0] = SIGNET_INSTANCE(NULL);
	SG_ASSERT_FAILS(signet_instance_invoke(a, "same", args, 1, &r, &err), &err, SIGNET_E_ARGUMENT_MISMATCH,
		"method same of TestClass: argument 1 is a null instance");
	SG_ASSERT_FAILS(signet_instance_invoke(a, "divide", NULL, 0, &r, &err), &err, SIGNET_E_NO_METHOD,
		"class TestClass has no method divide");
	CU_ASSERT_EQUAL(plugin_int(h, g, "testplugin_calls"), before);
	CU_ASSERT_EQUAL(r.type, SIGNET_TYPE_VOID); /* untouched */
	signet_instance_destroy(a);
	signet_host_free(h);
}

/* Refuses `other` as the argument of "same" on `inst`: the code, reason, expected and actual; no call made. */
static void assert_instance_argument_refused(signet_host *h, signet_guest_id g, signet_instance *inst,
	signet_instance *other)
{
	int before = plugin_int(h, g, "testplugin_calls");
	signet_value r = SIGNET_INT32(77), arg = SIGNET_INSTANCE(other);
	signet_error *err = NULL;
	int rc = signet_instance_invoke(inst, "same", &arg, 1, &r, &err);
	CU_ASSERT_EQUAL(rc, SIGNET_E_ARGUMENT_MISMATCH);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "invoke.arguments");
	CU_ASSERT_STRING_EQUAL(signet_error_expected(err), "instance");
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), "not a live instance of this host");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_ARGUMENT_MISMATCH,
		"method same of TestClass: argument 1 is not a live instance of this host");
	CU_ASSERT_EQUAL(plugin_int(h, g, "testplugin_calls"), before);
	CU_ASSERT_EQUAL(r.type, SIGNET_TYPE_INT32); /* untouched */
	CU_ASSERT_EQUAL(r.as.i32, 77);
}

/*
 * An instance argument must be a live instance of the called instance's
 * own host: not another host's (its guest may follow other rules), not a
 * destroyed one (its memory is freed). The destroyed one is looked up
 * without being read, or ASan would report it here.
 */
static void test_instance_arguments_checked(void)
{
	signet_host *h = new_host(), *other = new_host();
	tb_spec s = { .signer = TB_TEAM_A };
	char *here = tb_make("here", &s), *there = tb_make("there", &s);
	signet_error *err = NULL;
	signet_guest_id g = 0, og = 0;
	SG_ASSERT_OK(signet_host_load_bundle(&g, h, here, &err), &err);
	SG_ASSERT_OK(signet_host_load_bundle(&og, other, there, &err), &err);
	signet_instance *a = NULL, *b = NULL, *foreign = NULL, *gone = NULL;
	SG_ASSERT_OK(signet_instance_create(&a, h, g, &err), &err);
	SG_ASSERT_OK(signet_instance_create(&b, h, g, &err), &err);
	SG_ASSERT_OK(signet_instance_create(&foreign, other, og, &err), &err);
	SG_ASSERT_OK(signet_instance_create(&gone, h, g, &err), &err);
	signet_instance_destroy(gone);

	assert_instance_argument_refused(h, g, a, foreign);
	assert_instance_argument_refused(h, g, a, gone);
	CU_ASSERT_EQUAL(plugin_int(other, og, "testplugin_calls"), 0);

	/* Live instances of the same host still pass, as their instance memory. */
	signet_value r, arg = SIGNET_INSTANCE(b);
	SG_ASSERT_OK(signet_instance_invoke(a, "same", &arg, 1, &r, &err), &err);
	CU_ASSERT_FALSE(r.as.boolean);
	SG_ASSERT_OK(signet_instance_invoke(b, "same", &arg, 1, &r, &err), &err);
	CU_ASSERT(r.as.boolean);
	signet_instance_destroy(a);
	signet_instance_destroy(b);
	signet_instance_destroy(foreign);
	signet_host_free(h);
	signet_host_free(other);
	free(here);
	free(there);
}

/* Instances made and destroyed in batches on another thread, so the host's live set grows and shrinks. */
typedef struct churn {
	signet_host *host;
	signet_guest_id guest;
	atomic_bool stop;
	int failures;
} churn;

static void *churn_instances(void *p)
{
	churn *c = p;
	while (!atomic_load(&c->stop)) {
		signet_instance *batch[20] = { NULL };
		for (size_t i = 0; i < 20; i++)
			c->failures += signet_instance_create(&batch[i], c->host, c->guest, NULL) != 0;
		for (size_t i = 0; i < 20; i++)
			signet_instance_destroy(batch[i]);
	}
	return NULL;
}

/* Checking an instance argument while the live set changes: always found, never misread (TSan). */
static void test_instance_arguments_while_others_churn(void)
{
	signet_guest_id g = 0;
	signet_host *h = host_with_guest(&g, NULL);
	signet_error *err = NULL;
	signet_instance *a = NULL, *b = NULL;
	SG_ASSERT_OK(signet_instance_create(&a, h, g, &err), &err);
	SG_ASSERT_OK(signet_instance_create(&b, h, g, &err), &err);
	churn c = { .host = h, .guest = g };
	pthread_t t;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, churn_instances, &c), 0);
	int refused = 0, wrong = 0;
	for (int i = 0; i < 2000; i++) {
		signet_value r = SIGNET_BOOL(false), arg = SIGNET_INSTANCE(i % 2 ? a : b);
		refused += signet_instance_invoke(a, "same", &arg, 1, &r, NULL) != 0;
		wrong += r.as.boolean != (i % 2 != 0);
	}
	atomic_store(&c.stop, true);
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(refused, 0);
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(c.failures, 0);
	signet_instance_destroy(a);
	signet_instance_destroy(b);
	signet_host_free(h);
}

static void test_init_failure(void)
{
	signet_guest_id g = 0;
	signet_host *h = host_with_guest(&g, "testplugin-INIT_FAILS.so");
	signet_error *err = NULL;
	signet_instance *a = NULL;
	SG_ASSERT_FAILS(signet_instance_create(&a, h, g, &err), &err, SIGNET_E_INSTANCE_INIT, "init returned 7");
	CU_ASSERT_PTR_NULL(a);
	/* The failed instance does not pin the guest. */
	SG_ASSERT_OK(signet_host_remove_guest(h, g, &err), &err);
	signet_host_free(h);
}

/* ---- status ---- */

static void test_status_moves_one_way(void)
{
	signet_guest_id g = 0;
	signet_host *h = host_with_guest(&g, NULL);
	signet_error *err = NULL;
	uint32_t st = 0;
	SG_ASSERT_OK(signet_guest_set_status(h, g, SIGNET_GUEST_VALID | SIGNET_GUEST_HARD, &err), &err);
	SG_ASSERT_FAILS(signet_guest_set_status(h, g, SIGNET_GUEST_VALID, &err), &err, SIGNET_E_GUEST_STATUS,
		"HARD can only be set");
	SG_ASSERT_FAILS(signet_guest_set_status(h, g, SIGNET_GUEST_VALID | SIGNET_GUEST_HARD | 0x80, &err), &err,
		SIGNET_E_GUEST_STATUS, "unknown flags");
	SG_ASSERT_OK(signet_guest_status(&st, h, g, &err), &err);
	CU_ASSERT_EQUAL(st, SIGNET_GUEST_VALID | SIGNET_GUEST_HARD); /* unchanged by the refusals */

	signet_instance *kept = NULL, *late = NULL;
	SG_ASSERT_OK(signet_instance_create(&kept, h, g, &err), &err);
	SG_ASSERT_OK(signet_guest_set_status(h, g, SIGNET_GUEST_HARD, &err), &err); /* clear VALID */
	SG_ASSERT_FAILS(signet_guest_set_status(h, g, SIGNET_GUEST_VALID | SIGNET_GUEST_HARD, &err), &err,
		SIGNET_E_GUEST_STATUS, "VALID can only be cleared");
	SG_ASSERT_FAILS(signet_instance_create(&late, h, g, &err), &err, SIGNET_E_GUEST_INVALID, "no longer valid");
	/* An invalid guest's existing instance still works; a killed one's never. */
	signet_value r;
	SG_ASSERT_OK(signet_instance_invoke(kept, "nothing", NULL, 0, &r, &err), &err);
	int calls = plugin_int(h, g, "testplugin_calls"), finis = plugin_int(h, g, "testplugin_finis");
	SG_ASSERT_OK(signet_guest_set_status(h, g, SIGNET_GUEST_HARD | SIGNET_GUEST_KILL, &err), &err);
	SG_ASSERT_FAILS(signet_instance_invoke(kept, "nothing", NULL, 0, &r, &err), &err, SIGNET_E_GUEST_INVALID,
		"is killed");
	SG_ASSERT_FAILS(signet_guest_set_status(h, g, SIGNET_GUEST_HARD, &err), &err, SIGNET_E_GUEST_STATUS,
		"KILL can only be set");
	CU_ASSERT_EQUAL(plugin_int(h, g, "testplugin_calls"), calls);
	signet_instance_destroy(kept);
	CU_ASSERT_EQUAL(plugin_int(h, g, "testplugin_finis"), finis); /* no fini for a killed guest */
	SG_ASSERT_FAILS(signet_guest_set_status(h, 77, 0, &err), &err, SIGNET_E_NOT_FOUND, "no guest 77");
	signet_host_free(h);
}

/* A kill from another thread: calls stop, at most one in flight finishes. */
typedef struct caller {
	signet_instance *inst;
	int calls_made, last_rc;
} caller;

static void *call_until_refused(void *p)
{
	caller *c = p;
	for (;;) {
		signet_value r;
		int rc = signet_instance_invoke(c->inst, "nothing", NULL, 0, &r, NULL);
		if (rc) {
			c->last_rc = rc;
			return NULL;
		}
		c->calls_made++;
	}
}

static void test_kill_from_another_thread(void)
{
	signet_guest_id g = 0;
	signet_host *h = host_with_guest(&g, NULL);
	signet_error *err = NULL;
	caller c = { 0 };
	SG_ASSERT_OK(signet_instance_create(&c.inst, h, g, &err), &err);
	pthread_t t;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, call_until_refused, &c), 0);
	while (plugin_int(h, g, "testplugin_calls") < 1000)
		sched_yield();
	SG_ASSERT_OK(signet_guest_set_status(h, g, SIGNET_GUEST_VALID | SIGNET_GUEST_KILL, &err), &err);
	int at_kill = plugin_int(h, g, "testplugin_calls");
	pthread_join(t, NULL);
	CU_ASSERT_EQUAL(c.last_rc, SIGNET_E_GUEST_INVALID);
	/* A call already past its status check when the kill landed may finish; no other. */
	CU_ASSERT(plugin_int(h, g, "testplugin_calls") <= at_kill + 1);
	signet_instance_destroy(c.inst);
	signet_host_free(h);
}

/*
 * Removal racing every call that looks a guest up by handle. One thread
 * creates instances of an invalid guest and of a valid one, checks
 * conformance and a requirement, again and again, while this thread
 * removes both guests. Each call must give an answer that was true at some
 * instant: success (an instance is destroyed at once), the invalid guest's
 * refusal, or "no guest" once it is gone; never a read of a freed guest
 * (ASan and TSan watch for that).
 */
#define RACE_ROUNDS 40

typedef struct race_guest {
	signet_guest_id id;
	bool valid;  /* VALID left set: creates succeed until removal */
	bool gone;   /* the racer has seen SIGNET_E_NOT_FOUND */
} race_guest;

typedef struct racer {
	signet_host *host;
	race_guest guests[2];
	const signet_requirement *req;
	atomic_int rounds;   /* passes over both guests, for the remover to wait on */
	atomic_bool abandon; /* a removal failed: stop rather than wait for "no guest" forever */
	int unexpected;
	char first[512];     /* the first unexpected answer */
} racer;

/* Is (rc, err) an answer `op` may give for guest `g`? `want`/`reason`: the answer while it exists. */
static void race_expect(racer *r, const char *op, race_guest *g, int rc, signet_error *err, int want,
	const char *reason)
{
	g->gone |= rc == SIGNET_E_NOT_FOUND;
	char gone[64];
	snprintf(gone, sizeof gone, "no guest %u in this host", g->id);
	const char *msg = err ? signet_error_message(err) : "";
	bool ok = rc == 0 ? want == 0 && !err
		: err && signet_error_code(err) == rc &&
		  ((rc == want && strstr(msg, reason)) || (rc == SIGNET_E_NOT_FOUND && strstr(msg, gone)));
	if (!ok && r->unexpected++ == 0)
		snprintf(r->first, sizeof r->first, "%s on guest %u: rc %d, \"%s\"", op, g->id, rc, msg);
	signet_error_free(err);
}

static const signet_protocol_method race_filter_methods[] = { { "filter", "**", true } };
static const signet_protocol race_filter = { "Filter", 1, 1, race_filter_methods };

static void race_once(racer *r, race_guest *g)
{
	char invalid[96];
	snprintf(invalid, sizeof invalid, "guest %u is no longer valid: a new instance refused", g->id);
	signet_instance *inst = NULL;
	signet_error *err = NULL;
	int rc = signet_instance_create(&inst, r->host, g->id, &err);
	if (rc == 0)
		signet_instance_destroy(inst);
	race_expect(r, "create", g, rc, err, g->valid ? 0 : SIGNET_E_GUEST_INVALID, invalid);
	err = NULL;
	rc = signet_guest_conforms(r->host, g->id, &race_filter, &err);
	race_expect(r, "conforms", g, rc, err, 0, "");
	err = NULL;
	rc = signet_guest_check_requirement(r->host, g->id, r->req, &err);
	race_expect(r, "check_requirement", g, rc, err, 0, "");
}

static void *race_calls(void *p)
{
	racer *r = p;
	while ((!r->guests[0].gone || !r->guests[1].gone) && !atomic_load(&r->abandon)) {
		for (size_t i = 0; i < 2; i++)
			if (!r->guests[i].gone)
				race_once(r, &r->guests[i]);
		atomic_fetch_add(&r->rounds, 1);
	}
	return NULL;
}

/* Removes `g`, waiting out the instances the racer holds for a moment. */
static bool remove_racing(signet_host *h, signet_guest_id g)
{
	signet_error *err = NULL;
	int rc;
	while ((rc = signet_host_remove_guest(h, g, &err)) == SIGNET_E_INVALID_ARGUMENT &&
	       strstr(signet_error_message(err), "still has 1 instances")) {
		signet_error_free(err);
		err = NULL;
		sched_yield();
	}
	if (rc)
		fprintf(stderr, "  removing guest %u: %s\n", g, signet_error_message(err));
	signet_error_free(err);
	return rc == 0;
}

static void test_removal_races_lookups(void)
{
	signet_host *h = new_host();
	tb_spec s = { .signer = TB_TEAM_A };
	char *invalid_dir = tb_make("raceinvalid", &s), *valid_dir = tb_make("racevalid", &s);
	signet_error *err = NULL;
	signet_requirement *req = NULL;
	SG_ASSERT_OK(signet_requirement_parse(&req, "team \"ABCDE12345\"", &err), &err);
	for (int round = 0; round < RACE_ROUNDS; round++) {
		racer r = { .host = h, .req = req };
		SG_ASSERT_OK(signet_host_load_bundle(&r.guests[0].id, h, invalid_dir, &err), &err);
		SG_ASSERT_OK(signet_guest_set_status(h, r.guests[0].id, 0, &err), &err); /* clears VALID */
		SG_ASSERT_OK(signet_host_load_bundle(&r.guests[1].id, h, valid_dir, &err), &err);
		r.guests[1].valid = true;
		pthread_t t;
		CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, race_calls, &r), 0);
		/* Remove at a different point of the racer's loop each round. */
		while (atomic_load(&r.rounds) < round % 4)
			sched_yield();
		bool removed = remove_racing(h, r.guests[0].id);
		removed &= remove_racing(h, r.guests[1].id);
		if (!removed)
			atomic_store(&r.abandon, true);
		pthread_join(t, NULL);
		CU_ASSERT_FATAL(removed);
		if (r.unexpected)
			fprintf(stderr, "  round %d: %d unexpected answers, first: %s\n", round, r.unexpected, r.first);
		CU_ASSERT_EQUAL_FATAL(r.unexpected, 0);
	}
	CU_ASSERT_EQUAL(signet_host_guests(h, NULL, 0), 0);
	signet_requirement_free(req);
	signet_host_free(h);
	free(invalid_dir);
	free(valid_dir);
}

/* ---- hosts ---- */

static void test_dedicated_host(void)
{
	signet_host *h = new_host();
	signet_error *err = NULL;
	SG_ASSERT_FAILS(signet_host_set_dedicated(h, &err), &err, SIGNET_E_HOST_DEDICATED, "it has 0");
	CU_ASSERT_FALSE(signet_host_is_dedicated(h));
	tb_spec s = { .signer = TB_TEAM_A };
	char *one = tb_make("one", &s);
	signet_guest_id g1 = 0, g2 = 0;
	SG_ASSERT_OK(signet_host_load_bundle(&g1, h, one, &err), &err);
	SG_ASSERT_OK(signet_host_set_dedicated(h, &err), &err);
	CU_ASSERT(signet_host_is_dedicated(h));
	SG_ASSERT_FAILS(signet_host_load_bundle(&g2, h, one, &err), &err, SIGNET_E_HOST_DEDICATED, "accepts no other");
	/* Irreversible: even with its guest gone, no other comes in. */
	SG_ASSERT_OK(signet_host_remove_guest(h, g1, &err), &err);
	SG_ASSERT_FAILS(signet_host_load_bundle(&g2, h, one, &err), &err, SIGNET_E_HOST_DEDICATED, "accepts no other");
	CU_ASSERT(signet_host_is_dedicated(h));
	signet_host_free(h);

	/* A host with two guests cannot become dedicated. */
	h = new_host();
	char *two = tb_make("two", &s);
	SG_ASSERT_OK(signet_host_load_bundle(&g1, h, one, &err), &err);
	SG_ASSERT_OK(signet_host_load_bundle(&g2, h, two, &err), &err);
	SG_ASSERT_FAILS(signet_host_set_dedicated(h, &err), &err, SIGNET_E_HOST_DEDICATED, "it has 2");
	signet_host_free(h);
	free(one);
	free(two);
}

static void test_handles_and_removal(void)
{
	signet_host *h = new_host();
	signet_error *err = NULL;
	tb_spec s = { .signer = TB_TEAM_A };
	char *a = tb_make("ha", &s), *b = tb_make("hb", &s);
	signet_guest_id g1 = 0, g2 = 0, g3 = 0;
	SG_ASSERT_OK(signet_host_load_bundle(&g1, h, a, &err), &err);
	SG_ASSERT_OK(signet_host_load_bundle(&g2, h, b, &err), &err);
	CU_ASSERT_NOT_EQUAL(g1, g2);
	signet_instance *inst = NULL;
	SG_ASSERT_OK(signet_instance_create(&inst, h, g1, &err), &err);
	SG_ASSERT_FAILS(signet_host_remove_guest(h, g1, &err), &err, SIGNET_E_INVALID_ARGUMENT, "still has 1 instances");
	signet_instance_destroy(inst);
	SG_ASSERT_OK(signet_host_remove_guest(h, g1, &err), &err);
	SG_ASSERT_FAILS(signet_host_remove_guest(h, g1, &err), &err, SIGNET_E_NOT_FOUND, "no guest");
	CU_ASSERT_FALSE(sg_still_loaded("/ha.bundle/"));
	/* Handles are never reused. */
	SG_ASSERT_OK(signet_host_load_bundle(&g3, h, a, &err), &err);
	CU_ASSERT(g3 != g1 && g3 != g2);
	signet_host_free(h);
	free(a);
	free(b);
}

/* ---- lookups and identity ---- */

static signet_host *calling_host;
static signet_guest_id called_by;
static int calling_rc;

/* A host function a plugin calls: who is calling? */
static void host_callback(void)
{
	calling_rc = signet_host_calling_guest(&called_by, calling_host, NULL);
}

static void host_function(void) {}

static void test_lookups(void)
{
	signet_guest_id g = 0;
	signet_host *h = host_with_guest(&g, NULL);
	signet_error *err = NULL;
	signet_guest_id found = 0;
	/* By address: the guest's code is the guest's; the host's is nobody's. */
	void *answer = NULL;
	SG_ASSERT_OK(signet_image_symbol(&answer, signet_guest_image(h, g), "testplugin_calls", &err), &err);
	SG_ASSERT_OK(signet_host_guest_by_address(&found, h, answer, &err), &err);
	CU_ASSERT_EQUAL(found, g);
	const void *own = NULL;
	void (*fp)(void) = host_function;
	memcpy(&own, &fp, sizeof own);
	SG_ASSERT_FAILS(signet_host_guest_by_address(&found, h, own, &err), &err, SIGNET_E_NOT_FOUND,
		"belongs to no guest");
	/* By cdhash: the verified one. */
	SG_ASSERT_OK(signet_host_guest_by_cdhash(&found, h, signet_identity_cdhash(signet_guest_identity(h, g)), &err),
		&err);
	CU_ASSERT_EQUAL(found, g);
	uint8_t other[32] = { 0 };
	SG_ASSERT_FAILS(signet_host_guest_by_cdhash(&found, h, other, &err), &err, SIGNET_E_NOT_FOUND, "cdhash");
	/* Who is calling me: the plugin calls back into the host. */
	calling_host = h;
	called_by = 0;
	calling_rc = -1;
	signet_instance *inst = NULL;
	SG_ASSERT_OK(signet_instance_create(&inst, h, g, &err), &err);
	signet_value r, arg = SIGNET_POINTER(NULL);
	void (*cb)(void) = host_callback;
	memcpy(&arg.as.pointer, &cb, sizeof arg.as.pointer);
	SG_ASSERT_OK(signet_instance_invoke(inst, "callback", &arg, 1, &r, &err), &err);
	CU_ASSERT_EQUAL(calling_rc, 0);
	CU_ASSERT_EQUAL(called_by, g);
	/* Called from the host itself: no guest. */
	host_callback();
	CU_ASSERT_EQUAL(calling_rc, SIGNET_E_NOT_FOUND);
	signet_instance_destroy(inst);
	signet_host_free(h);
}

static void test_requirements(void)
{
	signet_guest_id g = 0;
	signet_host *h = host_with_guest(&g, NULL);
	signet_error *err = NULL;
	signet_requirement *ok = NULL, *no = NULL;
	SG_ASSERT_OK(signet_requirement_parse(&ok, "anchor trusted and team \"ABCDE12345\" and identifier "
		"\"org.signet.test.guest\"", &err), &err);
	SG_ASSERT_OK(signet_requirement_parse(&no, "identifier \"org.example.other\"", &err), &err);
	SG_ASSERT_OK(signet_guest_check_requirement(h, g, ok, &err), &err);
	SG_ASSERT_FAILS(signet_guest_check_requirement(h, g, no, &err), &err, SIGNET_E_REQUIREMENT_UNMET,
		"org.signet.test.guest");
	SG_ASSERT_FAILS(signet_guest_check_requirement(h, 42, ok, &err), &err, SIGNET_E_NOT_FOUND, "no guest 42");
	signet_requirement_free(ok);
	signet_requirement_free(no);
	signet_host_free(h);
}

static const sg_test load_tests[] = {
	{ "load and describe", test_load_and_describe },
	{ "bad descriptors refused", test_bad_descriptors_refused },
	{ "manifest protocols must be adopted", test_manifest_protocols_must_be_adopted },
	{ "a refused bundle leaves nothing", test_refused_bundle_leaves_nothing },
	{ "a bundled library is the guest's", test_bundled_library_is_the_guests },
	{ NULL, NULL },
};

static const sg_test class_tests[] = {
	{ "conformance", test_conformance },
	{ "calls of every type", test_calls_of_every_type },
	{ "mismatched calls make no call", test_mismatched_calls_make_no_call },
	{ "instance arguments: live and of this host only", test_instance_arguments_checked },
	{ "instance arguments checked while other instances come and go", test_instance_arguments_while_others_churn },
	{ "init failure", test_init_failure },
	{ NULL, NULL },
};

static const sg_test guest_tests[] = {
	{ "status moves one way", test_status_moves_one_way },
	{ "a kill from another thread", test_kill_from_another_thread },
	{ "removal races creates, conformance and requirement checks", test_removal_races_lookups },
	{ "dedicated host", test_dedicated_host },
	{ "handles and removal", test_handles_and_removal },
	{ "lookups and who is calling", test_lookups },
	{ "requirements", test_requirements },
	{ NULL, NULL },
};

int main(void)
{
	static const sg_suite suites[] = {
		{ "load", load_tests },
		{ "class", class_tests },
		{ "guest", guest_tests },
		{ NULL, NULL },
	};
	return sg_test_main(suites);
}
