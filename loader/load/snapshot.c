/* SPDX-License-Identifier: MIT */
/*
 * snapshot.c - copy a file into a sealed memfd.
 *
 * Why copy then hash, not hash while copying: verification hashes pages on
 * every core in parallel, which beats a single streaming pass; the copy is
 * done by the kernel (sendfile), page cache to the memfd's pages.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codesign/format.h"
#include "core/error_internal.h"
#include "core/file.h"
#include "load/snapshot.h"

/* Linux 6.3+ (vm.memfd_noexec); older headers and kernels lack them. */
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

static int io_fail(signet_error **err, const char *path, const char *check, int e, const char *what)
{
	return sg_fail(err, &(sg_error_info){ .code = e == ENOMEM ? SIGNET_E_NOMEM : SIGNET_E_IO, .path = path,
		.check = check, .os_errno = e }, "%s: %s", what, strerror(e));
}

static int sealing_fail(signet_error **err, const char *path, int e, const char *what)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SEALING_UNAVAILABLE, .path = path,
		.check = "load.seal", .os_errno = e }, "%s (%s): refusing to load, because without it the bytes "
		"verified could differ from the bytes mapped", what, e ? strerror(e) : "not supported");
}

int sg_snapshot_check_kernel(const char *sysctl_path, signet_error **err)
{
	const char *p = sysctl_path ? sysctl_path : "/proc/sys/vm/memfd_noexec";
	uint8_t *text = NULL;
	size_t len = 0;
	if (sg_file_read(&text, &len, p, 64, "load.seal", NULL) != 0)
		return 0; /* kernels before 6.3 have no such setting */
	int v = atoi((const char *)text);
	free(text);
	if (v == 2)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SEALING_UNAVAILABLE, .path = p,
			.check = "load.seal", .expected = "0 or 1", .actual = "2" },
			"vm.memfd_noexec is 2: the kernel forbids executable memfds, and Signet maps only sealed "
			"copies it verified, so it cannot load anything (set it to 0 or 1)");
	return 0;
}

/*
 * The kernel refused an executable memfd: vm.memfd_noexec=2 gets its own
 * message (it is checked here, on the failure path, not before every
 * load), anything else the generic sealing refusal.
 */
static int why_no_exec_memfd(signet_error **err, const char *path, int e, const char *what)
{
	int rc = sg_snapshot_check_kernel(NULL, err);
	return rc ? rc : sealing_fail(err, path, e, what);
}

/*
 * Copies in the kernel (sendfile: page cache to shmem), so no user mapping
 * of the memfd is faulted in page by page; that was most of the load time
 * of a large library. pread/write is the fallback for files sendfile()
 * refuses.
 */
static int copy_into(int memfd, int fd, size_t length, const char *path, signet_error **err)
{
	size_t done = 0;
	while (done < length) {
		ssize_t n = sendfile(memfd, fd, NULL, length - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EINVAL || errno == ENOSYS) && done == 0)
			break; /* not supported for this file: copy by hand below */
		if (n < 0)
			return io_fail(err, path, "load.read", errno, "cannot read");
		if (n == 0)
			goto shrank;
		done += (size_t)n;
	}
	if (done == length)
		return 0;
	uint8_t buf[1 << 16];
	while (done < length) {
		size_t want = length - done < sizeof buf ? length - done : sizeof buf;
		ssize_t n = pread(fd, buf, want, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_fail(err, path, "load.read", errno, "cannot read");
		if (n == 0)
			goto shrank;
		if (write(memfd, buf, (size_t)n) != n)
			return io_fail(err, path, "load.snapshot", errno, "cannot write the snapshot");
		done += (size_t)n;
	}
	return 0;
shrank:
	/* Someone truncated it under us: refuse rather than guess. */
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = "load.read" },
		"the file shrank from %zu to %zu bytes while being read", length, done);
}

static char *origin_of(const char *real)
{
	const char *slash = strrchr(real, '/');
	if (!slash)
		return strdup(".");
	if (slash == real)
		return strdup("/");
	return strndup(real, (size_t)(slash - real));
}

int sg_snapshot_take(sg_snapshot *out, const char *path, signet_error **err)
{
	/* Refused here before anything is read: a FIFO, a device, a huge file. */
	int fd = -1;
	int rc = sg_file_open(&fd, NULL, path, SG_MAX_FILE_SIZE, "load.open", err);
	if (rc)
		return rc;
	rc = sg_snapshot_from_fd(out, fd, path, err);
	close(fd);
	return rc;
}

/* The checks every snapshot starts with: a regular file under the size
 * limit, and its real path (of what was opened, not of what the name means
 * now) and directory. */
