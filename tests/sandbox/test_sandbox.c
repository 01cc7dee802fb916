/* SPDX-License-Identifier: MIT */
/*
 * test_sandbox.c - the sandbox of isolated guests (docs/isolation.md), on
 * the real kernel: each case forks a child that applies a spec and then
 * tries one thing; the parent asserts exactly how the child ended (its exit
 * status, or death by SIGSYS or SIGXCPU), what it said on a result pipe,
 * and what the SIGSYS handler wrote on the report pipe, named through
 * sg_sandbox_syscall_name(). Children end with _exit(): LeakSanitizer's
 * check at exit makes a process and ptraces it, which the sandbox forbids.
 *
 * The kernel here has every mechanism; the fallbacks (Landlock missing or
 * disabled, an older ABI, seccomp or no_new_privs missing) are made with
 * sg_sandbox_pretend_*() in the child, or around a probe in the parent.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#include "sandbox/sandbox.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define MIB ((uint64_t)1 << 20)

/* ---- one child, one attempt ---------------------------------------------- */

/* What a child says on its result pipe: once after apply, once after its attempt. */
typedef struct record {
	int stage;             /* 1: applied (or refused), 2: the attempt finished */
	int apply_rc;
	char apply_msg[400];
	char apply_check[48];
	sg_sandbox_state st;
	long value;            /* what the attempt returned */
	int err;               /* errno after it */
	char text[200];
} record;

typedef struct run {
	int status;                  /* from waitpid() */
	record applied, attempted;
	bool have_applied, have_attempted;
	int report_rc;               /* sg_sandbox_read_report() */
	long report_nr;
	char name[32];               /* the reported call, named */
} run;

typedef void prepare_fn(void *arg);

/* What the next child pretends its kernel lacks (sg_sandbox_pretend_*()); cleared after each run. */
static struct {
	const char *mechanism;
	int os_errno;
	int abi;
} pretence;
typedef void attempt_fn(void *arg, record *r);

static void put(int fd, const record *r)
{
	if (write(fd, r, sizeof *r) != (ssize_t)sizeof *r)
		_exit(97);
}

/*
 * Forks; the child runs prepare (unconfined), applies `spec` with the
 * report pipe as report_fd (or none), says how that went, runs the attempt
 * even after a refusal (a refusal must have changed nothing), says what it
 * found and _exit()s.
 */
static void run_child(run *out, const sg_sandbox_spec *spec, bool with_report, prepare_fn *prepare,
	attempt_fn *attempt, void *arg)
{
	memset(out, 0, sizeof *out);
	int report[2], result[2];
	CU_ASSERT_FATAL(pipe2(report, O_CLOEXEC) == 0 && pipe2(result, O_CLOEXEC) == 0);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		close(report[0]);
		close(result[0]);
		sg_sandbox_spec s = *spec;
		s.report_fd = with_report ? report[1] : -1;
		if (pretence.mechanism)
			sg_sandbox_pretend_missing(pretence.mechanism, pretence.os_errno);
		if (pretence.abi)
			sg_sandbox_pretend_landlock_abi(pretence.abi);
		if (prepare)
			prepare(arg);
		record r;
		memset(&r, 0, sizeof r);
		r.stage = 1;
		signet_error *err = NULL;
		r.apply_rc = sg_sandbox_apply(&r.st, &s, &err);
		if (r.apply_rc) {
			snprintf(r.apply_msg, sizeof r.apply_msg, "%s", signet_error_message(err));
			snprintf(r.apply_check, sizeof r.apply_check, "%s", signet_error_check(err) ? signet_error_check(err) : "");
			signet_error_free(err);
		}
		put(result[1], &r);
		r.stage = 2;
		errno = 0;
		attempt(arg, &r);
		put(result[1], &r);
		_exit(0);
	}
	memset(&pretence, 0, sizeof pretence);
	close(report[1]);
	close(result[1]);
	while (waitpid(pid, &out->status, 0) < 0 && errno == EINTR)
		;
	record r;
	while (read(result[0], &r, sizeof r) == (ssize_t)sizeof r) {
		if (r.stage == 1) {
			out->applied = r;
			out->have_applied = true;
		} else if (r.stage == 2) {
			out->attempted = r;
			out->have_attempted = true;
		}
	}
	close(result[0]);
	out->report_rc = sg_sandbox_read_report(report[0], &out->report_nr);
	close(report[0]);
	if (out->report_rc == 0)
		sg_sandbox_syscall_name(out->report_nr, out->name);
}

static void describe(const run *r)
{
	if (WIFSIGNALED(r->status))
		fprintf(stderr, "  child killed by signal %d", WTERMSIG(r->status));
	else
		fprintf(stderr, "  child exited %d", WEXITSTATUS(r->status));
	fprintf(stderr, "; apply %d \"%s\"; report %d \"%s\"; attempt %s value %ld errno %d \"%s\"\n",
		r->applied.apply_rc, r->applied.apply_msg, r->report_rc, r->name, r->have_attempted ? "done" : "not done",
		r->attempted.value, r->attempted.err, r->attempted.text);
}

/* Applied, then ended by the filter, and the report names `call`. */
static void expect_trapped(const run *r, const char *call)
{
	bool ok = r->have_applied && r->applied.apply_rc == 0 && WIFSIGNALED(r->status) &&
		WTERMSIG(r->status) == SIGSYS && !r->have_attempted && r->report_rc == 0 && !strcmp(r->name, call);
	if (!ok) {
		fprintf(stderr, "  expected a trap reported as \"%s\"\n", call);
		describe(r);
	}
	CU_ASSERT_TRUE(ok);
}

/* Applied, the attempt finished and the child exited 0. */
static void expect_lived(const run *r)
{
	bool ok = r->have_applied && r->applied.apply_rc == 0 && WIFEXITED(r->status) &&
		WEXITSTATUS(r->status) == 0 && r->have_attempted && r->report_rc == SIGNET_E_NOT_FOUND;
	if (!ok)
		describe(r);
	CU_ASSERT_TRUE_FATAL(ok);
}

/* The attempt ran and failed with `e`. */
static void expect_refused(const run *r, int e)
{
	expect_lived(r);
	if (r->attempted.value != -1 || r->attempted.err != e)
		describe(r);
	CU_ASSERT_EQUAL(r->attempted.value, -1);
	CU_ASSERT_EQUAL(r->attempted.err, e);
}

static sg_sandbox_spec spec_reading(const char *const *paths, size_t n)
{
	return (sg_sandbox_spec){ .read_paths = paths, .n_read_paths = n, .report_fd = -1 };
}

/* With nothing granted, `attempt` ends the child, and the report names `call`. */
static void check_trapped(attempt_fn *attempt, void *arg, const char *call)
{
	sg_sandbox_spec s = spec_reading(NULL, 0);
	run r;
	run_child(&r, &s, true, NULL, attempt, arg);
	expect_trapped(&r, call);
}

/* With nothing granted, `attempt` fails with `e` and the child lives on. */
static void check_refused(attempt_fn *attempt, void *arg, int e)
{
	sg_sandbox_spec s = spec_reading(NULL, 0);
	run r;
	run_child(&r, &s, true, NULL, attempt, arg);
	expect_refused(&r, e);
}

