/* SPDX-License-Identifier: MIT */
/* pc_forge.c - a preflight cache file rewritten with a valid MAC (pc_forge.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "harness.h"
#include "pc_forge.h"

static void fail(const char *what, const char *path)
{
	fprintf(stderr, "pc_forge: %s: %s\n", path, what);
	exit(99);
}

static json_t *parse(const char *text, size_t len, const char *path)
{
	json_error_t jerr;
	json_t *v = json_loadb(text, len, 0, &jerr);
	if (!v)
		fail(jerr.text, path);
	return v;
}

json_t *pc_body(const char *path)
{
	size_t len = 0;
	char *bytes = (char *)sg_read_file(path, &len), *end = bytes + len;
	char *line = memchr(bytes, '\n', len);
	char *nl = line ? memchr(line + 1, '\n', (size_t)(end - line - 1)) : NULL;
	if (!nl)
		fail("no index line", path);
	json_t *body = parse(line + 1, (size_t)(nl - line - 1), path), *index = json_object_get(body, "entries");
	/* The entry lines, in order; the index says whose each one is. */
	json_t *lines = json_array();
	for (char *at = nl + 1; at < end;) {
		char *next = memchr(at, '\n', (size_t)(end - at));
		if (!next)
			fail("a line without its newline", path);
		json_array_append_new(lines, parse(at, (size_t)(next - at), path));
		at = next + 1;
	}
	json_t *entries = json_object();
	for (size_t i = 0; i < json_array_size(lines); i++) {
		const char *key;
		json_t *v;
		json_object_foreach(index, key, v)
			if (json_integer_value(v) == (json_int_t)i)
				json_object_set(entries, key, json_array_get(lines, i));
	}
	json_object_set_new(body, "entries", entries);
	json_decref(lines);
	free(bytes);
	return body;
}

static char *mac_hex(const char *key_path, const char *body)
{
	size_t klen = 0;
	uint8_t *key = sg_read_file(key_path, &klen);
	unsigned char mac[32];
	size_t n = 0;
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, klen, (const unsigned char *)body, strlen(body), mac,
		sizeof mac, &n) || n != sizeof mac)
		fail("HMAC failed", key_path);
	free(key);
	char *hex = malloc(65);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	return hex;
}

/* The header and `body` (all the lines after it, each with its newline), renamed into place. */
static void put(const char *path, const char *key_path, int format, const char *body)
{
	char *hex = mac_hex(key_path, body), *all = NULL, *tmp = NULL;
	if (asprintf(&all, "{\"format\":%d,\"mac\":\"%s\"}\n%s", format, hex, body) < 0 ||
		asprintf(&tmp, "%s.forge", path) < 0)
		abort();
	sg_write_file(tmp, all, strlen(all), 0600);
	if (rename(tmp, path) != 0)
		fail("rename failed", path);
	free(tmp);
	free(all);
	free(hex);
}

void pc_write_raw(const char *path, const char *key_path, int format, const char *text)
{
	char *body = NULL;
	if (asprintf(&body, "%s\n", text) < 0)
		abort();
	put(path, key_path, format, body);
	free(body);
}

void pc_write(const char *path, const char *key_path, int format, json_t *body)
{
	json_t *head = json_deep_copy(body), *index = json_object(), *entries = json_object_get(body, "entries");
	const char *key;
	json_t *v;
	size_t i = 0;
	json_object_foreach(entries, key, v)
		json_object_set_new(index, key, json_integer((json_int_t)i++));
	json_object_set_new(head, "entries", index);
	char *text = json_dumps(head, JSON_COMPACT), *all = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&all, &len);
	if (!text || !f)
		abort();
	fprintf(f, "%s\n", text);
	json_object_foreach(entries, key, v) {
		char *line = json_dumps(v, JSON_COMPACT);
		if (!line)
			abort();
		fprintf(f, "%s\n", line);
		free(line);
	}
	if (fclose(f) != 0)
		abort();
	put(path, key_path, format, all);
	free(all);
	free(text);
	json_decref(head);
}

void pc_rewrite(const char *path, void (*edit)(json_t *body, void *payload), void *payload)
{
	json_t *body = pc_body(path);
	edit(body, payload);
	char *key_path = NULL;
	const char *slash = strrchr(path, '/');
	if (!slash || asprintf(&key_path, "%.*s/preflight.key", (int)(slash - path), path) < 0)
		fail("cannot rewrite", path);
	pc_write(path, key_path, 1, body);
	free(key_path);
	json_decref(body);
}

json_t *pc_entry(json_t *body, const char *bundle)
{
	json_t *e = json_object_get(json_object_get(body, "entries"), bundle);
	if (!e)
		fail("no entry for the bundle", bundle);
	return e;
}

void pc_forge_accepted(json_t *body, void *bundle)
{
	json_t *report = json_object_get(pc_entry(body, bundle), "report");
	json_object_set_new(report, "ok", json_true());
	json_object_set_new(report, "reasons", json_array());
}
