/* SPDX-License-Identifier: MIT */
/*
 * sandbox.c - what the kernel offers, and confining the guest in order:
 * check everything, no_new_privs, namespaces, capabilities, Landlock, the
 * SIGSYS handler and seccomp filter, rlimits.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "sandbox/sandbox_internal.h"

/* Descriptors a guest may have open at once: the loader and a plugin need tens. */
#define SANDBOX_NOFILE 256

/* --- pretences, for tests ----------------------------------------------- */

static struct {
	int landlock, seccomp, no_new_privs; /* the errno to pretend, 0: none */
	int landlock_abi;                     /* highest ABI to admit, 0: no limit */
} pretend;

void sg_sandbox_pretend_missing(const char *mechanism, int os_errno)
{
	if (!mechanism)
		memset(&pretend, 0, sizeof pretend);
	else if (!strcmp(mechanism, "landlock"))
		pretend.landlock = os_errno;
	else if (!strcmp(mechanism, "seccomp"))
		pretend.seccomp = os_errno;
	else if (!strcmp(mechanism, "no_new_privs"))
		pretend.no_new_privs = os_errno;
}

void sg_sandbox_pretend_landlock_abi(int abi)
{
	pretend.landlock_abi = abi;
}

bool sg_sandbox_pretending(const char *mechanism, int *os_errno)
{
	int e = !strcmp(mechanism, "landlock") ? pretend.landlock
		: !strcmp(mechanism, "seccomp") ? pretend.seccomp
		: !strcmp(mechanism, "no_new_privs") ? pretend.no_new_privs : 0;
	if (e)
		*os_errno = e;
	return e != 0;
}

int sg_sandbox_pretended_abi(void)
{
	return pretend.landlock_abi;
}

/* --- probing -------------------------------------------------------------- */

static void note_missing(sg_sandbox_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note_missing(sg_sandbox_state *st, const char *fmt, ...)
{
	size_t used = strlen(st->missing);
	if (used && used + 2 < sizeof st->missing) {
		memcpy(st->missing + used, "; ", 3);
		used += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->missing + used, sizeof st->missing - used, fmt, ap);
	va_end(ap);
}

static int unavailable(signet_error **err, const char *check, int e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int unavailable(signet_error **err, const char *check, int e, const char *fmt, ...)
{
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SANDBOX_UNAVAILABLE, .check = check, .os_errno = e },
		"%s: refusing to run an isolated guest without it", what);
}

/* Can this kernel filter system calls and trap? (Linux 3.17 and later answer the question itself.) */
static int probe_seccomp(int *os_errno)
{
	if (sg_sandbox_pretending("seccomp", os_errno))
		return -1;
	static const uint32_t actions[] = { SECCOMP_RET_TRAP, SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_ERRNO };
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
		uint32_t a = actions[i];
		if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &a) != 0) {
			*os_errno = errno;
			return -1;
		}
	}
	return 0;
}

static int probe_nnp(int *os_errno)
{
	if (sg_sandbox_pretending("no_new_privs", os_errno))
		return -1;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) < 0) {
		*os_errno = errno;
		return -1;
	}
	return 0;
}

static int check_spec(const sg_sandbox_spec *spec, signet_error **err)
{
	if (spec->n_read_paths && !spec->read_paths)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "sandbox.spec" },
			"%zu read paths but no array", spec->n_read_paths);
	for (size_t i = 0; i < spec->n_read_paths; i++)
		if (!spec->read_paths[i] || spec->read_paths[i][0] != '/')
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "sandbox.spec",
				.path = spec->read_paths[i], .has_index = true, .index = (long long)i },
				"read path %zu is not absolute", i);
	if (spec->report_fd >= 0) {
		int fl = fcntl(spec->report_fd, F_GETFL);
		if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "sandbox.spec",
				.os_errno = fl < 0 ? errno : 0 }, "the report descriptor %d is %s", spec->report_fd,
				fl < 0 ? "not open" : "not open for writing");
	}
	return 0;
}

