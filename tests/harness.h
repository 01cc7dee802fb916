/* SPDX-License-Identifier: MIT */
/*
 * harness.h - the CUnit runner every test program shares, plus helpers for
 * fixtures, sandboxes and asserting exact Signet errors.
 */
#ifndef SIGNET_TEST_HARNESS_H
#define SIGNET_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include <signet/signet.h>

typedef struct sg_test {
	const char *name;
	void (*run)(void);
} sg_test;

typedef struct sg_suite {
	const char *name;
	const sg_test *tests; /* ends with { NULL, NULL } */
} sg_suite;

/* Runs every suite (verbose), returns the process exit code: 0 all passed,
 * 1 a test failed, 99 the harness itself failed (automake's hard error). */
int sg_test_main(const sg_suite *suites);

/* Absolute path of a built fixture ("libfixture0.so"); static buffer per call site is not
 * needed: returns a pointer into a small ring of buffers. */
const char *sg_fixture(const char *name);

/* Environment-provided directories (abort with 99 when unset). */
const char *sg_builddir(void);
const char *sg_srcdir(void);

/*
 * A policy trusting the build's test CA (tests/pki/root.pem) and requiring
 * team ABCDE12345 (test programs are unsigned hosts, so `team = host` would
 * admit nothing). Made once, shared, never freed.
 */
const signet_policy *sg_test_policy(void);

/* Path of a file the build made under tests/pki/ ("root.pem", ...). */
const char *sg_test_pki(const char *name);

/* The whole file, NUL-terminated (the NUL is not counted in *len); exits
 * with 99 when it cannot be read. */
uint8_t *sg_read_file(const char *path, size_t *len);

/* Writes (creating or truncating) a file; exits with 99 on failure. */
void sg_write_file(const char *path, const void *bytes, size_t len, unsigned mode);

/* A fresh private directory for the current test, removed at exit. */
const char *sg_sandbox(void);

/*
 * A fresh directory that only root can change, up to / (under /run, mode
 * 0755), removed at exit: what a platform library needs (a sandbox under
 * /tmp can never hold one, /tmp being writable by all). NULL when the test
 * does not run as root or /run is not root's alone; callers then say so
 * and skip those checks.
 */
const char *sg_root_sandbox(void);

/*
 * Files every opener must refuse without blocking or reading: a FIFO (no
 * writer: a blocking open would wait forever), a bound Unix socket and a
 * directory in a fresh sandbox, and /dev/zero (endless). `kind` is how the
 * refusal names it ("a FIFO", "a socket", "a directory", "a character
 * device"). Call sg_watchdog() first: a hang then fails the test program.
 */
#define SG_SPECIAL_COUNT 4
typedef struct sg_special {
	const char *path;
	const char *kind;
} sg_special;
const sg_special *sg_special_files(void);

/* Whether any image in the registry has a path containing `fragment` (exits 99 when it cannot tell). */
bool sg_still_loaded(const char *fragment);

/* Ends the test program with exit 99 (a hard error) if it still runs after `seconds`. */
void sg_watchdog(unsigned seconds);

/*
 * Asserts that a Signet call failed with exactly `code`, that the error
 * object carries that code, and that its message contains `reason`.
 * Frees the error object.
 */
#define SG_ASSERT_FAILS(rc_expr, errp, code, reason) do { \
		int sg_rc_ = (rc_expr); \
		CU_ASSERT_EQUAL(sg_rc_, (code)); \
		CU_ASSERT_PTR_NOT_NULL_FATAL(*(errp)); \
		CU_ASSERT_EQUAL(signet_error_code(*(errp)), (code)); \
		if (!strstr(signet_error_message(*(errp)), (reason))) { \
			fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", signet_error_message(*(errp)), (reason)); \
			CU_FAIL("error message does not give the expected reason"); \
		} \
		signet_error_free(*(errp)); \
		*(errp) = NULL; \
	} while (0)

/* Asserts success, printing the error message otherwise. */
#define SG_ASSERT_OK(rc_expr, errp) do { \
		int sg_rc_ = (rc_expr); \
		if (sg_rc_ != 0) \
			fprintf(stderr, "  unexpected failure %d: %s\n", sg_rc_, signet_error_message(*(errp))); \
		CU_ASSERT_EQUAL_FATAL(sg_rc_, 0); \
	} while (0)

#endif /* SIGNET_TEST_HARNESS_H */
