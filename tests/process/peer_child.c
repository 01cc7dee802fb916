/* SPDX-License-Identifier: MIT */
/*
 * peer_child.c - a process for test_process to inspect, built unsigned
 * (tests/process/peer_child) and copied signed by team A (peer-a) and by
 * team Z (peer-z). It gets into position, says so on descriptor 3
 * ("ready" and what the test needs to know, one line), then waits for
 * end-of-file on descriptor 4 and exits: pipes, never sleeps, synchronize.
 *
 *   sleep                          nothing more
 *   connect PATH                   connect to the Unix socket PATH
 *   connect-exec PATH PROG ARG...  connect, then on one byte from fd 4 exec PROG (the socket stays open)
 *   handoff PATH                   connect, fork a child that keeps the socket; the child waits, the
 *                                  parent says "ready CHILD-PID" and exits at once
 *   fork-hold PATH                 the same, but the parent waits too (it no longer holds the socket)
 *   rwx                            map anonymous read-write-execute memory: "ready START-END"
 *   anon-exec                      anonymous memory made read-execute: "ready START-END"
 *   anon-many N                    N separate anonymous read-execute mappings
 *   load LIBRARY ANCHORS           signet_load() LIBRARY under ANCHORS (team ABCDE12345)
 *   memfd LIBRARY KIND [NAME]      LIBRARY's bytes in a memfd named NAME (default "signet:<file>"),
 *                                  mapped read-execute; KIND sealed, unsealed or closed (sealed, and
 *                                  the descriptor closed after mapping): "ready START-END"
 *   bigmap FILE N                  map FILE (read-execute) N times, apart
 *   check PID ANCHORS REQUIREMENT  inspect PID under a policy with ANCHORS (so `team = host` is this
 *                                  program's team) and print "rc=N verdict=V MESSAGE" on stdout
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <signet/signet.h>

#define READY_FD 3
#define HOLD_FD 4

static void die(const char *what)
{
	dprintf(2, "peer_child: %s: %s\n", what, strerror(errno));
	_exit(99);
}

static void ready(const char *info)
{
	dprintf(READY_FD, "ready%s%s\n", info ? " " : "", info ? info : "");
}

/* Until the test closes its end: EOF (or, when `one_byte`, a byte). */
static void wait_hold(void)
{
	char c;
	while (read(HOLD_FD, &c, 1) > 0)
		;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof sa.sun_path)
		die("socket path too long");
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int s = socket(AF_UNIX, SOCK_STREAM, 0); /* not CLOEXEC: connect-exec keeps it across exec */
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) != 0)
		die("connect");
	return s;
}

static void range(char out[64], const void *start, size_t len)
{
	snprintf(out, 64, "%" PRIxPTR "-%" PRIxPTR, (uintptr_t)start, (uintptr_t)start + len);
}

static void *map_anon(int prot)
{
	void *p = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static int handoff(const char *path, bool parent_waits)
{
	int s = connect_to(path);
	pid_t child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		wait_hold(); /* keeps `s` */
		return 0;
	}
	close(s);
	char info[32];
	snprintf(info, sizeof info, "%ld", (long)child);
	ready(info);
	if (parent_waits)
		wait_hold();
	return 0;
}

static int load(const char *library, const char *anchors)
{
	signet_policy *p = NULL;
	signet_image *img = NULL;
	signet_error *err = NULL;
	if (signet_policy_new(&p, &err) != 0 || signet_policy_set_anchors(p, anchors, &err) != 0 ||
	    signet_policy_set_requirement(p, "anchor trusted and team \"ABCDE12345\"", &err) != 0 ||
	    signet_load(&img, library, p, &err) != 0) {
		dprintf(READY_FD, "error %s\n", signet_error_message(err));
		return 1;
	}
	ready(NULL);
	wait_hold();
	int rc = signet_unload(img, NULL) == 0 ? 0 : 1;
	signet_policy_free(p);
	return rc;
}

