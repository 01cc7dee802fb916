/* SPDX-License-Identifier: MIT */
/*
 * spawn.c - starting the guest helper from its verified bytes.
 *
 * The helper is judged as a plugin is: a sealed snapshot of the file is
 * verified under the host's policy and admitted by it, and must carry the
 * helper's identifier. Then that very snapshot is executed (execveat of a
 * read-only descriptor of the sealed memfd): a file swapped on disk after
 * the check is never run, because no path is ever executed.
 *
 * The child is made with clone3(): CLONE_PIDFD gives its pidfd
 * atomically (no window in which its pid could be reaped and reused), an
 * exit signal of 0 keeps it out of the host's own SIGCHLD handling and
 * waitpid(-1) (only __WALL waits see it), and CLONE_CLEAR_SIGHAND resets
 * the host's signal handlers so none runs in the child before exec. The
 * child runs only async-signal-safe system calls between clone and exec.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "isolation/spawn.h"
#include "load/snapshot.h"
#include "policy/policy_internal.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

/* The descriptor the helper's executable sits on in the child until exec. */
#define EXEC_FD 5

/*
 * Environment variables a helper keeps: UBSan's and TSan's settings, so
 * sanitizer builds run as built. Not ASan's: the helper sets its own
 * (signet_guest.c), since a sandboxed process can neither check for leaks
 * at exit nor symbolize a report.
 */
static const char *const kept_environment[] = { "UBSAN_OPTIONS", "TSAN_OPTIONS", NULL };

const char *sg_helper_path(const char *given)
{
	if (given)
		return given;
	/*
	 * An override names only where to look: whatever is there must still
	 * verify, be admitted by the policy and carry the helper's identifier.
	 */
	const char *env = secure_getenv("SIGNET_GUEST_HELPER");
	return env && *env ? env : SIGNET_LIBEXECDIR "/signet-guest";
}

int sg_helper_verify(int *exec_fd, uint8_t cdhash[32], const signet_policy *policy, const char *path,
	signet_error **err)
{
	sg_snapshot snap = { .fd = -1 };
	int rc = sg_snapshot_take(&snap, path, err);
	if (rc)
		return rc;
	signet_identity *id = NULL;
	signet_verify_options vo;
	sg_policy_verify_options(policy, &vo);
	rc = signet_verify_bytes(&id, snap.bytes, snap.length, path, sg_policy_trust(policy), &vo, err);
	if (!rc)
		rc = sg_policy_admit(policy, id, err);
	if (!rc && strcmp(signet_identity_identifier(id), SG_GUEST_HELPER_IDENTIFIER) != 0)
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_DENIED, .path = path,
			.check = "isolation.helper", .expected = SG_GUEST_HELPER_IDENTIFIER,
			.actual = signet_identity_identifier(id) }, "not the guest helper: its identifier is %s, not %s",
			signet_identity_identifier(id), SG_GUEST_HELPER_IDENTIFIER);
	if (!rc)
		memcpy(cdhash, signet_identity_cdhash(id), 32);
	signet_identity_free(id);
	if (!rc) {
		/*
		 * A read-only descriptor of the sealed memfd: exec refuses a file
		 * open for writing anywhere (ETXTBSY), and the snapshot's own
		 * descriptor is read-write. The seals keep the bytes those that
		 * were verified whichever descriptor reaches them.
		 */
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", snap.fd);
		*exec_fd = open(proc, O_RDONLY | O_CLOEXEC);
		if (*exec_fd < 0) {
			int e = errno;
			rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = "isolation.helper",
				.os_errno = e }, "cannot reopen the helper's sealed copy: %s", strerror(e));
		}
	}
	sg_snapshot_close(&snap);
	return rc;
}

/* The helper's environment: only what is kept on purpose (nothing like LD_PRELOAD reaches it). */
static char **helper_environment(void)
{
	size_t n = 0;
	char **env = calloc(sizeof kept_environment / sizeof kept_environment[0] + 1, sizeof *env);
	if (!env)
		return NULL;
	for (const char *const *k = kept_environment; *k; k++) {
		const char *v = getenv(*k);
		if (!v)
			continue;
		size_t len = strlen(*k) + strlen(v) + 2;
		if (!(env[n] = malloc(len))) {
			for (size_t i = 0; i < n; i++)
				free(env[i]);
			free(env);
			return NULL;
		}
		snprintf(env[n++], len, "%s=%s", *k, v);
	}
	return env;
}

static void free_environment(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

/* In the child, between clone and exec: async-signal-safe system calls only. */
static __attribute__((noreturn)) void child(int exec_fd, int sock, int report, int devnull, char **argv,
	char **envp)
{
	/* Signals the host blocks would stay blocked across exec; the helper must see its own. */
	sigset_t none;
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(exec_fd, EXEC_FD) < 0 || dup2(sock, SG_GUEST_FD_CONNECTION) < 0 || dup2(report, SG_GUEST_FD_REPORT) < 0 ||
	    dup2(devnull, 0) < 0 || dup2(2, 1) < 0) /* a guest's stdout must not mix into the host's */
		_exit(127);
	/* Every other descriptor of the host stays out of the guest. */
	(void)syscall(SYS_close_range, EXEC_FD + 1, ~0U, 0);
	(void)fcntl(EXEC_FD, F_SETFD, FD_CLOEXEC);
	syscall(SYS_execveat, EXEC_FD, "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

int sg_helper_spawn(sg_spawned *out, int exec_fd, const char *path, signet_error **err)
{
	int sv[2] = { -1, -1 }, report[2] = { -1, -1 };
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	static char name[] = "signet-guest";
	char *argv[] = { name, NULL };
	char **envp = helper_environment();
	int rc = 0;
	if (devnull < 0 || !envp || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
	    pipe2(report, O_CLOEXEC | O_NONBLOCK) != 0) {
		int e = errno;
		rc = sg_fail(err, &(sg_error_info){ .code = envp ? SIGNET_E_IO : SIGNET_E_NOMEM, .path = path,
			.check = "isolation.spawn", .os_errno = e }, "cannot prepare the guest process: %s", strerror(e));
		goto out;
	}
	int pidfd = -1;
	struct clone_args ca = { .flags = CLONE_PIDFD | CLONE_CLEAR_SIGHAND, .pidfd = (uint64_t)(uintptr_t)&pidfd,
		.exit_signal = 0 };
	long pid = syscall(SYS_clone3, &ca, sizeof ca);
	if (pid == 0)
		child(exec_fd, sv[1], report[1], devnull, argv, envp);
	if (pid < 0) {
		int e = errno;
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = "isolation.spawn",
			.os_errno = e }, "cannot start the guest process: clone3: %s", strerror(e));
		goto out;
	}
	*out = (sg_spawned){ .pid = (pid_t)pid, .pidfd = pidfd, .sock = sv[0], .report = report[0] };
	sv[0] = report[0] = -1;
out:
	free_environment(envp);
	for (int i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		if (report[i] >= 0)
			close(report[i]);
	}
	if (devnull >= 0)
		close(devnull);
	return rc;
}
