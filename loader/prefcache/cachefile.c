/* SPDX-License-Identifier: MIT */
/*
 * cachefile.c - the preflight cache's key and file (docs/preflight-cache.md,
 * "The file").
 *
 * The file is JSON lines: a header, {"format":1,"mac":"<hex>"}; the index,
 * {"format":1,"policy":...,"host_api":...,"entries":{"<path>":N,...}},
 * whose N is the entry's line among those that follow; then one entry
 * object per line, oldest first. The body is every line after the header.
 * The MAC is HMAC-SHA256 under the user's key over the body's bytes as
 * they are in the file: checking it costs one pass over the bytes before
 * jansson parses any of them, and no canonical form of the JSON is needed,
 * since the bytes are what is authenticated. Opening parses the index
 * alone; an entry is parsed when it is looked up (most of a hit's cost is
 * jansson's), and written back as it was read when it did not change.
 * Both the header and the index carry the format, so that a body cannot be
 * read as another format's.
 *
 * The path may be anything someone put there (a FIFO, a device, a symlink,
 * a huge sparse file): it is opened as core/file.h opens hostile files,
 * nonblocking, not through a symlink, a regular file of this user only,
 * its size checked before a byte is read.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <signet/preflight_cache.h>

#include "core/error_internal.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/statefile.h"
#include "core/text.h"
#include "prefcache/prefcache_internal.h"

/* Longest header line: {"format":N,"mac":"<64 hex>"} and then some. */
#define HEADER_MAX 256u

static int key_refused(signet_error **err, const char *key_path, const char *expected, const char *actual,
	const char *why)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = key_path, .check = "prefcache.key",
		.expected = expected, .actual = actual }, "%s", why);
}

int sg_pc_key_read(uint8_t key[SG_PC_KEY_SIZE], const char *key_path, signet_error **err)
{
	int fd = -1;
	uint64_t size = 0;
	/* A little over 32 bytes may be opened, to say how long a wrong key is; a huge one is refused unread. */
	int rc = sg_file_open_at(&fd, &size, AT_FDCWD, key_path, O_NOFOLLOW, 4096, key_path, "prefcache.key", err);
	if (rc)
		return rc;
	struct stat st;
	char actual[64];
	if (fstat(fd, &st) != 0)
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = key_path, .check = "prefcache.key",
			.os_errno = errno }, "cannot stat: %s", strerror(errno));
	/* Whoever can read the key can forge entries, and whoever can write it, choose it: this user alone. */
	else if (st.st_uid != geteuid() || (st.st_mode & 077)) {
		snprintf(actual, sizeof actual, "owner %u, mode 0%o", (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		rc = key_refused(err, key_path, "a file of this user that only it may read or write", actual,
			"not a key of this user's alone: it is not used");
	} else if (size != SG_PC_KEY_SIZE) {
		snprintf(actual, sizeof actual, "%llu bytes", (unsigned long long)size);
		rc = key_refused(err, key_path, "32 bytes", actual, "not a key: it is not 32 bytes long");
	}
	uint8_t *bytes = NULL;
	size_t len = 0;
	if (!rc)
		rc = sg_file_read_fd(&bytes, &len, fd, SG_PC_KEY_SIZE, key_path, "prefcache.key", err);
	if (!rc && len != SG_PC_KEY_SIZE) /* it shrank since fstat() */
		rc = key_refused(err, key_path, "32 bytes", "fewer", "not a key: it is not 32 bytes long");
	if (!rc)
		memcpy(key, bytes, SG_PC_KEY_SIZE);
	if (bytes)
		OPENSSL_cleanse(bytes, len);
	free(bytes);
	close(fd);
	return rc;
}

int sg_pc_key_ensure(uint8_t key[SG_PC_KEY_SIZE], const char *key_path, signet_error **err)
{
	signet_error *why = NULL;
	if (sg_pc_key_read(key, key_path, &why) == 0)
		return 0;
	bool present = signet_error_os_errno(why) != ENOENT;
	signet_error_free(why);
	why = NULL;
	/*
	 * A bad key is replaced: every file made with it is rebuilt anyway.
	 * unlink() removes a symlink or a FIFO itself, never what it leads to.
	 */
	if (present && unlink(key_path) != 0 && errno != ENOENT)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = key_path, .check = "prefcache.key",
			.os_errno = errno }, "cannot remove the unusable key: %s", strerror(errno));
	uint8_t fresh[SG_PC_KEY_SIZE];
	if (RAND_bytes(fresh, sizeof fresh) != 1) {
		ERR_clear_error();
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INTERNAL, .path = key_path,
			.check = "prefcache.key" }, "OpenSSL's random generator failed");
	}
	const char *slash = strrchr(key_path, '/');
	char *dir = slash ? strndup(key_path, slash == key_path ? 1 : (size_t)(slash - key_path)) : strdup(".");
	int rc = dir ? sg_state_create(key_path, dir, fresh, sizeof fresh, "prefcache.key", "the key", &why)
		: sg_fail_code(&why, SIGNET_E_NOMEM, "out of memory");
	free(dir);
	if (!rc)
		memcpy(key, fresh, sizeof fresh);
	else if (signet_error_os_errno(why) == EEXIST) {
		/* Another process made one first: both use the one in place. */
		signet_error_free(why);
		why = NULL;
		rc = sg_pc_key_read(key, key_path, &why);
	}
	OPENSSL_cleanse(fresh, sizeof fresh);
	if (rc && err)
		*err = why;
	else
		signet_error_free(why);
	return rc;
}

