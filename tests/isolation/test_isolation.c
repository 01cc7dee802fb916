/* SPDX-License-Identifier: MIT */
/*
 * test_isolation.c - isolated guests through the public API, with the
 * sample bundles and the signed guest helper the build makes in plugins/
 * (docs/isolation.md): the same results as in process; status, lookups
 * and requirements of an isolated guest; each way a guest's process can
 * end (crash, abort, exit, a missed deadline, a forbidden system call, a
 * kill -9 at random points) failing the call with its reason while the
 * host and its other guests go on, with no process or descriptor left;
 * the sandbox and entitlements; the quarantine; helpers that are not the
 * helper.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <signet/signet.h>

#include "harness.h"

static char plugins[PATH_MAX - 64];

static const char *plugin_path(const char *name)
{
	static char ring[4][PATH_MAX];
	static int next;
	if (!plugins[0]) {
		snprintf(plugins, sizeof plugins, "%s/plugins", sg_builddir());
	}
	char *p = ring[next++ % 4];
	snprintf(p, PATH_MAX, "%s/%s", plugins, name);
	return p;
}

/* ---- hosts ---- */

typedef struct rig {
	signet_policy *policy;
	signet_host *host;
	char quarantine[PATH_MAX];
} rig;

/* A policy trusting the sample PKI, requiring the sample team (this test is an unsigned host). */
static signet_policy *sample_policy(void)
{
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	SG_ASSERT_OK(signet_policy_set_anchors(p, plugin_path("pki/root.pem"), &err), &err);
	SG_ASSERT_OK(signet_policy_set_requirement(p, "anchor trusted and team \"ABCDE12345\"", &err), &err);
	return p;
}

/* A host whose guests are isolated by default, with its own quarantine store. */
static void rig_open_with(rig *r, signet_policy *policy)
{
	*r = (rig){ .policy = policy };
	snprintf(r->quarantine, sizeof r->quarantine, "%s/quarantine.json", sg_sandbox());
	signet_host_options o = SIGNET_HOST_OPTIONS_INIT;
	o.policy = r->policy;
	o.api_version = "1.0.0";
	o.isolation = SIGNET_ISOLATION_PROCESS;
	o.guest_helper = plugin_path("signet-guest");
	o.quarantine_path = r->quarantine;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_host_new(&r->host, &o, &err), &err);
}

static void rig_open(rig *r)
{
	rig_open_with(r, sample_policy());
}

static void rig_close(rig *r)
{
	signet_host_free(r->host);
	signet_policy_free(r->policy);
}

static signet_guest_id load(rig *r, const char *bundle, signet_isolation iso, uint64_t timeout_ms)
{
	signet_load_options lo = SIGNET_LOAD_OPTIONS_INIT;
	lo.isolation = iso;
	lo.call_timeout_ms = timeout_ms;
	signet_guest_id g = 0;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_host_load_bundle_with(&g, r->host, plugin_path(bundle), &lo, &err), &err);
	return g;
}

static signet_instance *instance(rig *r, signet_guest_id g)
{
	signet_instance *i = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_instance_create(&i, r->host, g, &err), &err);
	return i;
}

/* A string method's result (malloc'd), or NULL with *err set. */
static char *call_string(signet_instance *i, const char *method, const signet_value *args, size_t n,
	signet_error **err)
{
	signet_value v;
	if (signet_instance_invoke(i, method, args, n, &v, err) != 0)
		return NULL;
	char *s = v.type == SIGNET_TYPE_STRING && v.as.string ? strdup(v.as.string) : strdup("(not a string)");
	signet_value_clear(&v);
	return s;
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* Does this process have any child left, running or a zombie? (Guests are "clone children": __WALL.) */
static bool any_child(void)
{
	/* /proc/self/task/TID/children lists every child of each thread, running or a zombie. */
	bool any = false;
	DIR *d = opendir("/proc/self/task");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char path[300], buf[256] = "";
		snprintf(path, sizeof path, "/proc/self/task/%s/children", e->d_name);
		FILE *f = fopen(path, "re");
		if (f && fgets(buf, sizeof buf, f) && buf[0]) {
			fprintf(stderr, "  children left: %s\n", buf);
			any = true;
		}
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return any;
}

/* The pid an isolated guest's pidfd names (its fdinfo's Pid line). */
static pid_t guest_pid(rig *r, signet_guest_id g)
{
	char path[64], line[128];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", signet_guest_pidfd(r->host, g));
	FILE *f = fopen(path, "re");
	pid_t pid = -1;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "Pid:", 4) == 0)
			pid = (pid_t)atoi(line + 4);
	if (f)
		fclose(f);
	return pid;
}

