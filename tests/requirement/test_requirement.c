/* SPDX-License-Identifier: MIT */
/*
 * test_requirement.c - the requirement language: canonical round trips,
 * precedence, every clause evaluated both ways against a fake identity,
 * explanations, syntax errors with their columns, limits, strings, version
 * order and hash comparison. White-box: links libsignet-internal.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <signet/requirement.h>

#include "harness.h"
#include "requirement/requirement_internal.h"
#include "requirement/version.h"

/* ---- a fake identity ---------------------------------------------------- */

typedef struct fake {
	const char *version;   /* manifest[version] */
	int field_calls;       /* how often certificate_field ran */
} fake;

static const char *fake_field(void *ctx, int index, const char *field)
{
	((fake *)ctx)->field_calls++;
	if (index == 0 && strcmp(field, "subject.CN") == 0)
		return "Jane Doe";
	if (index == 0 && strcmp(field, "subject.OU") == 0)
		return "ABCDE12345";
	if (index == 1 && strcmp(field, "subject.CN") == 0)
		return "Signet Dev Intermediate";
	if (index == SG_REQ_CERT_ROOT && strcmp(field, "subject.CN") == 0)
		return "Signet Dev Root";
	if (index == 0 && strcmp(field, "odd field") == 0)
		return "odd";
	return NULL;
}

static const char *fake_manifest(void *ctx, const char *key)
{
	if (strcmp(key, "version") == 0)
		return ((fake *)ctx)->version;
	if (strcmp(key, "identifier") == 0)
		return "com.example.hello";
	if (strcmp(key, "channel") == 0)
		return "beta";
	return NULL;
}

static bool fake_entitlement(void *ctx, const char *key)
{
	(void)ctx;
	return strcmp(key, "net") == 0 || strcmp(key, "com.example:files") == 0;
}

static uint8_t cdhash_bytes[32], anchor_bytes[32];
static const char cdhash_hex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char anchor_hex[] = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";
static fake the_fake;

static sg_req_subject make_subject(void)
{
	for (int i = 0; i < 32; i++) {
		cdhash_bytes[i] = (uint8_t)i;
		anchor_bytes[i] = (uint8_t)(0xa0 + i);
	}
	the_fake = (fake){ .version = "1.10" };
	return (sg_req_subject){
		.identifier = "com.example.hello",
		.team = "ABCDE12345",
		.cdhash = cdhash_bytes,
		.anchor_trusted = true,
		.anchor_sha256 = anchor_bytes,
		.host_team = "ABCDE12345",
		.certificate_field = fake_field,
		.manifest_value = fake_manifest,
		.has_entitlement = fake_entitlement,
		.ctx = &the_fake,
	};
}

/* ---- helpers ------------------------------------------------------------ */

static signet_requirement *parse_ok(const char *text)
{
	signet_requirement *req = NULL;
	signet_error *err = NULL;
	int rc = signet_requirement_parse(&req, text, &err);
	if (rc != 0) {
		fprintf(stderr, "  parse of [%.200s] failed: %s\n", text, signet_error_message(err));
		signet_error_free(err);
	}
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	return req;
}

/* Parses, formats, parses the result, formats again: both must be `canonical`. */
static void assert_canonical(const char *text, const char *canonical)
{
	signet_requirement *req = parse_ok(text);
	char *once = signet_requirement_format(req);
	CU_ASSERT_PTR_NOT_NULL_FATAL(once);
	if (strcmp(once, canonical) != 0) {
		fprintf(stderr, "  [%s]\n  formats as [%s]\n  wanted     [%s]\n", text, once, canonical);
		CU_FAIL("not the canonical form");
	}
	signet_requirement *again = parse_ok(once);
	char *twice = signet_requirement_format(again);
	CU_ASSERT_PTR_NOT_NULL_FATAL(twice);
	CU_ASSERT_STRING_EQUAL(twice, once);
	free(once);
	free(twice);
	signet_requirement_free(req);
	signet_requirement_free(again);
}

/* 1 satisfied, 0 unmet (the error is freed), aborting the test on other codes. */
static int holds(const char *text, const sg_req_subject *s)
{
	signet_requirement *req = parse_ok(text);
	signet_error *err = NULL;
	int rc = sg_requirement_evaluate(req, s, &err);
	signet_requirement_free(req);
	if (rc == 0) {
		CU_ASSERT_PTR_NULL(err);
		return 1;
	}
	CU_ASSERT_EQUAL(rc, SIGNET_E_REQUIREMENT_UNMET);
	CU_ASSERT_PTR_NOT_NULL(err);
	signet_error_free(err);
	return 0;
}

#define ASSERT_HOLDS(text, s) do { \
		if (!holds((text), (s))) { \
			fprintf(stderr, "  should hold: %s\n", (text)); \
			CU_FAIL("requirement unexpectedly unmet"); \
		} \
	} while (0)

#define ASSERT_UNMET(text, s) do { \
		if (holds((text), (s))) { \
			fprintf(stderr, "  should fail: %s\n", (text)); \
			CU_FAIL("requirement unexpectedly met"); \
		} \
	} while (0)

static int str_eq_or_null(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Evaluates and asserts the exact explanation, expected and actual. */
static void assert_explains(const char *text, const sg_req_subject *s, const char *message,
	const char *expected, const char *actual)
{
	signet_requirement *req = parse_ok(text);
	signet_error *err = NULL;
	CU_ASSERT_EQUAL(sg_requirement_evaluate(req, s, &err), SIGNET_E_REQUIREMENT_UNMET);
	signet_requirement_free(req);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_EQUAL(signet_error_code(err), SIGNET_E_REQUIREMENT_UNMET);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "requirement");
	if (strcmp(signet_error_message(err), message) != 0) {
		fprintf(stderr, "  %s\n  explained [%s]\n  wanted    [%s]\n", text, signet_error_message(err), message);
		CU_FAIL("explanation differs");
	}
	if (!str_eq_or_null(signet_error_expected(err), expected) ||
	    !str_eq_or_null(signet_error_actual(err), actual)) {
		fprintf(stderr, "  %s\n  expected/actual [%s]/[%s], wanted [%s]/[%s]\n", text,
			signet_error_expected(err) ? signet_error_expected(err) : "(null)",
			signet_error_actual(err) ? signet_error_actual(err) : "(null)",
			expected ? expected : "(null)", actual ? actual : "(null)");
		CU_FAIL("expected/actual differ");
	}
	CU_ASSERT_EQUAL(signet_error_column(err), -1);
	signet_error_free(err);
}

