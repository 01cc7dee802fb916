/* SPDX-License-Identifier: MIT */
/*
 * test_report_json.c - a bundle report and its errors as JSON and back
 * (loader/bundle/report_json.h, docs/bundle-format.md "The report as
 * JSON"): real reports of every shape come back field for field; every
 * rule of the schema refuses what breaks it, naming the field; the writer
 * never writes what the reader would refuse.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/report_json.h"
#include "bundle_fixture.h"
#include "core/error_internal.h"
#include "harness.h"

static char *dump(json_t *j)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return s;
}

static void same_error(const signet_error *a, const signet_error *b)
{
	for (; a || b; a = signet_error_cause(a), b = signet_error_cause(b)) {
		CU_ASSERT_FATAL(a && b);
		CU_ASSERT_EQUAL(signet_error_code(a), signet_error_code(b));
		CU_ASSERT_STRING_EQUAL(signet_error_message(a), signet_error_message(b));
		CU_ASSERT_EQUAL(!signet_error_path(a), !signet_error_path(b));
		if (signet_error_path(a))
			CU_ASSERT_STRING_EQUAL(signet_error_path(a), signet_error_path(b));
		CU_ASSERT_EQUAL(!signet_error_check(a), !signet_error_check(b));
		if (signet_error_check(a))
			CU_ASSERT_STRING_EQUAL(signet_error_check(a), signet_error_check(b));
		CU_ASSERT_EQUAL(!signet_error_expected(a), !signet_error_expected(b));
		CU_ASSERT_EQUAL(!signet_error_actual(a), !signet_error_actual(b));
		CU_ASSERT_EQUAL(signet_error_os_errno(a), signet_error_os_errno(b));
		CU_ASSERT_EQUAL(signet_error_offset(a), signet_error_offset(b));
		CU_ASSERT_EQUAL(signet_error_index(a), signet_error_index(b));
		CU_ASSERT_EQUAL(signet_error_column(a), signet_error_column(b));
	}
}

static void test_error_round_trip(void)
{
	signet_error *root = NULL, *mid = NULL, *top = NULL, *back = NULL, *err = NULL;
	sg_fail(&root, &(sg_error_info){ .code = SIGNET_E_IO, .path = "/x/lib.so", .check = "file.open", .os_errno = 13 },
		"cannot open: Permission denied");
	sg_fail(&mid, &(sg_error_info){ .code = SIGNET_E_PAGE_MISMATCH, .path = "/x/lib.so", .check = "signature.page",
		.expected = "ab", .actual = "cd", .has_offset = true, .offset = 0, .has_index = true, .index = 17,
		.cause = root }, "page 17 (file offset 0x11000) was modified after signing \"quoted\" \xc3\xa9");
	sg_fail(&top, &(sg_error_info){ .code = SIGNET_E_REQUIREMENT_SYNTAX, .check = "requirement.syntax",
		.has_column = true, .column = 9, .cause = mid }, "no path: the message stays as it was");
	char *text = dump(sg_error_to_json(top));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"code\":\"SIGNET_E_REQUIREMENT_SYNTAX\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"offset\":0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"errno\":13"));
	json_t *j = json_loads(text, 0, NULL);
	SG_ASSERT_OK(sg_error_from_json(&back, j, "test", NULL, &err), &err);
	same_error(top, back);
	/* The message is not prefixed with the path a second time. */
	CU_ASSERT_STRING_EQUAL(signet_error_message(signet_error_cause(back)),
		"/x/lib.so: page 17 (file offset 0x11000) was modified after signing \"quoted\" \xc3\xa9");
	char *again = dump(sg_error_to_json(back));
	CU_ASSERT_STRING_EQUAL(text, again);
	json_decref(j);
	free(text);
	free(again);
	signet_error_free(top);
	signet_error_free(back);
}

