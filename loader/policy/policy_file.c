/* SPDX-License-Identifier: MIT */
/*
 * policy_file.c - reading a policy from a JSON file (docs/policy.md).
 *
 * Strict on purpose: the file says what code may run in the process, so a
 * typo must be an error, not a silently ignored field. Size is checked
 * before reading, bytes must be UTF-8 without NUL, keys unique and known,
 * every value of the expected type and form. Everything is checked before
 * anything is applied, and the anchors (the expensive part: they verify the
 * host executable) come last.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "core/error_internal.h"
#include "core/file.h"
#include "core/utf8.h"
#include "policy/entitlements.h"
#include "policy/policy_internal.h"

typedef struct file_ctx {
	const char *path;
	signet_error **err;
} file_ctx;

/* "<file>: <where>: <what>", SIGNET_E_POLICY_INVALID, check policy.file. */
__attribute__((format(printf, 4, 5)))
static int invalid(const file_ctx *c, const char *where, signet_error *cause, const char *fmt, ...)
{
	char what[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	sg_error_info info = { .code = SIGNET_E_POLICY_INVALID, .path = c->path, .check = "policy.file",
		.cause = cause };
	if (cause && signet_error_column(cause) >= 0) {
		info.has_column = true;
		info.column = signet_error_column(cause);
	}
	if (where)
		return sg_fail(c->err, &info, "%s: %s", where, what);
	return sg_fail(c->err, &info, "%s", what);
}

/* A key or value from the file, printable and short, for a message. */
static void quote(char *out, size_t size, const char *s)
{
	size_t i = 0;
	for (; s[i] && i + 4 < size; i++) {
		unsigned char ch = (unsigned char)s[i];
		out[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
	}
	if (s[i]) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

const char *sg_policy_json_type(const json_t *v)
{
	if (!v)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

/* ---- the bytes ---------------------------------------------------------- */

static int check_text(const file_ctx *c, const char *buf, size_t len)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t line = 1, col = 1;
	for (size_t i = 0; i < len;) {
		size_t k = s[i] == 0 ? 0 : sg_utf8_decode(s + i, len - i, NULL);
		if (k == 0) {
			char where[64];
			snprintf(where, sizeof where, "line %zu, column %zu", line, col);
			if (s[i] == 0)
				return invalid(c, where, NULL, "NUL byte: the policy file must be UTF-8 text");
			return invalid(c, where, NULL, "invalid UTF-8 (byte 0x%02x at offset %zu)", s[i], i);
		}
		if (s[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
		i += k;
	}
	return 0;
}

/* ---- the schema --------------------------------------------------------- */

/* What the file asks for, checked, before anything is applied. */
typedef struct wanted {
	const char *anchors;
	const char *tsa_anchors;
	const char *requirement;
	json_t *allow_identifiers, *allow_cdhashes, *deny_cdhashes, *deny_serials;
	json_t *directories, *sonames;
	json_t *uninspectable_uids;
	int allow_no_team; /* -1: not set */
	/* isolation: -1 for a number or boolean not set */
	json_int_t crash_limit, memory_mb, cpu_seconds, call_timeout_ms;
	int accept_weaker;
	json_t *grant, *read_paths;
	json_t *crls, *lists;                    /* revocation.crls, revocation.lists */
	const char *list_signers;                /* revocation.list_signers */
	const char *bundle_file, *bundle_signers; /* trust_bundle.file, trust_bundle.signers */
	int ignore_expired;                      /* revocation.expired_lists: -1 not set */
} wanted;

typedef struct field {
	const char *key;
	json_type type;         /* JSON_TRUE stands for "a boolean" */
} field;

/* Rejects unknown keys of `obj` (at `where`) and values of the wrong type. */
static int check_object(const file_ctx *c, const json_t *obj, const char *where, const field *fields,
	const char *known)
{
	const char *shown = where ? where : "top level";
	if (!json_is_object(obj))
		return invalid(c, shown, NULL, "expected an object, got %s", sg_policy_json_type(obj));
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)(uintptr_t)obj, key, value) {
		const field *f = fields;
		while (f->key && strcmp(f->key, key) != 0)
			f++;
		char k[80];
		quote(k, sizeof k, key);
		if (!f->key)
			return invalid(c, shown, NULL, "unknown key \"%s\" (known keys: %s)", k, known);
		bool ok = f->type == JSON_TRUE ? json_is_boolean(value) : json_typeof(value) == f->type;
		if (!ok) {
			char at[128];
			snprintf(at, sizeof at, "%s%s%s", where ? where : "", where ? "." : "", k);
			const char *want = f->type == JSON_TRUE ? "a boolean" : f->type == JSON_OBJECT ? "an object" :
				f->type == JSON_ARRAY ? "an array" : f->type == JSON_INTEGER ? "an integer" : "a string";
			return invalid(c, at, NULL, "expected %s, got %s", want, sg_policy_json_type(value));
		}
	}
	return 0;
}

/* Every element of `array` (at `where`) a string that `valid` accepts. */
static int check_strings(const file_ctx *c, const json_t *array, const char *where, size_t max,
	bool (*valid)(const char *), const char *rule)
{
	if (json_array_size(array) > max)
		return invalid(c, where, NULL, "at most %zu entries, not %zu", max, json_array_size(array));
	for (size_t i = 0; i < json_array_size(array); i++) {
		const json_t *v = json_array_get(array, i);
		char at[96];
		snprintf(at, sizeof at, "%s[%zu]", where, i);
		if (!json_is_string(v))
			return invalid(c, at, NULL, "expected a string, got %s", sg_policy_json_type(v));
		if (!valid(json_string_value(v))) {
			char q[80];
			quote(q, sizeof q, json_string_value(v));
			return invalid(c, at, NULL, "\"%s\": expected %s", q, rule);
		}
	}
	return 0;
}

/* Every element of `array` a uid: an integer from 0 to 4294967294 ((uid_t)-1 names no user). */
static int check_uids(const file_ctx *c, const json_t *array, const char *where)
{
	if (json_array_size(array) > SIGNET_POLICY_MAX_UIDS)
		return invalid(c, where, NULL, "at most %d entries, not %zu", SIGNET_POLICY_MAX_UIDS,
			json_array_size(array));
	for (size_t i = 0; i < json_array_size(array); i++) {
		const json_t *v = json_array_get(array, i);
		char at[96];
		snprintf(at, sizeof at, "%s[%zu]", where, i);
		if (!json_is_integer(v))
			return invalid(c, at, NULL, "expected a uid (an integer), got %s", sg_policy_json_type(v));
		json_int_t uid = json_integer_value(v);
		if (uid < 0 || uid >= (json_int_t)(uid_t)-1)
			return invalid(c, at, NULL, "%" JSON_INTEGER_FORMAT ": expected a uid from 0 to %lu", uid,
				(unsigned long)((uid_t)-1 - 1));
	}
	return 0;
}

#define RULE_IDENTIFIER "an identifier: 1 to 255 characters of A-Z a-z 0-9 . - _"
#define RULE_HASH "64 hex digits"
#define RULE_SERIAL "1 to 64 hex digits"
#define RULE_DIRECTORY "an absolute path"
#define RULE_SONAME "a file name (no '/', not \".\" or \"..\", at most 255 bytes)"
#define RULE_GRANT "an entitlement Signet defines (" SG_ENTITLEMENT_NAMES ")"
#define RULE_NORMALIZED "an absolute, normalized path (no empty, \".\" or \"..\" component, no trailing '/')"
#define RULE_PATH "a path (not empty, shorter than PATH_MAX bytes)"

/* The integer at `where` (type already checked) within [min, max]; into *out. */
static int check_range(const file_ctx *c, const json_t *v, const char *where, json_int_t min, json_int_t max,
	json_int_t *out)
{
	json_int_t n = json_integer_value(v);
	if (n < min || n > max)
		return invalid(c, where, NULL, "%" JSON_INTEGER_FORMAT ": expected an integer from %" JSON_INTEGER_FORMAT
			" to %" JSON_INTEGER_FORMAT, n, min, max);
	*out = n;
	return 0;
}

static bool valid_grant(const char *s)
{
	return sg_entitlement_bit(s) != 0;
}

/* The "isolation" object: each key is the setter signet_policy_set_isolation_<key>(). */
static int check_isolation(const file_ctx *c, const json_t *o, wanted *w)
{
	static const field isolation[] = { { "crash_limit", JSON_INTEGER }, { "accept_weaker", JSON_TRUE },
		{ "grant", JSON_ARRAY }, { "read_paths", JSON_ARRAY }, { "memory_mb", JSON_INTEGER },
		{ "cpu_seconds", JSON_INTEGER }, { "call_timeout_ms", JSON_INTEGER }, { NULL, 0 } };
	int rc = check_object(c, o, "isolation", isolation,
		"crash_limit, accept_weaker, grant, read_paths, memory_mb, cpu_seconds, call_timeout_ms");
	if (rc != 0)
		return rc;
	static const struct {
		const char *key, *where;
		json_int_t min, max;
		size_t offset; /* of the json_int_t in `wanted` */
	} numbers[] = {
		{ "crash_limit", "isolation.crash_limit", 0, SIGNET_POLICY_MAX_CRASH_LIMIT, offsetof(wanted, crash_limit) },
		{ "memory_mb", "isolation.memory_mb", 1, SIGNET_POLICY_MAX_MEMORY_MB, offsetof(wanted, memory_mb) },
		{ "cpu_seconds", "isolation.cpu_seconds", 1, SIGNET_POLICY_MAX_CPU_SECONDS, offsetof(wanted, cpu_seconds) },
		{ "call_timeout_ms", "isolation.call_timeout_ms", 1, SIGNET_POLICY_MAX_CALL_TIMEOUT_MS,
			offsetof(wanted, call_timeout_ms) },
	};
	for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
		const json_t *v = json_object_get(o, numbers[i].key);
		if (v && (rc = check_range(c, v, numbers[i].where, numbers[i].min, numbers[i].max,
			(json_int_t *)(void *)((char *)w + numbers[i].offset))) != 0)
			return rc;
	}
	const json_t *v = json_object_get(o, "accept_weaker");
	if (v)
		w->accept_weaker = json_is_true(v) ? 1 : 0;
	w->grant = json_object_get(o, "grant");
	if (w->grant && (rc = check_strings(c, w->grant, "isolation.grant", SIGNET_POLICY_MAX_GRANTS, valid_grant,
		RULE_GRANT)) != 0)
		return rc;
	w->read_paths = json_object_get(o, "read_paths");
	if (w->read_paths && (rc = check_strings(c, w->read_paths, "isolation.read_paths", SIGNET_POLICY_MAX_READ_PATHS,
		sg_policy_valid_normalized_directory, RULE_NORMALIZED)) != 0)
		return rc;
	return 0;
}

static bool valid_hash(const char *s)
{
	uint8_t h[SG_POLICY_HASH_SIZE];
	return sg_policy_parse_hash(s, h);
}

static bool valid_serial(const char *s)
{
	char norm[SG_POLICY_MAX_SERIAL_HEX + 1];
	return sg_policy_normalize_serial(s, norm);
}

static bool valid_path(const char *s)
{
	return s[0] != '\0' && strlen(s) < PATH_MAX;
}

/* The "revocation" section (docs/revocation.md): files are read when applied, after the anchors. */
static int check_revocation(const file_ctx *c, const json_t *o, wanted *w)
{
	static const field fields[] = { { "crls", JSON_ARRAY }, { "lists", JSON_ARRAY },
		{ "list_signers", JSON_STRING }, { "expired_lists", JSON_STRING }, { NULL, 0 } };
	int rc = check_object(c, o, "revocation", fields, "crls, lists, list_signers, expired_lists");
	if (rc != 0)
		return rc;
	w->crls = json_object_get(o, "crls");
	w->lists = json_object_get(o, "lists");
	if (w->crls && (rc = check_strings(c, w->crls, "revocation.crls", 256, valid_path, RULE_PATH)) != 0)
		return rc;
	if (w->lists && (rc = check_strings(c, w->lists, "revocation.lists", 64, valid_path, RULE_PATH)) != 0)
		return rc;
	const json_t *v = json_object_get(o, "list_signers");
	if (v && !valid_path((w->list_signers = json_string_value(v))))
		return invalid(c, "revocation.list_signers", NULL, "expected %s", RULE_PATH);
	if (w->lists && json_array_size(w->lists) && !w->list_signers)
		return invalid(c, "revocation.lists", NULL, "needs revocation.list_signers: the anchors that sign lists "
			"(never the code-signing anchors by default, or any team's key could sign one)");
	v = json_object_get(o, "expired_lists");
	if (v) {
		const char *e = json_string_value(v);
		if (strcmp(e, "refuse") != 0 && strcmp(e, "ignore") != 0)
			return invalid(c, "revocation.expired_lists", NULL, "expected \"refuse\" or \"ignore\"");
		w->ignore_expired = strcmp(e, "ignore") == 0;
	}
	return 0;
}

/*
 * The "trust_bundle" section: the bundle brings the anchors, TSA anchors
 * and requirement, so a file that also sets one of them is refused rather
 * than left to an order of application nobody reads.
 */
static int check_trust_bundle(const file_ctx *c, const json_t *root, const json_t *o, wanted *w)
{
	static const field fields[] = { { "file", JSON_STRING }, { "signers", JSON_STRING }, { NULL, 0 } };
	int rc = check_object(c, o, "trust_bundle", fields, "file, signers");
	if (rc != 0)
		return rc;
	const char *names[] = { "file", "signers" };
	const char **into[] = { &w->bundle_file, &w->bundle_signers };
	for (size_t i = 0; i < 2; i++) {
		const json_t *v = json_object_get(o, names[i]);
		char where[32];
		snprintf(where, sizeof where, "trust_bundle.%s", names[i]);
		if (!v)
			return invalid(c, where, NULL, "missing: a trust bundle needs its file and the anchors that sign it");
		if (!valid_path((*into[i] = json_string_value(v))))
			return invalid(c, where, NULL, "expected %s", RULE_PATH);
	}
	static const char *const brought[] = { "anchors", "tsa_anchors", "requirement" };
	for (size_t i = 0; i < 3; i++)
		if (json_object_get(root, brought[i]))
			return invalid(c, brought[i], NULL, "the trust bundle brings the anchors, TSA anchors and "
				"requirement: a policy with \"trust_bundle\" cannot set \"%s\" too", brought[i]);
	return 0;
}

static int check_schema(const file_ctx *c, const json_t *root, wanted *w)
{
	static const field top[] = {
		{ "anchors", JSON_STRING }, { "requirement", JSON_STRING }, { "allow", JSON_OBJECT },
		{ "deny", JSON_OBJECT }, { "platform", JSON_OBJECT }, { "verify", JSON_OBJECT },
		{ "peers", JSON_OBJECT }, { "isolation", JSON_OBJECT }, { "revocation", JSON_OBJECT },
		{ "tsa_anchors", JSON_STRING }, { "trust_bundle", JSON_OBJECT },
		{ NULL, 0 } };
	static const field allow[] = { { "identifiers", JSON_ARRAY }, { "cdhashes", JSON_ARRAY }, { NULL, 0 } };
	static const field deny[] = { { "cdhashes", JSON_ARRAY }, { "serials", JSON_ARRAY }, { NULL, 0 } };
	static const field platform[] = { { "directories", JSON_ARRAY }, { "sonames", JSON_ARRAY }, { NULL, 0 } };
	static const field verify[] = { { "allow_no_team", JSON_TRUE }, { NULL, 0 } };
	static const field peers[] = { { "uninspectable_uids", JSON_ARRAY }, { NULL, 0 } };

	if (!json_is_object(root))
		return invalid(c, "top level", NULL, "expected an object, got %s", sg_policy_json_type(root));
	int rc = check_object(c, root, NULL, top,
		"anchors, requirement, allow, deny, platform, verify, peers, isolation, revocation, tsa_anchors, "
		"trust_bundle");
	if (rc != 0)
		return rc;

	const json_t *v = json_object_get(root, "anchors");
	if (v) {
		w->anchors = json_string_value(v);
		if (!valid_path(w->anchors))
			return invalid(c, "anchors", NULL, "expected a path (not empty, shorter than %d bytes)", PATH_MAX);
	}
	v = json_object_get(root, "tsa_anchors");
	if (v) {
		w->tsa_anchors = json_string_value(v);
		if (!valid_path(w->tsa_anchors))
			return invalid(c, "tsa_anchors", NULL, "expected a path (not empty, shorter than %d bytes)", PATH_MAX);
	}
	v = json_object_get(root, "requirement");
	if (v)
		w->requirement = json_string_value(v);

	/* The three sections of lists: each section's keys, then each list by the rule of its values. */
	static const struct {
		const char *name, *known;
		const field *fields;
	} sections[] = {
		{ "allow", "identifiers, cdhashes", allow },
		{ "deny", "cdhashes, serials", deny },
		{ "platform", "directories, sonames", platform },
	};
	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
		const json_t *o = json_object_get(root, sections[i].name);
		if (o && (rc = check_object(c, o, sections[i].name, sections[i].fields, sections[i].known)) != 0)
			return rc;
	}
	static const struct {
		const char *section, *key, *where;
		size_t max;
		bool (*valid)(const char *);
		const char *rule;
		size_t offset; /* of the json_t * in `wanted` */
	} lists[] = {
		{ "allow", "identifiers", "allow.identifiers", SIGNET_POLICY_MAX_ENTRIES, sg_policy_valid_identifier,
			RULE_IDENTIFIER, offsetof(wanted, allow_identifiers) },
		{ "allow", "cdhashes", "allow.cdhashes", SIGNET_POLICY_MAX_ENTRIES, valid_hash, RULE_HASH,
			offsetof(wanted, allow_cdhashes) },
		{ "deny", "cdhashes", "deny.cdhashes", SIGNET_POLICY_MAX_ENTRIES, valid_hash, RULE_HASH,
			offsetof(wanted, deny_cdhashes) },
		{ "deny", "serials", "deny.serials", SIGNET_POLICY_MAX_ENTRIES, valid_serial, RULE_SERIAL,
			offsetof(wanted, deny_serials) },
		{ "platform", "directories", "platform.directories", SIGNET_POLICY_MAX_DIRECTORIES,
			sg_policy_valid_directory, RULE_DIRECTORY, offsetof(wanted, directories) },
		{ "platform", "sonames", "platform.sonames", SIGNET_POLICY_MAX_SONAMES, sg_policy_valid_soname,
			RULE_SONAME, offsetof(wanted, sonames) },
	};
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		json_t *array = json_object_get(json_object_get(root, lists[i].section), lists[i].key);
		memcpy((char *)w + lists[i].offset, &array, sizeof array);
		if (array && (rc = check_strings(c, array, lists[i].where, lists[i].max, lists[i].valid,
			lists[i].rule)) != 0)
			return rc;
	}
	const json_t *o = json_object_get(root, "verify");
	if (o) {
		if ((rc = check_object(c, o, "verify", verify, "allow_no_team")) != 0)
			return rc;
		v = json_object_get(o, "allow_no_team");
		if (v)
			w->allow_no_team = json_is_true(v) ? 1 : 0;
	}
	o = json_object_get(root, "peers");
	if (o) {
		if ((rc = check_object(c, o, "peers", peers, "uninspectable_uids")) != 0)
			return rc;
		w->uninspectable_uids = json_object_get(o, "uninspectable_uids");
		if (w->uninspectable_uids && (rc = check_uids(c, w->uninspectable_uids, "peers.uninspectable_uids")) != 0)
			return rc;
	}
	o = json_object_get(root, "isolation");
	if (o && (rc = check_isolation(c, o, w)) != 0)
		return rc;
	o = json_object_get(root, "trust_bundle");
	if (o && (rc = check_trust_bundle(c, root, o, w)) != 0)
		return rc;
	o = json_object_get(root, "revocation");
	if (o && (rc = check_revocation(c, o, w)) != 0)
		return rc;
	return 0;
}

