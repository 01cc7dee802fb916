/* SPDX-License-Identifier: MIT */
/* tree.c - walking a bundle directory without following symlinks. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle/manifest.h"
#include "bundle/tree.h"
#include "codesign/format.h"
#include "core/error_internal.h"
#include "core/file.h"
#include "core/sha256.h"

typedef struct walk {
	sg_tree *t;
	signet_error **err;
} walk;

static int invalid(walk *w, const char *entry, const char *why)
{
	return sg_fail(w->err, &(sg_error_info){ .code = SIGNET_E_BUNDLE_INVALID, .path = w->t->root,
		.check = "bundle.layout", .actual = entry }, "%s: %s", entry, why);
}

static int io_error(signet_error **err, const char *root, const char *entry, const char *what)
{
	int e = errno;
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = root, .check = "bundle.read",
		.actual = entry, .os_errno = e }, "%s: %s: %s", entry, what, strerror(e));
}

static int add(walk *w, char *path, sg_tree_kind kind, uint64_t size, char *target)
{
	if (w->t->entries.n == SG_TREE_MAX_ENTRIES) {
		free(path);
		free(target);
		return sg_fail(w->err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = w->t->root,
			.check = "bundle.limit" }, "more than %u entries", SG_TREE_MAX_ENTRIES);
	}
	sg_tree_entry e = { .path = path, .kind = kind, .size = size, .target = target };
	if (sg_array_push(&w->t->entries, e) != 0) {
		free(path);
		free(target);
		return sg_fail_code(w->err, SIGNET_E_NOMEM, "out of memory reading %s", w->t->root);
	}
	return 0;
}

/*
 * A symlink may point anywhere inside the bundle, never out of it. The
 * kernel's resolution is what counts (a `..` after another symlink goes
 * where that symlink leads, which text alone cannot see), so the link is
 * resolved with realpath() and must land under the root. An absolute
 * target is refused outright: it names the host's layout, not the bundle.
 */
static int check_link(walk *w, const char *rel, const char *target)
{
	if (!*target || target[0] == '/')
		return invalid(w, rel, "a symlink with an absolute or empty target leaves the bundle");
	/* The portable alphabet plus '/', so the seal can record it verbatim. */
	if (target[strspn(target, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-/")] ||
	    strlen(target) > SG_MANIFEST_MAX_STRING)
		return invalid(w, rel, "a symlink target outside the portable alphabet, or too long");
	char *full = sg_tree_full_path(w->t, rel);
	if (!full)
		return sg_fail_code(w->err, SIGNET_E_NOMEM, "out of memory reading %s", w->t->root);
	char real[PATH_MAX];
	bool resolved = realpath(full, real) != NULL;
	free(full);
	if (!resolved)
		return invalid(w, rel, "a symlink that points to nothing (or loops)");
	size_t rl = strlen(w->t->root);
	if (strncmp(real, w->t->root, rl) != 0 || (real[rl] != '/' && real[rl] != '\0'))
		return sg_fail(w->err, &(sg_error_info){ .code = SIGNET_E_BUNDLE_INVALID, .path = w->t->root,
			.check = "bundle.symlink", .expected = w->t->root, .actual = real },
			"%s: a symlink that leaves the bundle (to %s)", rel, real);
	return 0;
}

static int read_dir(walk *w, int dirfd, const char *prefix, unsigned depth);

static int visit(walk *w, int dirfd, const char *name, const char *prefix, unsigned depth)
{
	char *rel = NULL;
	if (asprintf(&rel, "%s%s%s", prefix, *prefix ? "/" : "", name) < 0)
		return sg_fail_code(w->err, SIGNET_E_NOMEM, "out of memory reading %s", w->t->root);
	/* One spelling per file: the same alphabet as manifest paths. */
	if (strlen(rel) > SG_MANIFEST_MAX_STRING || !sg_manifest_path_is_safe(rel)) {
		int rc = invalid(w, rel, "a name outside the portable alphabet (A-Z a-z 0-9 . _ - +), or too long");
		free(rel);
		return rc;
	}
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		int rc = io_error(w->err, w->t->root, rel, "cannot stat");
		free(rel);
		return rc;
	}
	if (S_ISREG(st.st_mode))
		return add(w, rel, SG_TREE_FILE, (uint64_t)st.st_size, NULL);
	if (S_ISLNK(st.st_mode)) {
		char buf[PATH_MAX];
		ssize_t n = readlinkat(dirfd, name, buf, sizeof buf - 1);
		if (n < 0) {
			int rc = io_error(w->err, w->t->root, rel, "cannot read the symlink");
			free(rel);
			return rc;
		}
		buf[n] = '\0';
		int rc = check_link(w, rel, buf);
		if (rc) {
			free(rel);
			return rc;
		}
		char *target = strdup(buf);
		if (!target) {
			free(rel);
			return sg_fail_code(w->err, SIGNET_E_NOMEM, "out of memory reading %s", w->t->root);
		}
		return add(w, rel, SG_TREE_LINK, 0, target);
	}
	if (!S_ISDIR(st.st_mode)) {
		int rc = invalid(w, rel, "not a regular file, directory or symlink");
		free(rel);
		return rc;
	}
	if (depth + 1 >= SG_TREE_MAX_DEPTH) {
		int rc = sg_fail(w->err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = w->t->root,
			.check = "bundle.limit", .actual = rel }, "%s: directories nest deeper than %u", rel,
			SG_TREE_MAX_DEPTH);
		free(rel);
		return rc;
	}
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int rc = io_error(w->err, w->t->root, rel, "cannot open the directory");
		free(rel);
		return rc;
	}
	int rc = add(w, rel, SG_TREE_DIR, 0, NULL);
	if (!rc)
		rc = read_dir(w, fd, rel, depth + 1); /* rel now belongs to the tree */
	else
		close(fd);
	return rc;
}

