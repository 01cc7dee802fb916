/* SPDX-License-Identifier: MIT */
/*
 * test_judge.c - the verdict the audit module gives each file ld.so is
 * about to map (loader/audit/judge.h), called directly, so that it runs
 * under the sanitizers too (an LD_AUDIT module cannot carry their runtime;
 * tests/audit/test_audit.sh covers the module end to end).
 */
#include "config.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/judge.h"
#include "harness.h"

/* libc's real path: a platform library on any layout. */
static void libc_path(char out[PATH_MAX])
{
	Dl_info info;
	CU_ASSERT_FATAL(dladdr((void *)printf, &info) != 0 && info.dli_fname);
	CU_ASSERT_FATAL(realpath(info.dli_fname, out) != NULL);
}

static void test_signed_gets_a_sealed_snapshot(void)
{
	char real[PATH_MAX];
	CU_ASSERT_FATAL(realpath(sg_fixture("libfixture0.so"), real) != NULL);
	sg_verdict v;
	CU_ASSERT_EQUAL_FATAL(sg_judge_file(sg_test_policy(), sg_fixture("libfixture0.so"), "libfixture0.so", 0, &v),
		SG_VERDICT_SIGNED);
	CU_ASSERT_STRING_EQUAL(v.real_path, real);
	CU_ASSERT_FATAL(v.memfd >= 0);
	char expect[64];
	snprintf(expect, sizeof expect, "/proc/self/fd/%d", v.memfd);
	CU_ASSERT_STRING_EQUAL(v.open_path, expect);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v.identity);
	CU_ASSERT_STRING_EQUAL(signet_identity_team(v.identity), "ABCDE12345");
	CU_ASSERT_STRING_EQUAL(signet_identity_identifier(v.identity), "org.signet.test.fixture0");
	CU_ASSERT_PTR_NULL(v.why);
	/* Sealed against any change, and holding the file's very bytes. */
	int seals = fcntl(v.memfd, F_GET_SEALS);
	CU_ASSERT(seals >= 0 && (seals & (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) ==
		(F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL));
	size_t len = 0, slen = 0;
	uint8_t *file = sg_read_file(real, &len);
	uint8_t *snap = sg_read_file(v.open_path, &slen);
	CU_ASSERT_EQUAL(len, slen);
	CU_ASSERT(len == slen && memcmp(file, snap, len) == 0);
	free(file);
	free(snap);
	/* Handed over, the verdict no longer closes it. */
	int fd = sg_verdict_take_fd(&v);
	CU_ASSERT_EQUAL(v.memfd, -1);
	sg_verdict_clear(&v);
	CU_ASSERT_EQUAL(fcntl(fd, F_GETFD) >= 0, 1);
	close(fd);
}

static void test_no_snapshot_verifies_without_a_memfd(void)
{
	sg_verdict v;
	CU_ASSERT_EQUAL_FATAL(sg_judge_file(sg_test_policy(), sg_fixture("libfixture1.so"), NULL, SG_JUDGE_NO_SNAPSHOT,
		&v), SG_VERDICT_SIGNED);
	CU_ASSERT_EQUAL(v.memfd, -1);
	CU_ASSERT_STRING_EQUAL(v.open_path, v.real_path);
	CU_ASSERT_PTR_NOT_NULL(v.identity);
	sg_verdict_clear(&v);
}

static void test_platform_library_by_location(void)
{
	char libc[PATH_MAX];
	libc_path(libc);
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err); /* no anchors: nothing could be verified */
	sg_verdict v;
	CU_ASSERT_EQUAL(sg_judge_file(p, libc, "libc.so.6", 0, &v), SG_VERDICT_PLATFORM);
	CU_ASSERT_STRING_EQUAL(v.real_path, libc);
	CU_ASSERT_STRING_EQUAL(v.open_path, libc);
	CU_ASSERT_EQUAL(v.memfd, -1);
	CU_ASSERT_PTR_NULL(v.identity);
	sg_verdict_clear(&v);
	/* The soname list applies to libraries. */
	const char *only[] = { "libm.so.6" };
	SG_ASSERT_OK(signet_policy_set_platform_sonames(p, only, 1, &err), &err);
	CU_ASSERT_EQUAL(sg_judge_file(p, libc, "libc.so.6", 0, &v), SG_VERDICT_REFUSED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v.why);
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(v.why), "soname libc.so.6 is not on the policy's platform"));
	sg_verdict_clear(&v);
	signet_policy_free(p);
}

