/* SPDX-License-Identifier: MIT */
/* procfs.c - /proc text, parsed strictly and without trusting it: see procfs.h. */
#include "config.h"

#include <string.h>

#include "core/error_internal.h"
#include "process/procfs.h"

/* A cursor over one line (no newline inside). */
typedef struct cursor {
	const char *p, *end;
} cursor;

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* 1 to `max_digits` hex digits; the count bounds the value, so nothing overflows. */
static bool take_hex(cursor *c, unsigned max_digits, uint64_t *out)
{
	uint64_t v = 0;
	unsigned n = 0;
	while (c->p < c->end && hex_digit(*c->p) >= 0) {
		if (++n > max_digits)
			return false;
		v = v << 4 | (uint64_t)hex_digit(*c->p++);
	}
	*out = v;
	return n > 0;
}

/* 1 to 20 decimal digits, refused past UINT64_MAX (checked by division, not after the fact). */
static bool take_decimal(cursor *c, uint64_t *out)
{
	uint64_t v = 0;
	unsigned n = 0;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		unsigned d = (unsigned)(*c->p++ - '0');
		if (++n > 20 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return n > 0;
}

static bool take_char(cursor *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

static bool take_perms(cursor *c, sg_mapping *m)
{
	if (c->end - c->p < 4)
		return false;
	const char *s = c->p;
	if ((s[0] != 'r' && s[0] != '-') || (s[1] != 'w' && s[1] != '-') || (s[2] != 'x' && s[2] != '-') ||
	    (s[3] != 'p' && s[3] != 's'))
		return false;
	m->read = s[0] == 'r';
	m->write = s[1] == 'w';
	m->exec = s[2] == 'x';
	m->shared = s[3] == 's';
	memcpy(m->perms, s, 4);
	m->perms[4] = '\0';
	c->p += 4;
	return true;
}

/* One line, without its newline. NULL on success, else what is wrong. */
static const char *parse_line(const char *line, size_t len, sg_mapping *m)
{
	cursor c = { line, line + len };
	*m = (sg_mapping){ 0 };
	uint64_t major = 0, minor = 0;
	if (memchr(line, '\0', len))
		return "a NUL byte";
	if (!take_hex(&c, 16, &m->start) || !take_char(&c, '-'))
		return "no start address";
	if (!take_hex(&c, 16, &m->end) || !take_char(&c, ' '))
		return "no end address";
	if (!take_perms(&c, m) || !take_char(&c, ' '))
		return "no permissions (rwxp)";
	if (!take_hex(&c, 16, &m->offset) || !take_char(&c, ' '))
		return "no offset";
	if (!take_hex(&c, 8, &major) || !take_char(&c, ':') || !take_hex(&c, 8, &minor) || !take_char(&c, ' '))
		return "no device (major:minor)";
	if (!take_decimal(&c, &m->inode))
		return "no inode";
	m->dev_major = (unsigned)major;
	m->dev_minor = (unsigned)minor;
	if (m->start >= m->end)
		return "the range is empty or reversed";
	/* After the inode: nothing, or spaces and then the path (which never starts with a space). */
	if (c.p < c.end && *c.p != ' ')
		return "junk after the inode";
	while (c.p < c.end && *c.p == ' ')
		c.p++;
	m->path = c.p;
	m->path_len = (size_t)(c.end - c.p);
	return NULL;
}

static int malformed(signet_error **err, const char *name, size_t line, const char *what)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PROCESS_INVALID, .path = name,
		.check = "process.maps", .has_index = true, .index = (long long)line },
		"line %zu: %s: cannot account for every mapping", line, what);
}

int sg_maps_parse(sg_mappings *out, const char *bytes, size_t len, size_t max_mappings, const char *name,
	signet_error **err)
{
	sg_mappings maps = { 0 };
	size_t at = 0, line = 0;
	uint64_t previous_end = 0;
	int rc = 0;
	while (at < len && rc == 0) {
		line++;
		const char *nl = memchr(bytes + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (bytes + at)) : len - at;
		sg_mapping m;
		const char *why = NULL;
		if (n > SG_MAPS_MAX_LINE)
			why = "longer than the longest line the kernel writes";
		else if (!nl)
			why = "no newline at the end: the text was cut short";
		else
			why = parse_line(bytes + at, n, &m);
		/* The kernel lists mappings in address order, never overlapping. */
		if (!why && m.start < previous_end)
			why = "starts before the previous mapping ends";
		if (why)
			rc = malformed(err, name, line, why);
		else if (maps.n >= max_mappings)
			rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = name, .check = "process.maps" },
				"more than %zu mappings: too many to account for", max_mappings);
		else if (sg_array_push(&maps, m) != 0)
			rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading %s", name);
		if (rc == 0)
			previous_end = m.end;
		at += n + 1;
	}
	if (rc != 0) {
		sg_array_clear(&maps);
		return rc;
	}
	*out = maps;
	return 0;
}

bool sg_mapping_path_is(const sg_mapping *m, const char *s)
{
	size_t n = strlen(s);
	return m->path_len == n && memcmp(m->path, s, n) == 0;
}

bool sg_mapping_path_starts(const sg_mapping *m, const char *prefix)
{
	size_t n = strlen(prefix);
	return m->path_len >= n && memcmp(m->path, prefix, n) == 0;
}

/*
 * The value of the one line that starts with `key` (a key ends with ':'),
 * its leading blanks skipped. False when there is none or more than one:
 * a repeated key is not the kernel's text.
 */
static bool field(const char *bytes, size_t len, const char *key, cursor *value)
{
	size_t klen = strlen(key);
	bool found = false;
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(bytes + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (bytes + at)) : len - at;
		if (n >= klen && memcmp(bytes + at, key, klen) == 0) {
			if (found)
				return false;
			found = true;
			*value = (cursor){ bytes + at + klen, bytes + at + n };
			while (value->p < value->end && (*value->p == ' ' || *value->p == '\t'))
				value->p++;
		}
		at += n + 1;
	}
	return found;
}

bool sg_fdinfo_pid(const char *bytes, size_t len, long *pid)
{
	cursor c;
	if (!field(bytes, len, "Pid:", &c))
		return false;
	bool negative = take_char(&c, '-');
	uint64_t v = 0;
	/* pid_max is at most 2^22: anything longer is not a pid. */
	if (!take_decimal(&c, &v) || c.p != c.end || v > (1u << 22) || (negative && v != 1))
		return false;
	*pid = negative ? -1 : (long)v;
	return true;
}

bool sg_status_uid(const char *bytes, size_t len, uid_t *uid)
{
	cursor c;
	uint64_t v = 0;
	if (!field(bytes, len, "Uid:", &c) || !take_decimal(&c, &v) || v >= (uid_t)-1)
		return false;
	/* Then the effective, saved and filesystem uids, tab-separated. */
	if (c.p < c.end && *c.p != '\t' && *c.p != ' ')
		return false;
	*uid = (uid_t)v;
	return true;
}
