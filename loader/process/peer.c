/* SPDX-License-Identifier: MIT */
/*
 * peer.c - signet_code_for_peer(): the process at the other end of a
 * connected Unix socket.
 *
 * Linux 6.5 and later name the peer with a pidfd (SO_PEERPIDFD), taken
 * when the connection was made: no pid is ever read. Older kernels (Debian
 * 12's 6.1) give only a pid (SO_PEERCRED), which the peer's exit may hand
 * to another process before we pidfd_open() it. So the fallback then asks
 * whether the process it opened holds the peer end of this very socket:
 * the kernel names the peer socket's inode (sock_diag, UNIX_DIAG_PEER on
 * our socket's inode), and /proc/PID/fd must have a descriptor for it. A
 * process that holds it can talk on the connection, whoever connected.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include "core/error_internal.h"
#include "process/process_internal.h"

/* Linux 6.5 (include/uapi/asm-generic/socket.h); the same number on x86, arm and the generic ABI. */
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

__attribute__((format(printf, 5, 6)))
static int peer_fail(signet_error **err, int code, int sockfd, int e, const char *fmt, ...)
{
	char text[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	return sg_fail(err, &(sg_error_info){ .code = code, .check = "process.peer", .os_errno = e },
		"socket %d: %s%s%s", sockfd, text, e ? ": " : "", e ? strerror(e) : "");
}

/* getsockopt() refused to name the peer: say what that means. */
static int getsockopt_failed(signet_error **err, int sockfd, int e, const char *option)
{
	switch (e) {
	case EBADF:
	case ENOTSOCK:
		return peer_fail(err, SIGNET_E_INVALID_ARGUMENT, sockfd, e, "%s: not a socket", option);
	case ENODATA:
	case ENOTCONN:
		return peer_fail(err, SIGNET_E_PROCESS_UNKNOWN, sockfd, e,
			"%s: the kernel does not name the peer (not a connected Unix socket?)", option);
	case EINVAL:
	case ESRCH:
		/* pidfd_prepare() refuses a peer that has exited. */
		return peer_fail(err, SIGNET_E_PROCESS_GONE, sockfd, e, "%s: the peer has exited", option);
	case ENOPROTOOPT:
		return peer_fail(err, SIGNET_E_PROCESS_UNKNOWN, sockfd, e, "%s: not supported by this kernel", option);
	default:
		return peer_fail(err, e == ENOMEM ? SIGNET_E_NOMEM : SIGNET_E_IO, sockfd, e, "%s", option);
	}
}

/* The peer in another pid namespace has pid 0 here: the contract makes that an error for peers. */
static int inspect_peer(signet_process **out, int pidfd, const sg_proc *proc, const signet_policy *policy,
	int sockfd, signet_error **err)
{
	if (proc->pid == 0)
		return peer_fail(err, SIGNET_E_PROCESS_UNKNOWN, sockfd, 0, "%s",
			"the peer is in a pid namespace this process's /proc cannot see");
	return sg_process_inspect(out, pidfd, proc, policy, err);
}

static int from_peer_pidfd(signet_process **out, int pidfd, const signet_policy *policy, int sockfd,
	signet_error **err)
{
	sg_proc proc;
	signet_error *e = NULL;
	int rc = sg_proc_open(&proc, pidfd, &e);
	/* Kernels differ on whether they give a pidfd for a peer that has exited: say it one way. */
	if (rc == SIGNET_E_PROCESS_GONE) {
		signet_error_free(e);
		return peer_fail(err, rc, sockfd, 0, "SO_PEERPIDFD: %s", "the peer has exited");
	}
	if (rc) {
		if (err)
			*err = e;
		else
			signet_error_free(e);
		return rc;
	}
	return inspect_peer(out, pidfd, &proc, policy, sockfd, err);
}

/* ---- the fallback: SO_PEERCRED, then the holder check ------------------- */

/*
 * The inode of the socket at the other end of ours, from the kernel
 * (sock_diag). 0 when the peer socket has none yet (not accepted).
 */
static int peer_socket_inode(uint32_t *peer, int sockfd, ino_t ino, signet_error **err)
{
	if (ino > UINT32_MAX)
		return peer_fail(err, SIGNET_E_PROCESS_UNKNOWN, sockfd, 0, "%s",
			"its inode does not fit sock_diag's 32 bits: cannot ask for the peer socket");
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl < 0)
		return peer_fail(err, SIGNET_E_PROCESS_UNKNOWN, sockfd, errno, "%s",
			"cannot ask the kernel for the peer socket (sock_diag)");
	struct {
		struct nlmsghdr h;
		struct unix_diag_req r;
	} req = {
		.h = { .nlmsg_len = sizeof req, .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = 1 },
		.r = { .sdiag_family = AF_UNIX, .udiag_ino = (uint32_t)ino, .udiag_show = UDIAG_SHOW_PEER,
			.udiag_cookie = { INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE } },
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	/* Aligned for the headers read from it. */
	union {
		struct nlmsghdr h;
		char bytes[8192];
	} buf;
	ssize_t n;
	if (sendto(nl, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
		n = -1;
	} else {
		do
			n = recv(nl, &buf, sizeof buf, 0);
		while (n < 0 && errno == EINTR);
	}
	int e = errno;
	close(nl);
	if (n < 0)
		return peer_fail(err, SIGNET_E_PROCESS_UNKNOWN, sockfd, e, "%s",
			"cannot ask the kernel for the peer socket (sock_diag)");
	/* The kernel's answer, read as carefully as any input. */
	const struct nlmsghdr *h = &buf.h;
	if (!NLMSG_OK(h, (size_t)n) || h->nlmsg_seq != 1)
		return peer_fail(err, SIGNET_E_PROCESS_UNKNOWN, sockfd, 0, "%s", "sock_diag gave a malformed answer");
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *ne = NLMSG_DATA(h);
		int code = h->nlmsg_len >= NLMSG_LENGTH(sizeof *ne) ? -ne->error : EPROTO;
		return peer_fail(err, SIGNET_E_PROCESS_UNKNOWN, sockfd, code, "%s",
			"sock_diag does not know the socket");
	}
	const struct unix_diag_msg *msg = NLMSG_DATA(h);
	if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(sizeof *msg) ||
	    msg->udiag_ino != (uint32_t)ino)
		return peer_fail(err, SIGNET_E_PROCESS_UNKNOWN, sockfd, 0, "%s",
			"sock_diag answered about another socket");
	*peer = 0;
	int left = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *msg));
	for (const struct rtattr *a = (const struct rtattr *)(msg + 1); RTA_OK(a, left); a = RTA_NEXT(a, left))
		if (a->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(a) >= sizeof(uint32_t))
			memcpy(peer, RTA_DATA(a), sizeof(uint32_t));
	return 0;
}

