/* SPDX-License-Identifier: MIT */
/*
 * snapshot.h - a sealed in-memory copy of a file: what is verified is what
 * is mapped.
 *
 * The file is opened once and copied into a memfd, which is then sealed
 * against writes, shrinking, growing and further seal changes. From then on
 * nobody, not even this process, can change those bytes: verification reads
 * them and ld.so maps the same memfd (runc's answer to CVE-2019-5736, and
 * the reason a writer racing the loader cannot win).
 *
 * Ownership: the caller owns the snapshot and ends it with
 * sg_snapshot_close(); the loader keeps the memfd open for as long as the
 * image is loaded (ld.so named the image after it, and a reused descriptor
 * number must never look like an already-loaded image). Thread-safe.
 */
#ifndef SIGNET_SNAPSHOT_H
#define SIGNET_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <signet/error.h>

typedef struct sg_snapshot {
	int fd;                /* the sealed memfd (O_CLOEXEC), or -1 */
	const uint8_t *bytes;  /* read-only mapping of it, or NULL */
	bool heap;             /* sg_snapshot_read(): `bytes` is a private copy, no memfd */
	/* What `bytes` is, for releasing it. */
	enum { SG_BYTES_NONE, SG_BYTES_MALLOC, SG_BYTES_ANON, SG_BYTES_MAPPED } bytes_kind;
	size_t length;
	char *path;            /* the file's real path, from the descriptor we read */
	char *origin;          /* its directory: what $ORIGIN means */
	char *dlopen_name;     /* "/proc/<pid>/fd/<fd>": valid for debuggers too */
	/*
	 * The SHA-256 of every page of 2^hash_shift bytes (the last one partial),
	 * computed as a private copy was read, or NULL: verification compares
	 * these instead of hashing the pages again.
	 */
	uint8_t *page_hashes;
	unsigned hash_shift;
} sg_snapshot;

/*
 * Takes a sealed snapshot of `path`. Errors: SIGNET_E_IO (open, read, a
 * file that changes size while read, not a regular file), SIGNET_E_LIMIT
 * (over 1 GiB, refused before reading), SIGNET_E_SEALING_UNAVAILABLE (the
 * kernel will not seal, or will not map the memfd executable, or the
 * snapshot was resized by someone else before it was sealed: loading fails
 * closed), SIGNET_E_NOMEM.
 *
 * What verification reads: for a file under 1 MiB, a private copy read
 * from the sealed memfd with its pages hashed on the way (no mapping to
 * make and unmap, page_hashes set: the bytes were sealed before they were
 * read, so the hashes are of the sealed bytes); for a larger one, a lazy
 * read-only mapping of the memfd, which the page-hash workers map in.
 */
int sg_snapshot_take(sg_snapshot *out, const char *path, signet_error **err);

/*
 * The same from a descriptor the caller opened (and still owns): the bundle
 * reader opens its executable beneath the bundle without following
 * symlinks, and the bytes snapshotted must be those of that very file.
 */
int sg_snapshot_from_fd(sg_snapshot *out, int fd, const char *path, signet_error **err);

/*
 * A private copy in ordinary memory, for checks that never map the file
 * (preflight): the same real path and origin, read with pread() (a file
 * that shrinks while read is refused), no memfd, no sealing, no kernel
 * check. About a quarter of a small preflight's time was the sealed
 * memfd's creation and unmapping (docs/benchmarks.md); bytes that are
 * never mapped need no seal. Never hand such a snapshot to dlopen().
 * Its pages are hashed as they are read (page_hashes): nobody else can
 * write private memory, so the hashes are of these bytes.
 */
int sg_snapshot_read(sg_snapshot *out, int fd, const char *path, signet_error **err);

/* The page hashes as verification takes them (NULL fields when none). */
struct sg_known_hashes;
void sg_snapshot_known_hashes(const sg_snapshot *s, struct sg_known_hashes *out);

/* Drops the verification mapping, keeps the memfd. */
void sg_snapshot_unmap(sg_snapshot *s);

/*
 * Closes a snapshot's memfd that outlived its snapshot (a loaded image's).
 * A large one is unmapped and closed by a short-lived detached thread, off
 * the caller's path; so are the mapping and memfd of a large snapshot by
 * sg_snapshot_unmap() and sg_snapshot_close().
 */
void sg_snapshot_close_fd(int fd);

/* Closes everything. Safe on a zeroed snapshot (fd must be -1 or valid). */
void sg_snapshot_close(sg_snapshot *s);

/*
 * Reads a vm.memfd_noexec-style setting from `sysctl_path` (NULL: the real
 * /proc/sys/vm/memfd_noexec). 2 means executable memfds are forbidden:
 * SIGNET_E_SEALING_UNAVAILABLE. A missing file (older kernels) is fine.
 * Snapshots consult it only when the kernel has refused an executable
 * memfd, to name the setting; the refusal itself is what fails closed.
 */
int sg_snapshot_check_kernel(const char *sysctl_path, signet_error **err);

#endif /* SIGNET_SNAPSHOT_H */
