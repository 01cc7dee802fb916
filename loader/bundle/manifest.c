/* SPDX-License-Identifier: MIT */
/*
 * manifest.c - manifest.json parsed with jansson and validated field by
 * field. Unknown keys, duplicate keys, wrong types and anything over a
 * limit are refused: a manifest is signed, so there is no reason to be
 * lenient, and every lenience is a place for two readers to disagree.
 */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/manifest.h"
#include "core/error_internal.h"

static int invalid(signet_error **err, const char *path, const char *field, const char *fmt, const char *arg)
{
	char check[64];
	snprintf(check, sizeof check, "manifest.%s", field);
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_MANIFEST_INVALID, .path = path, .check = check,
		.actual = arg }, "manifest %s: %s%s%s", field, fmt, arg ? ": " : "", arg ? arg : "");
}

/* The field as a string within limits, or NULL after reporting why. */
static const char *string_field(json_t *root, const char *key, bool required, const char *path,
	signet_error **err, int *rc)
{
	json_t *v = json_object_get(root, key);
	if (!v) {
		if (required)
			*rc = invalid(err, path, key, "is missing", NULL);
		return NULL;
	}
	if (!json_is_string(v)) {
		*rc = invalid(err, path, key, "must be a string", NULL);
		return NULL;
	}
	if (json_string_length(v) == 0 || json_string_length(v) > SG_MANIFEST_MAX_STRING) {
		*rc = invalid(err, path, key, "must be 1 to 1024 bytes long", NULL);
		return NULL;
	}
	return json_string_value(v);
}

static bool is_c_identifier(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++) {
		char c = s[n];
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
		if (!(alpha || (n > 0 && c >= '0' && c <= '9')) || n >= SG_MANIFEST_MAX_NAME)
			return false;
	}
	return n > 0;
}

/* Reverse-DNS: two or more labels of [A-Za-z0-9-], no label empty or starting with '-'. */
static bool is_reverse_dns(const char *s)
{
	size_t labels = 0, len = 0, total = 0;
	for (const char *p = s;; p++, total++) {
		if (*p == '.' || *p == '\0') {
			if (len == 0 || total > 255)
				return false;
			labels++;
			len = 0;
			if (*p == '\0')
				break;
			continue;
		}
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			(*p == '-' && len > 0);
		if (!ok)
			return false;
		len++;
	}
	return labels >= 2;
}

bool sg_manifest_path_is_safe(const char *path)
{
	if (!path || !*path || *path == '/' || strlen(path) > SG_MANIFEST_MAX_STRING)
		return false;
	const char *component = path;
	for (const char *p = path;; p++) {
		if (*p == '/' || *p == '\0') {
			size_t n = (size_t)(p - component);
			/* Empty, "." and ".." components: the path could mean more than one file. */
			if (n == 0 || (n == 1 && component[0] == '.') || (n == 2 && component[0] == '.' && component[1] == '.'))
				return false;
			if (*p == '\0')
				return true;
			component = p + 1;
			continue;
		}
		char c = *p;
		/* No backslashes, controls, spaces or non-ASCII: one spelling per file. */
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '.' || c == '_' || c == '-' || c == '+';
		if (!ok)
			return false;
	}
}

/* "MAJOR.MINOR.PATCH" (each 0..65535, no leading zeros); `end` gets the rest. */
static bool parse_semver(const char *s, sg_semver *v, const char **end, bool patch_optional)
{
	unsigned parts[3] = { 0, 0, 0 };
	int n = 0;
	const char *p = s;
	for (; n < 3; n++) {
		if (*p < '0' || *p > '9')
			break;
		if (*p == '0' && p[1] >= '0' && p[1] <= '9')
			return false;
		unsigned x = 0;
		while (*p >= '0' && *p <= '9') {
			x = x * 10 + (unsigned)(*p++ - '0');
			if (x > 65535)
				return false;
		}
		parts[n] = x;
		if (n < 2 && *p == '.') {
			p++;
			if (*p < '0' || *p > '9')
				return false; /* "1.2." is no version */
		} else {
			n++;
			break;
		}
	}
	if (n < (patch_optional ? 2 : 3))
		return false;
	*v = (sg_semver){ parts[0], parts[1], parts[2] };
	*end = p;
	return true;
}

bool sg_semver_parse(const char *s, sg_semver *v)
{
	const char *rest;
	return parse_semver(s, v, &rest, false) && *rest == '\0';
}

