/* SPDX-License-Identifier: MIT */
/* seal.c - building and checking a bundle's resource seal. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/manifest.h"
#include "bundle/seal.h"
#include "core/error_internal.h"
#include "core/text.h"
#include "core/hex.h"

bool sg_seal_excludes(const char *path, const char *executable)
{
	return !strcmp(path, SG_MANIFEST_PATH) || !strcmp(path, SG_SEAL_DIR) || !strcmp(path, SG_SEAL_PATH) ||
		!strcmp(path, executable);
}

/* ---- building ---- */

/* The seal's text: one line per entry, in the tree's (sorted) order. */
int sg_seal_build(const sg_tree *t, const char *executable, char **out, size_t *len, signet_error **err)
{
	sg_text x = SG_TEXT_INIT(SIZE_MAX);
	sg_text_puts(&x, SG_SEAL_HEADER);
	for (size_t i = 0; i < t->entries.n; i++) {
		const sg_tree_entry *e = &t->entries.items[i];
		if (sg_seal_excludes(e->path, executable))
			continue;
		if (e->kind == SG_TREE_DIR) {
			sg_text_puts(&x, "D ");
			sg_text_puts(&x, e->path);
		} else if (e->kind == SG_TREE_LINK) {
			sg_text_puts(&x, "L ");
			sg_text_puts(&x, e->path);
			sg_text_puts(&x, " ");
			sg_text_puts(&x, e->target);
		} else {
			uint8_t h[32];
			int rc = sg_tree_hash(t, e->path, h, err);
			if (rc) {
				sg_text_dispose(&x);
				return rc;
			}
			sg_text_puts(&x, "F ");
			sg_text_puts(&x, e->path);
			sg_text_puts(&x, " ");
			sg_text_put_hex(&x, h, sizeof h);
		}
		sg_text_puts(&x, "\n");
	}
	size_t n = x.len;
	char *text = sg_text_finish(&x);
	if (!text)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory building the resource seal of %s", t->root);
	*out = text;
	*len = n;
	return 0;
}

/* ---- parsing ---- */

typedef struct seal_line {
	char kind;
	char path[SG_MANIFEST_MAX_STRING + 1];
	char value[SG_MANIFEST_MAX_STRING + 1]; /* hex or target; empty for directories */
} seal_line;

typedef struct reader {
	const char *p, *end;
	size_t line;
} reader;

/* Copies up to the next `stop` into out (at most max bytes); false if absent or too long. */
static bool field(reader *r, char stop, char *out, size_t max)
{
	const char *q = memchr(r->p, stop, (size_t)(r->end - r->p));
	if (!q || q == r->p || (size_t)(q - r->p) > max)
		return false;
	if (memchr(r->p, '\0', (size_t)(q - r->p)) || memchr(r->p, '\n', (size_t)(q - r->p)))
		return false;
	memcpy(out, r->p, (size_t)(q - r->p));
	out[q - r->p] = '\0';
	r->p = q + 1;
	return true;
}

/* One line into *l: 1, 0 at the end, -1 malformed. */
static int next_line(reader *r, seal_line *l)
{
	if (r->p == r->end)
		return 0;
	r->line++;
	if (r->end - r->p < 3 || r->p[1] != ' ')
		return -1;
	l->kind = r->p[0];
	r->p += 2;
	l->value[0] = '\0';
	switch (l->kind) {
	case 'D':
		return field(r, '\n', l->path, SG_MANIFEST_MAX_STRING) && sg_manifest_path_is_safe(l->path) ? 1 : -1;
	case 'F': {
		uint8_t h[32];
		return field(r, ' ', l->path, SG_MANIFEST_MAX_STRING) && sg_manifest_path_is_safe(l->path) &&
			field(r, '\n', l->value, 64) && strlen(l->value) == 64 && sg_hex_decode_lower(h, l->value, 32)
			? 1 : -1;
	}
	case 'L':
		return field(r, ' ', l->path, SG_MANIFEST_MAX_STRING) && sg_manifest_path_is_safe(l->path) &&
			field(r, '\n', l->value, SG_MANIFEST_MAX_STRING) ? 1 : -1;
	default:
		return -1;
	}
}

static int malformed(sg_reasons *r, const sg_tree *t, size_t line, const char *why)
{
	return sg_reasons_fail(r, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_MALFORMED, .path = t->root,
		.check = "bundle.seal", .has_index = true, .index = (long long)line },
		"%s line %zu: %s", SG_SEAL_PATH, line, why);
}

static int differs(sg_reasons *r, const sg_tree *t, int code, const char *path, const char *expected,
	const char *actual, const char *why)
{
	return sg_reasons_fail(r, &(sg_error_info){ .code = code, .path = t->root,
		.check = code == SIGNET_E_BUNDLE_UNSEALED ? "bundle.unsealed" : "bundle.seal",
		.expected = expected, .actual = actual }, "%s: %s", path, why);
}

