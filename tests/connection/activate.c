/* SPDX-License-Identifier: MIT */
/*
 * activate.c - what systemd does for a .socket unit, for tests: binds and
 * listens on a Unix socket at argv[1], puts it at descriptor 3, sets
 * LISTEN_FDS=1 and LISTEN_PID to this process, and executes argv[2...],
 * which then finds the socket with sd_listen_fds().
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (argc < 3 || strlen(argv[1]) >= sizeof sa.sun_path) {
		fprintf(stderr, "usage: activate SOCKET PROGRAM [ARGS...]\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(s, 16) != 0) {
		perror(argv[1]);
		return 1;
	}
	if (s != 3 && (dup2(s, 3) != 3 || close(s) != 0)) {
		perror("dup2");
		return 1;
	}
	char pid[16];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_PID", pid, 1);
	execv(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