static int semver_cmp(sg_semver a, sg_semver b)
{
	if (a.major != b.major)
		return a.major < b.major ? -1 : 1;
	if (a.minor != b.minor)
		return a.minor < b.minor ? -1 : 1;
	return a.patch < b.patch ? -1 : a.patch > b.patch;
}

/* "1.2.3", "1.2.3-beta.1", "1.2.3+build.5": pre-release and build are checked, not ordered. */
static bool valid_version(const char *s, sg_semver *v)
{
	const char *rest;
	if (!parse_semver(s, v, &rest, false))
		return false;
	if (*rest == '\0')
		return true;
	if (*rest != '-' && *rest != '+')
		return false;
	for (const char *p = rest + 1; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '.' || c == '-' || (c == '+' && *rest == '-');
		if (!ok || (c == '.' && (p[1] == '.' || p[1] == '\0')))
			return false;
	}
	return rest[1] != '\0';
}

/* ">=1.0 <2.0": one or two comparators separated by one space. */
static bool parse_range(const char *s, sg_api_bound *bounds, size_t *n)
{
	*n = 0;
	const char *p = s;
	while (*p) {
		if (*n == 2)
			return false;
		sg_api_bound *b = &bounds[(*n)++];
		size_t oplen = (p[0] == '>' || p[0] == '<') ? (p[1] == '=' ? 2 : 1) : (p[0] == '=' ? 1 : 0);
		if (oplen == 0)
			return false;
		memcpy(b->op, p, oplen);
		b->op[oplen] = '\0';
		const char *end;
		if (!parse_semver(p + oplen, &b->version, &end, true))
			return false;
		if (*end == ' ' && end[1] != '\0')
			end++;
		else if (*end != '\0')
			return false;
		p = end;
	}
	return *n > 0;
}

bool sg_manifest_accepts_host_api(const sg_manifest *m, sg_semver v)
{
	for (size_t i = 0; i < m->nbounds; i++) {
		int c = semver_cmp(v, m->bounds[i].version);
		const char *op = m->bounds[i].op;
		bool ok = strcmp(op, "=") == 0 ? c == 0 : strcmp(op, ">=") == 0 ? c >= 0 : strcmp(op, ">") == 0 ? c > 0
			: strcmp(op, "<=") == 0 ? c <= 0 : c < 0;
		if (!ok)
			return false;
	}
	return m->nbounds > 0;
}

static int parse_protocols(sg_manifest *m, json_t *root, const char *path, signet_error **err)
{
	json_t *arr = json_object_get(root, "protocols");
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return invalid(err, path, "protocols", "must be an array of {\"name\", \"version\"}", NULL);
	if (json_array_size(arr) > SG_MANIFEST_MAX_PROTOCOLS)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "manifest.protocols" },
			"manifest protocols: more than %u", SG_MANIFEST_MAX_PROTOCOLS);
	m->protocols = calloc(json_array_size(arr) + 1, sizeof *m->protocols);
	if (!m->protocols)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading %s", path);
	size_t i;
	json_t *item;
	json_array_foreach(arr, i, item) {
		json_t *name = json_object_get(item, "name"), *version = json_object_get(item, "version");
		if (!json_is_object(item) || json_object_size(item) != 2 || !json_is_string(name) ||
		    !json_is_integer(version))
			return invalid(err, path, "protocols", "each entry is exactly {\"name\": string, \"version\": integer}", NULL);
		if (!is_c_identifier(json_string_value(name)))
			return invalid(err, path, "protocols", "a protocol name must be a C identifier", json_string_value(name));
		json_int_t v = json_integer_value(version);
		if (v < 1 || v > 65535)
			return invalid(err, path, "protocols", "a protocol version must be 1 to 65535", json_string_value(name));
		for (size_t j = 0; j < m->nprotocols; j++)
			if (strcmp(m->protocols[j].name, json_string_value(name)) == 0)
				return invalid(err, path, "protocols", "a protocol is listed twice", json_string_value(name));
		m->protocols[m->nprotocols].name = strdup(json_string_value(name));
		if (!m->protocols[m->nprotocols].name)
			return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading %s", path);
		m->protocols[m->nprotocols++].version = (unsigned)v;
	}
	return 0;
}

