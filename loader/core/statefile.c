/* SPDX-License-Identifier: MIT */
/* statefile.c - per-user state directories and whole-file replacement: see statefile.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "core/statefile.h"

static int io_fail(signet_error **err, const char *path, const char *check, const char *what)
{
	int e = errno;
	return sg_fail(err, &(sg_error_info){ .code = e == ENOMEM ? SIGNET_E_NOMEM : SIGNET_E_IO, .path = path,
		.check = check, .os_errno = e }, "%s: %s", what, strerror(e));
}

int sg_state_xdg_path(char **out, const char *var, const char *home_base, const char *leaf, const char *check,
	const char *what, const char *hint, signet_error **err)
{
	/* secure_getenv(): a setuid host must not be pointed at state someone else chose. */
	const char *base = secure_getenv(var);
	const char *home = secure_getenv("HOME");
	int n;
	if (base && base[0] == '/')
		n = asprintf(out, "%s/%s", base, leaf);
	else if (home && home[0] == '/')
		n = asprintf(out, "%s/%s/%s", home, home_base, leaf);
	else {
		char expected[64];
		snprintf(expected, sizeof expected, "$%s or $HOME, an absolute path", var);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOT_FOUND, .check = check, .expected = expected },
			"no place for %s: neither $%s nor $HOME is set to an absolute path (%s)", what, var, hint);
	}
	if (n < 0) {
		*out = NULL;
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
	}
	return 0;
}

int sg_state_directory(const char *dir, bool create, bool *missing, const char *check, const char *consequence,
	signet_error **err)
{
	if (missing)
		*missing = false;
	if (create) {
		/* mkdir -p, 0700 (the XDG base directory spec's mode for what it creates). */
		char part[PATH_MAX];
		if (snprintf(part, sizeof part, "%s", dir) >= (int)sizeof part)
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = dir, .check = check,
				.os_errno = ENAMETOOLONG }, "path too long");
		for (char *p = part + 1;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char saved = *p;
			*p = '\0';
			if (mkdir(part, 0700) != 0 && errno != EEXIST)
				return io_fail(err, part, check, "cannot create the directory");
			*p = saved;
			if (!saved)
				break;
		}
	}
	struct stat st;
	if (stat(dir, &st) != 0) {
		if (errno == ENOENT && !create && missing) {
			*missing = true;
			return 0;
		}
		return io_fail(err, dir, check, "cannot stat the directory");
	}
	/* Whoever may write the directory may replace what Signet keeps there: only this user. */
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = dir, .check = check,
			.expected = "a directory of this user, not writable by others" },
			"not a directory of this user that only it may write: %s", consequence);
	return 0;
}

/* Writes a temporary file beside `path`, then renames it over `path` (`exclusive`: links it, never replacing). */
static int put_file(const char *path, const char *dir, const void *bytes, size_t len, const char *check,
	const char *what, bool exclusive, signet_error **err)
{
	char *tmp = NULL;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
	/* In the same directory: rename() replaces a file in one step only within one file system. */
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		int rc = io_fail(err, tmp, check, "cannot create a temporary file");
		free(tmp);
		return rc;
	}
	int rc = 0;
	if (fchmod(fd, 0600) != 0)
		rc = io_fail(err, tmp, check, "cannot set its mode");
	const char *p = bytes;
	for (size_t done = 0; !rc && done < len;) {
		ssize_t n = write(fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = io_fail(err, tmp, check, "cannot write");
		else
			done += (size_t)n;
	}
	/* Durable before it is visible: a power cut never leaves an empty file behind the rename. */
	if (!rc && fsync(fd) != 0)
		rc = io_fail(err, tmp, check, "cannot sync");
	if (close(fd) != 0 && !rc)
		rc = io_fail(err, tmp, check, "cannot close");
	if (!rc && (exclusive ? link(tmp, path) : rename(tmp, path)) != 0) {
		int e = errno;
		char why[96];
		snprintf(why, sizeof why, exclusive ? "cannot create %s" : "cannot replace %s", what);
		errno = e;
		rc = io_fail(err, path, check, why);
	}
	if (rc || exclusive)
		unlink(tmp); /* linked: the file is in place under its name */
	free(tmp);
	if (rc)
		return rc;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return io_fail(err, dir, check, "cannot open the directory to sync the rename");
	if (fsync(dfd) != 0)
		rc = io_fail(err, dir, check, "cannot sync the directory");
	close(dfd);
	return rc;
}

int sg_state_lock(int *fd, const char *dir, const char *name, const char *check, signet_error **err)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = dir, .check = check,
			.os_errno = ENAMETOOLONG }, "cannot lock the state: path too long");
	/* O_NOFOLLOW: a link planted in place of the lock file is refused, never followed. */
	int f = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
	if (f < 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = check,
			.os_errno = errno }, "cannot open the state lock: %s", strerror(errno));
	/* O_NONBLOCK kept the open of a FIFO planted there from waiting; it is still not a lock file. */
	struct stat st;
	if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(f);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = check },
			"cannot lock the state: not a regular file");
	}
	int rc;
	do
		rc = flock(f, LOCK_EX);
	while (rc != 0 && errno == EINTR);
	if (rc != 0) {
		int e = errno;
		close(f);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = check,
			.os_errno = e }, "cannot lock the state: %s", strerror(e));
	}
	*fd = f;
	return 0;
}

void sg_state_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* closing the only descriptor releases the flock() */
}

int sg_state_replace(const char *path, const char *dir, const void *bytes, size_t len, const char *check,
	const char *what, signet_error **err)
{
	return put_file(path, dir, bytes, len, check, what, false, err);
}

int sg_state_create(const char *path, const char *dir, const void *bytes, size_t len, const char *check,
	const char *what, signet_error **err)
{
	return put_file(path, dir, bytes, len, check, what, true, err);
}