/* A directory of the test's own with one file in it (sg_sandbox() reuses its buffer: copied into a ring). */
static const char *dir_with_file(const char *content)
{
	static char ring[4][4096];
	static unsigned next;
	char *d = ring[next++ % 4];
	snprintf(d, sizeof ring[0], "%s", sg_sandbox());
	char p[4200];
	snprintf(p, sizeof p, "%s/file", d);
	sg_write_file(p, content, strlen(content), 0644);
	return d;
}

/* ---- attempts ------------------------------------------------------------- */

typedef struct file_attempt {
	char path[4300];
	int flags;
} file_attempt;

static void attempt_open(void *arg, record *r)
{
	file_attempt *a = arg;
	int fd = open(a->path, a->flags | O_CLOEXEC, 0644);
	r->err = errno;
	r->value = fd < 0 ? -1 : 0;
	if (fd >= 0 && !(a->flags & (O_WRONLY | O_RDWR))) {
		ssize_t n = read(fd, r->text, sizeof r->text - 1);
		if (n < 0)
			r->value = -1, r->err = errno;
	}
}

static void attempt_fork(void *arg, record *r)
{
	(void)arg;
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	r->value = p;
	r->err = errno;
}

static void attempt_raw_fork(void *arg, record *r)
{
	(void)arg;
#ifdef SYS_fork
	long p = syscall(SYS_fork);
	if (p == 0)
		_exit(0);
	r->value = p;
#else
	r->value = -2;
#endif
	r->err = errno;
}

static void attempt_execve(void *arg, record *r)
{
	(void)arg;
	static char arg0[] = "true";
	char *argv[] = { arg0, NULL };
	char *envp[] = { NULL };
	r->value = execve("/bin/true", argv, envp);
	r->err = errno;
}

static void attempt_ptrace(void *arg, record *r)
{
	(void)arg;
	r->value = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	r->err = errno;
}

static void attempt_kill_parent(void *arg, record *r)
{
	(void)arg;
	r->value = kill(getppid(), 0);
	r->err = errno;
}

static void attempt_kill_group(void *arg, record *r)
{
	(void)arg;
	r->value = kill(0, 0);
	r->err = errno;
}

static void attempt_socket_inet(void *arg, record *r)
{
	(void)arg;
	r->value = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r->err = errno;
}

/* ---- probe ---------------------------------------------------------------- */

static void test_probe_reports_this_kernel(void)
{
	sg_sandbox_state st;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_sandbox_probe(&st, NULL, &err), &err);
	CU_ASSERT_TRUE(st.no_new_privs);
	CU_ASSERT_TRUE(st.seccomp);
	CU_ASSERT_TRUE(st.landlock_abi >= 1);
	CU_ASSERT_TRUE(st.landlock_fs);
	CU_ASSERT_EQUAL(st.landlock_net, st.landlock_abi >= 4);
	CU_ASSERT_EQUAL(st.landlock_scoped, st.landlock_abi >= 6);
	if (st.landlock_abi >= 6)
		CU_ASSERT_STRING_EQUAL(st.missing, "");
	printf("(Landlock ABI %d) ", st.landlock_abi);
}

static void test_probe_refuses_a_kernel_without_landlock(void)
{
	sg_sandbox_state st;
	signet_error *err = NULL;
	sg_sandbox_pretend_missing("landlock", ENOSYS);
	SG_ASSERT_FAILS(sg_sandbox_probe(&st, NULL, &err), &err, SIGNET_E_SANDBOX_UNAVAILABLE,
		"Landlock is not available in this kernel (landlock_create_ruleset: Function not implemented)");
	sg_sandbox_spec weaker = { .accept_weaker = true, .report_fd = -1 };
	SG_ASSERT_OK(sg_sandbox_probe(&st, &weaker, &err), &err);
	CU_ASSERT_EQUAL(st.landlock_abi, 0);
	CU_ASSERT_FALSE(st.landlock_fs || st.landlock_net || st.landlock_scoped);
	CU_ASSERT_TRUE(st.seccomp && st.no_new_privs);
	CU_ASSERT_STRING_EQUAL(st.missing,
		"Landlock is not available in this kernel (landlock_create_ruleset: Function not implemented)");

	sg_sandbox_pretend_missing("landlock", EOPNOTSUPP);
	sg_sandbox_spec strict = { .report_fd = -1 };
	int rc = sg_sandbox_probe(&st, &strict, &err);
	CU_ASSERT_EQUAL(rc, SIGNET_E_SANDBOX_UNAVAILABLE);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "sandbox.landlock");
	CU_ASSERT_EQUAL(signet_error_os_errno(err), EOPNOTSUPP);
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_SANDBOX_UNAVAILABLE, "Landlock is disabled in this kernel (built in, not "
		"enabled at boot) (landlock_create_ruleset: Operation not supported): refusing to run an isolated guest");
	sg_sandbox_pretend_missing(NULL, 0);
}

static void test_probe_never_accepts_missing_seccomp_or_no_new_privs(void)
{
	sg_sandbox_state st;
	signet_error *err = NULL;
	sg_sandbox_spec weaker = { .accept_weaker = true, .report_fd = -1 };
	sg_sandbox_pretend_missing("seccomp", ENOSYS);
	SG_ASSERT_FAILS(sg_sandbox_probe(&st, &weaker, &err), &err, SIGNET_E_SANDBOX_UNAVAILABLE,
		"seccomp filtering is not available in this kernel (seccomp SECCOMP_GET_ACTION_AVAIL: Function not "
		"implemented)");
	sg_sandbox_pretend_missing(NULL, 0);
	sg_sandbox_pretend_missing("no_new_privs", EINVAL);
	SG_ASSERT_FAILS(sg_sandbox_probe(&st, &weaker, &err), &err, SIGNET_E_SANDBOX_UNAVAILABLE,
		"no_new_privs is not available in this kernel (prctl PR_GET_NO_NEW_PRIVS: Invalid argument)");
	sg_sandbox_pretend_missing(NULL, 0);
}

static void test_probe_records_what_an_older_abi_lacks(void)
{
	sg_sandbox_state st;
	signet_error *err = NULL;
	sg_sandbox_pretend_landlock_abi(2); /* Debian 12's stock kernel */
	SG_ASSERT_OK(sg_sandbox_probe(&st, NULL, &err), &err);
	sg_sandbox_pretend_landlock_abi(0);
	CU_ASSERT_EQUAL(st.landlock_abi, 2);
	CU_ASSERT_TRUE(st.landlock_fs);
	CU_ASSERT_FALSE(st.landlock_net || st.landlock_scoped);
	CU_ASSERT_STRING_EQUAL(st.missing, "Landlock TCP rules (ABI 2, 4 needed); Landlock scoping of signals and "
		"abstract sockets (ABI 2, 6 needed)");
}

static void test_probe_refuses_a_relative_read_path(void)
{
	sg_sandbox_state st;
	signet_error *err = NULL;
	const char *paths[] = { "/usr/lib", "lib" };
	sg_sandbox_spec s = spec_reading(paths, 2);
	SG_ASSERT_FAILS(sg_sandbox_probe(&st, &s, &err), &err, SIGNET_E_INVALID_ARGUMENT, "read path 1 is not absolute");
}

/* ---- the filesystem -------------------------------------------------------- */

/* A child granted `granted` (NULL: nothing) opens `path` with `flags` (and reads it when read-only). */
static void open_in_child(run *r, const char *granted, const char *path, int flags)
{
	const char *paths[] = { granted };
	sg_sandbox_spec s = spec_reading(paths, granted ? 1 : 0);
	file_attempt a = { .flags = flags };
	snprintf(a.path, sizeof a.path, "%s", path);
	run_child(r, &s, true, NULL, attempt_open, &a);
}

