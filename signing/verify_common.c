/* SPDX-License-Identifier: MIT */
/*
 * verify_common.c - trust, requirement, --at, operands (files and bundles),
 * processes and identities (text and JSON) for the CLI.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bundle/report_json.h"
#include "cli/cli.h"
#include "codesign/identity_internal.h"
#include "commands.h"
#include "core/error_internal.h"
#include "core/quote.h"
#include "requirement/requirement_internal.h"
#include "verify_common.h"

/* A bundle with no --requirement is held to what a file is: a trusted anchor (no `team = host`). */
#define SG_BUNDLE_DEFAULT_REQUIREMENT "anchor trusted"

int sg_parse_at(const char *text, long long *out, const char *verb)
{
	long long t;
	if (!cli_parse_time(text, &t))
		return cli_usage_error(verb, "--at wants " SG_AT_FORMS ", not '%s'", text);
	/*
	 * The epoch cannot be asked for: signet_verify_options reads `at` 0 as
	 * "now", and judging now while the user asked for 1970 would be a lie.
	 * 1 (1970-01-01T00:00:01Z) is as early as the library can judge.
	 */
	if (t == 0)
		return cli_usage_error(verb, "--at '%s' is the epoch, which the library reads as \"now\"; "
			"give a time from 1 (1970-01-01T00:00:01Z)", text);
	*out = t;
	return 0;
}

