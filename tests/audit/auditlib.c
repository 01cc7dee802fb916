/* SPDX-License-Identifier: MIT */
/*
 * auditlib.c - the library the audited test program needs (libauditlib.so.1).
 * Built with -DMARKER_ENV: its constructor appends the running program's
 * path (/proc/self/exe) to the file named by that variable, so a test can
 * tell whether an impostor's code ever ran, and in which program.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int auditlib_answer(void);

int auditlib_answer(void)
{
	return ANSWER;
}

#ifdef MARKER_ENV
__attribute__((constructor)) static void leave_marker(void)
{
	const char *path = getenv(MARKER_ENV);
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (path && n > 0) {
		exe[n++] = '\n';
		int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd >= 0) {
			if (write(fd, exe, (size_t)n) != n)
				n = -1;
			close(fd);
		}
	}
}
#endif
