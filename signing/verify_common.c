/* SPDX-License-Identifier: MIT */
/* verify_common.c - trust, requirement and identity handling for the CLI. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "codesign/identity_internal.h"
#include "commands.h"
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

int sg_verify_cli_open(sg_verify_cli *cli, const char *prog)
{
	signet_error *err = NULL;
	const char *anchors = cli->anchors;
	if (!anchors)
		anchors = secure_getenv("SIGNET_ANCHORS");
	if (!anchors)
		anchors = SIGNET_DEFAULT_ANCHORS;
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
