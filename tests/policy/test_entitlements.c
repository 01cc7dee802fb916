/* SPDX-License-Identifier: MIT */
/*
 * test_entitlements.c - the entitlements a signature carries and what the
 * policy grants of them (loader/policy/entitlements.c): the public accessor
 * on real signed and verified copies of /bin/true, each entitlement Signet
 * defines granted and refused, unknown names in Signet's namespace, values
 * other than true, the plugin's own keys ignored, bytes that are not a JSON
 * object, the read paths handed out with org.signet.files.read, and the
 * entitled builds of the Crash sample (plugins/).
 *
 * Keys and certificates are made at run time with signing/pki.c.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signet/policy.h>

#include "harness.h"
#include "pki.h"
#include "policy/entitlements.h"
#include "policy/policy_internal.h"
#include "sign_elf.h"
#include "test_pki.h"

#define PATH "/opt/plugins/X.bundle/lib/x.so"

static sg_test_cred root, team_a;
static signet_trust *trust;
static uint8_t *program;
static size_t program_len;

static void teardown(void)
{
	signet_trust_free(trust);
	free(program);
	sg_test_cred *all[] = { &root, &team_a };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		EVP_PKEY_free(all[i]->key);
		X509_free(all[i]->cert);
	}
}

static void setup(void)
{
	if (trust)
		return;
	sg_test_cred_make(&root, "Signet Entitlements Test Root", NULL, true, NULL);
	sg_test_cred_make(&team_a, "Team A", "ABCDE12345", false, &root);
	char anchors[4096];
	snprintf(anchors, sizeof anchors, "%s/root.pem", sg_sandbox());
	signet_error *err = NULL;
	if (sg_pki_write_cert(anchors, root.cert, false, &err) != 0 || signet_trust_load(&trust, anchors, &err) != 0) {
		fprintf(stderr, "setup: %s\n", signet_error_message(err));
		exit(99);
	}
	program = sg_read_file("/bin/true", &program_len);
	atexit(teardown);
}

/* /bin/true signed with `json` as its entitlements (NULL: none), verified. */
static signet_identity *signed_with(const char *json)
{
	setup();
	sg_sign_params sp = { .identifier = "org.example.x", .page_shift = 12, .key = team_a.key, .cert = team_a.cert,
		.entitlements = (const uint8_t *)json, .entitlements_length = json ? strlen(json) : 0 };
	uint8_t *signed_bytes = NULL;
	size_t len = 0;
	signet_error *err = NULL;
	signet_identity *id = NULL;
	if (sg_sign_elf_bytes(&signed_bytes, &len, program, program_len, PATH, &sp, &err) != 0 ||
	    signet_verify_bytes(&id, signed_bytes, len, PATH, trust, NULL, &err) != 0) {
		fprintf(stderr, "setup: %s\n", signet_error_message(err));
		exit(99);
	}
	free(signed_bytes);
	return id;
}

/* A default policy granting `names`, with read paths /usr/share/zoneinfo and /etc/ssl. */
static signet_policy *granting(const char *const *names, size_t n)
{
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	SG_ASSERT_OK(signet_policy_set_isolation_grant(p, names, n, &err), &err);
	const char *read_paths[] = { "/usr/share/zoneinfo", "/etc/ssl" };
	SG_ASSERT_OK(signet_policy_set_isolation_read_paths(p, read_paths, 2, &err), &err);
	return p;
}

static const char *const both[] = { SIGNET_ENTITLEMENT_NETWORK_CLIENT, SIGNET_ENTITLEMENT_FILES_READ };
static const char *const network[] = { SIGNET_ENTITLEMENT_NETWORK_CLIENT };
static const char *const files[] = { SIGNET_ENTITLEMENT_FILES_READ };

/*
 * Asserts that `json` is refused under `p` with `check` and `message`
 * (after the path): the whole message, or its start when `whole` is false.
 */