/* ---- applying ----------------------------------------------------------- */

/* A setter failed on a checked value: only limits and memory are left. */
static int setter_failed(const file_ctx *c, const char *where, int rc, signet_error *cause)
{
	if (rc == SIGNET_E_NOMEM) {
		signet_error_free(cause);
		return sg_fail_code(c->err, SIGNET_E_NOMEM, "out of memory applying the policy file");
	}
	return invalid(c, where, cause, "%s", cause ? signet_error_message(cause) : "not accepted");
}

static int apply_list(const file_ctx *c, signet_policy *p, const json_t *array, const char *where,
	int (*add)(signet_policy *, const char *, signet_error **))
{
	for (size_t i = 0; i < json_array_size(array); i++) {
		signet_error *e = NULL;
		int rc = add(p, json_string_value(json_array_get(array, i)), &e);
		if (rc != 0) {
			char at[96];
			snprintf(at, sizeof at, "%s[%zu]", where, i);
			return setter_failed(c, at, rc, e);
		}
	}
	return 0;
}

/* The strings of a checked array, as a temporary vector (never NULL for an empty array; NULL: no memory). */
static const char **string_vector(const json_t *array)
{
	size_t n = json_array_size(array);
	const char **v = calloc(n ? n : 1, sizeof *v);
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = json_string_value(json_array_get(array, i));
	return v;
}