static int memfd(const char *library, const char *kind, const char *name)
{
	int in = open(library, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (in < 0 || fstat(in, &st) != 0)
		die(library);
	char def[256];
	const char *base = strrchr(library, '/');
	snprintf(def, sizeof def, "signet:%s", base ? base + 1 : library);
	int fd = memfd_create(name ? name : def, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		die("memfd_create");
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(fd, buf, (size_t)n) != n)
			die("write");
	close(in);
	if (strcmp(kind, "unsealed") != 0 &&
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
		die("F_ADD_SEALS");
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die("mmap memfd");
	if (strcmp(kind, "closed") == 0)
		close(fd);
	char info[64];
	range(info, p, ((size_t)st.st_size + 4095) & ~(size_t)4095);
	ready(info);
	wait_hold();
	return 0;
}

static int bigmap(const char *file, long n)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(file);
	/* One reserved stretch, every other page mapped from the file: no two mappings merge. */
	uint8_t *area = mmap(NULL, (size_t)n * 2 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		die("mmap area");
	for (long i = 0; i < n; i++)
		if (mmap(area + i * 2 * 4096, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED)
			die("mmap file");
	ready(NULL);
	wait_hold();
	return 0;
}

static int check(const char *pid_text, const char *anchors, const char *requirement)
{
	signet_policy *p = NULL;
	signet_requirement *req = NULL;
	signet_process *proc = NULL;
	signet_error *err = NULL;
	int pidfd = (int)syscall(SYS_pidfd_open, atoi(pid_text), 0);
	int rc = pidfd < 0 ? -1 : 0;
	if (!rc)
		rc = signet_policy_new(&p, &err);
	if (!rc)
		rc = signet_policy_set_anchors(p, anchors, &err);
	if (!rc)
		rc = signet_requirement_parse(&req, requirement, &err);
	if (!rc)
		rc = signet_code_for_pidfd(&proc, pidfd, p, &err);
	if (!rc)
		rc = signet_process_check(proc, req, p, &err);
	printf("rc=%d verdict=%d host=%s %s\n", rc, proc ? (int)signet_process_get_verdict(proc) : -1,
		signet_policy_host_team(p) ? signet_policy_host_team(p) : "(none)", rc ? signet_error_message(err) : "");
	signet_error_free(err);
	signet_process_free(proc);
	signet_requirement_free(req);
	signet_policy_free(p);
	if (pidfd >= 0)
		close(pidfd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	char info[64];
	if (strcmp(mode, "check") == 0 && argc == 5)
		return check(argv[2], argv[3], argv[4]);
	if (strcmp(mode, "sleep") == 0) {
		ready(NULL);
		wait_hold();
		return 0;
	}
	if (strcmp(mode, "connect") == 0 && argc == 3) {
		int s = connect_to(argv[2]);
		ready(NULL);
		wait_hold();
		close(s);
		return 0;
	}
	if (strcmp(mode, "connect-exec") == 0 && argc >= 4) {
		connect_to(argv[2]);
		ready(NULL);
		char c;
		if (read(HOLD_FD, &c, 1) != 1)
			return 0;
		execv(argv[3], argv + 3);
		die("execv");
	}
	/* connect-reexec PATH ENV: connects, then (told to) exec's its own file again with ENV added (LD_PRELOAD=...). */
	if (strcmp(mode, "connect-reexec") == 0 && argc == 4) {
		connect_to(argv[2]);
		ready(NULL);
		char c;
		if (read(HOLD_FD, &c, 1) != 1)
			return 0;
		if (putenv(argv[3]) != 0)
			die("putenv");
		char sleep_mode[] = "sleep";
		char *again[] = { argv[0], sleep_mode, NULL };
		execv("/proc/self/exe", again);
		die("execv");
	}
	if ((strcmp(mode, "handoff") == 0 || strcmp(mode, "fork-hold") == 0) && argc == 3)
		return handoff(argv[2], strcmp(mode, "fork-hold") == 0);
	if (strcmp(mode, "rwx") == 0 || strcmp(mode, "anon-exec") == 0) {
		bool rwx = strcmp(mode, "rwx") == 0;
		void *p = map_anon(rwx ? PROT_READ | PROT_WRITE | PROT_EXEC : PROT_READ | PROT_WRITE);
		memset(p, 0xc3, 4096); /* ret: code written at run time */
		if (!rwx && mprotect(p, 4096, PROT_READ | PROT_EXEC) != 0)
			die("mprotect");
		range(info, p, 4096);
		ready(info);
		wait_hold();
		return 0;
	}
	if (strcmp(mode, "anon-many") == 0 && argc == 3) {
		long n = atol(argv[2]);
		uint8_t *area = mmap(NULL, (size_t)n * 2 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (area == MAP_FAILED)
			die("mmap");
		for (long i = 0; i < n; i++)
			if (mprotect(area + i * 2 * 4096, 4096, PROT_READ | PROT_EXEC) != 0)
				die("mprotect");
		ready(NULL);
		wait_hold();
		return 0;
	}
	if (strcmp(mode, "load") == 0 && argc == 4)
		return load(argv[2], argv[3]);
	if (strcmp(mode, "memfd") == 0 && (argc == 4 || argc == 5))
		return memfd(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	if (strcmp(mode, "bigmap") == 0 && argc == 4)
		return bigmap(argv[2], atol(argv[3]));
	dprintf(2, "usage: see the comment at the top of peer_child.c\n");
	return 2;
}