static bool process_gone(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d", (int)pid);
	return access(path, F_OK) != 0;
}

/* ---- the same results ---- */

static bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
		if (n < 0)
			return false;
		p++;
		for (; n > 0; n--, p++)
			if ((*p & 0xc0) != 0x80)
				return false;
	}
	return true;
}

static void test_same_results(void)
{
	static const char *const bundles[] = { "Rot13.bundle", "Upper.bundle", "WordCount.bundle", "Cpp.bundle",
		"Deps.bundle", "Hello.bundle", "Crash.bundle" };
	static const char *const inputs[] = { "Hello, World", "", "line one\nline two two\n",
		"\xe2\x9c\x93 unicode \xc3\xa9" };
	rig r;
	rig_open(&r);
	for (size_t b = 0; b < sizeof bundles / sizeof bundles[0]; b++) {
		signet_guest_id gi = load(&r, bundles[b], SIGNET_ISOLATION_IN_PROCESS, 0);
		signet_guest_id go = load(&r, bundles[b], SIGNET_ISOLATION_PROCESS, 0);
		CU_ASSERT_FALSE(signet_guest_is_isolated(r.host, gi));
		CU_ASSERT_TRUE(signet_guest_is_isolated(r.host, go));
		CU_ASSERT_STRING_EQUAL(signet_guest_class_name(r.host, gi), signet_guest_class_name(r.host, go));
		size_t n = signet_guest_method_count(r.host, gi);
		CU_ASSERT_EQUAL(n, signet_guest_method_count(r.host, go));
		signet_instance *ii = instance(&r, gi), *io = instance(&r, go);
		size_t compared = 0;
		for (size_t m = 0; m < n; m++) {
			const char *name = signet_guest_method_name(r.host, gi, m);
			CU_ASSERT_STRING_EQUAL(name, signet_guest_method_name(r.host, go, m));
			CU_ASSERT_STRING_EQUAL(signet_guest_method_types(r.host, gi, m),
				signet_guest_method_types(r.host, go, m));
			/* Every string-to-string method (the filters and echo), on every input. */
			if (strcmp(signet_guest_method_types(r.host, gi, m), "**") != 0 || !strcmp(name, "read_file"))
				continue;
			for (size_t k = 0; k < sizeof inputs / sizeof inputs[0]; k++) {
				signet_value arg = SIGNET_STRING(inputs[k]);
				signet_error *e1 = NULL, *e2 = NULL;
				char *a = call_string(ii, name, &arg, 1, &e1), *b2 = call_string(io, name, &arg, 1, &e2);
				if (a && !b2 && !utf8_valid(a)) {
					/* Strings cross processes as D-Bus strings: UTF-8 only (docs/isolation.md). */
					CU_ASSERT_EQUAL(signet_error_code(e2), SIGNET_E_ARGUMENT_MISMATCH);
					CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(e2), "not UTF-8"));
					free(a);
					signet_error_free(e2);
					compared++;
					continue;
				}
				if (!a || !b2)
					fprintf(stderr, "  %s %s: %s\n", bundles[b], name, signet_error_message(a ? e2 : e1));
				CU_ASSERT_PTR_NOT_NULL(a);
				CU_ASSERT_PTR_NOT_NULL(b2);
				if (a && b2 && strcmp(a, b2) != 0) {
					fprintf(stderr, "  %s %s: in process \"%s\", isolated \"%s\"\n", bundles[b], name, a, b2);
					CU_FAIL("an isolated guest gave another result");
				}
				compared++;
				free(a);
				free(b2);
				signet_error_free(e1);
				signet_error_free(e2);
			}
		}
		if (strcmp(bundles[b], "Hello.bundle") != 0 && compared == 0) {
			fprintf(stderr, "  %s: no string method compared\n", bundles[b]);
			CU_FAIL("nothing compared");
		}
		signet_instance_destroy(ii);
		signet_instance_destroy(io);
		signet_error *err = NULL;
		SG_ASSERT_OK(signet_host_remove_guest(r.host, gi, &err), &err);
		SG_ASSERT_OK(signet_host_remove_guest(r.host, go, &err), &err);
	}
	rig_close(&r);
	CU_ASSERT_FALSE(any_child());
}

