/* SPDX-License-Identifier: MIT */
/*
 * test_process.c - the code identity of real processes (docs/processes.md):
 * signed, unsigned, replaced on disk, with an unsigned preloaded library,
 * with code written at run time, with Signet snapshots good and bad, one
 * that exec's after connecting, one that exited, a reused pid, another
 * user's; the requirement check; the peer of a socket through SO_PEERPIDFD
 * and through the SO_PEERCRED fallback; and the /proc/PID/maps parser
 * against hostile text.
 *
 * Children are tests/process/peer_child (unsigned), peer-a and peer-z
 * (signed by teams A and Z): they say "ready" on a pipe when in position
 * and end when the test closes another (no sleeps), under a watchdog.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#include "codesign/format.h"
#include "core/error_internal.h"
#include "core/file.h"
#include "policy/policy_internal.h"
#include "process/process_internal.h"
#include "process/procfs.h"

#define TEAM_A "ABCDE12345"
#define TEAM_Z "ZZZZZ99999"

/* ---- children ------------------------------------------------------------ */

typedef struct child {
	pid_t pid;
	int pidfd;
	int ready;          /* read end of the child's descriptor 3 */
	int hold;           /* write end of its descriptor 4: closed, the child ends */
	char said[128];     /* what followed "ready" */
} child;

static const char *prog(const char *name)
{
	static char ring[4][PATH_MAX];
	static unsigned next;
	char *buf = ring[next++ % 4];
	snprintf(buf, PATH_MAX, "%s/tests/process/%s", sg_builddir(), name);
	return buf;
}

/* The path the kernel shows for a program: its real path. */
static const char *real(const char *path)
{
	static char ring[4][PATH_MAX];
	static unsigned next;
	char *buf = ring[next++ % 4];
	CU_ASSERT_PTR_NOT_NULL_FATAL(realpath(path, buf));
	return buf;
}

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* One line from `fd` (blocking: the watchdog ends a hang), without its newline. */
static bool read_line(int fd, char *out, size_t size)
{
	size_t n = 0;
	char ch;
	while (n + 1 < size) {
		ssize_t r = read(fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (ch == '\n') {
			out[n] = '\0';
			return true;
		}
		out[n++] = ch;
	}
	out[n] = '\0';
	return false;
}

/* The child's "ready" line: what follows it goes to c->said. */
static void wait_ready(child *c)
{
	char line[128];
	bool ok = read_line(c->ready, line, sizeof line) && strncmp(line, "ready", 5) == 0;
	if (!ok)
		fprintf(stderr, "  child %ld said [%s], not ready\n", (long)c->pid, line);
	CU_ASSERT_FATAL(ok);
	snprintf(c->said, sizeof c->said, "%s", line[5] == ' ' ? line + 6 : line + 5);
}

/* Starts argv (a NULL-terminated list) with descriptors 3 and 4, `env` ("K=V" or NULL) added. */
static child start_env(const char *const *argv, const char *env)
{
	int r[2], h[2];
	CU_ASSERT_FATAL(pipe2(r, O_CLOEXEC) == 0 && pipe2(h, O_CLOEXEC) == 0);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		/* Out of the way first, so that neither lands on the other's target. */
		int ready = fcntl(r[1], F_DUPFD, 10), hold = fcntl(h[0], F_DUPFD, 10);
		if (ready < 0 || hold < 0 || dup2(ready, 3) != 3 || dup2(hold, 4) != 4)
			_exit(126);
		if (env)
			putenv((char *)(uintptr_t)env);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(r[1]);
	close(h[0]);
	child c = { .pid = pid, .ready = r[0], .hold = h[1] };
	c.pidfd = pidfd_open_(pid);
	CU_ASSERT_FATAL(c.pidfd >= 0);
	return c;
}

static child start(const char *const *argv)
{
	child c = start_env(argv, NULL);
	wait_ready(&c);
	return c;
}

/* Lets it end, and reaps it. */
static void stop(child *c)
{
	if (c->hold >= 0)
		close(c->hold);
	int status;
	while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
		;
	close(c->ready);
	close(c->pidfd);
	c->hold = c->ready = c->pidfd = -1;
}

static signet_process *inspect_pidfd(int pidfd, const signet_policy *policy)
{
	signet_process *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_code_for_pidfd(&p, pidfd, policy, &err), &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	return p;
}

static signet_process *inspect(const child *c)
{
	return inspect_pidfd(c->pidfd, sg_test_policy());
}

/* Prints every problem when the verdict is not the one wanted, to show why. */
static void assert_verdict(const signet_process *p, signet_process_verdict want)
{
	if (signet_process_get_verdict(p) != want) {
		fprintf(stderr, "  verdict %d, wanted %d\n", (int)signet_process_get_verdict(p), (int)want);
		for (size_t i = 0; i < signet_process_problem_count(p); i++)
			fprintf(stderr, "  problem: %s\n", signet_error_message(signet_process_problem(p, i)));
		if (signet_process_unknown_reason(p))
			fprintf(stderr, "  unknown: %s\n", signet_error_message(signet_process_unknown_reason(p)));
	}
	CU_ASSERT_EQUAL_FATAL(signet_process_get_verdict(p), want);
	CU_ASSERT_EQUAL(signet_process_is_valid(p), want == SIGNET_PROCESS_VALID);
}

/* The one problem of `p`: its check, its exact message, its path. */
static void assert_one_problem(const signet_process *p, const char *check, const char *message, const char *path)
{
	assert_verdict(p, SIGNET_PROCESS_INVALID);
	CU_ASSERT_EQUAL_FATAL(signet_process_problem_count(p), 1);
	const signet_error *e = signet_process_problem(p, 0);
	CU_ASSERT_EQUAL(signet_error_code(e), SIGNET_E_PROCESS_INVALID);
	CU_ASSERT_STRING_EQUAL(signet_error_check(e), check);
	if (strcmp(signet_error_message(e), message) != 0) {
		fprintf(stderr, "  problem [%s]\n  wanted  [%s]\n", signet_error_message(e), message);
		CU_FAIL("the problem is not the one expected");
	}
	if (path) {
		CU_ASSERT_STRING_EQUAL(signet_error_path(e), path);
	} else {
		CU_ASSERT_PTR_NULL(signet_error_path(e));
	}
	CU_ASSERT_PTR_NULL(signet_process_problem(p, 1));
}

static void assert_team(const signet_process *p, const char *team, const char *identifier)
{
	const signet_identity *id = signet_process_identity(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(id);
	CU_ASSERT_STRING_EQUAL(signet_identity_team(id), team);
	CU_ASSERT_STRING_EQUAL(signet_identity_identifier(id), identifier);
}

/* A Unix socket listening in a fresh sandbox. */
static int listener(char path[108])
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(path, 108, "%s/sock", sg_sandbox());
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(s, 4) == 0);
	return s;
}

static int accept_one(int listening)
{
	int s = accept4(listening, NULL, NULL, SOCK_CLOEXEC);
	CU_ASSERT_FATAL(s >= 0);
	return s;
}

/* Does this kernel have SO_PEERPIDFD (6.5)? The tests of that path need it; the fallback's do not. */
static bool have_peerpidfd(void)
{
	int sv[2], pidfd = -1;
	socklen_t len = sizeof pidfd;
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	bool ok = getsockopt(sv[0], SOL_SOCKET, 77, &pidfd, &len) == 0;
	if (ok)
		close(pidfd);
	close(sv[0]);
	close(sv[1]);
	if (!ok)
		fprintf(stderr, "  note: this kernel has no SO_PEERPIDFD; its path is not tested here\n");
	return ok;
}

static signet_process *peer(int sockfd, sg_peer_source source)
{
	signet_process *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_code_for_peer_from(&p, sockfd, sg_test_policy(), source, &err), &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	return p;
}

static void copy_file(const char *from, const char *to, unsigned mode)
{
	size_t len = 0;
	uint8_t *bytes = sg_read_file(from, &len);
	sg_write_file(to, bytes, len, mode);
	free(bytes);
}

/* ---- identity and validity ---------------------------------------------- */

