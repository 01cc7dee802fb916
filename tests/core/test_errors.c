/* SPDX-License-Identifier: MIT */
/*
 * test_errors.c - the error codes: the enum in include/signet/error.h, the
 * library's string table and docs/errors.md must agree exactly (after curl's
 * test that keeps its error list honest), and the error object behaves.
 */
#include "config.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

typedef struct code_entry {
	char name[64];
	long value;
} code_entry;

/* Collects "NAME ... VALUE" pairs from `path` with a two-group regex. */
static size_t collect(const char *path, const char *pattern, code_entry *out, size_t max)
{
	FILE *f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	regex_t re;
	CU_ASSERT_EQUAL_FATAL(regcomp(&re, pattern, REG_EXTENDED), 0);
	char line[1024];
	size_t n = 0;
	while (fgets(line, sizeof line, f) && n < max) {
		regmatch_t m[3];
		if (regexec(&re, line, 3, m, 0) != 0)
			continue;
		int len = (int)(m[1].rm_eo - m[1].rm_so);
		snprintf(out[n].name, sizeof out[n].name, "%.*s", len, line + m[1].rm_so);
		out[n].value = strtol(line + m[2].rm_so, NULL, 10);
		n++;
	}
	regfree(&re);
	fclose(f);
	return n;
}

static code_entry header[256], doc[256];
static size_t nheader, ndoc;

static void load_lists(void)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/include/signet/error.h", sg_srcdir());
	nheader = collect(path, "^[[:space:]]+(SIGNET_[A-Z0-9_]+) = (-?[0-9]+)", header, 256);
	snprintf(path, sizeof path, "%s/docs/errors.md", sg_srcdir());
	ndoc = collect(path, "^\\| `(SIGNET_[A-Z0-9_]+)` \\| (-?[0-9]+) \\|", doc, 256);
}

static void test_header_codes_match_library_table(void)
{
	load_lists();
	CU_ASSERT_FATAL(nheader >= 10);
	for (size_t i = 0; i < nheader; i++) {
		const char *name = signet_code_name((int)header[i].value);
		CU_ASSERT_PTR_NOT_NULL(name);
		if (name && strcmp(name, header[i].name) != 0) {
			fprintf(stderr, "  %s = %ld but the library calls %ld %s\n", header[i].name,
				header[i].value, header[i].value, name);
			CU_FAIL("enum and string table disagree");
		}
		CU_ASSERT_STRING_NOT_EQUAL(signet_code_description((int)header[i].value), "unknown error code");
	}
	/* And nothing in the library's table that the header lacks. */
	size_t in_table = 0;
	for (int v = -1000; v <= 0; v++)
		in_table += signet_code_name(v) != NULL;
	CU_ASSERT_EQUAL(in_table, nheader);
}

static void test_docs_list_exactly_the_header_codes(void)
{
	load_lists();
	CU_ASSERT_EQUAL(ndoc, nheader);
	for (size_t i = 0; i < nheader; i++) {
		bool found = false;
		for (size_t j = 0; j < ndoc; j++)
			if (strcmp(doc[j].name, header[i].name) == 0) {
				found = true;
				if (doc[j].value != header[i].value) {
					fprintf(stderr, "  docs say %s = %ld, header says %ld\n",
						doc[j].name, doc[j].value, header[i].value);
					CU_FAIL("docs/errors.md gives another value");
				}
			}
		if (!found) {
			fprintf(stderr, "  %s is missing from docs/errors.md\n", header[i].name);
			CU_FAIL("undocumented code");
		}
	}
}

static void test_unknown_code(void)
{
	CU_ASSERT_PTR_NULL(signet_code_name(-999));
	CU_ASSERT_PTR_NULL(signet_code_name(7));
	CU_ASSERT_STRING_EQUAL(signet_code_description(-999), "unknown error code");
}

static void test_error_object_carries_path_and_check(void)
{
	/* A real failure from the loader: a missing file. */
	signet_error *err = NULL;
	signet_image *img = NULL;
	const char *path = "/nonexistent/dir/libnothing.so";
	CU_ASSERT_EQUAL(signet_load(&img, path, sg_test_policy(), &err), SIGNET_E_IO);
	CU_ASSERT_PTR_NULL(img);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_EQUAL(signet_error_code(err), SIGNET_E_IO);
	CU_ASSERT_STRING_EQUAL(signet_error_path(err), path);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "load.open");
	CU_ASSERT_EQUAL(signet_error_os_errno(err), ENOENT);
	CU_ASSERT(strncmp(signet_error_message(err), path, strlen(path)) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(err), "No such file"));
	CU_ASSERT_PTR_NULL(signet_error_cause(err));
	signet_error_free(err);
	signet_error_free(NULL);
}

static void test_null_err_is_allowed(void)
{
	signet_image *img = NULL;
	CU_ASSERT_EQUAL(signet_load(&img, "/nonexistent/x.so", sg_test_policy(), NULL), SIGNET_E_IO);
	CU_ASSERT_EQUAL(signet_load(NULL, "/x.so", sg_test_policy(), NULL), SIGNET_E_INVALID_ARGUMENT);
	CU_ASSERT_EQUAL(signet_error_code(NULL), SIGNET_E_INVALID_ARGUMENT);
}

int main(void)
{
	static const sg_test tests[] = {
		{ "header codes match the library's table", test_header_codes_match_library_table },
		{ "docs/errors.md lists exactly the header's codes", test_docs_list_exactly_the_header_codes },
		{ "unknown codes have no name", test_unknown_code },
		{ "error object carries path, check, errno", test_error_object_carries_path_and_check },
		{ "NULL error pointer is allowed", test_null_err_is_allowed },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "errors", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
