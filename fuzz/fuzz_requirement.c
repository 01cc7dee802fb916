/* SPDX-License-Identifier: MIT */
/*
 * fuzz_requirement.c - libFuzzer target for the requirement language.
 *
 * Any bytes: parse (length-aware and through the public C-string entry),
 * and for what parses, check that the canonical form parses back to the
 * same canonical form, and that the original and the reparsed requirement
 * give the same verdict and explanation against two identities (one rich,
 * one empty): formatting must not change the meaning. Aborts on a broken
 * invariant so the fuzzer reports it.
 * Also built with fuzz/replay_main.c to replay the seed corpus under
 * `make check` (see fuzz/README.md).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "requirement/requirement_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t hash_a[SG_REQ_HASH_LEN] = { 0 };
static const uint8_t hash_b[SG_REQ_HASH_LEN] = { 1, 2, 3 };

static const char *field(void *ctx, int index, const char *name)
{
	(void)ctx;
	if (index == 0 && strcmp(name, "subject.CN") == 0)
		return "Jane Doe";
	if (index == SG_REQ_CERT_ROOT)
		return name; /* whatever was asked, echoed */
	return NULL;
}

static const char *manifest(void *ctx, const char *key)
{
	(void)ctx;
	if (strcmp(key, "version") == 0)
		return "1.10.0";
	if (strcmp(key, "odd") == 0)
		return "\x1b[31m\xff\"\\";
	return key[0] == 'x' ? key : NULL;
}

static bool entitlement(void *ctx, const char *key)
{
	(void)ctx;
	return strlen(key) % 2 == 0;
}

static void die(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "fuzz_requirement: %s\n  [%s]\n  [%s]\n", what, a ? a : "(null)", b ? b : "(null)");
	abort();
}

#define NSUBJECTS 2

/* Verdict and explanation for each subject, as "<code>:<message>"; caller frees. */
static void evaluate(const signet_requirement *req, char *out[NSUBJECTS])
{
	static const sg_req_subject subjects[NSUBJECTS] = {
		{ .identifier = "com.example.hello", .team = "ABCDE12345", .cdhash = hash_a,
		  .anchor_trusted = true, .anchor_sha256 = hash_b, .host_team = "ABCDE12345",
		  .certificate_field = field, .manifest_value = manifest, .has_entitlement = entitlement },
		{ .identifier = NULL },
	};
	for (size_t i = 0; i < NSUBJECTS; i++) {
		signet_error *err = NULL;
		int rc = sg_requirement_evaluate(req, &subjects[i], &err);
		if (rc != 0 && rc != SIGNET_E_REQUIREMENT_UNMET && rc != SIGNET_E_NOMEM)
			die("evaluation failed with an unexpected code", signet_code_name(rc), signet_error_message(err));
		if (rc == SIGNET_E_REQUIREMENT_UNMET && strlen(signet_error_message(err)) > 4096)
			die("explanation not capped", signet_error_message(err), NULL);
		if (asprintf(&out[i], "%d:%s", rc, rc ? signet_error_message(err) : "") < 0)
			out[i] = NULL;
		signet_error_free(err);
	}
}

static void free_verdicts(char *v[NSUBJECTS])
{
	for (size_t i = 0; i < NSUBJECTS; i++)
		free(v[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	signet_requirement *req = NULL;
	signet_error *err = NULL;
	/* The exact buffer, no NUL after it: any over-read is ASan's to catch. */
	int rc = sg_requirement_parse_buffer(&req, (const char *)data, size, &err);
	if (rc != 0) {
		if (rc != SIGNET_E_REQUIREMENT_SYNTAX && rc != SIGNET_E_LIMIT && rc != SIGNET_E_NOMEM)
			die("parse failed with an unexpected code", signet_code_name(rc), signet_error_message(err));
		if (rc == SIGNET_E_REQUIREMENT_SYNTAX &&
		    (signet_error_column(err) < 1 || (size_t)signet_error_column(err) > size + 1))
			die("syntax error column out of range", signet_error_message(err), NULL);
		signet_error_free(err);
		if (req)
			die("output set on failure", NULL, NULL);
	} else {
		char *once = signet_requirement_format(req);
		if (!once)
			die("format failed", NULL, NULL);
		signet_requirement *again = NULL;
		rc = signet_requirement_parse(&again, once, &err);
		if (rc == SIGNET_E_LIMIT && strlen(once) > SIGNET_REQUIREMENT_MAX_LENGTH) {
			/* Canonical spacing can lengthen a text right at the limit. */
			signet_error_free(err);
			char *a[NSUBJECTS];
			evaluate(req, a);
			free_verdicts(a);
		} else if (rc != 0) {
			die("canonical form does not parse", once, signet_error_message(err));
		} else {
			char *twice = signet_requirement_format(again);
			if (!twice || strcmp(once, twice) != 0)
				die("canonical form is not stable", once, twice);
			free(twice);
			char *a[NSUBJECTS], *b[NSUBJECTS];
			evaluate(req, a);
			evaluate(again, b);
			for (size_t i = 0; i < NSUBJECTS; i++)
				if (a[i] && b[i] && strcmp(a[i], b[i]) != 0)
					die("the canonical form means something else", a[i], b[i]);
			free_verdicts(a);
			free_verdicts(b);
			signet_requirement_free(again);
		}
		free(once);
		signet_requirement_free(req);
	}

	/* The public entry point sees a C string: cut at the first NUL. */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	req = NULL;
	rc = signet_requirement_parse(&req, text, NULL);
	if ((rc == 0) != (req != NULL))
		die("public parse: result and output disagree", text, NULL);
	signet_requirement_free(req);
	free(text);
	return 0;
}
