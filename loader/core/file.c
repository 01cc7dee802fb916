/* SPDX-License-Identifier: MIT */
/* file.c - opening and reading files that may be anything: see file.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "core/file.h"

static const char *kind_of(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISLNK(mode))
		return "a symlink";
	return "an unknown kind of file";
}

static int not_regular(signet_error **err, const char *path, const char *check, mode_t mode)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = check,
		.expected = "a regular file", .actual = kind_of(mode) }, "not a regular file (%s)", kind_of(mode));
}

static int too_large(signet_error **err, const char *path, unsigned long long size, unsigned long long max,
	bool grew)
{
	char limit[48];
	snprintf(limit, sizeof limit, "at most %llu bytes", max);
	if (grew)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "file.size",
			.expected = limit }, "too large: it grew past the limit of %llu bytes while read", max);
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "file.size",
		.expected = limit }, "too large: %llu bytes, the limit is %llu", size, max);
}

int sg_file_check(int fd, uint64_t *size, uint64_t max, const char *path, const char *check, signet_error **err)
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = check,
			.os_errno = e }, "cannot stat: %s", strerror(e));
	}
	/* Devices, FIFOs and directories could block, never end, or mean nothing. */
	if (!S_ISREG(st.st_mode))
		return not_regular(err, path, check, st.st_mode);
	/* Before reading a byte: a huge (possibly sparse) file is refused cheaply. */
	if ((uint64_t)st.st_size > max)
		return too_large(err, path, (unsigned long long)st.st_size, (unsigned long long)max, false);
	if (size)
		*size = (uint64_t)st.st_size;
	return 0;
}

int sg_file_open_at(int *fd_out, uint64_t *size, int dirfd, const char *name, int flags, uint64_t max,
	const char *path, const char *check, signet_error **err)
{
	/* O_NONBLOCK: opening a FIFO planted at the path must not wait for a writer. */
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | flags);
	if (fd < 0) {
		int e = errno;
		/* A socket cannot be opened at all (ENXIO): say what it is, not "no such device". */
		struct stat st;
		if (e == ENXIO && fstatat(dirfd, name, &st, (flags & O_NOFOLLOW) ? AT_SYMLINK_NOFOLLOW : 0) == 0 &&
		    !S_ISREG(st.st_mode))
			return not_regular(err, path, check, st.st_mode);
		/* O_NOFOLLOW met a symlink: say so, not "too many levels of symbolic links". */
		if (e == ELOOP && (flags & O_NOFOLLOW) && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = check,
				.expected = "a regular file", .actual = "a symlink", .os_errno = ELOOP },
				"not a regular file (a symlink)");
		return sg_fail(err, &(sg_error_info){ .code = e == ENOMEM ? SIGNET_E_NOMEM : SIGNET_E_IO, .path = path,
			.check = check, .os_errno = e }, "cannot open: %s", strerror(e));
	}
	int rc = sg_file_check(fd, size, max, path, check, err);
	if (rc) {
		close(fd);
		return rc;
	}
	*fd_out = fd;
	return 0;
}

int sg_file_open(int *fd, uint64_t *size, const char *path, uint64_t max, const char *check, signet_error **err)
{
	return sg_file_open_at(fd, size, AT_FDCWD, path, 0, max, path, check, err);
}

int sg_file_read_fd(uint8_t **buf_out, size_t *len_out, int fd, size_t max, const char *path, const char *check,
	signet_error **err)
{
	uint64_t size = 0;
	int rc = sg_file_check(fd, &size, max, path, check, err);
	if (rc)
		return rc;
	/*
	 * Room for what fstat() said plus one byte: a file that grew is read up
	 * to max + 1. At least a page, though (within max + 1): /proc files say
	 * size 0 and would otherwise be read a byte, two, four... at a time.
	 */
	size_t cap = (size_t)size + 1;
	if (cap < 4096)
		cap = max < 4095 ? max + 1 : 4096;
	uint8_t *buf = malloc(cap + 1);
	size_t got = 0;
	while (buf) {
		if (got == cap) {
			if (cap > max)
				break; /* one byte past the limit: too large */
			size_t ncap = cap > max / 2 ? max + 1 : cap * 2;
			uint8_t *grown = realloc(buf, ncap + 1);
			if (!grown) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = grown;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = check,
				.os_errno = e }, "cannot read: %s", strerror(e));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (!buf)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = path, .check = check },
			"out of memory reading the file");
	if (got > max) {
		free(buf);
		return too_large(err, path, 0, (unsigned long long)max, true);
	}
	buf[got] = '\0';
	*buf_out = buf;
	*len_out = got;
	return 0;
}

int sg_file_read_at(uint8_t **buf, size_t *len, int dirfd, const char *name, int flags, size_t max,
	const char *path, const char *check, signet_error **err)
{
	int fd = -1;
	int rc = sg_file_open_at(&fd, NULL, dirfd, name, flags, max, path, check, err);
	if (rc)
		return rc;
	rc = sg_file_read_fd(buf, len, fd, max, path, check, err);
	close(fd);
	return rc;
}

int sg_file_read(uint8_t **buf, size_t *len, const char *path, size_t max, const char *check, signet_error **err)
{
	return sg_file_read_at(buf, len, AT_FDCWD, path, 0, max, path, check, err);
}

int sg_mapped_file_from_fd(sg_mapped_file *out, int fd, uint64_t size, const char *path, signet_error **err)
{
	sg_mapped_file m = { .length = (size_t)size };
	if (m.length) {
		void *p = mmap(NULL, m.length, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			int e = errno;
			return sg_fail(err, &(sg_error_info){ .code = e == ENOMEM ? SIGNET_E_NOMEM : SIGNET_E_IO,
				.path = path, .check = "file.map", .os_errno = e }, "cannot map: %s", strerror(e));
		}
		m.bytes = p;
	}
	*out = m;
	return 0;
}

int sg_mapped_file_open(sg_mapped_file *out, const char *path, uint64_t max_size, signet_error **err)
{
	int fd = -1;
	uint64_t size = 0;
	int rc = sg_file_open(&fd, &size, path, max_size, "file.open", err);
	if (rc)
		return rc;
	rc = sg_mapped_file_from_fd(out, fd, size, path, err);
	close(fd);
	return rc;
}

void sg_mapped_file_close(sg_mapped_file *m)
{
	if (m->bytes)
		munmap((void *)(uintptr_t)m->bytes, m->length);
	*m = (sg_mapped_file){ 0 };
}
