/* SPDX-License-Identifier: MIT */
/*
 * tree.h - what a bundle directory holds, read without following symlinks.
 *
 * The walk lists every entry below the bundle root: directories, regular
 * files and symlinks, sorted by relative path (bytewise), with file sizes
 * and link targets. It never descends through a symlink, refuses any other
 * kind of file (FIFO, socket, device), any name outside the portable
 * alphabet of bundle paths (docs/bundle-format.md: one spelling per file),
 * and any symlink whose target is absolute or resolves outside the root.
 * Bounded: at most SG_TREE_MAX_ENTRIES entries, SG_TREE_MAX_DEPTH levels.
 *
 * Files are opened with sg_tree_open(), which walks the path component by
 * component with O_NOFOLLOW from the root descriptor, so a directory
 * swapped for a symlink after the walk cannot redirect the open.
 *
 * Ownership: the caller owns the tree and frees it with sg_tree_clear().
 * Thread-safe over distinct trees.
 */
#ifndef SIGNET_BUNDLE_TREE_H
#define SIGNET_BUNDLE_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/error.h>

#include "core/array.h"

#define SG_TREE_MAX_ENTRIES 4096u
#define SG_TREE_MAX_DEPTH 16u

typedef enum sg_tree_kind {
	SG_TREE_DIR = 'D',
	SG_TREE_FILE = 'F',
	SG_TREE_LINK = 'L'
} sg_tree_kind;

typedef struct sg_tree_entry {
	char *path;        /* relative to the root, '/'-separated */
	sg_tree_kind kind;
	uint64_t size;     /* files */
	char *target;      /* links: the target as written */
} sg_tree_entry;

typedef struct sg_tree {
	int rootfd;        /* O_DIRECTORY, O_CLOEXEC */
	char *root;        /* the root's real path */
	SG_ARRAY(sg_tree_entry) entries; /* sorted by path */
} sg_tree;

/*
 * Walks the directory `path`. Errors: SIGNET_E_BUNDLE_INVALID (not a
 * directory, an entry of another kind, a bad name, a symlink that leaves
 * the bundle or points nowhere; the entry is named), SIGNET_E_LIMIT,
 * SIGNET_E_IO, SIGNET_E_NOMEM.
 */
int sg_tree_read(sg_tree *out, const char *path, signet_error **err);
void sg_tree_clear(sg_tree *t);

/* The entry at `path`, or NULL. */
const sg_tree_entry *sg_tree_find(const sg_tree *t, const char *path);

/*
 * Opens the regular file at relative `path` beneath the root without
 * following any symlink, nonblocking, and refuses it unless it is a regular
 * file of at most `max` bytes (checked before anything is read). *fd gets
 * the descriptor (O_RDONLY, O_CLOEXEC), *size (may be NULL) its size.
 * SIGNET_E_BUNDLE_INVALID (a symlink or non-directory on the way, or
 * missing), SIGNET_E_IO (not a regular file: the bundle changed since the
 * walk), SIGNET_E_LIMIT.
 */
int sg_tree_open(int *fd, uint64_t *size, const sg_tree *t, const char *path, uint64_t max, signet_error **err)
	__attribute__((warn_unused_result));

/* SHA-256 of the regular file at `path` (opened as sg_tree_open() does). */
int sg_tree_hash(const sg_tree *t, const char *path, uint8_t out[32], signet_error **err);

/* "<root>/<path>": for messages and for the loader. NULL on no memory. */
char *sg_tree_full_path(const sg_tree *t, const char *path);

#endif /* SIGNET_BUNDLE_TREE_H */