/* A wrong argument is refused by the guest with the in-process code and reason. */
static void test_refusals_keep_their_codes(void)
{
	rig r;
	rig_open(&r);
	signet_guest_id g = load(&r, "Rot13.bundle", SIGNET_ISOLATION_DEFAULT, 0);
	signet_instance *i = instance(&r, g);
	signet_value v;
	signet_error *err = NULL;
	signet_value wrong = SIGNET_INT32(7);
	SG_ASSERT_FAILS(signet_instance_invoke(i, "filter", &wrong, 1, &v, &err), &err, SIGNET_E_ARGUMENT_MISMATCH,
		"argument 1");
	SG_ASSERT_FAILS(signet_instance_invoke(i, "nosuch", NULL, 0, &v, &err), &err, SIGNET_E_NO_METHOD, "nosuch");
	SG_ASSERT_FAILS(signet_instance_invoke(i, "filter", NULL, 0, &v, &err), &err, SIGNET_E_ARGUMENT_MISMATCH,
		"takes 1");
	signet_value ptr = SIGNET_POINTER(&v);
	SG_ASSERT_FAILS(signet_instance_invoke(i, "filter", &ptr, 1, &v, &err), &err, SIGNET_E_ARGUMENT_MISMATCH,
		"cannot be passed to an isolated guest");
	/* None of that hurt the guest. */
	uint32_t st = 0;
	SG_ASSERT_OK(signet_guest_status(&st, r.host, g, &err), &err);
	CU_ASSERT_EQUAL(st, SIGNET_GUEST_VALID);
	signet_value arg = SIGNET_STRING("abc");
	char *s = call_string(i, "filter", &arg, 1, &err);
	CU_ASSERT_STRING_EQUAL(s ? s : "", "nop");
	free(s);
	signet_instance_destroy(i);
	rig_close(&r);
}

/* ---- status, lookups, identity ---- */

