/* SPDX-License-Identifier: MIT */
/*
 * test_crash_sample.c - the Crash sample bundle (plugins/crash, built and
 * signed by the build: docs/plugins-samples.md) run in process, without
 * isolation: each method does to its host exactly what it says.
 *
 * Methods that return are called here, in this process, through the public
 * API: echo, write_passwd (as this uid allows), read_file, connect_local
 * to a port this test listens on, fork. Methods that end or replace the
 * process (crash, abort, exit, exec, spin) run in a child: the sample host
 * `plugins/signet-host run Crash.bundle METHOD`, whose end is the result.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <signet/signet.h>

#include "harness.h"

static char plugins[PATH_MAX - 64];

static void setup(void)
{
	if (plugins[0])
		return;
	const char *b = getenv("SIGNET_TEST_BUILDDIR");
	if (!b) {
		fprintf(stderr, "setup: SIGNET_TEST_BUILDDIR is not set: run through make check\n");
		exit(99);
	}
	snprintf(plugins, sizeof plugins, "%s/plugins", b);
	char host[PATH_MAX];
	snprintf(host, sizeof host, "%s/signet-host", plugins);
	if (access(host, X_OK) != 0) {
		fprintf(stderr, "setup: no %s: run make first\n", host);
		exit(99);
	}
}

/* ---- in process ---------------------------------------------------------- */

typedef struct loaded {
	signet_policy *policy;
	signet_host *host;
	signet_instance *inst;
} loaded;

/* `bundle` (in plugins/) loaded in this process, with an instance. */
static void load(loaded *l, const char *bundle)
{
	setup();
	char path[PATH_MAX];
	signet_error *err = NULL;
	*l = (loaded){ 0 };
	SG_ASSERT_OK(signet_policy_new(&l->policy, &err), &err);
	snprintf(path, sizeof path, "%s/pki/root.pem", plugins);
	SG_ASSERT_OK(signet_policy_set_anchors(l->policy, path, &err), &err);
	/* This test program is not signed: name the sample team. */
	SG_ASSERT_OK(signet_policy_set_requirement(l->policy, "anchor trusted and team \"ABCDE12345\"", &err), &err);
	signet_host_options o = SIGNET_HOST_OPTIONS_INIT;
	o.policy = l->policy;
	SG_ASSERT_OK(signet_host_new(&l->host, &o, &err), &err);
	signet_guest_id g;
	snprintf(path, sizeof path, "%s/%s", plugins, bundle);
	SG_ASSERT_OK(signet_host_load_bundle(&g, l->host, path, &err), &err);
	CU_ASSERT_STRING_EQUAL(signet_guest_class_name(l->host, g), "CrashSample");
	SG_ASSERT_OK(signet_instance_create(&l->inst, l->host, g, &err), &err);
}

static void unload(loaded *l)
{
	signet_instance_destroy(l->inst);
	signet_host_free(l->host);
	signet_policy_free(l->policy);
}

/* Calls `method` and asserts its string result. */
static void call(loaded *l, const char *method, signet_value *args, size_t n, const char *want)
{
	signet_value r;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_instance_invoke(l->inst, method, args, n, &r, &err), &err);
	CU_ASSERT_EQUAL_FATAL(r.type, SIGNET_TYPE_STRING);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r.as.string);
	if (strcmp(r.as.string, want) != 0) {
		fprintf(stderr, "  %s: got \"%s\", wanted \"%s\"\n", method, r.as.string, want);
		CU_FAIL("method result");
	}
	signet_value_clear(&r);
}

static void test_echo(void)
{
	loaded l;
	load(&l, "Crash.bundle");
	signet_value arg = SIGNET_STRING("the same result, isolated or not \xe2\x9c\x93");
	call(&l, "echo", &arg, 1, "the same result, isolated or not \xe2\x9c\x93");
	arg = SIGNET_STRING("");
	call(&l, "echo", &arg, 1, "");
	unload(&l);
	/* The entitled builds are the same code: in process, nothing tells them apart. */
	load(&l, "Crash-net.bundle");
	arg = SIGNET_STRING("net");
	call(&l, "echo", &arg, 1, "net");
	unload(&l);
	load(&l, "Crash-unknown.bundle");
	arg = SIGNET_STRING("unknown");
	call(&l, "echo", &arg, 1, "unknown");
	unload(&l);
}