static void test_unsigned_refused_with_both_reasons(void)
{
	char libc[PATH_MAX], copy[PATH_MAX];
	libc_path(libc);
	snprintf(copy, sizeof copy, "%s/libc.so.6", sg_sandbox());
	size_t len = 0;
	uint8_t *bytes = sg_read_file(libc, &len);
	sg_write_file(copy, bytes, len, 0755);
	free(bytes);
	sg_verdict v;
	CU_ASSERT_EQUAL_FATAL(sg_judge_file(sg_test_policy(), copy, "libc.so.6", 0, &v), SG_VERDICT_REFUSED);
	CU_ASSERT_EQUAL(v.code, SIGNET_E_UNSIGNED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v.why);
	CU_ASSERT_EQUAL(signet_error_code(v.why), SIGNET_E_UNSIGNED);
	CU_ASSERT_STRING_EQUAL(signet_error_check(v.why), "signature.present");
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(v.why), "nor is it trusted by location"));
	const signet_error *cause = signet_error_cause(v.why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cause);
	CU_ASSERT_EQUAL(signet_error_code(cause), SIGNET_E_PLATFORM_REFUSED);
	CU_ASSERT_EQUAL(v.memfd, -1);
	CU_ASSERT_PTR_NULL(v.identity);
	sg_verdict_clear(&v);
}

static void test_verified_but_refused_keeps_the_identity(void)
{
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	SG_ASSERT_OK(signet_policy_set_anchors(p, sg_test_pki("root.pem"), &err), &err);
	SG_ASSERT_OK(signet_policy_set_requirement(p, "anchor trusted and team \"ZZZZZ99999\"", &err), &err);
	sg_verdict v;
	CU_ASSERT_EQUAL_FATAL(sg_judge_file(p, sg_fixture("libfixture2.so"), NULL, 0, &v), SG_VERDICT_REFUSED);
	CU_ASSERT_EQUAL(v.code, SIGNET_E_REQUIREMENT_UNMET);
	CU_ASSERT_PTR_NOT_NULL(v.identity);
	CU_ASSERT_EQUAL(v.memfd, -1); /* a refused snapshot is not kept */
	sg_verdict_clear(&v);
	signet_policy_free(p);
}

static void test_special_files_refused_without_blocking(void)
{
	sg_watchdog(30);
	const sg_special *files = sg_special_files();
	for (int i = 0; i < SG_SPECIAL_COUNT; i++) {
		sg_verdict v;
		CU_ASSERT_EQUAL(sg_judge_file(sg_test_policy(), files[i].path, NULL, 0, &v), SG_VERDICT_REFUSED);
		CU_ASSERT_EQUAL(v.code, SIGNET_E_IO);
		if (v.why && !strstr(signet_error_message(v.why), files[i].kind)) {
			fprintf(stderr, "  %s: \"%s\" lacks \"%s\"\n", files[i].path, signet_error_message(v.why),
				files[i].kind);
			CU_FAIL("the refusal does not name the kind of file");
		}
		sg_verdict_clear(&v);
	}
	alarm(0);
}

static void test_missing_file_refused(void)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/absent.so", sg_sandbox());
	sg_verdict v;
	CU_ASSERT_EQUAL(sg_judge_file(sg_test_policy(), path, NULL, 0, &v), SG_VERDICT_REFUSED);
	CU_ASSERT_EQUAL(v.code, SIGNET_E_IO);
	sg_verdict_clear(&v);
	CU_ASSERT_EQUAL(sg_judge_file(NULL, path, NULL, 0, &v), SG_VERDICT_REFUSED);
	sg_verdict_clear(&v);
}