static bool is_socket_inode(const struct stat *st, const void *ctx)
{
	return S_ISSOCK(st->st_mode) && st->st_ino == *(const uint32_t *)ctx;
}

/*
 * Does the process of `proc` hold the peer end of `sockfd`? 0: it does.
 * *unconfirmed: its /proc/PID/fd cannot be read (another user's), which
 * leaves the process to be unknown. Else SIGNET_E_PROCESS_GONE (it does
 * not: its pid was reused, or it passed the socket on),
 * SIGNET_E_PROCESS_UNKNOWN (the kernel cannot say).
 */
static int check_holder(bool *unconfirmed, const sg_proc *proc, int sockfd, signet_error **err)
{
	*unconfirmed = false;
	struct stat st;
	if (fstat(sockfd, &st) != 0 || !S_ISSOCK(st.st_mode))
		return peer_fail(err, SIGNET_E_INVALID_ARGUMENT, sockfd, 0, "%s", "not a socket");
	uint32_t peer = 0;
	int rc = peer_socket_inode(&peer, sockfd, st.st_ino, err);
	if (rc)
		return rc;
	if (peer == 0)
		return peer_fail(err, SIGNET_E_PROCESS_UNKNOWN, sockfd, 0, "%s",
			"the kernel names no peer socket (the connection is not accepted yet, or closed)");
	if (proc->dir < 0) {
		*unconfirmed = true;
		return 0;
	}
	char name[32];
	int os = 0;
	int found = sg_proc_find_fd(proc->dir, is_socket_inode, &peer, name, &os);
	if (found == 1)
		return 0;
	if (found == -1 && (os == EACCES || os == EPERM)) {
		*unconfirmed = true;
		return 0;
	}
	if (found == 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PROCESS_GONE, .check = "process.peer" },
			"pid %ld no longer holds the peer socket: reused?", (long)proc->pid);
	if (found == -2)
		return peer_fail(err, SIGNET_E_PROCESS_UNKNOWN, sockfd, 0,
			"the peer holds more than %s descriptors: cannot find the peer socket among them", "65536");
	return peer_fail(err, os == ESRCH || os == ENOENT ? SIGNET_E_PROCESS_GONE : SIGNET_E_PROCESS_UNKNOWN, sockfd,
		os, "%s", "cannot look for the peer socket in the peer's descriptors");
}