static int parse_libraries(sg_manifest *m, json_t *root, const char *path, signet_error **err)
{
	json_t *arr = json_object_get(root, "libraries");
	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return invalid(err, path, "libraries", "must be an array of paths", NULL);
	if (json_array_size(arr) > SG_MANIFEST_MAX_LIBRARIES)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "manifest.libraries" },
			"manifest libraries: more than %u", SG_MANIFEST_MAX_LIBRARIES);
	m->libraries = calloc(json_array_size(arr) + 1, sizeof *m->libraries);
	if (!m->libraries)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading %s", path);
	size_t i;
	json_t *item;
	json_array_foreach(arr, i, item) {
		if (!json_is_string(item) || !sg_manifest_path_is_safe(json_string_value(item)))
			return invalid(err, path, "libraries", "each entry must be a relative path inside the bundle",
				json_is_string(item) ? json_string_value(item) : NULL);
		m->libraries[m->nlibraries] = strdup(json_string_value(item));
		if (!m->libraries[m->nlibraries++])
			return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading %s", path);
	}
	return 0;
}

static const char *const known_keys[] = {
	"identifier", "version", "executable", "principal_class", "protocols", "host_api", "libraries", NULL,
};

static int validate(sg_manifest *m, json_t *root, const char *path, signet_error **err)
{
	if (!json_is_object(root))
		return invalid(err, path, "(top level)", "must be a JSON object", NULL);
	const char *key;
	json_t *value;
	json_object_foreach(root, key, value) {
		bool known = false;
		for (const char *const *k = known_keys; *k; k++)
			known |= strcmp(*k, key) == 0;
		if (!known)
			return invalid(err, path, "(top level)", "unknown key", key);
	}
	int rc = 0;
	const char *identifier = string_field(root, "identifier", true, path, err, &rc);
	const char *version = rc ? NULL : string_field(root, "version", true, path, err, &rc);
	const char *executable = rc ? NULL : string_field(root, "executable", true, path, err, &rc);
	const char *principal = rc ? NULL : string_field(root, "principal_class", true, path, err, &rc);
	const char *host_api = rc ? NULL : string_field(root, "host_api", true, path, err, &rc);
	if (rc)
		return rc;
	if (!is_reverse_dns(identifier))
		return invalid(err, path, "identifier", "must be reverse-DNS (two or more labels of A-Z a-z 0-9 -)", identifier);
	if (!valid_version(version, &m->semver))
		return invalid(err, path, "version", "must be a semantic version MAJOR.MINOR.PATCH[-pre][+build]", version);
	if (!sg_manifest_path_is_safe(executable))
		return invalid(err, path, "executable", "must be a relative path inside the bundle", executable);
	if (!is_c_identifier(principal))
		return invalid(err, path, "principal_class", "must be a C identifier of at most 127 characters", principal);
	if (!parse_range(host_api, m->bounds, &m->nbounds))
		return invalid(err, path, "host_api", "must be one or two comparators like \">=1.0 <2.0\"", host_api);
	m->identifier = strdup(identifier);
	m->version = strdup(version);
	m->executable = strdup(executable);
	m->principal_class = strdup(principal);
	m->host_api = strdup(host_api);
	if (!m->identifier || !m->version || !m->executable || !m->principal_class || !m->host_api)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading %s", path);
	rc = parse_protocols(m, root, path, err);
	return rc ? rc : parse_libraries(m, root, path, err);
}

int sg_manifest_parse(sg_manifest *out, const char *bytes, size_t len, const char *path, signet_error **err)
{
	if (len > SG_MANIFEST_MAX_SIZE)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "manifest.size" },
			"manifest of %zu bytes exceeds the limit of %u", len, SG_MANIFEST_MAX_SIZE);
	/*
	 * jansson validates UTF-8, refuses \u0000 (no JSON_ALLOW_NUL) and, with
	 * JSON_REJECT_DUPLICATES, a key given twice: two readers of one signed
	 * manifest must never see two different values.
	 */
	json_error_t je;
	json_t *root = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		char where[64];
		snprintf(where, sizeof where, "line %d, column %d", je.line, je.column);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_MANIFEST_INVALID, .path = path,
			.check = "manifest.json", .actual = where }, "manifest is not valid JSON (%s): %s", where, je.text);
	}
	sg_manifest m = { 0 };
	int rc = validate(&m, root, path, err);
	json_decref(root);
	if (rc) {
		sg_manifest_clear(&m);
		return rc;
	}
	*out = m;
	return 0;
}

void sg_manifest_clear(sg_manifest *m)
{
	free(m->identifier);
	free(m->version);
	free(m->executable);
	free(m->principal_class);
	free(m->host_api);
	for (size_t i = 0; i < m->nprotocols; i++)
		free(m->protocols[i].name);
	free(m->protocols);
	for (size_t i = 0; i < m->nlibraries; i++)
		free(m->libraries[i]);
	free(m->libraries);
	*m = (sg_manifest){ 0 };
}
