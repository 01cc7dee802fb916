/* SPDX-License-Identifier: MIT */
/*
 * snapshot.c - copy a file into a sealed memfd (to be mapped), or read it
 * into private memory hashing its pages on the way (never mapped).
 *
 * Why the sealed copy is not hashed while it is filled: the hashes would
 * only be of the sealed bytes if nobody else could write the memfd in
 * between, and before F_SEAL_WRITE anyone who may open /proc/PID/fd/N can.
 * F_SEAL_FUTURE_WRITE first would shut them out, but it shuts out write()
 * and sendfile() too, leaving only a copy through a writable mapping with
 * pread(), which measured 4.6 times slower than sendfile() on the
 * benchmark machine (a VM where the kernel's copies to user memory are
 * slow: docs/benchmarks.md). So: copy in the kernel, seal, then hash the
 * sealed bytes, every worker mapping its own part in (codesign/pagehash.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codesign/format.h"
#include "codesign/identity_internal.h"
#include "codesign/pagehash.h"
#include "core/error_internal.h"
#include "core/parallel.h"
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

/* A private copy this large gets pages of its own rather than malloc's. */
#define PRIVATE_MAPPED_MIN (1u << 20)
/* A sealed snapshot smaller than this is verified from a private copy read
 * from it, hashed on the way, rather than from a mapping of it. */
#define SEALED_COPY_MAX (1u << 20)

/* The hashes of a snapshot of `length` bytes, filled from `fd` into `data`. */
static int fill_hashed(sg_snapshot *s, uint8_t *data, int fd, const char *path, signet_error **err)
{
	s->hash_shift = SG_PAGE_SHIFT_DEFAULT;
	/* One core each inside a batch that verifies many files at once (core/parallel.h). */
	return sg_pagehash_fill(&s->page_hashes, data, fd, s->length, SG_PAGE_SHIFT_DEFAULT,
		sg_parallel_hash_threads(), path, err);
}

/*
 * A private copy of the first s->length bytes of `fd`, its pages hashed as
 * they are read. A large one gets anonymous pages populated in one call
 * (pread() would fault them in one by one); a small one malloc's.
 */