/* The running test program: unsigned, in the build tree: refused as a program, with the loadable checks skipped. */
static void test_program_judged_by_its_file(void)
{
	sg_verdict v;
	CU_ASSERT_EQUAL_FATAL(sg_judge_file(sg_test_policy(), "/proc/self/exe", NULL, SG_JUDGE_PROGRAM, &v),
		SG_VERDICT_REFUSED);
	CU_ASSERT_EQUAL(v.code, SIGNET_E_UNSIGNED); /* not "a position-independent executable" */
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	CU_ASSERT_FATAL(n > 0);
	exe[n] = '\0';
	CU_ASSERT_STRING_EQUAL(v.real_path, exe);
	CU_ASSERT_EQUAL(v.memfd, -1);
	sg_verdict_clear(&v);
}

static void test_audit_policy_from_the_environment(void)
{
	signet_policy *p = NULL;
	signet_error *err = NULL;
	unsetenv("SIGNET_AUDIT_POLICY");
	setenv("SIGNET_AUDIT_ANCHORS", sg_test_pki("root.pem"), 1);
	setenv("SIGNET_AUDIT_REQUIREMENT", "anchor trusted and team \"ABCDE12345\"", 1);
	SG_ASSERT_OK(sg_audit_policy(&p, &err), &err);
	sg_verdict v;
	CU_ASSERT_EQUAL(sg_judge_file(p, sg_fixture("libfixture3.so"), NULL, SG_JUDGE_NO_SNAPSHOT, &v), SG_VERDICT_SIGNED);
	sg_verdict_clear(&v);
	signet_policy_free(p);

	/* Given anchors are the only ones read: an empty default directory (a fresh install's) is not. */
	char empty[PATH_MAX];
	snprintf(empty, sizeof empty, "%s/empty-anchors", sg_sandbox());
	CU_ASSERT_EQUAL_FATAL(mkdir(empty, 0755), 0);
	setenv("SIGNET_ANCHORS", empty, 1);
	SG_ASSERT_OK(sg_audit_policy(&p, &err), &err);
	signet_policy_free(p);
	unsetenv("SIGNET_AUDIT_ANCHORS");
	SG_ASSERT_FAILS(sg_audit_policy(&p, &err), &err, SIGNET_E_NOT_FOUND, "no trust anchor certificate");
	setenv("SIGNET_AUDIT_ANCHORS", sg_test_pki("root.pem"), 1);
	unsetenv("SIGNET_ANCHORS");

	setenv("SIGNET_AUDIT_REQUIREMENT", "anchor trusted and (", 1);
	SG_ASSERT_FAILS(sg_audit_policy(&p, &err), &err, SIGNET_E_REQUIREMENT_SYNTAX, "$SIGNET_AUDIT_REQUIREMENT: ");
	CU_ASSERT_PTR_NULL(p);
	unsetenv("SIGNET_AUDIT_REQUIREMENT");

	char missing[PATH_MAX];
	snprintf(missing, sizeof missing, "%s/no-anchors.pem", sg_sandbox());
	setenv("SIGNET_AUDIT_ANCHORS", missing, 1);
	SG_ASSERT_FAILS(sg_audit_policy(&p, &err), &err, SIGNET_E_IO, "$SIGNET_AUDIT_ANCHORS: ");
	unsetenv("SIGNET_AUDIT_ANCHORS");

	setenv("SIGNET_AUDIT_POLICY", missing, 1);
	SG_ASSERT_FAILS(sg_audit_policy(&p, &err), &err, SIGNET_E_IO, "no-anchors.pem");
	unsetenv("SIGNET_AUDIT_POLICY");
}

int main(void)
{
	static const sg_test tests[] = {
		{ "signed: verified, admitted, a sealed snapshot to map", test_signed_gets_a_sealed_snapshot },
		{ "log-only: verified, nothing kept", test_no_snapshot_verifies_without_a_memfd },
		{ "a platform library, by location", test_platform_library_by_location },
		{ "unsigned: refused with both reasons", test_unsigned_refused_with_both_reasons },
		{ "verified but refused by the requirement", test_verified_but_refused_keeps_the_identity },
		{ "FIFO, socket, directory, device: refused without blocking", test_special_files_refused_without_blocking },
		{ "a missing file, no policy", test_missing_file_refused },
		{ "the main program, by its file", test_program_judged_by_its_file },
		{ "the audit policy from the environment", test_audit_policy_from_the_environment },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "audit judge", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