/* Asserts a failure with this code, column and exact message. */
static void assert_fails_at_n(const char *text, size_t length, int code, long long column, const char *message)
{
	signet_requirement *req = (signet_requirement *)&the_fake; /* must stay untouched */
	signet_requirement *const sentinel = req;
	signet_error *err = NULL;
	int rc = sg_requirement_parse_buffer(&req, text, length, &err);
	CU_ASSERT_EQUAL(rc, code);
	CU_ASSERT_PTR_EQUAL(req, sentinel);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_EQUAL(signet_error_code(err), code);
	if (signet_error_column(err) != column || strcmp(signet_error_message(err), message) != 0) {
		fprintf(stderr, "  [%.80s]\n  gave   column %lld [%s]\n  wanted column %lld [%s]\n", text,
			signet_error_column(err), signet_error_message(err), column, message);
		CU_FAIL("wrong column or message");
	}
	CU_ASSERT_STRING_EQUAL(signet_error_check(err),
		code == SIGNET_E_LIMIT ? "requirement.limit" : "requirement.syntax");
	signet_error_free(err);
}

static void assert_syntax(const char *text, long long column, const char *message)
{
	assert_fails_at_n(text, strlen(text), SIGNET_E_REQUIREMENT_SYNTAX, column, message);
}

static char *repeat(const char *head, const char *unit, size_t times, const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(hl + ul * times + tl + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	memcpy(s, head, hl);
	for (size_t i = 0; i < times; i++)
		memcpy(s + hl + i * ul, unit, ul);
	memcpy(s + hl + ul * times, tail, tl + 1);
	return s;
}

/* ---- round trips -------------------------------------------------------- */

static void test_every_clause_round_trips(void)
{
	static const struct {
		const char *in, *canonical;
	} cases[] = {
		{ "anchor trusted", "anchor trusted" },
		{ "anchor = H\"A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF\"",
		  "anchor = H\"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\"" },
		{ "anchor H\"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\"",
		  "anchor = H\"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf\"" },
		{ "identifier \"com.example.hello\"", "identifier \"com.example.hello\"" },
		{ "identifier = \"com.example.hello\"", "identifier \"com.example.hello\"" },
		{ "identifier \"\"", "identifier \"\"" },
		{ "team \"ABCDE12345\"", "team \"ABCDE12345\"" },
		{ "team = \"ABCDE12345\"", "team \"ABCDE12345\"" },
		{ "team = host", "team = host" },
		{ "team host", "team = host" },
		{ "cdhash H\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"",
		  "cdhash H\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"" },
		{ "cdhash = H\"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F\"",
		  "cdhash H\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"" },
		{ "certificate leaf[subject.CN] = \"Jane Doe\"", "certificate leaf[subject.CN] = \"Jane Doe\"" },
		{ "certificate 0[subject.CN] = \"Jane Doe\"", "certificate leaf[subject.CN] = \"Jane Doe\"" },
		{ "certificate root[subject.CN] = \"Signet Dev Root\"", "certificate root[subject.CN] = \"Signet Dev Root\"" },
		{ "certificate 2[serial] != \"01\"", "certificate 2[serial] != \"01\"" },
		{ "certificate 15[serial] exists", "certificate 15[serial] exists" },
		{ "certificate leaf[\"subject.OU\"] exists", "certificate leaf[subject.OU] exists" },
		{ "certificate 1[\"odd field\"] exists", "certificate 1[\"odd field\"] exists" },
		{ "manifest[version] >= \"1.2\"", "manifest[version] >= \"1.2\"" },
		{ "manifest[version]>\"1.2\"", "manifest[version] > \"1.2\"" },
		{ "manifest[version] <= \"1.2\"", "manifest[version] <= \"1.2\"" },
		{ "manifest[version] < \"1.2\"", "manifest[version] < \"1.2\"" },
		{ "manifest[version] = \"1.2\"", "manifest[version] = \"1.2\"" },
		{ "manifest[version] != \"1.2\"", "manifest[version] != \"1.2\"" },
		{ "manifest[\"version\"] exists", "manifest[version] exists" },
		{ "manifest[42] exists", "manifest[42] exists" },
		{ "manifest[\"a key\\\"with\\\\quotes\"] exists", "manifest[\"a key\\\"with\\\\quotes\"] exists" },
		{ "entitlement[\"net\"] exists", "entitlement[net] exists" },
		{ "entitlement[\"com.example:files\"] exists", "entitlement[\"com.example:files\"] exists" },
		{ "true", "true" },
		{ "false", "false" },
		{ "! anchor trusted", "!anchor trusted" },
		{ "! ! team = host", "!!team = host" },
		{ "!(identifier \"a\" and team \"T\")", "!(identifier \"a\" and team \"T\")" },
		{ "identifier \"a\\\"b\\\\c\"", "identifier \"a\\\"b\\\\c\"" },
		{ "certificate leaf[subject.CN] = \"Zo\xc3\xab \xf0\x9f\x99\x82\"",
		  "certificate leaf[subject.CN] = \"Zo\xc3\xab \xf0\x9f\x99\x82\"" },
		{ "  anchor\ttrusted\n and\r\nteam \"X\"  ", "anchor trusted and team \"X\"" },
		{ "identifier\"x\"and team\"y\"", "identifier \"x\" and team \"y\"" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_canonical(cases[i].in, cases[i].canonical);
}

static void test_parentheses_kept_only_where_needed(void)
{
	assert_canonical("(identifier \"a\" or identifier \"b\") and team \"T\"",
		"(identifier \"a\" or identifier \"b\") and team \"T\"");
	assert_canonical("identifier \"a\" or (identifier \"b\" and team \"T\")",
		"identifier \"a\" or identifier \"b\" and team \"T\"");
	assert_canonical("((identifier \"a\"))", "identifier \"a\"");
	assert_canonical("(true or false) or (true or (false))", "true or false or true or false");
	assert_canonical("true and (false and true)", "true and false and true");
	assert_canonical("!(!true)", "!!true");
	assert_canonical("!(true or false) and (false or !(true and false))",
		"!(true or false) and (false or !(true and false))");
}

static void test_format_of_null_and_free_of_null(void)
{
	CU_ASSERT_PTR_NULL(signet_requirement_format(NULL));
	signet_requirement_free(NULL);
}

/* ---- precedence ---------------------------------------------------------- */

static void test_and_binds_tighter_than_or(void)
{
	signet_requirement *req = parse_ok("identifier \"a\" or identifier \"b\" and team \"c\"");
	const sg_req_node *root = req->root;
	CU_ASSERT_EQUAL_FATAL(root->kind, SG_REQ_OR);
	CU_ASSERT_EQUAL_FATAL(root->nchildren, 2);
	CU_ASSERT_EQUAL(root->children[0]->kind, SG_REQ_IDENTIFIER);
	CU_ASSERT_EQUAL_FATAL(root->children[1]->kind, SG_REQ_AND);
	CU_ASSERT_EQUAL(root->children[1]->nchildren, 2);
	signet_requirement_free(req);

	sg_req_subject s = make_subject();
	/* a or (b and c), not (a or b) and c: */
	ASSERT_HOLDS("identifier \"com.example.hello\" or identifier \"x\" and false", &s);
	ASSERT_HOLDS("false and identifier \"x\" or true", &s);
	ASSERT_UNMET("(identifier \"com.example.hello\" or identifier \"x\") and false", &s);
}

static void test_not_binds_tightest(void)
{
	sg_req_subject s = make_subject();
	ASSERT_HOLDS("!true or true", &s);      /* (!true) or true */
	ASSERT_UNMET("!(true or true)", &s);
	ASSERT_UNMET("!true and true", &s);
	ASSERT_HOLDS("!!true", &s);
	signet_requirement *req = parse_ok("!true or true");
	CU_ASSERT_EQUAL(req->root->kind, SG_REQ_OR);
	CU_ASSERT_EQUAL(req->root->children[0]->kind, SG_REQ_NOT);
	signet_requirement_free(req);
}

static void test_chains_are_one_node(void)
{
	signet_requirement *req = parse_ok("true or false or true or false");
	CU_ASSERT_EQUAL(req->root->kind, SG_REQ_OR);
	CU_ASSERT_EQUAL(req->root->nchildren, 4);
	signet_requirement_free(req);
}

/* ---- evaluation, clause by clause ---------------------------------------- */

static void test_anchor_clauses(void)
{
	sg_req_subject s = make_subject();
	ASSERT_HOLDS("anchor trusted", &s);
	char text[128];
	snprintf(text, sizeof text, "anchor = H\"%s\"", anchor_hex);
	ASSERT_HOLDS(text, &s);
	snprintf(text, sizeof text, "anchor = H\"%s\"", cdhash_hex);
	ASSERT_UNMET(text, &s);
	s.anchor_trusted = false;
	ASSERT_UNMET("anchor trusted", &s);
	s.anchor_sha256 = NULL;
	snprintf(text, sizeof text, "anchor = H\"%s\"", anchor_hex);
	ASSERT_UNMET(text, &s);
}

static void test_identifier_and_team(void)
{
	sg_req_subject s = make_subject();
	ASSERT_HOLDS("identifier \"com.example.hello\"", &s);
	ASSERT_UNMET("identifier \"com.example.hell\"", &s);
	ASSERT_UNMET("identifier \"com.example.hello2\"", &s);
	ASSERT_HOLDS("team \"ABCDE12345\"", &s);
	ASSERT_UNMET("team \"abcde12345\"", &s);
	s.team = NULL;
	ASSERT_UNMET("team \"ABCDE12345\"", &s);
	s.identifier = NULL;
	ASSERT_UNMET("identifier \"com.example.hello\"", &s);
}

static void test_team_host(void)
{
	sg_req_subject s = make_subject();
	ASSERT_HOLDS("team = host", &s);
	s.host_team = "ZZZZZ99999";
	ASSERT_UNMET("team = host", &s);
	s.host_team = NULL;
	ASSERT_UNMET("team = host", &s);
	s.team = NULL;
	ASSERT_UNMET("team = host", &s); /* two absent teams are not the same team */
}

static void test_cdhash(void)
{
	sg_req_subject s = make_subject();
	char text[128];
	snprintf(text, sizeof text, "cdhash H\"%s\"", cdhash_hex);
	ASSERT_HOLDS(text, &s);
	/* Differs in the last byte only. */
	snprintf(text, sizeof text, "cdhash H\"%.62s1e\"", cdhash_hex);
	ASSERT_UNMET(text, &s);
	/* Differs in the first byte only. */
	snprintf(text, sizeof text, "cdhash H\"ff%s\"", cdhash_hex + 2);
	ASSERT_UNMET(text, &s);
	s.cdhash = NULL;
	snprintf(text, sizeof text, "cdhash H\"%s\"", cdhash_hex);
	ASSERT_UNMET(text, &s);
}

static void test_certificate_fields(void)
{
	sg_req_subject s = make_subject();
	ASSERT_HOLDS("certificate leaf[subject.CN] = \"Jane Doe\"", &s);
	ASSERT_UNMET("certificate leaf[subject.CN] = \"Jane\"", &s);
	ASSERT_HOLDS("certificate leaf[subject.CN] != \"John\"", &s);
	ASSERT_UNMET("certificate leaf[subject.CN] != \"Jane Doe\"", &s);
	ASSERT_HOLDS("certificate root[subject.CN] = \"Signet Dev Root\"", &s);
	ASSERT_HOLDS("certificate 1[subject.CN] = \"Signet Dev Intermediate\"", &s);
	ASSERT_UNMET("certificate 2[subject.CN] exists", &s);
	ASSERT_HOLDS("certificate leaf[subject.OU] exists", &s);
	ASSERT_HOLDS("certificate 0[\"odd field\"] = \"odd\"", &s);
	ASSERT_UNMET("certificate leaf[subject.O] exists", &s);
	/* Absent fails != too: fail closed. */
	ASSERT_UNMET("certificate leaf[subject.O] != \"x\"", &s);
	ASSERT_HOLDS("!certificate leaf[subject.O] exists", &s);
	s.certificate_field = NULL;
	ASSERT_UNMET("certificate leaf[subject.CN] exists", &s);
}

static void test_manifest_and_entitlements(void)
{
	sg_req_subject s = make_subject();
	ASSERT_HOLDS("manifest[identifier] = \"com.example.hello\"", &s);
	ASSERT_HOLDS("manifest[channel] != \"stable\"", &s);
	ASSERT_UNMET("manifest[channel] = \"stable\"", &s);
	ASSERT_HOLDS("manifest[version] exists", &s);
	ASSERT_UNMET("manifest[missing] exists", &s);
	ASSERT_UNMET("manifest[missing] != \"1\"", &s);
	ASSERT_HOLDS("entitlement[net] exists", &s);
	ASSERT_HOLDS("entitlement[\"com.example:files\"] exists", &s);
	ASSERT_UNMET("entitlement[\"files\"] exists", &s);
	s.manifest_value = NULL;
	s.has_entitlement = NULL;
	ASSERT_UNMET("manifest[version] exists", &s);
	ASSERT_UNMET("entitlement[net] exists", &s);
}

static void test_literals_and_combinations(void)
{
	sg_req_subject s = make_subject();
	ASSERT_HOLDS("true", &s);
	ASSERT_UNMET("false", &s);
	ASSERT_HOLDS("anchor trusted and team = host and manifest[version] >= \"1.2\"", &s);
	ASSERT_UNMET("anchor trusted and team = host and manifest[version] >= \"1.20\"", &s);
	ASSERT_HOLDS("team \"X\" or team \"Y\" or team \"ABCDE12345\"", &s);
	ASSERT_HOLDS("!(team \"X\" or team \"Y\")", &s);
}

static void test_and_stops_at_first_failure(void)
{
	sg_req_subject s = make_subject();
	ASSERT_UNMET("false and certificate leaf[subject.CN] exists", &s);
	CU_ASSERT_EQUAL(the_fake.field_calls, 0);
	ASSERT_HOLDS("true or certificate leaf[subject.CN] exists", &s);
	CU_ASSERT_EQUAL(the_fake.field_calls, 0);
}

static void test_evaluate_rejects_null(void)
{
	sg_req_subject s = make_subject();
	signet_requirement *req = parse_ok("true");
	signet_error *err = NULL;
	SG_ASSERT_FAILS(sg_requirement_evaluate(NULL, &s, &err), &err, SIGNET_E_INVALID_ARGUMENT, "NULL argument");
	SG_ASSERT_FAILS(sg_requirement_evaluate(req, NULL, &err), &err, SIGNET_E_INVALID_ARGUMENT, "NULL argument");
	/* Without an error object, just the code. */
	signet_requirement *no = parse_ok("false");
	CU_ASSERT_EQUAL(sg_requirement_evaluate(no, &s, NULL), SIGNET_E_REQUIREMENT_UNMET);
	signet_requirement_free(no);
	signet_requirement_free(req);
}

/* ---- explanations ---------------------------------------------------------- */

static void test_explanations_of_single_clauses(void)
{
	sg_req_subject s = make_subject();
	s.team = "ZZZZZ99999";
	assert_explains("team \"ABCDE12345\"", &s,
		"team: wanted ABCDE12345, image has ZZZZZ99999", "ABCDE12345", "ZZZZZ99999");
	assert_explains("team = host", &s,
		"team = host: wanted ABCDE12345, image has ZZZZZ99999", "ABCDE12345", "ZZZZZ99999");
	assert_explains("identifier \"com.other\"", &s,
		"identifier: wanted com.other, image has com.example.hello", "com.other", "com.example.hello");
	assert_explains("certificate leaf[subject.CN] = \"John\"", &s,
		"certificate leaf[subject.CN]: wanted John, image has \"Jane Doe\"", "John", "Jane Doe");
	assert_explains("certificate root[subject.O] exists", &s,
		"certificate root[subject.O]: wanted present, image has none", "present", NULL);
	assert_explains("manifest[version] >= \"2.0\"", &s,
		"manifest[version]: wanted >= 2.0, image has 1.10", ">= 2.0", "1.10");
	assert_explains("manifest[missing] = \"1\"", &s,
		"manifest[missing]: wanted 1, image has none", "1", NULL);
	assert_explains("entitlement[\"com.example:camera\"] exists", &s,
		"entitlement[\"com.example:camera\"]: wanted present, image has none", "present", NULL);
	assert_explains("false", &s, "false: never satisfied", NULL, NULL);

	char text[128], message[256];
	snprintf(text, sizeof text, "cdhash H\"%s\"", anchor_hex);
	snprintf(message, sizeof message, "cdhash: wanted %s, image has %s", anchor_hex, cdhash_hex);
	assert_explains(text, &s, message, anchor_hex, cdhash_hex);

	s.anchor_trusted = false;
	assert_explains("anchor trusted", &s,
		"anchor trusted: the chain does not end at a trusted anchor", "trusted", "untrusted");
	s.anchor_sha256 = NULL;
	snprintf(text, sizeof text, "anchor = H\"%s\"", anchor_hex);
	snprintf(message, sizeof message, "anchor: wanted %s, image has none", anchor_hex);
	assert_explains(text, &s, message, anchor_hex, NULL);

	s.host_team = NULL;
	assert_explains("team = host", &s, "team = host: the host has no team", NULL, "ZZZZZ99999");
}

/* A subject that names its holder (a process at the other end of a connection) is "peer", not "image". */
static void test_explanations_name_the_holder(void)
{
	sg_req_subject s = make_subject();
	s.team = "ZZZZZ99999";
	s.holder = "peer";
	assert_explains("team \"ABCDE12345\"", &s, "team: wanted ABCDE12345, peer has ZZZZZ99999",
		"ABCDE12345", "ZZZZZ99999");
	assert_explains("team = host", &s, "team = host: wanted ABCDE12345, peer has ZZZZZ99999",
		"ABCDE12345", "ZZZZZ99999");
	assert_explains("!identifier \"com.example.hello\"", &s,
		"excluded: the peer satisfies identifier \"com.example.hello\"",
		"!identifier \"com.example.hello\"", "identifier \"com.example.hello\"");
}

static void test_explanations_of_combinations(void)
{
	sg_req_subject s = make_subject();
	s.team = "ZZZZZ99999";
	/* and: the first failing operand only. */
	assert_explains("anchor trusted and team \"ABCDE12345\" and identifier \"x\"", &s,
		"team: wanted ABCDE12345, image has ZZZZZ99999", "ABCDE12345", "ZZZZZ99999");
	/* or: every alternative, expected/actual from the first. */
	assert_explains("team \"ABCDE12345\" or identifier \"com.other\"", &s,
		"no alternative holds: team: wanted ABCDE12345, image has ZZZZZ99999; "
		"identifier: wanted com.other, image has com.example.hello",
		"ABCDE12345", "ZZZZZ99999");
	/* A parenthesized or inside an or joins the list. */
	assert_explains("(team \"A\" or team \"B\") or false", &s,
		"no alternative holds: team: wanted A, image has ZZZZZ99999; "
		"team: wanted B, image has ZZZZZ99999; false: never satisfied", "A", "ZZZZZ99999");
	/* An or under an and under an or is set apart. */
	assert_explains("anchor trusted and (team \"A\" or team \"B\") or identifier \"x\"", &s,
		"no alternative holds: (no alternative holds: team: wanted A, image has ZZZZZ99999; "
		"team: wanted B, image has ZZZZZ99999); identifier: wanted x, image has com.example.hello",
		"A", "ZZZZZ99999");
	/* An or as a top-level and operand keeps its own header. */
	assert_explains("anchor trusted and (team \"A\" or team \"B\")", &s,
		"no alternative holds: team: wanted A, image has ZZZZZ99999; team: wanted B, image has ZZZZZ99999",
		"A", "ZZZZZ99999");
	/* A satisfied alternative leaves no trace. */
	assert_explains("(team \"A\" or true) and identifier \"x\"", &s,
		"identifier: wanted x, image has com.example.hello", "x", "com.example.hello");
	/* !X fails when X holds. */
	assert_explains("!identifier \"com.example.hello\"", &s,
		"excluded: the image satisfies identifier \"com.example.hello\"",
		"!identifier \"com.example.hello\"", "identifier \"com.example.hello\"");
	assert_explains("!(anchor trusted or team \"A\")", &s,
		"excluded: the image satisfies anchor trusted or team \"A\"",
		"!(anchor trusted or team \"A\")", "anchor trusted or team \"A\"");
	/* !!X fails with X's own explanation coming from the inner !. */
	assert_explains("!!team \"A\"", &s,
		"excluded: the image satisfies !team \"A\"", "!!team \"A\"", "!team \"A\"");
}

static void test_explanations_escape_and_cut_image_values(void)
{
	sg_req_subject s = make_subject();
	s.identifier = "evil\x1b[2J\"\\\xff";
	assert_explains("identifier \"good\"", &s,
		"identifier: wanted good, image has \"evil\\x1b[2J\\\"\\\\\\xff\"", "good", "evil\x1b[2J\"\\\xff");

	char *long_id = repeat("", "x", 1000, "");
	s.identifier = long_id;
	char *cut = repeat("identifier: wanted good, image has \"", "x", 128, "\"...");
	assert_explains("identifier \"good\"", &s, cut, "good", long_id);
	free(cut);
	free(long_id);
}

static void test_explanation_is_capped(void)
{
	sg_req_subject s = make_subject();
	/* 1501 alternatives, all failing: the message stays short. */
	char *text = repeat("false", " or identifier \"some.other.identifier\"", 1500, "");
	signet_requirement *req = parse_ok(text);
	signet_error *err = NULL;
	CU_ASSERT_EQUAL(sg_requirement_evaluate(req, &s, &err), SIGNET_E_REQUIREMENT_UNMET);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	const char *m = signet_error_message(err);
	CU_ASSERT(strlen(m) <= 2048 + 3);
	CU_ASSERT(strlen(m) > 1000);
	CU_ASSERT_STRING_EQUAL(m + strlen(m) - 3, "...");
	CU_ASSERT_PTR_NULL(signet_error_expected(err)); /* from `false`, the first alternative */
	signet_error_free(err);
	signet_requirement_free(req);
	free(text);
}

/* ---- syntax errors --------------------------------------------------------- */

static void test_syntax_errors_name_the_column(void)
{
	assert_syntax("", 1, "column 1: empty requirement");
	assert_syntax("   \n\t", 1, "column 1: empty requirement");
	assert_syntax("identifier", 11,
		"column 11: expected a string after 'identifier', found the end of the requirement");
	assert_syntax("identifier and", 12, "column 12: expected a string after 'identifier', found 'and'");
	assert_syntax("identifier = team", 14, "column 14: expected a string after 'identifier =', found 'team'");
	assert_syntax("identifier \"x\" and", 19,
		"column 19: expected a clause after 'and', found the end of the requirement");
	assert_syntax("identifier \"x\" team \"y\"", 16,
		"column 16: expected 'and', 'or' or the end of the requirement, found 'team'");
	assert_syntax("(identifier \"x\"", 16,
		"column 16: expected ')' to close the '(' at column 1, found the end of the requirement");
	assert_syntax("identifier \"abc", 12, "column 12: unterminated string");
	assert_syntax("identifier \"x\\", 12, "column 12: unterminated string");
	assert_syntax("cdhash H\"abc\"", 8, "column 8: a hash takes 64 hex digits (SHA-256), this one has 3");
	assert_syntax("cdhash H\"0g\"", 11, "column 11: 'g' is not a hex digit");
	assert_syntax("cdhash H\"0102", 8, "column 8: unterminated hash (H\"...\")");
	assert_syntax("cdhash \"0102\"", 8, "column 8: expected a hash H\"...\" after 'cdhash', found a string");
	assert_syntax("anchor = \"x\"", 10, "column 10: expected a hash H\"...\" after 'anchor =', found a string");
	assert_syntax("anchor", 7,
		"column 7: expected 'trusted' or a hash H\"...\" after 'anchor', found the end of the requirement");
	assert_syntax("team = foo", 8, "column 8: expected a string or 'host' after 'team =', found 'foo'");
	assert_syntax("certificate middle[subject.CN] = \"x\"", 13,
		"column 13: expected 'leaf', 'root' or a certificate index after 'certificate', found 'middle'");
	assert_syntax("certificate 99[x] exists", 13,
		"column 13: certificate index '99' is out of range (0 to 15; 0 is the leaf)");
	assert_syntax("certificate 99999999999999999999999[x] exists", 13,
		"column 13: certificate index '99999999999999999999999' is out of range (0 to 15; 0 is the leaf)");
	assert_syntax("certificate leaf subject.CN", 18,
		"column 18: expected '[' after 'certificate leaf', found 'subject.CN'");
	assert_syntax("certificate leaf[subject.CN] < \"x\"", 30,
		"column 30: certificate fields compare with '=', '!=' or 'exists'; '<' orders versions, "
		"for manifest values only");
	assert_syntax("certificate leaf[subject.CN] \"x\"", 30,
		"column 30: expected '=', '!=' or 'exists' after certificate leaf[subject.CN], found a string");
	assert_syntax("manifest version >= \"1\"", 10, "column 10: expected '[' after 'manifest', found 'version'");
	assert_syntax("manifest[version >= \"1\"", 18, "column 18: expected ']' after the key, found '>='");
	assert_syntax("manifest[(]", 10, "column 10: expected a key (a word or a string) after '[', found '('");
	assert_syntax("manifest[\"\"] exists", 10, "column 10: empty key");
	assert_syntax("manifest[version] ~ \"1\"", 19, "column 19: unexpected character '~'");
	assert_syntax("manifest[version] >= exists", 22, "column 22: expected a string after '>=', found 'exists'");
	assert_syntax("manifest[version]", 18,
		"column 18: expected a comparison (=, !=, <, <=, >, >=) or 'exists' after manifest[version], "
		"found the end of the requirement");
	assert_syntax("entitlement[net] = \"x\"", 18, "column 18: expected 'exists' after entitlement[net], found '='");
	assert_syntax("identifer \"x\"", 1,
		"column 1: unknown word 'identifer' (a clause starts with anchor, identifier, team, cdhash, "
		"certificate, manifest, entitlement, true, false, '!' or '(')");
	assert_syntax("identifier \"a\" or trusted", 19, "column 19: expected a clause after 'or', found 'trusted'");
	assert_syntax("team = host or and", 16, "column 16: expected a clause after 'or', found 'and'");
	assert_syntax("and", 1, "column 1: expected a clause, found 'and'");
	assert_syntax("identifier \"x\\q\"", 14,
		"column 14: unknown escape '\\q' in a string (only \\\" and \\\\ are escapes)");
	assert_syntax(")", 1, "column 1: ')' without a matching '('");
	assert_syntax("identifier \"x\")", 15, "column 15: ')' without a matching '('");
	assert_syntax("()", 2, "column 2: expected a clause after '(', found ')'");
	assert_syntax("!", 2, "column 2: expected a clause after '!', found the end of the requirement");
	assert_syntax("identifier \"x\" @", 16, "column 16: unexpected character '@'");
	assert_syntax("identifier \xe2\x80\x9cx\xe2\x80\x9d", 12,
		"column 12: unexpected character '\xe2\x80\x9c' (strings take straight double quotes \")");
	assert_syntax("true \xff", 6, "column 6: unexpected byte 0xff");
	/* A long unknown word is cut in the message. */
	assert_syntax("abcdefghijabcdefghijabcdefghijabcdefghij", 1,
		"column 1: unknown word 'abcdefghijabcdefghijabcdefghijab...' (a clause starts with anchor, "
		"identifier, team, cdhash, certificate, manifest, entitlement, true, false, '!' or '(')");
}

static void test_public_parse_reports_column(void)
{
	signet_requirement *req = NULL;
	signet_error *err = NULL;
	CU_ASSERT_EQUAL(signet_requirement_parse(&req, "anchor trusted and team", &err), SIGNET_E_REQUIREMENT_SYNTAX);
	CU_ASSERT_PTR_NULL(req);
	CU_ASSERT_EQUAL(signet_error_column(err), 24);
	CU_ASSERT_STRING_EQUAL(signet_error_message(err),
		"column 24: expected a string or 'host' after 'team', found the end of the requirement");
	signet_error_free(err);
	err = NULL;
	SG_ASSERT_FAILS(signet_requirement_parse(NULL, "true", &err), &err, SIGNET_E_INVALID_ARGUMENT, "NULL");
	SG_ASSERT_FAILS(signet_requirement_parse(&req, NULL, &err), &err, SIGNET_E_INVALID_ARGUMENT, "NULL");
	CU_ASSERT_EQUAL(signet_requirement_parse(&req, "nonsense", NULL), SIGNET_E_REQUIREMENT_SYNTAX);
	CU_ASSERT_PTR_NULL(req);
}

/* ---- limits ------------------------------------------------------------------ */

static void test_depth_bombs_fail_fast(void)
{
	static const char *const units[] = { "(", "!", "!(" };
	for (size_t u = 0; u < 3; u++) {
		/* Under the length limit: the depth check stops it at column 65,
		 * the first '(' or '!' past the 64th level. */
		char *bomb = repeat("", units[u], 30000, "true");
		clock_t start = clock();
		assert_fails_at_n(bomb, strlen(bomb), SIGNET_E_LIMIT, 65,
			"column 65: nested deeper than 64 levels of '(' and '!'");
		CU_ASSERT((double)(clock() - start) / CLOCKS_PER_SEC < 1.0);
		free(bomb);
		/* 100000 of them: over the length limit, refused before lexing. */
		bomb = repeat("", units[u], 100000, "true");
		signet_requirement *req = NULL;
		signet_error *err = NULL;
		SG_ASSERT_FAILS(signet_requirement_parse(&req, bomb, &err), &err, SIGNET_E_LIMIT,
			"requirement longer than 65536 bytes");
		CU_ASSERT_PTR_NULL(req);
		free(bomb);
	}
}

static void test_depth_limit_is_exact(void)
{
	sg_req_subject s = make_subject();
	char *ok = repeat("", "(", 64, "true");
	char *text = repeat(ok, ")", 64, "");
	ASSERT_HOLDS(text, &s);
	free(text);
	free(ok);

	char *over = repeat("", "(", 65, "true");
	text = repeat(over, ")", 65, "");
	assert_fails_at_n(text, strlen(text), SIGNET_E_LIMIT, 65,
		"column 65: nested deeper than 64 levels of '(' and '!'");
	free(text);
	free(over);

	text = repeat("", "!", 64, "true");
	ASSERT_HOLDS(text, &s); /* an even number of negations */
	free(text);

	/* '!(' 32 times is 64 levels; the tree is deeper than that but evaluates. */
	ok = repeat("", "!(", 32, "false or true and true");
	text = repeat(ok, ")", 32, "");
	ASSERT_HOLDS(text, &s); /* 32 negations of a true operand */
	free(text);
	free(ok);
}

/* A tree deeper than any the parser builds: the evaluator refuses it. */
static void test_evaluation_depth_is_bounded(void)
{
	sg_req_node *root = sg_req_node_new(SG_REQ_TRUE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	for (int i = 0; i < SG_REQ_MAX_TREE_DEPTH + 10; i++) {
		sg_req_node *not = sg_req_node_new(SG_REQ_NOT);
		CU_ASSERT_PTR_NOT_NULL_FATAL(not);
		CU_ASSERT_EQUAL_FATAL(sg_req_node_add(not, root), 0);
		root = not;
	}
	signet_requirement *req = malloc(sizeof *req);
	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	req->root = root;
	sg_req_subject s = make_subject();
	signet_error *err = NULL;
	SG_ASSERT_FAILS(sg_requirement_evaluate(req, &s, &err), &err, SIGNET_E_LIMIT,
		"requirement nested deeper than 195 levels: not evaluated");
	signet_requirement_free(req);
}

static void test_length_limit(void)
{
	/* Exactly the limit: accepted (spaces pad it out). */
	char *text = repeat("true", " ", SIGNET_REQUIREMENT_MAX_LENGTH - 4, "");
	CU_ASSERT_EQUAL(strlen(text), SIGNET_REQUIREMENT_MAX_LENGTH);
	signet_requirement *req = parse_ok(text);
	signet_requirement_free(req);
	free(text);

	/* One byte more: SIGNET_E_LIMIT, through both entry points. */
	text = repeat("true", " ", SIGNET_REQUIREMENT_MAX_LENGTH - 3, "");
	signet_error *err = NULL;
	req = NULL;
	SG_ASSERT_FAILS(signet_requirement_parse(&req, text, &err), &err, SIGNET_E_LIMIT,
		"requirement longer than 65536 bytes");
	CU_ASSERT_PTR_NULL(req);
	SG_ASSERT_FAILS(sg_requirement_parse_buffer(&req, text, strlen(text), &err), &err, SIGNET_E_LIMIT,
		"requirement longer than 65536 bytes");
	free(text);
}

static void test_long_chains_are_linear(void)
{
	/* ~4500 alternatives in 64 KiB: one node, parsed and evaluated quickly. */
	char *text = repeat("false", " or team \"QQQQQ\"", 4000, " or true");
	clock_t start = clock();
	signet_requirement *req = parse_ok(text);
	CU_ASSERT_EQUAL(req->root->nchildren, 4002);
	sg_req_subject s = make_subject();
	CU_ASSERT_EQUAL(sg_requirement_evaluate(req, &s, NULL), 0);
	char *out = signet_requirement_format(req);
	CU_ASSERT_STRING_EQUAL(out, text);
	CU_ASSERT((double)(clock() - start) / CLOCKS_PER_SEC < 1.0);
	free(out);
	signet_requirement_free(req);
	free(text);
}

/* ---- strings ------------------------------------------------------------------ */

static void test_strings_reject_control_characters(void)
{
	assert_syntax("identifier \"a\tb\"", 14, "column 14: control character U+0009 in a string");
	assert_syntax("identifier \"a\nb\"", 14, "column 14: control character U+000A in a string");
	assert_syntax("identifier \"a\x7f\"", 14, "column 14: control character U+007F in a string");
	assert_syntax("identifier \"\x1b[2J\"", 13, "column 13: control character U+001B in a string");
	assert_syntax("identifier \"a\xc2\x85\"", 14, "column 14: control character U+0085 in a string");
	/* A NUL inside the buffer is a control character, not an end. */
	assert_fails_at_n("identifier \"a\0b\"", 16, SIGNET_E_REQUIREMENT_SYNTAX, 14,
		"column 14: control character U+0000 in a string");
	assert_fails_at_n("true\0", 5, SIGNET_E_REQUIREMENT_SYNTAX, 5, "column 5: unexpected byte 0x00");
}

static void test_strings_reject_invalid_utf8(void)
{
	assert_syntax("identifier \"\xff\"", 13, "column 13: invalid UTF-8 in a string (byte 0xff)");
	assert_syntax("identifier \"a\xc0\xaf\"", 14, "column 14: invalid UTF-8 in a string (byte 0xc0)");       /* overlong '/' */
	assert_syntax("identifier \"\xed\xa0\x80\"", 13, "column 13: invalid UTF-8 in a string (byte 0xed)");    /* surrogate */
	assert_syntax("identifier \"\xf4\x90\x80\x80\"", 13, "column 13: invalid UTF-8 in a string (byte 0xf4)");/* > U+10FFFF */
	assert_syntax("identifier \"\xe2\x82\"", 13, "column 13: invalid UTF-8 in a string (byte 0xe2)");        /* truncated */
	assert_syntax("identifier \"\x80\"", 13, "column 13: invalid UTF-8 in a string (byte 0x80)");            /* lone continuation */
	/* Truncated at the very end of the buffer: no read past it. */
	assert_fails_at_n("identifier \"\xf0\x9f", 14, SIGNET_E_REQUIREMENT_SYNTAX, 13,
		"column 13: invalid UTF-8 in a string (byte 0xf0)");
	/* Valid multi-byte text is kept byte for byte. */
	assert_canonical("manifest[\"cl\xc3\xa9\"] = \"\xe6\x97\xa5\xe6\x9c\xac\"",
		"manifest[\"cl\xc3\xa9\"] = \"\xe6\x97\xa5\xe6\x9c\xac\"");
}

static void test_escapes_decode(void)
{
	signet_requirement *req = parse_ok("identifier \"a\\\"b\\\\c\"");
	CU_ASSERT_STRING_EQUAL(req->root->value, "a\"b\\c");
	signet_requirement_free(req);
	sg_req_subject s = make_subject();
	s.identifier = "a\"b\\c";
	ASSERT_HOLDS("identifier \"a\\\"b\\\\c\"", &s);
}

/* ---- versions ----------------------------------------------------------------- */

static void test_version_order(void)
{
	CU_ASSERT(sg_req_version_compare("1.10", "1.9") > 0);
	CU_ASSERT(sg_req_version_compare("1.9", "1.10") < 0);
	CU_ASSERT(sg_req_version_compare("1.2", "1.2") == 0);
	CU_ASSERT(sg_req_version_compare("1.2", "1.2.0") == 0);
	CU_ASSERT(sg_req_version_compare("1.02", "1.2") == 0);
	CU_ASSERT(sg_req_version_compare("2", "1.99.99") > 0);
	CU_ASSERT(sg_req_version_compare("1.2.1", "1.2") > 0);
	CU_ASSERT(sg_req_version_compare("10.0", "9.9") > 0);
	CU_ASSERT(sg_req_version_compare("1.99999999999999999999999", "1.99999999999999999999998") > 0);
	CU_ASSERT(sg_req_version_compare("1.100000000000000000000000", "1.99999999999999999999999") > 0);
	/* Non-numeric components compare as bytes. */
	CU_ASSERT(sg_req_version_compare("1.beta", "1.alpha") > 0);
	CU_ASSERT(sg_req_version_compare("1.2beta", "1.2alpha") > 0);
	CU_ASSERT(sg_req_version_compare("1.10a", "1.9a") < 0); /* "10a" < "9a" as bytes */
	CU_ASSERT(sg_req_version_compare("1.2.beta", "1.2") > 0); /* "beta" > padding "0" */
	CU_ASSERT(sg_req_version_compare("", "0") < 0);
	CU_ASSERT(sg_req_version_compare("", "") == 0);
}

static void test_manifest_version_comparisons(void)
{
	sg_req_subject s = make_subject(); /* version 1.10 */
	ASSERT_HOLDS("manifest[version] > \"1.9\"", &s);
	ASSERT_HOLDS("manifest[version] >= \"1.9\"", &s);
	ASSERT_UNMET("manifest[version] < \"1.9\"", &s);
	ASSERT_HOLDS("manifest[version] >= \"1.10\"", &s);
	ASSERT_HOLDS("manifest[version] <= \"1.10\"", &s);
	ASSERT_HOLDS("manifest[version] <= \"1.10.0\"", &s);
	ASSERT_HOLDS("manifest[version] >= \"1.10.0\"", &s);
	ASSERT_UNMET("manifest[version] > \"1.10\"", &s);
	ASSERT_UNMET("manifest[version] < \"1.10\"", &s);
	/* = and != are exact string comparisons. */
	ASSERT_HOLDS("manifest[version] = \"1.10\"", &s);
	ASSERT_UNMET("manifest[version] = \"1.10.0\"", &s);
	ASSERT_HOLDS("manifest[version] != \"1.10.0\"", &s);
	/* A missing key fails every comparison. */
	the_fake.version = NULL;
	ASSERT_UNMET("manifest[version] >= \"0\"", &s);
	ASSERT_UNMET("manifest[version] < \"99\"", &s);
	ASSERT_UNMET("manifest[version] != \"1\"", &s);
	ASSERT_HOLDS("!manifest[version] exists", &s);
}

int main(void)
{
	static const sg_test round_trip[] = {
		{ "every clause round-trips through its canonical form", test_every_clause_round_trips },
		{ "parentheses are kept only where precedence needs them", test_parentheses_kept_only_where_needed },
		{ "format(NULL) is NULL, free(NULL) is a no-op", test_format_of_null_and_free_of_null },
		{ NULL, NULL },
	};
	static const sg_test precedence[] = {
		{ "and binds tighter than or", test_and_binds_tighter_than_or },
		{ "! binds tightest", test_not_binds_tightest },
		{ "a chain of or is one node", test_chains_are_one_node },
		{ NULL, NULL },
	};
	static const sg_test evaluation[] = {
		{ "anchor trusted, anchor = H", test_anchor_clauses },
		{ "identifier and team", test_identifier_and_team },
		{ "team = host", test_team_host },
		{ "cdhash", test_cdhash },
		{ "certificate fields", test_certificate_fields },
		{ "manifest values and entitlements", test_manifest_and_entitlements },
		{ "true, false and combinations", test_literals_and_combinations },
		{ "and/or short-circuit", test_and_stops_at_first_failure },
		{ "NULL arguments", test_evaluate_rejects_null },
		{ NULL, NULL },
	};
	static const sg_test explanations[] = {
		{ "one clause: wanted and found", test_explanations_of_single_clauses },
		{ "and, or, !: which clauses are named", test_explanations_of_combinations },
		{ "a peer is named as such", test_explanations_name_the_holder },
		{ "image values are escaped and cut", test_explanations_escape_and_cut_image_values },
		{ "an explanation is capped", test_explanation_is_capped },
		{ NULL, NULL },
	};
	static const sg_test syntax[] = {
		{ "errors name the column and what was expected", test_syntax_errors_name_the_column },
		{ "the public parser reports the column", test_public_parse_reports_column },
		{ NULL, NULL },
	};
	static const sg_test limits[] = {
		{ "depth bombs fail fast with SIGNET_E_LIMIT", test_depth_bombs_fail_fast },
		{ "64 levels pass, 65 fail", test_depth_limit_is_exact },
		{ "evaluation refuses trees past its depth bound", test_evaluation_depth_is_bounded },
		{ "65536 bytes pass, 65537 fail", test_length_limit },
		{ "long chains parse, evaluate and format linearly", test_long_chains_are_linear },
		{ NULL, NULL },
	};
	static const sg_test strings[] = {
		{ "control characters are refused", test_strings_reject_control_characters },
		{ "invalid UTF-8 is refused", test_strings_reject_invalid_utf8 },
		{ "escapes decode", test_escapes_decode },
		{ NULL, NULL },
	};
	static const sg_test versions[] = {
		{ "version order", test_version_order },
		{ "manifest comparisons", test_manifest_version_comparisons },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = {
		{ "requirement round trip", round_trip },
		{ "requirement precedence", precedence },
		{ "requirement evaluation", evaluation },
		{ "requirement explanations", explanations },
		{ "requirement syntax errors", syntax },
		{ "requirement limits", limits },
		{ "requirement strings", strings },
		{ "requirement versions", versions },
		{ NULL, NULL },
	};
	return sg_test_main(suites);
}