static void test_reading_inside_a_read_path_works(void)
{
	const char *d = dir_with_file("inside");
	char file[4200];
	snprintf(file, sizeof file, "%s/file", d);
	run r;
	open_in_child(&r, d, file, O_RDONLY);
	expect_lived(&r);
	CU_ASSERT_EQUAL(r.attempted.value, 0);
	CU_ASSERT_STRING_EQUAL(r.attempted.text, "inside");
	CU_ASSERT_EQUAL(r.applied.st.read_paths_granted, 1);
	CU_ASSERT_TRUE(r.applied.st.landlock_fs);
}

static void test_reading_outside_the_read_paths_is_refused(void)
{
	const char *inside = dir_with_file("inside");
	char file[4200];
	snprintf(file, sizeof file, "%s/file", dir_with_file("outside"));
	run r;
	open_in_child(&r, inside, file, O_RDONLY);
	expect_refused(&r, EACCES);
}

static void test_writing_into_a_read_path_is_refused(void)
{
	const char *d = dir_with_file("inside");
	char file[4200];
	snprintf(file, sizeof file, "%s/file", d);
	run r;
	open_in_child(&r, d, file, O_WRONLY);
	expect_refused(&r, EACCES);
	snprintf(file, sizeof file, "%s/new", d);
	open_in_child(&r, d, file, O_WRONLY | O_CREAT | O_EXCL);
	expect_refused(&r, EACCES);
	struct stat st;
	CU_ASSERT_EQUAL(stat(file, &st), -1);
}

static void test_etc_passwd_is_not_writable(void)
{
	/* The tests run as root, whom file modes would not stop: this is Landlock alone. */
	run r;
	open_in_child(&r, NULL, "/etc/passwd", O_WRONLY);
	expect_refused(&r, EACCES);
}

static void test_creating_a_file_in_tmp_is_refused(void)
{
	char file[64];
	snprintf(file, sizeof file, "/tmp/signet-sandbox-test.%ld", (long)getpid());
	run r;
	open_in_child(&r, NULL, file, O_WRONLY | O_CREAT | O_EXCL);
	expect_refused(&r, EACCES);
	struct stat st;
	CU_ASSERT_EQUAL(stat(file, &st), -1);
}

static void test_a_read_path_that_is_a_file_grants_that_file_alone(void)
{
	const char *d = dir_with_file("granted");
	char file[4200], sibling[4200];
	snprintf(file, sizeof file, "%s/file", d);
	snprintf(sibling, sizeof sibling, "%s/sibling", d);
	sg_write_file(sibling, "no", 2, 0644);
	const char *paths[] = { file, "/nonexistent/signet/dir" };
	sg_sandbox_spec s = spec_reading(paths, 2);
	file_attempt a = { .flags = O_RDONLY };
	snprintf(a.path, sizeof a.path, "%s", file);
	run r;
	run_child(&r, &s, true, NULL, attempt_open, &a);
	expect_lived(&r);
	CU_ASSERT_STRING_EQUAL(r.attempted.text, "granted");
	CU_ASSERT_EQUAL(r.applied.st.read_paths_granted, 1); /* the missing one is skipped */
	open_in_child(&r, file, sibling, O_RDONLY);
	expect_refused(&r, EACCES);
}

static void test_own_proc_entry_is_readable_and_no_other(void)
{
	run r;
	open_in_child(&r, NULL, "/proc/self/maps", O_RDONLY);
	expect_lived(&r);
	CU_ASSERT_EQUAL(r.attempted.value, 0);
	CU_ASSERT_TRUE(strlen(r.attempted.text) > 0);
	/* The parent's: the host's entry must stay out of reach. */
	char theirs[64];
	snprintf(theirs, sizeof theirs, "/proc/%ld/status", (long)getpid());
	open_in_child(&r, NULL, theirs, O_RDONLY);
	expect_refused(&r, EACCES);
}

static void test_a_relative_read_path_is_refused_before_anything_changes(void)
{
	const char *paths[] = { "relative/dir" };
	sg_sandbox_spec s = spec_reading(paths, 1);
	run r;
	run_child(&r, &s, true, NULL, attempt_socket_inet, NULL);
	CU_ASSERT_TRUE(r.have_applied);
	CU_ASSERT_EQUAL(r.applied.apply_rc, SIGNET_E_INVALID_ARGUMENT);
	CU_ASSERT_STRING_EQUAL(r.applied.apply_check, "sandbox.spec");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.applied.apply_msg, "read path 0 is not absolute"));
	/* No filter was loaded: the socket was made. */
	CU_ASSERT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
	CU_ASSERT_TRUE(r.attempted.value >= 0);
}

/* ---- processes and signals -------------------------------------------------- */

static void test_fork_is_trapped_and_reported(void)
{
	check_trapped(attempt_fork, NULL, "clone"); /* glibc's fork() is clone() without CLONE_THREAD */
	check_trapped(attempt_raw_fork, NULL, "fork");
}

static void test_execve_is_trapped_and_reported(void)
{
	check_trapped(attempt_execve, NULL, "execve");
}

static void test_ptrace_is_trapped_and_reported(void)
{
	check_trapped(attempt_ptrace, NULL, "ptrace");
}

static void test_signalling_another_process_is_trapped(void)
{
	check_trapped(attempt_kill_parent, NULL, "kill");
	check_trapped(attempt_kill_group, NULL, "kill");
}

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig) { (void)sig; got_usr1 = 1; }

static void attempt_signal_itself(void *arg, record *r)
{
	(void)arg;
	signal(SIGUSR1, on_usr1);
	long rc = kill(getpid(), 0);
	if (rc == 0)
		rc = raise(SIGUSR1); /* tgkill(own pid, own tid) */
	r->value = rc == 0 && got_usr1 ? 1 : 0;
	r->err = errno;
}

static void test_signalling_itself_works(void)
{
	sg_sandbox_spec s = spec_reading(NULL, 0);
	run r;
	run_child(&r, &s, true, NULL, attempt_signal_itself, NULL);
	expect_lived(&r);
	CU_ASSERT_EQUAL(r.attempted.value, 1);
}

static void *thread_body(void *arg)
{
	return (void *)((uintptr_t)arg * 2);
}

static void attempt_threads(void *arg, record *r)
{
	(void)arg;
	pthread_t t[4];
	long sum = 0;
	for (uintptr_t i = 0; i < 4; i++)
		if ((errno = pthread_create(&t[i], NULL, thread_body, (void *)(i + 1))) != 0) {
			r->value = -1;
			r->err = errno;
			return;
		}
	for (int i = 0; i < 4; i++) {
		void *ret = NULL;
		pthread_join(t[i], &ret);
		sum += (long)(uintptr_t)ret;
	}
	r->value = sum;
}

static void test_threads_work(void)
{
	sg_sandbox_spec s = spec_reading(NULL, 0);
	s.memory_budget = 64 * MIB;
	run r;
	run_child(&r, &s, true, NULL, attempt_threads, NULL);
	expect_lived(&r);
	CU_ASSERT_EQUAL(r.attempted.value, 2 * (1 + 2 + 3 + 4));
}

static void attempt_sigsys_handler(void *arg, record *r)
{
	(void)arg;
	struct sigaction old;
	/* Asking is fine... */
	if (sigaction(SIGSYS, NULL, &old) != 0 || !(old.sa_flags & SA_SIGINFO)) {
		r->value = -2;
		return;
	}
	/* ...replacing the handler that reports is not. */
	r->value = signal(SIGSYS, SIG_IGN) == SIG_ERR ? -1 : 0;
	r->err = errno;
}