/* `rel` against the directory of the policy file (as named). */
static char *resolve(const char *file, const char *rel)
{
	if (rel[0] == '/')
		return strdup(rel);
	const char *slash = strrchr(file, '/');
	char *out = NULL;
	int n;
	if (!slash)
		n = asprintf(&out, "./%s", rel);
	else if (slash == file)
		n = asprintf(&out, "/%s", rel);
	else
		n = asprintf(&out, "%.*s/%s", (int)(slash - file), file, rel);
	return n < 0 ? NULL : out;
}

/* A checked list of strings through a replace-the-list setter. */
static int apply_vector(const file_ctx *c, signet_policy *p, const json_t *array, const char *where,
	int (*set)(signet_policy *, const char *const *, size_t, signet_error **))
{
	const char **v = string_vector(array);
	if (!v)
		return sg_fail_code(c->err, SIGNET_E_NOMEM, "out of memory applying the policy file");
	signet_error *e = NULL;
	int rc = set(p, v, json_array_size(array), &e);
	free(v);
	return rc != 0 ? setter_failed(c, where, rc, e) : 0;
}

static int apply_isolation(const file_ctx *c, signet_policy *p, const wanted *w)
{
	static const struct {
		const char *where;
		size_t offset; /* of the json_int_t in `wanted` */
		int (*set)(signet_policy *, unsigned, signet_error **);
	} numbers[] = {
		{ "isolation.crash_limit", offsetof(wanted, crash_limit), signet_policy_set_isolation_crash_limit },
		{ "isolation.memory_mb", offsetof(wanted, memory_mb), signet_policy_set_isolation_memory_mb },
		{ "isolation.cpu_seconds", offsetof(wanted, cpu_seconds), signet_policy_set_isolation_cpu_seconds },
		{ "isolation.call_timeout_ms", offsetof(wanted, call_timeout_ms),
			signet_policy_set_isolation_call_timeout_ms },
	};
	int rc;
	signet_error *e = NULL;
	for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
		json_int_t n;
		memcpy(&n, (const char *)w + numbers[i].offset, sizeof n);
		/* Checked against the setter's range already: the cast keeps the value. */
		if (n >= 0 && (rc = numbers[i].set(p, (unsigned)n, &e)) != 0)
			return setter_failed(c, numbers[i].where, rc, e);
	}
	if (w->accept_weaker >= 0 &&
	    (rc = signet_policy_set_isolation_accept_weaker(p, w->accept_weaker == 1, &e)) != 0)
		return setter_failed(c, "isolation.accept_weaker", rc, e);
	if (w->grant && (rc = apply_vector(c, p, w->grant, "isolation.grant", signet_policy_set_isolation_grant)) != 0)
		return rc;
	if (w->read_paths && (rc = apply_vector(c, p, w->read_paths, "isolation.read_paths",
		signet_policy_set_isolation_read_paths)) != 0)
		return rc;
	return 0;
}

