/* SPDX-License-Identifier: MIT */
/*
 * spawn.h - the guest helper verified, then started from its verified
 * bytes (spawn.c says how and why). Used by remote.c only.
 */
#ifndef SIGNET_ISOLATION_SPAWN_H
#define SIGNET_ISOLATION_SPAWN_H

#include <stdint.h>
#include <sys/types.h>

#include <signet/error.h>
#include <signet/policy.h>

#include "isolation/isolation.h"

/* The helper's path: `given`, else $SIGNET_GUEST_HELPER, else libexecdir's signet-guest. */
const char *sg_helper_path(const char *given);

/*
 * Verifies the helper at `path` from a sealed snapshot, admits it under
 * `policy`, requires identifier SG_GUEST_HELPER_IDENTIFIER, and gives a
 * read-only descriptor of the verified bytes to execute (*exec_fd, close
 * it) and their cdhash. Errors as signet_verify_bytes() and the policy's,
 * SIGNET_E_POLICY_DENIED (check isolation.helper: another program).
 */
int sg_helper_verify(int *exec_fd, uint8_t cdhash[32], const signet_policy *policy, const char *path,
	signet_error **err) __attribute__((warn_unused_result));

typedef struct sg_spawned {
	pid_t pid;
	int pidfd;   /* the child's */
	int sock;    /* our end of the connection */
	int report;  /* read end of the sandbox report pipe (nonblocking) */
} sg_spawned;

/* Starts the helper from `exec_fd` (stays the caller's). SIGNET_E_IO, SIGNET_E_NOMEM. */
int sg_helper_spawn(sg_spawned *out, int exec_fd, const char *path, signet_error **err)
	__attribute__((warn_unused_result));

#endif /* SIGNET_ISOLATION_SPAWN_H */
