/* SPDX-License-Identifier: MIT */
/*
 * test_manifest.c - manifest.json: a full valid manifest, and every hostile
 * or malformed case SECURITY.md lists for manifests (`..`, absolute paths,
 * NUL bytes, backslashes, nesting, duplicate keys, invalid UTF-8, huge
 * strings), each refused with its code and reason.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bundle/manifest.h"
#include "harness.h"

static const char good[] =
	"{\n"
	"  \"identifier\": \"com.example.rot13\",\n"
	"  \"version\": \"1.2.3-beta.1+build.7\",\n"
	"  \"executable\": \"lib/rot13.so\",\n"
	"  \"principal_class\": \"Rot13Filter\",\n"
	"  \"protocols\": [ { \"name\": \"Filter\", \"version\": 1 }, { \"name\": \"Named\", \"version\": 2 } ],\n"
	"  \"host_api\": \">=1.0 <2.0\",\n"
	"  \"libraries\": [ \"lib/libfoo.so.1\" ]\n"
	"}\n";

static void test_a_full_manifest(void)
{
	sg_manifest m;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_manifest_parse(&m, good, strlen(good), "B/manifest.json", &err), &err);
	CU_ASSERT_STRING_EQUAL(m.identifier, "com.example.rot13");
	CU_ASSERT_EQUAL(m.semver.major, 1);
	CU_ASSERT_EQUAL(m.semver.minor, 2);
	CU_ASSERT_EQUAL(m.semver.patch, 3);
	CU_ASSERT_STRING_EQUAL(m.executable, "lib/rot13.so");
	CU_ASSERT_STRING_EQUAL(m.principal_class, "Rot13Filter");
	CU_ASSERT_EQUAL_FATAL(m.nprotocols, 2);
	CU_ASSERT_STRING_EQUAL(m.protocols[1].name, "Named");
	CU_ASSERT_EQUAL(m.protocols[1].version, 2);
	CU_ASSERT_EQUAL_FATAL(m.nlibraries, 1);
	CU_ASSERT_STRING_EQUAL(m.libraries[0], "lib/libfoo.so.1");
	CU_ASSERT(sg_manifest_accepts_host_api(&m, (sg_semver){ 1, 0, 0 }));
	CU_ASSERT(sg_manifest_accepts_host_api(&m, (sg_semver){ 1, 9, 65535 }));
	CU_ASSERT_FALSE(sg_manifest_accepts_host_api(&m, (sg_semver){ 0, 9, 9 }));
	CU_ASSERT_FALSE(sg_manifest_accepts_host_api(&m, (sg_semver){ 2, 0, 0 }));
	sg_manifest_clear(&m);
	sg_manifest_clear(&m); /* twice is fine */
}

