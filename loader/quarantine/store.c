/* SPDX-License-Identifier: MIT */
/*
 * store.c - the quarantine store file (docs/quarantine.md): strict JSON
 * parsing of a file anyone with the user's rights may have edited, the
 * text written back, and the lock, temporary file and rename that make
 * concurrent updates lose nothing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "codesign/codedirectory.h"
#include "core/error_internal.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/quote.h"
#include "core/statefile.h"
#include "core/text.h"
#include "core/utf8.h"
#include "quarantine/store.h"

void sg_qentry_clear(sg_qentry *e)
{
	free(e->identifier);
	free(e->team);
	free(e->last_reason);
	memset(e, 0, sizeof *e);
}

void sg_qentries_clear(sg_qentries *entries)
{
	for (size_t i = 0; i < entries->n; i++)
		sg_qentry_clear(&entries->items[i]);
	sg_array_clear(entries);
}

/* ---- parsing ------------------------------------------------------------ */

typedef struct parse_ctx {
	const char *path;
	signet_error **err;
} parse_ctx;

/* "<path>: <where>: <what>", SIGNET_E_STATE_DAMAGED (or `code`), check quarantine.file. */
__attribute__((format(printf, 4, 5)))
static int damaged(const parse_ctx *c, int code, const char *where, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return sg_fail(c->err, &(sg_error_info){ .code = code, .path = c->path, .check = "quarantine.file" },
		"%s: %s", where, what);
}