static void refused_as(const signet_policy *p, const char *json, const char *check, const char *message, bool whole)
{
	signet_identity *id = signed_with(json);
	sg_grants g = { .bits = 0xdead };
	signet_error *err = NULL;
	int rc = sg_entitlements_grant(p, id, &g, &err);
	CU_ASSERT_EQUAL(rc, SIGNET_E_ENTITLEMENT_DENIED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_EQUAL(signet_error_code(err), SIGNET_E_ENTITLEMENT_DENIED);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), check);
	CU_ASSERT_STRING_EQUAL(signet_error_path(err), PATH);
	char want[1024];
	snprintf(want, sizeof want, PATH ": %s", message);
	if (whole ? strcmp(signet_error_message(err), want) != 0 : strncmp(signet_error_message(err), want,
		strlen(want)) != 0) {
		fprintf(stderr, "  %s:\n    got  \"%s\"\n    want \"%s\"\n", json, signet_error_message(err), want);
		CU_FAIL("refusal message");
	}
	/* Outputs are written only on success. */
	CU_ASSERT_EQUAL(g.bits, 0xdead);
	signet_error_free(err);
	signet_identity_free(id);
}

static void refused(const signet_policy *p, const char *json, const char *check, const char *message)
{
	refused_as(p, json, check, message, true);
}

/* The same, `message` being the start of the message. */
static void refused_start(const signet_policy *p, const char *json, const char *check, const char *message)
{
	refused_as(p, json, check, message, false);
}

/* Asserts that `json` is granted under `p`, with `bits`; returns the grants (the caller clears them). */
static sg_grants granted(const signet_policy *p, const char *json, unsigned bits)
{
	signet_identity *id = signed_with(json);
	sg_grants g;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_entitlements_grant(p, id, &g, &err), &err);
	CU_ASSERT_EQUAL(g.bits, bits);
	signet_identity_free(id);
	return g;
}

static void test_accessor(void)
{
	static const char json[] = "{\"org.signet.network.client\": true,\n \"com.example.camera\": [1, 2]}";
	signet_identity *id = signed_with(json);
	size_t len = 1;
	const char *text = signet_identity_entitlements(id, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	/* Exactly the sealed bytes, NUL-terminated after them. */
	CU_ASSERT_EQUAL(len, sizeof json - 1);
	CU_ASSERT_EQUAL(memcmp(text, json, sizeof json), 0);
	CU_ASSERT_PTR_EQUAL(signet_identity_entitlements(id, NULL), text);
	signet_identity_free(id);

	id = signed_with(NULL);
	len = 1;
	CU_ASSERT_PTR_NULL(signet_identity_entitlements(id, &len));
	CU_ASSERT_EQUAL(len, 0);
	signet_identity_free(id);
	len = 1;
	CU_ASSERT_PTR_NULL(signet_identity_entitlements(NULL, &len));
	CU_ASSERT_EQUAL(len, 0);
}

static void test_none_asked(void)
{
	signet_policy *p = granting(NULL, 0);
	/* No entitlements at all: nothing granted, nothing refused, under any policy. */
	signet_identity *id = signed_with(NULL);
	sg_grants g = { .bits = 0xdead };
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_entitlements_grant(p, id, &g, &err), &err);
	CU_ASSERT_EQUAL(g.bits, 0);
	CU_ASSERT_EQUAL(g.read_paths.n, 0);
	SG_ASSERT_OK(sg_entitlements_grant(NULL, id, &g, &err), &err);
	CU_ASSERT_EQUAL(g.bits, 0);
	signet_identity_free(id);
	/* An empty object asks for nothing either. */
	g = granted(p, "{}", 0);
	sg_grants_clear(&g);
	signet_policy_free(p);
}

static void test_network_client(void)
{
	signet_policy *none = granting(NULL, 0), *net = granting(network, 1), *read = granting(files, 1);
	const char *json = "{\"org.signet.network.client\": true}";
	const char *msg = "the bundle asks for org.signet.network.client, which this host's policy does not grant "
		"(isolation.grant)";
	refused(none, json, "entitlements.grant", msg);
	refused(read, json, "entitlements.grant", msg);
	/* No policy: the defaults, which grant nothing. */
	refused(NULL, json, "entitlements.grant", msg);
	sg_grants g = granted(net, json, SG_ENTITLEMENT_NETWORK_CLIENT);
	/* Reading is not part of it: no read paths. */
	CU_ASSERT_EQUAL(g.read_paths.n, 0);
	sg_grants_clear(&g);
	signet_policy_free(none);
	signet_policy_free(net);
	signet_policy_free(read);
}