static void test_status_and_lookups(void)
{
	rig r;
	rig_open(&r);
	signet_guest_id g = load(&r, "Rot13.bundle", SIGNET_ISOLATION_DEFAULT, 0);
	signet_error *err = NULL;
	CU_ASSERT_TRUE(signet_guest_is_isolated(r.host, g));
	CU_ASSERT_PTR_NULL(signet_guest_image(r.host, g));
	const signet_identity *id = signet_guest_identity(r.host, g);
	CU_ASSERT_PTR_NOT_NULL_FATAL(id);
	CU_ASSERT_STRING_EQUAL(signet_identity_identifier(id), "org.signet.sample.rot13");
	CU_ASSERT_PTR_NOT_NULL(signet_guest_bundle_info(r.host, g));
	/* By cdhash, as in process. */
	signet_guest_id found = 0;
	SG_ASSERT_OK(signet_host_guest_by_cdhash(&found, r.host, signet_identity_cdhash(id), &err), &err);
	CU_ASSERT_EQUAL(found, g);
	/* By pidfd: any pidfd of the process, not only the host's own descriptor. */
	CU_ASSERT_FATAL(signet_guest_pidfd(r.host, g) >= 0);
	pid_t pid = guest_pid(&r, g);
	CU_ASSERT_FATAL(pid > 0);
	int mine = (int)syscall(SYS_pidfd_open, pid, 0);
	CU_ASSERT_FATAL(mine >= 0);
	found = 0;
	SG_ASSERT_OK(signet_host_guest_by_pidfd(&found, r.host, mine, &err), &err);
	CU_ASSERT_EQUAL(found, g);
	int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	SG_ASSERT_FAILS(signet_host_guest_by_pidfd(&found, r.host, self, &err), &err, SIGNET_E_NOT_FOUND,
		"no isolated guest");
	SG_ASSERT_FAILS(signet_host_guest_by_pidfd(&found, r.host, 0, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"not a pidfd");
	close(self);
	/* By address: its code is not in this process. */
	SG_ASSERT_FAILS(signet_host_guest_by_address(&found, r.host, (const void *)test_status_and_lookups, &err),
		&err, SIGNET_E_NOT_FOUND, "belongs to no guest");
	/* Requirements and protocols against what the guest described. */
	signet_requirement *req = NULL;
	SG_ASSERT_OK(signet_requirement_parse(&req, "identifier \"org.signet.sample.rot13\"", &err), &err);
	SG_ASSERT_OK(signet_guest_check_requirement(r.host, g, req, &err), &err);
	signet_requirement_free(req);
	SG_ASSERT_OK(signet_requirement_parse(&req, "identifier \"org.signet.sample.upper\"", &err), &err);
	SG_ASSERT_FAILS(signet_guest_check_requirement(r.host, g, req, &err), &err, SIGNET_E_REQUIREMENT_UNMET,
		"org.signet.sample.rot13");
	signet_requirement_free(req);
	static const signet_protocol_method filter_methods[] = { { "filter", "**", true } };
	static const signet_protocol filter = { "Filter", 1, 1, filter_methods };
	SG_ASSERT_OK(signet_guest_conforms(r.host, g, &filter, &err), &err);
	/* Status moves one way, as in process; a killed isolated guest runs nothing. */
	uint32_t st = 0;
	SG_ASSERT_OK(signet_guest_status(&st, r.host, g, &err), &err);
	CU_ASSERT_EQUAL(st, SIGNET_GUEST_VALID);
	signet_instance *i = instance(&r, g);
	SG_ASSERT_OK(signet_guest_set_status(r.host, g, SIGNET_GUEST_VALID | SIGNET_GUEST_KILL, &err), &err);
	signet_value v, arg = SIGNET_STRING("x");
	SG_ASSERT_FAILS(signet_instance_invoke(i, "filter", &arg, 1, &v, &err), &err, SIGNET_E_GUEST_INVALID, "killed");
	signet_instance_destroy(i);
	SG_ASSERT_OK(signet_host_remove_guest(r.host, g, &err), &err);
	/* Removed: its process is gone and reaped, its pidfd no longer names a guest. */
	SG_ASSERT_FAILS(signet_host_guest_by_pidfd(&found, r.host, mine, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"not a pidfd");
	CU_ASSERT_TRUE(process_gone(pid));
	close(mine);
	rig_close(&r);
	CU_ASSERT_FALSE(any_child());
}

/* ---- how a guest's process ends ---- */

/* Calls `method` on a fresh isolated Crash guest and asserts the failure; the host's other guest goes on. */
static void assert_guest_ends(const char *method, const signet_value *args, size_t n, uint64_t timeout_ms,
	int code, const char *reason)
{
	int fds = open_fds();
	rig r;
	rig_open(&r);
	signet_guest_id other = load(&r, "Upper.bundle", SIGNET_ISOLATION_PROCESS, 0);
	signet_guest_id g = load(&r, "Crash.bundle", SIGNET_ISOLATION_PROCESS, timeout_ms);
	signet_instance *i = instance(&r, g), *o = instance(&r, other);
	int pidfd = signet_guest_pidfd(r.host, g);
	signet_value v;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(signet_instance_invoke(i, method, args, n, &v, &err), &err, code, reason);
	/* Not valid any more, for good; the next call says why the process ended. */
	uint32_t st = 1;
	SG_ASSERT_OK(signet_guest_status(&st, r.host, g, &err), &err);
	CU_ASSERT_EQUAL(st & SIGNET_GUEST_VALID, 0u);
	signet_value arg = SIGNET_STRING("again");
	SG_ASSERT_FAILS(signet_instance_invoke(i, "echo", &arg, 1, &v, &err), &err, SIGNET_E_GUEST_INVALID,
		"process has ended");
	signet_instance *more = NULL;
	SG_ASSERT_FAILS(signet_instance_create(&more, r.host, g, &err), &err, SIGNET_E_GUEST_INVALID,
		"no longer valid");
	/* Reaped already: the pidfd is readable, the process is no zombie of ours. */
	siginfo_t si;
	CU_ASSERT_EQUAL(waitid((idtype_t)3 /* P_PIDFD */, (id_t)pidfd, &si, WEXITED | WNOHANG | __WALL), -1);
	CU_ASSERT_EQUAL(errno, ECHILD);
	/* The other guest and the host go on. */
	char *s = call_string(o, "filter", &arg, 1, &err);
	CU_ASSERT_STRING_EQUAL(s ? s : "", "AGAIN");
	free(s);
	signet_instance_destroy(i);
	signet_instance_destroy(o);
	rig_close(&r);
	CU_ASSERT_FALSE(any_child());
	CU_ASSERT_EQUAL(open_fds(), fds);
}

static void test_crash(void)
{
	assert_guest_ends("crash", NULL, 0, 0, SIGNET_E_GUEST_CRASHED, "was killed by SIGSEGV (Segmentation fault) "
		"during 'crash'");
}

static void test_abort(void)
{
	assert_guest_ends("abort", NULL, 0, 0, SIGNET_E_GUEST_CRASHED, "was killed by SIGABRT");
}

static void test_exit(void)
{
	assert_guest_ends("exit", NULL, 0, 0, SIGNET_E_GUEST_CRASHED, "exited with status 3 during 'exit'");
}

static void test_deadline(void)
{
	assert_guest_ends("spin", NULL, 0, 300, SIGNET_E_TIMEOUT, "did not answer 'spin' within 300 ms: it was killed");
}

/* ---- the sandbox ---- */

static void test_sandbox_refuses_writes(void)
{
	rig r;
	rig_open(&r);
	signet_guest_id g = load(&r, "Crash.bundle", SIGNET_ISOLATION_PROCESS, 0);
	signet_instance *i = instance(&r, g);
	signet_error *err = NULL;
	/* Even as root: Landlock allows no write anywhere. The kernel refuses; the guest goes on. */
	char *s = call_string(i, "write_passwd", NULL, 0, &err);
	CU_ASSERT_STRING_EQUAL(s ? s : signet_error_message(err), "refused: Permission denied");
	free(s);
	/* Reading is limited to its bundle and the platform's libraries. */
	signet_value arg = SIGNET_STRING("/etc/hostname");
	s = call_string(i, "read_file", &arg, 1, &err);
	CU_ASSERT_STRING_EQUAL(s ? s : signet_error_message(err), "refused: Permission denied");
	free(s);
	char own[PATH_MAX];
	snprintf(own, sizeof own, "%s/lib/crash.so", plugin_path("Crash.bundle"));
	arg = SIGNET_STRING(own);
	s = call_string(i, "read_file", &arg, 1, &err);
	CU_ASSERT_STRING_EQUAL(s ? s : signet_error_message(err), "opened");
	free(s);
	uint32_t st = 0;
	SG_ASSERT_OK(signet_guest_status(&st, r.host, g, &err), &err);
	CU_ASSERT_EQUAL(st, SIGNET_GUEST_VALID);
	signet_instance_destroy(i);
	rig_close(&r);
}

static void test_sandbox_ends_forbidden_calls(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof a;
	CU_ASSERT_FATAL(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 4) == 0 &&
		getsockname(fd, (struct sockaddr *)&a, &alen) == 0);
	signet_value port = SIGNET_INT32(ntohs(a.sin_port));
	assert_guest_ends("connect_local", &port, 1, 0, SIGNET_E_GUEST_SANDBOX, "called socket during 'connect_local', "
		"which its sandbox forbids");
	close(fd);
	assert_guest_ends("fork", NULL, 0, 0, SIGNET_E_GUEST_SANDBOX, "which its sandbox forbids");
	/* Exec'ing another binary is a forbidden call too (and would fail the per-message check if it were not). */
	assert_guest_ends("exec", NULL, 0, 0, SIGNET_E_GUEST_SANDBOX, "called execve during 'exec'");
}

static void test_entitlements(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof a;
	CU_ASSERT_FATAL(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 4) == 0 &&
		getsockname(fd, (struct sockaddr *)&a, &alen) == 0);
	signet_error *err = NULL;
	signet_guest_id g = 0;
	/* Not granted: refused before any process starts. */
	rig r;
	rig_open(&r);
	SG_ASSERT_FAILS(signet_host_load_bundle(&g, r.host, plugin_path("Crash-net.bundle"), &err), &err,
		SIGNET_E_ENTITLEMENT_DENIED, "org.signet.network.client");
	SG_ASSERT_FAILS(signet_host_load_bundle(&g, r.host, plugin_path("Crash-unknown.bundle"), &err), &err,
		SIGNET_E_ENTITLEMENT_DENIED, "unknown entitlement");
	rig_close(&r);
	CU_ASSERT_FALSE(any_child());
	/* Granted: the entitled build may connect out; the plain one still may not. */
	signet_policy *p = sample_policy();
	const char *grant[] = { SIGNET_ENTITLEMENT_NETWORK_CLIENT };
	SG_ASSERT_OK(signet_policy_set_isolation_grant(p, grant, 1, &err), &err);
	rig_open_with(&r, p);
	g = load(&r, "Crash-net.bundle", SIGNET_ISOLATION_PROCESS, 0);
	signet_instance *i = instance(&r, g);
	signet_value port = SIGNET_INT32(ntohs(a.sin_port));
	char *s = call_string(i, "connect_local", &port, 1, &err);
	CU_ASSERT_STRING_EQUAL(s ? s : signet_error_message(err), "connected");
	free(s);
	signet_instance_destroy(i);
	rig_close(&r);
	close(fd);
}