static int mac_of(uint8_t out[SG_PC_MAC_SIZE], const uint8_t key[SG_PC_KEY_SIZE], const void *bytes, size_t len)
{
	size_t n = 0;
	/* OpenSSL's EVP_MAC one-shot: HMAC with SHA-256. */
	unsigned char *r = EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, SG_PC_KEY_SIZE, bytes, len, out,
		SG_PC_MAC_SIZE, &n);
	if (!r || n != SG_PC_MAC_SIZE) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

__attribute__((format(printf, 3, 4)))
static int damaged(signet_error **err, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = sg_fail_v(err, &(sg_error_info){ .code = SIGNET_E_STATE_DAMAGED, .path = path,
		.check = "prefcache.file" }, fmt, ap);
	va_end(ap);
	return rc;
}

/* The header: its format, then (only for this format) its MAC. */
static int read_header(const char *bytes, size_t len, const char *path, uint8_t mac[SG_PC_MAC_SIZE],
	signet_error **err)
{
	json_error_t jerr;
	json_t *h = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, &jerr);
	json_int_t format = 0;
	const char *hex = NULL;
	int rc = 0;
	/* Another version first: its header need not look like this one's. */
	if (!h || !json_is_integer(json_object_get(h, "format")))
		rc = damaged(err, path, "not a preflight cache: the first line is not {\"format\": N, ...}");
	else if ((format = json_integer_value(json_object_get(h, "format"))) != SG_PC_FORMAT)
		rc = damaged(err, path, "format %" JSON_INTEGER_FORMAT ": this Signet reads format %d", format,
			SG_PC_FORMAT);
	else if (json_unpack_ex(h, &jerr, JSON_STRICT, "{s:I, s:s}", "format", &format, "mac", &hex) != 0)
		rc = damaged(err, path, "header: %s", jerr.text);
	else if (strlen(hex) != 2 * SG_PC_MAC_SIZE || !sg_hex_decode_lower(mac, hex, SG_PC_MAC_SIZE))
		rc = damaged(err, path, "header: the MAC is not 64 lowercase hex digits");
	json_decref(h);
	return rc;
}

void sg_pc_lines_clear(sg_pc_lines *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].key);
		if (l->items[i].owned)
			free(l->items[i].text);
	}
	sg_array_clear(l);
}

/* The entry lines after the index: each a non-empty line ending in a newline. */
static int split_lines(sg_pc_lines *lines, char *text, size_t len, const char *path, signet_error **err)
{
	for (size_t at = 0; at < len;) {
		char *nl = memchr(text + at, '\n', len - at);
		if (!nl || nl == text + at)
			return damaged(err, path, "line %zu: %s", lines->n + 3, nl ? "empty" : "no newline at its end");
		size_t n = (size_t)(nl - (text + at));
		if (sg_array_push(lines, ((sg_pc_line){ .text = text + at, .len = n })) != 0)
			return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading %s", path);
		at += n + 1;
	}
	return 0;
}

