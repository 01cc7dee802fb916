/* SPDX-License-Identifier: MIT */
/*
 * identity.c - what a cache entry records of the files its verdict depends
 * on, and whether they are still so: stat() only, never a directory read,
 * never a byte of a file.
 *
 * Why stat() is enough: a file's content cannot change without its mtime
 * and ctime changing, nor its metadata without its ctime; and ctime cannot
 * be set back by anyone but the kernel (root can, by changing the clock).
 * A directory's mtime and ctime change when an entry is added, removed or
 * renamed in it, so the recorded directories prove the set of entries, and
 * the recorded files their contents. The device and inode catch a file or
 * directory replaced by another that happens to agree on the rest.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error_internal.h"
#include "core/sha256.h"
#include "prefcache/prefcache_internal.h"

/* One file's identity as hashed: fixed width, little-endian as this host is. */
typedef struct record {
	uint64_t dev, ino, mode, size;
	int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
} record;

typedef struct hashing {
	uint8_t *buf;
	size_t len, cap;
	long long since_ns;
	bool racy;
} hashing;

static int gone(signet_error **err, const char *path, int e)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOT_FOUND, .path = path, .check = "prefcache.miss",
		.os_errno = e }, "recorded, but cannot be stat()ed now: %s", strerror(e));
}

/* Appends "<name>\0<record>" for the file at `path` (stat()ed with `flags`). */
static int add(hashing *h, const char *name, const char *path, int flags, signet_error **err)
{
	struct stat st;
	if (fstatat(AT_FDCWD, path, &st, flags) != 0)
		return gone(err, path, errno);
	size_t n = strlen(name) + 1;
	if (n > h->cap - h->len || sizeof(record) > h->cap - h->len - n) {
		size_t cap = h->cap ? h->cap * 2 : 2048;
		while (cap - h->len < n + sizeof(record))
			cap *= 2;
		uint8_t *grown = realloc(h->buf, cap);
		if (!grown)
			return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
		h->buf = grown;
		h->cap = cap;
	}
	record r = { .dev = (uint64_t)st.st_dev, .ino = (uint64_t)st.st_ino, .mode = (uint64_t)st.st_mode,
		.size = (uint64_t)st.st_size, .mtime_s = st.st_mtim.tv_sec, .mtime_ns = st.st_mtim.tv_nsec,
		.ctime_s = st.st_ctim.tv_sec, .ctime_ns = st.st_ctim.tv_nsec };
	memcpy(h->buf + h->len, name, n);
	memcpy(h->buf + h->len + n, &r, sizeof r);
	h->len += n + sizeof r;
	/*
	 * Racy (git's word): a file whose ctime is not clearly before the
	 * examination began may have changed after it read the file, within
	 * one tick of the clock, and look the same; its verdict is not kept.
	 */
	if (h->since_ns) {
		long long ctime = (long long)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
		long long slack = st.st_ctim.tv_nsec == 0 ? SG_PC_SLACK_COARSE_NS : SG_PC_SLACK_NS;
		if (ctime >= h->since_ns - slack)
			h->racy = true;
	}
	return 0;
}

int sg_pc_identity(uint8_t digest[32], const sg_pc_files *f, long long since_ns, bool *racy, signet_error **err)
{
	hashing h = { .since_ns = since_ns };
	char path[PATH_MAX];
	int rc = 0;
	for (size_t i = 0; !rc && i < f->nmembers; i++) {
		const char *name = f->members[i];
		/* The root as the walk opened it (its symlinks followed); below it, nothing is followed. */
		int n = *name ? snprintf(path, sizeof path, "%s/%s", f->root, name) : snprintf(path, sizeof path, "%s", f->root);
		rc = n < 0 || (size_t)n >= sizeof path ? gone(err, f->root, ENAMETOOLONG)
			: add(&h, name, path, *name ? AT_SYMLINK_NOFOLLOW : 0, err);
	}
	for (size_t i = 0; !rc && i < f->noutside; i++) {
		/* The file as the loader opens it, and its directory: a new file there is a new candidate. */
		const char *file = f->outside[i], *slash = strrchr(file, '/');
		rc = add(&h, file, file, 0, err);
		if (!rc && slash && slash != file) {
			int n = snprintf(path, sizeof path, "%.*s", (int)(slash - file), file);
			rc = (size_t)n >= sizeof path ? gone(err, file, ENAMETOOLONG) : add(&h, path, path, 0, err);
		}
	}
	if (!rc && sg_sha256(digest, h.buf, h.len) != 0)
		rc = sg_fail_code(err, SIGNET_E_INTERNAL, "SHA-256 failed in OpenSSL");
	free(h.buf);
	if (!rc && racy)
		*racy = h.racy;
	return rc;
}