/* ---- the quarantine ---- */

static void test_quarantine(void)
{
	signet_policy *p = sample_policy();
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_set_isolation_crash_limit(p, 2, &err), &err);
	rig r;
	rig_open_with(&r, p);
	for (int round = 0; round < 2; round++) {
		signet_guest_id g = load(&r, "Crash.bundle", SIGNET_ISOLATION_PROCESS, 0);
		signet_instance *i = instance(&r, g);
		signet_value v;
		SG_ASSERT_FAILS(signet_instance_invoke(i, "crash", NULL, 0, &v, &err), &err, SIGNET_E_GUEST_CRASHED,
			"SIGSEGV");
		signet_instance_destroy(i);
		SG_ASSERT_OK(signet_host_remove_guest(r.host, g, &err), &err);
	}
	signet_guest_id g = 0;
	/* Isolated or not: a quarantined build does not load. */
	SG_ASSERT_FAILS(signet_host_load_bundle(&g, r.host, plugin_path("Crash.bundle"), &err), &err,
		SIGNET_E_QUARANTINED, "crashed 2 times");
	signet_load_options lo = SIGNET_LOAD_OPTIONS_INIT;
	lo.isolation = SIGNET_ISOLATION_IN_PROCESS;
	SG_ASSERT_FAILS(signet_host_load_bundle_with(&g, r.host, plugin_path("Crash.bundle"), &lo, &err), &err,
		SIGNET_E_QUARANTINED, "crashed 2 times");
	CU_ASSERT_EQUAL(signet_host_guests(r.host, NULL, 0), 0u);
	/* Another build (another cdhash) starts afresh. */
	g = load(&r, "Rot13.bundle", SIGNET_ISOLATION_PROCESS, 0);
	/* Persisted: a new host with the same store refuses it too; clearing forgives it. */
	signet_quarantine *q = NULL;
	SG_ASSERT_OK(signet_quarantine_open(&q, r.quarantine, &err), &err);
	SG_ASSERT_OK(signet_quarantine_reload(q, &err), &err);
	CU_ASSERT_EQUAL(signet_quarantine_count(q), 1u);
	signet_quarantine_entry e;
	SG_ASSERT_OK(signet_quarantine_get(&e, q, 0, &err), &err);
	CU_ASSERT_EQUAL(e.crashes, 2u);
	CU_ASSERT_TRUE(e.quarantined);
	CU_ASSERT_STRING_EQUAL(e.identifier, "org.signet.sample.crash");
	size_t cleared = 0;
	SG_ASSERT_OK(signet_quarantine_clear(q, NULL, &cleared, &err), &err);
	CU_ASSERT_EQUAL(cleared, 1u);
	signet_quarantine_free(q);
	g = load(&r, "Crash.bundle", SIGNET_ISOLATION_PROCESS, 0);
	CU_ASSERT_TRUE(signet_guest_is_isolated(r.host, g));
	rig_close(&r);
}