/* `good` with `from` replaced by `to`. */
static char *variant(const char *from, const char *to)
{
	const char *at = strstr(good, from);
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	size_t n = strlen(good) - strlen(from) + strlen(to) + 1;
	char *s = malloc(n);
	snprintf(s, n, "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
	return s;
}

typedef struct bad_case {
	const char *from, *to;
	int code;
	const char *reason;
} bad_case;

static void test_every_hostile_field_is_refused(void)
{
	static const bad_case cases[] = {
		/* paths */
		{ "\"lib/rot13.so\"", "\"../outside.so\"", SIGNET_E_MANIFEST_INVALID, "executable: must be a relative path inside the bundle: ../outside.so" },
		{ "\"lib/rot13.so\"", "\"lib/../../x.so\"", SIGNET_E_MANIFEST_INVALID, "executable: must be a relative path" },
		{ "\"lib/rot13.so\"", "\"/usr/lib/x.so\"", SIGNET_E_MANIFEST_INVALID, "executable: must be a relative path" },
		{ "\"lib/rot13.so\"", "\"lib\\\\rot13.so\"", SIGNET_E_MANIFEST_INVALID, "executable: must be a relative path" },
		{ "\"lib/rot13.so\"", "\"lib//rot13.so\"", SIGNET_E_MANIFEST_INVALID, "executable: must be a relative path" },
		{ "\"lib/rot13.so\"", "\"./lib/rot13.so\"", SIGNET_E_MANIFEST_INVALID, "executable: must be a relative path" },
		{ "\"lib/rot13.so\"", "\"lib/rot13.so/\"", SIGNET_E_MANIFEST_INVALID, "executable: must be a relative path" },
		{ "\"lib/rot13.so\"", "\"lib/rot 13.so\"", SIGNET_E_MANIFEST_INVALID, "executable: must be a relative path" },
		{ "\"lib/rot13.so\"", "\"lib/rot13\\u0000.so\"", SIGNET_E_MANIFEST_INVALID, "not valid JSON" },
		{ "\"lib/libfoo.so.1\"", "\"..\"", SIGNET_E_MANIFEST_INVALID, "libraries: each entry must be a relative path inside the bundle: .." },
		{ "\"lib/libfoo.so.1\"", "7", SIGNET_E_MANIFEST_INVALID, "libraries: each entry must be" },
		/* structure */
		{ "\"identifier\": \"com.example.rot13\",", "\"identifier\": \"com.example.rot13\", \"identifier\": \"com.evil.x\",", SIGNET_E_MANIFEST_INVALID, "duplicate object key" },
		{ "\"host_api\"", "\"hostapi\"", SIGNET_E_MANIFEST_INVALID, "unknown key: hostapi" },
		{ "\"Rot13Filter\"", "[\"Rot13Filter\"]", SIGNET_E_MANIFEST_INVALID, "principal_class: must be a string" },
		{ "\"Rot13Filter\"", "{\"a\":{\"b\":{\"c\":[[[[\"x\"]]]]}}}", SIGNET_E_MANIFEST_INVALID, "principal_class: must be a string" },
		{ "\"executable\": \"lib/rot13.so\",", "", SIGNET_E_MANIFEST_INVALID, "executable: is missing" },
		{ "\"com.example.rot13\"", "\"com.ex\xc3\x28mple\"", SIGNET_E_MANIFEST_INVALID, "not valid JSON" },
		{ "}\n", "} x\n", SIGNET_E_MANIFEST_INVALID, "not valid JSON" },
		/* values */
		{ "\"com.example.rot13\"", "\"rot13\"", SIGNET_E_MANIFEST_INVALID, "identifier: must be reverse-DNS" },
		{ "\"com.example.rot13\"", "\"com..rot13\"", SIGNET_E_MANIFEST_INVALID, "identifier: must be reverse-DNS" },
		{ "\"com.example.rot13\"", "\"com.-x.y\"", SIGNET_E_MANIFEST_INVALID, "identifier: must be reverse-DNS" },
		{ "\"1.2.3-beta.1+build.7\"", "\"1.2\"", SIGNET_E_MANIFEST_INVALID, "version: must be a semantic version" },
		{ "\"1.2.3-beta.1+build.7\"", "\"01.2.3\"", SIGNET_E_MANIFEST_INVALID, "version: must be a semantic version" },
		{ "\"1.2.3-beta.1+build.7\"", "\"1.2.3-\"", SIGNET_E_MANIFEST_INVALID, "version: must be a semantic version" },
		{ "\"1.2.3-beta.1+build.7\"", "\"1.2.99999\"", SIGNET_E_MANIFEST_INVALID, "version: must be a semantic version" },
		{ "\"Rot13Filter\"", "\"9lives\"", SIGNET_E_MANIFEST_INVALID, "principal_class: must be a C identifier" },
		{ "\"Rot13Filter\"", "\"\"", SIGNET_E_MANIFEST_INVALID, "principal_class: must be 1 to 1024 bytes" },
		{ "\">=1.0 <2.0\"", "\"~1.0\"", SIGNET_E_MANIFEST_INVALID, "host_api: must be one or two comparators" },
		{ "\">=1.0 <2.0\"", "\">=1.0 <2.0 <3.0\"", SIGNET_E_MANIFEST_INVALID, "host_api: must be one or two comparators" },
		{ "\">=1.0 <2.0\"", "\">=1.0  <2.0\"", SIGNET_E_MANIFEST_INVALID, "host_api: must be one or two comparators" },
		{ "{ \"name\": \"Named\", \"version\": 2 }", "{ \"name\": \"Named\", \"version\": 0 }", SIGNET_E_MANIFEST_INVALID, "a protocol version must be 1 to 65535: Named" },
		{ "{ \"name\": \"Named\", \"version\": 2 }", "{ \"name\": \"Filter\", \"version\": 2 }", SIGNET_E_MANIFEST_INVALID, "a protocol is listed twice: Filter" },
		{ "{ \"name\": \"Named\", \"version\": 2 }", "{ \"name\": \"Named\", \"version\": 2, \"x\": 1 }", SIGNET_E_MANIFEST_INVALID, "each entry is exactly" },
		{ "{ \"name\": \"Named\", \"version\": 2 }", "{ \"name\": \"Na-med\", \"version\": 2 }", SIGNET_E_MANIFEST_INVALID, "a protocol name must be a C identifier" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *text = variant(cases[i].from, cases[i].to);
		sg_manifest m;
		signet_error *err = NULL;
		int rc = sg_manifest_parse(&m, text, strlen(text), "B/manifest.json", &err);
		if (rc != cases[i].code || !err || !strstr(signet_error_message(err), cases[i].reason) ||
		    strncmp(signet_error_message(err), "B/manifest.json: ", 17) != 0) {
			fprintf(stderr, "  case %zu: rc %d \"%s\", wanted %d \"%s\"\n", i, rc,
				err ? signet_error_message(err) : "", cases[i].code, cases[i].reason);
			CU_FAIL("hostile manifest not refused as expected");
		}
		signet_error_free(err);
		free(text);
	}
}

static void test_limits(void)
{
	signet_error *err = NULL;
	sg_manifest m;
	/* A string over 1024 bytes. */
	char big[1100];
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	char to[1200];
	snprintf(to, sizeof to, "\"%s\"", big);
	char *text = variant("\"Rot13Filter\"", to);
	SG_ASSERT_FAILS(sg_manifest_parse(&m, text, strlen(text), "M", &err), &err, SIGNET_E_MANIFEST_INVALID,
		"principal_class: must be 1 to 1024 bytes long");
	free(text);
	/* Over 64 KiB: refused before parsing. */
	char *huge = calloc(1, SG_MANIFEST_MAX_SIZE + 2);
	memset(huge, ' ', SG_MANIFEST_MAX_SIZE + 1);
	SG_ASSERT_FAILS(sg_manifest_parse(&m, huge, SG_MANIFEST_MAX_SIZE + 1, "M", &err), &err, SIGNET_E_LIMIT,
		"exceeds the limit of 65536");
	free(huge);
	/* Nesting 30,000 deep (60 KB, under the size limit): jansson's own depth
	 * limit refuses it, an error, no stack overflow. */
	size_t depth = 30000;
	char *deep = malloc(2 * depth + 1);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	deep[2 * depth] = '\0';
	SG_ASSERT_FAILS(sg_manifest_parse(&m, deep, 2 * depth, "M", &err), &err, SIGNET_E_MANIFEST_INVALID, "not valid JSON");
	free(deep);
	/* 65 protocols. */
	char many[65 * 40 + 64] = "";
	strcat(many, "[");
	for (int i = 0; i < 65; i++) {
		char one[40];
		snprintf(one, sizeof one, "%s{\"name\":\"P%d\",\"version\":1}", i ? "," : "", i);
		strcat(many, one);
	}
	strcat(many, "]");
	text = variant("[ { \"name\": \"Filter\", \"version\": 1 }, { \"name\": \"Named\", \"version\": 2 } ]", many);
	SG_ASSERT_FAILS(sg_manifest_parse(&m, text, strlen(text), "M", &err), &err, SIGNET_E_LIMIT, "more than 64");
	free(text);
	SG_ASSERT_FAILS(sg_manifest_parse(&m, "", 0, "M", &err), &err, SIGNET_E_MANIFEST_INVALID, "not valid JSON");
	SG_ASSERT_FAILS(sg_manifest_parse(&m, "[]", 2, "M", &err), &err, SIGNET_E_MANIFEST_INVALID, "must be a JSON object");
}

static void test_path_rule(void)
{
	CU_ASSERT(sg_manifest_path_is_safe("lib/a.so"));
	CU_ASSERT(sg_manifest_path_is_safe("a"));
	CU_ASSERT(sg_manifest_path_is_safe("lib/.hidden/a+b_c-1.so"));
	CU_ASSERT(sg_manifest_path_is_safe("lib/a..b.so")); /* ".." only as a whole component */
	CU_ASSERT_FALSE(sg_manifest_path_is_safe(""));
	CU_ASSERT_FALSE(sg_manifest_path_is_safe(NULL));
	CU_ASSERT_FALSE(sg_manifest_path_is_safe(".."));
	CU_ASSERT_FALSE(sg_manifest_path_is_safe("."));
	CU_ASSERT_FALSE(sg_manifest_path_is_safe("a/./b"));
	CU_ASSERT_FALSE(sg_manifest_path_is_safe("a/.."));
	CU_ASSERT_FALSE(sg_manifest_path_is_safe("/a"));
	CU_ASSERT_FALSE(sg_manifest_path_is_safe("a\\b"));
	CU_ASSERT_FALSE(sg_manifest_path_is_safe("a\x7f"));
	CU_ASSERT_FALSE(sg_manifest_path_is_safe("caf\xc3\xa9.so"));
}

int main(void)
{
	static const sg_test tests[] = {
		{ "a full manifest parses; host_api ranges", test_a_full_manifest },
		{ "every hostile or malformed field is refused with its reason", test_every_hostile_field_is_refused },
		{ "limits: huge strings, files, nesting, lists", test_limits },
		{ "the path rule", test_path_rule },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "manifest", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