static const char *type_name(const json_t *v)
{
	if (!v)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

/* Every key of `obj` one of `known` (a NULL-terminated list), each present. */
static int check_keys(const parse_ctx *c, json_t *obj, const char *where, const char *const *known)
{
	const char *key;
	json_t *value;
	json_object_foreach(obj, key, value) {
		size_t i = 0;
		while (known[i] && strcmp(known[i], key) != 0)
			i++;
		if (!known[i]) {
			char q[64];
			sg_quote(q, sizeof q, key, 40);
			return damaged(c, SIGNET_E_STATE_DAMAGED, where, "unknown key \"%s\"", q);
		}
	}
	for (size_t i = 0; known[i]; i++)
		if (!json_object_get(obj, known[i]))
			return damaged(c, SIGNET_E_STATE_DAMAGED, where, "no \"%s\"", known[i]);
	return 0;
}

/* A reason as record_crash() writes it: 1..MAX_REASON bytes, no control character. */
static bool valid_reason(const char *s, size_t len)
{
	if (len == 0 || len > SIGNET_QUARANTINE_MAX_REASON)
		return false;
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t k = sg_utf8_decode(p + i, len - i, &cp);
		if (k == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			return false;
		i += k;
	}
	return true;
}

static int integer_field(const parse_ctx *c, json_t *obj, const char *key, const char *where, long long lo,
	long long hi, long long *out)
{
	json_t *v = json_object_get(obj, key);
	char at[96];
	snprintf(at, sizeof at, "%s.%s", where, key);
	if (!json_is_integer(v))
		return damaged(c, SIGNET_E_STATE_DAMAGED, at, "expected an integer, got %s", type_name(v));
	json_int_t n = json_integer_value(v);
	if (n < lo || n > hi)
		return damaged(c, SIGNET_E_STATE_DAMAGED, at, "%" JSON_INTEGER_FORMAT ": expected %lld to %lld", n,
			lo, hi);
	*out = n;
	return 0;
}

/* A string field checked by `valid`; *out a copy (NULL for null when `nullable`). */
static int string_field(const parse_ctx *c, json_t *obj, const char *key, const char *where, bool nullable,
	bool (*valid)(const char *, size_t), const char *rule, char **out)
{
	json_t *v = json_object_get(obj, key);
	char at[96];
	snprintf(at, sizeof at, "%s.%s", where, key);
	if (nullable && json_is_null(v)) {
		*out = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return damaged(c, SIGNET_E_STATE_DAMAGED, at, "expected %s, got %s", nullable ? "a string or null" :
			"a string", type_name(v));
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	/* jansson rejects \u0000 unless asked (JSON_ALLOW_NUL): strlen is the length. */
	if (!valid(s, len)) {
		char q[300]; /* room for a cdhash and a little more, each byte shown as \xNN at worst */
		sg_quote(q, sizeof q, s, 70);
		return damaged(c, SIGNET_E_STATE_DAMAGED, at, "\"%s\": expected %s", q, rule);
	}
	if (!(*out = strdup(s)))
		return sg_fail_code(c->err, SIGNET_E_NOMEM, "out of memory");
	return 0;
}

static bool valid_identifier(const char *s, size_t len)
{
	return len <= 255 && sg_cd_valid_name(s, 255);
}

static bool valid_team(const char *s, size_t len)
{
	return len <= 64 && sg_cd_valid_name(s, 64);
}

static bool valid_cdhash(const char *s, size_t len)
{
	uint8_t bytes[SIGNET_QUARANTINE_CDHASH_SIZE];
	return len == 2 * sizeof bytes && sg_hex_decode_lower(bytes, s, sizeof bytes);
}

static const char *const entry_keys[] = {
	"cdhash", "identifier", "team", "crashes", "quarantined", "last_crash", "last_reason", NULL
};

static int parse_entry(const parse_ctx *c, json_t *obj, size_t index, sg_qentry *e)
{
	char where[48];
	snprintf(where, sizeof where, "entries[%zu]", index);
	if (!json_is_object(obj))
		return damaged(c, SIGNET_E_STATE_DAMAGED, where, "expected an object, got %s", type_name(obj));
	int rc = check_keys(c, obj, where, entry_keys);
	char *hex = NULL;
	long long crashes = 0;
	if (!rc)
		rc = string_field(c, obj, "cdhash", where, false, valid_cdhash, "64 lowercase hex digits", &hex);
	if (!rc) {
		(void)sg_hex_decode_lower(e->cdhash, hex, sizeof e->cdhash);
		rc = string_field(c, obj, "identifier", where, false, valid_identifier,
			"1 to 255 characters of A-Z a-z 0-9 . - _", &e->identifier);
	}
	if (!rc)
		rc = string_field(c, obj, "team", where, true, valid_team, "1 to 64 characters of A-Z a-z 0-9 . - _",
			&e->team);
	if (!rc)
		rc = integer_field(c, obj, "crashes", where, 1, SIGNET_QUARANTINE_MAX_CRASHES, &crashes);
	if (!rc) {
		e->crashes = (unsigned)crashes;
		json_t *q = json_object_get(obj, "quarantined");
		if (!json_is_boolean(q)) {
			char at[96];
			snprintf(at, sizeof at, "%s.quarantined", where);
			rc = damaged(c, SIGNET_E_STATE_DAMAGED, at, "expected a boolean, got %s", type_name(q));
		} else {
			e->quarantined = json_is_true(q);
		}
	}
	if (!rc)
		rc = integer_field(c, obj, "last_crash", where, 0, SG_QSTORE_MAX_TIME, &e->last_crash);
	if (!rc)
		rc = string_field(c, obj, "last_reason", where, false, valid_reason,
			"1 to 256 bytes of text without control characters", &e->last_reason);
	free(hex);
	return rc;
}

int sg_qstore_parse(sg_qentries *out, const char *bytes, size_t len, const char *path, signet_error **err)
{
	parse_ctx c = { path, err };
	json_error_t jerr;
	/* Duplicate keys are refused: two "crashes" would make the count a guess. */
	json_t *root = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_STATE_DAMAGED, .path = path,
			.check = "quarantine.file", .has_column = true, .column = jerr.column },
			"not JSON: line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
	static const char *const top_keys[] = { "version", "entries", NULL };
	int rc = 0;
	long long version = 0;
	if (!json_is_object(root))
		rc = damaged(&c, SIGNET_E_STATE_DAMAGED, "top level", "expected an object, got %s", type_name(root));
	if (!rc)
		rc = check_keys(&c, root, "top level", top_keys);
	if (!rc)
		rc = integer_field(&c, root, "version", "top level", LLONG_MIN, LLONG_MAX, &version);
	/* Another version is not guessed at: it may count or mean things differently. */
	if (!rc && version != SG_QSTORE_VERSION)
		rc = damaged(&c, SIGNET_E_STATE_DAMAGED, "version", "%lld: this Signet reads version %d", version,
			SG_QSTORE_VERSION);
	json_t *list = rc ? NULL : json_object_get(root, "entries");
	if (!rc && !json_is_array(list))
		rc = damaged(&c, SIGNET_E_STATE_DAMAGED, "entries", "expected an array, got %s", type_name(list));
	if (!rc && json_array_size(list) > SIGNET_QUARANTINE_MAX_ENTRIES)
		rc = damaged(&c, SIGNET_E_LIMIT, "entries", "%zu entries, at most %d", json_array_size(list),
			SIGNET_QUARANTINE_MAX_ENTRIES);
	sg_qentries got = { 0 };
	if (!rc && sg_array_reserve(&got, json_array_size(list)) != 0)
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
	for (size_t i = 0; !rc && i < json_array_size(list); i++) {
		sg_qentry e = { 0 };
		rc = parse_entry(&c, json_array_get(list, i), i, &e);
		/* One record per cdhash: two would make the count and the verdict a guess. */
		for (size_t j = 0; !rc && j < got.n; j++)
			if (memcmp(got.items[j].cdhash, e.cdhash, sizeof e.cdhash) == 0) {
				char where[48], hex[2 * SIGNET_QUARANTINE_CDHASH_SIZE + 1];
				snprintf(where, sizeof where, "entries[%zu].cdhash", i);
				sg_hex_encode(hex, e.cdhash, sizeof e.cdhash, false);
				rc = damaged(&c, SIGNET_E_STATE_DAMAGED, where, "%s is also entries[%zu]", hex, j);
			}
		if (rc) {
			sg_qentry_clear(&e);
			break;
		}
		got.items[got.n++] = e;
	}
	json_decref(root);
	if (rc) {
		sg_qentries_clear(&got);
		return rc;
	}
	*out = got;
	return 0;
}

/* ---- formatting --------------------------------------------------------- */

size_t sg_qentries_drop_one(sg_qentries *entries, size_t keep)
{
	size_t victim = SIZE_MAX;
	for (int pass = 0; pass < 2 && victim == SIZE_MAX; pass++)
		for (size_t i = 0; i < entries->n; i++) {
			const sg_qentry *e = &entries->items[i];
			/* First pass spares quarantines: dropping one would let its build load again. */
			if (i == keep || (pass == 0 && e->quarantined))
				continue;
			if (victim == SIZE_MAX || e->last_crash < entries->items[victim].last_crash)
				victim = i;
		}
	if (victim == SIZE_MAX)
		return SIZE_MAX;
	sg_qentry_clear(&entries->items[victim]);
	memmove(&entries->items[victim], &entries->items[victim + 1],
		(entries->n - victim - 1) * sizeof entries->items[0]);
	entries->n--;
	return victim;
}

/* One entry as a JSON line (no newline), malloc'd; NULL when memory runs out. */
static char *entry_line(const sg_qentry *e)
{
	char hex[2 * SIGNET_QUARANTINE_CDHASH_SIZE + 1];
	sg_hex_encode(hex, e->cdhash, sizeof e->cdhash, false);
	json_t *obj = json_pack("{s:s, s:s, s:o, s:I, s:b, s:I, s:s}", "cdhash", hex, "identifier", e->identifier,
		"team", e->team ? json_string(e->team) : json_null(), "crashes", (json_int_t)e->crashes,
		"quarantined", e->quarantined, "last_crash", (json_int_t)e->last_crash, "last_reason", e->last_reason);
	if (!obj)
		return NULL;
	char *line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	return line;
}

static const char header[] = "{\"version\":1,\"entries\":[\n";
static const char footer[] = "]}\n";

int sg_qstore_format(char **text_out, size_t *len_out, sg_qentries *entries, size_t keep, signet_error **err)
{
	SG_ARRAY(char *) lines = { 0 };
	int rc = sg_array_reserve(&lines, entries->n);
	size_t total = sizeof header - 1 + sizeof footer - 1;
	for (size_t i = 0; !rc && i < entries->n; i++) {
		char *line = entry_line(&entries->items[i]);
		if (!line)
			rc = SIGNET_E_NOMEM;
		else
			lines.items[lines.n++] = line;
		total += line ? strlen(line) + 2 : 0; /* ",\n" or "\n" */
	}
	/* What is written must be readable: past the size cap, the oldest crashes go. */
	while (!rc && total > SIGNET_QUARANTINE_MAX_FILE_SIZE) {
		size_t gone = sg_qentries_drop_one(entries, keep);
		if (gone == SIZE_MAX)
			break; /* cannot happen: one entry always fits, its strings being bounded */
		if (keep != SIZE_MAX && gone < keep)
			keep--;
		total -= strlen(lines.items[gone]) + 2;
		free(lines.items[gone]);
		memmove(&lines.items[gone], &lines.items[gone + 1], (lines.n - gone - 1) * sizeof lines.items[0]);
		lines.n--;
	}
	sg_text t = SG_TEXT_INIT(SIZE_MAX);
	if (!rc) {
		sg_text_puts(&t, header);
		for (size_t i = 0; i < lines.n; i++) {
			sg_text_puts(&t, lines.items[i]);
			sg_text_puts(&t, i + 1 < lines.n ? ",\n" : "\n");
		}
		sg_text_puts(&t, footer);
	}
	for (size_t i = 0; i < lines.n; i++)
		free(lines.items[i]);
	sg_array_clear(&lines);
	char *text = rc ? NULL : sg_text_finish(&t);
	sg_text_dispose(&t);
	if (!text)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
	*len_out = strlen(text);
	*text_out = text;
	return 0;
}

/* ---- files -------------------------------------------------------------- */

static int io_fail(signet_error **err, const char *path, const char *check, const char *what)
{
	int e = errno;
	return sg_fail(err, &(sg_error_info){ .code = e == ENOMEM ? SIGNET_E_NOMEM : SIGNET_E_IO, .path = path,
		.check = check, .os_errno = e }, "%s: %s", what, strerror(e));
}

int sg_qstore_directory(const char *dir, bool create, bool *missing, signet_error **err)
{
	/* Whoever may write the directory may replace the store: free a quarantined build, or quarantine this user's plugins. */
	return sg_state_directory(dir, create, missing, "quarantine.directory",
		"the quarantine store there cannot be trusted", err);
}

/*
 * The reason of `why` plus what it means and how to repair, under the same
 * code and check; `why` is consumed.
 */
static int with_repair(signet_error **err, signet_error *why, const char *path, const char *repair)
{
	if (!err) {
		int code = signet_error_code(why);
		signet_error_free(why);
		return code;
	}
	if (signet_error_code(why) == SIGNET_E_NOMEM) {
		*err = why;
		return SIGNET_E_NOMEM;
	}
	return sg_fail(err, &(sg_error_info){ .code = signet_error_code(why), .path = path,
		.check = signet_error_check(why), .expected = signet_error_expected(why),
		.actual = signet_error_actual(why), .os_errno = signet_error_os_errno(why), .cause = why },
		"%s; isolated guests are refused until %s", sg_error_reason(why), repair);
}

#define REPAIR "the quarantine store is repaired (signet-host quarantine clear --all rewrites it)"

int sg_qstore_read(sg_qentries *out, const char *path, const char *dir, signet_error **err)
{
	signet_error *why = NULL;
	bool missing = false;
	int rc = sg_qstore_directory(dir, false, &missing, &why);
	if (rc)
		return with_repair(err, why, dir, "only this user may write it");
	if (missing) {
		*out = (sg_qentries){ 0 };
		return 0;
	}
	int fd = -1;
	/* O_NOFOLLOW: the store is never read through a symlink someone planted. */
	rc = sg_file_open_at(&fd, NULL, AT_FDCWD, path, O_NOFOLLOW, SIGNET_QUARANTINE_MAX_FILE_SIZE, path,
		"quarantine.file", &why);
	if (rc && signet_error_os_errno(why) == ENOENT) {
		signet_error_free(why);
		*out = (sg_qentries){ 0 }; /* nothing recorded yet */
		return 0;
	}
	if (rc)
		return with_repair(err, why, path, REPAIR);
	uint8_t *buf = NULL;
	size_t len = 0;
	rc = sg_file_read_fd(&buf, &len, fd, SIGNET_QUARANTINE_MAX_FILE_SIZE, path, "quarantine.file", &why);
	close(fd);
	if (!rc)
		rc = sg_qstore_parse(out, (const char *)buf, len, path, &why);
	free(buf);
	return rc ? with_repair(err, why, path, REPAIR) : 0;
}

int sg_qstore_lock(int *fd_out, const char *lock_path, signet_error **err)
{
	/* O_NOFOLLOW and a regular file: a planted symlink or FIFO is not written through or waited on. */
	int fd = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);
	if (fd < 0)
		return io_fail(err, lock_path, "quarantine.lock", "cannot open the lock file");
	int rc = sg_file_check(fd, NULL, UINT64_MAX, lock_path, "quarantine.lock", err);
	if (rc) {
		close(fd);
		return rc;
	}
	/*
	 * Blocks while another process updates: updates take milliseconds, and
	 * only this user can hold the lock longer (who may as well delete the
	 * store). The lock goes with its holder's descriptor, even on a crash.
	 */
	while (flock(fd, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		rc = io_fail(err, lock_path, "quarantine.lock", "cannot lock");
		close(fd);
		return rc;
	}
	*fd_out = fd;
	return 0;
}

void sg_qstore_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

int sg_qstore_write(const char *path, const char *dir, const char *text, size_t len, signet_error **err)
{
	return sg_state_replace(path, dir, text, len, "quarantine.write", "the store", err);
}
