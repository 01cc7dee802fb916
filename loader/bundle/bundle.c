/* SPDX-License-Identifier: MIT */
/* bundle.c - a bundle on disk: manifest, layout and seals. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle/bundle.h"
#include "bundle/seal.h"
#include "codesign/identity_internal.h"
#include "core/error_internal.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/sha256.h"

/* Reads a whole regular file of the bundle, at most `max` bytes (refused from fstat() first). */
static int read_small(const sg_tree *t, const char *path, size_t max, char **out, size_t *len, signet_error **err)
{
	int fd = -1;
	int rc = sg_tree_open(&fd, NULL, t, path, max, err);
	if (rc)
		return rc;
	char *full = sg_tree_full_path(t, path);
	uint8_t *bytes = NULL;
	rc = full ? sg_file_read_fd(&bytes, len, fd, max, full, "bundle.read", err)
		: sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading %s", path);
	free(full);
	close(fd);
	if (!rc)
		*out = (char *)bytes;
	return rc;
}

/* A path the manifest names must be a regular file of the bundle, reached without symlinks. */
static int check_file(const sg_bundle *b, const char *field, const char *path, sg_reasons *r)
{
	const sg_tree_entry *e = sg_tree_find(&b->tree, path);
	const char *why = !e ? "names a file the bundle does not have"
		: e->kind == SG_TREE_LINK ? "names a symlink; it must be a regular file"
		: e->kind == SG_TREE_DIR ? "names a directory; it must be a regular file" : NULL;
	if (!why)
		return 0;
	return sg_reasons_fail(r, &(sg_error_info){ .code = SIGNET_E_BUNDLE_INVALID, .path = b->tree.root,
		.check = "bundle.layout", .expected = field, .actual = path }, "%s %s", path, why);
}

int sg_bundle_open(sg_bundle *b, const char *path, sg_reasons *r)
{
	*b = (sg_bundle){ .tree = { .rootfd = -1 } };
	signet_error *e = NULL;
	int rc = sg_tree_read(&b->tree, path, &e);
	if (rc)
		return sg_reasons_add(r, rc, e);
	const sg_tree_entry *m = sg_tree_find(&b->tree, SG_MANIFEST_PATH);
	if (!m || m->kind != SG_TREE_FILE)
		/* CVE-2021-30657: a bundle without its manifest is not a bundle. */
		return sg_reasons_fail(r, &(sg_error_info){ .code = SIGNET_E_BUNDLE_INVALID, .path = b->tree.root,
			.check = "bundle.manifest", .actual = SG_MANIFEST_PATH }, "%s%s", SG_MANIFEST_PATH,
			!m ? " is missing: a bundle without its manifest is refused" : " is not a regular file");
	rc = read_small(&b->tree, SG_MANIFEST_PATH, SG_MANIFEST_MAX_SIZE, &b->manifest_bytes, &b->manifest_len, &e);
	if (!rc && sg_sha256(b->manifest_hash, b->manifest_bytes, b->manifest_len) != 0)
		rc = sg_fail_code(&e, SIGNET_E_INTERNAL, "SHA-256 failed in OpenSSL");
	char *mpath = rc ? NULL : sg_tree_full_path(&b->tree, SG_MANIFEST_PATH);
	/* The bytes hashed (and later compared with slot -1) are the bytes parsed. */
	if (!rc)
		rc = sg_manifest_parse(&b->manifest, b->manifest_bytes, b->manifest_len,
			mpath ? mpath : SG_MANIFEST_PATH, &e);
	free(mpath);
	if (rc)
		return sg_reasons_add(r, rc, e);
	b->has_manifest = true;

	rc = check_file(b, "executable", b->manifest.executable, r);
	for (size_t i = 0; i < b->manifest.nlibraries && !sg_reasons_done(r); i++) {
		int lrc = check_file(b, "libraries", b->manifest.libraries[i], r);
		if (!rc)
			rc = lrc;
	}
	if (sg_reasons_done(r))
		return rc;
	const sg_tree_entry *s = sg_tree_find(&b->tree, SG_SEAL_PATH);
	if (s && s->kind == SG_TREE_FILE) {
		int src = read_small(&b->tree, SG_SEAL_PATH, SG_SEAL_MAX_SIZE, &b->seal_bytes, &b->seal_len, &e);
		if (!src && sg_sha256(b->seal_hash, b->seal_bytes, b->seal_len) != 0)
			src = sg_fail_code(&e, SIGNET_E_INTERNAL, "SHA-256 failed in OpenSSL");
		if (src) {
			sg_reasons_add(r, src, e);
			if (!rc)
				rc = src;
		}
	}
	return rc;
}