/* ---- kill -9 at random points ---- */

typedef struct killer {
	pid_t pid;
	unsigned delay_us;
} killer;

static void *kill_later(void *arg)
{
	killer *k = arg;
	usleep(k->delay_us);
	kill(k->pid, SIGKILL);
	return NULL;
}

static void test_kill_at_random_points(void)
{
	int fds = open_fds();
	rig r;
	signet_policy *p = sample_policy();
	signet_error *perr = NULL;
	/* Every kill is a crash; this test is about the host, not the quarantine. */
	SG_ASSERT_OK(signet_policy_set_isolation_crash_limit(p, 0, &perr), &perr);
	rig_open_with(&r, p);
	unsigned seed = (unsigned)time(NULL);
	fprintf(stderr, "  (seed %u)\n", seed);
	size_t calls = 0, killed = 0, rounds = 0;
	/* Each guest is called until its kill shows; the kill lands anywhere in the first few ms of calls. */
	while (calls < 1000) {
		signet_guest_id g = load(&r, "Rot13.bundle", SIGNET_ISOLATION_PROCESS, 0);
		signet_instance *i = instance(&r, g);
		killer k = { guest_pid(&r, g), (unsigned)(rand_r(&seed) % 3000u) };
		CU_ASSERT_FATAL(k.pid > 0);
		pthread_t t;
		CU_ASSERT_FATAL(pthread_create(&t, NULL, kill_later, &k) == 0);
		rounds++;
		bool ended = false;
		for (int n = 0; n < 100000 && !ended; n++, calls++) {
			signet_value arg = SIGNET_STRING("abc"), v;
			signet_error *err = NULL;
			int rc = signet_instance_invoke(i, "filter", &arg, 1, &v, &err);
			if (rc == 0) {
				CU_ASSERT_STRING_EQUAL(v.as.string, "nop");
				signet_value_clear(&v);
				continue;
			}
			/* The kill lands in a call or between two: either way the call says the process was killed. */
			ended = true;
			killed++;
			if (rc != SIGNET_E_GUEST_CRASHED) {
				fprintf(stderr, "  call %zu: %d %s\n", calls, rc, signet_error_message(err));
				CU_FAIL("an unexpected error for a killed guest");
			} else if (!strstr(signet_error_message(err), "SIGKILL")) {
				fprintf(stderr, "  call %zu: %s\n", calls, signet_error_message(err));
				CU_FAIL("the error does not name SIGKILL");
			}
			signet_error_free(err);
		}
		pthread_join(t, NULL);
		signet_instance_destroy(i);
		signet_error *err = NULL;
		SG_ASSERT_OK(signet_host_remove_guest(r.host, g, &err), &err);
	}
	fprintf(stderr, "  %zu calls, %zu guests, %zu killed during them\n", calls, rounds, killed);
	CU_ASSERT_EQUAL(killed, rounds);
	rig_close(&r);
	CU_ASSERT_FALSE(any_child());
	CU_ASSERT_EQUAL(open_fds(), fds);
}