static void test_replacing_the_sigsys_handler_is_trapped(void)
{
	check_trapped(attempt_sigsys_handler, NULL, "rt_sigaction");
}

static void attempt_x32(void *arg, record *r)
{
	(void)arg;
#ifdef __x86_64__
	r->value = syscall(0x40000000 | SYS_getpid); /* the x32 ABI's getpid */
#else
	r->value = -2;
#endif
	r->err = errno;
}

static void test_another_architectures_calls_kill_without_report(void)
{
#ifdef __x86_64__
	sg_sandbox_spec s = spec_reading(NULL, 0);
	run r;
	run_child(&r, &s, true, NULL, attempt_x32, NULL);
	CU_ASSERT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGSYS);
	CU_ASSERT_FALSE(r.have_attempted);
	CU_ASSERT_EQUAL(r.report_rc, SIGNET_E_NOT_FOUND);
#endif
}

static void attempt_clone3(void *arg, record *r)
{
	(void)arg;
	uint64_t args[11] = { 0 };
	args[4] = SIGCHLD; /* exit_signal: a plain fork */
	long p = syscall(435 /* clone3 */, args, sizeof args);
	if (p == 0)
		_exit(0);
	r->value = p;
	r->err = errno;
}

static void test_clone3_says_enosys(void)
{
	check_refused(attempt_clone3, NULL, ENOSYS);
}

static void attempt_syscall_600(void *arg, record *r)
{
	(void)arg;
	r->value = syscall(600, 0, 0, 0);
	r->err = errno;
}

static void test_calls_newer_than_the_filter_say_enosys(void)
{
	check_refused(attempt_syscall_600, NULL, ENOSYS);
}

static void attempt_no_report(void *arg, record *r)
{
	(void)arg;
	r->value = syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
}

static void test_without_a_report_descriptor_the_guest_just_dies(void)
{
	sg_sandbox_spec s = spec_reading(NULL, 0);
	run r;
	run_child(&r, &s, false, NULL, attempt_no_report, NULL);
	CU_ASSERT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGSYS);
	CU_ASSERT_FALSE(r.have_attempted);
	CU_ASSERT_EQUAL(r.report_rc, SIGNET_E_NOT_FOUND);
}

/* Every other forbidden call, each in its own child: {what, how, the name reported}. */
typedef struct forbidden {
	const char *what;
	long nr;
	long args[6];
	const char *name;
} forbidden;

static void attempt_forbidden(void *arg, record *r)
{
	const forbidden *f = arg;
	r->value = syscall(f->nr, f->args[0], f->args[1], f->args[2], f->args[3], f->args[4], f->args[5]);
	r->err = errno;
}

static void test_each_forbidden_call_ends_the_guest_with_its_name(void)
{
	/* A file of the test's own: were a call let through, it would change this and nothing else. */
	static char victim[4096];
	snprintf(victim, sizeof victim, "%s/file", dir_with_file("victim"));
	const long v = (long)victim;
	forbidden calls[] = {
		{ "vfork", SYS_vfork, { 0 }, "vfork" },
		{ "clone of a process", SYS_clone, { SIGCHLD }, "clone" },
		{ "a thread in a new network namespace", SYS_clone,
		  { CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_NEWNET }, "clone" },
		{ "execveat", SYS_execveat, { AT_FDCWD, (long)"/bin/true", 0, 0, 0 }, "execveat" },
		{ "process_vm_readv", SYS_process_vm_readv, { 1, 0, 0, 0, 0, 0 }, "process_vm_readv" },
		{ "pidfd_send_signal", 424, { 0, 0, 0, 0 }, "pidfd_send_signal" },
		{ "tgkill of another process", SYS_tgkill, { 1, 1, 0 }, "tgkill" },
		{ "prlimit64 of another process", SYS_prlimit64, { 1, RLIMIT_NOFILE, 0, 0 }, "prlimit64" },
		{ "unshare", SYS_unshare, { CLONE_NEWUSER }, "unshare" },
		{ "setns", SYS_setns, { 0, 0 }, "setns" },
		{ "mount", SYS_mount, { (long)"none", v, (long)"tmpfs", 0, 0 }, "mount" },
		{ "chroot", SYS_chroot, { (long)"/" }, "chroot" },
		{ "bpf", SYS_bpf, { 0, 0, 0 }, "bpf" },
		{ "perf_event_open", SYS_perf_event_open, { 0, 0, -1, -1, 0 }, "perf_event_open" },
		{ "userfaultfd", SYS_userfaultfd, { 0 }, "userfaultfd" },
		{ "io_uring_setup", 425, { 1, 0 }, "io_uring_setup" },
		{ "keyctl", SYS_keyctl, { 0 }, "keyctl" },
		{ "init_module", SYS_init_module, { 0, 0, 0 }, "init_module" },
		{ "personality", SYS_personality, { 0x0400000 /* READ_IMPLIES_EXEC */ }, "personality" },
		{ "prctl(PR_SET_DUMPABLE, 0)", SYS_prctl, { PR_SET_DUMPABLE, 0 }, "prctl" },
		{ "truncate", SYS_truncate, { v, 0 }, "truncate" },
		{ "chmod", SYS_chmod, { v, 0777 }, "chmod" },
		{ "utimensat", SYS_utimensat, { AT_FDCWD, v, 0, 0 }, "utimensat" },
		{ "setxattr", SYS_setxattr, { v, (long)"user.x", (long)"y", 1, 0 }, "setxattr" },
		{ "file_setattr (Linux 6.17)", 469, { AT_FDCWD, v, 0, 0, 0 }, "file_setattr" },
		{ "ioctl(TIOCSTI)", SYS_ioctl, { -1, TIOCSTI, (long)"x" }, "ioctl" },
		{ "ioctl(TIOCSTI) with high bits", SYS_ioctl, { -1, (long)(0x100000000L | TIOCSTI), (long)"x" }, "ioctl" },
		{ "shmget", SYS_shmget, { IPC_PRIVATE, 4096, 0600 }, "shmget" },
		{ "socket(AF_PACKET)", SYS_socket, { 17 /* AF_PACKET */, SOCK_RAW, 0 }, "socket" },
		{ "socket(AF_INET) with high bits", SYS_socket, { (long)(0x100000000L | AF_INET), SOCK_STREAM, 0 },
		  "socket" },
	};
	sg_sandbox_spec s = spec_reading(NULL, 0);
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		run r;
		run_child(&r, &s, true, NULL, attempt_forbidden, &calls[i]);
		bool ok = WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGSYS && r.report_rc == 0 &&
			!strcmp(r.name, calls[i].name);
		if (!ok) {
			fprintf(stderr, "  %s: ", calls[i].what);
			describe(&r);
		}
		CU_ASSERT_TRUE(ok);
	}
	struct stat st;
	CU_ASSERT_TRUE(stat(victim, &st) == 0 && (st.st_mode & 07777) == 0644 && st.st_size == 6);
}

/* ---- the network ---------------------------------------------------------- */

/* A listening TCP socket on 127.0.0.1, nonblocking; its port. */
static int listener(uint16_t *port)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	CU_ASSERT_FATAL(s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 && listen(s, 4) == 0 &&
		getsockname(s, (struct sockaddr *)&a, &len) == 0);
	*port = ntohs(a.sin_port);
	return s;
}

