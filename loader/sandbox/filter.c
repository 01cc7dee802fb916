/* SPDX-License-Identifier: MIT */
/*
 * filter.c - the seccomp layer of the sandbox (libseccomp) and the SIGSYS
 * handler that tells the host which call ended the guest.
 *
 * Default allow, with a list of calls that trap. Why not default deny: the
 * guest runs the verified loader and then arbitrary plugin code linked
 * against whatever platform libraries its bundle names; the calls glibc,
 * libstdc++, OpenSSL and a plugin make vary with versions and code paths
 * (clone3 or clone, faccessat2, rseq, futex_waitv, epoll_pwait2, statx,
 * getrandom...), and an allow list that misses one kills honest plugins at
 * random. What the list below traps is what no guest needs and what would
 * reach past its process: creating processes, touching other processes,
 * leaving the sandbox, the kernel's riskiest interfaces, administering the
 * machine, the file operations Landlock does not mediate, System V IPC,
 * new sockets, servers. docs/isolation.md says what such a list can miss;
 * one thing it would miss by construction, system calls added to Linux
 * after this list was written, fails with ENOSYS instead (as on an older
 * kernel, which every libc handles).
 *
 * Argument checks compare all 64 bits of a register against an allowed
 * value, or mask the 32 bits the kernel reads: the kernel truncates int
 * arguments, so "trap when it equals X" would let X with high bits set
 * through, while "trap unless it equals X" and masked comparisons do not.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp.h>

#include "core/error_internal.h"
#include "sandbox/sandbox_internal.h"

#if !defined(__x86_64__) && !defined(__aarch64__)
/* The raw numbers below (457 and up) are the unified ones; check them, and clone's argument order, first. */
#error "loader/sandbox/filter.c has been reviewed for x86_64 and aarch64 only"
#endif

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1 /* si_code of a SIGSYS from SECCOMP_RET_TRAP (asm-generic/siginfo.h) */
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

/* --- the SIGSYS handler ------------------------------------------------- */

/* Set once before the filter is loaded, only read afterwards (by the handler). */
static int report_fd = -1;
static pid_t report_pid;

/*
 * Async-signal-safe: one write() of a fixed record, then death by SIGSYS.
 * Installed with SA_RESETHAND (the default action is back on entry) and
 * SA_NODEFER (SIGSYS stays unblocked), so the tgkill() below ends the
 * process with SIGSYS as the signal, which is what the host's waitid()
 * sees. A SIGSYS that is not from seccomp (raised by hand) reports
 * nothing: its fields would be noise.
 */
static void on_sigsys(int sig, siginfo_t *info, void *uctx)
{
	(void)uctx;
	if (info && info->si_code == SYS_SECCOMP && report_fd >= 0) {
		sg_sandbox_report r = { .magic = SG_SANDBOX_REPORT_MAGIC, .arch = info->si_arch,
			.syscall = info->si_syscall, .reserved = 0 };
		ssize_t n = write(report_fd, &r, sizeof r); /* nonblocking: a full pipe loses the report, not the kill */
		(void)n;
	}
	syscall(SYS_tgkill, report_pid, (pid_t)syscall(SYS_gettid), sig);
	_exit(128 + SIGSYS); /* not reached: SIGSYS's default action ends the process */
}

static int signal_fail(signet_error **err, int e, const char *what)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .check = "sandbox.seccomp", .os_errno = e },
		"%s: %s", what, strerror(e));
}

static int install_handler(const sg_sandbox_spec *spec, pid_t pid, signet_error **err)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	if (spec->report_fd >= 0) {
		/*
		 * Nonblocking, so that a pipe the plugin filled makes the handler
		 * lose its report instead of hanging the guest instead of ending it.
		 */
		int fl = fcntl(spec->report_fd, F_GETFL);
		if (fl < 0 || fcntl(spec->report_fd, F_SETFL, fl | O_NONBLOCK) != 0)
			return signal_fail(err, errno, "cannot make the report descriptor nonblocking");
		report_fd = spec->report_fd;
		report_pid = pid;
		sa.sa_sigaction = on_sigsys;
		sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
		/* Nothing else runs in the middle of the report (a plugin's own handlers). */
		sigfillset(&sa.sa_mask);
		sigdelset(&sa.sa_mask, SIGSYS);
	} else {
		sa.sa_handler = SIG_DFL; /* no report: the default action ends the guest */
	}
	if (sigaction(SIGSYS, &sa, NULL) != 0)
		return signal_fail(err, errno, "sigaction(SIGSYS)");
	/*
	 * A blocked SIGSYS would make the kernel reset the action to the default
	 * and kill without running the handler: the guest would die without a
	 * report. Threads made later inherit this mask.
	 */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) != 0)
		return signal_fail(err, errno, "sigprocmask");
	return 0;
}