static void test_files_read(void)
{
	signet_policy *net = granting(network, 1), *read = granting(files, 1);
	const char *json = "{\"org.signet.files.read\": true}";
	refused(net, json, "entitlements.grant",
		"the bundle asks for org.signet.files.read, which this host's policy does not grant (isolation.grant)");
	sg_grants g = granted(read, json, SG_ENTITLEMENT_FILES_READ);
	CU_ASSERT_EQUAL_FATAL(g.read_paths.n, 2);
	CU_ASSERT_STRING_EQUAL(g.read_paths.items[0], "/usr/share/zoneinfo");
	CU_ASSERT_STRING_EQUAL(g.read_paths.items[1], "/etc/ssl");
	/* Copies: the grants outlive the policy. */
	signet_policy_free(read);
	CU_ASSERT_STRING_EQUAL(g.read_paths.items[1], "/etc/ssl");
	sg_grants_clear(&g);
	CU_ASSERT_EQUAL(g.read_paths.n, 0);
	CU_ASSERT_EQUAL(g.bits, 0);
	sg_grants_clear(&g);
	sg_grants_clear(NULL);
	signet_policy_free(net);
}

static void test_both(void)
{
	signet_policy *net = granting(network, 1), *all = granting(both, 2);
	const char *json = "{\"org.signet.files.read\": true, \"org.signet.network.client\": true}";
	/* Everything asked must be granted: one missing refuses the guest. */
	refused(net, json, "entitlements.grant",
		"the bundle asks for org.signet.files.read, which this host's policy does not grant (isolation.grant)");
	sg_grants g = granted(all, json, SG_ENTITLEMENT_NETWORK_CLIENT | SG_ENTITLEMENT_FILES_READ);
	CU_ASSERT_EQUAL(g.read_paths.n, 2);
	sg_grants_clear(&g);
	/* Granted but not asked for: not given. */
	g = granted(all, "{\"org.signet.network.client\": true}", SG_ENTITLEMENT_NETWORK_CLIENT);
	CU_ASSERT_EQUAL(g.read_paths.n, 0);
	sg_grants_clear(&g);
	signet_policy_free(net);
	signet_policy_free(all);
}

static void test_unknown(void)
{
	signet_policy *all = granting(both, 2);
	refused(all, "{\"org.signet.files.write\": true}", "entitlements.unknown",
		"unknown entitlement org.signet.files.write (Signet defines org.signet.network.client, "
		"org.signet.files.read)");
	/* Found before any grant is looked at, wherever it is in the object. */
	signet_policy *none = granting(NULL, 0);
	refused(none, "{\"org.signet.network.client\": true, \"org.signet.x\": true}", "entitlements.unknown",
		"unknown entitlement org.signet.x (Signet defines org.signet.network.client, org.signet.files.read)");
	/* Exact names: no prefix or case matching. */
	refused_start(all, "{\"org.signet.network.client.extra\": true}", "entitlements.unknown",
		"unknown entitlement org.signet.network.client.extra (");
	refused_start(all, "{\"org.signet.\": true}", "entitlements.unknown", "unknown entitlement org.signet. (");
	/* A hostile name is quoted and cut in the message. */
	refused(all, "{\"org.signet.\\u001b[31mred\": true}", "entitlements.unknown",
		"unknown entitlement org.signet.\\x1b[31mred (Signet defines org.signet.network.client, "
		"org.signet.files.read)");
	signet_identity *id = signed_with("{\"org.signet.network.client\": true, \"org.signet.files.write\": true}");
	signet_error *err = NULL;
	sg_grants g;
	CU_ASSERT_EQUAL(sg_entitlements_grant(all, id, &g, &err), SIGNET_E_ENTITLEMENT_DENIED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), "org.signet.files.write");
	CU_ASSERT_STRING_EQUAL(signet_error_expected(err), "org.signet.network.client, org.signet.files.read");
	signet_error_free(err);
	signet_identity_free(id);
	signet_policy_free(all);
	signet_policy_free(none);
}