/* Consumes `dirfd`. */
static int read_dir(walk *w, int dirfd, const char *prefix, unsigned depth)
{
	DIR *d = fdopendir(dirfd);
	if (!d) {
		int rc = io_error(w->err, w->t->root, *prefix ? prefix : ".", "cannot list");
		close(dirfd);
		return rc;
	}
	int rc = 0;
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				rc = io_error(w->err, w->t->root, *prefix ? prefix : ".", "cannot list");
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		rc = visit(w, dirfd, de->d_name, prefix, depth);
		if (rc)
			break;
	}
	closedir(d);
	return rc;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const sg_tree_entry *)a)->path, ((const sg_tree_entry *)b)->path);
}

int sg_tree_read(sg_tree *out, const char *path, signet_error **err)
{
	sg_tree t = { .rootfd = -1 };
	walk w = { .t = &t, .err = err };
	char real[PATH_MAX];
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return sg_fail(err, &(sg_error_info){ .code = e == ENOTDIR ? SIGNET_E_BUNDLE_INVALID : SIGNET_E_IO,
			.path = path, .check = "bundle.open", .os_errno = e }, "%s",
			e == ENOTDIR ? "not a directory (a bundle is a directory)" : strerror(e));
	}
	/* The root's real path, from the descriptor itself. */
	char link[64];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, real, sizeof real - 1);
	if (n <= 0) {
		int rc = io_error(err, path, ".", "cannot resolve the bundle directory");
		close(fd);
		return rc;
	}
	real[n] = '\0';
	t.root = strdup(real);
	if (!t.root) {
		close(fd);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading %s", path);
	}
	t.rootfd = fd;
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	int rc = dup_fd < 0 ? io_error(err, t.root, ".", "cannot duplicate a descriptor")
		: read_dir(&w, dup_fd, "", 0);
	if (rc) {
		sg_tree_clear(&t);
		return rc;
	}
	/* An empty directory has no array at all: qsort's pointer must not be NULL, even for 0 items. */
	if (t.entries.n > 1)
		qsort(t.entries.items, t.entries.n, sizeof *t.entries.items, by_path);
	*out = t;
	return 0;
}