/* --- the filter --------------------------------------------------------- */

typedef struct filter {
	scmp_filter_ctx ctx;
	int rc;           /* first failure (negative errno), 0 */
	const char *what; /* the call whose rule failed */
} filter;

static void add(filter *f, uint32_t action, int nr, const char *name, unsigned n, const struct scmp_arg_cmp *cmp)
{
	if (f->rc)
		return;
	int rc = seccomp_rule_add_array(f->ctx, action, nr, n, cmp);
	if (rc) {
		f->rc = rc;
		f->what = name;
	}
}

/* By name, so that a call this architecture lacks (iopl on arm64) is left out by libseccomp. */
static void add_named(filter *f, uint32_t action, const char *name, unsigned n, const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr != __NR_SCMP_ERROR)
		add(f, action, nr, name, n, cmp);
}

static void trap_all(filter *f, const char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		add_named(f, SCMP_ACT_TRAP, names[i], 0, NULL);
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Process creation: a guest is one process, and exec would leave the verified code behind. */
static const char *const creating[] = { "fork", "vfork", "execve", "execveat" };

/* Reaching into other processes (signals are below, by target). */
static const char *const others[] = {
	"ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "process_mrelease",
	"pidfd_getfd", "pidfd_send_signal", "kcmp",
};

/* Leaving or reshaping the sandbox: namespaces and mounts. */
static const char *const leaving[] = {
	"unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "mount_setattr", "move_mount",
	"open_tree", "fsopen", "fsconfig", "fsmount", "fspick",
};

/*
 * The kernel's riskiest interfaces, none of which a plugin needs: most
 * recent kernel exploits start from one of these.
 */
static const char *const surface[] = {
	"bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
	"keyctl", "add_key", "request_key", "modify_ldt", "uselib",
};

/* Administering the machine: capabilities are dropped, so these would fail; trapping names the attempt. */
static const char *const machine[] = {
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "swapon",
	"swapoff", "acct", "quotactl", "quotactl_fd", "settimeofday", "clock_settime", "sethostname",
	"setdomainname", "iopl", "ioperm", "syslog", "vhangup", "open_by_handle_at", "lookup_dcookie",
	"nfsservctl",
};

/*
 * Files where Landlock does not reach: it mediates opening, creating,
 * removing, renaming and (from ABI 3) truncating, but not changing a
 * file's mode, owner, times or extended attributes, and before ABI 3 not
 * truncate() by path. A guest may own files outside its read paths (the
 * user's home): these would let it change them.
 */
static const char *const metadata[] = {
	"truncate", "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
	"utime", "utimes", "futimesat", "utimensat", "setxattr", "lsetxattr", "fsetxattr", "removexattr",
	"lremovexattr", "fremovexattr",
};

/*
 * System V IPC and POSIX message queues: objects named by number or in a
 * filesystem Landlock does not cover, shared with every process of the
 * user unless an IPC namespace was made (it is not always allowed).
 */
static const char *const ipc[] = {
	"msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop", "semctl", "shmget", "shmat",
	"shmctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
};

/*
 * Servers: the guest's connection to its host exists before the sandbox
 * (inherited, already connected), so it never binds, listens or accepts;
 * a network client connects without bind().
 */
static const char *const serving[] = { "bind", "listen", "accept", "accept4" };

/* Calls newer than libseccomp 2.5.4's table, by their unified numbers, that change something shared. */
static const int newer_traps[] = { 460 /* lsm_set_self_attr */, 463 /* setxattrat */, 466 /* removexattrat */,
	467 /* open_tree_attr */, 469 /* file_setattr */ };

/* The highest system call number this filter was written against (Linux 6.17's file_setattr). */
#define JUDGED_MAX 469
/* Beyond: ENOSYS, up to this bound (x86_64 and arm64 use fewer than 600 numbers). */
#define NUMBER_CEILING 1024

static void process_rules(filter *f, pid_t pid)
{
	trap_all(f, creating, COUNT(creating));
	/*
	 * clone() without CLONE_THREAD makes a process (glibc's fork() and
	 * posix_spawn() use it); with it, a thread, which the loader's page
	 * hashing and plugins need. No thread may take a new namespace either.
	 */
	add_named(f, SCMP_ACT_TRAP, "clone", 1, &SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
	static const uint64_t ns_flags[] = { CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID,
		CLONE_NEWNET, CLONE_NEWCGROUP };
	for (size_t i = 0; i < COUNT(ns_flags); i++)
		add_named(f, SCMP_ACT_TRAP, "clone", 1, &SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
	/*
	 * clone3() passes its flags in memory, which a filter cannot read:
	 * ENOSYS, and glibc (2.34 and later) falls back to clone(), judged above.
	 */
	add_named(f, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);

	trap_all(f, others, COUNT(others));
	/*
	 * Signals only to itself: raise(), abort() and pthread_kill() name
	 * this process's pid. kill(0) (the process group, likely the host's)
	 * and any other pid trap. Landlock's signal scope (ABI 6) backs this up.
	 */
	static const char *const signalling[] = { "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo" };
	for (size_t i = 0; i < COUNT(signalling); i++)
		add_named(f, SCMP_ACT_TRAP, signalling[i], 1, &SCMP_A0(SCMP_CMP_NE, (uint64_t)pid));
	/* Calls that take a pid and act on that process: only 0, "myself" (what glibc passes). */
	static const char *const by_pid[] = { "prlimit64", "migrate_pages", "move_pages", "get_robust_list" };
	for (size_t i = 0; i < COUNT(by_pid); i++)
		add_named(f, SCMP_ACT_TRAP, by_pid[i], 1, &SCMP_A0(SCMP_CMP_NE, 0));
}

static void self_rules(filter *f)
{
	trap_all(f, leaving, COUNT(leaving));
	/*
	 * The report's handler stays: rt_sigaction(SIGSYS) with a new action
	 * traps (a query, with no new action, is allowed). Blocking SIGSYS with
	 * sigprocmask cannot be filtered (the set is in memory), but gains
	 * nothing: the kernel then resets SIGSYS to its default and the guest
	 * still dies, only without a report.
	 */
	struct scmp_arg_cmp sigsys[] = { SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, SIGSYS), SCMP_A1(SCMP_CMP_NE, 0) };
	add_named(f, SCMP_ACT_TRAP, "rt_sigaction", 2, sigsys);
	/*
	 * prctl: PR_SET_DUMPABLE stays 1 (the host reads the guest's /proc
	 * entry to check its code, and a non-dumpable process hides it);
	 * PR_SET_MM would rewrite what /proc says of the process. Stacking
	 * another seccomp filter (PR_SET_SECCOMP, seccomp()) is allowed: a new
	 * filter can only add restrictions, the strictest answer wins.
	 */
	struct scmp_arg_cmp dumpable[] = { SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, PR_SET_DUMPABLE),
		SCMP_A1(SCMP_CMP_NE, 1) };
	add_named(f, SCMP_ACT_TRAP, "prctl", 2, dumpable);
	add_named(f, SCMP_ACT_TRAP, "prctl", 1, &SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, PR_SET_MM));
	/* personality: only the query (0xffffffff); a new one could turn on READ_IMPLIES_EXEC and the like. */
	add_named(f, SCMP_ACT_TRAP, "personality", 1, &SCMP_A0(SCMP_CMP_NE, 0xffffffffu));
}