static void test_write_passwd(void)
{
	loaded l;
	load(&l, "Crash.bundle");
	struct stat before, after;
	CU_ASSERT_FATAL(stat("/etc/passwd", &before) == 0);
	/* Root may open it (and writes nothing); anyone else is refused by its mode. */
	call(&l, "write_passwd", NULL, 0, geteuid() == 0 ? "opened" : "refused: Permission denied");
	CU_ASSERT_FATAL(stat("/etc/passwd", &after) == 0);
	CU_ASSERT_EQUAL(after.st_size, before.st_size);
	CU_ASSERT_EQUAL(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	CU_ASSERT_EQUAL(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	unload(&l);
}

static void test_read_file(void)
{
	loaded l;
	load(&l, "Crash.bundle");
	signet_value arg = SIGNET_STRING("/etc/passwd");
	call(&l, "read_file", &arg, 1, "opened");
	char absent[PATH_MAX];
	snprintf(absent, sizeof absent, "%s/absent", sg_sandbox());
	arg = SIGNET_STRING(absent);
	call(&l, "read_file", &arg, 1, "refused: No such file or directory");
	unload(&l);
}

static void test_connect_local(void)
{
	loaded l;
	load(&l, "Crash.bundle");
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	CU_ASSERT_FATAL(s >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof a;
	CU_ASSERT_FATAL(bind(s, (struct sockaddr *)&a, sizeof a) == 0 && listen(s, 4) == 0);
	CU_ASSERT_FATAL(getsockname(s, (struct sockaddr *)&a, &alen) == 0);
	int port = ntohs(a.sin_port);

	signet_value arg = SIGNET_INT32(port);
	call(&l, "connect_local", &arg, 1, "connected");
	/* The connection reached this listener: it is waiting to be accepted. */
	int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
	CU_ASSERT(c >= 0);
	if (c >= 0)
		close(c);
	close(s);
	/* Nobody listens there any more. */
	call(&l, "connect_local", &arg, 1, "refused: Connection refused");
	arg = SIGNET_INT32(0);
	call(&l, "connect_local", &arg, 1, "refused: Invalid argument");
	arg = SIGNET_INT32(65536);
	call(&l, "connect_local", &arg, 1, "refused: Invalid argument");
	unload(&l);
}

static void test_fork(void)
{
	loaded l;
	load(&l, "Crash.bundle");
	/* Nothing of ours to reap before... */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	call(&l, "fork", NULL, 0, "forked");
	/* ...and the plugin reaped its child: no zombie, no child at all. */
	errno = 0;
	CU_ASSERT_EQUAL(waitpid(-1, NULL, WNOHANG), -1);
	CU_ASSERT_EQUAL(errno, ECHILD);
	unload(&l);
}

/* ---- in a child: signet-host run ------------------------------------------ */

typedef struct outcome {
	int status;        /* from waitpid() */
	char out[512];     /* standard output */
	char err[4096];    /* standard error */
} outcome;

static void read_all(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	uint8_t *bytes = sg_read_file(path, &len);
	snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), (const char *)bytes);
	free(bytes);
}

/*
 * `plugins/signet-host --anchors ... run BUNDLE METHOD [ARG]`, its output in
 * files, with a CPU limit when `cpu_seconds` is not 0. Under the
 * sanitizers, the fault goes to the kernel (handle_segv=0: the sanitizer
 * would report it and abort instead), and a process ended by the plugin
 * is not checked for leaks.
 */
static void run(outcome *o, const char *bundle, const char *method, const char *arg, unsigned cpu_seconds)
{
	setup();
	char host[PATH_MAX], anchors[PATH_MAX], path[PATH_MAX], out[PATH_MAX], errf[PATH_MAX];
	snprintf(host, sizeof host, "%s/signet-host", plugins);
	snprintf(anchors, sizeof anchors, "%s/pki/root.pem", plugins);
	snprintf(path, sizeof path, "%s/%s", plugins, bundle);
	snprintf(out, sizeof out, "%s/%s.out", sg_sandbox(), method);
	snprintf(errf, sizeof errf, "%s/%s.err", sg_sandbox(), method);
	const char *asan = getenv("ASAN_OPTIONS");
	char asan_env[1024];
	snprintf(asan_env, sizeof asan_env, "%s%s%s", asan ? asan : "", asan ? ":" : "",
		"handle_segv=0:detect_leaks=0");
	if (setenv("ASAN_OPTIONS", asan_env, 1) != 0)
		CU_FAIL_FATAL("setenv");
	static char opt_anchors[] = "--anchors", cmd_run[] = "run";
	char *argv[] = { host, opt_anchors, anchors, cmd_run, path, (char *)(uintptr_t)method,
		(char *)(uintptr_t)arg, NULL };
	fflush(NULL);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int fe = open(errf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(120);
		if (cpu_seconds) {
			struct rlimit r = { .rlim_cur = cpu_seconds, .rlim_max = cpu_seconds + 1 };
			if (setrlimit(RLIMIT_CPU, &r) != 0)
				_exit(121);
		}
		execv(host, argv);
		_exit(122);
	}
	if (asan)
		setenv("ASAN_OPTIONS", asan, 1);
	else
		unsetenv("ASAN_OPTIONS");
	while (waitpid(pid, &o->status, 0) < 0)
		CU_ASSERT_FATAL(errno == EINTR);
	read_all(out, o->out, sizeof o->out);
	read_all(errf, o->err, sizeof o->err);
}

static void assert_signal(const outcome *o, int sig, const char *what)
{
	if (!WIFSIGNALED(o->status) || WTERMSIG(o->status) != sig) {
		fprintf(stderr, "  %s: status 0x%x (exit %d, signal %d), wanted signal %d\n  stderr: %s\n", what, o->status,
			WIFEXITED(o->status) ? WEXITSTATUS(o->status) : -1, WIFSIGNALED(o->status) ? WTERMSIG(o->status) : 0,
			sig, o->err);
		CU_FAIL("ended by the wrong signal, or not by a signal");
	}
}

static void assert_exit(const outcome *o, int code, const char *what)
{
	if (!WIFEXITED(o->status) || WEXITSTATUS(o->status) != code) {
		fprintf(stderr, "  %s: status 0x%x, wanted exit %d\n  stderr: %s\n", what, o->status, code, o->err);
		CU_FAIL("wrong exit");
	}
}

static void test_crash_kills_the_host(void)
{
	outcome o;
	run(&o, "Crash.bundle", "crash", NULL, 0);
	assert_signal(&o, SIGSEGV, "crash");
	CU_ASSERT_STRING_EQUAL(o.out, "");
}

static void test_abort_kills_the_host(void)
{
	outcome o;
	run(&o, "Crash.bundle", "abort", NULL, 0);
	assert_signal(&o, SIGABRT, "abort");
	CU_ASSERT_STRING_EQUAL(o.out, "");
}

static void test_exit_ends_the_host(void)
{
	outcome o;
	run(&o, "Crash.bundle", "exit", NULL, 0);
	assert_exit(&o, 3, "exit");
	CU_ASSERT_STRING_EQUAL(o.out, "");
}

static void test_exec_replaces_the_host(void)
{
	outcome o;
	/* /bin/true took the host's place: exit 0, and no result was ever printed. */
	run(&o, "Crash.bundle", "exec", NULL, 0);
	assert_exit(&o, 0, "exec");
	CU_ASSERT_STRING_EQUAL(o.out, "");
	/* The same call that returns prints its result: the empty output above is the exec. */
	run(&o, "Crash.bundle", "echo", "printed", 0);
	assert_exit(&o, 0, "echo");
	CU_ASSERT_STRING_EQUAL(o.out, "printed\n");
}

static void test_spin_never_returns(void)
{
	outcome o;
	/* Only the CPU limit ends it: SIGXCPU after the spinning started. */
	run(&o, "Crash.bundle", "spin", NULL, 2);
	assert_signal(&o, SIGXCPU, "spin");
	CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "crash sample: spinning\n"));
	CU_ASSERT_STRING_EQUAL(o.out, "");
}

int main(void)
{
	sg_watchdog(300);
	static const sg_test in_process[] = {
		{ "echo returns its argument, entitled builds too", test_echo },
		{ "write_passwd: as the uid allows, and nothing written", test_write_passwd },
		{ "read_file: opened, or refused with the reason", test_read_file },
		{ "connect_local reaches a port this test listens on", test_connect_local },
		{ "fork: forked, and the child reaped", test_fork },
		{ NULL, NULL },
	};
	static const sg_test child[] = {
		{ "crash: the host dies by SIGSEGV", test_crash_kills_the_host },
		{ "abort: the host dies by SIGABRT", test_abort_kills_the_host },
		{ "exit: the host exits 3", test_exit_ends_the_host },
		{ "exec: /bin/true replaces the host", test_exec_replaces_the_host },
		{ "spin: only a CPU limit ends it", test_spin_never_returns },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "in process", in_process }, { "in a child host", child },
		{ NULL, NULL } };
	return sg_test_main(suites);
}