/* ---- helpers that are not the helper ---- */

static void test_helper_must_verify(void)
{
	rig r;
	signet_policy *p = sample_policy();
	*(&r) = (rig){ .policy = p };
	signet_host_options o = SIGNET_HOST_OPTIONS_INIT;
	o.policy = p;
	o.api_version = "1.0.0";
	o.isolation = SIGNET_ISOLATION_PROCESS;
	signet_error *err = NULL;
	signet_guest_id g = 0;
	/* Unsigned: the build's own signet-guest before signing. */
	char unsigned_helper[PATH_MAX];
	snprintf(unsigned_helper, sizeof unsigned_helper, "%s/signet-guest", sg_builddir());
	o.guest_helper = unsigned_helper;
	SG_ASSERT_OK(signet_host_new(&r.host, &o, &err), &err);
	SG_ASSERT_FAILS(signet_host_load_bundle(&g, r.host, plugin_path("Rot13.bundle"), &err), &err,
		SIGNET_E_UNSIGNED, "signet-guest");
	signet_host_free(r.host);
	/* Signed and admitted, but not the helper: the sample host. */
	o.guest_helper = plugin_path("signet-host");
	SG_ASSERT_OK(signet_host_new(&r.host, &o, &err), &err);
	SG_ASSERT_FAILS(signet_host_load_bundle(&g, r.host, plugin_path("Rot13.bundle"), &err), &err,
		SIGNET_E_POLICY_DENIED, "not the guest helper: its identifier is org.signet.sample.host");
	signet_host_free(r.host);
	/* Not there. */
	o.guest_helper = "/nonexistent/signet-guest";
	SG_ASSERT_OK(signet_host_new(&r.host, &o, &err), &err);
	SG_ASSERT_FAILS(signet_host_load_bundle(&g, r.host, plugin_path("Rot13.bundle"), &err), &err, SIGNET_E_IO,
		"/nonexistent/signet-guest");
	signet_host_free(r.host);
	signet_policy_free(p);
	CU_ASSERT_FALSE(any_child());
}

/* ---- guests that misbehave on the wire ---- */