/* One path of the file, resolved against its directory, through a path setter. */
static int apply_path(const file_ctx *c, signet_policy *p, const char *rel, const char *where,
	int (*set)(signet_policy *, const char *, signet_error **))
{
	char *path = resolve(c->path, rel);
	if (!path)
		return sg_fail_code(c->err, SIGNET_E_NOMEM, "out of memory applying the policy file");
	signet_error *e = NULL;
	int rc = set(p, path, &e);
	free(path);
	if (rc == SIGNET_E_NOMEM)
		return setter_failed(c, where, rc, e);
	if (rc != 0) {
		/* The file's own refusal keeps its code (a rollback is not a typo), under the policy file's name. */
		int code = signet_error_code(e);
		sg_error_info info = { .code = code, .path = c->path, .check = signet_error_check(e), .cause = e };
		return sg_fail(c->err, &info, "%s: %s", where, signet_error_message(e));
	}
	return 0;
}

static int apply_trust_bundle(const file_ctx *c, signet_policy *p, const wanted *w)
{
	char *file = resolve(c->path, w->bundle_file), *signers = resolve(c->path, w->bundle_signers);
	signet_error *e = NULL;
	int rc = file && signers ? signet_policy_set_trust_bundle(p, file, signers, &e)
		: sg_fail_code(&e, SIGNET_E_NOMEM, "out of memory applying the policy file");
	free(file);
	free(signers);
	if (rc == SIGNET_E_NOMEM)
		return setter_failed(c, "trust_bundle", rc, e);
	if (rc != 0) {
		/* The bundle's own refusal keeps its code and check (a rollback is not a typo). */
		sg_error_info info = { .code = rc, .path = c->path, .check = signet_error_check(e), .cause = e };
		return sg_fail(c->err, &info, "trust_bundle: %s", signet_error_message(e));
	}
	return 0;
}

