/* SPDX-License-Identifier: MIT */
/*
 * sandbox_internal.h - what the files of the sandbox module share: the
 * kernel's answers (real, or pretended by tests), the Landlock layer and the
 * seccomp layer. Same rules as sandbox.h: apply-side functions run
 * single-threaded in the guest, probe-side ones change nothing.
 */
#ifndef SIGNET_SANDBOX_INTERNAL_H
#define SIGNET_SANDBOX_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include <signet/error.h>

#include "sandbox/sandbox.h"

/*
 * The Landlock ABI this kernel offers (after any pretence), or -1 with
 * *os_errno set: ENOSYS (not built in), EOPNOTSUPP (built in, not enabled
 * at boot), or what else landlock_create_ruleset() said.
 */
int sg_landlock_abi(int *os_errno);

/* Fills the Landlock fields of `st` from an ABI (0: none). */
void sg_landlock_describe(sg_sandbox_state *st, int abi);

/*
 * Confines the calling thread, for good: read and execute beneath
 * spec->read_paths and /proc/<pid>, nothing else on the filesystem; TCP
 * bind (and connect, without network_client) refused; signals and abstract
 * sockets scoped. `abi` is what sg_landlock_abi() said (>= 1). Counts the
 * paths granted in st->read_paths_granted.
 */
int sg_landlock_apply(const sg_sandbox_spec *spec, int abi, pid_t pid, sg_sandbox_state *st, signet_error **err);

/*
 * Installs the SIGSYS handler that reports to spec->report_fd (or resets
 * SIGSYS to its default when there is none), then loads the seccomp filter.
 */
int sg_seccomp_apply(const sg_sandbox_spec *spec, pid_t pid, signet_error **err);

/* Is a pretence for `mechanism` in force? Sets *os_errno when it is. */
bool sg_sandbox_pretending(const char *mechanism, int *os_errno);

/* The highest Landlock ABI tests allow (0: no limit). */
int sg_sandbox_pretended_abi(void);

#endif /* SIGNET_SANDBOX_INTERNAL_H */