static void test_value_not_true(void)
{
	signet_policy *all = granting(both, 2);
	refused(all, "{\"org.signet.network.client\": false}", "entitlements.value",
		"entitlement org.signet.network.client must be true, not false");
	refused(all, "{\"org.signet.files.read\": \"yes\"}", "entitlements.value",
		"entitlement org.signet.files.read must be true, not a string");
	refused(all, "{\"org.signet.files.read\": 1}", "entitlements.value",
		"entitlement org.signet.files.read must be true, not a number");
	refused(all, "{\"org.signet.files.read\": null}", "entitlements.value",
		"entitlement org.signet.files.read must be true, not null");
	refused(all, "{\"org.signet.files.read\": [\"/etc\"]}", "entitlements.value",
		"entitlement org.signet.files.read must be true, not an array");
	refused(all, "{\"org.signet.files.read\": {\"paths\": [\"/etc\"]}}", "entitlements.value",
		"entitlement org.signet.files.read must be true, not an object");
	signet_policy_free(all);
}

static void test_foreign_keys_ignored(void)
{
	signet_policy *none = granting(NULL, 0);
	/* The plugin's own keys, and names that only look like Signet's: not Signet's business. */
	sg_grants g = granted(none, "{\"com.example.camera\": true, \"org.signetx.net\": true, "
		"\"ORG.SIGNET.network.client\": true, \"org.signet\": true, \"signet.network.client\": false, "
		"\"com.example.limits\": {\"depth\": [1, [2, [3]]]}}", 0);
	sg_grants_clear(&g);
	signet_policy *net = granting(network, 1);
	g = granted(net, "{\"com.example.camera\": false, \"org.signet.network.client\": true}",
		SG_ENTITLEMENT_NETWORK_CLIENT);
	sg_grants_clear(&g);
	signet_policy_free(none);
	signet_policy_free(net);
}

static void test_not_an_object(void)
{
	signet_policy *all = granting(both, 2);
	refused(all, "[\"org.signet.network.client\"]", "entitlements.format",
		"the entitlements are an array, not a JSON object");
	/* A bare value is not even the start of an object or array. */
	refused(all, "true", "entitlements.format",
		"the entitlements are not JSON (line 1, column 4: '[' or '{' expected near 'true')");
	refused_start(all, "\"org.signet.network.client\"", "entitlements.format",
		"the entitlements are not JSON (line 1, column 27: '[' or '{' expected");
	refused(all, "{\"org.signet.network.client\": true", "entitlements.format",
		"the entitlements are not JSON (line 1, column 34: '}' expected near end of file)");
	/* Which of two values counts would depend on the parser: refused. */
	refused(all, "{\"org.signet.network.client\": false, \"org.signet.network.client\": true}",
		"entitlements.format", "the entitlements are not JSON (line 1, column 64: duplicate object key)");
	refused_start(all, "{\"a\": \"\\u0000\"}", "entitlements.format", "the entitlements are not JSON (");
	refused_start(all, "{\"a\": \"\xff\"}", "entitlements.format", "the entitlements are not JSON (");
	refused_start(all, "{} {}", "entitlements.format", "the entitlements are not JSON (");
	/* Deeper than jansson's nesting bound (2048), well within the 64 KiB a signature may carry. */
	size_t depth = 3000;
	char *deep = malloc(2 * depth + 16);
	CU_ASSERT_PTR_NOT_NULL_FATAL(deep);
	size_t n = (size_t)sprintf(deep, "{\"a\": ");
	memset(deep + n, '[', depth);
	memset(deep + n + depth, ']', depth);
	strcpy(deep + n + 2 * depth, "}");
	refused_start(all, deep, "entitlements.format", "the entitlements are not JSON (");
	free(deep);
	signet_policy_free(all);
}

static void test_arguments(void)
{
	signet_identity *id = signed_with(NULL);
	signet_error *err = NULL;
	sg_grants g;
	SG_ASSERT_FAILS(sg_entitlements_grant(NULL, NULL, &g, &err), &err, SIGNET_E_INVALID_ARGUMENT, "NULL argument");
	SG_ASSERT_FAILS(sg_entitlements_grant(NULL, id, NULL, &err), &err, SIGNET_E_INVALID_ARGUMENT, "NULL argument");
	/* A NULL error pointer still gets the code. */
	signet_identity_free(id);
	id = signed_with("{\"org.signet.x\": true}");
	CU_ASSERT_EQUAL(sg_entitlements_grant(NULL, id, &g, NULL), SIGNET_E_ENTITLEMENT_DENIED);
	signet_identity_free(id);
	id = signed_with("[]");
	CU_ASSERT_EQUAL(sg_entitlements_grant(NULL, id, &g, NULL), SIGNET_E_ENTITLEMENT_DENIED);
	signet_identity_free(id);
	CU_ASSERT_EQUAL(sg_entitlement_bit(SIGNET_ENTITLEMENT_NETWORK_CLIENT), SG_ENTITLEMENT_NETWORK_CLIENT);
	CU_ASSERT_EQUAL(sg_entitlement_bit(SIGNET_ENTITLEMENT_FILES_READ), SG_ENTITLEMENT_FILES_READ);
	CU_ASSERT_EQUAL(sg_entitlement_bit("org.signet.files"), 0);
	CU_ASSERT_EQUAL(sg_entitlement_bit(NULL), 0);
}