/* The probe proper; *landlock_abi is 0 when Landlock is missing and weaker isolation accepted. */
static int probe(sg_sandbox_state *st, int *landlock_abi, const sg_sandbox_spec *spec, signet_error **err)
{
	memset(st, 0, sizeof *st);
	int e = 0;
	/* Never optional: without them nothing stops the plugin from doing anything its user may. */
	if (probe_nnp(&e) != 0)
		return unavailable(err, "sandbox.no_new_privs", e,
			"no_new_privs is not available in this kernel (prctl PR_GET_NO_NEW_PRIVS: %s)", strerror(e));
	st->no_new_privs = true;
	if (probe_seccomp(&e) != 0)
		return unavailable(err, "sandbox.seccomp", e,
			"seccomp filtering is not available in this kernel (seccomp SECCOMP_GET_ACTION_AVAIL: %s)",
			strerror(e));
	st->seccomp = true;
	int abi = sg_landlock_abi(&e);
	if (abi < 0) {
		const char *why = e == EOPNOTSUPP ? "Landlock is disabled in this kernel (built in, not enabled at boot)"
			: "Landlock is not available in this kernel";
		if (!(spec && spec->accept_weaker))
			return unavailable(err, "sandbox.landlock", e, "%s (landlock_create_ruleset: %s)", why, strerror(e));
		note_missing(st, "%s (landlock_create_ruleset: %s)", why, strerror(e));
		abi = 0;
	} else {
		/* Each of these backs up a seccomp rule: recorded, never required. */
		if (abi < 4)
			note_missing(st, "Landlock TCP rules (ABI %d, 4 needed)", abi);
		if (abi < 6)
			note_missing(st, "Landlock scoping of signals and abstract sockets (ABI %d, 6 needed)", abi);
	}
	sg_landlock_describe(st, abi);
	*landlock_abi = abi;
	return 0;
}

int sg_sandbox_probe(sg_sandbox_state *out, const sg_sandbox_spec *spec, signet_error **err)
{
	if (!out)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "sandbox.spec" },
			"no state to fill");
	if (spec) {
		int rc = check_spec(spec, err);
		if (rc)
			return rc;
	}
	sg_sandbox_state st;
	int abi;
	int rc = probe(&st, &abi, spec, err);
	if (rc == 0)
		*out = st;
	return rc;
}

/* --- applying --------------------------------------------------------------- */

/* A "Name:   value" line of /proc/self/status, as a number. */
static int status_field(const char *name, uint64_t *value)
{
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[8192];
	size_t len = 0;
	ssize_t n;
	while (len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	size_t nl = strlen(name);
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (!strncmp(line, name, nl) && line[nl] == ':') {
			char *end = NULL;
			errno = 0;
			unsigned long long v = strtoull(line + nl + 1, &end, 10);
			if (errno || end == line + nl + 1)
				return -EINVAL;
			*value = v;
			return 0;
		}
	}
	return -ENOENT;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	int e = n == (ssize_t)len ? 0 : n < 0 ? errno : EIO;
	close(fd);
	return -e;
}

static int ns_fail(signet_error **err, int e, const char *what)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .check = "sandbox.namespaces", .os_errno = e },
		"%s: %s", what, strerror(e));
}

/*
 * Namespaces, best effort: the seccomp filter already refuses what they
 * would contain (network sockets, System V IPC), so they are a second
 * wall, made where the kernel allows. A network namespace only without the
 * network entitlement: a client needs the host's network.
 *
 * A privileged guest (root, CAP_SYS_ADMIN) makes them directly. Otherwise
 * only inside a new user namespace, and only when the spec allows it: there
 * a process may map its own uid and no other, so every other owner, root
 * included, reads as the overflow uid, and the loader's check that a
 * platform library is root's would refuse every one not loaded yet.
 */
static int make_namespaces(const sg_sandbox_spec *spec, sg_sandbox_state *st, signet_error **err)
{
	int flags = CLONE_NEWIPC | (spec->network_client ? 0 : CLONE_NEWNET);
	if (unshare(flags) == 0)
		goto made;
	if (errno != EPERM || !spec->user_namespace)
		return 0; /* not applied: recorded as false */
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (unshare(CLONE_NEWUSER | flags) != 0)
		return 0; /* unprivileged user namespaces are off here (EPERM, ENOSPC, EINVAL) */
	st->user_ns = true;
	/* Keep the guest's own ids what they were; setgroups must be refused before a gid map may be written. */
	char map[64];
	int rc = write_file("/proc/self/setgroups", "deny");
	if (rc == 0) {
		snprintf(map, sizeof map, "%lu %lu 1\n", (unsigned long)uid, (unsigned long)uid);
		rc = write_file("/proc/self/uid_map", map);
	}
	if (rc == 0) {
		snprintf(map, sizeof map, "%lu %lu 1\n", (unsigned long)gid, (unsigned long)gid);
		rc = write_file("/proc/self/gid_map", map);
	}
	if (rc)
		return ns_fail(err, -rc, "cannot map the guest's ids in its user namespace");
made:
	st->ipc_ns = true;
	st->net_ns = !spec->network_client;
	return 0;
}

