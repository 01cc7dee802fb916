/* SPDX-License-Identifier: MIT */
/* verify_common.c - trust, requirement and identity handling for the CLI. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "codesign/identity_internal.h"
#include "commands.h"
#include "core/quote.h"
#include "requirement/requirement_internal.h"
#include "verify_common.h"

int sg_parse_time(const char *s, long long *out)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || !*s || *end || v <= 0)
		return -1;
	*out = v;
	return 0;
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

int sg_verify_cli_open(sg_verify_cli *cli, const char *prog)
{
	signet_error *err = NULL;
	const char *anchors = sg_anchors_path(cli->anchors);
	if (signet_trust_load(&cli->trust, anchors, &err) != 0) {
		fprintf(stderr, "%s: trust anchors: %s\n", prog, signet_error_message(err));
		signet_error_free(err);
		return SIGNET_EXIT_USAGE;
	}
	if (cli->requirement && signet_requirement_parse(&cli->req, cli->requirement, &err) != 0) {
		fprintf(stderr, "%s: requirement: %s\n", prog, signet_error_message(err));
		signet_error_free(err);
		signet_trust_free(cli->trust);
		cli->trust = NULL;
		return SIGNET_EXIT_USAGE;
	}
	return SIGNET_EXIT_OK;
}

int sg_verify_cli_file(sg_verify_cli *cli, const char *path, signet_identity **out, const char *prog)
{
	signet_error *err = NULL;
	signet_identity *id = NULL;
	if (signet_verify_file(&id, path, cli->trust, &cli->options, &err) != 0) {
		fprintf(stderr, "%s: %s\n", prog, signet_error_message(err));
		signet_error_free(err);
		return SIGNET_EXIT_INVALID;
	}
	if (cli->req) {
		/* A file alone has no host: `team = host` is unmet here. */
		sg_req_subject subject;
		sg_identity_subject(id, NULL, &subject);
		if (sg_requirement_evaluate(cli->req, &subject, &err) != 0) {
			fprintf(stderr, "%s: %s: requirement not met: %s\n", prog, path, signet_error_message(err));
			signet_error_free(err);
			*out = id;
			return SIGNET_EXIT_UNMET;
		}
	}
	*out = id;
	return SIGNET_EXIT_OK;
}

void sg_verify_cli_close(sg_verify_cli *cli)
{
	signet_trust_free(cli->trust);
	signet_requirement_free(cli->req);
	cli->trust = NULL;
	cli->req = NULL;
}

static void print_time(FILE *to, const char *key, long long t)
{
	char buf[64];
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) && strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
		fprintf(to, "  %s: %s\n", key, buf);
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
	fprintf(to, "  pages: %llu x %u bytes, code limit %llu\n",
		(unsigned long long)signet_identity_page_count(id), signet_identity_page_size(id),
		(unsigned long long)signet_identity_code_limit(id));
}

int sg_process_policy_open(signet_policy **out, const char *anchors, bool allow_no_team, const char *prog)
{
	signet_error *err = NULL;
	signet_policy *p = NULL;
	if (signet_policy_new(&p, &err) != 0 || signet_policy_set_allow_no_team(p, allow_no_team, &err) != 0 ||
	    signet_policy_set_anchors(p, sg_anchors_path(anchors), &err) != 0) {
		fprintf(stderr, "%s: trust anchors: %s\n", prog, signet_error_message(err));
		signet_error_free(err);
		signet_policy_free(p);
		return SIGNET_EXIT_USAGE;
	}
	*out = p;
	return SIGNET_EXIT_OK;
}

int sg_parse_pid(const char *s, pid_t *out)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || !*s || *end || v <= 0 || v > INT_MAX)
		return -1;
	*out = (pid_t)v;
	return 0;
}

int sg_inspect_pid(signet_process **out, pid_t pid, const signet_policy *policy, const char *prog)
{
	/* A pidfd first: from here on the pid cannot come to mean another process. */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		fprintf(stderr, "%s: pid %ld: %s\n", prog, (long)pid, strerror(errno));
		return SIGNET_EXIT_INVALID;
	}
	signet_error *err = NULL;
	int rc = signet_code_for_pidfd(out, pidfd, policy, &err);
	close(pidfd);
	if (rc) {
		fprintf(stderr, "%s: pid %ld: %s\n", prog, (long)pid, signet_error_message(err));
		signet_error_free(err);
		return SIGNET_EXIT_INVALID;
	}
	return SIGNET_EXIT_OK;
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
