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

json_t *pc_body(const char *path)
{
	size_t len = 0;
	char *bytes = (char *)sg_read_file(path, &len);
	char *nl = memchr(bytes, '\n', len);
	if (!nl)
		fail("no header line", path);
	json_error_t jerr;
	json_t *body = json_loadb(nl + 1, len - (size_t)(nl + 1 - bytes), 0, &jerr);
	free(bytes);
	if (!body)
		fail(jerr.text, path);
	return body;
}

void pc_write_body(const char *path, const char *key_path, int format, const char *body_text)
{
	size_t klen = 0;
	uint8_t *key = sg_read_file(key_path, &klen);
	char *line = NULL;
	if (asprintf(&line, "%s\n", body_text) < 0)
		abort();
	unsigned char mac[32];
	size_t n = 0;
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, klen, (unsigned char *)line, strlen(line), mac,
		sizeof mac, &n) || n != sizeof mac)
		fail("HMAC failed", key_path);
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	char *all = NULL;
	if (asprintf(&all, "{\"format\":%d,\"mac\":\"%s\"}\n%s", format, hex, line) < 0)
		abort();
	/* A new file renamed into place, as the cache writes: a reader never sees half of it. */
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.forge", path) < 0)
		abort();
	sg_write_file(tmp, all, strlen(all), 0600);
	if (rename(tmp, path) != 0)
		fail("rename failed", path);
	free(tmp);
	free(all);
	free(line);
	free(key);
}

void pc_rewrite(const char *path, void (*edit)(json_t *body, void *payload), void *payload)
{
	json_t *body = pc_body(path);
	edit(body, payload);
	char *text = json_dumps(body, JSON_COMPACT);
	char *key_path = NULL;
	const char *slash = strrchr(path, '/');
	if (!text || !slash || asprintf(&key_path, "%.*s/preflight.key", (int)(slash - path), path) < 0)
		fail("cannot rewrite", path);
	pc_write_body(path, key_path, 1, text);
	free(key_path);
	free(text);
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
