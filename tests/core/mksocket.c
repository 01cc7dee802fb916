/* SPDX-License-Identifier: MIT */
/* mksocket.c - binds a Unix socket at argv[1] and exits, leaving the socket file (for shell tests). */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (argc != 2 || strlen(argv[1]) >= sizeof sa.sun_path) {
		fprintf(stderr, "usage: mksocket PATH (shorter than %zu bytes)\n", sizeof sa.sun_path);
		return 2;
	}
	memcpy(sa.sun_path, argv[1], strlen(argv[1]) + 1);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) != 0) {
		perror(argv[1]);
		return 1;
	}
	close(s);
	return 0;
}