static int from_credentials(signet_process **out, const signet_policy *policy, int sockfd, signet_error **err)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(sockfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return getsockopt_failed(err, sockfd, errno, "SO_PEERCRED");
	if (cred.pid <= 0)
		return peer_fail(err, SIGNET_E_PROCESS_UNKNOWN, sockfd, 0, "%s",
			"SO_PEERCRED names no peer process (not connected, or in another pid namespace)");
	/* From here the pid is only a guess, until the holder check confirms it. */
	int pidfd = (int)syscall(SYS_pidfd_open, cred.pid, 0);
	if (pidfd < 0) {
		int e = errno;
		if (e == ESRCH)
			return sg_process_gone(err, cred.pid, "exited before it was inspected (the peer's pid from SO_PEERCRED)");
		return peer_fail(err, SIGNET_E_IO, sockfd, e, "%s", "pidfd_open");
	}
	sg_proc proc;
	bool unconfirmed = false;
	int rc = sg_proc_open(&proc, pidfd, err);
	if (!rc && proc.pid != cred.pid) {
		rc = peer_fail(err, SIGNET_E_PROCESS_UNKNOWN, sockfd, 0, "%s",
			"the peer's pid is numbered differently in this process's /proc (another pid namespace)");
		if (proc.dir >= 0)
			close(proc.dir);
	} else if (!rc && (rc = check_holder(&unconfirmed, &proc, sockfd, err)) != 0 && proc.dir >= 0) {
		close(proc.dir);
	}
	if (!rc)
		rc = inspect_peer(out, pidfd, &proc, policy, sockfd, err);
	close(pidfd);
	if (rc || !unconfirmed)
		return rc;
	/*
	 * It could not be confirmed to hold the socket (its descriptors are not
	 * ours to read), so nothing about it is known beyond its uid, which
	 * must at least be the peer's as the kernel recorded it: a reused pid
	 * of another user is not taken for the peer.
	 */
	signet_process *p = *out;
	if (p->verdict != SIGNET_PROCESS_UNKNOWN || (p->uid != (uid_t)-1 && p->uid != cred.uid)) {
		rc = p->verdict != SIGNET_PROCESS_UNKNOWN
			? peer_fail(err, SIGNET_E_PROCESS_UNKNOWN, sockfd, 0, "%s",
				"cannot confirm that the process holds the peer socket")
			: sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PROCESS_GONE, .check = "process.peer" },
				"pid %ld is a process of uid %lu, but the peer connected as uid %lu: reused?", (long)p->pid,
				(unsigned long)p->uid, (unsigned long)cred.uid);
		signet_process_free(p);
		*out = NULL;
	}
	return rc;
}

int sg_code_for_peer_from(signet_process **out, int sockfd, const signet_policy *policy, sg_peer_source source,
	signet_error **err)
{
	if (!out)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_code_for_peer needs an output");
	int rc = sg_process_policy(&policy, err);
	if (rc)
		return rc;
	if (source != SG_PEER_CREDENTIALS) {
		int pidfd = -1;
		socklen_t len = sizeof pidfd;
		/* The kernel's pidfd is O_CLOEXEC (pidfd_prepare()). */
		if (getsockopt(sockfd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0) {
			rc = from_peer_pidfd(out, pidfd, policy, sockfd, err);
			close(pidfd);
			return rc;
		}
		int e = errno;
		if (e != ENOPROTOOPT || source == SG_PEER_PIDFD)
			return getsockopt_failed(err, sockfd, e, "SO_PEERPIDFD");
	}
	return from_credentials(out, policy, sockfd, err);
}

int signet_code_for_peer(signet_process **out, int sockfd, const signet_policy *policy, signet_error **err)
{
	/* For hosts' tests of the fallback on a kernel that has SO_PEERPIDFD (docs/processes.md). */
	const char *forced = secure_getenv("SIGNET_TEST_PEER_CREDENTIALS");
	bool fallback = forced && strcmp(forced, "1") == 0;
	return sg_code_for_peer_from(out, sockfd, policy, fallback ? SG_PEER_CREDENTIALS : SG_PEER_AUTO, err);
}
