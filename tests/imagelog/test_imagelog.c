/* SPDX-License-Identifier: MIT */
/*
 * test_imagelog.c - SIGNET_PRINT_IMAGES in real child processes: to stderr,
 * appended to a file, and off when unset.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* Runs the child with SIGNET_PRINT_IMAGES=value (NULL: unset); its stderr
 * goes to `stderr_path`. Returns the exit status. */
static int run_child(const char *value, const char *stderr_path, const char *library)
{
	char child[PATH_MAX];
	snprintf(child, sizeof child, "%s/tests/imagelog/imagelog_child", sg_builddir());
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		int fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(98);
		if (value)
			setenv("SIGNET_PRINT_IMAGES", value, 1);
		else
			unsetenv("SIGNET_PRINT_IMAGES");
		execl(child, child, library, sg_test_pki("root.pem"), (char *)NULL);
		_exit(97);
	}
	/* 20 s at most: a child that hangs (on a FIFO log, say) fails instead of hanging the suite. */
	int status = 0;
	for (int tenths = 0; waitpid(pid, &status, WNOHANG) == 0; tenths++) {
		if (tenths == 200) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return 124;
		}
		usleep(100 * 1000);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return strdup("");
	char *buf = calloc(1, 1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The line for `event` of the image at `path` with `arrival` and `identity`, or NULL. */
static const char *find_line_as(const char *text, const char *event, const char *arrival, const char *identity,
	const char *path)
{
	char head[64], tail[PATH_MAX + 64], arr[256];
	snprintf(head, sizeof head, "signet-image: %s base=0x", event);
	snprintf(arr, sizeof arr, " arrival=%s identity=%s", arrival, identity);
	snprintf(tail, sizeof tail, "path=%s\n", path);
	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *end = strchr(line, '\n');
		if (!end)
			return NULL;
		size_t len = (size_t)(end - line) + 1;
		char buf[PATH_MAX + 512];
		if (len >= sizeof buf)
			continue;
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (strncmp(buf, head, strlen(head)) == 0 && strstr(buf, arr) && strstr(buf, tail))
			return line;
	}
	return NULL;
}

static const char *find_line(const char *text, const char *event, const char *arrival, const char *path)
{
	return find_line_as(text, event, arrival, "unsigned path=", path);
}

/* A fixture's lines: signed by the test team, with its identifier. */
static const char *find_signed(const char *text, const char *event, const char *path, const char *identifier)
{
	char identity[256];
	snprintf(identity, sizeof identity, "signed team=ABCDE12345 identifier=%s cdhash=", identifier);
	return find_line_as(text, event, "signet", identity, path);
}

static void test_log_to_a_file(void)
{
	const char *dir = sg_sandbox();
	char log[PATH_MAX], err[PATH_MAX];
	snprintf(log, sizeof log, "%s/images.log", dir);
	snprintf(err, sizeof err, "%s/stderr", dir);
	const char *lib = sg_fixture("libfixture0.so");
	/* Appends: an existing first line stays. */
	FILE *f = fopen(log, "w");
	fputs("existing line\n", f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(run_child(log, err, lib), 0);
	char *text = slurp(log);
	CU_ASSERT(strncmp(text, "existing line\n", 14) == 0);

	char exe[PATH_MAX];
	snprintf(exe, sizeof exe, "%s/tests/imagelog/", sg_builddir());
	/* The executable's line: first after ours, arrival main, real path. */
	CU_ASSERT(strncmp(text + 14, "signet-image: add base=0x", 25) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, " arrival=main identity=unsigned path="));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "imagelog_child\n"));
	CU_ASSERT_PTR_NOT_NULL(find_line(text, "add", "startup", "/lib/x86_64-linux-gnu/libc.so.6") ?:
		find_line(text, "add", "startup", "/usr/lib/x86_64-linux-gnu/libc.so.6"));
	const char *add = find_signed(text, "add", lib, "org.signet.test.fixture0");
	const char *rm = find_signed(text, "remove", lib, "org.signet.test.fixture0");
	/* The refusal names the file, the code and the reason. */
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "signet-image: refuse code=SIGNET_E_IO check=load.open "
		"path=/nonexistent/librefused.so reason=/nonexistent/librefused.so: cannot open: No such file"));
	CU_ASSERT_PTR_NOT_NULL(add);
	CU_ASSERT_PTR_NOT_NULL(rm);
	CU_ASSERT(add && rm && add < rm);
	/* The fixture has a 20-byte build-id: 40 hex digits. */
	if (add) {
		const char *bid = strstr(add, "build-id=");
		CU_ASSERT_PTR_NOT_NULL_FATAL(bid);
		CU_ASSERT_EQUAL(strspn(bid + 9, "0123456789abcdef"), 40);
	}
	free(text);
	char *errtext = slurp(err);
	CU_ASSERT_STRING_EQUAL(errtext, ""); /* nothing on stderr */
	free(errtext);
}

static void test_log_to_stderr_and_off(void)
{
	const char *dir = sg_sandbox();
	char err[PATH_MAX];
	snprintf(err, sizeof err, "%s/stderr", dir);
	const char *lib = sg_fixture("libfixture1.so");
	CU_ASSERT_EQUAL_FATAL(run_child("1", err, lib), 0);
	char *text = slurp(err);
	CU_ASSERT_PTR_NOT_NULL(find_signed(text, "add", lib, "org.signet.test.fixture1"));
	CU_ASSERT_PTR_NOT_NULL(find_signed(text, "remove", lib, "org.signet.test.fixture1"));
	free(text);

	CU_ASSERT_EQUAL_FATAL(run_child(NULL, err, lib), 0);
	text = slurp(err);
	CU_ASSERT_STRING_EQUAL(text, "");
	free(text);
	/* A relative path is not a log destination: nothing is written anywhere. */
	CU_ASSERT_EQUAL_FATAL(run_child("relative.log", err, lib), 0);
	text = slurp(err);
	CU_ASSERT_STRING_EQUAL(text, "");
	free(text);
	CU_ASSERT_EQUAL(access("relative.log", F_OK), -1);
}

/*
 * The log path is opened before main() of every program linking libsignet:
 * a FIFO with no reader, a socket, a directory or a device there must not
 * hang or break the program. It runs, logs nothing, and writes nothing.
 */
static void test_log_to_a_special_file(void)
{
	const sg_special *files = sg_special_files();
	char err[PATH_MAX];
	snprintf(err, sizeof err, "%s/stderr", sg_sandbox());
	for (int i = 0; i < SG_SPECIAL_COUNT; i++) {
		CU_ASSERT_EQUAL(run_child(files[i].path, err, sg_fixture("libfixture1.so")), 0);
		char *text = slurp(err);
		CU_ASSERT_STRING_EQUAL(text, "");
		free(text);
	}
}

int main(void)
{
	static const sg_test tests[] = {
		{ "SIGNET_PRINT_IMAGES=/file appends add and remove lines", test_log_to_a_file },
		{ "SIGNET_PRINT_IMAGES=1 logs to stderr; unset logs nothing", test_log_to_stderr_and_off },
		{ "a FIFO, socket, directory or device as the log: no hang, no log", test_log_to_a_special_file },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "imagelog", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
