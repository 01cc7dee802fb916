/* SPDX-License-Identifier: MIT */
/*
 * revlist.c - parsing and writing the content of a revocation list
 * (revlist.h, docs/revocation.md "The list").
 *
 * The bytes come from a file anyone may hand a host; the signature around
 * them is checked first, but the parser does not rely on that: it is
 * fuzzed on its own (fuzz/fuzz_revlist.c).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cms/cms.h"
#include "core/error_internal.h"
#include "codesign/codedirectory.h"
#include "policy/policy_internal.h"
#include "policy/revlist.h"

const sg_revlist_kind sg_revlist_kind_list = {
	.format = SG_REVLIST_FORMAT,
	.noun = "revocation list",
	.code = SIGNET_E_REVOCATION_LIST,
	.check = "revocation.list",
	.max_content = SG_REVLIST_MAX_CONTENT,
	.extra_keys = NULL,
	.max_file = (size_t)SG_CMS_MAX_DER + SG_REVLIST_MAX_CONTENT,
	.state_member = "lists",
	.rollback_check = "revocation.rollback",
	.expired_check = "revocation.expired",
};

int sg_revlist_fail(signet_error **err, const sg_revlist_kind *k, int code, const char *label, const char *where,
	const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return sg_fail(err, &(sg_error_info){ .code = code ? code : k->code, .path = label, .check = k->check },
		"%s: %s", where, what);
}

void sg_revlist_free(sg_revlist *l)
{
	if (!l)
		return;
	free(l->name);
	free(l->cdhashes);
	for (size_t i = 0; i < l->n_teams; i++)
		free(l->teams[i]);
	free(l->teams);
	for (size_t i = 0; i < l->n_serials; i++)
		free(l->serials[i]);
	free(l->serials);
	free(l);
}

static int cmp_hash(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* An integer member from min to max. */
static int get_int(long long *out, const json_t *root, const char *key, long long min, long long max,
	const sg_revlist_kind *k, const char *label, signet_error **err)
{
	const json_t *v = json_object_get(root, key);
	if (!v)
		return sg_revlist_fail(err, k, 0, label, key, "missing");
	if (!json_is_integer(v))
		return sg_revlist_fail(err, k, 0, label, key, "expected an integer, got %s",
			sg_policy_json_type(v));
	json_int_t n = json_integer_value(v);
	if (n < min || n > max)
		return sg_revlist_fail(err, k, 0, label, key, "%lld is out of range (%lld to %lld)",
			(long long)n, min, max);
	*out = (long long)n;
	return 0;
}

/* An optional array of strings, each checked and converted by `take`. */
typedef int (*take_fn)(sg_revlist *l, size_t i, const char *s);

static int take_cdhash(sg_revlist *l, size_t i, const char *s)
{
	return sg_policy_parse_hash(s, l->cdhashes[i]) ? 0 : -1;
}

static int take_team(sg_revlist *l, size_t i, const char *s)
{
	if (!sg_team_id_valid(s))
		return -1;
	return (l->teams[i] = strdup(s)) ? 0 : SIGNET_E_NOMEM;
}

static int take_serial(sg_revlist *l, size_t i, const char *s)
{
	char norm[SG_POLICY_MAX_SERIAL_HEX + 1];
	if (!sg_policy_normalize_serial(s, norm))
		return -1;
	return (l->serials[i] = strdup(norm)) ? 0 : SIGNET_E_NOMEM;
}

static int get_array(sg_revlist *l, const json_t *root, const char *key, void **items, size_t *count,
	size_t item_size, take_fn take, const char *rule, const sg_revlist_kind *k, const char *label,
	signet_error **err)
{
	const json_t *a = json_object_get(root, key);
	if (!a)
		return 0;
	if (!json_is_array(a))
		return sg_revlist_fail(err, k, 0, label, key, "expected an array, got %s",
			sg_policy_json_type(a));
	size_t n = json_array_size(a);
	if (n > SG_REVLIST_MAX_ENTRIES)
		return sg_revlist_fail(err, k, SIGNET_E_LIMIT, label, key, "%zu entries (limit %d)", n, SG_REVLIST_MAX_ENTRIES);
	if (n == 0)
		return 0;
	if (!(*items = calloc(n, item_size)))
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading a %s", k->noun);
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(a, i);
		char where[64];
		snprintf(where, sizeof where, "%s[%zu]", key, i);
		if (!json_is_string(v))
			return sg_revlist_fail(err, k, 0, label, where, "expected a string, got %s",
				sg_policy_json_type(v));
		/* Strings with an embedded NUL never reach the checks as something shorter. */
		if (strlen(json_string_value(v)) != json_string_length(v))
			return sg_revlist_fail(err, k, 0, label, where, "holds a NUL character");
		int rc = take(l, i, json_string_value(v));
		*count = i + 1; /* what is filled is freed with the list */
		if (rc == SIGNET_E_NOMEM)
			return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading a %s", k->noun);
		if (rc != 0)
			return sg_revlist_fail(err, k, 0, label, where, "expected %s", rule);
	}
	return 0;
}

