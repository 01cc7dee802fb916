/* SPDX-License-Identifier: MIT */
/*
 * bundle.h - reading a bundle from disk and checking its seals.
 *
 * sg_bundle_open() walks the directory (bundle/tree.h), reads and parses
 * manifest.json (the bytes hashed are the bytes parsed), checks that the
 * executable and every listed library are regular files reached without
 * symlinks, and reads the resource seal. sg_bundle_check_seals() then ties
 * it all to the executable's verified signature: slot -1 must be the
 * manifest's hash, slot -2 the seal's, and the seal must match the bundle.
 * Nothing here runs or maps code. Ownership: the caller's, freed with
 * sg_bundle_close(). Thread-safe over distinct bundles.
 */
#ifndef SIGNET_BUNDLE_BUNDLE_H
#define SIGNET_BUNDLE_BUNDLE_H

#include "core/export.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/signature.h>

#include "bundle/manifest.h"
#include "bundle/reasons.h"
#include "bundle/tree.h"

typedef struct sg_bundle {
	sg_tree tree;
	char *manifest_bytes;
	size_t manifest_len;
	uint8_t manifest_hash[32];
	bool has_manifest;       /* parsed and valid */
	sg_manifest manifest;
	char *seal_bytes;        /* NULL when the bundle has no seal file */
	size_t seal_len;
	uint8_t seal_hash[32];
} sg_bundle;

/*
 * Opens the bundle at `path`. A failure that leaves nothing to check
 * further (not a directory, no valid manifest) returns its code; layout
 * problems with the executable or libraries are added to `r` and returned
 * too, but the bundle stays usable for reporting (has_manifest).
 * Codes: SIGNET_E_BUNDLE_INVALID, SIGNET_E_MANIFEST_INVALID, SIGNET_E_LIMIT,
 * SIGNET_E_IO, SIGNET_E_NOMEM.
 */
SG_PRIVATE int sg_bundle_open(sg_bundle *b, const char *path, sg_reasons *r);
SG_PRIVATE void sg_bundle_close(sg_bundle *b);

/*
 * Checks the manifest and the resource seal against the executable's
 * verified identity (SIGNET_E_BUNDLE_UNSEALED, SIGNET_E_SEAL_MISMATCH,
 * SIGNET_E_SIGNATURE_MALFORMED), every difference a reason.
 */
int sg_bundle_check_seals(const sg_bundle *b, const signet_identity *id, sg_reasons *r);

/*
 * For a file the loader is about to map from inside the bundle: its real
 * path is under the root, so its bytes must be the sealed ones. `bundle`
 * is the sg_bundle; untyped, because this is a transaction's check_mapped
 * hook (load/load_internal.h), which the loader calls without knowing
 * bundles. 0 when `real_path` is outside the bundle or matches;
 * SIGNET_E_SEAL_MISMATCH or SIGNET_E_BUNDLE_UNSEALED otherwise.
 */
int sg_bundle_check_mapped(const void *bundle, const char *real_path, const uint8_t *bytes, size_t len,
	signet_error **err);

#endif /* SIGNET_BUNDLE_BUNDLE_H */
