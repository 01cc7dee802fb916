/* SPDX-License-Identifier: MIT */
/*
 * report_json.c - signet_bundle_info and signet_error as JSON and back
 * (report_json.h; the schema is in docs/bundle-format.md).
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/report.h"
#include "bundle/report_json.h"
#include "core/error_internal.h"
#include "core/hex.h"

/* ---- writing ------------------------------------------------------------ */

/* Sets obj.key = v (stolen, even on failure); a failure (or v NULL: no memory, not UTF-8) clears *ok. */
static void put(json_t *obj, const char *key, json_t *v, bool *ok)
{
	if (json_object_set_new(obj, key, v) != 0)
		*ok = false;
}

static json_t *text(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A position of signet_error_offset() and its kin: -1 (absent) is null. */
static json_t *position(long long v)
{
	return v < 0 ? json_null() : json_integer((json_int_t)v);
}

static json_t *error_to_json(const signet_error *e, unsigned depth)
{
	const char *name = signet_code_name(signet_error_code(e));
	/* What the reader would refuse is never written: a code without a name, causes too deep. */
	if (!name || depth >= SG_REPORT_MAX_CAUSES)
		return NULL;
	json_t *o = json_object();
	bool ok = o != NULL;
	put(o, "code", json_string(name), &ok);
	put(o, "message", json_string(signet_error_message(e)), &ok);
	put(o, "path", text(signet_error_path(e)), &ok);
	put(o, "check", text(signet_error_check(e)), &ok);
	put(o, "expected", text(signet_error_expected(e)), &ok);
	put(o, "actual", text(signet_error_actual(e)), &ok);
	put(o, "errno", json_integer(signet_error_os_errno(e)), &ok);
	put(o, "offset", position(signet_error_offset(e)), &ok);
	put(o, "index", position(signet_error_index(e)), &ok);
	put(o, "column", position(signet_error_column(e)), &ok);
	const signet_error *cause = signet_error_cause(e);
	put(o, "cause", cause ? error_to_json(cause, depth + 1) : json_null(), &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *sg_error_to_json(const signet_error *e)
{
	return e ? error_to_json(e, 0) : NULL;
}

json_t *sg_bundle_info_to_json(const signet_bundle_info *info)
{
	if (!info)
		return NULL;
	json_t *o = json_object(), *protocols = json_array(), *libraries = json_array(), *deps = json_array(),
		*reasons = json_array();
	bool ok = o != NULL;
	put(o, "path", text(info->path), &ok);
	put(o, "ok", json_boolean(signet_bundle_info_ok(info)), &ok);
	put(o, "identifier", text(info->identifier), &ok);
	put(o, "version", text(info->version), &ok);
	put(o, "executable", text(info->executable), &ok);
	put(o, "principal_class", text(info->principal_class), &ok);
	put(o, "host_api", text(info->host_api), &ok);
	for (size_t i = 0; ok && i < info->nprotocols; i++) {
		json_t *p = json_object();
		put(p, "name", json_string(info->protocol_names[i]), &ok);
		put(p, "version", json_integer(info->protocol_versions[i]), &ok);
		ok = json_array_append_new(protocols, p) == 0 && ok;
	}
	put(o, "protocols", protocols, &ok);
	for (size_t i = 0; ok && i < info->nlibraries; i++)
		ok = json_array_append_new(libraries, json_string(info->libraries[i])) == 0;
	put(o, "libraries", libraries, &ok);
	put(o, "team", text(info->team), &ok);
	put(o, "signing_identifier", text(info->signing_identifier), &ok);
	put(o, "cdhash", text(info->cdhash_hex), &ok);
	for (size_t i = 0; ok && i < info->deps.n; i++) {
		const sg_dependency *d = &info->deps.items[i];
		json_t *dep = json_object();
		put(dep, "needed_by", json_string(d->needed_by), &ok);
		put(dep, "name", json_string(d->name), &ok);
		put(dep, "path", json_string(d->path), &ok);
		put(dep, "kind", json_string(sg_dep_kind_name(d->kind)), &ok);
		ok = json_array_append_new(deps, dep) == 0 && ok;
	}
	put(o, "dependencies", deps, &ok);
	for (size_t i = 0; ok && i < info->reasons.n; i++)
		ok = json_array_append_new(reasons, sg_error_to_json(info->reasons.items[i])) == 0;
	put(o, "reasons", reasons, &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* `v` (stolen) as compact JSON text in *out: the public face of the writers above. */
static int to_text(char **out, json_t *v, signet_error **err)
{
	char *text = v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(v);
	if (!text)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory writing a report as JSON");
	*out = text;
	return 0;
}

int signet_bundle_info_to_json(char **out, const signet_bundle_info *info, signet_error **err)
{
	if (!out || !info)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_bundle_info_to_json: %s is NULL",
			out ? "info" : "out");
	return to_text(out, sg_bundle_info_to_json(info), err);
}

int signet_error_to_json(char **out, const signet_error *e, signet_error **err)
{
	if (!out || !e)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_error_to_json: %s is NULL", out ? "e" : "out");
	return to_text(out, sg_error_to_json(e), err);
}

/* ---- reading ------------------------------------------------------------ */

typedef struct rd {
	const char *label;
	signet_error **err;
} rd;

/* "<label>: <where>: <rule>", SIGNET_E_STATE_DAMAGED, check bundle.report. */
__attribute__((format(printf, 3, 4)))
static int refuse(const rd *r, const char *where, const char *fmt, ...)
{
	char rule[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rule, sizeof rule, fmt, ap);
	va_end(ap);
	return sg_fail(r->err, &(sg_error_info){ .code = SIGNET_E_STATE_DAMAGED, .path = r->label,
		.check = "bundle.report" }, "%s: %s", where, rule);
}

static int no_memory(const rd *r)
{
	return sg_fail_code(r->err, SIGNET_E_NOMEM, "out of memory reading %s", r->label);
}

static const char *kind_of(json_t *v)
{
	static const char *const names[] = { [JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
		[JSON_STRING] = "a string", [JSON_INTEGER] = "an integer", [JSON_REAL] = "a number",
		[JSON_TRUE] = "a boolean", [JSON_FALSE] = "a boolean", [JSON_NULL] = "null" };
	return v ? names[json_typeof(v)] : "nothing";
}

/* `v` is an object whose keys are exactly `keys` (NULL-terminated). */
static int exact_keys(const rd *r, json_t *v, const char *where, const char *const *keys)
{
	if (!json_is_object(v))
		return refuse(r, where, "expected an object, got %s", kind_of(v));
	size_t n = 0;
	for (; keys[n]; n++)
		if (!json_object_get(v, keys[n]))
			return refuse(r, where, "no \"%s\"", keys[n]);
	if (json_object_size(v) == n)
		return 0;
	const char *key;
	json_t *value;
	json_object_foreach(v, key, value) {
		size_t k = 0;
		while (keys[k] && strcmp(keys[k], key) != 0)
			k++;
		if (!keys[k])
			return refuse(r, where, "unknown key \"%.64s\"", key);
	}
	return refuse(r, where, "the keys are not the schema's"); /* not reached: the sizes differ */
}

/* A copy of the string `v` (`what` names it after `where`), or NULL for null when `nullable`. */
static int text_of(const rd *r, json_t *v, const char *where, const char *what, bool nullable, char **out)
{
	*out = NULL;
	if (nullable && json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return refuse(r, where, "%s%sexpected %s, got %s", what, *what ? ": " : "",
			nullable ? "a string or null" : "a string", kind_of(v));
	/* jansson refuses \u0000 and invalid UTF-8 unless asked to accept them: strlen is the length. */
	if (json_string_length(v) > SG_REPORT_MAX_STRING)
		return refuse(r, where, "%s%s%zu bytes, at most %u", what, *what ? ": " : "", json_string_length(v),
			SG_REPORT_MAX_STRING);
	return (*out = strdup(json_string_value(v))) ? 0 : no_memory(r);
}

/* The member `key` of `obj` as text_of() reads it. */
static int take_text(const rd *r, json_t *obj, const char *where, const char *key, bool nullable, char **out)
{
	char what[40];
	snprintf(what, sizeof what, "\"%s\"", key);
	return text_of(r, json_object_get(obj, key), where, what, nullable, out);
}

/* An integer member from `lo` to `hi`; with `nullable`, null is `absent`. */
static int take_integer(const rd *r, json_t *obj, const char *where, const char *key, long long lo,
	long long hi, bool nullable, long long absent, long long *out)
{
	json_t *v = json_object_get(obj, key);
	if (nullable && json_is_null(v)) {
		*out = absent;
		return 0;
	}
	if (!json_is_integer(v))
		return refuse(r, where, "\"%s\": expected an integer%s, got %s", key, nullable ? " or null" : "",
			kind_of(v));
	json_int_t n = json_integer_value(v);
	if (n < lo || n > hi)
		return refuse(r, where, "\"%s\": %" JSON_INTEGER_FORMAT ", expected %lld to %lld", key, n, lo, hi);
	*out = n;
	return 0;
}

/* The member `key`, an array of at most `max` items. */
static int take_array(const rd *r, json_t *obj, const char *where, const char *key, size_t max,
	json_t **out)
{
	json_t *v = json_object_get(obj, key);
	if (!json_is_array(v))
		return refuse(r, where, "\"%s\": expected an array, got %s", key, kind_of(v));
	if (json_array_size(v) > max)
		return refuse(r, where, "\"%s\": %zu items, at most %zu", key, json_array_size(v), max);
	*out = v;
	return 0;
}

static const char *const error_keys[] = {
	"code", "message", "path", "check", "expected", "actual", "errno", "offset", "index", "column", "cause", NULL
};

static int error_from_json(const rd *r, json_t *v, const char *where, unsigned depth, signet_error **out)
{
	if (depth >= SG_REPORT_MAX_CAUSES)
		return refuse(r, where, "causes nested deeper than %u", SG_REPORT_MAX_CAUSES);
	int rc = exact_keys(r, v, where, error_keys);
	char *code_name = NULL, *message = NULL, *path = NULL, *check = NULL, *expected = NULL, *actual = NULL;
	long long os_errno = 0, offset = -1, index = -1, column = -1;
	int code = 0;
	signet_error *cause = NULL;
	if (!rc)
		rc = take_text(r, v, where, "code", false, &code_name);
	/* A reason is a refusal: a code of the list, never SIGNET_OK. */
	if (!rc && (!sg_code_from_name(code_name, &code) || code == 0))
		rc = refuse(r, where, "\"code\": \"%.64s\" is not the name of an error code", code_name);
	if (!rc)
		rc = take_text(r, v, where, "message", false, &message);
	if (!rc)
		rc = take_text(r, v, where, "path", true, &path);
	if (!rc)
		rc = take_text(r, v, where, "check", true, &check);
	if (!rc)
		rc = take_text(r, v, where, "expected", true, &expected);
	if (!rc)
		rc = take_text(r, v, where, "actual", true, &actual);
	if (!rc)
		rc = take_integer(r, v, where, "errno", 0, 4095, false, 0, &os_errno);
	if (!rc)
		rc = take_integer(r, v, where, "offset", 0, LLONG_MAX, true, -1, &offset);
	if (!rc)
		rc = take_integer(r, v, where, "index", 0, LLONG_MAX, true, -1, &index);
	if (!rc)
		rc = take_integer(r, v, where, "column", 0, LLONG_MAX, true, -1, &column);
	json_t *c = rc ? NULL : json_object_get(v, "cause");
	if (c && !json_is_null(c)) {
		char at[256];
		snprintf(at, sizeof at, "%s.cause", where);
		rc = error_from_json(r, c, at, depth + 1, &cause);
	}
	if (!rc && sg_error_restore(out, &(sg_error_info){ .code = code, .path = path, .check = check,
		.expected = expected, .actual = actual, .os_errno = (int)os_errno, .cause = cause,
		.has_offset = offset >= 0, .offset = offset, .has_index = index >= 0, .index = index,
		.has_column = column >= 0, .column = column }, message) != 0)
		rc = no_memory(r); /* the cause went with it */
	free(code_name);
	free(message);
	free(path);
	free(check);
	free(expected);
	free(actual);
	return rc;
}

int sg_error_from_json(signet_error **out, json_t *v, const char *label, const char *where,
	signet_error **err)
{
	rd r = { label ? label : "report", err };
	return error_from_json(&r, v, where ? where : "error", 0, out);
}

static const char *const info_keys[] = {
	"path", "ok", "identifier", "version", "executable", "principal_class", "host_api", "protocols",
	"libraries", "team", "signing_identifier", "cdhash", "dependencies", "reasons", NULL
};

static const char *const dependency_keys[] = { "needed_by", "name", "path", "kind", NULL };
static const char *const protocol_keys[] = { "name", "version", NULL };

static int read_protocols(const rd *r, json_t *v, signet_bundle_info *info)
{
	json_t *list = NULL;
	int rc = take_array(r, v, "report", "protocols", SG_MANIFEST_MAX_PROTOCOLS, &list);
	size_t n = rc ? 0 : json_array_size(list);
	if (n && (!(info->protocol_names = calloc(n, sizeof *info->protocol_names)) ||
		!(info->protocol_versions = calloc(n, sizeof *info->protocol_versions))))
		return no_memory(r);
	for (size_t i = 0; !rc && i < n; i++, info->nprotocols++) {
		char at[48];
		long long version = 0;
		snprintf(at, sizeof at, "protocols[%zu]", i);
		json_t *p = json_array_get(list, i);
		rc = exact_keys(r, p, at, protocol_keys);
		if (!rc)
			rc = take_text(r, p, at, "name", false, &info->protocol_names[i]);
		if (!rc)
			rc = take_integer(r, p, at, "version", 1, 65535, false, 0, &version);
		info->protocol_versions[i] = (unsigned)version;
	}
	return rc;
}

static int read_libraries(const rd *r, json_t *v, signet_bundle_info *info)
{
	json_t *list = NULL;
	int rc = take_array(r, v, "report", "libraries", SG_MANIFEST_MAX_LIBRARIES, &list);
	size_t n = rc ? 0 : json_array_size(list);
	if (n && !(info->libraries = calloc(n, sizeof *info->libraries)))
		return no_memory(r);
	for (size_t i = 0; !rc && i < n; i++, info->nlibraries++) {
		char at[48];
		snprintf(at, sizeof at, "libraries[%zu]", i);
		rc = text_of(r, json_array_get(list, i), at, "", false, &info->libraries[i]);
	}
	return rc;
}

static int read_dependencies(const rd *r, json_t *v, signet_bundle_info *info)
{
	json_t *list = NULL;
	int rc = take_array(r, v, "report", "dependencies", SG_REPORT_MAX_DEPENDENCIES, &list);
	if (!rc && sg_array_reserve(&info->deps, json_array_size(list)) != 0)
		return no_memory(r);
	for (size_t i = 0; !rc && i < json_array_size(list); i++) {
		char at[48];
		snprintf(at, sizeof at, "dependencies[%zu]", i);
		json_t *d = json_array_get(list, i);
		sg_dependency dep = { 0 };
		char *kind = NULL;
		rc = exact_keys(r, d, at, dependency_keys);
		if (!rc)
			rc = take_text(r, d, at, "needed_by", false, &dep.needed_by);
		if (!rc)
			rc = take_text(r, d, at, "name", false, &dep.name);
		if (!rc)
			rc = take_text(r, d, at, "path", false, &dep.path);
		if (!rc)
			rc = take_text(r, d, at, "kind", false, &kind);
		const sg_dep_kind kinds[] = { SG_DEP_LOADED, SG_DEP_SIGNED, SG_DEP_PLATFORM };
		size_t k = 0;
		while (!rc && k < 3 && strcmp(kind, sg_dep_kind_name(kinds[k])) != 0)
			k++;
		if (!rc && k == 3)
			rc = refuse(r, at, "\"kind\": \"%.32s\", expected loaded, signed or platform", kind);
		free(kind);
		if (!rc) {
			dep.kind = kinds[k];
			info->deps.items[info->deps.n++] = dep;
		} else {
			free(dep.needed_by);
			free(dep.name);
			free(dep.path);
		}
	}
	return rc;
}

static int read_reasons(const rd *r, json_t *v, signet_bundle_info *info)
{
	json_t *list = NULL;
	int rc = take_array(r, v, "report", "reasons", SG_REPORT_MAX_REASONS, &list);
	if (!rc && sg_array_reserve(&info->reasons, json_array_size(list)) != 0)
		return no_memory(r);
	for (size_t i = 0; !rc && i < json_array_size(list); i++) {
		char at[48];
		snprintf(at, sizeof at, "reasons[%zu]", i);
		signet_error *e = NULL;
		rc = error_from_json(r, json_array_get(list, i), at, 0, &e);
		if (!rc)
			info->reasons.items[info->reasons.n++] = e;
	}
	/* "ok" is there for readers; it must say what the reasons say. */
	if (!rc && json_is_true(json_object_get(v, "ok")) != (info->reasons.n == 0))
		rc = refuse(r, "report", "\"ok\" is %s, but there %s", info->reasons.n ? "true" : "false",
			info->reasons.n ? "are reasons" : "is no reason");
	return rc;
}

int sg_bundle_info_from_json(signet_bundle_info **out, json_t *v, const char *label, signet_error **err)
{
	rd r = { label ? label : "report", err };
	int rc = exact_keys(&r, v, "report", info_keys);
	if (!rc && !json_is_boolean(json_object_get(v, "ok")))
		rc = refuse(&r, "report", "\"ok\": expected a boolean, got %s", kind_of(json_object_get(v, "ok")));
	if (rc)
		return rc;
	signet_bundle_info *info = calloc(1, sizeof *info);
	if (!info)
		return no_memory(&r);
	rc = take_text(&r, v, "report", "path", true, &info->path);
	if (!rc)
		rc = take_text(&r, v, "report", "identifier", true, &info->identifier);
	if (!rc)
		rc = take_text(&r, v, "report", "version", true, &info->version);
	if (!rc)
		rc = take_text(&r, v, "report", "executable", true, &info->executable);
	if (!rc)
		rc = take_text(&r, v, "report", "principal_class", true, &info->principal_class);
	if (!rc)
		rc = take_text(&r, v, "report", "host_api", true, &info->host_api);
	if (!rc)
		rc = read_protocols(&r, v, info);
	if (!rc)
		rc = read_libraries(&r, v, info);
	if (!rc)
		rc = take_text(&r, v, "report", "team", true, &info->team);
	if (!rc)
		rc = take_text(&r, v, "report", "signing_identifier", true, &info->signing_identifier);
	if (!rc)
		rc = take_text(&r, v, "report", "cdhash", true, &info->cdhash_hex);
	uint8_t cdhash[32];
	if (!rc && info->cdhash_hex && (strlen(info->cdhash_hex) != 64 ||
		!sg_hex_decode_lower(cdhash, info->cdhash_hex, sizeof cdhash)))
		rc = refuse(&r, "report", "\"cdhash\": expected 64 lowercase hex digits or null");
	if (!rc)
		rc = read_dependencies(&r, v, info);
	if (!rc)
		rc = read_reasons(&r, v, info);
	if (rc) {
		signet_bundle_info_free(info);
		return rc;
	}
	*out = info;
	return 0;
}
