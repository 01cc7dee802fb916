/* SPDX-License-Identifier: MIT */
/*
 * verify_common.h - what `signet verify`, `signet display` and `signet req
 * check` share: finding the trust anchors, parsing a requirement, verifying
 * one file, inspecting a process and printing an identity.
 */
#ifndef SIGNET_VERIFY_COMMON_H
#define SIGNET_VERIFY_COMMON_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include <signet/signet.h>
#include <signet/requirement.h>

#define SIGNET_DEFAULT_ANCHORS SIGNET_CONFDIR "/anchors" /* $(sysconfdir)/signet */

typedef struct sg_verify_cli {
	const char *anchors;      /* NULL: $SIGNET_ANCHORS, else the default */
	const char *requirement;  /* NULL: none */
	signet_verify_options options;
	signet_trust *trust;
	signet_requirement *req;
} sg_verify_cli;

/* Unix seconds ("1700000000"); 0 on success. */
int sg_parse_time(const char *s, long long *out);

/* Loads anchors and parses the requirement; returns an exit code (0 ok). */
int sg_verify_cli_open(sg_verify_cli *cli, const char *prog);

/*
 * Verifies `path` and checks the requirement. Returns SIGNET_EXIT_OK (and
 * the identity in *out), SIGNET_EXIT_INVALID or SIGNET_EXIT_UNMET, having
 * printed the reason to stderr as "PROG: MESSAGE".
 */
int sg_verify_cli_file(sg_verify_cli *cli, const char *path, signet_identity **out, const char *prog);

void sg_verify_cli_close(sg_verify_cli *cli);

/* The identity, one "  key: value" line each. */
void sg_print_identity(FILE *to, const signet_identity *id);

/* The anchors to use: `given`, else $SIGNET_ANCHORS, else the default. */
const char *sg_anchors_path(const char *given);

/*
 * A policy for inspecting processes: the anchors (as sg_anchors_path()),
 * allow_no_team as asked, the default platform directories. Returns an exit
 * code (SIGNET_EXIT_USAGE for unreadable anchors), having said why.
 */
int sg_process_policy_open(signet_policy **out, const char *anchors, bool allow_no_team, const char *prog);

/* A pid operand: a decimal number from 1 to INT_MAX. */
int sg_parse_pid(const char *s, pid_t *out);

/*
 * Opens a pidfd for `pid` and inspects it (signet_code_for_pidfd()).
 * Returns SIGNET_EXIT_OK and the process, or SIGNET_EXIT_INVALID having
 * printed "PROG: pid N: MESSAGE" (no such process, it exited).
 */
int sg_inspect_pid(signet_process **out, pid_t pid, const signet_policy *policy, const char *prog);

/* "  executable: ...", "  uid: ...", then the identity's lines (or "  identity: none"). */
void sg_print_process(FILE *to, const signet_process *p);

/* "valid", "invalid", "unknown". */
const char *sg_verdict_name(signet_process_verdict v);

#endif /* SIGNET_VERIFY_COMMON_H */