bool sg_is_bundle(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *sg_anchors_path(const char *given)
{
	const char *anchors = given;
	if (!anchors)
		anchors = secure_getenv("SIGNET_ANCHORS");
	if (!anchors)
		anchors = SIGNET_DEFAULT_ANCHORS;
	return anchors;
}

int sg_verify_cli_open(sg_verify_cli *cli, const char *verb)
{
	signet_error *err = NULL;
	const char *anchors = sg_anchors_path(cli->anchors);
	if (signet_trust_load(&cli->trust, anchors, &err) != 0) {
		cli_error(verb, "trust anchors: %s", signet_error_message(err));
		signet_error_free(err);
		return SIGNET_EXIT_USAGE;
	}
	if (cli->tsa_anchors && sg_trust_set_tsa(cli->trust, cli->tsa_anchors, &err) != 0) {
		cli_error(verb, "TSA anchors: %s", signet_error_message(err));
		signet_error_free(err);
		signet_trust_free(cli->trust);
		cli->trust = NULL;
		return SIGNET_EXIT_USAGE;
	}
	if (cli->requirement && signet_requirement_parse(&cli->req, cli->requirement, &err) != 0) {
		cli_error(verb, "requirement: %s", signet_error_message(err));
		signet_error_free(err);
		signet_trust_free(cli->trust);
		cli->trust = NULL;
		return SIGNET_EXIT_USAGE;
	}
	return SIGNET_EXIT_OK;
}

static int verify_file(sg_verify_cli *cli, sg_verify_result *r, const char *verb)
{
	if (signet_verify_file(&r->id, r->path, cli->trust, &cli->options, &r->err) != 0) {
		cli_error(verb, "%s", signet_error_message(r->err));
		return SIGNET_EXIT_INVALID;
	}
	if (cli->req) {
		/* A file alone has no host: `team = host` is unmet here. */
		sg_req_subject subject;
		sg_identity_subject(r->id, NULL, &subject);
		if (sg_requirement_evaluate(cli->req, &subject, &r->err) != 0) {
			cli_error(verb, "%s: requirement not met: %s", r->path, signet_error_message(r->err));
			return SIGNET_EXIT_UNMET;
		}
	}
	return SIGNET_EXIT_OK;
}

/*
 * The policy a bundle is preflighted under: the same anchors, the same
 * allow-no-team, the requirement (signet_policy_set_requirement parses it
 * again: it was already checked by sg_verify_cli_open).
 */
static int bundle_policy(sg_verify_cli *cli, const char *verb)
{
	if (cli->bundle_policy)
		return SIGNET_EXIT_OK;
	signet_error *err = NULL;
	signet_policy *p = NULL;
	if (signet_policy_new(&p, &err) != 0 || signet_policy_set_anchors(p, sg_anchors_path(cli->anchors), &err) != 0 ||
	    signet_policy_set_allow_no_team(p, cli->options.allow_no_team, &err) != 0 ||
	    (cli->tsa_anchors && signet_policy_set_tsa_anchors(p, cli->tsa_anchors, &err) != 0) ||
	    signet_policy_set_requirement(p, cli->requirement ? cli->requirement : SG_BUNDLE_DEFAULT_REQUIREMENT,
		    &err) != 0) {
		cli_error(verb, "bundle policy: %s", signet_error_message(err));
		signet_error_free(err);
		signet_policy_free(p);
		return SIGNET_EXIT_USAGE;
	}
	cli->bundle_policy = p;
	return SIGNET_EXIT_OK;
}

/*
 * A bundle, as codesign -v verifies an .app: preflight is the one routine
 * that examines a bundle before loading (bundle/examine.h), so what this
 * accepts is exactly what would load, and nothing here judges on its own.
 */
static int verify_bundle(sg_verify_cli *cli, sg_verify_result *r, const char *verb)
{
	int rc = bundle_policy(cli, verb);
	if (rc)
		return rc;
	signet_error *first = NULL;
	if (signet_preflight(&r->info, r->path, cli->bundle_policy, NULL, &first) == 0)
		return SIGNET_EXIT_OK;
	size_t n = r->info ? signet_bundle_info_reason_count(r->info) : 0;
	if (n == 0) {
		/* Nothing to report on (not a bundle, no manifest): the one reason. */
		cli_error(verb, "%s", signet_error_message(first));
		r->err = first;
		return SIGNET_EXIT_INVALID;
	}
	signet_error_free(first);
	bool only_unmet = true;
	for (size_t i = 0; i < n; i++) {
		const signet_error *e = signet_bundle_info_reason(r->info, i);
		if (signet_error_code(e) == SIGNET_E_REQUIREMENT_UNMET) {
			cli_error(verb, "%s: requirement not met: %s", r->path, signet_error_message(e));
		} else {
			cli_error(verb, "%s", signet_error_message(e));
			only_unmet = false;
		}
	}
	/* As for a file: every signature valid and only the requirement unmet is 3; anything else 1. */
	return only_unmet ? SIGNET_EXIT_UNMET : SIGNET_EXIT_INVALID;
}

int sg_verify_cli_operand(sg_verify_cli *cli, const char *path, sg_verify_result *r, const char *verb)
{
	*r = (sg_verify_result){ .path = path, .bundle = sg_is_bundle(path) };
	r->exit = r->bundle ? verify_bundle(cli, r, verb) : verify_file(cli, r, verb);
	return r->exit;
}

void sg_verify_result_clear(sg_verify_result *r)
{
	signet_identity_free(r->id);
	signet_bundle_info_free(r->info);
	signet_error_free(r->err);
	*r = (sg_verify_result){ 0 };
}

void sg_verify_cli_close(sg_verify_cli *cli)
{
	signet_trust_free(cli->trust);
	signet_requirement_free(cli->req);
	signet_policy_free(cli->bundle_policy);
	cli->trust = NULL;
	cli->req = NULL;
	cli->bundle_policy = NULL;
}

static void print_time(FILE *to, const char *key, long long t)
{
	char buf[CLI_TIME_SIZE];
	fprintf(to, "  %s: %s\n", key, cli_format_time((time_t)t, buf));
}

void sg_print_identity(FILE *to, const signet_identity *id)
{
	const char *team = signet_identity_team(id);
	fprintf(to, "  identifier: %s\n", signet_identity_identifier(id));
	fprintf(to, "  team: %s\n", team ? team : "(none)");
	fprintf(to, "  cdhash: %s\n", signet_identity_cdhash_hex(id));
	fprintf(to, "  signer: %s\n", signet_identity_leaf_subject(id));
	fprintf(to, "  serial: %s\n", signet_identity_leaf_serial(id));
	print_time(to, "not-before", signet_identity_leaf_not_before(id));
	print_time(to, "not-after", signet_identity_leaf_not_after(id));
	fprintf(to, "  anchor: %s\n", signet_identity_anchor_subject(id));
	fprintf(to, "  anchor-sha256: %s\n", signet_identity_anchor_sha256_hex(id));
	if (signet_identity_timestamp(id)) {
		print_time(to, "timestamp", signet_identity_timestamp(id));
		fprintf(to, "  timestamp-authority: %s\n", signet_identity_timestamp_authority(id));
	}
	fprintf(to, "  pages: %llu x %u bytes, code limit %llu\n",
		(unsigned long long)signet_identity_page_count(id), signet_identity_page_size(id),
		(unsigned long long)signet_identity_code_limit(id));
}

static const char *or_none(const char *s)
{
	return s ? s : "(none)";
}

void sg_print_bundle_identity(FILE *to, const signet_bundle_info *info)
{
	fprintf(to, "  bundle: %s\n", or_none(signet_bundle_info_path(info)));
	fprintf(to, "  identifier: %s\n", or_none(signet_bundle_info_signing_identifier(info)));
	fprintf(to, "  team: %s\n", or_none(signet_bundle_info_team(info)));
	fprintf(to, "  cdhash: %s\n", or_none(signet_bundle_info_cdhash_hex(info)));
	fprintf(to, "  version: %s\n", or_none(signet_bundle_info_version(info)));
	fprintf(to, "  executable: %s\n", or_none(signet_bundle_info_executable(info)));
	for (size_t i = 0; i < signet_bundle_info_library_count(info); i++)
		fprintf(to, "  library: %s\n", signet_bundle_info_library(info, i));
}

int sg_process_policy_open(signet_policy **out, const char *anchors, const char *tsa_anchors, bool allow_no_team,
	const char *verb)
{
	signet_error *err = NULL;
	signet_policy *p = NULL;
	const char *what = "trust anchors";
	int rc = signet_policy_new(&p, &err);
	if (rc == 0)
		rc = signet_policy_set_allow_no_team(p, allow_no_team, &err);
	/* TSA anchors too: a process's executable is judged by the same time rule as a file. */
	if (rc == 0 && tsa_anchors && (rc = signet_policy_set_tsa_anchors(p, tsa_anchors, &err)) != 0)
		what = "TSA anchors";
	if (rc == 0)
		rc = signet_policy_set_anchors(p, sg_anchors_path(anchors), &err);
	if (rc != 0) {
		cli_error(verb, "%s: %s", what, signet_error_message(err));
		signet_error_free(err);
		signet_policy_free(p);
		return SIGNET_EXIT_USAGE;
	}
	*out = p;
	return SIGNET_EXIT_OK;
}

int sg_parse_pid(const char *s, pid_t *out)
{
	unsigned long v;
	if (!cli_parse_ulong(s, 1, INT_MAX, &v))
		return -1;
	*out = (pid_t)v;
	return 0;
}

int sg_inspect_pid(signet_process **out, pid_t pid, const signet_policy *policy, const char *verb,
	signet_error **why)
{
	signet_error *err = NULL;
	int rc;
	/* A pidfd first: from here on the pid cannot come to mean another process. */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		int e = errno;
		/* The library's own words for it (docs/errors.md, process.pidfd), so JSON carries a code. */
		sg_fail(&err, &(sg_error_info){ .code = e == ESRCH ? SIGNET_E_PROCESS_GONE : SIGNET_E_IO,
			.check = "process.pidfd", .os_errno = e }, "pid %ld: %s", (long)pid, strerror(e));
		rc = -1;
	} else {
		rc = signet_code_for_pidfd(out, pidfd, policy, &err);
		close(pidfd);
	}
	if (rc == 0)
		return SIGNET_EXIT_OK;
	/* The library's messages name the pid; the pidfd's is made above to. */
	if (pidfd < 0)
		cli_error(verb, "%s", signet_error_message(err));
	else
		cli_error(verb, "pid %ld: %s", (long)pid, signet_error_message(err));
	if (why)
		*why = err;
	else
		signet_error_free(err);
	return SIGNET_EXIT_INVALID;
}