static void test_signed_process_is_valid(void)
{
	sg_watchdog(60);
	const char *argv[] = { prog("peer-a"), "sleep", NULL };
	child c = start(argv);
	signet_process *p = inspect(&c);
	assert_verdict(p, SIGNET_PROCESS_VALID);
	CU_ASSERT_EQUAL(signet_process_problem_count(p), 0);
	CU_ASSERT_PTR_NULL(signet_process_unknown_reason(p));
	CU_ASSERT_EQUAL(signet_process_pid(p), c.pid);
	CU_ASSERT_EQUAL(signet_process_uid(p), getuid());
	CU_ASSERT(signet_process_pidfd(p) >= 0 && signet_process_pidfd(p) != c.pidfd);
	CU_ASSERT_STRING_EQUAL(signet_process_executable(p), real(prog("peer-a")));
	assert_team(p, TEAM_A, "org.signet.test.peer");

	/* The identity is the file's: the same cdhash as verifying the file itself. */
	signet_identity *file = NULL;
	signet_error *err = NULL;
	signet_verify_options o;
	sg_policy_verify_options(sg_test_policy(), &o);
	SG_ASSERT_OK(signet_verify_file(&file, prog("peer-a"), sg_policy_trust(sg_test_policy()), &o, &err), &err);
	CU_ASSERT_STRING_EQUAL(signet_identity_cdhash_hex(signet_process_identity(p)), signet_identity_cdhash_hex(file));
	signet_identity_free(file);

	signet_requirement *req = NULL;
	SG_ASSERT_OK(signet_requirement_parse(&req, "anchor trusted and team \"" TEAM_A "\" and identifier "
		"\"org.signet.test.peer\"", &err), &err);
	SG_ASSERT_OK(signet_process_check(p, NULL, sg_test_policy(), &err), &err);
	SG_ASSERT_OK(signet_process_check(p, req, sg_test_policy(), &err), &err);
	signet_requirement_free(req);

	/* The cheap check: nothing changed while it lives; once it exits, it says so. */
	CU_ASSERT_FALSE(sg_process_exe_changed(p));
	stop(&c);
	CU_ASSERT_TRUE(sg_process_exe_changed(p));
	signet_process_free(p);
	signet_process_free(NULL);
}

static void test_unsigned_process_is_invalid(void)
{
	sg_watchdog(60);
	const char *argv[] = { prog("peer_child"), "sleep", NULL };
	child c = start(argv);
	signet_process *p = inspect(&c);
	const char *exe = real(prog("peer_child"));
	char want[PATH_MAX + 128];
	snprintf(want, sizeof want, "%s: main executable does not verify: not signed (no %s section)", exe,
		SG_SIG_SECTION_NAME);
	assert_one_problem(p, "process.exe", want, exe);
	CU_ASSERT_PTR_NULL(signet_process_identity(p));
	CU_ASSERT_EQUAL(signet_error_code(signet_error_cause(signet_process_problem(p, 0))), SIGNET_E_UNSIGNED);

	/* May it talk to me? Not valid, the first problem as the cause. */
	signet_error *err = NULL;
	char why[PATH_MAX + 256];
	snprintf(why, sizeof why, "process %ld is not valid: %s", (long)c.pid, want);
	CU_ASSERT_EQUAL(signet_process_check(p, NULL, sg_test_policy(), &err), SIGNET_E_PROCESS_INVALID);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_STRING_EQUAL(signet_error_message(err), why);
	CU_ASSERT_STRING_EQUAL(signet_error_message(signet_error_cause(err)), want);
	signet_error_free(err);
	stop(&c);
	signet_process_free(p);
}

static void test_executable_replaced_after_exec(void)
{
	sg_watchdog(60);
	const char *dir = real(sg_sandbox());
	char path[PATH_MAX], fresh[PATH_MAX], want[PATH_MAX + 128], shown[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/peer", dir);
	snprintf(fresh, sizeof fresh, "%s/peer.new", dir);
	copy_file(prog("peer-a"), path, 0755);
	const char *argv[] = { path, "sleep", NULL };
	child c = start(argv);
	/* Another file renamed over the one that runs: /proc/PID/exe keeps the old inode. */
	copy_file(prog("peer-z"), fresh, 0755);
	CU_ASSERT_FATAL(rename(fresh, path) == 0);
	signet_process *p = inspect(&c);
	snprintf(shown, sizeof shown, "%s (deleted)", path);
	CU_ASSERT_STRING_EQUAL(signet_process_executable(p), shown);
	snprintf(want, sizeof want, "%s: main executable changed on disk after exec (the file that runs was "
		"deleted or replaced)", shown);
	assert_one_problem(p, "process.exe", want, shown);
	/* Its identity is still the inode that runs: team A, not the Z file now at the path. */
	assert_team(p, TEAM_A, "org.signet.test.peer");
	stop(&c);
	signet_process_free(p);

	/* A file named "... (deleted)" that is still there is no replacement: the inode decides. */
	snprintf(path, sizeof path, "%s/peer (deleted)", dir);
	copy_file(prog("peer-a"), path, 0755);
	const char *argv2[] = { path, "sleep", NULL };
	c = start(argv2);
	p = inspect(&c);
	assert_verdict(p, SIGNET_PROCESS_VALID);
	CU_ASSERT_STRING_EQUAL(signet_process_executable(p), path);
	stop(&c);
	signet_process_free(p);
}

/* Under AddressSanitizer, a library preloaded before its runtime needs this to start at all. */
static const char *preload_env(const char *lib)
{
	static char env[PATH_MAX + 32];
	snprintf(env, sizeof env, "LD_PRELOAD=%s", lib);
	const char *asan = getenv("ASAN_OPTIONS");
	static char opts[1024];
	snprintf(opts, sizeof opts, "ASAN_OPTIONS=%s%sverify_asan_link_order=0", asan ? asan : "",
		asan && *asan ? ":" : "");
	putenv(opts);
	return env;
}

static void test_unsigned_preloaded_library(void)
{
	sg_watchdog(60);
	const char *lib = real(sg_fixture("libunsigned.so"));
	const char *argv[] = { prog("peer-a"), "sleep", NULL };
	child c = start_env(argv, preload_env(lib));
	wait_ready(&c);
	signet_process *p = inspect(&c);
	assert_verdict(p, SIGNET_PROCESS_INVALID);
	/* The signed executable is who it is; the library is what makes it invalid, named. */
	assert_team(p, TEAM_A, "org.signet.test.peer");
	CU_ASSERT_EQUAL_FATAL(signet_process_problem_count(p), 1);
	const signet_error *e = signet_process_problem(p, 0);
	CU_ASSERT_STRING_EQUAL(signet_error_check(e), "process.mapping");
	CU_ASSERT_STRING_EQUAL(signet_error_path(e), lib);
	char head[PATH_MAX + 32], reason[PATH_MAX + 128];
	snprintf(head, sizeof head, "%s: mapping ", lib);
	snprintf(reason, sizeof reason, " r-xp: not a platform library: its name %s is not in a platform directory "
		"or below one (", lib);
	if (strncmp(signet_error_message(e), head, strlen(head)) != 0 || !strstr(signet_error_message(e), reason)) {
		fprintf(stderr, "  problem [%s]\n", signet_error_message(e));
		CU_FAIL("the problem does not name the preloaded library and why");
	}
	CU_ASSERT_EQUAL(signet_error_code(signet_error_cause(e)), SIGNET_E_PLATFORM_REFUSED);
	stop(&c);
	signet_process_free(p);
}

/* A policy that names its platform sonames judges each mapped library by its DT_SONAME. */
static void test_platform_soname_list(void)
{
	sg_watchdog(60);
	signet_policy *only_libc = NULL;
	signet_error *err = NULL;
	const char *sonames[] = { "libc.so.6" };
	SG_ASSERT_OK(signet_policy_new(&only_libc, &err), &err);
	SG_ASSERT_OK(signet_policy_set_anchors(only_libc, sg_test_pki("root.pem"), &err), &err);
	SG_ASSERT_OK(signet_policy_set_platform_sonames(only_libc, sonames, 1, &err), &err);
	const char *argv[] = { prog("peer-a"), "sleep", NULL };
	child c = start(argv);
	signet_process *p = inspect_pidfd(c.pidfd, only_libc);
	assert_verdict(p, SIGNET_PROCESS_INVALID);
	bool libcrypto = false;
	for (size_t i = 0; i < signet_process_problem_count(p); i++) {
		const char *m = signet_error_message(signet_process_problem(p, i));
		CU_ASSERT_PTR_NULL(strstr(m, "/libc.so.6: ")); /* libc is listed: never a problem */
		CU_ASSERT_PTR_NOT_NULL(strstr(m, ": not a platform library: soname "));
		libcrypto |= strstr(m, "not a platform library: soname libcrypto.so.3 is not on the policy's platform "
			"soname list (1 listed)") != NULL;
	}
	CU_ASSERT_TRUE(libcrypto);
	signet_process_free(p);
	/* The same process under the test policy (no soname list): valid. */
	p = inspect(&c);
	assert_verdict(p, SIGNET_PROCESS_VALID);
	signet_process_free(p);
	stop(&c);
	signet_policy_free(only_libc);
}

static void test_code_written_at_run_time(void)
{
	sg_watchdog(60);
	const char *argv[] = { prog("peer-a"), "rwx", NULL };
	child c = start(argv);
	signet_process *p = inspect(&c);
	char want[512];
	snprintf(want, sizeof want, "mapping %s rwxp (anonymous): writable and executable: code that can be "
		"rewritten in place", c.said);
	assert_one_problem(p, "process.mapping", want, NULL);
	CU_ASSERT_STRING_EQUAL(signet_error_expected(signet_process_problem(p, 0)), "not writable");
	CU_ASSERT_STRING_EQUAL(signet_error_actual(signet_process_problem(p, 0)), "rwxp");
	stop(&c);
	signet_process_free(p);

	const char *argv2[] = { prog("peer-a"), "anon-exec", NULL };
	c = start(argv2);
	p = inspect(&c);
	snprintf(want, sizeof want, "mapping %s r-xp (anonymous): executable memory that is no file (code written "
		"at run time)", c.said);
	assert_one_problem(p, "process.mapping", want, NULL);
	stop(&c);
	signet_process_free(p);
}

static void test_many_problems_are_capped(void)
{
	sg_watchdog(60);
	const char *argv[] = { prog("peer-a"), "anon-many", "100", NULL };
	child c = start(argv);
	signet_process *p = inspect(&c);
	assert_verdict(p, SIGNET_PROCESS_INVALID);
	/* 64 named, then one that counts the rest: memory stays bounded however many there are. */
	CU_ASSERT_EQUAL_FATAL(signet_process_problem_count(p), SG_PROCESS_MAX_PROBLEMS + 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(signet_process_problem(p, 0)),
		" r-xp (anonymous): executable memory that is no file"));
	CU_ASSERT_STRING_EQUAL(signet_error_message(signet_process_problem(p, SG_PROCESS_MAX_PROBLEMS)),
		"and 36 more problems, not listed");
	signet_error *err = NULL;
	CU_ASSERT_EQUAL(signet_process_check(p, NULL, sg_test_policy(), &err), SIGNET_E_PROCESS_INVALID);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	const char *m = signet_error_message(err), *tail = " (and 99 more problems)";
	CU_ASSERT(strlen(m) > strlen(tail) && strcmp(m + strlen(m) - strlen(tail), tail) == 0);
	signet_error_free(err);
	stop(&c);
	signet_process_free(p);
}

