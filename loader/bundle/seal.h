/* SPDX-License-Identifier: MIT */
/*
 * seal.h - the resource seal: every file of a bundle, by hash.
 *
 * The seal is a text file at SG_SEAL_PATH inside the bundle. The main
 * executable's CodeDirectory carries its SHA-256 in special slot -2 (and
 * the manifest's in slot -1), so one signature covers the whole bundle.
 * Format (docs/bundle-format.md), one entry per line, sorted bytewise by
 * path, no duplicates, nothing else:
 *
 *   signet-resource-seal 1
 *   D lib
 *   F lib/libfoo.so.1 <64 lowercase hex: SHA-256 of the file>
 *   L lib/libfoo.so libfoo.so.1
 *
 * Every entry of the bundle is listed except manifest.json (slot -1), the
 * seal itself and its directory (slot -2), and the main executable (its
 * own signature). Building hashes the files; verifying compares the seal
 * with the bundle as walked and reports every difference.
 * Pure over its inputs apart from reading files; thread-safe.
 */
#ifndef SIGNET_BUNDLE_SEAL_H
#define SIGNET_BUNDLE_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include <signet/error.h>

#include "bundle/reasons.h"
#include "bundle/tree.h"

#define SG_SEAL_DIR "_signet"
#define SG_SEAL_PATH "_signet/seal"
#define SG_MANIFEST_PATH "manifest.json"
#define SG_SEAL_HEADER "signet-resource-seal 1\n"
#define SG_SEAL_MAX_SIZE (8u * 1024u * 1024u)

/* Is this entry sealed by something other than the resource seal? */
bool sg_seal_excludes(const char *path, const char *executable);

/*
 * Builds the seal text for `t` (whose executable is `executable`): a
 * malloc'd buffer of *len bytes. Errors: those of sg_tree_hash(),
 * SIGNET_E_NOMEM.
 */
int sg_seal_build(const sg_tree *t, const char *executable, char **text, size_t *len, signet_error **err);

/*
 * Compares `len` bytes of seal text (already known to match slot -2) with
 * the tree. Each difference is one reason: SIGNET_E_BUNDLE_UNSEALED for an
 * entry the seal does not list; SIGNET_E_SEAL_MISMATCH for a sealed entry
 * that is missing, changed kind, changed content or changed link target;
 * SIGNET_E_SIGNATURE_MALFORMED for seal text that breaks the format.
 * Returns the first code (0 when they agree).
 */
int sg_seal_verify(const sg_tree *t, const char *executable, const char *text, size_t len, sg_reasons *r);

/*
 * The sealed SHA-256 of `path` (a file entry) in seal text, for binding a
 * bundled library's snapshot to the seal. 0, or SIGNET_E_NOT_FOUND.
 */
int sg_seal_lookup(const char *text, size_t len, const char *path, uint8_t out[32]);

#endif /* SIGNET_BUNDLE_SEAL_H */
