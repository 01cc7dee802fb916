/* SPDX-License-Identifier: MIT */
/* cmd_req.c - `signet req`: parse requirements and check files against them. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signet/signet.h>
#include <signet/requirement.h>

#include "cli/cli.h"
#include "commands.h"
#include "core/file.h"
#include "verify_common.h"

/* The caret line under an error is drawn only for short one-line ASCII text. */
#define CARET_MAX 160

static const char req_usage[] =
	"Usage: signet req parse [-f FILE | EXPR]\n"
	"       signet req check EXPR FILE\n"
	"\n"
	"Work with requirements, the small language that says which identity code\n"
	"must have (docs/requirements.md):\n"
	"  anchor trusted and team \"ABCDE12345\" and manifest[version] >= \"1.2\"\n"
	"\n"
	"  parse  check the syntax and print the canonical form\n"
	"  check  evaluate a requirement against a signed file\n"
	"\n"
	"'signet req parse --help' and 'signet req check --help' say more.\n"
	"Exit codes: 0 valid, 1 invalid requirement, 2 usage error, 3 requirement not met.\n";

static const char parse_usage[] =
	"Usage: signet req parse EXPR\n"
	"       signet req parse -f FILE\n"
	"\n"
	"Parses a requirement and prints its canonical form on one line. On a\n"
	"syntax error prints the column and what was expected, and exits 1.\n"
	"\n"
	"  -f, --file FILE  read the requirement from FILE ('-' for standard input)\n"
	"  -h, --help       this text\n"
	"\n"
	"Exit codes: 0 valid, 1 invalid (syntax or a limit), 2 usage error.\n";

static const char check_usage[] =
	"Usage: signet req check [--anchors FILE|DIR] [--at TIME] EXPR FILE|BUNDLE...\n"
	"\n"
	"Verifies each FILE's signature (a directory: as a bundle, as `signet\n"
	"verify` does) and evaluates the requirement EXPR against its identity,\n"
	"explaining which clause failed. `team = host` never holds here: a file on\n"
	"its own has no host.\n"
	"\n"
	"  --anchors PATH  trust anchors (default: $SIGNET_ANCHORS, else " SIGNET_DEFAULT_ANCHORS ")\n"
	"  --at TIME       check certificate validity at TIME instead of now (files only):\n"
	"                  " SG_AT_FORMS "\n"
	"  -h, --help      this text\n"
	"\n"
	"Exit codes: 0 satisfied, 1 invalid signature, 2 usage error (including a\n"
	"requirement that does not parse), 3 requirement not met.\n";

/* Whole text from stdin; one byte past the limit is enough to refuse it. */
static uint8_t *read_stdin(size_t *len)
{
	size_t cap = SIGNET_REQUIREMENT_MAX_LENGTH + 2;
	uint8_t *buf = malloc(cap);
	size_t n = buf ? fread(buf, 1, cap - 1, stdin) : 0;
	if (!buf || ferror(stdin)) {
		cli_error("req parse", "-: cannot read");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * A requirement file, read as every file Signet reads (core/file.h): a
 * FIFO or a device is refused, not waited on; the size comes first.
 */
static char *read_requirement(const char *path)
{
	uint8_t *bytes = NULL;
	size_t n = 0;
	signet_error *err = NULL;
	if (strcmp(path, "-") == 0) {
		if (!(bytes = read_stdin(&n)))
			return NULL;
	} else if (sg_file_read(&bytes, &n, path, SIGNET_REQUIREMENT_MAX_LENGTH, "req.file", &err) != 0) {
		cli_error("req parse", "%s", signet_error_message(err));
		signet_error_free(err);
		return NULL;
	}
	if (memchr(bytes, '\0', n)) {
		/* The library takes a C string: a NUL would silently cut the text. */
		cli_error("req parse", "%s: contains a NUL byte", path);
		free(bytes);
		return NULL;
	}
	return (char *)bytes;
}

static bool caret_fits(const char *text)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++, n++)
		if (*p < 0x20 || *p >= 0x7f || n >= CARET_MAX)
			return false;
	return true;
}