/* The index's entries: every line named once, by a key of its own. */
static int read_index(json_t *entries, sg_pc_lines *lines, const char *path, signet_error **err)
{
	if (json_object_size(entries) != lines->n)
		return damaged(err, path, "the index names %zu entries, but %zu lines follow", json_object_size(entries),
			lines->n);
	const char *key;
	json_t *v;
	json_object_foreach(entries, key, v) {
		json_int_t i = json_is_integer(v) ? json_integer_value(v) : -1;
		if (i < 0 || (size_t)i >= lines->n || lines->items[i].key)
			return damaged(err, path, "index: the line of \"%.64s\" is not one of its own", key);
		if (!(lines->items[i].key = strdup(key)))
			return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading %s", path);
	}
	return 0;
}

int sg_pc_file_read(uint8_t **bytes_out, sg_pc_lines *lines_out, json_t **index_out, const char *path,
	const char *key_path, const char *policy_hex, const char *host_api, signet_error **err)
{
	int fd = -1;
	signet_error *why = NULL;
	/* O_NOFOLLOW and the checks of core/file.h: no symlink, FIFO, device or huge file is read. */
	int rc = sg_file_open_at(&fd, NULL, AT_FDCWD, path, O_NOFOLLOW, SIGNET_PREFLIGHT_CACHE_MAX_FILE_SIZE, path,
		"prefcache.file", &why);
	if (rc && signet_error_os_errno(why) == ENOENT) {
		signet_error_free(why);
		return SIGNET_E_NOT_FOUND;
	}
	if (rc) {
		if (err)
			*err = why;
		else
			signet_error_free(why);
		return rc;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_uid != geteuid()) {
		char actual[32];
		snprintf(actual, sizeof actual, "owner %u", (unsigned)st.st_uid);
		close(fd);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = "prefcache.file",
			.expected = "a file of this user", .actual = actual }, "not a file of this user: it is not used");
	}
	uint8_t *bytes = NULL;
	size_t len = 0;
	rc = sg_file_read_fd(&bytes, &len, fd, SIGNET_PREFLIGHT_CACHE_MAX_FILE_SIZE, path, "prefcache.file", err);
	close(fd);
	if (rc)
		return rc;
	char *text = (char *)bytes;
	char *nl = memchr(text, '\n', len < HEADER_MAX ? len : HEADER_MAX);
	uint8_t want[SG_PC_MAC_SIZE], key[SG_PC_KEY_SIZE], got[SG_PC_MAC_SIZE];
	rc = nl ? read_header(text, (size_t)(nl - text), path, want, err)
		: damaged(err, path, "not a preflight cache: no header line");
	char *body = nl ? nl + 1 : NULL;
	size_t body_len = nl ? len - (size_t)(body - text) : 0;
	/* The key only now: a file of another format is said to be so, whatever the key. */
	if (!rc)
		rc = sg_pc_key_read(key, key_path, err);
	if (!rc && mac_of(got, key, body, body_len) != 0)
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INTERNAL, .path = path, .check = "prefcache.file" },
			"HMAC-SHA256 failed in OpenSSL");
	OPENSSL_cleanse(key, sizeof key);
	/* Constant time: how much of a MAC matched is nobody's business. */
	if (!rc && CRYPTO_memcmp(got, want, sizeof got) != 0)
		rc = damaged(err, path, "the MAC does not match: the file was made with another key, or changed since");
	/* The index: its line alone is parsed now. */
	char *rest = rc ? NULL : memchr(body, '\n', body_len);
	if (!rc && !rest)
		rc = damaged(err, path, "no index line");
	json_t *b = NULL;
	json_error_t jerr;
	if (!rc && !(b = json_loadb(body, (size_t)(rest - body), JSON_REJECT_DUPLICATES, &jerr)))
		rc = damaged(err, path, "line 2, column %d: %s", jerr.column, jerr.text);
	json_int_t format = 0;
	const char *policy = NULL, *api = NULL;
	json_t *entries = NULL;
	if (!rc && json_unpack_ex(b, &jerr, JSON_STRICT, "{s:I, s:s, s:s, s:o}", "format", &format, "policy",
		&policy, "host_api", &api, "entries", &entries) != 0)
		rc = damaged(err, path, "index: %s", jerr.text);
	else if (!rc && format != SG_PC_FORMAT)
		rc = damaged(err, path, "index: format %" JSON_INTEGER_FORMAT ", but the header says %d", format,
			SG_PC_FORMAT);
	else if (!rc && (strcmp(policy, policy_hex) != 0 || strcmp(api, host_api) != 0))
		rc = damaged(err, path, "made for another policy or host API version");
	else if (!rc && !json_is_object(entries))
		rc = damaged(err, path, "index: \"entries\" is not an object");
	else if (!rc && json_object_size(entries) > SIGNET_PREFLIGHT_CACHE_MAX_ENTRIES)
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "prefcache.file" },
			"%zu entries, at most %d", json_object_size(entries), SIGNET_PREFLIGHT_CACHE_MAX_ENTRIES);
	sg_pc_lines lines = { 0 };
	if (!rc)
		rc = split_lines(&lines, rest + 1, body_len - (size_t)(rest + 1 - body), path, err);
	if (!rc)
		rc = read_index(entries, &lines, path, err);
	if (rc) {
		sg_pc_lines_clear(&lines);
		json_decref(b);
		free(bytes);
		return rc;
	}
	*index_out = json_incref(entries);
	json_decref(b);
	*lines_out = lines;
	*bytes_out = bytes;
	return 0;
}