/* Loads Rot13 with the evil helper `mode` (tests/isolation/evil_guest.c) and asserts the refusal. */
static void assert_evil(const char *mode, int code, const char *reason, size_t crashes)
{
	int fds = open_fds();
	char helper[PATH_MAX], store[PATH_MAX];
	snprintf(helper, sizeof helper, "%s/tests/isolation/evil-%s", sg_builddir(), mode);
	snprintf(store, sizeof store, "%s/quarantine-%s.json", sg_sandbox(), mode);
	signet_policy *p = sample_policy();
	signet_host_options o = SIGNET_HOST_OPTIONS_INIT;
	o.policy = p;
	o.api_version = "1.0.0";
	o.isolation = SIGNET_ISOLATION_PROCESS;
	o.guest_helper = helper;
	o.quarantine_path = store;
	signet_host *h = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_host_new(&h, &o, &err), &err);
	signet_load_options lo = SIGNET_LOAD_OPTIONS_INIT;
	lo.call_timeout_ms = 1000;
	lo.start_timeout_ms = 1000;
	signet_guest_id g = 0;
	SG_ASSERT_FAILS(signet_host_load_bundle_with(&g, h, plugin_path("Rot13.bundle"), &lo, &err), &err, code,
		reason);
	CU_ASSERT_EQUAL(signet_host_guests(h, NULL, 0), 0u);
	/*
	 * A process that had to be ended while it loaded the bundle counts as
	 * the bundle's crash (its constructors ran there); a wrong answer from
	 * a process that lives on does not.
	 */
	signet_quarantine *q = NULL;
	SG_ASSERT_OK(signet_quarantine_open(&q, store, &err), &err);
	SG_ASSERT_OK(signet_quarantine_reload(q, &err), &err);
	CU_ASSERT_EQUAL(signet_quarantine_count(q), crashes);
	signet_quarantine_free(q);
	signet_host_free(h);
	signet_policy_free(p);
	CU_ASSERT_FALSE(any_child());
	CU_ASSERT_EQUAL(open_fds(), fds);
}

static void test_garbage(void)
{
	assert_evil("garbage", SIGNET_E_CONNECTION_INVALID, "did not exit: it was killed", 1);
}

static void test_wrong_reply(void)
{
	assert_evil("wrongreply", SIGNET_E_CLASS_INVALID, "class description is malformed", 0);
}

static void test_flood(void)
{
	assert_evil("flood", SIGNET_E_TIMEOUT, "did not answer its load within 1000 ms: it was killed", 1);
}

static void test_silent(void)
{
	assert_evil("silent", SIGNET_E_CONNECTION_INVALID, "did not exit: it was killed", 1);
}

int main(void)
{
	sg_watchdog(600);
	static const sg_test results[] = {
		{ "every string method of every sample: the same result isolated", test_same_results },
		{ "the guest's refusals keep their codes; pointers do not travel", test_refusals_keep_their_codes },
		{ "status, lookups by cdhash, pidfd and address, requirements", test_status_and_lookups },
		{ NULL, NULL },
	};
	static const sg_test ends[] = {
		{ "crash: SIGSEGV named, the host and its other guest go on", test_crash },
		{ "abort: SIGABRT named", test_abort },
		{ "exit: the status named", test_exit },
		{ "spin past the deadline: killed, SIGNET_E_TIMEOUT", test_deadline },
		{ "kill -9 at random points during 1,000 calls", test_kill_at_random_points },
		{ NULL, NULL },
	};
	static const sg_test sandbox[] = {
		{ "no write anywhere, reads only where allowed", test_sandbox_refuses_writes },
		{ "socket, fork, exec end the guest, the call named", test_sandbox_ends_forbidden_calls },
		{ "entitlements: refused unless granted; granted, they work", test_entitlements },
		{ NULL, NULL },
	};
	static const sg_test others[] = {
		{ "quarantine: counted, refused, persisted, cleared", test_quarantine },
		{ "the helper must verify and be the helper", test_helper_must_verify },
		{ NULL, NULL },
	};
	static const sg_test wire[] = {
		{ "a guest that writes garbage: killed, the host goes on", test_garbage },
		{ "a guest that answers with the wrong type: refused", test_wrong_reply },
		{ "a guest that floods its connection: the deadline holds", test_flood },
		{ "a guest that closes its connection and lives on: killed", test_silent },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "results", results }, { "ends", ends }, { "sandbox", sandbox },
		{ "wire", wire }, { "others", others }, { NULL, NULL } };
	return sg_test_main(suites);
}
