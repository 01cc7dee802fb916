/* SPDX-License-Identifier: MIT */
/*
 * verify_common.h - what `signet verify` and `signet req check` share:
 * finding the trust anchors, parsing a requirement, verifying one file and
 * printing an identity.
 */
#ifndef SIGNET_VERIFY_COMMON_H
#define SIGNET_VERIFY_COMMON_H

#include <stdio.h>

#include <signet/signet.h>
#include <signet/requirement.h>

#define SIGNET_DEFAULT_ANCHORS "/etc/signet/anchors"

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

#endif /* SIGNET_VERIFY_COMMON_H */