static int apply_revocation(const file_ctx *c, signet_policy *p, const wanted *w)
{
	int rc;
	signet_error *e = NULL;
	if (w->ignore_expired >= 0 &&
	    (rc = signet_policy_set_expired_lists_ignored(p, w->ignore_expired == 1, &e)) != 0)
		return setter_failed(c, "revocation.expired_lists", rc, e);
	if (w->list_signers && (rc = apply_path(c, p, w->list_signers, "revocation.list_signers",
		signet_policy_set_revocation_signers)) != 0)
		return rc;
	for (size_t i = 0; w->lists && i < json_array_size(w->lists); i++) {
		char at[64];
		snprintf(at, sizeof at, "revocation.lists[%zu]", i);
		if ((rc = apply_path(c, p, json_string_value(json_array_get(w->lists, i)), at,
			signet_policy_add_revocation_list)) != 0)
			return rc;
	}
	for (size_t i = 0; w->crls && i < json_array_size(w->crls); i++) {
		char at[64];
		snprintf(at, sizeof at, "revocation.crls[%zu]", i);
		if ((rc = apply_path(c, p, json_string_value(json_array_get(w->crls, i)), at,
			signet_policy_add_crl)) != 0)
			return rc;
	}
	return 0;
}

static int apply(const file_ctx *c, signet_policy *p, const wanted *w)
{
	int rc;
	signet_error *e = NULL;
	if (w->requirement && (rc = signet_policy_set_requirement(p, w->requirement, &e)) != 0) {
		if (rc == SIGNET_E_NOMEM)
			return setter_failed(c, "requirement", rc, e);
		return invalid(c, "requirement", e, "%s", signet_error_message(e));
	}
	if (w->allow_identifiers && (rc = apply_list(c, p, w->allow_identifiers, "allow.identifiers",
		signet_policy_allow_identifier)) != 0)
		return rc;
	if (w->allow_cdhashes && (rc = apply_list(c, p, w->allow_cdhashes, "allow.cdhashes",
		signet_policy_allow_cdhash)) != 0)
		return rc;
	if (w->deny_cdhashes && (rc = apply_list(c, p, w->deny_cdhashes, "deny.cdhashes",
		signet_policy_deny_cdhash)) != 0)
		return rc;
	if (w->deny_serials && (rc = apply_list(c, p, w->deny_serials, "deny.serials",
		signet_policy_deny_serial)) != 0)
		return rc;
	if (w->directories && (rc = apply_vector(c, p, w->directories, "platform.directories",
		signet_policy_set_platform_directories)) != 0)
		return rc;
	/* A present but empty list is a restriction to nothing: apply_vector passes a non-NULL vector even then. */
	if (w->sonames && (rc = apply_vector(c, p, w->sonames, "platform.sonames",
		signet_policy_set_platform_sonames)) != 0)
		return rc;
	if (w->allow_no_team >= 0 && (rc = signet_policy_set_allow_no_team(p, w->allow_no_team == 1, &e)) != 0)
		return setter_failed(c, "verify.allow_no_team", rc, e);
	for (size_t i = 0; w->uninspectable_uids && i < json_array_size(w->uninspectable_uids); i++) {
		uid_t uid = (uid_t)json_integer_value(json_array_get(w->uninspectable_uids, i));
		if ((rc = signet_policy_accept_uninspectable_uid(p, uid, &e)) != 0)
			return setter_failed(c, "peers.uninspectable_uids", rc, e);
	}
	if ((rc = apply_isolation(c, p, w)) != 0)
		return rc;
	if (w->tsa_anchors) {
		char *path = resolve(c->path, w->tsa_anchors);
		if (!path)
			return sg_fail_code(c->err, SIGNET_E_NOMEM, "out of memory applying the policy file");
		rc = signet_policy_set_tsa_anchors(p, path, &e);
		free(path);
		if (rc != 0)
			return rc == SIGNET_E_NOMEM ? setter_failed(c, "tsa_anchors", rc, e)
				: invalid(c, "tsa_anchors", e, "cannot load TSA anchors: %s", signet_error_message(e));
	}
	if (w->anchors) {
		char *path = resolve(c->path, w->anchors);
		if (!path)
			return sg_fail_code(c->err, SIGNET_E_NOMEM, "out of memory applying the policy file");
		rc = signet_policy_set_anchors(p, path, &e);
		if (rc != 0) {
			if (rc == SIGNET_E_NOMEM) {
				free(path);
				return setter_failed(c, "anchors", rc, e);
			}
			/* The cause's message already starts with the anchors path. */
			rc = invalid(c, "anchors", e, "cannot load trust anchors: %s", signet_error_message(e));
		}
		free(path);
		if (rc != 0)
			return rc;
	}
	if (w->bundle_file && (rc = apply_trust_bundle(c, p, w)) != 0)
		return rc;
	/* After the anchors (the file's or the bundle's): a list is verified against them unless it has signers. */
	return apply_revocation(c, p, w);
}

