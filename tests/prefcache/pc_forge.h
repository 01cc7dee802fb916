/* SPDX-License-Identifier: MIT */
/*
 * pc_forge.h - rewriting a preflight cache file as only its owner could:
 * the entries changed at will, the MAC made again with the user's own key
 * (docs/preflight-cache.md, "The file"). For the tests that show what a
 * forged, odd or expired entry does: the MAC cannot tell them from the
 * real thing, so everything else must. Failures exit 99 (a hard error).
 */
#ifndef SIGNET_TEST_PC_FORGE_H
#define SIGNET_TEST_PC_FORGE_H

#include <jansson.h>

/*
 * The cache file at `path` (header and MAC not checked) as one object:
 * the index line's "format", "policy" and "host_api", and "entries", each
 * bundle's path -> its entry object, oldest first.
 */
json_t *pc_body(const char *path);

/* Writes `body` (as pc_body() gives it) to `path` in the file's lines, under a header of `format` whose MAC is made with the key in `key_path`. */
void pc_write(const char *path, const char *key_path, int format, json_t *body);

/* Writes `text` and a newline as the whole body (everything after the header), MAC and all. */
void pc_write_raw(const char *path, const char *key_path, int format, const char *text);

/* pc_body(), then `edit(body, payload)`, then pc_write() with the key beside it (format 1). */
void pc_rewrite(const char *path, void (*edit)(json_t *body, void *payload), void *payload);

/* entries[bundle] of `body` (exits 99 when there is none). */
json_t *pc_entry(json_t *body, const char *bundle);

/* Makes the entry of `bundle` claim that it would load: "ok": true, no reasons. */
void pc_forge_accepted(json_t *body, void *bundle);

#endif /* SIGNET_TEST_PC_FORGE_H */
