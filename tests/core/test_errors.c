/* SPDX-License-Identifier: MIT */
/*
 * test_errors.c - the error codes (one list, SIGNET_ERROR_CODES: unique
 * values and names, the fatal ones) and the error object. That
 * docs/errors.md matches the list is test_errors_doc.sh.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Every code of the one list: a unique value, a unique name that is its own spelling. */
static void test_codes_are_unique_and_named(void)
{
	static const struct { int value; const char *name; } list[] = {
#define ENTRY(name, value, fatal, description, meaning) { value, #name },
		SIGNET_ERROR_CODES(ENTRY)
#undef ENTRY
	};
	size_t n = sizeof list / sizeof list[0];
	CU_ASSERT_FATAL(n >= 50);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_STRING_EQUAL(signet_code_name(list[i].value), list[i].name);
		CU_ASSERT_STRING_NOT_EQUAL(signet_code_description(list[i].value), "unknown error code");
		CU_ASSERT(list[i].value <= 0);
		for (size_t j = i + 1; j < n; j++) {
			CU_ASSERT_NOT_EQUAL(list[i].value, list[j].value);
			CU_ASSERT_STRING_NOT_EQUAL(list[i].name, list[j].name);
		}
	}
	/* And the library knows no code the list lacks. */
	size_t known = 0;
	for (int v = -1000; v <= 0; v++)
		known += signet_code_name(v) != NULL;
	CU_ASSERT_EQUAL(known, n);
}

/* Fatal: malformed, modified after signing, forged; never what a policy decides. */
static void test_fatal_codes(void)
{
	static const int fatal[] = { SIGNET_E_NOT_ELF, SIGNET_E_ELF_MALFORMED, SIGNET_E_SIGNATURE_MALFORMED,
		SIGNET_E_SIGNATURE_NOT_LAST, SIGNET_E_SIGNATURE_DUPLICATE, SIGNET_E_PAGE_MISMATCH,
		SIGNET_E_CMS_MISMATCH, SIGNET_E_SEAL_MISMATCH };
	size_t nfatal = 0;
	for (int v = -1000; v <= 0; v++)
		nfatal += signet_code_is_fatal(v) != 0;
	CU_ASSERT_EQUAL(nfatal, sizeof fatal / sizeof fatal[0]);
	for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
		CU_ASSERT(signet_code_is_fatal(fatal[i]));
	CU_ASSERT_FALSE(signet_code_is_fatal(SIGNET_E_UNSIGNED));
	CU_ASSERT_FALSE(signet_code_is_fatal(SIGNET_E_UNTRUSTED_ANCHOR));
	CU_ASSERT_FALSE(signet_code_is_fatal(SIGNET_E_SIGNATURE_UNSUPPORTED));
	CU_ASSERT_FALSE(signet_code_is_fatal(SIGNET_E_REQUIREMENT_UNMET));
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
		{ "every code: a unique value and its own name", test_codes_are_unique_and_named },
		{ "fatal codes are exactly the malformed, modified and forged", test_fatal_codes },
		{ "unknown codes have no name", test_unknown_code },
		{ "error object carries path, check, errno", test_error_object_carries_path_and_check },
		{ "NULL error pointer is allowed", test_null_err_is_allowed },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "errors", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
