/* SPDX-License-Identifier: MIT */
/*
 * sandbox.h - confine the process of an isolated guest with the kernel's own
 * tools, before it runs a line of the plugin (docs/isolation.md, "The
 * sandbox").
 *
 * The host calls sg_sandbox_probe() before it spawns a guest, to learn what
 * this kernel offers and to refuse early when a required mechanism is
 * missing. The guest helper, after its handshake and before it loads the
 * bundle, calls sg_sandbox_apply() once: no_new_privs, namespaces where
 * allowed, capabilities dropped, Landlock (read and execute beneath the
 * paths the spec names and the guest's own /proc entry; nothing writable),
 * a SIGSYS handler that reports to the host, a seccomp filter (libseccomp)
 * that traps what a guest never needs, and rlimits. None of it can be
 * undone. When the guest makes a trapped system call, the handler writes a
 * small record to the spec's report_fd and the guest dies by SIGSYS; the
 * host reads the record with sg_sandbox_read_report() after waitid().
 *
 * Fail closed: missing seccomp or no_new_privs is always
 * SIGNET_E_SANDBOX_UNAVAILABLE; missing Landlock is too, unless the spec
 * accepts weaker isolation. The other layers (Landlock's network rules and
 * scoping, namespaces, capability drop) each back up a seccomp rule and are
 * applied where the kernel has them; sg_sandbox_state says which were.
 *
 * Ownership: the spec and its strings are the caller's and only read.
 * Thread-safety: sg_sandbox_apply() changes the whole process and must be
 * called while it has exactly one thread (Landlock confines the calling
 * thread only); it refuses otherwise. sg_sandbox_probe(),
 * sg_sandbox_syscall_name() and the report functions are thread-safe and
 * change nothing. sg_sandbox_pretend_*() are for tests, not thread-safe.
 */
#ifndef SIGNET_SANDBOX_H
#define SIGNET_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/error.h>

typedef struct sg_sandbox_spec {
	/*
	 * Absolute paths that stay readable, and executable, beneath: the
	 * bundle's root, the platform library directories, what the host's
	 * policy names. A directory grants everything beneath it, a file only
	 * itself. A path that does not exist is skipped (nothing to grant);
	 * one that cannot be opened for another reason fails the apply.
	 * Nothing anywhere is writable.
	 */
	const char *const *read_paths;
	size_t n_read_paths;
	/* Entitlement granted: may create AF_INET/AF_INET6 sockets and connect (never bind or listen). */
	bool network_client;
	/*
	 * May make an unprivileged user namespace to get the network and IPC
	 * namespaces when the process is not privileged for them. Off by
	 * default: inside it every file not owned by the guest's own uid reads
	 * as owned by the overflow uid (65534), root's platform libraries too,
	 * so the loader's platform-library check refuses any not already
	 * mapped. For guests whose dependencies are all loaded before.
	 */
	bool user_namespace;
	/* Bytes of address space on top of the process's size when applied (RLIMIT_AS); 0: unlimited. */
	uint64_t memory_budget;
	/* Seconds of CPU time from now on (RLIMIT_CPU); 0: unlimited. */
	uint64_t cpu_seconds;
	/* Write end of a pipe to the host for the SIGSYS report (made nonblocking); -1: none. */
	int report_fd;
	/* The policy accepts isolation without Landlock: refused otherwise. */
	bool accept_weaker;
} sg_sandbox_spec;

/* What a kernel offers (probe) or what was applied (apply), for status and docs. */
typedef struct sg_sandbox_state {
	bool no_new_privs;
	bool seccomp;          /* probe: the kernel filters and can trap; apply: the filter is loaded */
	int landlock_abi;      /* the kernel's Landlock ABI, 0 when none (or not used) */
	bool landlock_fs;      /* filesystem rules (ABI 1) */
	bool landlock_net;     /* TCP bind/connect rules (ABI 4) */
	bool landlock_scoped;  /* signals and abstract sockets scoped to the domain (ABI 6) */
	bool user_ns, net_ns, ipc_ns; /* apply only: the namespaces made (probe leaves them false) */
	bool caps_dropped;     /* apply only: no capability left, in any set */
	bool rlimits;          /* apply only */
	size_t read_paths_granted; /* apply only: read_paths that existed and were granted */
	char missing[256];     /* what this kernel lacks, one "; "-separated phrase each; "" when nothing */
} sg_sandbox_state;

