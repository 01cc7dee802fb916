/* SPDX-License-Identifier: MIT */
/*
 * isolation.h - a guest in its own process, as its host sees it
 * (docs/isolation.md).
 *
 * sg_remote_start() verifies the guest helper (signet-guest) under the
 * host's policy, executes the sealed snapshot of its verified bytes
 * (execveat of the memfd, never a path), connects to it over a socketpair
 * (connection/pair.h: the child is inspected and must be valid and be
 * exactly that helper), hands it the host's policy and the sandbox, and
 * has it load the bundle through the full verified load. What comes back
 * is the class description, checked like any bytes from another process.
 *
 * Calls then travel over the connection. When the helper's process ends
 * during a call, or a call passes its deadline (then the process is
 * killed), the call fails with what happened (SIGNET_E_GUEST_CRASHED naming
 * the signal or exit status, SIGNET_E_GUEST_SANDBOX naming the forbidden
 * system call, SIGNET_E_TIMEOUT) and the remote is dead for good: every
 * later call fails with SIGNET_E_GUEST_INVALID and the same cause. The
 * process is always reaped and its descriptors closed: no zombie, no leak.
 *
 * The helper is started as a "clone child" (exit signal 0, not SIGCHLD):
 * the host's own SIGCHLD handling and waitpid(-1) never see or reap it,
 * so its exit status is always ours to read through its pidfd.
 *
 * Ownership: the guest record (guest/guest_internal.h) owns its remote;
 * sg_remote_free() kills (if needed) and reaps. Thread-safety: calls on
 * one remote are serialized by its own lock (one connection, one thread
 * at a time); sg_remote_dead() and the pidfd may be read from any thread.
 */
#ifndef SIGNET_ISOLATION_H
#define SIGNET_ISOLATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <signet/error.h>
#include <signet/policy.h>
#include <signet/value.h>

#include "plugin/class.h"

/* The helper's identifier: the only program accepted as a guest helper. */
#define SG_GUEST_HELPER_IDENTIFIER "org.signet.guest"
/* The helper's descriptors: the connection and the report pipe (sandbox/sandbox.h). */
#define SG_GUEST_FD_CONNECTION 3
#define SG_GUEST_FD_REPORT 4

/* Method names between host and helper. */
#define SG_GUEST_LOAD "SignetLoad"
#define SG_GUEST_NEW "SignetNew"
#define SG_GUEST_CALL "SignetCall"
#define SG_GUEST_FREE "SignetFree"

typedef struct sg_remote sg_remote;

typedef struct sg_remote_params {
	const signet_policy *policy;     /* the host's; also what the helper must satisfy */
	const char *helper;              /* the helper's path; NULL: $SIGNET_GUEST_HELPER or libexecdir's */
	const char *bundle;              /* the bundle's real path, as the host examined it */
	const char *expected_class;      /* the manifest's principal class */
	const uint8_t *cdhash;           /* what the host's examination found: the helper must load the same */
	uint64_t call_timeout_usec;      /* each call's deadline */
	uint64_t start_timeout_usec;     /* the start's (handshake and load); 0: 120 s */
	/* The sandbox (sandbox/sandbox.h): what the guest may read, and entitled extras. */
	const char *const *read_dirs;
	size_t n_read_dirs;
	bool network_client;
	uint64_t memory_bytes;
	uint64_t cpu_seconds;
	bool accept_weaker;
} sg_remote_params;

/*
 * Starts the helper and has it load the bundle; on success *out is a live
 * remote and `cls` the guest's class as described by the helper (its
 * descriptor is the host's own heap copy, no code pointers). Errors: the
 * helper's verification and admission (path named), SIGNET_E_SANDBOX_-
 * UNAVAILABLE, SIGNET_E_PEER_REFUSED / SIGNET_E_PROCESS_INVALID (the child
 * is not the verified helper, or not valid once the bundle is loaded), the
 * helper's own load errors with their codes (SIGNET_E_CMS_*, ...), the crash
 * and timeout codes above, SIGNET_E_CLASS_INVALID (a description that does
 * not check out), SIGNET_E_IO, SIGNET_E_NOMEM. `*crashed` says whether the
 * process ended or was killed while loading the bundle (the plugin's
 * constructors ran there): a crash the quarantine counts.
 */
int sg_remote_start(sg_remote **out, sg_class *cls, bool *crashed, const sg_remote_params *params,
	signet_error **err) __attribute__((warn_unused_result));

/* Kills the helper if it still runs, reaps it, closes everything. NULL is a no-op. */
void sg_remote_free(sg_remote *r);

/* Creates an instance in the guest: its handle there into *handle. */
int sg_remote_new_instance(uint64_t *handle, sg_remote *r, const char *class_name, signet_error **err)
	__attribute__((warn_unused_result));

/* Destroys the instance `handle` in the guest (one-way; nothing to report). */
void sg_remote_free_instance(sg_remote *r, uint64_t handle);

/*
 * Calls `method` on instance `handle`. Errors as signet_instance_invoke()
 * (the guest's own refusals keep their codes), plus the crash and timeout
 * codes above and SIGNET_E_GUEST_INVALID once the remote is dead.
 */
int sg_remote_invoke(sg_remote *r, uint64_t handle, const char *method, const signet_value *args, size_t nargs,
	signet_value *result, signet_error **err) __attribute__((warn_unused_result));

/* Has the guest's process ended, as far as calls have found out? */
bool sg_remote_dead(const sg_remote *r);

/*
 * Has it ended, asking the kernel now (a crash between calls)? When no
 * call is in flight, the death is also settled (reaped, explained).
 */
bool sg_remote_poll(sg_remote *r);

/*
 * Once per death: true (and the reason, borrowed until sg_remote_free())
 * the first time it is asked after the process ended badly; the caller
 * counts the crash toward the quarantine. False afterwards, or when the
 * remote is alive or was stopped by its host.
 */
bool sg_remote_take_crash(sg_remote *r, const signet_error **why);

/* The helper's pidfd (borrowed), and its pid. */
int sg_remote_pidfd(const sg_remote *r);
pid_t sg_remote_pid(const sg_remote *r);

/* ---- the helper's side (serve.c) ---- */

/*
 * The helper's whole life after exec: connects to its parent on
 * SG_GUEST_FD_CONNECTION, waits for the load request, sandboxes itself,
 * loads the bundle and serves calls until the host goes away. Returns the
 * process's exit status.
 */
int sg_guest_helper_main(void);

#endif /* SIGNET_ISOLATION_H */