static const char *kind_name(char k)
{
	return k == 'D' ? "a directory" : k == 'L' ? "a symlink" : "a file";
}

/* Compares one sealed line with the tree entry at the same path. */
static int compare(const sg_tree *t, const seal_line *l, const sg_tree_entry *e, sg_reasons *r)
{
	if ((char)e->kind != l->kind) {
		char why[96];
		snprintf(why, sizeof why, "sealed as %s, now %s", kind_name(l->kind), kind_name((char)e->kind));
		return differs(r, t, SIGNET_E_SEAL_MISMATCH, e->path, kind_name(l->kind), kind_name((char)e->kind), why);
	}
	if (l->kind == 'L' && strcmp(l->value, e->target) != 0)
		return differs(r, t, SIGNET_E_SEAL_MISMATCH, e->path, l->value, e->target, "the symlink's target changed");
	if (l->kind == 'F') {
		uint8_t h[32];
		char hex[65];
		signet_error *why = NULL;
		int rc = sg_tree_hash(t, e->path, h, &why);
		if (rc)
			return sg_reasons_add(r, rc, why);
		sg_hex_encode(hex, h, sizeof h, false);
		if (strcmp(hex, l->value) != 0)
			return differs(r, t, SIGNET_E_SEAL_MISMATCH, e->path, l->value, hex,
				"the file differs from its sealed hash (modified after signing)");
	}
	return 0;
}

/* The first code this call found. */
#define NOTE(x) do { int c_ = (x); if (!rc) rc = c_; } while (0)

int sg_seal_verify(const sg_tree *t, const char *executable, const char *bytes, size_t len, sg_reasons *r)
{
	size_t hl = strlen(SG_SEAL_HEADER);
	if (len < hl || memcmp(bytes, SG_SEAL_HEADER, hl) != 0)
		return malformed(r, t, 1, "not a signet-resource-seal 1 header");
	reader rd = { .p = bytes + hl, .end = bytes + len, .line = 1 };
	seal_line *l = malloc(2 * sizeof *l);
	if (!l)
		return sg_reasons_add(r, SIGNET_E_NOMEM, NULL);
	seal_line *cur = &l[0], *prev = &l[1];
	prev->path[0] = '\0';
	size_t ti = 0, lines = 0;
	int rc = 0;
	for (;;) {
		int got = next_line(&rd, cur);
		if (got < 0) {
			NOTE(malformed(r, t, rd.line, "malformed entry"));
			break;
		}
		if (got && ++lines > SG_TREE_MAX_ENTRIES) {
			NOTE(malformed(r, t, rd.line, "more entries than a bundle may hold"));
			break;
		}
		/* Sorted and unique: one seal per bundle, one line per entry. */
		if (got && prev->path[0] && strcmp(prev->path, cur->path) >= 0) {
			NOTE(malformed(r, t, rd.line, "entries out of order or repeated"));
			break;
		}
		/* Tree entries before this line's path are not in the seal. */
		while (ti < t->entries.n && (!got || strcmp(t->entries.items[ti].path, cur->path) < 0)) {
			const sg_tree_entry *e = &t->entries.items[ti++];
			if (!sg_seal_excludes(e->path, executable))
				NOTE(differs(r, t, SIGNET_E_BUNDLE_UNSEALED, e->path, NULL, e->path,
					"not covered by the resource seal (added after signing?)"));
			if (sg_reasons_done(r))
				goto out;
		}
		if (!got)
			break;
		if (sg_seal_excludes(cur->path, executable)) {
			NOTE(malformed(r, t, rd.line, "seals an entry that is sealed otherwise"));
			break;
		}
		if (ti < t->entries.n && !strcmp(t->entries.items[ti].path, cur->path))
			NOTE(compare(t, cur, &t->entries.items[ti++], r));
		else
			NOTE(differs(r, t, SIGNET_E_SEAL_MISMATCH, cur->path, kind_name(cur->kind), "(missing)",
				"sealed, but missing from the bundle"));
		if (sg_reasons_done(r))
			break;
		seal_line *swap = prev;
		prev = cur;
		cur = swap;
	}
out:
	free(l);
	return rc;
}
#undef NOTE

int sg_seal_lookup(const char *bytes, size_t len, const char *path, uint8_t out[32])
{
	size_t hl = strlen(SG_SEAL_HEADER);
	if (len < hl || memcmp(bytes, SG_SEAL_HEADER, hl) != 0)
		return SIGNET_E_NOT_FOUND;
	reader rd = { .p = bytes + hl, .end = bytes + len };
	seal_line *l = malloc(sizeof *l);
	int rc = SIGNET_E_NOT_FOUND;
	if (!l)
		return SIGNET_E_NOMEM;
	while (next_line(&rd, l) > 0) {
		if (l->kind == 'F' && !strcmp(l->path, path)) {
			sg_hex_decode_lower(out, l->value, 32);
			rc = 0;
			break;
		}
	}
	free(l);
	return rc;
}