typedef struct net_attempt {
	uint16_t port;
	int fd; /* made before the sandbox, or -1 */
} net_attempt;

static void prepare_inet_socket(void *arg)
{
	net_attempt *a = arg;
	a->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

static void attempt_connect(void *arg, record *r)
{
	net_attempt *a = arg;
	int fd = a->fd >= 0 ? a->fd : socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r->value = -2;
		r->err = errno;
		return;
	}
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(a->port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	r->value = connect(fd, (struct sockaddr *)&to, sizeof to);
	r->err = errno;
	if (r->value == 0 && write(fd, "hi", 2) != 2)
		r->value = -3;
}

static void test_socket_af_inet_is_trapped_and_reported(void)
{
	check_trapped(attempt_socket_inet, NULL, "socket");
}

static void test_connecting_to_localhost_is_impossible(void)
{
	uint16_t port;
	int l = listener(&port);
	sg_sandbox_spec s = spec_reading(NULL, 0);
	/* A socket made before the sandbox, in the host's network: only Landlock's TCP rule stands in the way. */
	net_attempt a = { .port = port, .fd = -1 };
	run r;
	run_child(&r, &s, true, prepare_inet_socket, attempt_connect, &a);
	expect_lived(&r);
	if (geteuid() == 0)
		CU_ASSERT_TRUE(r.applied.st.net_ns); /* made without a user namespace */
	if (r.applied.st.landlock_net)
		CU_ASSERT_TRUE(r.attempted.value == -1 && r.attempted.err == EACCES);
	CU_ASSERT_EQUAL(accept(l, NULL, NULL), -1); /* nothing arrived */
	close(l);
}

static void test_a_network_client_connects(void)
{
	uint16_t port;
	int l = listener(&port);
	sg_sandbox_spec s = spec_reading(NULL, 0);
	s.network_client = true;
	net_attempt a = { .port = port, .fd = -1 };
	run r;
	run_child(&r, &s, true, NULL, attempt_connect, &a);
	expect_lived(&r);
	CU_ASSERT_EQUAL(r.attempted.value, 0);
	CU_ASSERT_FALSE(r.applied.st.net_ns); /* a client needs the host's network */
	CU_ASSERT_TRUE(r.applied.st.ipc_ns);
	int c = accept(l, NULL, NULL);
	CU_ASSERT_FATAL(c >= 0);
	char buf[4] = { 0 };
	CU_ASSERT_EQUAL(read(c, buf, sizeof buf), 2);
	CU_ASSERT_STRING_EQUAL(buf, "hi");
	close(c);
	close(l);
}

static void attempt_bind(void *arg, record *r)
{
	(void)arg;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	r->value = fd < 0 ? -2 : bind(fd, (struct sockaddr *)&a, sizeof a);
	r->err = errno;
}

static void attempt_listen(void *arg, record *r)
{
	(void)arg;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r->value = fd < 0 ? -2 : listen(fd, 1);
	r->err = errno;
}

static void test_a_network_client_cannot_serve(void)
{
	sg_sandbox_spec s = spec_reading(NULL, 0);
	s.network_client = true;
	run r;
	run_child(&r, &s, true, NULL, attempt_bind, NULL);
	expect_trapped(&r, "bind");
	run_child(&r, &s, true, NULL, attempt_listen, NULL);
	expect_trapped(&r, "listen");
}

static void attempt_unix_socket(void *arg, record *r)
{
	(void)arg;
	int sv[2];
	long made = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r->err = errno;
	/* Netlink likewise (getaddrinfo() asks it which address families are up, and copes). */
	errno = 0;
	long netlink = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
	bool netlink_refused = netlink == -1 && errno == EACCES;
	/* socketpair() still works: its ends reach nothing but each other. */
	bool pair = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0 && write(sv[0], "p", 1) == 1;
	r->value = made;
	snprintf(r->text, sizeof r->text, "%s, netlink %s", pair ? "pair" : "no pair",
		netlink_refused ? "refused" : "not refused");
}

static void test_new_unix_sockets_are_refused_without_a_trap(void)
{
	sg_sandbox_spec s = spec_reading(NULL, 0);
	run r;
	run_child(&r, &s, true, NULL, attempt_unix_socket, NULL);
	expect_refused(&r, EACCES);
	CU_ASSERT_STRING_EQUAL(r.attempted.text, "pair, netlink refused"); /* socketpair() still works */
}

/* ---- what the loader needs ---------------------------------------------------- */

static int exec_memfd(const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING); /* before Linux 6.3 */
	return fd;
}

static void attempt_memfd_exec(void *arg, record *r)
{
	(void)arg;
	int fd = exec_memfd("sandbox-test");
	unsigned char page[4096];
	memset(page, 0xc3, sizeof page); /* x86 "ret" */
	if (fd < 0 || write(fd, page, sizeof page) != (ssize_t)sizeof page ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
		r->value = -1;
		r->err = errno;
		return;
	}
	void *code = mmap(NULL, sizeof page, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (code == MAP_FAILED) {
		r->value = -1;
		r->err = errno;
		return;
	}
#ifdef __x86_64__
	((void (*)(void))code)();
#endif
	r->value = 1;
}

static void test_an_executable_memfd_mapping_works(void)
{
	sg_sandbox_spec s = spec_reading(NULL, 0);
	s.memory_budget = 64 * MIB;
	run r;
	run_child(&r, &s, true, NULL, attempt_memfd_exec, NULL);
	expect_lived(&r);
	CU_ASSERT_EQUAL(r.attempted.value, 1);
}

typedef struct dl_attempt {
	uint8_t *bytes;
	size_t len;
} dl_attempt;

static void prepare_fixture(void *arg)
{
	dl_attempt *a = arg;
	a->bytes = sg_read_file(sg_fixture("libfixture3.so"), &a->len);
}

/* What the verified load does: a sealed memfd copy, dlopen()ed by its /proc/self/fd path. */
static void attempt_dlopen_memfd(void *arg, record *r)
{
	dl_attempt *a = arg;
	int fd = exec_memfd("sandbox-fixture");
	if (fd < 0 || write(fd, a->bytes, a->len) != (ssize_t)a->len ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
		r->value = -1;
		r->err = errno;
		return;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		r->value = -1;
		snprintf(r->text, sizeof r->text, "%s", dlerror());
		return;
	}
	int (*id)(void) = (int (*)(void))dlsym(h, "fixture_id");
	r->value = id ? id() : -1;
}

static void test_dlopen_of_a_sealed_memfd_works(void)
{
	sg_sandbox_spec s = spec_reading(NULL, 0);
	s.memory_budget = 64 * MIB;
	dl_attempt a = { 0 };
	run r;
	run_child(&r, &s, true, prepare_fixture, attempt_dlopen_memfd, &a);
	expect_lived(&r);
	if (r.attempted.value != 3)
		fprintf(stderr, "  dlopen: %s\n", r.attempted.text);
	CU_ASSERT_EQUAL(r.attempted.value, 3);
}

typedef struct load_attempt {
	char path[4096];
	char fixtures[4096];
	const signet_policy *policy;
} load_attempt;

static void prepare_load(void *arg)
{
	load_attempt *a = arg;
	a->policy = sg_test_policy(); /* reads the trust anchors: before the sandbox, like a guest's policy */
}

/* The real thing: signet_load() (sealed snapshot, page hashes on threads, dlopen by /proc/self/fd/N). */
static void attempt_verified_load(void *arg, record *r)
{
	load_attempt *a = arg;
	signet_image *img = NULL;
	signet_error *err = NULL;
	r->value = signet_load(&img, a->path, a->policy, &err);
	if (r->value) {
		snprintf(r->text, sizeof r->text, "%s", signet_error_message(err));
		signet_error_free(err);
		return;
	}
	void *sym = NULL;
	if (signet_image_symbol(&sym, img, "fixture_id", &err) != 0) {
		snprintf(r->text, sizeof r->text, "%s", signet_error_message(err));
		signet_error_free(err);
		r->value = -1;
		return;
	}
	r->value = ((int (*)(void))sym)() == 5 ? 1 : -2;
}

static void test_a_verified_load_works_inside(void)
{
	load_attempt a;
	memset(&a, 0, sizeof a);
	snprintf(a.path, sizeof a.path, "%s", sg_fixture("libfixture5.so"));
	snprintf(a.fixtures, sizeof a.fixtures, "%s/tests/fixtures", sg_builddir());
	const char *paths[] = { a.fixtures };
	sg_sandbox_spec s = spec_reading(paths, 1);
	s.memory_budget = 64 * MIB;
	run r;
	run_child(&r, &s, true, prepare_load, attempt_verified_load, &a);
	expect_lived(&r);
	if (r.attempted.value != 1)
		fprintf(stderr, "  signet_load: %ld %s\n", r.attempted.value, r.attempted.text);
	CU_ASSERT_EQUAL(r.attempted.value, 1);
	/* And outside its read paths, the same load fails. */
	const char *none[] = { "/nonexistent" };
	s = spec_reading(none, 1);
	run_child(&r, &s, true, prepare_load, attempt_verified_load, &a);
	expect_lived(&r);
	CU_ASSERT_EQUAL(r.attempted.value, SIGNET_E_IO);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.attempted.text, "Permission denied"));
}