static void round_trip(const char *dir, const char *api)
{
	signet_bundle_info *info = NULL, *back = NULL;
	signet_error *err = NULL;
	int rc = signet_preflight(&info, dir, sg_test_policy(), api, &err);
	CU_ASSERT_EQUAL(rc, err ? signet_error_code(err) : 0);
	signet_error_free(err);
	err = NULL;
	char *text = dump(sg_bundle_info_to_json(info));
	json_t *j = json_loads(text, 0, NULL);
	SG_ASSERT_OK(sg_bundle_info_from_json(&back, j, "test", &err), &err);
	char *again = dump(sg_bundle_info_to_json(back));
	CU_ASSERT_STRING_EQUAL(text, again);
	/* Field by field, through the public accessors. */
	CU_ASSERT_EQUAL(signet_bundle_info_ok(info), signet_bundle_info_ok(back));
	CU_ASSERT_EQUAL(!signet_bundle_info_path(info), !signet_bundle_info_path(back));
	if (signet_bundle_info_path(info))
		CU_ASSERT_STRING_EQUAL(signet_bundle_info_path(info), signet_bundle_info_path(back));
	CU_ASSERT_EQUAL(signet_bundle_info_protocol_count(info), signet_bundle_info_protocol_count(back));
	for (size_t i = 0; i < signet_bundle_info_protocol_count(info); i++) {
		CU_ASSERT_STRING_EQUAL(signet_bundle_info_protocol_name(info, i), signet_bundle_info_protocol_name(back, i));
		CU_ASSERT_EQUAL(signet_bundle_info_protocol_version(info, i), signet_bundle_info_protocol_version(back, i));
	}
	CU_ASSERT_EQUAL(signet_bundle_info_library_count(info), signet_bundle_info_library_count(back));
	CU_ASSERT_EQUAL(signet_bundle_info_dependency_count(info), signet_bundle_info_dependency_count(back));
	for (size_t i = 0; i < signet_bundle_info_dependency_count(info); i++)
		CU_ASSERT_STRING_EQUAL(signet_bundle_info_dependency_kind(info, i), signet_bundle_info_dependency_kind(back, i));
	CU_ASSERT_EQUAL(signet_bundle_info_reason_count(info), signet_bundle_info_reason_count(back));
	for (size_t i = 0; i < signet_bundle_info_reason_count(info); i++)
		same_error(signet_bundle_info_reason(info, i), signet_bundle_info_reason(back, i));
	json_decref(j);
	free(text);
	free(again);
	signet_bundle_info_free(info);
	signet_bundle_info_free(back);
}

static void test_reports_round_trip(void)
{
	tb_spec s = { .signer = TB_TEAM_A, .with_dep = true, .variant = "testplugin-USES_DEP.so" };
	char *dir = tb_make("deps", &s);
	round_trip(dir, NULL);            /* accepted, with a library and a signed dependency */
	round_trip(dir, "2.0.0");         /* refused for its host API */
	free(dir);
	s = (tb_spec){ .signer = TB_TEAM_Z };
	dir = tb_make("several", &s);
	CU_ASSERT_EQUAL(tb_sh("echo x > '%s/resources/extra' && rm '%s/resources/words.txt'", dir, dir), 0);
	round_trip(dir, NULL);            /* several reasons */
	free(dir);
	round_trip("/nonexistent/x.bundle", NULL); /* nothing to read: no path, no manifest */
}

/* The good report as a JSON object, to break one rule at a time. */
static json_t *good_report(void)
{
	static char *text;
	if (!text) {
		tb_spec s = { .signer = TB_TEAM_Z };
		char *dir = tb_make("base", &s);
		signet_bundle_info *info = NULL;
		signet_error *err = NULL;
		CU_ASSERT_EQUAL(signet_preflight(&info, dir, sg_test_policy(), NULL, &err), SIGNET_E_REQUIREMENT_UNMET);
		text = dump(sg_bundle_info_to_json(info));
		signet_error_free(err);
		signet_bundle_info_free(info);
		free(dir);
	}
	return json_loads(text, 0, NULL);
}

static void expect_refused(json_t *report, const char *reason)
{
	signet_bundle_info *info = NULL;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(sg_bundle_info_from_json(&info, report, "/the/file", &err), &err, SIGNET_E_STATE_DAMAGED, reason);
	CU_ASSERT_PTR_NULL(info);
	json_decref(report);
}

static json_t *reason0(json_t *r)
{
	return json_array_get(json_object_get(r, "reasons"), 0);
}