static int caps_fail(signet_error **err, int e, const char *what)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .check = "sandbox.capabilities", .os_errno = e },
		"%s: %s", what, strerror(e));
}

/*
 * No capability left in any set. A guest started by root would otherwise
 * keep CAP_DAC_OVERRIDE (Landlock still binds it, but other checks do
 * not), CAP_SYS_RESOURCE (raise its own rlimits back), CAP_KILL and the
 * rest; in a user namespace it holds every capability of that namespace.
 * The bounding set first (it needs CAP_SETPCAP, which capset() removes);
 * it matters only across exec, which the filter forbids, so a process
 * that may not change it leaves it.
 */
static int drop_capabilities(sg_sandbox_state *st, signet_error **err)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
		return caps_fail(err, errno, "cannot clear the ambient capabilities");
	for (int cap = 0; cap <= 63; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			break; /* past the last capability this kernel knows */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EPERM)
			return caps_fail(err, errno, "cannot drop a capability from the bounding set");
	}
	struct __user_cap_header_struct head = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof data);
	if (syscall(SYS_capset, &head, data) != 0)
		return caps_fail(err, errno, "capset");
	if (syscall(SYS_capget, &head, data) != 0)
		return caps_fail(err, errno, "capget");
	for (int i = 0; i < 2; i++)
		if (data[i].effective || data[i].permitted || data[i].inheritable)
			return caps_fail(err, EPERM, "capabilities remain after capset");
	st->caps_dropped = true;
	return 0;
}

static int limit_fail(signet_error **err, int e, const char *what)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .check = "sandbox.rlimit", .os_errno = e },
		"%s: %s", what, strerror(e));
}

static int set_limit(int resource, rlim_t soft, rlim_t hard, const char *name, signet_error **err)
{
	struct rlimit now;
	if (getrlimit(resource, &now) != 0)
		return limit_fail(err, errno, name);
	/* Only ever lower: without CAP_SYS_RESOURCE a hard limit cannot rise, and it need not. */
	if (now.rlim_max != RLIM_INFINITY && (hard == RLIM_INFINITY || hard > now.rlim_max))
		hard = now.rlim_max;
	if (soft == RLIM_INFINITY || soft > hard)
		soft = hard;
	struct rlimit l = { .rlim_cur = soft, .rlim_max = hard };
	if (setrlimit(resource, &l) != 0)
		return limit_fail(err, errno, name);
	return 0;
}

/*
 * Last, so that the address-space budget counts from the process's size
 * as the plugin will find it (libseccomp's and Landlock's allocations are
 * behind us), and so that nothing above runs short of descriptors.
 */