void sg_bundle_close(sg_bundle *b)
{
	if (!b)
		return;
	sg_tree_clear(&b->tree);
	free(b->manifest_bytes);
	if (b->has_manifest)
		sg_manifest_clear(&b->manifest);
	free(b->seal_bytes);
	*b = (sg_bundle){ .tree = { .rootfd = -1 } };
}

/* Compares one special slot with the hash of what it seals. */
static int check_slot(const sg_bundle *b, const signet_identity *id, unsigned slot, const char *what,
	const uint8_t *actual, sg_reasons *r)
{
	if (!id->has_special[slot - 1])
		return sg_reasons_fail(r, &(sg_error_info){ .code = SIGNET_E_BUNDLE_UNSEALED, .path = b->tree.root,
			.check = "bundle.unsealed", .actual = b->manifest.executable },
			"%s seals no %s: it was not signed as a bundle (signet sign --bundle)", b->manifest.executable, what);
	if (!actual)
		return sg_reasons_fail(r, &(sg_error_info){ .code = SIGNET_E_SEAL_MISMATCH, .path = b->tree.root,
			.check = "bundle.seal", .actual = SG_SEAL_PATH }, "%s is missing, but the executable seals %s",
			SG_SEAL_PATH, what);
	if (memcmp(id->special[slot - 1], actual, 32) == 0)
		return 0;
	char want[65], got[65];
	sg_hex_encode(want, id->special[slot - 1], 32, false);
	sg_hex_encode(got, actual, 32, false);
	return sg_reasons_fail(r, &(sg_error_info){ .code = SIGNET_E_SEAL_MISMATCH, .path = b->tree.root,
		.check = "bundle.seal", .expected = want, .actual = got },
		"%s differs from the %s the executable's signature seals", slot == SG_SLOT_MANIFEST ? SG_MANIFEST_PATH
		: SG_SEAL_PATH, what);
}

int sg_bundle_check_seals(const sg_bundle *b, const signet_identity *id, sg_reasons *r)
{
	int rc = check_slot(b, id, SG_SLOT_MANIFEST, "manifest", b->manifest_hash, r);
	if (sg_reasons_done(r))
		return rc;
	int src = check_slot(b, id, SG_SLOT_RESOURCES, "resource seal", b->seal_bytes ? b->seal_hash : NULL, r);
	if (!src)
		/* Only now is the seal text known to be the signer's: read it. */
		src = sg_seal_verify(&b->tree, b->manifest.executable, b->seal_bytes, b->seal_len, r);
	return rc ? rc : src;
}

int sg_bundle_check_mapped(const void *bundle, const char *real_path, const uint8_t *bytes, size_t len,
	signet_error **err)
{
	const sg_bundle *b = bundle;
	size_t rl = strlen(b->tree.root);
	if (strncmp(real_path, b->tree.root, rl) != 0 || real_path[rl] != '/')
		return 0;
	const char *rel = real_path + rl + 1;
	if (!strcmp(rel, b->manifest.executable))
		return 0; /* its own signature covers it, and it was verified from this snapshot */
	uint8_t want[32], got[32];
	if (!b->seal_bytes || sg_seal_lookup(b->seal_bytes, b->seal_len, rel, want) != 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_BUNDLE_UNSEALED, .path = real_path,
			.check = "bundle.unsealed" }, "a file inside the bundle that its resource seal does not list");
	if (sg_sha256(got, bytes, len) != 0)
		return sg_fail_code(err, SIGNET_E_INTERNAL, "SHA-256 failed in OpenSSL");
	if (memcmp(want, got, 32) == 0)
		return 0;
	char w[65], g[65];
	sg_hex_encode(w, want, 32, false);
	sg_hex_encode(g, got, 32, false);
	/* The seal was checked earlier; a difference now means it changed in between. */
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SEAL_MISMATCH, .path = real_path,
		.check = "bundle.seal", .expected = w, .actual = g },
		"the bytes mapped differ from the bundle's resource seal (the file changed after it was checked)");
}