/* The first executable mapping whose path starts with `prefix`, from our own reading of the map. */
static bool has_exec_mapping(pid_t pid, const char *prefix)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/maps", (long)pid);
	size_t len = 0;
	uint8_t *text = NULL;
	signet_error *err = NULL;
	/* /proc files say they are empty: read to the end (core/file.h), not by their size. */
	SG_ASSERT_OK(sg_file_read_at(&text, &len, AT_FDCWD, path, 0, SG_MAPS_MAX_BYTES, path, "test", &err), &err);
	sg_mappings maps = { 0 };
	SG_ASSERT_OK(sg_maps_parse(&maps, (const char *)text, len, SG_MAPS_MAX_MAPPINGS, path, &err), &err);
	bool found = false;
	for (size_t i = 0; i < maps.n; i++)
		found |= maps.items[i].exec && sg_mapping_path_starts(&maps.items[i], prefix);
	sg_array_clear(&maps);
	free(text);
	return found;
}

static void test_signet_loaded_plugin_is_valid(void)
{
	sg_watchdog(60);
	const char *argv[] = { prog("peer-a"), "load", sg_fixture("libfixture0.so"), sg_test_pki("root.pem"), NULL };
	child c = start(argv);
	/* The plugin runs from its sealed snapshot, and that snapshot is accounted for. */
	CU_ASSERT_TRUE(has_exec_mapping(c.pid, "/memfd:signet:libfixture0.so"));
	signet_process *p = inspect(&c);
	assert_verdict(p, SIGNET_PROCESS_VALID);
	assert_team(p, TEAM_A, "org.signet.test.peer");
	stop(&c);
	signet_process_free(p);
}

static void snapshot_case(const char *lib, const char *kind, const char *name, const char *reason)
{
	const char *argv[] = { prog("peer-a"), "memfd", lib, kind, name, NULL };
	child c = start(argv);
	signet_process *p = inspect(&c);
	if (!reason) {
		assert_verdict(p, SIGNET_PROCESS_VALID);
	} else {
		const char *base = strrchr(lib, '/') + 1;
		char shown[300], want[1024];
		snprintf(shown, sizeof shown, "/memfd:%s%s (deleted)", name ? "" : "signet:", name ? name : base);
		snprintf(want, sizeof want, "%s: mapping %s r-xp: %s", shown, c.said, reason);
		assert_one_problem(p, "process.mapping", want, shown);
	}
	stop(&c);
	signet_process_free(p);
}

static void test_snapshot_memfds(void)
{
	sg_watchdog(60);
	const char *signed_lib = sg_fixture("libfixture0.so"), *unsigned_lib = sg_fixture("libunsigned.so");
	/* Sealed and signed: accounted for, whoever made it. */
	snapshot_case(signed_lib, "sealed", NULL, NULL);
	snapshot_case(signed_lib, "unsealed", NULL,
		"a memfd named as a Signet snapshot but not sealed (seals 0x0): its bytes can still change");
	snapshot_case(unsigned_lib, "sealed", NULL,
		"a Signet snapshot that does not verify: not signed (no " SG_SIG_SECTION_NAME " section)");
	snapshot_case(signed_lib, "closed", NULL,
		"a Signet snapshot the process no longer holds open: its bytes cannot be read to verify");
	snapshot_case(signed_lib, "sealed", "jit", "an executable memfd that is not a Signet snapshot");
}

/* ---- peers ---------------------------------------------------------------- */

static void test_peer_both_paths_agree(void)
{
	sg_watchdog(60);
	char path[108];
	int l = listener(path);
	const char *argv[] = { prog("peer-a"), "connect", path, NULL };
	child c = start_env(argv, NULL);
	int s = accept_one(l);
	wait_ready(&c);
	if (have_peerpidfd()) {
		signet_process *p = peer(s, SG_PEER_PIDFD);
		assert_verdict(p, SIGNET_PROCESS_VALID);
		assert_team(p, TEAM_A, "org.signet.test.peer");
		CU_ASSERT_EQUAL(signet_process_pid(p), c.pid);
		signet_process_free(p);
	}
	signet_process *p = peer(s, SG_PEER_CREDENTIALS);
	assert_verdict(p, SIGNET_PROCESS_VALID);
	assert_team(p, TEAM_A, "org.signet.test.peer");
	CU_ASSERT_EQUAL(signet_process_pid(p), c.pid);
	signet_process_free(p);
	/* The public call takes one of them. */
	signet_error *err = NULL;
	p = NULL;
	SG_ASSERT_OK(signet_code_for_peer(&p, s, sg_test_policy(), &err), &err);
	CU_ASSERT_EQUAL(signet_process_pid(p), c.pid);
	signet_process_free(p);

	/* Not a socket, not connected: said, not guessed. */
	int fds[2];
	CU_ASSERT_FATAL(pipe(fds) == 0);
	p = NULL;
	SG_ASSERT_FAILS(signet_code_for_peer(&p, fds[0], sg_test_policy(), &err), &err, SIGNET_E_INVALID_ARGUMENT,
		": not a socket");
	CU_ASSERT_PTR_NULL(p);
	int u = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	SG_ASSERT_FAILS(sg_code_for_peer_from(&p, u, sg_test_policy(), SG_PEER_CREDENTIALS, &err), &err,
		SIGNET_E_PROCESS_UNKNOWN, "SO_PEERCRED names no peer process");
	if (have_peerpidfd()) {
		SG_ASSERT_FAILS(sg_code_for_peer_from(&p, u, sg_test_policy(), SG_PEER_PIDFD, &err), &err,
			SIGNET_E_PROCESS_UNKNOWN, "SO_PEERPIDFD: the kernel does not name the peer");
	}
	close(u);
	close(fds[0]);
	close(fds[1]);
	close(s);
	close(l);
	stop(&c);
}