/* ---- limits --------------------------------------------------------------- */

static void attempt_allocate(void *arg, record *r)
{
	(void)arg;
	/* mmap, not malloc: a sanitizer's malloc aborts on failure instead of returning NULL. */
	void *small = mmap(NULL, 16 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *big = mmap(NULL, 256 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r->err = errno;
	r->value = big == MAP_FAILED ? -1 : 0;
	snprintf(r->text, sizeof r->text, "%s", small == MAP_FAILED ? "small failed" : "small ok");
}

static void test_allocating_past_the_memory_budget_fails(void)
{
	sg_sandbox_spec s = spec_reading(NULL, 0);
	s.memory_budget = 64 * MIB;
	run r;
	run_child(&r, &s, true, NULL, attempt_allocate, NULL);
	expect_refused(&r, ENOMEM);
	CU_ASSERT_STRING_EQUAL(r.attempted.text, "small ok");
}

static void attempt_big_memfd(void *arg, record *r)
{
	(void)arg;
	int fd = exec_memfd("sandbox-big");
	unsigned char buf[4096] = { 1 };
	bool small = fd >= 0 && write(fd, buf, sizeof buf) == (ssize_t)sizeof buf;
	r->value = fd < 0 ? -2 : ftruncate(fd, (off_t)(64 * MIB + 1));
	r->err = errno;
	snprintf(r->text, sizeof r->text, "%s", small ? "small ok" : "small failed");
}

static void test_a_memfd_past_the_budget_fails_with_efbig(void)
{
	sg_sandbox_spec s = spec_reading(NULL, 0);
	s.memory_budget = 64 * MIB;
	run r;
	run_child(&r, &s, true, NULL, attempt_big_memfd, NULL);
	expect_refused(&r, EFBIG); /* not SIGXFSZ: the loader reports it */
	CU_ASSERT_STRING_EQUAL(r.attempted.text, "small ok");
}

static void attempt_read_limits(void *arg, record *r)
{
	(void)arg;
	struct rlimit cpu, nofile, core, fsize;
	getrlimit(RLIMIT_CPU, &cpu);
	getrlimit(RLIMIT_NOFILE, &nofile);
	getrlimit(RLIMIT_CORE, &core);
	getrlimit(RLIMIT_FSIZE, &fsize);
	snprintf(r->text, sizeof r->text, "cpu %llu/%llu nofile %llu core %llu fsize %llu",
		(unsigned long long)cpu.rlim_cur, (unsigned long long)cpu.rlim_max,
		(unsigned long long)nofile.rlim_cur, (unsigned long long)core.rlim_cur,
		(unsigned long long)fsize.rlim_cur);
	r->value = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) * 10 + prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
}

static void test_rlimits_are_set_as_asked(void)
{
	sg_sandbox_spec s = spec_reading(NULL, 0);
	s.cpu_seconds = 7;
	s.memory_budget = 64 * MIB;
	run r;
	run_child(&r, &s, true, NULL, attempt_read_limits, NULL);
	expect_lived(&r);
	/* The child has used less than a second of CPU: the budget starts from 0. */
	CU_ASSERT_STRING_EQUAL(r.attempted.text, "cpu 7/8 nofile 256 core 0 fsize 67108864");
	CU_ASSERT_EQUAL(r.attempted.value, 11); /* no_new_privs, still dumpable */
	CU_ASSERT_TRUE(r.applied.st.rlimits && r.applied.st.caps_dropped && r.applied.st.seccomp);
}

static void attempt_spin(void *arg, record *r)
{
	(void)arg;
	(void)r;
	for (volatile unsigned long i = 0;; i++)
		;
}

static void test_the_cpu_limit_ends_a_spinning_guest(void)
{
	sg_sandbox_spec s = spec_reading(NULL, 0);
	s.cpu_seconds = 1;
	run r;
	run_child(&r, &s, true, NULL, attempt_spin, NULL);
	CU_ASSERT_TRUE(r.have_applied && r.applied.apply_rc == 0);
	CU_ASSERT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGXCPU);
	CU_ASSERT_EQUAL(r.report_rc, SIGNET_E_NOT_FOUND);
}

/* ---- refusals and fallbacks ------------------------------------------------- */

static void attempt_state_after_refusal(void *arg, record *r)
{
	(void)arg;
	r->value = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0); /* no filter */
	r->err = fd < 0 ? errno : 0;
}

static void test_missing_landlock_refuses_and_changes_nothing(void)
{
	sg_sandbox_spec s = spec_reading(NULL, 0);
	run r;
	pretence.mechanism = "landlock";
	pretence.os_errno = ENOSYS;
	run_child(&r, &s, true, NULL, attempt_state_after_refusal, NULL);
	CU_ASSERT_TRUE_FATAL(r.have_applied && r.have_attempted);
	CU_ASSERT_EQUAL(r.applied.apply_rc, SIGNET_E_SANDBOX_UNAVAILABLE);
	CU_ASSERT_STRING_EQUAL(r.applied.apply_check, "sandbox.landlock");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.applied.apply_msg,
		"Landlock is not available in this kernel (landlock_create_ruleset: Function not implemented)"));
	CU_ASSERT_EQUAL(r.attempted.value, 0); /* no_new_privs not set */
	CU_ASSERT_EQUAL(r.attempted.err, 0);   /* no filter */
	CU_ASSERT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);

	s.accept_weaker = true; /* never enough for seccomp */
	pretence.mechanism = "seccomp";
	pretence.os_errno = ENOSYS;
	run_child(&r, &s, true, NULL, attempt_state_after_refusal, NULL);
	CU_ASSERT_EQUAL(r.applied.apply_rc, SIGNET_E_SANDBOX_UNAVAILABLE);
	CU_ASSERT_STRING_EQUAL(r.applied.apply_check, "sandbox.seccomp");
	CU_ASSERT_EQUAL(r.attempted.value, 0);
}

