/* SPDX-License-Identifier: MIT */
/*
 * verify_common.h - what `signet verify`, `signet display` and `signet req
 * check` share: finding the trust anchors, parsing a requirement and
 * `--at`, verifying one operand (a file, or a bundle directory through
 * signet_preflight()), inspecting a process, and showing an identity as
 * text or JSON.
 *
 * Messages go to stderr in cli/cli.h's style, "signet: VERB: MESSAGE",
 * where VERB is the `verb` argument ("verify", "req check").
 *
 * Ownership: a sg_verify_cli and a sg_verify_result belong to the caller
 * (sg_verify_cli_close, sg_verify_result_clear). Thread-safety: none; the
 * tool is single-threaded (the library hashes pages on its own threads).
 */
#ifndef SIGNET_VERIFY_COMMON_H
#define SIGNET_VERIFY_COMMON_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include <signet/bundle.h>
#include <signet/signet.h>
#include <signet/requirement.h>

#define SIGNET_DEFAULT_ANCHORS SIGNET_CONFDIR "/anchors" /* $(sysconfdir)/signet */

/* What --at accepts, for --help texts and messages. */
#define SG_AT_FORMS "Unix seconds from 1, or an ISO 8601 UTC time like 2026-12-07T04:03:50Z"

typedef struct sg_verify_cli {
	const char *anchors;      /* NULL: $SIGNET_ANCHORS, else the default */
	const char *tsa_anchors;  /* NULL: timestamps are not used */
	const char *requirement;  /* NULL: none */
	signet_verify_options options;
	signet_trust *trust;
	signet_requirement *req;
	signet_policy *bundle_policy; /* made at the first bundle operand */
} sg_verify_cli;

/*
 * --at's value into *out (cli_parse_time). 0 (the epoch, in either form) is
 * refused: signet_verify_options reads `at` 0 as "now", so the library
 * cannot judge at the epoch, and silently judging now would lie. Returns
 * 0, or the usage error's exit code having said why, naming the value.
 */
int sg_parse_at(const char *text, long long *out, const char *verb);

/* True when `path` names a directory (a bundle operand), following symlinks as codesign does. */
bool sg_is_bundle(const char *path);

/* Loads anchors and parses the requirement; returns an exit code (0 ok). */
int sg_verify_cli_open(sg_verify_cli *cli, const char *verb);

/* One operand's outcome. */
typedef struct sg_verify_result {
	const char *path;          /* as given */
	bool bundle;               /* a bundle directory, verified by signet_preflight() */
	int exit;                  /* SIGNET_EXIT_OK, _INVALID or _UNMET */
	signet_identity *id;       /* a file that verified */
	signet_bundle_info *info;  /* a bundle's report (NULL when it could not be examined at all) */
	signet_error *err;         /* a file's refusal or unmet requirement; a bundle's that the report lacks */
} sg_verify_result;

/*
 * Verifies `path` and checks the requirement: a file with
 * signet_verify_file(); a directory as a bundle with signet_preflight()
 * under the anchors, --allow-no-team and the requirement (else "anchor
 * trusted"): manifest, layout, the executable's signature, the seals,
 * every bundled library, the dependency closure, the principal class. A
 * bundle whose only reasons are unmet requirements is valid but unmet.
 * Each reason goes to stderr as "signet: VERB: MESSAGE". Returns r->exit.
 */
int sg_verify_cli_operand(sg_verify_cli *cli, const char *path, sg_verify_result *r, const char *verb);
void sg_verify_result_clear(sg_verify_result *r);

void sg_verify_cli_close(sg_verify_cli *cli);

/* The identity, one "  key: value" line each. */
void sg_print_identity(FILE *to, const signet_identity *id);

/* A bundle's identity from its report, as sg_print_identity's lines. */
void sg_print_bundle_identity(FILE *to, const signet_bundle_info *info);

/* The anchors to use: `given`, else $SIGNET_ANCHORS, else the default. */
const char *sg_anchors_path(const char *given);

/*
 * A policy for inspecting processes: the anchors (as sg_anchors_path()),
 * the TSA anchors when given (NULL: none), allow_no_team as asked, the
 * default platform directories. Returns an exit
 * code (SIGNET_EXIT_USAGE for unreadable anchors), having said why.
 */
int sg_process_policy_open(signet_policy **out, const char *anchors, const char *tsa_anchors, bool allow_no_team,
	const char *verb);

/* A pid operand: a decimal number from 1 to INT_MAX. */
int sg_parse_pid(const char *s, pid_t *out);

/*
 * Opens a pidfd for `pid` and inspects it (signet_code_for_pidfd()).
 * Returns SIGNET_EXIT_OK and the process, or SIGNET_EXIT_INVALID having
 * printed "signet: VERB: pid N: MESSAGE" (no such process, it exited).
 * `*why` (may be NULL) receives that reason.
 */
int sg_inspect_pid(signet_process **out, pid_t pid, const signet_policy *policy, const char *verb,
	signet_error **why);

/* "  executable: ...", "  uid: ...", then the identity's lines (or "  identity: none"). */
void sg_print_process(FILE *to, const signet_process *p);

/* "valid", "invalid", "unknown". */
const char *sg_verdict_name(signet_process_verdict v);

/* ---- JSON (docs/signet.md, "JSON output") ---- */

/*
 * Building objects: each call takes ownership of `v` (NULL included) and
 * clears *ok when it could not be added (or `o`/`a` is NULL); sg_json_done
 * returns `o`, or frees it and returns NULL when !ok. A NULL string is null.
 */
void sg_json_put(json_t *o, const char *key, json_t *v, bool *ok);
void sg_json_append(json_t *a, json_t *v, bool *ok);
json_t *sg_json_done(json_t *o, bool ok);
json_t *sg_json_text(const char *s);

/* An identity object; NULL when out of memory. */
json_t *sg_identity_json(const signet_identity *id);

/* An error object (code name, message, check, ...: docs/bundle-format.md's error schema). */
json_t *sg_error_json(const signet_error *e);

/* A verify result object. */
json_t *sg_verify_result_json(const sg_verify_result *r);

/* A process object: pid, verdict, executable, uid, identity, errors (`why`: it could not be inspected). */
json_t *sg_process_json(pid_t pid, const signet_process *p, const signet_error *why);

/* {"command": VERB, "exit": CODE, "results": RESULTS}; takes `results`. */
json_t *sg_json_document(const char *verb, int exit_code, json_t *results);

#endif /* SIGNET_VERIFY_COMMON_H */