/* Sorted for binary search; a duplicate is refused, as it says the writer lost track of something. */
static int sort_unique(void *items, size_t n, size_t size, int (*cmp)(const void *, const void *),
	const char *key, const sg_revlist_kind *k, const char *label, signet_error **err)
{
	if (n < 2)
		return 0;
	qsort(items, n, size, cmp);
	for (size_t i = 1; i < n; i++)
		if (cmp((char *)items + (i - 1) * size, (char *)items + i * size) == 0)
			return sg_revlist_fail(err, k, 0, label, key, "an entry is listed twice");
	return 0;
}

static bool known_key(const char *key, const sg_revlist_kind *k)
{
	static const char *const keys[] = { "format", "name", "sequence", "issued", "expires", "cdhashes", "teams",
		"serials", NULL };
	for (size_t i = 0; keys[i]; i++)
		if (strcmp(keys[i], key) == 0)
			return true;
	for (size_t i = 0; k->extra_keys && k->extra_keys[i]; i++)
		if (strcmp(k->extra_keys[i], key) == 0)
			return true;
	return false;
}

static int parse_root(sg_revlist *l, const json_t *root, const sg_revlist_kind *k, const char *label,
	signet_error **err)
{
	if (!json_is_object(root))
		return sg_revlist_fail(err, k, 0, label, "top level", "expected an object, got %s", sg_policy_json_type(root));
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)(uintptr_t)root, key, value) {
		/* An unknown key is refused: a newer writer's field this reader would ignore may be a revocation. */
		if (!known_key(key, k))
			return sg_revlist_fail(err, k, 0, label, "top level", "unknown key (known keys: format, name, sequence, issued, "
				"expires, cdhashes, teams, serials%s%s)", k->extra_keys ? ", " : "",
				k->extra_keys ? k->extra_text : "");
	}
	const json_t *f = json_object_get(root, "format");
	if (!json_is_string(f) || strcmp(json_string_value(f), k->format) != 0 ||
	    json_string_length(f) != strlen(k->format))
		return sg_revlist_fail(err, k, 0, label, "format", "expected \"%s\"", k->format);
	const json_t *name = json_object_get(root, "name");
	if (!json_is_string(name) || json_string_length(name) != strlen(json_string_value(name)) ||
	    !sg_cd_valid_name(json_string_value(name), SG_REVLIST_MAX_NAME))
		return sg_revlist_fail(err, k, 0, label, "name", "expected 1 to %d characters of A-Z a-z 0-9 . - _",
			SG_REVLIST_MAX_NAME);
	if (!(l->name = strdup(json_string_value(name))))
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading a %s", k->noun);
	int rc;
	if ((rc = get_int(&l->sequence, root, "sequence", 1, SG_REVLIST_MAX_SEQUENCE, k, label, err)) != 0 ||
	    (rc = get_int(&l->issued, root, "issued", 0, SG_REVLIST_MAX_TIME, k, label, err)) != 0 ||
	    (rc = get_int(&l->expires, root, "expires", 0, SG_REVLIST_MAX_TIME, k, label, err)) != 0)
		return rc;
	if (l->expires <= l->issued)
		return sg_revlist_fail(err, k, 0, label, "expires", "%lld is not after issued (%lld)", l->expires, l->issued);
	if ((rc = get_array(l, root, "cdhashes", (void **)&l->cdhashes, &l->n_cdhashes, sizeof *l->cdhashes,
		take_cdhash, "64 hex digits (a SHA-256 cdhash)", k, label, err)) != 0 ||
	    (rc = get_array(l, root, "teams", (void **)&l->teams, &l->n_teams, sizeof *l->teams, take_team,
		"a team ID (1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)", k, label, err)) != 0 ||
	    (rc = get_array(l, root, "serials", (void **)&l->serials, &l->n_serials, sizeof *l->serials,
		take_serial, "a certificate serial in hex (1-64 digits)", k, label, err)) != 0)
		return rc;
	if ((rc = sort_unique(l->cdhashes, l->n_cdhashes, sizeof *l->cdhashes, cmp_hash, "cdhashes", k, label,
		err)) || (rc = sort_unique(l->teams, l->n_teams, sizeof *l->teams, cmp_str, "teams", k, label, err)) ||
	    (rc = sort_unique(l->serials, l->n_serials, sizeof *l->serials, cmp_str, "serials", k, label, err)))
		return rc;
	return 0;
}

