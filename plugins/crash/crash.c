/* SPDX-License-Identifier: MIT */
/*
 * crash.c - the Crash sample plugin (org.signet.sample.crash): class
 * CrashSample, adopting no protocol. A misbehaving guest on purpose, to
 * show (and test) what isolation contains; loaded in process, each method
 * does exactly what its name says to the host that loaded it.
 *
 *   crash          "*"   stores through a NULL pointer: SIGSEGV
 *   abort          "*"   abort(): SIGABRT
 *   spin           "*"   says "crash sample: spinning" on stderr, then loops forever
 *   exit           "*"   exit(3)
 *   write_passwd   "*"   opens /etc/passwd for appending (O_WRONLY | O_APPEND),
 *                        writes nothing, closes it: "opened" or "refused: <why>"
 *   read_file      "**"  opens a file for reading, reads nothing, closes it:
 *                        "opened" or "refused: <why>"
 *   connect_local  "*i"  a TCP connection to 127.0.0.1:PORT, closed at once:
 *                        "connected" or "refused: <why>"
 *   fork           "*"   fork(); the child _exit(0)s at once and is reaped:
 *                        "forked" or "refused: <why>"
 *   exec           "*"   execve("/bin/true"): returns only when refused,
 *                        "refused: <why>"
 *   echo           "**"  its argument (a guest that works answers the same
 *                        isolated as in process)
 *
 * "<why>" is strerror() of the call's errno. The same executable is signed
 * into Crash-net.bundle, Crash-files.bundle and Crash-unknown.bundle with
 * entitlements (docs/plugins-samples.md).
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <signet/plugin.h>

#include "sample_buffer.h"

struct crash {
	sample_buffer out;
};

/* "refused: <strerror(e)>" in the instance's buffer. */
static const char *refused(struct crash *c, int e)
{
	const char *why = strerror(e);
	char *out = sample_buffer_reserve(&c->out, strlen("refused: ") + strlen(why));
	if (!out)
		return NULL;
	snprintf(out, c->out.cap, "refused: %s", why);
	return out;
}

/*
 * Sanitizers would report the store themselves and abort, which is not
 * the fault this method is for: the kernel's SIGSEGV is.
 */
__attribute__((no_sanitize("address", "undefined")))
static const char *crash_crash(void *self)
{
	(void)self;
	/* volatile: the compiler may neither drop the store nor prove it reaches NULL. */
	volatile int *volatile target = NULL;
	*target = 1;
	return "survived";
}

static const char *crash_abort(void *self)
{
	(void)self;
	abort();
}

static const char *crash_spin(void *self)
{
	(void)self;
	fputs("crash sample: spinning\n", stderr);
	volatile unsigned long turns = 0;
	for (;;)
		turns++;
	return NULL; /* not reached; some compilers still ask for it */
}

static const char *crash_exit(void *self)
{
	(void)self;
	exit(3);
}

static const char *crash_write_passwd(void *self)
{
	/* O_APPEND and no write: even where the open succeeds, not a byte changes. */
	int fd = open("/etc/passwd", O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return refused(self, errno);
	close(fd);
	return "opened";
}

static const char *crash_read_file(void *self, const char *path)
{
	if (!path)
		return refused(self, EINVAL);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return refused(self, errno);
	close(fd);
	return "opened";
}

static const char *crash_connect_local(void *self, int32_t port)
{
	if (port < 1 || port > 65535)
		return refused(self, EINVAL);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return refused(self, errno);
	int rc = connect(fd, (const struct sockaddr *)&a, sizeof a);
	int e = errno;
	close(fd);
	return rc == 0 ? "connected" : refused(self, e);
}

static const char *crash_fork(void *self)
{
	pid_t pid = fork();
	if (pid < 0)
		return refused(self, errno);
	if (pid == 0)
		_exit(0);
	/* Reaped here: a sample leaves no zombie behind. */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return "forked";
}

static const char *crash_exec(void *self)
{
	static char true_path[] = "/bin/true";
	char *argv[] = { true_path, NULL };
	char *envp[] = { NULL };
	execve(true_path, argv, envp);
	return refused(self, errno);
}

static const char *crash_echo(void *self, const char *text)
{
	struct crash *c = self;
	if (!text)
		return NULL;
	size_t len = strlen(text);
	char *out = sample_buffer_reserve(&c->out, len);
	if (!out)
		return NULL;
	memcpy(out, text, len + 1);
	return out;
}

static void crash_fini(void *self)
{
	struct crash *c = self;
	sample_buffer_free(&c->out);
}

static const signet_method crash_methods[] = {
	SIGNET_METHOD("crash", "*", crash_crash),
	SIGNET_METHOD("abort", "*", crash_abort),
	SIGNET_METHOD("spin", "*", crash_spin),
	SIGNET_METHOD("exit", "*", crash_exit),
	SIGNET_METHOD("write_passwd", "*", crash_write_passwd),
	SIGNET_METHOD("read_file", "**", crash_read_file),
	SIGNET_METHOD("connect_local", "*i", crash_connect_local),
	SIGNET_METHOD("fork", "*", crash_fork),
	SIGNET_METHOD("exec", "*", crash_exec),
	SIGNET_METHOD("echo", "**", crash_echo),
};

SIGNET_CLASS_NO_PROTOCOLS(CrashSample, struct crash, NULL, crash_fini, crash_methods);