/* The process at the other end exec's another program: the identity is the new program's. */
static void test_exec_after_connect(void)
{
	sg_watchdog(60);
	char path[108];
	int l = listener(path);
	const char *argv[] = { prog("peer-a"), "connect-exec", path, prog("peer-z"), "sleep", NULL };
	child c = start_env(argv, NULL);
	int s = accept_one(l);
	wait_ready(&c);
	bool pidfd_path = have_peerpidfd();
	signet_process *before = peer(s, SG_PEER_CREDENTIALS);
	assert_team(before, TEAM_A, "org.signet.test.peer");
	CU_ASSERT_FALSE(sg_process_exe_changed(before));
	CU_ASSERT_FATAL(write(c.hold, "x", 1) == 1); /* exec now */
	wait_ready(&c);                              /* peer-z is running */
	CU_ASSERT_TRUE(sg_process_exe_changed(before));
	for (int i = pidfd_path ? 0 : 1; i < 2; i++) {
		signet_process *after = peer(s, i == 0 ? SG_PEER_PIDFD : SG_PEER_CREDENTIALS);
		assert_verdict(after, SIGNET_PROCESS_VALID);
		assert_team(after, TEAM_Z, "org.signet.test.peer-z");
		CU_ASSERT_EQUAL(signet_process_pid(after), c.pid);
		CU_ASSERT_STRING_EQUAL(signet_process_executable(after), real(prog("peer-z")));
		CU_ASSERT_FALSE(sg_process_exe_changed(after));
		/* What a connection would do next: the new program is refused where the old one was admitted. */
		signet_requirement *req = NULL;
		signet_error *err = NULL;
		SG_ASSERT_OK(signet_requirement_parse(&req, "team \"" TEAM_A "\"", &err), &err);
		SG_ASSERT_FAILS(signet_process_check(after, req, sg_test_policy(), &err), &err, SIGNET_E_PEER_REFUSED,
			"team: wanted " TEAM_A ", peer has " TEAM_Z);
		signet_requirement_free(req);
		signet_process_free(after);
	}
	signet_process_free(before);
	close(s);
	close(l);
	stop(&c);
}

/*
 * The same file exec'd again, now with an unsigned LD_PRELOAD: the
 * executable's inode did not change, the address space did, and the cheap
 * check sees it (the connections code then inspects the peer anew).
 */
static void test_reexec_same_file_is_seen(void)
{
	sg_watchdog(60);
	char path[108];
	int l = listener(path);
	const char *lib = real(sg_fixture("libunsigned.so"));
	const char *env = preload_env(lib);
	const char *argv[] = { prog("peer-a"), "connect-reexec", path, env, NULL };
	child c = start_env(argv, NULL);
	int s = accept_one(l);
	wait_ready(&c);
	signet_process *before = peer(s, SG_PEER_AUTO);
	assert_verdict(before, SIGNET_PROCESS_VALID);
	CU_ASSERT_FALSE(sg_process_exe_changed(before));
	CU_ASSERT_FATAL(write(c.hold, "x", 1) == 1); /* exec now */
	wait_ready(&c);                              /* peer-a again, with the library */
	CU_ASSERT_TRUE(sg_process_mm_replaced(before));
	CU_ASSERT_TRUE(sg_process_exe_changed(before));
	signet_process *after = peer(s, SG_PEER_AUTO);
	assert_verdict(after, SIGNET_PROCESS_INVALID);
	assert_team(after, TEAM_A, "org.signet.test.peer");
	CU_ASSERT_EQUAL_FATAL(signet_process_problem_count(after), 1);
	CU_ASSERT_STRING_EQUAL(signet_error_path(signet_process_problem(after, 0)), lib);
	CU_ASSERT_FALSE(sg_process_exe_changed(after));
	signet_process_free(after);
	signet_process_free(before);
	close(s);
	close(l);
	stop(&c);
}