static void test_schema_rules(void)
{
	expect_refused(json_array(), "/the/file: report: expected an object, got an array");
	json_t *r = good_report();
	json_object_del(r, "team");
	expect_refused(r, "report: no \"team\"");
	r = good_report();
	json_object_set_new(r, "extra", json_true());
	expect_refused(r, "report: unknown key \"extra\"");
	r = good_report();
	json_object_set_new(r, "identifier", json_integer(5));
	expect_refused(r, "report: \"identifier\": expected a string or null, got an integer");
	r = good_report();
	json_object_set_new(r, "path", json_array());
	expect_refused(r, "\"path\": expected a string or null, got an array");
	r = good_report();
	json_object_set_new(r, "ok", json_string("no"));
	expect_refused(r, "report: \"ok\": expected a boolean, got a string");
	r = good_report();
	json_object_set_new(r, "ok", json_true());
	expect_refused(r, "report: \"ok\" is true, but there are reasons");
	r = good_report();
	json_object_set_new(r, "cdhash", json_string("ABCD"));
	expect_refused(r, "\"cdhash\": expected 64 lowercase hex digits or null");
	r = good_report();
	json_object_set_new(r, "protocols", json_pack("[{s:s, s:i}]", "name", "Filter", "version", 0));
	expect_refused(r, "protocols[0]: \"version\": 0, expected 1 to 65535");
	r = good_report();
	json_object_set_new(r, "protocols", json_pack("[{s:s, s:i, s:i}]", "name", "Filter", "version", 1, "x", 1));
	expect_refused(r, "protocols[0]: unknown key \"x\"");
	r = good_report();
	json_t *many = json_array();
	for (int i = 0; i < 65; i++)
		json_array_append_new(many, json_pack("{s:s, s:i}", "name", "P", "version", 1));
	json_object_set_new(r, "protocols", many);
	expect_refused(r, "report: \"protocols\": 65 items, at most 64");
	r = good_report();
	json_object_set_new(r, "libraries", json_pack("[n]"));
	expect_refused(r, "libraries[0]: expected a string, got null");
	r = good_report();
	json_object_set_new(r, "dependencies", json_pack("[{s:s, s:s, s:s, s:s}]", "needed_by", "a", "name", "b",
		"path", "c", "kind", "bogus"));
	expect_refused(r, "dependencies[0]: \"kind\": \"bogus\", expected loaded, signed or platform");
	r = good_report();
	json_object_set_new(reason0(r), "code", json_string("SIGNET_E_NOPE"));
	expect_refused(r, "reasons[0]: \"code\": \"SIGNET_E_NOPE\" is not the name of an error code");
	r = good_report();
	json_object_set_new(reason0(r), "code", json_string("SIGNET_OK"));
	expect_refused(r, "reasons[0]: \"code\": \"SIGNET_OK\" is not the name of an error code");
	r = good_report();
	json_object_set_new(reason0(r), "errno", json_integer(5000));
	expect_refused(r, "reasons[0]: \"errno\": 5000, expected 0 to 4095");
	r = good_report();
	json_object_set_new(reason0(r), "offset", json_integer(-3));
	expect_refused(r, "reasons[0]: \"offset\": -3, expected 0 to");
	r = good_report();
	json_object_set_new(reason0(r), "column", json_real(1.5));
	expect_refused(r, "reasons[0]: \"column\": expected an integer or null, got a number");
	r = good_report();
	json_object_set_new(r, "reasons", json_string("none"));
	expect_refused(r, "report: \"reasons\": expected an array, got a string");
	r = good_report();
	json_object_set_new(reason0(r), "cause", json_pack("{s:s}", "code", "SIGNET_E_IO"));
	expect_refused(r, "reasons[0].cause: no \"message\"");
	/* Causes nested deeper than the limit. */
	r = good_report();
	json_t *e = reason0(r);
	for (unsigned i = 0; i < SG_REPORT_MAX_CAUSES; i++) {
		json_t *c = json_deep_copy(e);
		json_object_set_new(c, "cause", json_null());
		json_object_set_new(e, "cause", c);
		e = c;
	}
	expect_refused(r, "causes nested deeper than 16");
	/* A string over 64 KiB. */
	r = good_report();
	char *big = malloc(SG_REPORT_MAX_STRING + 2);
	memset(big, 'a', SG_REPORT_MAX_STRING + 1);
	big[SG_REPORT_MAX_STRING + 1] = '\0';
	json_object_set_new(reason0(r), "message", json_string(big));
	expect_refused(r, "\"message\": 65537 bytes, at most 65536");
	free(big);
}

