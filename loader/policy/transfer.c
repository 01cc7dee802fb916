/* SPDX-License-Identifier: MIT */
/*
 * transfer.c - a policy handed to an isolated guest's process.
 *
 * The guest must load its bundle under exactly the policy its host holds
 * (docs/isolation.md). The host's policy may have been built with setters
 * and its anchors file may have changed since it was read, so neither the
 * host's policy file nor its anchors path is handed over: the policy is
 * written out in the policy file's own schema, with the anchors as the PEM
 * of the certificates the host actually trusts and the host's team as the
 * host found it. The guest reads it back through the policy file's parser,
 * as strictly as any file, so the two can never disagree on a field.
 *
 * The guest's process has its own executable: finding "the host's team"
 * from itself would give the guest helper's team, so `team = host` is
 * fixed from what the host says here.
 */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cms/cms.h"
#include "codesign/identity_internal.h"
#include "core/error_internal.h"
#include "core/hex.h"
#include "policy/policy_internal.h"

/* Transfer-only keys: not part of the policy file's schema. */
#define KEY_ANCHORS "anchors_pem"
#define KEY_HOST_TEAM "host_team"
#define KEY_HOST_STATUS "host_status"
#define KEY_TSA_ANCHORS "tsa_anchors_pem" /* optional: the TSA anchors */

/* A new, empty array at parent.section.key (the section made when missing); NULL when out of memory. */
static json_t *new_list(json_t *parent, const char *section, const char *key)
{
	json_t *o = json_object_get(parent, section);
	if (!o && (!(o = json_object()) || json_object_set_new(parent, section, o) != 0))
		return NULL;
	json_t *a = json_array();
	return a && json_object_set_new(o, key, a) == 0 ? a : NULL;
}

static int add_strings(json_t *parent, const char *section, const char *key, const sg_strings *l)
{
	json_t *a = l->n ? new_list(parent, section, key) : NULL;
	if (l->n && !a)
		return -1;
	for (size_t i = 0; i < l->n; i++)
		if (json_array_append_new(a, json_string(l->items[i])) != 0)
			return -1;
	return 0;
}

static int add_hashes(json_t *parent, const char *section, const char *key, const sg_hashes *l)
{
	json_t *a = l->n ? new_list(parent, section, key) : NULL;
	if (l->n && !a)
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		char hex[SG_POLICY_HASH_SIZE * 2 + 1];
		sg_hex_encode(hex, l->items[i], SG_POLICY_HASH_SIZE, false);
		if (json_array_append_new(a, json_string(hex)) != 0)
			return -1;
	}
	return 0;
}

int sg_policy_export(char **json_text, const signet_policy *p, signet_error **err)
{
	if (!p->trust)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_INVALID, .check = "policy.transfer" },
			"a policy without trust anchors cannot be handed to an isolated guest");
	char *pem = NULL, *req = signet_requirement_format(p->requirement);
	size_t pem_len = 0;
	json_t *root = json_object();
	bool ok = root && req && sg_trust_to_pem(&pem, &pem_len, p->trust->anchors) == 0;
	ok = ok && json_object_set_new(root, "requirement", json_string(req)) == 0;
	ok = ok && json_object_set_new(root, KEY_ANCHORS, json_stringn(pem, pem_len)) == 0;
	/* The TSA anchors too, so a guest judges timestamps as its host does. */
	char *tsa_pem = NULL;
	size_t tsa_len = 0;
	if (ok && p->tsa)
		ok = sg_trust_to_pem(&tsa_pem, &tsa_len, p->tsa) == 0
			&& json_object_set_new(root, KEY_TSA_ANCHORS, json_stringn(tsa_pem, tsa_len)) == 0;
	free(tsa_pem);
	if (ok && p->host_team)
		ok = json_object_set_new(root, KEY_HOST_TEAM, json_string(p->host_team)) == 0;
	if (ok && p->host_status)
		ok = json_object_set_new(root, KEY_HOST_STATUS, json_string(p->host_status)) == 0;
	ok = ok && add_strings(root, "allow", "identifiers", &p->allow_identifiers) == 0;
	ok = ok && add_hashes(root, "allow", "cdhashes", &p->allow_cdhashes) == 0;
	ok = ok && add_hashes(root, "deny", "cdhashes", &p->deny_cdhashes) == 0;
	ok = ok && add_strings(root, "deny", "serials", &p->deny_serials) == 0;
	ok = ok && add_strings(root, "platform", "directories", &p->platform_dirs) == 0;
	if (ok && p->sonames_restricted) {
		/* An empty restricted list still restricts: it must arrive as an empty array. */
		json_t *a = new_list(root, "platform", "sonames");
		ok = a != NULL;
		for (size_t i = 0; ok && i < p->platform_sonames.n; i++)
			ok = json_array_append_new(a, json_string(p->platform_sonames.items[i])) == 0;
	}
	if (ok && p->allow_no_team)
		ok = json_object_set_new(root, "verify", json_pack("{s:b}", "allow_no_team", 1)) == 0;
	char *text = ok ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	free(req);
	free(pem);
	if (!text)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory handing the policy to a guest");
	*json_text = text;
	return 0;
}

/* A transfer-only string field, taken out of `root` (NULL when absent). */
static int take_string(char **out, json_t *root, const char *key, bool required, const char *label,
	signet_error **err)
{
	json_t *v = json_object_get(root, key);
	*out = NULL;
	if (!v && !required)
		return 0;
	if (!json_is_string(v))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_INVALID, .path = label,
			.check = "policy.transfer", .expected = key }, "%s: \"%s\" is missing or not a string", label, key);
	if (!(*out = strdup(json_string_value(v))))
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading a handed-over policy");
	json_object_del(root, key);
	return 0;
}

int sg_policy_import(signet_policy **out, const char *json_text, size_t len, const char *label,
	signet_error **err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json_text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(root)) {
		json_decref(root);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_INVALID, .path = label,
			.check = "policy.transfer" }, "%s: not a JSON object: %s", label, root ? "" : jerr.text);
	}
	char *pem = NULL, *team = NULL, *status = NULL, *tsa_pem = NULL;
	signet_policy *p = NULL;
	sg_trust *anchors = NULL, *tsa = NULL;
	int rc = take_string(&pem, root, KEY_ANCHORS, true, label, err);
	if (!rc)
		rc = take_string(&tsa_pem, root, KEY_TSA_ANCHORS, false, label, err);
	if (!rc && tsa_pem)
		rc = sg_trust_from_pem(&tsa, (const uint8_t *)tsa_pem, strlen(tsa_pem), label, err);
	if (!rc)
		rc = take_string(&team, root, KEY_HOST_TEAM, false, label, err);
	if (!rc)
		rc = take_string(&status, root, KEY_HOST_STATUS, false, label, err);
	if (!rc)
		rc = sg_policy_from_json(&p, root, label, err);
	if (!rc)
		rc = sg_trust_from_pem(&anchors, (const uint8_t *)pem, strlen(pem), label, err);
	if (!rc && !(p->trust = calloc(1, sizeof *p->trust)))
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading a handed-over policy");
	if (!rc) {
		p->trust->anchors = anchors;
		anchors = NULL;
		p->tsa = tsa;
		p->trust->tsa = tsa;
		tsa = NULL;
		p->host_team = team;
		p->host_status = status;
		team = status = NULL;
	}
	json_decref(root);
	sg_trust_free(anchors);
	sg_trust_free(tsa);
	free(tsa_pem);
	free(pem);
	free(team);
	free(status);
	if (rc) {
		signet_policy_free(p);
		return rc;
	}
	*out = p;
	return 0;
}
