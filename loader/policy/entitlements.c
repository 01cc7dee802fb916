/* SPDX-License-Identifier: MIT */
/*
 * entitlements.c - the entitlements Signet defines, and which of those a
 * signature asks for the policy grants (docs/policy.md, "Entitlements").
 *
 * The JSON comes from a signature: sealed, so nobody changed it since it
 * was signed, but written by whoever signed the plugin, who is not the
 * host. It is read like any hostile input: bounded in size (jansson bounds
 * the nesting), duplicate keys refused, an object or nothing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "codesign/format.h"
#include "core/error_internal.h"
#include "core/quote.h"
#include "policy/entitlements.h"

static const struct {
	const char *name;
	unsigned bit;
} defined[] = {
	{ SIGNET_ENTITLEMENT_NETWORK_CLIENT, SG_ENTITLEMENT_NETWORK_CLIENT },
	{ SIGNET_ENTITLEMENT_FILES_READ, SG_ENTITLEMENT_FILES_READ },
};

unsigned sg_entitlement_bit(const char *name)
{
	for (size_t i = 0; name && i < sizeof defined / sizeof defined[0]; i++)
		if (strcmp(defined[i].name, name) == 0)
			return defined[i].bit;
	return 0;
}

static bool in_signet_namespace(const char *key)
{
	return strncmp(key, SG_ENTITLEMENT_PREFIX, strlen(SG_ENTITLEMENT_PREFIX)) == 0;
}

/* A value, for messages: true and false by name ("must be true, not false"). */
static const char *json_kind(const json_t *v)
{
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	return sg_policy_json_type(v);
}

void sg_grants_clear(sg_grants *g)
{
	if (!g)
		return;
	sg_strings_clear(&g->read_paths);
	g->bits = 0;
}

/* The object the signature carries, into *out; an error when it is none. */
static int parse(json_t **out, const signet_identity *id, signet_error **err)
{
	size_t len = 0;
	const char *text = signet_identity_entitlements(id, &len);
	const char *path = signet_identity_path(id);
	/* Verification caps them already (the blob's limit); a second bound costs nothing. */
	if (len > SG_MAX_ENTITLEMENTS_SIZE)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path,
			.check = "entitlements.format" }, "entitlements of %zu bytes, the limit is %u", len,
			SG_MAX_ENTITLEMENTS_SIZE);
	json_error_t je;
	/*
	 * Duplicate keys are refused: with {"k": false, "k": true}, which one
	 * was asked for would depend on the parser. jansson refuses \u0000 in
	 * strings, bytes that are not UTF-8 and nesting past its depth limit.
	 */
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_ENTITLEMENT_DENIED, .path = path,
			.check = "entitlements.format" },
			"the entitlements are not JSON (line %d, column %d: %s)", je.line, je.column, je.text);
	if (!json_is_object(root)) {
		const char *kind = json_kind(root);
		json_decref(root);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_ENTITLEMENT_DENIED, .path = path,
			.check = "entitlements.format", .expected = "an object", .actual = kind },
			"the entitlements are %s, not a JSON object", kind);
	}
	*out = root;
	return 0;
}

/*
 * Each key in Signet's namespace is one it defines, with the value true.
 * Keys outside it are the plugin's own: a host and its plugins define
 * entitlements of their own (com.example.camera), as apps do on macOS, and
 * Signet has no say in what they mean; requirements can still test them
 * (`entitlement["com.example.camera"] exists`). Sets *asked.
 */
static int check_keys(const json_t *root, const char *path, unsigned *asked, signet_error **err)
{
	const char *key;
	json_t *value;
	*asked = 0;
	json_object_foreach((json_t *)(uintptr_t)root, key, value) {
		if (!in_signet_namespace(key))
			continue;
		char shown[96];
		sg_quote(shown, sizeof shown, key, 80);
		unsigned bit = sg_entitlement_bit(key);
		/*
		 * An unknown name in Signet's namespace is refused, not ignored: it
		 * is a right a newer Signet may define, or a misspelling, and either
		 * way the plugin expects something this Signet will not give it.
		 */
		if (!bit)
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_ENTITLEMENT_DENIED, .path = path,
				.check = "entitlements.unknown", .expected = SG_ENTITLEMENT_NAMES, .actual = shown },
				"unknown entitlement %s (Signet defines %s)", shown, SG_ENTITLEMENT_NAMES);
		/* Only true asks: false, a string or a number would be a meaning Signet never gave. */
		if (!json_is_true(value))
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_ENTITLEMENT_DENIED, .path = path,
				.check = "entitlements.value", .expected = "true", .actual = json_kind(value) },
				"entitlement %s must be true, not %s", shown, json_kind(value));
		*asked |= bit;
	}
	return 0;
}

int sg_entitlements_grant(const signet_policy *p, const signet_identity *id, sg_grants *out, signet_error **err)
{
	if (!id || !out)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "sg_entitlements_grant: NULL argument");
	if (!signet_identity_entitlements(id, NULL)) {
		*out = (sg_grants){ 0 };
		return 0;
	}
	const char *path = signet_identity_path(id);
	json_t *root = NULL;
	int rc = parse(&root, id, err);
	if (rc != 0)
		return rc;
	unsigned asked = 0;
	rc = check_keys(root, path, &asked, err);
	json_decref(root);
	if (rc != 0)
		return rc;

	sg_isolation iso;
	sg_policy_isolation(p, &iso);
	/* In the order Signet defines them, so the message does not depend on the signer's key order. */
	for (size_t i = 0; i < sizeof defined / sizeof defined[0]; i++)
		if ((asked & defined[i].bit) && !(iso.grants & defined[i].bit))
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_ENTITLEMENT_DENIED, .path = path,
				.check = "entitlements.grant", .actual = defined[i].name },
				"the bundle asks for %s, which this host's policy does not grant (isolation.grant)",
				defined[i].name);

	sg_grants g = { .bits = asked };
	if (asked & SG_ENTITLEMENT_FILES_READ)
		for (size_t i = 0; i < iso.read_path_count; i++)
			if ((rc = sg_strings_add(&g.read_paths, iso.read_paths[i], SIGNET_POLICY_MAX_READ_PATHS, err)) != 0) {
				sg_grants_clear(&g);
				return rc;
			}
	*out = g;
	return 0;
}
