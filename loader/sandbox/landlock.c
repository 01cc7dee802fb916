/* SPDX-License-Identifier: MIT */
/*
 * landlock.c - the filesystem, network and scope layer of the sandbox,
 * through Landlock's raw system calls (no library: three calls and three
 * structures).
 *
 * Debian 12's <linux/landlock.h> stops at ABI 2 and its stock kernel (6.1)
 * offers ABI 2, while newer kernels offer more (6.18: ABI 7). So the
 * constants of the later ABIs are defined here, the ABI is asked of the
 * running kernel, and every access right that ABI knows is handled: a right
 * that is handled and granted nowhere is denied everywhere, and a right
 * left unhandled is simply not restricted by Landlock.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/landlock.h>

#include "core/error_internal.h"
#include "sandbox/sandbox_internal.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

/* ABI 3 (Linux 6.2). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
/* ABI 4 (Linux 6.7): TCP. */
#ifndef LANDLOCK_RULE_NET_PORT
#define LANDLOCK_RULE_NET_PORT 2
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
/* ABI 5 (Linux 6.10). */
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
/* ABI 6 (Linux 6.12): scoping. */
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
/* ABI 7 (Linux 6.15) adds only logging flags for restrict_self: nothing to handle. */

/* The attribute as of ABI 6; older kernels accept it with the fields they do not know left zero. */
struct sg_landlock_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct sg_landlock_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

#define FS_ABI1 ((LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1) /* EXECUTE .. MAKE_SYM */
/* Rights that make sense on a file (the others only on a directory). */
#define FS_FILE_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)
/* What the guest keeps beneath a read path: reading and mapping code, listing directories. */
#define FS_READ_EXEC (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
/* Its own /proc entry: maps, status, fd/N for dlopen() of a snapshot; no EXECUTE (nothing there is run by path). */
#define FS_PROC (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)

static uint64_t fs_rights(int abi)
{
	uint64_t r = FS_ABI1;
	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r;
}

int sg_landlock_abi(int *os_errno)
{
	int pretend_errno = 0;
	if (sg_sandbox_pretending("landlock", &pretend_errno)) {
		*os_errno = pretend_errno;
		return -1;
	}
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		*os_errno = abi < 0 ? errno : EINVAL;
		return -1;
	}
	int cap = sg_sandbox_pretended_abi();
	if (cap > 0 && abi > cap)
		abi = cap;
	return (int)abi;
}

void sg_landlock_describe(sg_sandbox_state *st, int abi)
{
	st->landlock_abi = abi > 0 ? abi : 0;
	st->landlock_fs = abi >= 1;
	st->landlock_net = abi >= 4;
	st->landlock_scoped = abi >= 6;
}

static int landlock_fail(signet_error **err, const char *path, int e, const char *what)
{
	return sg_fail(err, &(sg_error_info){ .code = e == ENOMEM ? SIGNET_E_NOMEM : SIGNET_E_IO, .path = path,
		.check = "sandbox.landlock", .os_errno = e }, "%s: %s", what, strerror(e));
}

/*
 * One rule: `allowed` beneath `path` (only the file rights when it is a
 * file). O_PATH: the rule needs a handle on the inode, not the right to
 * read it, and opening a FIFO or device this way has no side effect.
 * Returns 1 when granted, 0 when the path does not exist.
 */
static int grant(int ruleset, const char *path, uint64_t allowed, uint64_t handled, signet_error **err)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0; /* nothing there to grant: less access, never more */
		return landlock_fail(err, path, errno, "cannot open a path to grant");
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return landlock_fail(err, path, e, "cannot stat a path to grant");
	}
	if (!S_ISDIR(st.st_mode))
		allowed &= FS_FILE_RIGHTS;
	struct sg_landlock_path_beneath_attr rule = { .allowed_access = allowed & handled, .parent_fd = fd };
	long rc = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
	int e = errno;
	close(fd);
	if (rc != 0)
		return landlock_fail(err, path, e, "landlock_add_rule");
	return 1;
}

int sg_landlock_apply(const sg_sandbox_spec *spec, int abi, pid_t pid, sg_sandbox_state *st, signet_error **err)
{
	struct sg_landlock_ruleset_attr attr = { .handled_access_fs = fs_rights(abi) };
	if (abi >= 4) {
		/*
		 * No port rule is ever added: a handled right with no rule is
		 * denied for every port. A network client keeps connect (its
		 * sockets are also allowed by the seccomp filter), nobody binds:
		 * a guest serves its host over the connection it was given.
		 */
		attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP;
		if (!spec->network_client)
			attr.handled_access_net |= LANDLOCK_ACCESS_NET_CONNECT_TCP;
	}
	if (abi >= 6)
		/* No signal to, and no abstract socket of, a process outside this domain: the host included. */
		attr.scoped = LANDLOCK_SCOPE_SIGNAL | LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
	/* The kernel rejects a size covering fields of a later ABI unless they are zero; they are. */
	size_t size = abi >= 6 ? sizeof attr : abi >= 4 ? offsetof(struct sg_landlock_ruleset_attr, scoped)
		: offsetof(struct sg_landlock_ruleset_attr, handled_access_net);
	long ruleset = syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (ruleset < 0)
		return landlock_fail(err, NULL, errno, "landlock_create_ruleset");
	int rfd = (int)ruleset;

	size_t granted = 0;
	for (size_t i = 0; i < spec->n_read_paths; i++) {
		int rc = grant(rfd, spec->read_paths[i], FS_READ_EXEC, attr.handled_access_fs, err);
		if (rc < 0) {
			close(rfd);
			return rc;
		}
		granted += (size_t)rc;
	}
	/*
	 * /proc/<pid>, opened by number and not as /proc/self: a rule follows
	 * the inode it was given, and /proc/self is a symlink whose target
	 * depends on who looks, so granting it could never name this process
	 * alone. Other processes' entries (the host's maps, environ, fds) stay
	 * out of reach. /proc/self and /proc/thread-self still resolve here.
	 */
	char proc[32];
	snprintf(proc, sizeof proc, "/proc/%ld", (long)pid);
	int rc = grant(rfd, proc, FS_PROC, attr.handled_access_fs, err);
	if (rc <= 0) {
		close(rfd);
		return rc < 0 ? rc : landlock_fail(err, proc, ENOENT, "this process's /proc entry is missing");
	}
	/* no_new_privs is already set (sandbox.c): restrict_self requires it of a process without CAP_SYS_ADMIN. */
	if (syscall(SYS_landlock_restrict_self, rfd, 0) != 0) {
		int e = errno;
		close(rfd);
		return landlock_fail(err, NULL, e, "landlock_restrict_self");
	}
	close(rfd);
	st->read_paths_granted = granted;
	sg_landlock_describe(st, abi);
	return 0;
}