static int describe(sg_snapshot *s, int fd, const char *path, uint64_t *size, signet_error **err)
{
	int rc = sg_file_check(fd, size, SG_MAX_FILE_SIZE, path, "load.open", err);
	if (rc)
		return rc;
	char link[64], real[PATH_MAX];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t rl = readlink(link, real, sizeof real - 1);
	if (rl <= 0)
		return io_fail(err, path, "load.open", errno, "cannot resolve the opened file");
	real[rl] = '\0';
	s->path = strdup(real);
	s->origin = origin_of(real);
	if (!s->path || !s->origin)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory loading %s", path);
	return 0;
}

int sg_snapshot_read(sg_snapshot *out, int fd, const char *path, signet_error **err)
{
	sg_snapshot s = { .fd = -1, .heap = true };
	uint64_t size = 0;
	int rc = describe(&s, fd, path, &size, err);
	size_t len = rc ? 0 : (size_t)size;
	uint8_t *buf = rc ? NULL : malloc(len ? len : 1);
	if (!rc && !buf)
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading %s", path);
	size_t done = 0;
	while (!rc && done < len) {
		ssize_t n = pread(fd, buf + done, len - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = io_fail(err, path, "load.read", errno, "cannot read");
		else if (n == 0)
			rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = "load.read" },
				"the file shrank from %zu to %zu bytes while being read", len, done);
		else
			done += (size_t)n;
	}
	s.bytes = buf;
	s.length = len;
	if (rc) {
		sg_snapshot_close(&s);
		return rc;
	}
	*out = s;
	return 0;
}

int sg_snapshot_from_fd(sg_snapshot *out, int fd, const char *path, signet_error **err)
{
	sg_snapshot s = { .fd = -1 };
	uint64_t size = 0;
	int rc = describe(&s, fd, path, &size, err);
	if (rc)
		goto fail;
	const char *real = s.path;
	const char *base = strrchr(real, '/');
	char name[64];
	snprintf(name, sizeof name, "signet:%.50s", base ? base + 1 : real);
	s.fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (s.fd < 0 && errno == EINVAL)
		s.fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING); /* kernels before 6.3 */
	if (s.fd < 0) {
		int e = errno;
		/* Only a refusal pays for reading the sysctl, to say which setting it was. */
		rc = e == EACCES || e == EPERM || e == EINVAL
			? why_no_exec_memfd(err, path, e, "the kernel refuses a sealable executable memfd")
			: io_fail(err, path, "load.snapshot", e, "cannot create the snapshot");
		goto fail;
	}
	s.length = (size_t)size;
	/* sendfile() reads from the descriptor's position: start at 0. */
	if (lseek(fd, 0, SEEK_SET) != 0) {
		rc = io_fail(err, path, "load.read", errno, "cannot rewind");
		goto fail;
	}
	rc = copy_into(s.fd, fd, s.length, path, err);
	if (rc)
		goto fail;

	if (fcntl(s.fd, F_ADD_SEALS, SEALS) != 0 || fcntl(s.fd, F_GET_SEALS) != SEALS) {
		rc = sealing_fail(err, path, errno, "the kernel will not seal the snapshot");
		goto fail;
	}
	if (s.length) {
		/* Probe now what ld.so will need: a noexec memfd fails here, clearly. */
		void *x = mmap(NULL, 1, PROT_READ | PROT_EXEC, MAP_PRIVATE, s.fd, 0);
		if (x == MAP_FAILED) {
			rc = why_no_exec_memfd(err, path, errno, "the kernel will not map the snapshot executable "
				"(vm.memfd_noexec, or a noexec policy)");
			goto fail;
		}
		munmap(x, 1);
		/* Prefaulted in one call: verification reads every page anyway. */
		void *r = mmap(NULL, s.length, PROT_READ, MAP_SHARED | MAP_POPULATE, s.fd, 0);
		if (r == MAP_FAILED) {
			rc = io_fail(err, path, "load.snapshot", errno, "cannot map the sealed snapshot");
			goto fail;
		}
		s.bytes = r;
	}
	if (asprintf(&s.dlopen_name, "/proc/%d/fd/%d", (int)getpid(), s.fd) < 0) {
		s.dlopen_name = NULL;
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory loading %s", path);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	sg_snapshot_close(&s);
	return rc;
}

void sg_snapshot_unmap(sg_snapshot *s)
{
	if (s->bytes && s->heap)
		free((void *)(uintptr_t)s->bytes);
	else if (s->bytes)
		munmap((void *)(uintptr_t)s->bytes, s->length);
	s->bytes = NULL;
}

void sg_snapshot_close(sg_snapshot *s)
{
	sg_snapshot_unmap(s);
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s->origin);
	free(s->dlopen_name);
	*s = (sg_snapshot){ .fd = -1 };
}