const char *sg_verdict_name(signet_process_verdict v)
{
	switch (v) {
	case SIGNET_PROCESS_VALID: return "valid";
	case SIGNET_PROCESS_INVALID: return "invalid";
	case SIGNET_PROCESS_UNKNOWN: return "unknown";
	}
	return "?";
}

void sg_print_process(FILE *to, const signet_process *p)
{
	const char *exe = signet_process_executable(p);
	char shown[2 * PATH_MAX];
	/* The name is whoever named the file's choice: shown quoted, never raw to a terminal. */
	sg_quote(shown, sizeof shown, exe ? exe : "(unknown)", PATH_MAX);
	fprintf(to, "  executable: %s\n", shown);
	if (signet_process_uid(p) == (uid_t)-1)
		fprintf(to, "  uid: (unknown)\n");
	else
		fprintf(to, "  uid: %lu\n", (unsigned long)signet_process_uid(p));
	if (signet_process_identity(p))
		sg_print_identity(to, signet_process_identity(p));
	else
		fprintf(to, "  identity: none\n");
}

/* ---- JSON ---- */

json_t *sg_json_text(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* jansson's *_new calls take `v` even when they fail; so do these when there is nowhere to put it. */
void sg_json_put(json_t *o, const char *key, json_t *v, bool *ok)
{
	if (!o || !v) {
		json_decref(v);
		*ok = false;
	} else if (json_object_set_new(o, key, v) != 0) {
		*ok = false;
	}
}

void sg_json_append(json_t *a, json_t *v, bool *ok)
{
	if (!a || !v) {
		json_decref(v);
		*ok = false;
	} else if (json_array_append_new(a, v) != 0) {
		*ok = false;
	}
}

json_t *sg_json_done(json_t *o, bool ok)
{
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

#define put sg_json_put
#define text_or_null sg_json_text
#define done sg_json_done

static json_t *time_json(long long t)
{
	char buf[CLI_TIME_SIZE];
	return json_string(cli_format_time((time_t)t, buf));
}

json_t *sg_identity_json(const signet_identity *id)
{
	json_t *o = json_object();
	bool ok = o != NULL;
	put(o, "identifier", json_string(signet_identity_identifier(id)), &ok);
	put(o, "team", text_or_null(signet_identity_team(id)), &ok);
	put(o, "cdhash", json_string(signet_identity_cdhash_hex(id)), &ok);
	put(o, "signer", json_string(signet_identity_leaf_subject(id)), &ok);
	put(o, "serial", json_string(signet_identity_leaf_serial(id)), &ok);
	put(o, "not_before", time_json(signet_identity_leaf_not_before(id)), &ok);
	put(o, "not_after", time_json(signet_identity_leaf_not_after(id)), &ok);
	put(o, "anchor", json_string(signet_identity_anchor_subject(id)), &ok);
	put(o, "anchor_sha256", json_string(signet_identity_anchor_sha256_hex(id)), &ok);
	/* A trusted timestamp the chain was judged at, else null (docs/signet.md). */
	long long ts = signet_identity_timestamp(id);
	put(o, "timestamp", ts ? time_json(ts) : json_null(), &ok);
	put(o, "timestamp_authority", text_or_null(signet_identity_timestamp_authority(id)), &ok);
	put(o, "page_size", json_integer(signet_identity_page_size(id)), &ok);
	put(o, "pages", json_integer((json_int_t)signet_identity_page_count(id)), &ok);
	put(o, "code_limit", json_integer((json_int_t)signet_identity_code_limit(id)), &ok);
	return done(o, ok);
}

json_t *sg_error_json(const signet_error *e)
{
	/* One schema for errors: the one preflight reports use (bundle/report_json.h). */
	return sg_error_to_json(e);
}

static const char *status_name(int exit_code)
{
	return exit_code == SIGNET_EXIT_OK ? "valid" : exit_code == SIGNET_EXIT_UNMET ? "unmet" : "invalid";
}

json_t *sg_verify_result_json(const sg_verify_result *r)
{
	json_t *o = json_object(), *errors = json_array();
	bool ok = o != NULL;
	put(o, "path", json_string(r->path), &ok);
	put(o, "kind", json_string(r->bundle ? "bundle" : "file"), &ok);
	put(o, "status", json_string(status_name(r->exit)), &ok);
	put(o, "identity", r->id ? sg_identity_json(r->id) : json_null(), &ok);
	put(o, "bundle", r->info ? sg_bundle_info_to_json(r->info) : json_null(), &ok);
	for (size_t i = 0; r->info && i < signet_bundle_info_reason_count(r->info); i++)
		sg_json_append(errors, sg_error_json(signet_bundle_info_reason(r->info, i)), &ok);
	if (r->err)
		sg_json_append(errors, sg_error_json(r->err), &ok);
	put(o, "errors", errors, &ok);
	return done(o, ok);
}

json_t *sg_process_json(pid_t pid, const signet_process *p, const signet_error *why)
{
	json_t *o = json_object(), *errors = json_array();
	bool ok = o != NULL;
	put(o, "pid", json_integer(pid), &ok);
	put(o, "kind", json_string("process"), &ok);
	put(o, "verdict", p ? json_string(sg_verdict_name(signet_process_get_verdict(p))) : json_null(), &ok);
	put(o, "executable", text_or_null(p ? signet_process_executable(p) : NULL), &ok);
	put(o, "uid", p && signet_process_uid(p) != (uid_t)-1 ? json_integer(signet_process_uid(p)) : json_null(),
		&ok);
	put(o, "identity", p && signet_process_identity(p) ? sg_identity_json(signet_process_identity(p))
							   : json_null(), &ok);
	for (size_t i = 0; p && i < signet_process_problem_count(p); i++)
		sg_json_append(errors, sg_error_json(signet_process_problem(p, i)), &ok);
	if (p && signet_process_unknown_reason(p))
		sg_json_append(errors, sg_error_json(signet_process_unknown_reason(p)), &ok);
	if (why)
		sg_json_append(errors, sg_error_json(why), &ok);
	put(o, "errors", errors, &ok);
	return done(o, ok);
}

json_t *sg_json_document(const char *verb, int exit_code, json_t *results)
{
	json_t *o = json_object();
	bool ok = o != NULL;
	put(o, "command", json_string(verb), &ok);
	put(o, "exit", json_integer(exit_code), &ok);
	put(o, "results", results, &ok);
	return done(o, ok);
}