static int read_private(sg_snapshot *s, int fd, const char *path, signet_error **err)
{
	uint8_t *buf = NULL;
	if (s->length >= PRIVATE_MAPPED_MIN) {
		void *m = mmap(NULL, s->length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		buf = m == MAP_FAILED ? NULL : m;
		s->bytes_kind = SG_BYTES_ANON;
	} else {
		buf = malloc(s->length ? s->length : 1);
		s->bytes_kind = SG_BYTES_MALLOC;
	}
	if (!buf) {
		s->bytes_kind = SG_BYTES_NONE;
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading %s", path);
	}
	s->bytes = buf;
	/* Nobody else can write private memory: its hashes are its bytes'. */
	return fill_hashed(s, buf, fd, path, err);
}

int sg_snapshot_read(sg_snapshot *out, int fd, const char *path, signet_error **err)
{
	sg_snapshot s = { .fd = -1, .heap = true };
	uint64_t size = 0;
	int rc = describe(&s, fd, path, &size, err);
	s.length = rc ? 0 : (size_t)size;
	if (!rc)
		rc = read_private(&s, fd, path, err);
	if (rc) {
		sg_snapshot_close(&s);
		return rc;
	}
	*out = s;
	return 0;
}

/*
 * Probes what ld.so will need, so that a kernel which will not map a memfd
 * executable (vm.memfd_noexec, a noexec policy) fails here, clearly. Once
 * it has worked in this process it is not asked again: it is a diagnosis,
 * not a check (ld.so's own mapping would fail, and the load with it), and
 * each probe's unmap costs a TLB shootdown.
 */
static int probe_exec(const sg_snapshot *s, const char *path, signet_error **err)
{
	static atomic_bool worked;
	if (atomic_load(&worked))
		return 0;
	void *x = mmap(NULL, 1, PROT_READ | PROT_EXEC, MAP_PRIVATE, s->fd, 0);
	if (x == MAP_FAILED)
		return why_no_exec_memfd(err, path, errno, "the kernel will not map the snapshot executable "
			"(vm.memfd_noexec, or a noexec policy)");
	munmap(x, 1);
	atomic_store(&worked, true);
	return 0;
}

/* The sealed size must be the size read: nobody resized it before the seals. */
static int check_sealed_size(const sg_snapshot *s, const char *path, signet_error **err)
{
	struct stat st;
	if (fstat(s->fd, &st) != 0)
		return io_fail(err, path, "load.seal", errno, "cannot check the snapshot");
	if ((uint64_t)st.st_size != (uint64_t)s->length)
		return sealing_fail(err, path, 0, "the snapshot was resized by someone else before it was sealed");
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
	/* Someone who opened /proc/PID/fd/N before the seal could have grown it. */
	rc = check_sealed_size(&s, path, err);
	if (rc)
		goto fail;
	if (s.length) {
		rc = probe_exec(&s, path, err);
		if (rc)
			goto fail;
	}
	if (s.length && s.length < SEALED_COPY_MAX) {
		/* Sealed first, then read: the hashes are of the sealed bytes. */
		rc = read_private(&s, s.fd, path, err);
		if (rc)
			goto fail;
	} else if (s.length) {
		/*
		 * Not prefaulted here: the page-hash workers each map their own part
		 * in, in parallel (MAP_POPULATE did it on one core, 6 ms of a 64 MiB
		 * load), and what is never read is never mapped, so the unmap
		 * before dlopen() is cheap.
		 */
		void *r = mmap(NULL, s.length, PROT_READ, MAP_SHARED, s.fd, 0);
		if (r == MAP_FAILED) {
			rc = io_fail(err, path, "load.snapshot", errno, "cannot map the sealed snapshot");
			goto fail;
		}
		s.bytes = r;
		s.bytes_kind = SG_BYTES_MAPPED;
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

void sg_snapshot_known_hashes(const sg_snapshot *s, sg_known_hashes *out)
{
	*out = (sg_known_hashes){ .hashes = s->page_hashes, .length = s->length, .shift = s->hash_shift };
}

/* ---- releasing large snapshots off the caller's path ---- */

/* Smaller than this, releasing costs less than starting a thread. */
#define RELEASE_LATER_MIN (8u * 1024u * 1024u)

typedef struct release_job {
	void *addr;   /* a mapping to unmap, or NULL */
	size_t length;
	int fd;       /* a descriptor to close, or -1 */
} release_job;

static void *release_now(void *arg)
{
	release_job *j = arg;
	if (j->addr)
		munmap(j->addr, j->length);
	if (j->fd >= 0)
		close(j->fd);
	free(j);
	return NULL;
}

/*
 * Unmapping 64 MiB of mapped pages and freeing a 64 MiB memfd's pages took
 * 3 to 7 ms each at unload (TLB shootdowns, page freeing); nothing depends
 * on when they happen: the mapping is ours and read-only, the memfd sealed
 * and no longer named by ld.so. So a large one is released by a detached
 * thread, and the caller goes on. Its descriptor number stays taken until
 * then, which only delays its reuse. Small ones, or when no thread can
 * start, are released here.
 */
static void release(void *addr, size_t length, int fd, size_t size)
{
	release_job *j = malloc(sizeof *j);
	if (!j) {
		release_job now = { addr, length, fd };
		release_now(&now);
		return;
	}
	*j = (release_job){ addr, length, fd };
	pthread_attr_t attr;
	pthread_t tid;
	bool started = size >= RELEASE_LATER_MIN && pthread_attr_init(&attr) == 0;
	if (started) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		started = pthread_create(&tid, &attr, release_now, j) == 0;
		pthread_attr_destroy(&attr);
	}
	if (!started)
		release_now(j);
}

void sg_snapshot_close_fd(int fd)
{
	struct stat st;
	if (fd < 0)
		return;
	release(NULL, 0, fd, fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size : 0);
}

void sg_snapshot_unmap(sg_snapshot *s)
{
	if (s->bytes && s->bytes_kind == SG_BYTES_MALLOC)
		free((void *)(uintptr_t)s->bytes);
	else if (s->bytes)
		release((void *)(uintptr_t)s->bytes, s->length, -1, s->length);
	s->bytes = NULL;
	s->bytes_kind = SG_BYTES_NONE;
}

void sg_snapshot_close(sg_snapshot *s)
{
	if (s->bytes && s->bytes_kind == SG_BYTES_MAPPED && s->fd >= 0) {
		release((void *)(uintptr_t)s->bytes, s->length, s->fd, s->length); /* one thread for both */
		s->bytes = NULL;
		s->fd = -1;
	}
	sg_snapshot_unmap(s);
	if (s->fd >= 0)
		sg_snapshot_close_fd(s->fd);
	free(s->path);
	free(s->origin);
	free(s->dlopen_name);
	free(s->page_hashes);
	*s = (sg_snapshot){ .fd = -1 };
}