int sg_revlist_load_json(json_t **out, const uint8_t *bytes, size_t len, const sg_revlist_kind *k,
	const char *label, signet_error **err)
{
	if (len > k->max_content)
		return sg_revlist_fail(err, k, SIGNET_E_LIMIT, label, "content", "%zu bytes (limit %zu)", len, k->max_content);
	/* jansson refuses invalid UTF-8 and "\u0000" itself; a raw NUL would end its input early. */
	if (len && memchr(bytes, '\0', len))
		return sg_revlist_fail(err, k, 0, label, "content", "a NUL byte: the %s must be JSON text", k->noun);
	json_error_t jerr;
	/* Duplicate keys refused: which of two "sequence" members counts must not be a question. */
	json_t *root = json_loadb((const char *)bytes, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		char where[64];
		snprintf(where, sizeof where, "line %d, column %d", jerr.line, jerr.column);
		return sg_revlist_fail(err, k, 0, label, where, "not valid JSON: %s", jerr.text);
	}
	*out = root;
	return 0;
}

int sg_revlist_from_json(sg_revlist **out, const json_t *root, const sg_revlist_kind *k, const char *label,
	signet_error **err)
{
	sg_revlist *l = calloc(1, sizeof *l);
	int rc = l ? parse_root(l, root, k, label, err)
		: sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading a %s", k->noun);
	if (rc != 0) {
		sg_revlist_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

int sg_revlist_parse(sg_revlist **out, const uint8_t *bytes, size_t len, const char *label,
	signet_error **err)
{
	if (!out || (!bytes && len))
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "sg_revlist_parse: NULL argument");
	json_t *root = NULL;
	int rc = sg_revlist_load_json(&root, bytes, len, &sg_revlist_kind_list, label, err);
	if (rc == 0)
		rc = sg_revlist_from_json(out, root, &sg_revlist_kind_list, label, err);
	json_decref(root);
	return rc;
}

json_t *sg_revlist_to_json(const sg_revlist *l, const char *format)
{
	json_t *doc = json_object(), *cd = json_array(), *teams = json_array(), *serials = json_array();
	bool ok = doc && cd && teams && serials &&
		!json_object_set_new(doc, "format", json_string(format)) &&
		!json_object_set_new(doc, "name", json_string(l->name ? l->name : "")) &&
		!json_object_set_new(doc, "sequence", json_integer(l->sequence)) &&
		!json_object_set_new(doc, "issued", json_integer(l->issued)) &&
		!json_object_set_new(doc, "expires", json_integer(l->expires));
	for (size_t i = 0; ok && i < l->n_cdhashes; i++) {
		char hex[65];
		for (size_t j = 0; j < 32; j++)
			snprintf(hex + 2 * j, 3, "%02x", l->cdhashes[i][j]);
		ok = !json_array_append_new(cd, json_string(hex));
	}
	for (size_t i = 0; ok && i < l->n_teams; i++)
		ok = !json_array_append_new(teams, json_string(l->teams[i]));
	for (size_t i = 0; ok && i < l->n_serials; i++)
		ok = !json_array_append_new(serials, json_string(l->serials[i]));
	ok = ok && !json_object_set(doc, "cdhashes", cd) && !json_object_set(doc, "teams", teams) &&
		!json_object_set(doc, "serials", serials);
	json_decref(cd);
	json_decref(teams);
	json_decref(serials);
	if (!ok) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* The JSON text of `l` as it stands (NULL: out of memory). */
static char *format_doc(const sg_revlist *l)
{
	json_t *doc = sg_revlist_to_json(l, SG_REVLIST_FORMAT);
	char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	return text;
}

int sg_revlist_format(char **out, size_t *len, const sg_revlist *l, signet_error **err)
{
	if (!out || !len || !l)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "sg_revlist_format: NULL argument");
	char *text = format_doc(l);
	if (!text)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory writing a revocation list");
	/*
	 * Through the reader, which also says what is wrong with the values:
	 * the writer must never sign a list hosts would refuse. Then the
	 * reader's sorted, normalized form is what is written.
	 */
	sg_revlist *back = NULL;
	int rc = sg_revlist_parse(&back, (const uint8_t *)text, strlen(text), "the new list", err);
	free(text);
	if (rc != 0)
		return rc;
	text = format_doc(back);
	sg_revlist_free(back);
	if (!text)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory writing a revocation list");
	*len = strlen(text);
	*out = text;
	return 0;
}

bool sg_revlist_has_cdhash(const sg_revlist *l, const uint8_t cdhash[32])
{
	return l->n_cdhashes && bsearch(cdhash, l->cdhashes, l->n_cdhashes, sizeof *l->cdhashes, cmp_hash);
}

bool sg_revlist_has_team(const sg_revlist *l, const char *team)
{
	return team && l->n_teams && bsearch(&team, l->teams, l->n_teams, sizeof *l->teams, cmp_str);
}

bool sg_revlist_has_serial(const sg_revlist *l, const char *serial)
{
	return serial && l->n_serials && bsearch(&serial, l->serials, l->n_serials, sizeof *l->serials, cmp_str);
}