static void test_writer_writes_only_what_reader_reads(void)
{
	/* A chain of causes deeper than the reader takes is not written. */
	signet_error *e = NULL;
	for (unsigned i = 0; i <= SG_REPORT_MAX_CAUSES; i++)
		sg_fail(&e, &(sg_error_info){ .code = SIGNET_E_IO, .cause = e }, "level %u", i);
	CU_ASSERT_PTR_NULL(sg_error_to_json(e));
	signet_error_free(e);
	/* Text JSON cannot carry (not UTF-8) is not written either. */
	e = NULL;
	sg_fail(&e, &(sg_error_info){ .code = SIGNET_E_IO, .path = "/x/\xff\xfe" }, "bad bytes");
	CU_ASSERT_PTR_NULL(sg_error_to_json(e));
	signet_error_free(e);
	CU_ASSERT_PTR_NULL(sg_error_to_json(NULL));
	CU_ASSERT_PTR_NULL(sg_bundle_info_to_json(NULL));
}

/*
 * The public face (signet_bundle_info_to_json(), signet_error_to_json()):
 * the very text the internal writer makes, in the documented key order,
 * read back to the same report; NULL arguments refused.
 */
static void test_public_text(void)
{
	tb_spec s = { .signer = TB_TEAM_Z };
	char *dir = tb_make("public", &s);
	signet_bundle_info *info = NULL, *back = NULL;
	signet_error *err = NULL;
	CU_ASSERT_EQUAL(signet_preflight(&info, dir, sg_test_policy(), NULL, &err), SIGNET_E_REQUIREMENT_UNMET);
	signet_error_free(err);
	err = NULL;
	char *text = NULL, *reason = NULL;
	CU_ASSERT_EQUAL_FATAL(signet_bundle_info_to_json(&text, info, &err), 0);
	json_t *internal = sg_bundle_info_to_json(info);
	char *want = json_dumps(internal, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(internal);
	CU_ASSERT_STRING_EQUAL(text, want);
	CU_ASSERT_EQUAL(strncmp(text, "{\"path\":", 8), 0); /* the schema's order, not sorted */
	json_t *parsed = json_loads(text, 0, NULL);
	CU_ASSERT_EQUAL(sg_bundle_info_from_json(&back, parsed, "text", &err), 0);
	CU_ASSERT_EQUAL(signet_bundle_info_reason_count(back), signet_bundle_info_reason_count(info));
	json_decref(parsed);
	CU_ASSERT_EQUAL_FATAL(signet_error_to_json(&reason, signet_bundle_info_reason(info, 0), &err), 0);
	json_t *r = json_loads(reason, 0, NULL);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "code")), "SIGNET_E_REQUIREMENT_UNMET");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(r, "check")), "requirement");
	json_decref(r);
	SG_ASSERT_FAILS(signet_bundle_info_to_json(&text, NULL, &err), &err, SIGNET_E_INVALID_ARGUMENT, "info is NULL");
	SG_ASSERT_FAILS(signet_error_to_json(NULL, signet_bundle_info_reason(info, 0), &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "out is NULL");
	free(text);
	free(want);
	free(reason);
	signet_bundle_info_free(info);
	signet_bundle_info_free(back);
	free(dir);
}

static const sg_test tests[] = {
	{ "the public functions write the same text, in the schema's order", test_public_text },
	{ "an error and its causes come back field for field", test_error_round_trip },
	{ "reports of every shape come back field for field", test_reports_round_trip },
	{ "every rule of the schema refuses what breaks it, naming the field", test_schema_rules },
	{ "the writer writes nothing the reader would refuse", test_writer_writes_only_what_reader_reads },
	{ NULL, NULL },
};

int main(void)
{
	static const sg_suite suites[] = {
		{ "report_json", tests },
		{ NULL, NULL },
	};
	return sg_test_main(suites);
}