/*
 * Host side, before spawning: what this kernel offers. Changes nothing.
 * Errors: SIGNET_E_SANDBOX_UNAVAILABLE (check "sandbox.seccomp",
 * "sandbox.no_new_privs", or "sandbox.landlock" unless spec->accept_weaker),
 * the message naming what is missing and the call that said so
 * ("Landlock is not available in this kernel (landlock_create_ruleset:
 * Function not implemented)"); SIGNET_E_INVALID_ARGUMENT (check
 * "sandbox.spec"). `spec` may be NULL: then Landlock is required.
 */
int sg_sandbox_probe(sg_sandbox_state *out, const sg_sandbox_spec *spec, signet_error **err)
	__attribute__((warn_unused_result));

/*
 * In the guest, single-threaded, irreversible. Checks everything first, so
 * that a refusal (SIGNET_E_SANDBOX_UNAVAILABLE as for probe,
 * SIGNET_E_INVALID_ARGUMENT with check "sandbox.spec" or
 * "sandbox.threads") changes nothing; a failure after that (SIGNET_E_IO,
 * SIGNET_E_NOMEM, SIGNET_E_INTERNAL, or SIGNET_E_SANDBOX_UNAVAILABLE when
 * the kernel refuses the filter; checks "sandbox.namespaces",
 * "sandbox.capabilities", "sandbox.landlock", "sandbox.seccomp",
 * "sandbox.rlimit") leaves the process partly confined: the guest must then
 * exit. `out` may be NULL. The process must end with _exit(): exit()'s
 * handlers may do what the filter forbids (LeakSanitizer's leak check makes
 * a process and ptraces it).
 */
int sg_sandbox_apply(sg_sandbox_state *out, const sg_sandbox_spec *spec, signet_error **err)
	__attribute__((warn_unused_result));

/* libseccomp's name of a system call of this architecture ("socket"), or "syscall N". Returns buf. */
const char *sg_sandbox_syscall_name(long nr, char buf[32]);

/* The record the SIGSYS handler writes: native byte order, one write(). */
#define SG_SANDBOX_REPORT_MAGIC 0x59534753u /* "SGSY" */
typedef struct sg_sandbox_report {
	uint32_t magic;
	uint32_t arch;    /* AUDIT_ARCH_* of the call, as the kernel gave it */
	int32_t syscall;  /* the call's number */
	uint32_t reserved; /* 0 */
} sg_sandbox_report;

/*
 * Host side: reads what the guest's SIGSYS handler wrote to the report
 * pipe, once the guest has ended. Never blocks (poll with no timeout before
 * each read) and reads at most 64 bytes. The bytes come from a process that
 * ran hostile code, which could have written anything there itself: only
 * exactly one well-formed record of this architecture is accepted.
 * Returns 0 and sets *syscall_nr; SIGNET_E_NOT_FOUND: nothing was written
 * (the guest had no handler, SIGSYS was blocked, or the kill was for a
 * foreign architecture); SIGNET_E_PROTOCOL: anything else.
 */
int sg_sandbox_read_report(int fd, long *syscall_nr) __attribute__((warn_unused_result));

/* The same over bytes already read (fuzzed: fuzz/fuzz_sandbox_report.c). */
int sg_sandbox_parse_report(const void *bytes, size_t len, long *syscall_nr) __attribute__((warn_unused_result));

/*
 * For tests only (the kernel here has everything): make probe and apply
 * behave as if `mechanism` were missing, the kernel having answered
 * `os_errno`. Mechanisms: "landlock" (ENOSYS: not built in; EOPNOTSUPP:
 * disabled at boot), "seccomp", "no_new_privs". NULL forgets every pretence.
 */
void sg_sandbox_pretend_missing(const char *mechanism, int os_errno);

/* For tests only: use at most this Landlock ABI (to see what an older kernel gets); 0 forgets it. */
void sg_sandbox_pretend_landlock_abi(int abi);

#endif /* SIGNET_SANDBOX_H */