void sg_tree_clear(sg_tree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->entries.n; i++) {
		free(t->entries.items[i].path);
		free(t->entries.items[i].target);
	}
	sg_array_clear(&t->entries);
	free(t->root);
	if (t->rootfd >= 0)
		close(t->rootfd);
	*t = (sg_tree){ .rootfd = -1 };
}

static int cmp_key(const void *key, const void *e)
{
	return strcmp(key, ((const sg_tree_entry *)e)->path);
}

const sg_tree_entry *sg_tree_find(const sg_tree *t, const char *path)
{
	return t->entries.n ? bsearch(path, t->entries.items, t->entries.n, sizeof *t->entries.items, cmp_key) : NULL;
}

char *sg_tree_full_path(const sg_tree *t, const char *path)
{
	char *s = NULL;
	if (asprintf(&s, "%s/%s", t->root, path) < 0)
		return NULL;
	return s;
}

int sg_tree_open(int *fd_out, uint64_t *size, const sg_tree *t, const char *path, uint64_t max, signet_error **err)
{
	if (!sg_manifest_path_is_safe(path))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_BUNDLE_INVALID, .path = t->root,
			.check = "bundle.path", .actual = path }, "%s: not a path inside the bundle", path);
	char *copy = strdup(path);
	char *full = sg_tree_full_path(t, path);
	if (!copy || !full) {
		free(copy);
		free(full);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory opening %s", path);
	}
	int dir = t->rootfd, rc = 0;
	char *save = NULL;
	char *part = strtok_r(copy, "/", &save);
	while (part) {
		char *next = strtok_r(NULL, "/", &save);
		/*
		 * Every component without following a symlink: no redirection. The
		 * last is opened as sg_file_open_at() opens anything: nonblocking (a
		 * member swapped for a FIFO must not hang us), then refused unless
		 * it is a regular file within `max`, before a byte is read.
		 */
		int fd = -1;
		if (next) {
			fd = openat(dir, part, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_DIRECTORY);
		} else {
			signet_error *why = NULL;
			rc = sg_file_open_at(&fd, size, dir, part, O_NOFOLLOW, max, full, "bundle.open", &why);
			int oe = rc ? signet_error_os_errno(why) : 0;
			if (oe == ENOENT || oe == ELOOP || oe == ENOTDIR) {
				/* A layout problem, said in the bundle's words below. */
				signet_error_free(why);
				errno = oe;
				rc = 0;
			} else if (rc && err) {
				*err = why;
			} else {
				signet_error_free(why);
			}
		}
		int e = errno;
		if (dir != t->rootfd)
			close(dir);
		if (rc)
			break;
		if (fd < 0) {
			rc = sg_fail(err, &(sg_error_info){ .code = e == ENOENT || e == ELOOP || e == ENOTDIR
					? SIGNET_E_BUNDLE_INVALID : SIGNET_E_IO, .path = t->root, .check = "bundle.open",
				.actual = path, .os_errno = e }, "%s: %s", path,
				e == ENOENT ? "missing" : e == ELOOP || e == ENOTDIR
				? "a symlink or non-directory on the way: bundle files are opened without following symlinks"
				: strerror(e));
			break;
		}
		dir = fd;
		part = next;
	}
	free(copy);
	free(full);
	if (rc)
		return rc;
	*fd_out = dir;
	return 0;
}

int sg_tree_hash(const sg_tree *t, const char *path, uint8_t out[32], signet_error **err)
{
	/* The size limit is checked from fstat() before hashing a byte. */
	int fd = -1;
	int rc = sg_tree_open(&fd, NULL, t, path, SG_MAX_FILE_SIZE, err);
	if (rc)
		return rc;
	rc = sg_sha256_fd(out, fd, SG_MAX_FILE_SIZE);
	if (rc == -2)
		rc = io_error(err, t->root, path, "cannot read");
	else if (rc == -3)
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = t->root, .check = "file.size",
			.actual = path }, "%s: grew past %llu bytes while hashed", path, (unsigned long long)SG_MAX_FILE_SIZE);
	else if (rc)
		rc = sg_fail_code(err, SIGNET_E_INTERNAL, "%s: SHA-256 failed in OpenSSL", path);
	close(fd);
	return rc;
}