static void file_rules(filter *f)
{
	trap_all(f, metadata, COUNT(metadata));
	/*
	 * TIOCSTI pushes input into a terminal, TIOCLINUX can paste a console
	 * selection: through a terminal the guest inherited as stdin or
	 * stdout, either would type commands into the user's shell.
	 */
	add_named(f, SCMP_ACT_TRAP, "ioctl", 1, &SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
	add_named(f, SCMP_ACT_TRAP, "ioctl", 1, &SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX));
	trap_all(f, ipc, COUNT(ipc));
}

static void socket_rules(filter *f, bool network_client)
{
	/*
	 * socket() by family. AF_UNIX: EACCES, not a trap. Landlock does not
	 * mediate connecting to a socket by path, so a new Unix socket could
	 * reach the session bus, the user's agents or a container daemon;
	 * none can be made. But glibc opens one itself for syslog() and nscd
	 * lookups and copes with a refusal, so a plugin calling those is not
	 * killed. AF_NETLINK: EACCES too (getaddrinfo() asks netlink which
	 * address families are up, and falls back when it cannot).
	 * AF_INET/AF_INET6: only for a network client. Every other family, and
	 * any value with high bits set, traps. socketpair() is allowed: its
	 * sockets are connected to each other and nothing else.
	 */
	for (int fam = 0; fam < 64; fam++) {
		if (fam == AF_UNIX || fam == AF_NETLINK)
			add_named(f, SCMP_ACT_ERRNO(EACCES), "socket", 1, &SCMP_A0(SCMP_CMP_EQ, (uint64_t)fam));
		else if (!(network_client && (fam == AF_INET || fam == AF_INET6)))
			add_named(f, SCMP_ACT_TRAP, "socket", 1, &SCMP_A0(SCMP_CMP_EQ, (uint64_t)fam));
	}
	add_named(f, SCMP_ACT_TRAP, "socket", 1, &SCMP_A0(SCMP_CMP_GE, 64));
	trap_all(f, serving, COUNT(serving));
}

