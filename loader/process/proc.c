/* SPDX-License-Identifier: MIT */
/*
 * proc.c - from a pidfd to the /proc directory of that very process.
 *
 * A pid is only a number: the moment its process exits and is reaped, the
 * kernel may give it to another. A pidfd names one process for good. So
 * the pid is read from the pidfd, /proc/PID opened, and only then is the
 * pidfd asked whether its process still lives: if it does, it lived when
 * the directory was opened, and the directory is its own (and reads
 * through it fail, rather than show another process, once it is gone).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "core/file.h"
#include "process/process_internal.h"

/* fdinfo of a pidfd is a few lines; of other descriptors (epoll) it can be long, and is then no pidfd. */
#define FDINFO_MAX 65536

int sg_process_gone(signet_error **err, pid_t pid, const char *what)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PROCESS_GONE, .check = "process.pidfd" },
		"process %ld %s", (long)pid, what);
}

bool sg_pidfd_exited(int pidfd)
{
	/* A pidfd polls readable once its process has exited, zombie or reaped. */
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	int n;
	do
		n = poll(&pfd, 1, 0);
	while (n < 0 && errno == EINTR);
	return n != 0;
}

static int not_a_pidfd(signet_error **err, int pidfd, const char *why)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "process.pidfd" },
		"descriptor %d is not a pidfd (%s)", pidfd, why);
}

/* The pid of the pidfd's process, as this process's /proc numbers it (-1: reaped; 0: not visible). */
static int pidfd_pid(long *pid, int pidfd, signet_error **err)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", pidfd);
	uint8_t *text = NULL;
	size_t len = 0;
	signet_error *e = NULL;
	int rc = sg_file_read_at(&text, &len, AT_FDCWD, path, 0, FDINFO_MAX, path, "process.pidfd", &e);
	int os = rc ? signet_error_os_errno(e) : 0;
	/* No such descriptor, or one with a long fdinfo (an epoll set): not a pidfd. Out of descriptors or memory: say so. */
	if (rc && (os == ENOENT || rc == SIGNET_E_LIMIT)) {
		rc = not_a_pidfd(err, pidfd, os == ENOENT ? "not open" : "its fdinfo is too long");
		signet_error_free(e);
		return rc;
	}
	if (rc) {
		if (err)
			*err = e;
		else
			signet_error_free(e);
		return rc;
	}
	bool ok = sg_fdinfo_pid((const char *)text, len, pid);
	free(text);
	return ok ? 0 : not_a_pidfd(err, pidfd, "its fdinfo has no Pid line");
}

pid_t sg_pidfd_pid(int pidfd)
{
	long pid = 0;
	if (pidfd < 0 || pidfd_pid(&pid, pidfd, NULL) != 0)
		return -1;
	return (pid_t)pid;
}

int sg_proc_open(sg_proc *out, int pidfd, signet_error **err)
{
	if (pidfd < 0)
		return not_a_pidfd(err, pidfd, "negative");
	long pid = 0;
	int rc = pidfd_pid(&pid, pidfd, err);
	if (rc)
		return rc;
	if (pid == -1)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PROCESS_GONE, .check = "process.pidfd" },
			"the process of pidfd %d exited before it was inspected", pidfd);
	if (pid == 0) {
		*out = (sg_proc){ .pid = 0, .dir = -1 };
		return 0;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld", pid);
	int dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int e = dir < 0 ? errno : 0;
	/* Alive now, so alive when `dir` was opened: `dir` is this process's, not a reused pid's. */
	if (sg_pidfd_exited(pidfd)) {
		if (dir >= 0)
			close(dir);
		return sg_process_gone(err, (pid_t)pid, "exited before it was inspected");
	}
	if (dir < 0 && e != ENOENT && e != EACCES)
		return sg_fail(err, &(sg_error_info){ .code = e == ENOMEM ? SIGNET_E_NOMEM : SIGNET_E_IO, .path = path,
			.check = "process.pidfd", .os_errno = e }, "cannot open: %s", strerror(e));
	/* Alive but not there: /proc hides other users' processes (hidepid). */
	*out = (sg_proc){ .pid = (pid_t)pid, .dir = dir, .dir_errno = e };
	return 0;
}

int sg_proc_find_fd(int procdir, bool (*match)(const struct stat *st, const void *ctx), const void *ctx,
	char name[32], int *os_errno)
{
	int fds = openat(procdir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fds < 0 ? NULL : fdopendir(fds);
	if (!d) {
		*os_errno = errno;
		if (fds >= 0)
			close(fds);
		return -1;
	}
	int found = 0;
	size_t seen = 0;
	struct dirent *de;
	errno = 0;
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		/* A process may hold a million descriptors: the search is bounded, and says so. */
		if (++seen > SG_PROCESS_MAX_FDS) {
			found = -2;
			break;
		}
		struct stat st;
		if (strlen(de->d_name) < 32 && fstatat(dirfd(d), de->d_name, &st, 0) == 0 && match(&st, ctx)) {
			snprintf(name, 32, "%s", de->d_name);
			found = 1;
		}
		errno = 0;
	}
	if (found == 0 && errno) {
		*os_errno = errno;
		found = -1;
	}
	closedir(d);
	return found;
}
