/* SPDX-License-Identifier: MIT */
/* harness.c - the shared CUnit runner and test helpers. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "harness.h"

static const char *env_or_die(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v) {
		fprintf(stderr, "test harness: %s is not set (run through `make check`)\n", name);
		exit(99);
	}
	return v;
}

const char *sg_builddir(void) { return env_or_die("SIGNET_TEST_BUILDDIR"); }
const char *sg_srcdir(void) { return env_or_die("SIGNET_TEST_SRCDIR"); }

const char *sg_fixture(const char *name)
{
	static _Thread_local char ring[8][4096]; /* per thread: loaders call it concurrently */
	static _Thread_local unsigned next;
	char *buf = ring[next++ % 8];
	snprintf(buf, sizeof ring[0], "%s/tests/fixtures/%s", sg_builddir(), name);
	return buf;
}

const char *sg_test_pki(const char *name)
{
	static _Thread_local char ring[4][4096];
	static _Thread_local unsigned next;
	char *buf = ring[next++ % 4];
	snprintf(buf, sizeof ring[0], "%s/tests/pki/%s", sg_builddir(), name);
	return buf;
}

static pthread_once_t policy_once = PTHREAD_ONCE_INIT;
static signet_policy *test_policy;

static void make_test_policy(void)
{
	signet_error *err = NULL;
	if (signet_policy_new(&test_policy, &err) != 0 ||
	    signet_policy_set_anchors(test_policy, sg_test_pki("root.pem"), &err) != 0 ||
	    signet_policy_set_requirement(test_policy, "anchor trusted and team \"ABCDE12345\"", &err) != 0) {
		fprintf(stderr, "test harness: cannot make the test policy: %s\n", signet_error_message(err));
		exit(99);
	}
}

const signet_policy *sg_test_policy(void)
{
	pthread_once(&policy_once, make_test_policy);
	return test_policy;
}

static char sandbox_root[4000];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static void remove_sandboxes(void)
{
	if (sandbox_root[0])
		nftw(sandbox_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

uint8_t *sg_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	if (!f || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "test harness: cannot read %s\n", path);
		exit(99);
	}
	uint8_t *buf = malloc((size_t)st.st_size + 1);
	if (!buf || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		fprintf(stderr, "test harness: cannot read %s\n", path);
		exit(99);
	}
	fclose(f);
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return buf;
}

void sg_write_file(const char *path, const void *bytes, size_t len, unsigned mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0 || write(fd, bytes, len) != (ssize_t)len || close(fd) != 0) {
		fprintf(stderr, "test harness: cannot write %s\n", path);
		exit(99);
	}
}

const char *sg_sandbox(void)
{
	static char current[4096];
	static unsigned counter;
	if (!sandbox_root[0]) {
		const char *tmp = getenv("TMPDIR");
		snprintf(sandbox_root, sizeof sandbox_root, "%s/signet-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(sandbox_root)) {
			perror("mkdtemp");
			exit(99);
		}
		atexit(remove_sandboxes);
	}
	snprintf(current, sizeof current, "%s/%u", sandbox_root, ++counter);
	if (mkdir(current, 0700) != 0) {
		perror("mkdir sandbox");
		exit(99);
	}
	return current;
}

int sg_test_main(const sg_suite *suites)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 99;
	for (const sg_suite *s = suites; s->name; s++) {
		CU_pSuite suite = CU_add_suite(s->name, NULL, NULL);
		if (!suite)
			return 99;
		/* SIGNET_TEST_ONLY=TEXT runs only the tests whose names contain TEXT (by hand, when debugging). */
		const char *only = getenv("SIGNET_TEST_ONLY");
		for (const sg_test *t = s->tests; t->name; t++)
			if ((!only || strstr(t->name, only)) && !CU_add_test(suite, t->name, t->run))
				return 99;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS)
		return 99;
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	unsigned ran = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	return (failed || ran == 0) ? 1 : 0;
}

const sg_special *sg_special_files(void)
{
	static char paths[3][4096];
	static sg_special files[SG_SPECIAL_COUNT];
	const char *dir = sg_sandbox();
	snprintf(paths[0], sizeof paths[0], "%s/fifo.so", dir);
	snprintf(paths[1], sizeof paths[1], "%s/socket.so", dir);
	snprintf(paths[2], sizeof paths[2], "%s/dir.so", dir);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (strlen(paths[1]) >= sizeof sa.sun_path || s < 0 || mkfifo(paths[0], 0644) != 0 ||
	    mkdir(paths[2], 0755) != 0) {
		perror("sg_special_files");
		exit(99);
	}
	memcpy(sa.sun_path, paths[1], strlen(paths[1]) + 1);
	if (bind(s, (struct sockaddr *)&sa, sizeof sa) != 0) {
		perror("bind");
		exit(99);
	}
	close(s); /* the socket file stays: connecting would fail, opening fails with ENXIO */
	files[0] = (sg_special){ paths[0], "a FIFO" };
	files[1] = (sg_special){ paths[1], "a socket" };
	files[2] = (sg_special){ paths[2], "a directory" };
	files[3] = (sg_special){ "/dev/zero", "a character device" };
	return files;
}

static void watchdog_fired(int sig)
{
	(void)sig;
	static const char msg[] = "watchdog: the test hung (an open or read that blocks?)\n";
	(void)!write(2, msg, sizeof msg - 1);
	_exit(99);
}

void sg_watchdog(unsigned seconds)
{
	signal(SIGALRM, watchdog_fired);
	alarm(seconds);
}

static char root_sandbox_root[64];

static void remove_root_sandboxes(void)
{
	if (root_sandbox_root[0])
		nftw(root_sandbox_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Is `dir` root's alone (a directory, uid 0, not writable by group or others)? */
static bool root_only(const char *dir)
{
	struct stat st;
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH));
}

const char *sg_root_sandbox(void)
{
	static char current[128];
	static unsigned counter;
	if (geteuid() != 0 || !root_only("/") || !root_only("/run"))
		return NULL;
	if (!root_sandbox_root[0]) {
		snprintf(root_sandbox_root, sizeof root_sandbox_root, "/run/signet-test.XXXXXX");
		if (!mkdtemp(root_sandbox_root) || chmod(root_sandbox_root, 0755) != 0) {
			perror("mkdtemp /run");
			exit(99);
		}
		atexit(remove_root_sandboxes);
	}
	snprintf(current, sizeof current, "%s/%u", root_sandbox_root, ++counter);
	if (mkdir(current, 0755) != 0 || chmod(current, 0755) != 0) {
		perror("mkdir root sandbox");
		exit(99);
	}
	return current;
}

bool sg_still_loaded(const char *fragment)
{
	signet_image_list *list = NULL;
	if (signet_registry_snapshot(&list, NULL) != 0)
		exit(99);
	bool found = false;
	for (size_t i = 0; i < signet_image_list_count(list); i++) {
		const char *p = signet_image_path(signet_image_list_get(list, i));
		found |= p && strstr(p, fragment) != NULL;
	}
	signet_image_list_free(list);
	return found;
}