static void kernel_rules(filter *f)
{
	trap_all(f, surface, COUNT(surface));
	trap_all(f, machine, COUNT(machine));
	for (size_t i = 0; i < COUNT(newer_traps); i++)
		add(f, SCMP_ACT_TRAP, newer_traps[i], "a newer system call", 0, NULL);
	for (int nr = JUDGED_MAX + 1; nr < NUMBER_CEILING; nr++)
		add(f, SCMP_ACT_ERRNO(ENOSYS), nr, "a system call newer than this filter", 0, NULL);
}

int sg_seccomp_apply(const sg_sandbox_spec *spec, pid_t pid, signet_error **err)
{
	/* The handler first: the filter traps from the moment it is loaded. */
	int rc = install_handler(spec, pid, err);
	if (rc)
		return rc;
	filter f = { .ctx = seccomp_init(SCMP_ACT_ALLOW) };
	if (!f.ctx)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .check = "sandbox.seccomp" },
			"seccomp_init failed");
	/*
	 * Another architecture's calls (i386's int 0x80, x32) would be numbered
	 * differently and slip past every rule: they kill the process (no
	 * report: there is nothing to name in this architecture's terms).
	 */
	int arc = seccomp_attr_set(f.ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	/* If a thread exists after all, it gets the filter too. */
	if (!arc)
		arc = seccomp_attr_set(f.ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	/* A binary tree: the rules cover some 700 numbers, and every call of the guest runs the filter. */
	if (!arc)
		arc = seccomp_attr_set(f.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (arc) {
		f.rc = arc;
		f.what = "an attribute";
	}
	process_rules(&f, pid);
	self_rules(&f);
	file_rules(&f);
	socket_rules(&f, spec->network_client);
	kernel_rules(&f);
	if (f.rc) {
		seccomp_release(f.ctx);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INTERNAL, .check = "sandbox.seccomp",
			.os_errno = -f.rc }, "cannot add the seccomp rule for %s: %s", f.what, strerror(-f.rc));
	}
	rc = seccomp_load(f.ctx);
	seccomp_release(f.ctx);
	if (rc)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SANDBOX_UNAVAILABLE, .check = "sandbox.seccomp",
			.os_errno = -rc }, "the kernel refused the seccomp filter (seccomp_load: %s)", strerror(-rc));
	return 0;
}