static int set_rlimits(const sg_sandbox_spec *spec, sg_sandbox_state *st, signet_error **err)
{
	int rc;
	/*
	 * RLIMIT_AS relative to VmSize, not absolute: a sanitizer build
	 * reserves terabytes of shadow memory up front, and a plugin's budget
	 * is what it may add.
	 */
	if (spec->memory_budget) {
		uint64_t kib = 0;
		int e = -status_field("VmSize", &kib);
		if (e)
			return limit_fail(err, e, "cannot read VmSize in /proc/self/status");
		uint64_t size = kib <= UINT64_MAX / 1024 ? kib * 1024 : UINT64_MAX;
		rlim_t as = size <= UINT64_MAX - spec->memory_budget ? size + spec->memory_budget : RLIM_INFINITY;
		if ((rc = set_limit(RLIMIT_AS, as, as, "RLIMIT_AS", err)))
			return rc;
	}
	/*
	 * RLIMIT_FSIZE: not 0. Landlock already refuses every file opened for
	 * writing, and the loader writes its sealed snapshots into memfds,
	 * which are files as far as this limit goes. Capped at the memory
	 * budget: a memfd's pages are memory that RLIMIT_AS does not see until
	 * they are mapped. SIGXFSZ is ignored, so a write past it fails with
	 * EFBIG (the loader's error names it) instead of killing.
	 */
	if (spec->memory_budget) {
		if ((rc = set_limit(RLIMIT_FSIZE, spec->memory_budget, spec->memory_budget, "RLIMIT_FSIZE", err)))
			return rc;
		if (signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
			return limit_fail(err, errno, "signal(SIGXFSZ)");
	}
	/*
	 * RLIMIT_CPU counts the process's whole life: the budget starts now.
	 * SIGXCPU at the soft limit (the default action ends the guest, and
	 * the host sees why), SIGKILL a second later if the plugin caught it.
	 */
	if (spec->cpu_seconds) {
		struct rusage ru;
		if (getrusage(RUSAGE_SELF, &ru) != 0)
			return limit_fail(err, errno, "getrusage");
		uint64_t used = (uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec;
		uint64_t soft = spec->cpu_seconds <= UINT64_MAX - used - 1 ? used + spec->cpu_seconds : UINT64_MAX - 1;
		if ((rc = set_limit(RLIMIT_CPU, soft, soft + 1, "RLIMIT_CPU", err)))
			return rc;
	}
	/* No core file: it would hold whatever the guest held, and writing one is a write Landlock did not judge. */
	if ((rc = set_limit(RLIMIT_CORE, 0, 0, "RLIMIT_CORE", err)))
		return rc;
	if ((rc = set_limit(RLIMIT_NOFILE, SANDBOX_NOFILE, SANDBOX_NOFILE, "RLIMIT_NOFILE", err)))
		return rc;
	/* RLIMIT_NPROC: not needed, no process can be made; it would count the loader's threads. */
	st->rlimits = true;
	return 0;
}

int sg_sandbox_apply(sg_sandbox_state *out, const sg_sandbox_spec *spec, signet_error **err)
{
	if (!spec)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "sandbox.spec" },
			"no sandbox spec");
	int rc = check_spec(spec, err);
	if (rc)
		return rc;
	/* Landlock confines the calling thread only, and a user namespace cannot be entered by a threaded process. */
	uint64_t threads = 0;
	int e = -status_field("Threads", &threads);
	if (e)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .check = "sandbox.threads", .os_errno = e },
			"cannot count this process's threads in /proc/self/status: %s", strerror(e));
	if (threads != 1)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "sandbox.threads" },
			"the process has %" PRIu64 " threads: the sandbox must be applied while it has one", threads);
	/* Everything required is checked before anything changes: a refusal leaves the process as it was. */
	sg_sandbox_state st;
	int abi = 0;
	if ((rc = probe(&st, &abi, spec, err)))
		return rc;
	pid_t pid = getpid();

	/*
	 * 1. no_new_privs: nothing this process runs can gain privileges
	 * through exec (setuid bits, file capabilities), and it is what lets
	 * an unprivileged process apply Landlock and seccomp at all.
	 * PR_SET_DUMPABLE stays as it is (1): the host reads this process's
	 * /proc entry to check its code, which a non-dumpable one hides.
	 */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return unavailable(err, "sandbox.no_new_privs", errno, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
	/* 2. Namespaces: before capabilities go (a privileged guest uses them) and before the filter forbids unshare(). */
	if ((rc = make_namespaces(spec, &st, err)))
		return rc;
	/* 3. Capabilities: none left for anything below or after. */
	if ((rc = drop_capabilities(&st, err)))
		return rc;
	/* 4. Landlock: before the filter, which does not need to know its calls. */
	if (abi > 0 && (rc = sg_landlock_apply(spec, abi, pid, &st, err)))
		return rc;
	/* 5. The SIGSYS handler, then the filter. */
	if ((rc = sg_seccomp_apply(spec, pid, err)))
		return rc;
	/* 6. Resource limits. */
	if ((rc = set_rlimits(spec, &st, err)))
		return rc;
	if (out)
		*out = st;
	return 0;
}