static void test_exited_process_is_gone(void)
{
	sg_watchdog(60);
	const char *argv[] = { prog("peer-a"), "sleep", NULL };
	child c = start(argv);
	int pidfd = c.pidfd;
	close(c.hold);
	c.hold = -1;
	/* A zombie: exited, not reaped, its pid still taken. */
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	CU_ASSERT_FATAL(poll(&pfd, 1, -1) == 1);
	signet_process *p = NULL;
	signet_error *err = NULL;
	char want[128];
	snprintf(want, sizeof want, "process %ld exited before it was inspected", (long)c.pid);
	SG_ASSERT_FAILS(signet_code_for_pidfd(&p, pidfd, sg_test_policy(), &err), &err, SIGNET_E_PROCESS_GONE, want);
	CU_ASSERT_PTR_NULL(p);
	/* Reaped: the pidfd knows, and says so without a pid (which may already be another's). */
	int status;
	CU_ASSERT_FATAL(waitpid(c.pid, &status, 0) == c.pid);
	snprintf(want, sizeof want, "the process of pidfd %d exited before it was inspected", pidfd);
	SG_ASSERT_FAILS(signet_code_for_pidfd(&p, pidfd, sg_test_policy(), &err), &err, SIGNET_E_PROCESS_GONE, want);
	close(pidfd);
	close(c.ready);

	/* Not a pidfd. */
	int fds[2];
	CU_ASSERT_FATAL(pipe(fds) == 0);
	snprintf(want, sizeof want, "descriptor %d is not a pidfd (its fdinfo has no Pid line)", fds[0]);
	SG_ASSERT_FAILS(signet_code_for_pidfd(&p, fds[0], sg_test_policy(), &err), &err, SIGNET_E_INVALID_ARGUMENT, want);
	SG_ASSERT_FAILS(signet_code_for_pidfd(&p, -1, sg_test_policy(), &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"descriptor -1 is not a pidfd");
	close(fds[0]);
	close(fds[1]);
	snprintf(want, sizeof want, "descriptor %d is not a pidfd (not open)", fds[0]);
	SG_ASSERT_FAILS(signet_code_for_pidfd(&p, fds[0], sg_test_policy(), &err), &err, SIGNET_E_INVALID_ARGUMENT, want);

	/* A policy without anchors can identify nothing. */
	signet_policy *none = NULL;
	SG_ASSERT_OK(signet_policy_new(&none, &err), &err);
	int self = pidfd_open_(getpid());
	SG_ASSERT_FAILS(signet_code_for_pidfd(&p, self, none, &err), &err, SIGNET_E_POLICY_INVALID,
		"the policy has no trust anchors");
	close(self);
	signet_policy_free(none);
}

/*
 * The fallback names the process that connected (SO_PEERCRED) but only
 * believes it while that process holds the peer end: one that handed the
 * socket to a child is refused, where SO_PEERPIDFD names it still.
 */
static void test_fallback_refuses_a_process_without_the_socket(void)
{
	sg_watchdog(60);
	char path[108];
	int l = listener(path);
	const char *argv[] = { prog("peer-a"), "fork-hold", path, NULL };
	child c = start_env(argv, NULL);
	int s = accept_one(l);
	wait_ready(&c); /* c.said: the child that holds the socket now */
	signet_process *p = NULL;
	signet_error *err = NULL;
	char want[128];
	snprintf(want, sizeof want, "pid %ld no longer holds the peer socket: reused?", (long)c.pid);
	SG_ASSERT_FAILS(sg_code_for_peer_from(&p, s, sg_test_policy(), SG_PEER_CREDENTIALS, &err), &err,
		SIGNET_E_PROCESS_GONE, want);
	CU_ASSERT_PTR_NULL(p);
	/* The public call, made to take the fallback by its test switch. */
	CU_ASSERT_FATAL(setenv("SIGNET_TEST_PEER_CREDENTIALS", "1", 1) == 0);
	SG_ASSERT_FAILS(signet_code_for_peer(&p, s, sg_test_policy(), &err), &err, SIGNET_E_PROCESS_GONE, want);
	CU_ASSERT_FATAL(unsetenv("SIGNET_TEST_PEER_CREDENTIALS") == 0);
	if (have_peerpidfd()) {
		/* SO_PEERPIDFD: the process that connected, as the kernel recorded it. */
		p = peer(s, SG_PEER_PIDFD);
		CU_ASSERT_EQUAL(signet_process_pid(p), c.pid);
		assert_verdict(p, SIGNET_PROCESS_VALID);
		signet_process_free(p);
		p = NULL;
		SG_ASSERT_OK(signet_code_for_peer(&p, s, sg_test_policy(), &err), &err);
		CU_ASSERT_EQUAL(signet_process_pid(p), c.pid);
		signet_process_free(p);
	}
	close(s);
	close(l);
	stop(&c); /* its child ends too: it holds the same descriptor 4 */
}

/* A child at exactly `pid` (clone3's set_tid, root only) that waits for EOF on `wait_fd`. -1 when refused. */
static pid_t clone_at(pid_t pid, int wait_fd, int close_fd)
{
	pid_t tid = pid;
	struct clone_args args = { .exit_signal = SIGCHLD, .set_tid = (uint64_t)(uintptr_t)&tid, .set_tid_size = 1 };
	long r = syscall(SYS_clone3, &args, sizeof args);
	if (r == 0) {
		char ch;
		close(close_fd);
		while (read(wait_fd, &ch, 1) > 0)
			;
		_exit(0);
	}
	if (r < 0)
		fprintf(stderr, "  note: clone3 at pid %ld: %s\n", (long)pid, strerror(errno));
	return (pid_t)r;
}

/* The peer exits and its pid goes to another process: never taken for the peer, on either path. */
static void test_reused_pid_is_not_the_peer(void)
{
	sg_watchdog(60);
	char path[108];
	int l = listener(path);
	const char *argv[] = { prog("peer-a"), "handoff", path, NULL };
	child c = start_env(argv, NULL);
	int s = accept_one(l);
	wait_ready(&c);
	int status;
	CU_ASSERT_FATAL(waitpid(c.pid, &status, 0) == c.pid); /* the peer exited; its child holds the socket */
	signet_process *p = NULL;
	signet_error *err = NULL;
	char want[160];
	snprintf(want, sizeof want, "process %ld exited before it was inspected (the peer's pid from SO_PEERCRED)",
		(long)c.pid);
	SG_ASSERT_FAILS(sg_code_for_peer_from(&p, s, sg_test_policy(), SG_PEER_CREDENTIALS, &err), &err,
		SIGNET_E_PROCESS_GONE, want);
	bool pidfd_path = have_peerpidfd();
	if (pidfd_path) {
		SG_ASSERT_FAILS(sg_code_for_peer_from(&p, s, sg_test_policy(), SG_PEER_PIDFD, &err), &err,
			SIGNET_E_PROCESS_GONE, "SO_PEERPIDFD: the peer has exited");
	}

	/* Another process at the peer's pid. */
	int w[2];
	CU_ASSERT_FATAL(pipe2(w, O_CLOEXEC) == 0);
	pid_t other = geteuid() == 0 ? clone_at(c.pid, w[0], w[1]) : -1;
	if (other < 0) {
		fprintf(stderr, "  note: cannot place a process at pid %ld (needs root and clone3): reuse not tested\n",
			(long)c.pid);
	} else {
		CU_ASSERT_EQUAL_FATAL(other, c.pid);
		snprintf(want, sizeof want, "pid %ld no longer holds the peer socket: reused?", (long)c.pid);
		SG_ASSERT_FAILS(sg_code_for_peer_from(&p, s, sg_test_policy(), SG_PEER_CREDENTIALS, &err), &err,
			SIGNET_E_PROCESS_GONE, want);
		if (pidfd_path) {
			SG_ASSERT_FAILS(sg_code_for_peer_from(&p, s, sg_test_policy(), SG_PEER_PIDFD, &err), &err,
				SIGNET_E_PROCESS_GONE, "SO_PEERPIDFD: the peer has exited");
		}
		close(w[1]);
		w[1] = -1;
		CU_ASSERT(waitpid(other, &status, 0) == other);
	}
	CU_ASSERT_PTR_NULL(p);
	if (w[1] >= 0)
		close(w[1]);
	close(w[0]);
	close(s);
	close(l);
	stop(&c); /* reaped already; closing the hold pipe ends the child that held the socket */
}

/* ---- unknown -------------------------------------------------------------- */

/* Writes the fields of an inspection, one per line, for the parent to check. */
static void report(int fd, int rc, const signet_process *p, const signet_error *err)
{
	dprintf(fd, "rc=%d\n", rc);
	if (rc) {
		dprintf(fd, "error=%s\n", signet_error_message(err));
		return;
	}
	const signet_error *why = signet_process_unknown_reason(p);
	dprintf(fd, "verdict=%d\nuid=%lu\nidentity=%s\nexecutable=%s\nproblems=%zu\n", (int)signet_process_get_verdict(p),
		(unsigned long)signet_process_uid(p), signet_process_identity(p) ? "yes" : "none",
		signet_process_executable(p) ? signet_process_executable(p) : "(null)", signet_process_problem_count(p));
	if (why)
		dprintf(fd, "reason=%s\nreason_code=%d\nreason_check=%s\nreason_errno=%d\n", signet_error_message(why),
			signet_error_code(why), signet_error_check(why), signet_error_os_errno(why));
}

static void check_line(const char *text, const char *want)
{
	if (!strstr(text, want)) {
		fprintf(stderr, "  missing [%s] in:\n%s", want, text);
		CU_FAIL("the inspector's report lacks a line");
	}
}

static void test_other_users_process_is_unknown(void)
{
	sg_watchdog(60);
	if (geteuid() != 0) {
		fprintf(stderr, "  note: not root: cannot make processes of other uids; skipped\n");
		return;
	}
	signet_error *err = NULL;
	const signet_policy *policy = sg_test_policy();
	signet_policy *accepting = NULL, *other = NULL;
	SG_ASSERT_OK(signet_policy_new(&accepting, &err), &err);
	SG_ASSERT_OK(signet_policy_set_anchors(accepting, sg_test_pki("root.pem"), &err), &err);
	SG_ASSERT_OK(signet_policy_accept_uninspectable_uid(accepting, 65534, &err), &err);
	SG_ASSERT_OK(signet_policy_new(&other, &err), &err);
	SG_ASSERT_OK(signet_policy_set_anchors(other, sg_test_pki("root.pem"), &err), &err);
	SG_ASSERT_OK(signet_policy_accept_uninspectable_uid(other, 1000, &err), &err);
	signet_requirement *never = NULL;
	SG_ASSERT_OK(signet_requirement_parse(&never, "false", &err), &err);

	/* The target: uid 65534, dumpable, so only the uid stands between it and the inspector. */
	int ready[2], hold[2], out[2];
	CU_ASSERT_FATAL(pipe(ready) == 0 && pipe(hold) == 0 && pipe(out) == 0);
	pid_t target = fork();
	CU_ASSERT_FATAL(target >= 0);
	if (target == 0) {
		char ch;
		close(hold[1]);
		close(out[0]);
		close(out[1]); /* else the report never ends */
		if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0)
			_exit(1);
		prctl(PR_SET_DUMPABLE, 1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		while (read(hold[0], &ch, 1) > 0)
			;
		_exit(0);
	}
	close(hold[0]);
	char ch;
	CU_ASSERT_FATAL(read(ready[0], &ch, 1) == 1);
	int pidfd = pidfd_open_(target);
	CU_ASSERT_FATAL(pidfd >= 0);

	/* The inspector: uid 65533. */
	pid_t inspector = fork();
	CU_ASSERT_FATAL(inspector >= 0);
	if (inspector == 0) {
		close(out[0]);
		if (setresgid(65533, 65533, 65533) != 0 || setresuid(65533, 65533, 65533) != 0)
			_exit(1);
		prctl(PR_SET_DUMPABLE, 1);
		signet_process *p = NULL;
		signet_error *e = NULL;
		int rc = signet_code_for_pidfd(&p, pidfd, policy, &e);
		report(out[1], rc, p, e);
		if (!rc) {
			int r1 = signet_process_check(p, never, policy, &e);
			dprintf(out[1], "check=%d %s\n", r1, r1 ? signet_error_message(e) : "");
			signet_error_free(e);
			e = NULL;
			int r2 = signet_process_check(p, never, accepting, &e);
			dprintf(out[1], "accepted=%d\n", r2);
			signet_error_free(e);
			e = NULL;
			int r3 = signet_process_check(p, NULL, other, &e);
			dprintf(out[1], "other=%d\n", r3);
			signet_error_free(e);
			dprintf(out[1], "changed=%d\n", (int)sg_process_exe_changed(p));
		}
		_exit(0);
	}
	close(out[1]);
	char text[8192];
	size_t n = 0;
	ssize_t r;
	while ((r = read(out[0], text + n, sizeof text - 1 - n)) > 0)
		n += (size_t)r;
	text[n] = '\0';
	int status;
	CU_ASSERT(waitpid(inspector, &status, 0) == inspector && WIFEXITED(status) && WEXITSTATUS(status) == 0);

	char line[512];
	check_line(text, "rc=0\n");
	snprintf(line, sizeof line, "verdict=%d\nuid=65534\nidentity=none\nexecutable=(null)\nproblems=0\n",
		SIGNET_PROCESS_UNKNOWN);
	check_line(text, line);
	snprintf(line, sizeof line, "reason=process %ld (uid 65534) cannot be inspected: /proc/%ld/exe: Permission "
		"denied (another user's process, or ptrace restrictions)\n", (long)target, (long)target);
	check_line(text, line);
	snprintf(line, sizeof line, "reason_code=%d\nreason_check=process.access\nreason_errno=%d\n",
		SIGNET_E_PROCESS_UNKNOWN, EACCES);
	check_line(text, line);
	snprintf(line, sizeof line, "check=%d process %ld (uid 65534) cannot be inspected: /proc/%ld/exe: Permission "
		"denied (another user's process, or ptrace restrictions); the policy does not accept uid 65534 without "
		"an identity\n", SIGNET_E_PROCESS_UNKNOWN, (long)target, (long)target);
	check_line(text, line);
	/* Accepted by uid, and the requirement (`false`) is not evaluated: nothing is known to evaluate. */
	check_line(text, "accepted=0\n");
	snprintf(line, sizeof line, "other=%d\n", SIGNET_E_PROCESS_UNKNOWN);
	check_line(text, line);
	check_line(text, "changed=0\n");

	/* The same process, inspected by root: known (and invalid: this test program is not signed). */
	signet_process *p = inspect_pidfd(pidfd, policy);
	assert_verdict(p, SIGNET_PROCESS_INVALID);
	CU_ASSERT_EQUAL(signet_process_uid(p), 65534);
	signet_process_free(p);

	close(hold[1]);
	CU_ASSERT(waitpid(target, &status, 0) == target);
	close(pidfd);
	close(ready[0]);
	close(ready[1]);
	close(out[0]);
	signet_requirement_free(never);
	signet_policy_free(accepting);
	signet_policy_free(other);
}

/* ---- the requirement ---------------------------------------------------- */

/* Runs peer-a in check mode against `pid`; its stdout. */
static void run_check(char *out, size_t size, pid_t pid, const char *requirement)
{
	char pid_text[32];
	snprintf(pid_text, sizeof pid_text, "%ld", (long)pid);
	int o[2];
	CU_ASSERT_FATAL(pipe(o) == 0);
	pid_t k = fork();
	CU_ASSERT_FATAL(k >= 0);
	if (k == 0) {
		dup2(o[1], 1);
		close(o[0]);
		close(o[1]);
		execl(prog("peer-a"), prog("peer-a"), "check", pid_text, sg_test_pki("root.pem"), requirement, (char *)NULL);
		_exit(127);
	}
	close(o[1]);
	size_t n = 0;
	ssize_t r;
	while (n + 1 < size && (r = read(o[0], out + n, size - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	close(o[0]);
	int status;
	CU_ASSERT(waitpid(k, &status, 0) == k);
}

static void test_requirement_refuses_with_the_explanation(void)
{
	sg_watchdog(60);
	const char *argv[] = { prog("peer-a"), "sleep", NULL };
	child a = start(argv);
	signet_process *p = inspect(&a);
	signet_requirement *req = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_requirement_parse(&req, "anchor trusted and team \"" TEAM_Z "\"", &err), &err);
	CU_ASSERT_EQUAL(signet_process_check(p, req, sg_test_policy(), &err), SIGNET_E_PEER_REFUSED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_STRING_EQUAL(signet_error_message(err), "team: wanted " TEAM_Z ", peer has " TEAM_A);
	CU_ASSERT_STRING_EQUAL(signet_error_expected(err), TEAM_Z);
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), TEAM_A);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "process.requirement");
	signet_error_free(err);
	err = NULL;
	signet_requirement_free(req);

	/* `team = host` is the policy's host team: this test program is unsigned, so it has none. */
	SG_ASSERT_OK(signet_requirement_parse(&req, "team = host", &err), &err);
	CU_ASSERT_EQUAL(signet_process_check(p, req, sg_test_policy(), &err), SIGNET_E_PEER_REFUSED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_STRING_EQUAL(signet_error_message(err), "team = host: the host has no team");
	signet_error_free(err);
	signet_requirement_free(req);
	signet_process_free(p);

	/* A signed host (peer-a checking): `team = host` admits its own team and refuses another. */
	const char *argv_z[] = { prog("peer-z"), "sleep", NULL };
	child z = start(argv_z);
	char out[2048], want[256];
	run_check(out, sizeof out, a.pid, "team = host");
	CU_ASSERT_STRING_EQUAL(out, "rc=0 verdict=0 host=" TEAM_A " \n");
	run_check(out, sizeof out, z.pid, "team = host");
	snprintf(want, sizeof want, "rc=%d verdict=0 host=" TEAM_A " team = host: wanted " TEAM_A ", peer has " TEAM_Z
		"\n", SIGNET_E_PEER_REFUSED);
	CU_ASSERT_STRING_EQUAL(out, want);
	stop(&z);
	stop(&a);
}

/* ---- limits --------------------------------------------------------------- */

/* A process whose map is longer than Signet reads: not valid, since not every mapping can be accounted for. */
static void test_huge_map_is_refused(void)
{
	sg_watchdog(120);
	/* Long names make long lines: a file at a path near PATH_MAX, mapped 2,200 times (over 8 MiB of map). */
	char path[PATH_MAX];
	size_t n = (size_t)snprintf(path, sizeof path, "%s", real(sg_sandbox()));
	while (n + 202 < 3900) {
		path[n++] = '/';
		memset(path + n, 'd', 200);
		n += 200;
		path[n] = '\0';
		CU_ASSERT_FATAL(mkdir(path, 0700) == 0);
	}
	snprintf(path + n, sizeof path - n, "/lib");
	sg_write_file(path, "code", 4, 0700);
	const char *argv[] = { prog("peer-a"), "bigmap", path, "2200", NULL };
	child c = start(argv);
	signet_process *p = inspect(&c);
	char want[128], maps[64];
	snprintf(maps, sizeof maps, "/proc/%ld/maps", (long)c.pid);
	snprintf(want, sizeof want, "%s: more than 8 MiB of mappings: too many to account for", maps);
	assert_one_problem(p, "process.maps", want, maps);
	CU_ASSERT_EQUAL(signet_error_code(signet_error_cause(signet_process_problem(p, 0))), SIGNET_E_LIMIT);
	stop(&c);
	signet_process_free(p);
}

/* ---- timing (printed, not asserted: docs/processes.md quotes it) ------------ */

static double inspect_ms(int pidfd)
{
	double best = 1e9;
	for (int i = 0; i < 5; i++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		signet_process *p = inspect_pidfd(pidfd, sg_test_policy());
		clock_gettime(CLOCK_MONOTONIC, &t1);
		signet_process_free(p);
		double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		best = ms < best ? ms : best;
	}
	return best;
}

static void test_timing(void)
{
	sg_watchdog(120);
	const char *argv[] = { prog("peer-a"), "sleep", NULL };
	child c = start(argv);
	const char *argv2[] = { prog("peer-a"), "load", sg_fixture("sqlite/libsqlite3.so.0"), sg_test_pki("root.pem"),
		NULL };
	child big = start(argv2);
	signet_process *p = inspect(&big);
	assert_verdict(p, SIGNET_PROCESS_VALID);
	signet_process_free(p);
	fprintf(stderr, "  timing: signet_code_for_pidfd, best of 5: signed test child %.2f ms; the same after "
		"signet_load() of a signed libsqlite3 %.2f ms\n", inspect_ms(c.pidfd), inspect_ms(big.pidfd));
	stop(&big);
	stop(&c);
}

/* ---- the /proc text parsers, with hostile input --------------------------- */

static int parse(sg_mappings *m, const char *text, size_t max, signet_error **err)
{
	*m = (sg_mappings){ 0 };
	return sg_maps_parse(m, text, strlen(text), max, "maps", err);
}

#define MAPS_REFUSED(text, code, reason) do { \
		sg_mappings m_; \
		signet_error *e_ = NULL; \
		SG_ASSERT_FAILS(parse(&m_, (text), SG_MAPS_MAX_MAPPINGS, &e_), &e_, (code), (reason)); \
		CU_ASSERT_EQUAL(m_.n, 0); \
		CU_ASSERT_PTR_NULL(m_.items); \
	} while (0)

static void test_maps_parser_reads_the_kernels_text(void)
{
	const char *text =
		"55f0f27c8000-55f0f27c9000 r--p 00000000 fe:00 10953032                   /tmp/exp/e\n"
		"55f0f27c9000-55f0f27ca000 r-xp 00001000 fe:00 10953032                   /tmp/exp/e\n"
		"7f564aaaa000-7f564aaad000 rw-p 00000000 00:00 0 \n"
		"7f564ac99000-7f564ac9a000 r-xs 00000000 00:01 336263                     /memfd:signet:libx.so (deleted)\n"
		"7f564aca0000-7f564aca2000 r-xp 00000000 00:00 0                          [vdso]\n"
		"7f564aca4000-7f564aca5000 r-xp 00000000 103:0a 18446744073709551615      /a b\\012c (deleted) x\n"
		"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";
	sg_mappings m;
	signet_error *err = NULL;
	SG_ASSERT_OK(parse(&m, text, SG_MAPS_MAX_MAPPINGS, &err), &err);
	CU_ASSERT_EQUAL_FATAL(m.n, 7);
	CU_ASSERT_EQUAL(m.items[1].start, 0x55f0f27c9000ULL);
	CU_ASSERT_EQUAL(m.items[1].end, 0x55f0f27ca000ULL);
	CU_ASSERT_EQUAL(m.items[1].offset, 0x1000);
	CU_ASSERT(m.items[1].read && !m.items[1].write && m.items[1].exec && !m.items[1].shared);
	CU_ASSERT_STRING_EQUAL(m.items[1].perms, "r-xp");
	CU_ASSERT(m.items[1].dev_major == 0xfe && m.items[1].dev_minor == 0 && m.items[1].inode == 10953032);
	CU_ASSERT_TRUE(sg_mapping_path_is(&m.items[1], "/tmp/exp/e"));
	CU_ASSERT_EQUAL(m.items[2].path_len, 0);
	CU_ASSERT_TRUE(m.items[3].shared);
	CU_ASSERT_TRUE(sg_mapping_path_is(&m.items[3], "/memfd:signet:libx.so (deleted)"));
	CU_ASSERT_TRUE(sg_mapping_path_is(&m.items[4], "[vdso]"));
	/* Spaces, an escaped newline and a literal " (deleted)" in a name: kept as written. */
	CU_ASSERT_TRUE(sg_mapping_path_is(&m.items[5], "/a b\\012c (deleted) x"));
	CU_ASSERT(m.items[5].dev_major == 0x103 && m.items[5].dev_minor == 0xa);
	CU_ASSERT_EQUAL(m.items[5].inode, UINT64_MAX);
	CU_ASSERT(!m.items[6].read && m.items[6].exec && m.items[6].end == 0xffffffffff601000ULL);
	sg_array_clear(&m);

	SG_ASSERT_OK(parse(&m, "", SG_MAPS_MAX_MAPPINGS, &err), &err);
	CU_ASSERT_EQUAL(m.n, 0);
}

static void test_maps_parser_refuses_hostile_text(void)
{
	MAPS_REFUSED("1000-2000 r-xp 00000000 fe:00 1 /x\n3000-4000 r-xp 00000000 fe:00 1 /x",
		SIGNET_E_PROCESS_INVALID, "maps: line 2: no newline at the end: the text was cut short");
	MAPS_REFUSED("1000-2000 r-xp 00000000 fe:00\n", SIGNET_E_PROCESS_INVALID, "line 1: no device (major:minor)");
	MAPS_REFUSED("1000-2000 r-xp 00000000 fe:00 \n", SIGNET_E_PROCESS_INVALID, "line 1: no inode");
	MAPS_REFUSED("1000-2000 r-xp\n", SIGNET_E_PROCESS_INVALID, "line 1: no permissions (rwxp)");
	MAPS_REFUSED("1000 r-xp 0 fe:00 1\n", SIGNET_E_PROCESS_INVALID, "line 1: no start address");
	MAPS_REFUSED("-2000 r-xp 0 fe:00 1\n", SIGNET_E_PROCESS_INVALID, "line 1: no start address");
	MAPS_REFUSED("1000-2000 rwzp 0 fe:00 1\n", SIGNET_E_PROCESS_INVALID, "line 1: no permissions (rwxp)");
	MAPS_REFUSED("1000-2000 r-xq 0 fe:00 1\n", SIGNET_E_PROCESS_INVALID, "line 1: no permissions (rwxp)");
	MAPS_REFUSED("1000-2000 r-xp 0 fe00 1\n", SIGNET_E_PROCESS_INVALID, "line 1: no device (major:minor)");
	MAPS_REFUSED("1000-2000 r-xp 0 fe:00 12ab /x\n", SIGNET_E_PROCESS_INVALID, "line 1: junk after the inode");
	MAPS_REFUSED("2000-1000 r-xp 0 fe:00 1\n", SIGNET_E_PROCESS_INVALID, "line 1: the range is empty or reversed");
	MAPS_REFUSED("1000-1000 r-xp 0 fe:00 1\n", SIGNET_E_PROCESS_INVALID, "line 1: the range is empty or reversed");
	MAPS_REFUSED("3000-4000 r-xp 0 fe:00 1\n1000-2000 r-xp 0 fe:00 1\n", SIGNET_E_PROCESS_INVALID,
		"line 2: starts before the previous mapping ends");
	MAPS_REFUSED("1000-3000 r-xp 0 fe:00 1\n2000-4000 r-xp 0 fe:00 1\n", SIGNET_E_PROCESS_INVALID,
		"line 2: starts before the previous mapping ends");
	/* Numbers longer than their field: 17 hex digits, a 21-digit or too large inode, a 9-digit device. */
	MAPS_REFUSED("10000000000000000-20000000000000000 r-xp 0 fe:00 1\n", SIGNET_E_PROCESS_INVALID,
		"line 1: no start address");
	MAPS_REFUSED("1000-2000 r-xp 0 fe:00 18446744073709551616\n", SIGNET_E_PROCESS_INVALID, "line 1: no inode");
	MAPS_REFUSED("1000-2000 r-xp 0 fe:00 000000000000000000001\n", SIGNET_E_PROCESS_INVALID, "line 1: no inode");
	MAPS_REFUSED("1000-2000 r-xp 0 fe:000000000 1\n", SIGNET_E_PROCESS_INVALID, "line 1: no device (major:minor)");
	MAPS_REFUSED("\n", SIGNET_E_PROCESS_INVALID, "line 1: no start address");

	/* A NUL byte: never in the kernel's text. */
	const char nul[] = "1000-2000 r-xp 0 fe:00 1 /a\0b\n";
	sg_mappings m = { 0 };
	signet_error *err = NULL;
	SG_ASSERT_FAILS(sg_maps_parse(&m, nul, sizeof nul - 1, SG_MAPS_MAX_MAPPINGS, "maps", &err), &err,
		SIGNET_E_PROCESS_INVALID, "line 1: a NUL byte");

	/* A line longer than any the kernel writes, then one just short enough. */
	size_t head = strlen("1000-2000 r-xp 0 fe:00 1 /");
	char *line = malloc(SG_MAPS_MAX_LINE + 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	memcpy(line, "1000-2000 r-xp 0 fe:00 1 /", head);
	memset(line + head, 'a', SG_MAPS_MAX_LINE + 1 - head);
	line[SG_MAPS_MAX_LINE + 1] = '\n';
	SG_ASSERT_FAILS(sg_maps_parse(&m, line, SG_MAPS_MAX_LINE + 2, SG_MAPS_MAX_MAPPINGS, "maps", &err), &err,
		SIGNET_E_PROCESS_INVALID, "line 1: longer than the longest line the kernel writes");
	line[SG_MAPS_MAX_LINE] = '\n';
	SG_ASSERT_OK(sg_maps_parse(&m, line, SG_MAPS_MAX_LINE + 1, SG_MAPS_MAX_MAPPINGS, "maps", &err), &err);
	CU_ASSERT_EQUAL(m.n, 1);
	CU_ASSERT_EQUAL(m.items[0].path_len, SG_MAPS_MAX_LINE - head + 1);
	sg_array_clear(&m);
	free(line);
	/* No newline anywhere in a long stretch: refused for its length, not read past. */
	char *flat = malloc(SG_MAPS_MAX_LINE * 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(flat);
	memset(flat, '1', SG_MAPS_MAX_LINE * 3);
	SG_ASSERT_FAILS(sg_maps_parse(&m, flat, SG_MAPS_MAX_LINE * 3, SG_MAPS_MAX_MAPPINGS, "maps", &err), &err,
		SIGNET_E_PROCESS_INVALID, "line 1: longer than the longest line");
	free(flat);
}

static void test_maps_parser_caps_the_count(void)
{
	sg_mappings m;
	signet_error *err = NULL;
	const char *three = "1000-2000 r-xp 0 fe:00 1\n2000-3000 r-xp 0 fe:00 1\n3000-4000 r-xp 0 fe:00 1\n";
	SG_ASSERT_OK(parse(&m, three, 3, &err), &err);
	CU_ASSERT_EQUAL(m.n, 3);
	sg_array_clear(&m);
	SG_ASSERT_FAILS(parse(&m, three, 2, &err), &err, SIGNET_E_LIMIT, "maps: more than 2 mappings");
	CU_ASSERT_PTR_NULL(m.items);

	/* The real cap, with the real number of lines: 65,536 mappings of one page each pass, 65,537 do not. */
	size_t count = SG_MAPS_MAX_MAPPINGS + 1, each = 48, at_cap = 0;
	char *text = malloc(count * each + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	size_t used = 0;
	for (size_t i = 0; i < count; i++) {
		used += (size_t)snprintf(text + used, each + 1, "%zx-%zx r-xp 0 fe:00 7 /lib\n", (i + 1) * 4096,
			(i + 2) * 4096);
		if (i + 1 == SG_MAPS_MAX_MAPPINGS)
			at_cap = used;
	}
	SG_ASSERT_FAILS(sg_maps_parse(&m, text, used, SG_MAPS_MAX_MAPPINGS, "maps", &err), &err, SIGNET_E_LIMIT,
		"more than 65536 mappings: too many to account for");
	SG_ASSERT_OK(sg_maps_parse(&m, text, at_cap, SG_MAPS_MAX_MAPPINGS, "maps", &err), &err);
	CU_ASSERT_EQUAL(m.n, SG_MAPS_MAX_MAPPINGS);
	sg_array_clear(&m);
	free(text);
}

static void test_fdinfo_and_status_parsers(void)
{
	long pid = 0;
	const char *live = "pos:\t0\nflags:\t02000002\nPid:\t9088\nNSpid:\t9088\n";
	CU_ASSERT_TRUE(sg_fdinfo_pid(live, strlen(live), &pid));
	CU_ASSERT_EQUAL(pid, 9088);
	const char *reaped = "pos:\t0\nPid:\t-1\n";
	CU_ASSERT_TRUE(sg_fdinfo_pid(reaped, strlen(reaped), &pid));
	CU_ASSERT_EQUAL(pid, -1);
	const char *hidden = "Pid:\t0\nNSpid:\t0\n";
	CU_ASSERT_TRUE(sg_fdinfo_pid(hidden, strlen(hidden), &pid));
	CU_ASSERT_EQUAL(pid, 0);
	const char *bad[] = {
		"pos:\t0\nflags:\t02\n",            /* not a pidfd */
		"Pid:\t12x\n", "Pid:\t-2\n", "Pid:\t\n", "Pid:\t99999999999999999999\n",
		"Pid:\t5\nPid:\t6\n",               /* twice: not the kernel's */
		"Pid:\t4194305\n",                  /* past any pid_max */
		"NSpid:\t5\n",                      /* another key that only ends the same */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		pid = 42;
		if (sg_fdinfo_pid(bad[i], strlen(bad[i]), &pid))
			fprintf(stderr, "  accepted [%s]\n", bad[i]);
		CU_ASSERT_FALSE(sg_fdinfo_pid(bad[i], strlen(bad[i]), &pid));
		CU_ASSERT_EQUAL(pid, 42);
	}
	const char *trailing = "Pid:\t5"; /* no newline at the end: still one line */
	CU_ASSERT_TRUE(sg_fdinfo_pid(trailing, strlen(trailing), &pid));
	CU_ASSERT_EQUAL(pid, 5);

	uid_t uid = 7;
	const char *status = "Name:\tx\nUid:\t65534\t65534\t65534\t65534\nGid:\t0\t0\t0\t0\n";
	CU_ASSERT_TRUE(sg_status_uid(status, strlen(status), &uid));
	CU_ASSERT_EQUAL(uid, 65534);
	const char *bad_uid[] = { "Name:\tx\n", "Uid:\t4294967295\t0\t0\t0\n", "Uid:\tx\n", "Uid:\t12x\t0\n",
		"Uid:\t1\nUid:\t2\n" };
	for (size_t i = 0; i < sizeof bad_uid / sizeof bad_uid[0]; i++) {
		uid = 7;
		CU_ASSERT_FALSE(sg_status_uid(bad_uid[i], strlen(bad_uid[i]), &uid));
		CU_ASSERT_EQUAL(uid, 7);
	}
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	static const sg_test identity[] = {
		{ "a signed process: valid, its file's identity", test_signed_process_is_valid },
		{ "an unsigned process: invalid, naming its executable", test_unsigned_process_is_invalid },
		{ "an executable replaced on disk after exec", test_executable_replaced_after_exec },
		{ "an unsigned LD_PRELOAD library, named", test_unsigned_preloaded_library },
		{ "the same file exec'd again with an unsigned LD_PRELOAD: the cheap check sees it",
			test_reexec_same_file_is_seen },
		{ "a platform soname list: judged by DT_SONAME", test_platform_soname_list },
		{ "writable-executable and anonymous executable memory, named by range", test_code_written_at_run_time },
		{ "problems are capped, and counted", test_many_problems_are_capped },
		{ "a plugin loaded by signet_load(): its snapshot verifies", test_signet_loaded_plugin_is_valid },
		{ "memfd snapshots: sealed and signed, or refused for why", test_snapshot_memfds },
		{ "a map larger than 8 MiB is refused", test_huge_map_is_refused },
		{ "timing", test_timing },
		{ NULL, NULL },
	};
	static const sg_test peers[] = {
		{ "SO_PEERPIDFD and the fallback name the same peer", test_peer_both_paths_agree },
		{ "exec after connect: the identity is the new program's", test_exec_after_connect },
		{ "an exited process is gone; not a pidfd", test_exited_process_is_gone },
		{ "the fallback refuses a pid that does not hold the socket", test_fallback_refuses_a_process_without_the_socket },
		{ "a reused pid is never taken for the peer", test_reused_pid_is_not_the_peer },
		{ NULL, NULL },
	};
	static const sg_test checks[] = {
		{ "another user's process: unknown, with the reason; accepted by uid", test_other_users_process_is_unknown },
		{ "a requirement refuses with the evaluator's explanation", test_requirement_refuses_with_the_explanation },
		{ NULL, NULL },
	};
	static const sg_test parsers[] = {
		{ "the kernel's maps text, names as written", test_maps_parser_reads_the_kernels_text },
		{ "hostile maps text: fields, numbers, order, NUL, length, cut", test_maps_parser_refuses_hostile_text },
		{ "the mapping count is capped", test_maps_parser_caps_the_count },
		{ "fdinfo Pid and status Uid", test_fdinfo_and_status_parsers },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = {
		{ "process identity and validity", identity }, { "peers", peers }, { "signet_process_check", checks },
		{ "/proc parsers", parsers }, { NULL, NULL },
	};
	return sg_test_main(suites);
}
