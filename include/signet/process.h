/* SPDX-License-Identifier: MIT */
/*
 * signet/process.h - the code identity of a running process: which signed
 * code is on the other end of a socket, and is the process intact?
 *
 * The counterpart of macOS's SecCodeCopyGuestWithAttributes(pid) and
 * SecCodeCheckValidity (docs/processes.md). A process is named by a pidfd,
 * never by a bare pid, which the kernel may give to another process the
 * moment the first one exits. Its identity is the verified signature of its
 * main executable (read through /proc/PID/exe: the inode that runs, not
 * whatever the path means now), and a validity verdict for the whole
 * process, Apple's CS_VALID: every executable mapping is accounted for (the
 * main executable, the vDSO, a platform library the policy admits, or a
 * sealed Signet snapshot whose signature verifies). Anything else (anonymous
 * or writable executable memory, an unsigned preloaded library, a mapping
 * of a file replaced since it was mapped, a main executable changed on disk
 * after exec) makes the process not valid, each reason naming its mapping.
 *
 * A process this caller may not inspect (another user's, whose /proc
 * entries it cannot read) is *unknown*, with the reason, never guessed.
 *
 * Ownership: a `signet_process` from the calls below is the caller's and is
 * freed with signet_process_free() (NULL is a no-op); it keeps its own
 * pidfd. Strings and objects returned by accessors belong to it.
 *
 * Thread-safety: an inspected process is immutable and may be read from
 * any thread; inspections of different processes run in parallel.
 */
#ifndef SIGNET_PROCESS_H
#define SIGNET_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <signet/common.h>
#include <signet/error.h>
#include <signet/policy.h>
#include <signet/requirement.h>
#include <signet/signature.h>

SIGNET_BEGIN_DECLS

typedef struct signet_process signet_process;

/* The verdict on a process. */
typedef enum signet_process_verdict {
	SIGNET_PROCESS_VALID = 0,   /* inspected; signed main executable; every executable mapping accounted for */
	SIGNET_PROCESS_INVALID = 1, /* inspected; at least one problem (signet_process_problem()) */
	SIGNET_PROCESS_UNKNOWN = 2  /* could not be inspected; signet_process_unknown_reason() says why */
} signet_process_verdict;

/*
 * Inspects the process `pidfd` refers to (the caller keeps `pidfd`; the
 * object holds its own duplicate), verifying under `policy`'s anchors
 * (NULL: the process default policy). An unknown or invalid verdict is
 * not an error: *out is set and the verdict says so. Errors:
 * SIGNET_E_PROCESS_GONE (it exited before or during the inspection),
 * SIGNET_E_INVALID_ARGUMENT (not a pidfd), SIGNET_E_POLICY_INVALID (no
 * trust anchors, or no usable default policy), SIGNET_E_IO (a /proc entry
 * fails for another reason than access: out of descriptors, ...),
 * SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_code_for_pidfd(signet_process **out, int pidfd,
	const signet_policy *policy, signet_error **err);

/*
 * The process at the other end of the connected Unix socket `sockfd`: its
 * pidfd comes from SO_PEERPIDFD (Linux 6.5 and later), or else from
 * SO_PEERCRED and pidfd_open(), checked to be a process that holds the
 * peer end of this very socket (so a pid reused meanwhile is not taken for
 * the peer). Then as signet_code_for_pidfd(). Also SIGNET_E_PROCESS_UNKNOWN
 * when the kernel does not name the peer (a socket from socketpair() in a
 * process that has since passed it on, a peer in another pid namespace).
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_code_for_peer(signet_process **out, int sockfd,
	const signet_policy *policy, signet_error **err);

SIGNET_EXPORT void signet_process_free(signet_process *process);

SIGNET_EXPORT signet_process_verdict signet_process_get_verdict(const signet_process *process);
SIGNET_EXPORT bool signet_process_is_valid(const signet_process *process);

/* The pid and real uid at inspection time (the pid only names the process while it lives). */
SIGNET_EXPORT pid_t signet_process_pid(const signet_process *process);
SIGNET_EXPORT uid_t signet_process_uid(const signet_process *process);

/* The process's own pidfd (owned by the object): for polling its exit, or pidfd_send_signal(). */
SIGNET_EXPORT int signet_process_pidfd(const signet_process *process);

/* The main executable's verified identity; NULL when unsigned, not verifying, or unknown. */
SIGNET_EXPORT const signet_identity *signet_process_identity(const signet_process *process);

/* The main executable as /proc/PID/exe names it (may end in " (deleted)"); NULL when unknown. */
SIGNET_EXPORT const char *signet_process_executable(const signet_process *process);

/*
 * Why the process is not valid: one error per problem, each naming the
 * mapping (address range and path) or the executable, with its own check
 * name ("process.exe", "process.mapping", ...). Zero for a valid process.
 */
SIGNET_EXPORT size_t signet_process_problem_count(const signet_process *process);
SIGNET_EXPORT const signet_error *signet_process_problem(const signet_process *process, size_t index);

/* Why an unknown process could not be inspected; NULL otherwise. */
SIGNET_EXPORT const signet_error *signet_process_unknown_reason(const signet_process *process);

/*
 * May this process talk to me? In order: an unknown process is
 * SIGNET_E_PROCESS_UNKNOWN (with its reason) unless the policy accepts its
 * uid without an identity (signet_policy_accept_uninspectable_uid(), then
 * 0 and the requirement is not evaluated: nothing is known to evaluate); an
 * invalid one is SIGNET_E_PROCESS_INVALID (the first problem as the cause);
 * then `req` (NULL: none) against its identity, with `team = host` meaning
 * the policy's host team: SIGNET_E_PEER_REFUSED with the evaluator's
 * explanation ("team: wanted ABCDE12345, peer has ZZZZZ99999") as the
 * message and expected/actual. Also SIGNET_E_INVALID_ARGUMENT (no
 * process), SIGNET_E_POLICY_INVALID (`policy` NULL and no usable default),
 * and the evaluator's SIGNET_E_LIMIT and SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_process_check(const signet_process *process,
	const signet_requirement *req, const signet_policy *policy, signet_error **err);

SIGNET_END_DECLS

#endif /* SIGNET_PROCESS_H */