static void test_accepting_weaker_isolation_runs_without_landlock(void)
{
	const char *outside = dir_with_file("outside");
	sg_sandbox_spec s = spec_reading(NULL, 0);
	s.accept_weaker = true;
	file_attempt a = { .flags = O_RDONLY };
	snprintf(a.path, sizeof a.path, "%s/file", outside);
	run r;
	/* Without Landlock a file anywhere is readable... */
	pretence.mechanism = "landlock";
	pretence.os_errno = ENOSYS;
	run_child(&r, &s, true, NULL, attempt_open, &a);
	expect_lived(&r);
	CU_ASSERT_EQUAL(r.applied.st.landlock_abi, 0);
	CU_ASSERT_FALSE(r.applied.st.landlock_fs);
	CU_ASSERT_STRING_EQUAL(r.applied.st.missing,
		"Landlock is not available in this kernel (landlock_create_ruleset: Function not implemented)");
	CU_ASSERT_STRING_EQUAL(r.attempted.text, "outside");
	/* ...but the filter still stands. */
	pretence.mechanism = "landlock";
	pretence.os_errno = ENOSYS;
	run_child(&r, &s, true, NULL, attempt_socket_inet, NULL);
	expect_trapped(&r, "socket");
}

static void test_an_older_landlock_abi_leaves_the_filter_in_charge(void)
{
	sg_sandbox_spec s = spec_reading(NULL, 0);
	s.network_client = true; /* no network namespace either: only Landlock's TCP rules would refuse a bind */
	run r;
	pretence.abi = 3;
	run_child(&r, &s, true, NULL, attempt_bind, NULL);
	expect_trapped(&r, "bind");
	CU_ASSERT_EQUAL(r.applied.st.landlock_abi, 3);
	CU_ASSERT_FALSE(r.applied.st.landlock_net);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.applied.st.missing, "Landlock TCP rules (ABI 3, 4 needed)"));
}

static int blocker[2];
static void *block(void *arg)
{
	(void)arg;
	char c;
	(void)!read(blocker[0], &c, 1);
	return NULL;
}

static void prepare_thread(void *arg)
{
	(void)arg;
	pthread_t t;
	if (pipe(blocker) != 0 || pthread_create(&t, NULL, block, NULL) != 0)
		_exit(98);
}

static void test_a_threaded_process_is_refused(void)
{
	sg_sandbox_spec s = spec_reading(NULL, 0);
	run r;
	run_child(&r, &s, true, prepare_thread, attempt_state_after_refusal, NULL);
	CU_ASSERT_TRUE_FATAL(r.have_applied);
	CU_ASSERT_EQUAL(r.applied.apply_rc, SIGNET_E_INVALID_ARGUMENT);
	CU_ASSERT_STRING_EQUAL(r.applied.apply_check, "sandbox.threads");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.applied.apply_msg, "the process has 2 threads"));
	CU_ASSERT_EQUAL(r.attempted.value, 0);
}

static void test_a_report_descriptor_not_open_for_writing_is_refused(void)
{
	int p[2];
	CU_ASSERT_FATAL(pipe2(p, O_CLOEXEC) == 0);
	sg_sandbox_spec s = spec_reading(NULL, 0);
	s.report_fd = p[0];
	sg_sandbox_state st;
	signet_error *err = NULL;
	/* Refused before anything changes, so it is safe in the test process itself. */
	SG_ASSERT_FAILS(sg_sandbox_apply(&st, &s, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"the report descriptor");
	CU_ASSERT_EQUAL(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
	close(p[0]);
	close(p[1]);
}

static void prepare_unprivileged(void *arg)
{
	(void)arg;
	if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0)
		_exit(98);
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0); /* setuid() cleared it; a guest exec'd as this user has it */
}

static void attempt_stat_root(void *arg, record *r)
{
	(void)arg;
	struct stat st;
	r->value = stat("/", &st) == 0 ? (long)st.st_uid : -1;
	r->err = errno;
}

static void test_an_unprivileged_guest_gets_namespaces_only_when_allowed_a_user_namespace(void)
{
	if (geteuid() != 0) {
		printf("(not root: cannot become another user) ");
		return;
	}
	sg_sandbox_spec s = spec_reading(NULL, 0);
	run r;
	run_child(&r, &s, true, prepare_unprivileged, attempt_stat_root, NULL);
	expect_lived(&r);
	CU_ASSERT_FALSE(r.applied.st.user_ns || r.applied.st.net_ns || r.applied.st.ipc_ns);
	CU_ASSERT_EQUAL(r.attempted.value, 0); /* root's files are root's */

	s.user_namespace = true;
	run_child(&r, &s, true, prepare_unprivileged, attempt_stat_root, NULL);
	expect_lived(&r);
	if (!r.applied.st.user_ns) {
		printf("(unprivileged user namespaces are off here) ");
		return;
	}
	CU_ASSERT_TRUE(r.applied.st.net_ns && r.applied.st.ipc_ns && r.applied.st.caps_dropped);
	/* The price the header warns of: root's files read as the overflow uid. */
	CU_ASSERT_EQUAL(r.attempted.value, 65534);
}

/* ---- the report ------------------------------------------------------------ */

/* What sg_sandbox_read_report() makes of exactly these bytes. */
static int report_of(const void *bytes, size_t len, long *nr)
{
	int p[2];
	CU_ASSERT_FATAL(pipe2(p, O_CLOEXEC) == 0);
	if (len)
		CU_ASSERT_FATAL(write(p[1], bytes, len) == (ssize_t)len);
	close(p[1]);
	int rc = sg_sandbox_read_report(p[0], nr);
	close(p[0]);
	return rc;
}

/* What the handler writes for a trapped ptrace(). */
static const sg_sandbox_report good_record = { .magic = SG_SANDBOX_REPORT_MAGIC, .syscall = SYS_ptrace,
#ifdef __x86_64__
	.arch = 0xc000003eu, /* AUDIT_ARCH_X86_64 */
#else
	.arch = 0xc00000b7u, /* AUDIT_ARCH_AARCH64 */
#endif
};

static void test_the_report_reader_takes_one_good_record(void)
{
	sg_sandbox_report rec = good_record;
	long nr = -1;
	CU_ASSERT_EQUAL(report_of(&rec, sizeof rec, &nr), 0);
	CU_ASSERT_EQUAL(nr, SYS_ptrace);
	char name[32];
	CU_ASSERT_STRING_EQUAL(sg_sandbox_syscall_name(nr, name), "ptrace");
}