int sg_pc_file_write(const char *path, const char *dir, const uint8_t key[SG_PC_KEY_SIZE], const char *policy_hex,
	const char *host_api, const sg_pc_line *lines, size_t n, signet_error **err)
{
	/* The index: each live entry's key and its line among the live ones, in order. */
	json_t *entries = json_object();
	size_t live = 0;
	bool ok = entries != NULL;
	for (size_t i = 0; ok && i < n; i++)
		if (lines[i].text)
			ok = json_object_set_new(entries, lines[i].key, json_integer((json_int_t)live++)) == 0;
	json_t *head = ok ? json_pack("{s:i, s:s, s:s, s:o}", "format", SG_PC_FORMAT, "policy", policy_hex, "host_api",
		host_api, "entries", entries) : (json_decref(entries), NULL);
	char *index = head ? json_dumps(head, JSON_COMPACT) : NULL;
	json_decref(head);
	sg_text body = SG_TEXT_INIT(SIZE_MAX);
	if (index) {
		sg_text_puts(&body, index);
		sg_text_puts(&body, "\n");
		for (size_t i = 0; i < n; i++)
			if (lines[i].text) {
				sg_text_put(&body, lines[i].text, lines[i].len);
				sg_text_puts(&body, "\n");
			}
	}
	free(index);
	char *text = index ? sg_text_finish(&body) : NULL;
	sg_text_dispose(&body);
	if (!text)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory writing %s", path);
	size_t text_len = strlen(text);
	uint8_t mac[SG_PC_MAC_SIZE];
	char hex[2 * SG_PC_MAC_SIZE + 1], *all = NULL;
	int rc = 0;
	if (mac_of(mac, key, text, text_len) != 0)
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INTERNAL, .path = path, .check = "prefcache.write" },
			"HMAC-SHA256 failed in OpenSSL");
	if (!rc) {
		sg_hex_encode(hex, mac, sizeof mac, false);
		json_t *h = json_pack("{s:i, s:s}", "format", SG_PC_FORMAT, "mac", hex);
		char *header = h ? json_dumps(h, JSON_COMPACT) : NULL;
		json_decref(h);
		/* Every line came from jansson: JSON_COMPACT never writes a raw newline inside one. */
		if (!header || asprintf(&all, "%s\n%s", header, text) < 0) {
			all = NULL;
			rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory writing %s", path);
		}
		free(header);
	}
	size_t total = all ? strlen(all) : 0;
	/* What is written must be readable: the caller drops entries and tries again. */
	if (!rc && total > SIGNET_PREFLIGHT_CACHE_MAX_FILE_SIZE)
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "prefcache.write" },
			"%zu bytes, at most %u", total, SIGNET_PREFLIGHT_CACHE_MAX_FILE_SIZE);
	if (!rc)
		rc = sg_state_replace(path, dir, all, total, "prefcache.write", "the cache file", err);
	free(text);
	free(all);
	return rc;
}