static int req_parse(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': file = optarg; break;
		case 'h': fputs(parse_usage, stdout); return SIGNET_EXIT_OK;
		default: return cli_option_error("req parse", c, argv, opts);
		}
	}
	int left = argc - optind;
	if (file ? left != 0 : left != 1)
		return cli_usage_error("req parse", "%s", file ? "give either -f FILE or EXPR, not both"
							       : "give one requirement EXPR (quote it)");

	char *owned = file ? read_requirement(file) : NULL;
	if (file && !owned)
		return SIGNET_EXIT_INVALID;
	const char *text = file ? owned : argv[optind];

	signet_requirement *req = NULL;
	signet_error *err = NULL;
	int rc = signet_requirement_parse(&req, text, &err);
	if (rc != 0) {
		cli_error("req parse", "%s", signet_error_message(err));
		long long column = signet_error_column(err);
		if (column > 0 && caret_fits(text))
			fprintf(stderr, "  %s\n  %*s^\n", text, (int)(column - 1), "");
		signet_error_free(err);
		free(owned);
		return SIGNET_EXIT_INVALID;
	}
	char *canonical = signet_requirement_format(req);
	signet_requirement_free(req);
	free(owned);
	if (!canonical) {
		cli_error("req parse", "out of memory");
		return SIGNET_EXIT_INVALID;
	}
	puts(canonical);
	free(canonical);
	return fflush(stdout) == 0 ? SIGNET_EXIT_OK : SIGNET_EXIT_INVALID;
}

static int req_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "anchors", required_argument, NULL, 'a' },
		{ "at", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	sg_verify_cli cli = { .options = SIGNET_VERIFY_OPTIONS_INIT };
	int c, rc;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:a:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': cli.anchors = optarg; break;
		case 't':
			if ((rc = sg_parse_at(optarg, &cli.options.at, "req check")) != 0)
				return rc;
			break;
		case 'h': fputs(check_usage, stdout); return SIGNET_EXIT_OK;
		default: return cli_option_error("req check", c, argv, opts);
		}
	}
	if (argc - optind < 2)
		return cli_usage_error("req check", "give a requirement EXPR and at least one FILE");
	for (int i = optind + 1; i < argc && cli.options.at; i++)
		if (sg_is_bundle(argv[i]))
			return cli_usage_error("req check", "--at does not go with a bundle (%s): a bundle is judged now",
				argv[i]);
	cli.requirement = argv[optind];
	if ((rc = sg_verify_cli_open(&cli, "req check")) != 0)
		return rc;
	int worst = SIGNET_EXIT_OK;
	for (int i = optind + 1; i < argc; i++) {
		sg_verify_result r;
		int got = sg_verify_cli_operand(&cli, argv[i], &r, "req check");
		sg_verify_result_clear(&r);
		if (got == SIGNET_EXIT_USAGE) {
			sg_verify_cli_close(&cli);
			return got;
		}
		if (got == SIGNET_EXIT_OK)
			printf("%s: satisfies the requirement\n", argv[i]);
		if (got == SIGNET_EXIT_INVALID || (got == SIGNET_EXIT_UNMET && worst == SIGNET_EXIT_OK))
			worst = got;
	}
	sg_verify_cli_close(&cli);
	return worst;
}

int cmd_req(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("req", "what should I do? (parse or check)");
	const char *sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		fputs(req_usage, stdout);
		return SIGNET_EXIT_OK;
	}
	if (strcmp(sub, "parse") == 0)
		return req_parse(argc - 1, argv + 1);
	if (strcmp(sub, "check") == 0)
		return req_check(argc - 1, argv + 1);
	return cli_usage_error("req", "unknown subcommand '%s'", sub);
}