static void test_the_report_reader_refuses_anything_else(void)
{
	sg_sandbox_report good = good_record;
	long nr = 12345;
	CU_ASSERT_EQUAL(report_of(NULL, 0, &nr), SIGNET_E_NOT_FOUND);
	CU_ASSERT_EQUAL(report_of(&good, sizeof good - 1, &nr), SIGNET_E_PROTOCOL); /* short */
	sg_sandbox_report two[2] = { good, good };
	CU_ASSERT_EQUAL(report_of(two, sizeof two, &nr), SIGNET_E_PROTOCOL); /* a forged one and the real one? */
	sg_sandbox_report bad = good;
	bad.magic ^= 1;
	CU_ASSERT_EQUAL(report_of(&bad, sizeof bad, &nr), SIGNET_E_PROTOCOL);
	bad = good;
	bad.arch = 0x40000003u; /* AUDIT_ARCH_I386 */
	CU_ASSERT_EQUAL(report_of(&bad, sizeof bad, &nr), SIGNET_E_PROTOCOL);
	bad = good;
	bad.reserved = 1;
	CU_ASSERT_EQUAL(report_of(&bad, sizeof bad, &nr), SIGNET_E_PROTOCOL);
	bad = good;
	bad.syscall = -5;
	CU_ASSERT_EQUAL(report_of(&bad, sizeof bad, &nr), SIGNET_E_PROTOCOL);
	unsigned char flood[4096];
	memset(flood, 'A', sizeof flood);
	CU_ASSERT_EQUAL(report_of(flood, sizeof flood, &nr), SIGNET_E_PROTOCOL);
	CU_ASSERT_EQUAL(nr, 12345); /* never written on a refusal */
}

static void test_the_report_reader_never_blocks(void)
{
	int p[2];
	CU_ASSERT_FATAL(pipe2(p, O_CLOEXEC) == 0);
	long nr;
	/* The write end still open and nothing written: a blocking read would wait forever. */
	CU_ASSERT_EQUAL(sg_sandbox_read_report(p[0], &nr), SIGNET_E_NOT_FOUND);
	close(p[0]);
	close(p[1]);
}

static void test_system_calls_are_named(void)
{
	char buf[32];
	CU_ASSERT_STRING_EQUAL(sg_sandbox_syscall_name(SYS_socket, buf), "socket");
	CU_ASSERT_STRING_EQUAL(sg_sandbox_syscall_name(SYS_clone, buf), "clone");
	CU_ASSERT_STRING_EQUAL(sg_sandbox_syscall_name(463, buf), "setxattrat"); /* newer than libseccomp 2.5.4 */
	CU_ASSERT_STRING_EQUAL(sg_sandbox_syscall_name(99999, buf), "syscall 99999");
	CU_ASSERT_STRING_EQUAL(sg_sandbox_syscall_name(-1, buf), "syscall -1");
}

int main(void)
{
	sg_watchdog(300);
	static const sg_test probe[] = {
		{ "probe reports what this kernel offers", test_probe_reports_this_kernel },
		{ "probe refuses a kernel without Landlock, and says why", test_probe_refuses_a_kernel_without_landlock },
		{ "missing seccomp or no_new_privs is never accepted", test_probe_never_accepts_missing_seccomp_or_no_new_privs },
		{ "an older Landlock ABI is recorded, not refused", test_probe_records_what_an_older_abi_lacks },
		{ "probe refuses a relative read path", test_probe_refuses_a_relative_read_path },
		{ NULL, NULL },
	};
	static const sg_test files[] = {
		{ "reading inside a read path works", test_reading_inside_a_read_path_works },
		{ "reading outside the read paths is refused", test_reading_outside_the_read_paths_is_refused },
		{ "writing into a read path is refused", test_writing_into_a_read_path_is_refused },
		{ "/etc/passwd is not writable, even for root", test_etc_passwd_is_not_writable },
		{ "creating a file in /tmp is refused", test_creating_a_file_in_tmp_is_refused },
		{ "a read path that is a file grants that file alone", test_a_read_path_that_is_a_file_grants_that_file_alone },
		{ "its own /proc entry is readable, the host's is not", test_own_proc_entry_is_readable_and_no_other },
		{ "a relative read path is refused before anything changes",
		  test_a_relative_read_path_is_refused_before_anything_changes },
		{ NULL, NULL },
	};
	static const sg_test processes[] = {
		{ "fork is trapped and reported", test_fork_is_trapped_and_reported },
		{ "execve is trapped and reported", test_execve_is_trapped_and_reported },
		{ "ptrace is trapped and reported", test_ptrace_is_trapped_and_reported },
		{ "signalling another process is trapped", test_signalling_another_process_is_trapped },
		{ "signalling itself works", test_signalling_itself_works },
		{ "threads work", test_threads_work },
		{ "replacing the SIGSYS handler is trapped", test_replacing_the_sigsys_handler_is_trapped },
		{ "another architecture's calls kill, unreported", test_another_architectures_calls_kill_without_report },
		{ "clone3 says ENOSYS", test_clone3_says_enosys },
		{ "calls newer than the filter say ENOSYS", test_calls_newer_than_the_filter_say_enosys },
		{ "without a report descriptor the guest just dies", test_without_a_report_descriptor_the_guest_just_dies },
		{ "each forbidden call ends the guest with its name", test_each_forbidden_call_ends_the_guest_with_its_name },
		{ NULL, NULL },
	};
	static const sg_test network[] = {
		{ "socket(AF_INET) is trapped and reported", test_socket_af_inet_is_trapped_and_reported },
		{ "connecting to 127.0.0.1 is impossible", test_connecting_to_localhost_is_impossible },
		{ "a network client connects", test_a_network_client_connects },
		{ "a network client cannot serve", test_a_network_client_cannot_serve },
		{ "new Unix sockets are refused without a trap", test_new_unix_sockets_are_refused_without_a_trap },
		{ NULL, NULL },
	};
	static const sg_test loader[] = {
		{ "an executable memfd mapping works", test_an_executable_memfd_mapping_works },
		{ "dlopen of a sealed memfd works", test_dlopen_of_a_sealed_memfd_works },
		{ "a verified load works inside", test_a_verified_load_works_inside },
		{ NULL, NULL },
	};
	static const sg_test limits[] = {
		{ "allocating past the memory budget fails", test_allocating_past_the_memory_budget_fails },
		{ "a memfd past the budget fails with EFBIG", test_a_memfd_past_the_budget_fails_with_efbig },
		{ "rlimits are set as asked", test_rlimits_are_set_as_asked },
		{ "the CPU limit ends a spinning guest", test_the_cpu_limit_ends_a_spinning_guest },
		{ NULL, NULL },
	};
	static const sg_test fallbacks[] = {
		{ "missing Landlock refuses and changes nothing", test_missing_landlock_refuses_and_changes_nothing },
		{ "accepting weaker isolation runs without Landlock", test_accepting_weaker_isolation_runs_without_landlock },
		{ "an older Landlock ABI leaves the filter in charge", test_an_older_landlock_abi_leaves_the_filter_in_charge },
		{ "a threaded process is refused", test_a_threaded_process_is_refused },
		{ "a report descriptor not open for writing is refused",
		  test_a_report_descriptor_not_open_for_writing_is_refused },
		{ "an unprivileged guest gets namespaces only when allowed a user namespace",
		  test_an_unprivileged_guest_gets_namespaces_only_when_allowed_a_user_namespace },
		{ NULL, NULL },
	};
	static const sg_test report[] = {
		{ "the report reader takes one good record", test_the_report_reader_takes_one_good_record },
		{ "the report reader refuses anything else", test_the_report_reader_refuses_anything_else },
		{ "the report reader never blocks", test_the_report_reader_never_blocks },
		{ "system calls are named", test_system_calls_are_named },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = {
		{ "probe", probe }, { "filesystem", files }, { "processes and signals", processes },
		{ "network", network }, { "what the loader needs", loader }, { "limits", limits },
		{ "refusals and fallbacks", fallbacks }, { "the report", report }, { NULL, NULL },
	};
	return sg_test_main(suites);
}