int signet_policy_load(signet_policy **out, const char *path, signet_error **err)
{
	if (!out || !path)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_policy_load: NULL argument");
	file_ctx c = { .path = path, .err = err };
	uint8_t *bytes = NULL;
	size_t len = 0;
	/* Size, type and growth are checked before and while reading (core/file.h). */
	int rc = sg_file_read(&bytes, &len, path, SIGNET_POLICY_MAX_FILE_SIZE, "policy.file", err);
	if (rc != 0)
		return rc;
	char *buf = (char *)bytes;
	if ((rc = check_text(&c, buf, len)) != 0) {
		free(buf);
		return rc;
	}
	json_error_t jerr;
	/* Duplicate keys are refused: which of two "anchors" wins is not a question a policy may leave open. */
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (!root) {
		char where[64];
		snprintf(where, sizeof where, "line %d, column %d", jerr.line, jerr.column);
		return invalid(&c, where, NULL, "not valid JSON: %s", jerr.text);
	}
	rc = sg_policy_from_json(out, root, path, err);
	json_decref(root);
	return rc;
}

int sg_policy_from_json(signet_policy **out, const json_t *root, const char *label, signet_error **err)
{
	file_ctx c = { .path = label, .err = err };
	wanted w = { .allow_no_team = -1, .crash_limit = -1, .memory_mb = -1, .cpu_seconds = -1,
		.call_timeout_ms = -1, .accept_weaker = -1, .ignore_expired = -1 };
	signet_policy *p = NULL;
	int rc = check_schema(&c, root, &w);
	if (rc == 0)
		rc = signet_policy_new(&p, err);
	if (rc == 0)
		rc = apply(&c, p, &w);
	if (rc != 0) {
		signet_policy_free(p);
		return rc;
	}
	*out = p;
	return 0;
}