/* The Crash sample and its entitled builds (plugins/, docs/plugins-samples.md), as the build signed them. */
static signet_identity *sample(const char *bundle)
{
	const char *b = getenv("SIGNET_TEST_BUILDDIR");
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	char anchors[4096], exe[4096];
	snprintf(anchors, sizeof anchors, "%s/plugins/pki/root.pem", b);
	snprintf(exe, sizeof exe, "%s/plugins/%s/lib/crash.so", b, bundle);
	signet_trust *t = NULL;
	signet_identity *id = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_trust_load(&t, anchors, &err), &err);
	SG_ASSERT_OK(signet_verify_file(&id, exe, t, NULL, &err), &err);
	signet_trust_free(t);
	return id;
}

static void test_samples(void)
{
	signet_policy *none = granting(NULL, 0), *all = granting(both, 2);
	signet_error *err = NULL;
	sg_grants g;
	signet_identity *id = sample("Crash.bundle");
	CU_ASSERT_PTR_NULL(signet_identity_entitlements(id, NULL));
	SG_ASSERT_OK(sg_entitlements_grant(none, id, &g, &err), &err);
	CU_ASSERT_EQUAL(g.bits, 0);
	signet_identity_free(id);

	id = sample("Crash-net.bundle");
	CU_ASSERT_STRING_EQUAL(signet_identity_entitlements(id, NULL), "{ \"org.signet.network.client\": true }\n");
	SG_ASSERT_FAILS(sg_entitlements_grant(none, id, &g, &err), &err, SIGNET_E_ENTITLEMENT_DENIED,
		"Crash-net.bundle/lib/crash.so: the bundle asks for org.signet.network.client, which this host's policy "
		"does not grant (isolation.grant)");
	SG_ASSERT_OK(sg_entitlements_grant(all, id, &g, &err), &err);
	CU_ASSERT_EQUAL(g.bits, SG_ENTITLEMENT_NETWORK_CLIENT);
	CU_ASSERT_EQUAL(g.read_paths.n, 0);
	signet_identity_free(id);

	id = sample("Crash-files.bundle");
	SG_ASSERT_OK(sg_entitlements_grant(all, id, &g, &err), &err);
	CU_ASSERT_EQUAL(g.bits, SG_ENTITLEMENT_FILES_READ);
	CU_ASSERT_EQUAL(g.read_paths.n, 2);
	sg_grants_clear(&g);
	signet_identity_free(id);

	id = sample("Crash-unknown.bundle");
	SG_ASSERT_FAILS(sg_entitlements_grant(all, id, &g, &err), &err, SIGNET_E_ENTITLEMENT_DENIED,
		"Crash-unknown.bundle/lib/crash.so: unknown entitlement org.signet.files.write");
	signet_identity_free(id);
	signet_policy_free(none);
	signet_policy_free(all);
}

int main(void)
{
	static const sg_test entitlements[] = {
		{ "the accessor: the sealed bytes exactly, NULL when none", test_accessor },
		{ "no entitlements: nothing granted or refused", test_none_asked },
		{ "network.client: granted only when the policy grants it", test_network_client },
		{ "files.read: granted with copies of the read paths", test_files_read },
		{ "both asked: each must be granted", test_both },
		{ "unknown org.signet names refused before grants", test_unknown },
		{ "Signet's entitlements must be true", test_value_not_true },
		{ "the plugin's own keys are ignored", test_foreign_keys_ignored },
		{ "bytes that are not a JSON object are refused", test_not_an_object },
		{ "arguments and names", test_arguments },
		{ "the Crash sample's builds, as the build signed them", test_samples },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "entitlements", entitlements }, { NULL, NULL } };
	return sg_test_main(suites);
}
