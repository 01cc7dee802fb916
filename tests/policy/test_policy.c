/* SPDX-License-Identifier: MIT */
/*
 * test_policy.c - the load policy end to end on real signed files: the
 * default requirement with an unsigned and a signed host, explanations,
 * deny and allow lists, setters, the JSON policy file (valid, and each way
 * it can be invalid), relative anchors, the settings of isolated guests,
 * and platform libraries (directory, ownership, permissions, the directory
 * chain, sonames, symlinks).
 *
 * Keys and certificates are made at run time with signing/pki.c; the signed
 * images are copies of Debian's libz.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <signet/policy.h>

#include "harness.h"
#include "test_pki.h"
#include "pki.h"
#include "policy/entitlements.h"
#include "codesign/identity_internal.h"
#include "policy/policy_internal.h"
#include "sign_elf.h"

#define TEAM_A "ABCDE12345"
#define TEAM_B "ZZZZZ99999"

/* ---- credentials and signed images, made once --------------------------- */

typedef sg_test_cred cred;

static cred root, team_a, team_b, no_team, rogue_root, rogue_leaf;
static char dir[PATH_MAX - 512];
static char anchors[PATH_MAX], rogue_anchors[PATH_MAX];
static char exe[PATH_MAX];
static signet_trust *trust;

/* The images: a (team A), b (team B), c and d (team A), n (no team). */
static char path_a[PATH_MAX], path_b[PATH_MAX], path_c[PATH_MAX], path_d[PATH_MAX], path_n[PATH_MAX];
static signet_identity *id_a, *id_b, *id_c, *id_d, *id_n;

static void die(const char *what, signet_error *err)
{
	fprintf(stderr, "setup: %s: %s\n", what, err ? signet_error_message(err) : "failed");
	exit(99);
}


static void copy_file(const char *src, const char *dst, mode_t mode)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (in < 0 || out < 0) {
		perror(dst);
		exit(99);
	}
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n) {
			perror(dst);
			exit(99);
		}
	close(in);
	close(out);
	if (chmod(dst, mode) != 0) {
		perror(dst);
		exit(99);
	}
}

static const char *libz(void)
{
	static const char *const candidates[] = {
		"/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1",
		"/lib/aarch64-linux-gnu/libz.so.1", "/usr/lib/aarch64-linux-gnu/libz.so.1", NULL };
	for (const char *const *c = candidates; *c; c++)
		if (access(*c, R_OK) == 0)
			return *c;
	fprintf(stderr, "setup: libz.so.1 not installed (scripts/install-deps.sh installs it)\n");
	exit(99);
}

static void sign_copy(char *path, const char *name, const cred *c, const char *identifier, signet_identity **id)
{
	snprintf(path, PATH_MAX, "%s/%s", dir, name);
	copy_file(libz(), path, 0644);
	sg_sign_params sp = { .identifier = identifier, .page_shift = 12, .key = c->key, .cert = c->cert };
	signet_error *err = NULL;
	if (sg_sign_elf_file(path, &sp, &err) != 0)
		die("sign", err);
	signet_verify_options opts = SIGNET_VERIFY_OPTIONS_INIT;
	opts.allow_no_team = true;
	if (signet_verify_file(id, path, trust, &opts, &err) != 0)
		die("verify", err);
}

static void write_pem(char *out, const char *name, X509 *cert)
{
	snprintf(out, PATH_MAX, "%s/%s", dir, name);
	signet_error *err = NULL;
	if (sg_pki_write_cert(out, cert, false, &err) != 0)
		die("write cert", err);
}

static void teardown(void)
{
	signet_identity_free(id_a);
	signet_identity_free(id_b);
	signet_identity_free(id_c);
	signet_identity_free(id_d);
	signet_identity_free(id_n);
	signet_trust_free(trust);
	cred *all[] = { &root, &team_a, &team_b, &no_team, &rogue_root, &rogue_leaf };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		EVP_PKEY_free(all[i]->key);
		X509_free(all[i]->cert);
	}
}

static void setup(void)
{
	if (trust)
		return;
	snprintf(dir, sizeof dir, "%s", sg_sandbox());
	sg_test_cred_make(&root, "Signet Policy Test Root", NULL, true, NULL);
	sg_test_cred_make(&team_a, "Team A", TEAM_A, false, &root);
	sg_test_cred_make(&team_b, "Team B", TEAM_B, false, &root);
	sg_test_cred_make(&no_team, "No Team", NULL, false, &root);
	sg_test_cred_make(&rogue_root, "Rogue Root", NULL, true, NULL);
	sg_test_cred_make(&rogue_leaf, "Rogue", TEAM_A, false, &rogue_root);
	write_pem(anchors, "root.pem", root.cert);
	write_pem(rogue_anchors, "rogue.pem", rogue_root.cert);
	signet_error *err = NULL;
	if (signet_trust_load(&trust, anchors, &err) != 0)
		die("trust", err);
	sign_copy(path_a, "a.so", &team_a, "com.example.a", &id_a);
	sign_copy(path_b, "b.so", &team_b, "com.example.b", &id_b);
	sign_copy(path_c, "c.so", &team_a, "com.example.c", &id_c);
	sign_copy(path_d, "d.so", &team_a, "com.example.d", &id_d);
	sign_copy(path_n, "n.so", &no_team, "com.example.n", &id_n);
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
	atexit(teardown);
}

/* A default policy with the test root as its anchors. */
static signet_policy *policy_with_anchors(void)
{
	setup();
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	SG_ASSERT_OK(signet_policy_set_anchors(p, anchors, &err), &err);
	return p;
}

static void write_text(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* ---- defaults and the host ---------------------------------------------- */

static void test_defaults(void)
{
	setup();
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	/* No anchors: the loader has nothing to verify against and must refuse. */
	CU_ASSERT_PTR_NULL(sg_policy_trust(p));
	CU_ASSERT_PTR_NULL(signet_policy_host_team(p));
	CU_ASSERT_PTR_NULL(sg_policy_host_status(p));
	signet_verify_options o;
	sg_policy_verify_options(p, &o);
	CU_ASSERT_EQUAL(o.version, SIGNET_VERIFY_OPTIONS_VERSION);
	CU_ASSERT_FALSE(o.allow_no_team);
	CU_ASSERT_EQUAL(o.at, 0);

	size_t n = 0;
	const char *const *dirs = sg_policy_platform_directories(p, &n);
	CU_ASSERT_EQUAL_FATAL(n, 6);
	CU_ASSERT_STRING_EQUAL(dirs[2], "/lib64");
	CU_ASSERT_STRING_EQUAL(dirs[3], "/usr/lib64");
	CU_ASSERT_STRING_EQUAL(dirs[4], "/lib");
	CU_ASSERT_STRING_EQUAL(dirs[5], "/usr/lib");
#if defined(__x86_64__) && !defined(__ILP32__)
	CU_ASSERT_STRING_EQUAL(dirs[0], "/lib/x86_64-linux-gnu");
	CU_ASSERT_STRING_EQUAL(dirs[1], "/usr/lib/x86_64-linux-gnu");
#endif
	/* The default requirement is "anchor trusted and team = host". */
	char *text = signet_requirement_format(p->requirement);
	CU_ASSERT_STRING_EQUAL(text, "anchor trusted and team = host");
	free(text);
	signet_policy_free(p);
	signet_policy_free(NULL);
}

static void test_unsigned_host_has_no_team(void)
{
	signet_policy *p = policy_with_anchors();
	CU_ASSERT_PTR_NOT_NULL(sg_policy_trust(p));
	/* This test program is not signed. */
	CU_ASSERT_PTR_NULL(signet_policy_host_team(p));
	const char *status = sg_policy_host_status(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(status);
	CU_ASSERT_PTR_NOT_NULL(strstr(status, exe));
	CU_ASSERT_PTR_NOT_NULL(strstr(status, "not signed"));

	signet_error *err = NULL;
	SG_ASSERT_FAILS(sg_policy_admit(p, id_a, &err), &err, SIGNET_E_REQUIREMENT_UNMET,
		"team = host: the host has no team");
	CU_ASSERT_EQUAL(sg_policy_admit(p, id_a, &err), SIGNET_E_REQUIREMENT_UNMET);
	CU_ASSERT_STRING_EQUAL(signet_error_path(err), path_a);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "requirement");
	/* The message says why the host has no team: its own executable, unsigned. */
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(err), exe));
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(err), "not signed"));
	signet_error_free(err);
	signet_policy_free(p);
}

static void test_explicit_requirement_admits(void)
{
	signet_policy *p = policy_with_anchors();
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_set_requirement(p, "anchor trusted and team \"" TEAM_A "\"", &err), &err);
	SG_ASSERT_OK(sg_policy_admit(p, id_a, &err), &err);
	SG_ASSERT_OK(sg_policy_admit(p, id_c, &err), &err);
	SG_ASSERT_OK(signet_policy_set_requirement(p, "identifier \"com.example.b\"", &err), &err);
	SG_ASSERT_OK(sg_policy_admit(p, id_b, &err), &err);
	signet_policy_free(p);
}

static void test_wrong_team_explained(void)
{
	signet_policy *p = policy_with_anchors();
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_set_requirement(p, "anchor trusted and team \"" TEAM_A "\"", &err), &err);
	CU_ASSERT_EQUAL(sg_policy_admit(p, id_b, &err), SIGNET_E_REQUIREMENT_UNMET);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	char want[PATH_MAX + 128];
	snprintf(want, sizeof want, "%s: team: wanted " TEAM_A ", image has " TEAM_B, path_b);
	CU_ASSERT_STRING_EQUAL(signet_error_message(err), want);
	CU_ASSERT_STRING_EQUAL(signet_error_path(err), path_b);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "requirement");
	CU_ASSERT_STRING_EQUAL(signet_error_expected(err), TEAM_A);
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), TEAM_B);
	signet_error_free(err);
	signet_policy_free(p);
}

static void test_no_team_image(void)
{
	signet_policy *p = policy_with_anchors();
	signet_error *err = NULL;
	signet_verify_options o;
	sg_policy_verify_options(p, &o);
	signet_identity *id = NULL;
	/* By default verification itself refuses a leaf without a team... */
	SG_ASSERT_FAILS(signet_verify_file(&id, path_n, sg_policy_trust(p), &o, &err), &err,
		SIGNET_E_CERT_NO_TEAM, "");
	/* ...with allow_no_team it verifies, and `team = host` still refuses it. */
	SG_ASSERT_OK(signet_policy_set_allow_no_team(p, true, &err), &err);
	sg_policy_verify_options(p, &o);
	CU_ASSERT_TRUE(o.allow_no_team);
	SG_ASSERT_OK(signet_verify_file(&id, path_n, sg_policy_trust(p), &o, &err), &err);
	CU_ASSERT_PTR_NULL(signet_identity_team(id));
	SG_ASSERT_FAILS(sg_policy_admit(p, id, &err), &err, SIGNET_E_REQUIREMENT_UNMET, "the host has no team");
	SG_ASSERT_OK(signet_policy_set_requirement(p, "anchor trusted and team \"" TEAM_A "\"", &err), &err);
	SG_ASSERT_FAILS(sg_policy_admit(p, id, &err), &err, SIGNET_E_REQUIREMENT_UNMET,
		"team: wanted " TEAM_A ", image has none");
	SG_ASSERT_OK(signet_policy_set_requirement(p, "anchor trusted", &err), &err);
	SG_ASSERT_OK(sg_policy_admit(p, id, &err), &err);
	signet_identity_free(id);
	signet_policy_free(p);
}

/* ---- deny and allow ----------------------------------------------------- */

static void upper(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'f')
			*s = (char)(*s - 'a' + 'A');
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'F')
			*s = (char)(*s - 'A' + 'a');
}

static void test_deny_cdhash(void)
{
	signet_policy *p = policy_with_anchors();
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_set_requirement(p, "anchor trusted", &err), &err);
	char hex[65];
	snprintf(hex, sizeof hex, "%s", signet_identity_cdhash_hex(id_a));
	upper(hex); /* either case */
	SG_ASSERT_OK(signet_policy_deny_cdhash(p, hex, &err), &err);
	/* Deny wins over an allow list that names the image. */
	SG_ASSERT_OK(signet_policy_allow_identifier(p, "com.example.a", &err), &err);
	SG_ASSERT_OK(signet_policy_allow_identifier(p, "com.example.b", &err), &err);

	char want[256];
	snprintf(want, sizeof want, "denied: cdhash %s is on the policy's cdhash deny list",
		signet_identity_cdhash_hex(id_a));
	CU_ASSERT_EQUAL(sg_policy_admit(p, id_a, &err), SIGNET_E_POLICY_DENIED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(err), want));
	CU_ASSERT_STRING_EQUAL(signet_error_path(err), path_a);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "policy.deny");
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), signet_identity_cdhash_hex(id_a));
	signet_error_free(err);
	err = NULL;
	SG_ASSERT_OK(sg_policy_admit(p, id_b, &err), &err);
	signet_policy_free(p);
}

static void test_deny_serial(void)
{
	signet_policy *p = policy_with_anchors();
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_set_requirement(p, "anchor trusted", &err), &err);
	const char *serial = signet_identity_leaf_serial(id_a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(serial);
	/* Lower case and extra leading zeros name the same certificate. */
	char entry[80];
	snprintf(entry, sizeof entry, "000%s", serial);
	lower(entry);
	SG_ASSERT_OK(signet_policy_deny_serial(p, entry, &err), &err);
	SG_ASSERT_OK(signet_policy_deny_serial(p, "0A1B", &err), &err);

	CU_ASSERT_EQUAL(sg_policy_admit(p, id_a, &err), SIGNET_E_POLICY_DENIED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	char want[PATH_MAX + 512];
	snprintf(want, sizeof want, "%s: denied: signing certificate serial %s is on the policy's serial deny list",
		path_a, serial);
	CU_ASSERT_STRING_EQUAL(signet_error_message(err), want);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "policy.deny");
	signet_error_free(err);
	err = NULL;
	/* c is signed by the same certificate: denied too; b is not. */
	SG_ASSERT_FAILS(sg_policy_admit(p, id_c, &err), &err, SIGNET_E_POLICY_DENIED, "serial deny list");
	SG_ASSERT_OK(sg_policy_admit(p, id_b, &err), &err);

	/* Normalization itself. */
	char norm[SG_POLICY_MAX_SERIAL_HEX + 1];
	CU_ASSERT_TRUE(sg_policy_normalize_serial("000a1b", norm));
	CU_ASSERT_STRING_EQUAL(norm, "A1B");
	CU_ASSERT_TRUE(sg_policy_normalize_serial("0000", norm));
	CU_ASSERT_STRING_EQUAL(norm, "0");
	CU_ASSERT_FALSE(sg_policy_normalize_serial("", norm));
	CU_ASSERT_FALSE(sg_policy_normalize_serial("0x1F", norm));
	CU_ASSERT_FALSE(sg_policy_normalize_serial("12:34", norm));
	signet_policy_free(p);
}

static void test_allow_lists(void)
{
	signet_policy *p = policy_with_anchors();
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_set_requirement(p, "anchor trusted", &err), &err);
	/* Empty allow lists: everything the requirement accepts. */
	SG_ASSERT_OK(sg_policy_admit(p, id_d, &err), &err);

	SG_ASSERT_OK(signet_policy_allow_identifier(p, "com.example.a", &err), &err);
	SG_ASSERT_OK(signet_policy_allow_cdhash(p, signet_identity_cdhash_hex(id_b), &err), &err);
	SG_ASSERT_OK(sg_policy_admit(p, id_a, &err), &err); /* identifier listed */
	SG_ASSERT_OK(sg_policy_admit(p, id_b, &err), &err); /* cdhash listed */

	CU_ASSERT_EQUAL(sg_policy_admit(p, id_d, &err), SIGNET_E_POLICY_NOT_ALLOWED); /* neither */
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	char want[PATH_MAX + 512];
	snprintf(want, sizeof want, "%s: not allowed: neither identifier com.example.d (1 listed) nor cdhash %s "
		"(1 listed) is on the policy's allow lists", path_d, signet_identity_cdhash_hex(id_d));
	CU_ASSERT_STRING_EQUAL(signet_error_message(err), want);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "policy.allow");
	CU_ASSERT_STRING_EQUAL(signet_error_path(err), path_d);
	signet_error_free(err);
	err = NULL;

	/* Allowed is not enough: the requirement still applies, after the lists. */
	SG_ASSERT_OK(signet_policy_set_requirement(p, "team \"" TEAM_A "\"", &err), &err);
	SG_ASSERT_FAILS(sg_policy_admit(p, id_b, &err), &err, SIGNET_E_REQUIREMENT_UNMET,
		"team: wanted " TEAM_A ", image has " TEAM_B);
	SG_ASSERT_FAILS(sg_policy_admit(p, id_d, &err), &err, SIGNET_E_POLICY_NOT_ALLOWED, "not allowed");
	signet_policy_free(p);
}

static void test_uninspectable_uids(void)
{
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	CU_ASSERT_FALSE(sg_policy_accepts_uninspectable_uid(p, 0)); /* none by default */
	SG_ASSERT_FAILS(signet_policy_accept_uninspectable_uid(p, (uid_t)-1, &err), &err, SIGNET_E_POLICY_INVALID,
		"uid 4294967295 names no user");
	SG_ASSERT_FAILS(signet_policy_accept_uninspectable_uid(NULL, 0, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"NULL argument");
	for (uid_t u = 0; u < SIGNET_POLICY_MAX_UIDS; u++)
		SG_ASSERT_OK(signet_policy_accept_uninspectable_uid(p, u * 7, &err), &err);
	/* Full: a new uid is refused, one already there is no error, and nothing changes. */
	SG_ASSERT_FAILS(signet_policy_accept_uninspectable_uid(p, 1, &err), &err, SIGNET_E_LIMIT,
		"at most 256 uids accepted without an identity");
	SG_ASSERT_OK(signet_policy_accept_uninspectable_uid(p, 7, &err), &err);
	CU_ASSERT_EQUAL(p->uninspectable_uids.n, SIGNET_POLICY_MAX_UIDS);
	CU_ASSERT_TRUE(sg_policy_accepts_uninspectable_uid(p, 7 * (SIGNET_POLICY_MAX_UIDS - 1)));
	CU_ASSERT_FALSE(sg_policy_accepts_uninspectable_uid(p, 1));
	signet_policy_free(p);
}

static void test_setters_validate(void)
{
	signet_policy *p = policy_with_anchors();
	signet_error *err = NULL;
	SG_ASSERT_FAILS(signet_policy_allow_cdhash(p, "abc", &err), &err, SIGNET_E_POLICY_INVALID,
		"cdhash \"abc\": expected 64 hex digits");
	char bad[66];
	memset(bad, 'g', 64);
	bad[64] = '\0';
	SG_ASSERT_FAILS(signet_policy_deny_cdhash(p, bad, &err), &err, SIGNET_E_POLICY_INVALID, "64 hex digits");
	memset(bad, 'a', 65);
	bad[65] = '\0';
	SG_ASSERT_FAILS(signet_policy_deny_cdhash(p, bad, &err), &err, SIGNET_E_POLICY_INVALID, "64 hex digits");
	SG_ASSERT_FAILS(signet_policy_allow_identifier(p, "com example", &err), &err, SIGNET_E_POLICY_INVALID,
		"identifier \"com example\"");
	SG_ASSERT_FAILS(signet_policy_allow_identifier(p, "", &err), &err, SIGNET_E_POLICY_INVALID, "identifier");
	SG_ASSERT_FAILS(signet_policy_deny_serial(p, "xyz", &err), &err, SIGNET_E_POLICY_INVALID,
		"serial \"xyz\": expected 1 to 64 hex digits");
	SG_ASSERT_FAILS(signet_policy_set_requirement(p, "anchor trusted and tema \"X\"", &err), &err,
		SIGNET_E_REQUIREMENT_SYNTAX, "column 20");
	SG_ASSERT_FAILS(signet_policy_allow_identifier(NULL, "a", &err), &err, SIGNET_E_INVALID_ARGUMENT, "NULL");
	SG_ASSERT_FAILS(signet_policy_set_anchors(p, "/nonexistent/anchors.pem", &err), &err, SIGNET_E_IO,
		"cannot read trust anchors");
	/* A failed set_anchors keeps the old anchors. */
	CU_ASSERT_PTR_NOT_NULL(sg_policy_trust(p));
	/* TSA anchors: the same loading rules, a failure changes nothing. */
	SG_ASSERT_FAILS(signet_policy_set_tsa_anchors(NULL, "x.pem", &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"signet_policy_set_tsa_anchors");
	SG_ASSERT_FAILS(signet_policy_set_tsa_anchors(p, "/nonexistent/tsa.pem", &err), &err, SIGNET_E_IO,
		"cannot read trust anchors");
	CU_ASSERT_PTR_NULL(sg_policy_trust(p)->tsa);

	/* A list with one bad entry changes nothing. */
	const char *dirs[] = { "/usr/lib", "lib" };
	SG_ASSERT_FAILS(signet_policy_set_platform_directories(p, dirs, 2, &err), &err, SIGNET_E_POLICY_INVALID,
		"platform directory \"lib\": expected an absolute path");
	size_t n = 0;
	sg_policy_platform_directories(p, &n);
	CU_ASSERT_EQUAL(n, 6);
	const char *sonames[] = { "libc.so.6", "../libc.so.6" };
	SG_ASSERT_FAILS(signet_policy_set_platform_sonames(p, sonames, 2, &err), &err, SIGNET_E_POLICY_INVALID,
		"soname \"../libc.so.6\"");
	CU_ASSERT_FALSE(p->sonames_restricted);
	const char *many[SIGNET_POLICY_MAX_DIRECTORIES + 1];
	for (size_t i = 0; i <= SIGNET_POLICY_MAX_DIRECTORIES; i++)
		many[i] = "/usr/lib";
	SG_ASSERT_FAILS(signet_policy_set_platform_directories(p, many, SIGNET_POLICY_MAX_DIRECTORIES + 1, &err),
		&err, SIGNET_E_LIMIT, "at most 64");
	SG_ASSERT_OK(signet_policy_set_platform_directories(p, NULL, 0, &err), &err);
	sg_policy_platform_directories(p, &n);
	CU_ASSERT_EQUAL(n, 0);
	signet_policy_free(p);
}

/* ---- isolated guests ---------------------------------------------------- */

static void assert_default_isolation(const sg_isolation *iso)
{
	CU_ASSERT_EQUAL(iso->crash_limit, 3);
	CU_ASSERT_FALSE(iso->accept_weaker);
	CU_ASSERT_EQUAL(iso->grants, 0);
	CU_ASSERT_EQUAL(iso->read_path_count, 0);
	CU_ASSERT_EQUAL(iso->memory_mb, 1024);
	CU_ASSERT_EQUAL(iso->cpu_seconds, 300);
	CU_ASSERT_EQUAL(iso->call_timeout_ms, 25000);
}

static void test_isolation_defaults(void)
{
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	sg_isolation iso;
	sg_policy_isolation(p, &iso);
	assert_default_isolation(&iso);
	/* No policy at all: the same defaults. */
	memset(&iso, 0xff, sizeof iso);
	sg_policy_isolation(NULL, &iso);
	assert_default_isolation(&iso);
	signet_policy_free(p);
}

/* Each setter's range: both ends accepted, one past refused with the rule, nothing changed. */
static void test_isolation_numbers(void)
{
	signet_policy *p = NULL;
	signet_error *err = NULL;
	sg_isolation iso;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);

	SG_ASSERT_OK(signet_policy_set_isolation_crash_limit(p, 0, &err), &err);
	sg_policy_isolation(p, &iso);
	CU_ASSERT_EQUAL(iso.crash_limit, 0); /* 0: never quarantine */
	SG_ASSERT_OK(signet_policy_set_isolation_crash_limit(p, 1000000, &err), &err);
	SG_ASSERT_FAILS(signet_policy_set_isolation_crash_limit(p, 1000001, &err), &err, SIGNET_E_POLICY_INVALID,
		"crash limit 1000001: expected 0 to 1000000");
	sg_policy_isolation(p, &iso);
	CU_ASSERT_EQUAL(iso.crash_limit, 1000000);

	SG_ASSERT_OK(signet_policy_set_isolation_memory_mb(p, 1, &err), &err);
	SG_ASSERT_OK(signet_policy_set_isolation_memory_mb(p, 1048576, &err), &err);
	SG_ASSERT_FAILS(signet_policy_set_isolation_memory_mb(p, 0, &err), &err, SIGNET_E_POLICY_INVALID,
		"memory_mb 0: expected 1 to 1048576");
	SG_ASSERT_FAILS(signet_policy_set_isolation_memory_mb(p, 1048577, &err), &err, SIGNET_E_POLICY_INVALID,
		"memory_mb 1048577: expected 1 to 1048576");
	SG_ASSERT_OK(signet_policy_set_isolation_cpu_seconds(p, 1, &err), &err);
	SG_ASSERT_OK(signet_policy_set_isolation_cpu_seconds(p, 31536000, &err), &err);
	SG_ASSERT_FAILS(signet_policy_set_isolation_cpu_seconds(p, 0, &err), &err, SIGNET_E_POLICY_INVALID,
		"cpu_seconds 0: expected 1 to 31536000");
	SG_ASSERT_FAILS(signet_policy_set_isolation_cpu_seconds(p, 31536001, &err), &err, SIGNET_E_POLICY_INVALID,
		"cpu_seconds 31536001: expected 1 to 31536000");
	SG_ASSERT_OK(signet_policy_set_isolation_call_timeout_ms(p, 1, &err), &err);
	SG_ASSERT_OK(signet_policy_set_isolation_call_timeout_ms(p, 86400000, &err), &err);
	SG_ASSERT_FAILS(signet_policy_set_isolation_call_timeout_ms(p, 0, &err), &err, SIGNET_E_POLICY_INVALID,
		"call_timeout_ms 0: expected 1 to 86400000");
	CU_ASSERT_EQUAL(signet_policy_set_isolation_call_timeout_ms(p, 86400001, &err), SIGNET_E_POLICY_INVALID);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "policy.setting");
	CU_ASSERT_STRING_EQUAL(signet_error_expected(err), "1 to 86400000");
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), "86400001");
	signet_error_free(err);
	err = NULL;
	sg_policy_isolation(p, &iso);
	CU_ASSERT_EQUAL(iso.memory_mb, 1048576);
	CU_ASSERT_EQUAL(iso.cpu_seconds, 31536000);
	CU_ASSERT_EQUAL(iso.call_timeout_ms, 86400000);

	SG_ASSERT_OK(signet_policy_set_isolation_accept_weaker(p, true, &err), &err);
	sg_policy_isolation(p, &iso);
	CU_ASSERT_TRUE(iso.accept_weaker);
	SG_ASSERT_OK(signet_policy_set_isolation_accept_weaker(p, false, &err), &err);
	sg_policy_isolation(p, &iso);
	CU_ASSERT_FALSE(iso.accept_weaker);

	SG_ASSERT_FAILS(signet_policy_set_isolation_crash_limit(NULL, 1, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"signet_policy_set_isolation_crash_limit: NULL argument");
	SG_ASSERT_FAILS(signet_policy_set_isolation_accept_weaker(NULL, true, &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "NULL argument");
	SG_ASSERT_FAILS(signet_policy_set_isolation_memory_mb(NULL, 1, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"NULL argument");
	SG_ASSERT_FAILS(signet_policy_set_isolation_cpu_seconds(NULL, 1, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"NULL argument");
	SG_ASSERT_FAILS(signet_policy_set_isolation_call_timeout_ms(NULL, 1, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"NULL argument");
	signet_policy_free(p);
}

static void test_isolation_grant(void)
{
	signet_policy *p = NULL;
	signet_error *err = NULL;
	sg_isolation iso;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	const char *both[] = { SIGNET_ENTITLEMENT_FILES_READ, "org.signet.network.client",
		SIGNET_ENTITLEMENT_FILES_READ };
	SG_ASSERT_OK(signet_policy_set_isolation_grant(p, both, 3, &err), &err);
	sg_policy_isolation(p, &iso);
	CU_ASSERT_EQUAL(iso.grants, SG_ENTITLEMENT_NETWORK_CLIENT | SG_ENTITLEMENT_FILES_READ);

	/* Only names Signet defines, exactly: a misspelt grant would grant nothing, silently. */
	const char *bad[][2] = {
		{ "org.signet.network.client", "org.signet.network.server" },
		{ "org.signet.files.read", "com.example.camera" },
		{ "org.signet.files.read", "ORG.SIGNET.FILES.READ" },
		{ "org.signet.files.read", "" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char want[160];
		snprintf(want, sizeof want, "entitlement \"%s\": expected an entitlement Signet defines "
			"(org.signet.network.client, org.signet.files.read)", bad[i][1]);
		SG_ASSERT_FAILS(signet_policy_set_isolation_grant(p, bad[i], 2, &err), &err, SIGNET_E_POLICY_INVALID, want);
	}
	/* A failed call changes nothing. */
	sg_policy_isolation(p, &iso);
	CU_ASSERT_EQUAL(iso.grants, SG_ENTITLEMENT_NETWORK_CLIENT | SG_ENTITLEMENT_FILES_READ);

	const char *many[SIGNET_POLICY_MAX_GRANTS + 1];
	for (size_t i = 0; i <= SIGNET_POLICY_MAX_GRANTS; i++)
		many[i] = SIGNET_ENTITLEMENT_FILES_READ;
	SG_ASSERT_OK(signet_policy_set_isolation_grant(p, many, SIGNET_POLICY_MAX_GRANTS, &err), &err);
	sg_policy_isolation(p, &iso);
	CU_ASSERT_EQUAL(iso.grants, SG_ENTITLEMENT_FILES_READ);
	SG_ASSERT_FAILS(signet_policy_set_isolation_grant(p, many, SIGNET_POLICY_MAX_GRANTS + 1, &err), &err,
		SIGNET_E_LIMIT, "at most 64 entitlements granted, not 65");
	const char *with_null[] = { SIGNET_ENTITLEMENT_FILES_READ, NULL };
	SG_ASSERT_FAILS(signet_policy_set_isolation_grant(p, with_null, 2, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"entitlement 1 is NULL");
	SG_ASSERT_FAILS(signet_policy_set_isolation_grant(p, NULL, 1, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"NULL argument");
	sg_policy_isolation(p, &iso);
	CU_ASSERT_EQUAL(iso.grants, SG_ENTITLEMENT_FILES_READ);
	/* None: back to the default. */
	SG_ASSERT_OK(signet_policy_set_isolation_grant(p, NULL, 0, &err), &err);
	sg_policy_isolation(p, &iso);
	CU_ASSERT_EQUAL(iso.grants, 0);
	signet_policy_free(p);
}

static void test_isolation_read_paths(void)
{
	signet_policy *p = NULL;
	signet_error *err = NULL;
	sg_isolation iso;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	const char *good[] = { "/usr/share/zoneinfo", "/", "/srv/a.b/..c/.d" };
	SG_ASSERT_OK(signet_policy_set_isolation_read_paths(p, good, 3, &err), &err);
	sg_policy_isolation(p, &iso);
	CU_ASSERT_EQUAL_FATAL(iso.read_path_count, 3);
	CU_ASSERT_STRING_EQUAL(iso.read_paths[0], "/usr/share/zoneinfo");
	CU_ASSERT_STRING_EQUAL(iso.read_paths[1], "/");
	CU_ASSERT_STRING_EQUAL(iso.read_paths[2], "/srv/a.b/..c/.d");

	static const char *const bad[] = { "usr/share", "", "/usr/share/", "/usr//share", "/usr/./share",
		"/srv/data/../..", "/..", "/.", "//" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *list[] = { "/etc/ssl", bad[i] };
		char want[160];
		snprintf(want, sizeof want, "read path \"%s\": expected an absolute, normalized path", bad[i]);
		SG_ASSERT_FAILS(signet_policy_set_isolation_read_paths(p, list, 2, &err), &err, SIGNET_E_POLICY_INVALID,
			want);
	}
	const char *many[SIGNET_POLICY_MAX_READ_PATHS + 1];
	for (size_t i = 0; i <= SIGNET_POLICY_MAX_READ_PATHS; i++)
		many[i] = "/srv";
	SG_ASSERT_FAILS(signet_policy_set_isolation_read_paths(p, many, SIGNET_POLICY_MAX_READ_PATHS + 1, &err), &err,
		SIGNET_E_LIMIT, "at most 64 read paths, not 65");
	SG_ASSERT_FAILS(signet_policy_set_isolation_read_paths(NULL, good, 1, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"NULL argument");
	/* Every failure left the list as it was. */
	sg_policy_isolation(p, &iso);
	CU_ASSERT_EQUAL(iso.read_path_count, 3);
	SG_ASSERT_OK(signet_policy_set_isolation_read_paths(p, NULL, 0, &err), &err);
	sg_policy_isolation(p, &iso);
	CU_ASSERT_EQUAL(iso.read_path_count, 0);
	signet_policy_free(p);
}

/* ---- the policy file ---------------------------------------------------- */

/* The verdict of each image under `p`: the code per image. */
static void verdicts(const signet_policy *p, int out[5])
{
	const signet_identity *ids[5] = { id_a, id_b, id_c, id_d, id_n };
	for (int i = 0; i < 5; i++)
		out[i] = sg_policy_admit(p, ids[i], NULL);
}

static void test_file_round_trip(void)
{
	setup();
	char sub[PATH_MAX - 256], certs[PATH_MAX - 128], file[PATH_MAX];
	snprintf(sub, sizeof sub, "%s/etc", dir);
	snprintf(certs, sizeof certs, "%s/etc/certs", dir);
	CU_ASSERT_FATAL(mkdir(sub, 0755) == 0 && mkdir(certs, 0755) == 0);
	char copy[PATH_MAX + 16];
	snprintf(copy, sizeof copy, "%s/root.pem", certs);
	copy_file(anchors, copy, 0644);

	char serial_b[80];
	snprintf(serial_b, sizeof serial_b, "%s", signet_identity_leaf_serial(id_b));
	lower(serial_b);
	char text[4096];
	snprintf(text, sizeof text,
		"{\n"
		"  \"anchors\": \"certs\",\n"
		"  \"requirement\": \"anchor trusted and team \\\"" TEAM_A "\\\"\",\n"
		"  \"allow\": { \"identifiers\": [\"com.example.a\", \"com.example.b\"],\n"
		"             \"cdhashes\": [\"%s\"] },\n"
		"  \"deny\": { \"cdhashes\": [\"%s\"], \"serials\": [\"%s\"] },\n"
		"  \"platform\": { \"directories\": [\"/usr/lib/x86_64-linux-gnu\", \"/usr/lib\"],\n"
		"                \"sonames\": [\"libc.so.6\", \"libm.so.6\"] },\n"
		"  \"verify\": { \"allow_no_team\": true },\n"
		"  \"peers\": { \"uninspectable_uids\": [0, 1000, 0] },\n"
		"  \"isolation\": { \"crash_limit\": 0, \"accept_weaker\": true,\n"
		"                 \"grant\": [\"org.signet.network.client\", \"org.signet.files.read\"],\n"
		"                 \"read_paths\": [\"/usr/share/zoneinfo\", \"/etc/ssl\"],\n"
		"                 \"memory_mb\": 256, \"cpu_seconds\": 10, \"call_timeout_ms\": 500 }\n"
		"}\n",
		signet_identity_cdhash_hex(id_c), signet_identity_cdhash_hex(id_a), serial_b);
	snprintf(file, sizeof file, "%s/policy.json", sub);
	write_text(file, text, strlen(text));

	signet_policy *from_file = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_load(&from_file, file, &err), &err);

	/* The same policy through the API. */
	signet_policy *built = policy_with_anchors();
	SG_ASSERT_OK(signet_policy_set_requirement(built, "anchor trusted and team \"" TEAM_A "\"", &err), &err);
	SG_ASSERT_OK(signet_policy_allow_identifier(built, "com.example.a", &err), &err);
	SG_ASSERT_OK(signet_policy_allow_identifier(built, "com.example.b", &err), &err);
	SG_ASSERT_OK(signet_policy_allow_cdhash(built, signet_identity_cdhash_hex(id_c), &err), &err);
	SG_ASSERT_OK(signet_policy_deny_cdhash(built, signet_identity_cdhash_hex(id_a), &err), &err);
	SG_ASSERT_OK(signet_policy_deny_serial(built, serial_b, &err), &err);
	const char *dirs[] = { "/usr/lib/x86_64-linux-gnu", "/usr/lib" };
	SG_ASSERT_OK(signet_policy_set_platform_directories(built, dirs, 2, &err), &err);
	const char *sonames[] = { "libc.so.6", "libm.so.6" };
	SG_ASSERT_OK(signet_policy_set_platform_sonames(built, sonames, 2, &err), &err);
	SG_ASSERT_OK(signet_policy_set_allow_no_team(built, true, &err), &err);
	SG_ASSERT_OK(signet_policy_accept_uninspectable_uid(built, 0, &err), &err);
	SG_ASSERT_OK(signet_policy_accept_uninspectable_uid(built, 1000, &err), &err);
	SG_ASSERT_OK(signet_policy_set_isolation_crash_limit(built, 0, &err), &err);
	SG_ASSERT_OK(signet_policy_set_isolation_accept_weaker(built, true, &err), &err);
	const char *grant[] = { SIGNET_ENTITLEMENT_NETWORK_CLIENT, SIGNET_ENTITLEMENT_FILES_READ };
	SG_ASSERT_OK(signet_policy_set_isolation_grant(built, grant, 2, &err), &err);
	const char *read_paths[] = { "/usr/share/zoneinfo", "/etc/ssl" };
	SG_ASSERT_OK(signet_policy_set_isolation_read_paths(built, read_paths, 2, &err), &err);
	SG_ASSERT_OK(signet_policy_set_isolation_memory_mb(built, 256, &err), &err);
	SG_ASSERT_OK(signet_policy_set_isolation_cpu_seconds(built, 10, &err), &err);
	SG_ASSERT_OK(signet_policy_set_isolation_call_timeout_ms(built, 500, &err), &err);

	/* The isolation settings, the same both ways. */
	sg_isolation fi, bi;
	sg_policy_isolation(from_file, &fi);
	sg_policy_isolation(built, &bi);
	CU_ASSERT_EQUAL(fi.crash_limit, 0);
	CU_ASSERT_TRUE(fi.accept_weaker);
	CU_ASSERT_EQUAL(fi.grants, SG_ENTITLEMENT_NETWORK_CLIENT | SG_ENTITLEMENT_FILES_READ);
	CU_ASSERT_EQUAL(fi.memory_mb, 256);
	CU_ASSERT_EQUAL(fi.cpu_seconds, 10);
	CU_ASSERT_EQUAL(fi.call_timeout_ms, 500);
	CU_ASSERT_EQUAL_FATAL(fi.read_path_count, 2);
	CU_ASSERT_STRING_EQUAL(fi.read_paths[0], "/usr/share/zoneinfo");
	CU_ASSERT_STRING_EQUAL(fi.read_paths[1], "/etc/ssl");
	CU_ASSERT_EQUAL(fi.crash_limit, bi.crash_limit);
	CU_ASSERT_EQUAL(fi.accept_weaker, bi.accept_weaker);
	CU_ASSERT_EQUAL(fi.grants, bi.grants);
	CU_ASSERT_EQUAL(fi.memory_mb, bi.memory_mb);
	CU_ASSERT_EQUAL(fi.cpu_seconds, bi.cpu_seconds);
	CU_ASSERT_EQUAL(fi.call_timeout_ms, bi.call_timeout_ms);
	CU_ASSERT_EQUAL_FATAL(bi.read_path_count, 2);
	CU_ASSERT_STRING_EQUAL(fi.read_paths[1], bi.read_paths[1]);

	int got[5], want[5];
	verdicts(from_file, got);
	verdicts(built, want);
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(got[i], want[i]);
	/* And what those verdicts are: a denied by cdhash, b by serial, c allowed by
	 * cdhash, d on no list, n allowed by nothing either. */
	CU_ASSERT_EQUAL(got[0], SIGNET_E_POLICY_DENIED);
	CU_ASSERT_EQUAL(got[1], SIGNET_E_POLICY_DENIED);
	CU_ASSERT_EQUAL(got[2], 0);
	CU_ASSERT_EQUAL(got[3], SIGNET_E_POLICY_NOT_ALLOWED);
	CU_ASSERT_EQUAL(got[4], SIGNET_E_POLICY_NOT_ALLOWED);

	CU_ASSERT_PTR_NOT_NULL(sg_policy_trust(from_file));
	signet_verify_options o;
	sg_policy_verify_options(from_file, &o);
	CU_ASSERT_TRUE(o.allow_no_team);
	size_t n = 0;
	const char *const *d = sg_policy_platform_directories(from_file, &n);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_EQUAL(d[0], "/usr/lib/x86_64-linux-gnu");
	CU_ASSERT_STRING_EQUAL(d[1], "/usr/lib");
	CU_ASSERT_TRUE(from_file->sonames_restricted);
	CU_ASSERT_EQUAL(from_file->platform_sonames.n, 2);
	CU_ASSERT_PTR_NULL(signet_policy_host_team(from_file));
	/* The uids, each once (a repeat is not a second entry), the same as by calls. */
	CU_ASSERT_EQUAL(from_file->uninspectable_uids.n, 2);
	CU_ASSERT_EQUAL(built->uninspectable_uids.n, 2);
	CU_ASSERT_TRUE(sg_policy_accepts_uninspectable_uid(from_file, 0));
	CU_ASSERT_TRUE(sg_policy_accepts_uninspectable_uid(from_file, 1000));
	CU_ASSERT_FALSE(sg_policy_accepts_uninspectable_uid(from_file, 1001));
	signet_policy_free(built);
	signet_policy_free(from_file);

	/* An empty object is the defaults. */
	write_text(file, "{}", 2);
	SG_ASSERT_OK(signet_policy_load(&from_file, file, &err), &err);
	CU_ASSERT_PTR_NULL(sg_policy_trust(from_file));
	sg_policy_platform_directories(from_file, &n);
	CU_ASSERT_EQUAL(n, 6);
	CU_ASSERT_FALSE(from_file->sonames_restricted);
	sg_policy_isolation(from_file, &fi);
	assert_default_isolation(&fi);
	signet_policy_free(from_file);

	/* So is an empty isolation object; each key alone changes only itself. */
	static const char *const alone[] = {
		"{\"isolation\": {}}",
		"{\"isolation\": {\"crash_limit\": 7}}",
		"{\"isolation\": {\"accept_weaker\": false}}",
		"{\"isolation\": {\"grant\": []}}",
		"{\"isolation\": {\"grant\": [\"org.signet.files.read\"]}}",
		"{\"isolation\": {\"read_paths\": [\"/\"]}}",
		"{\"isolation\": {\"memory_mb\": 1}}",
		"{\"isolation\": {\"cpu_seconds\": 31536000}}",
		"{\"isolation\": {\"call_timeout_ms\": 1}}",
	};
	for (size_t i = 0; i < sizeof alone / sizeof alone[0]; i++) {
		write_text(file, alone[i], strlen(alone[i]));
		SG_ASSERT_OK(signet_policy_load(&from_file, file, &err), &err);
		sg_policy_isolation(from_file, &fi);
		sg_isolation want_iso;
		sg_policy_isolation(NULL, &want_iso);
		switch (i) {
		case 1: want_iso.crash_limit = 7; break;
		case 4: want_iso.grants = SG_ENTITLEMENT_FILES_READ; break;
		case 5: want_iso.read_path_count = 1; break;
		case 6: want_iso.memory_mb = 1; break;
		case 7: want_iso.cpu_seconds = 31536000; break;
		case 8: want_iso.call_timeout_ms = 1; break;
		default: break;
		}
		if (fi.crash_limit != want_iso.crash_limit || fi.accept_weaker != want_iso.accept_weaker ||
		    fi.grants != want_iso.grants || fi.read_path_count != want_iso.read_path_count ||
		    fi.memory_mb != want_iso.memory_mb || fi.cpu_seconds != want_iso.cpu_seconds ||
		    fi.call_timeout_ms != want_iso.call_timeout_ms) {
			fprintf(stderr, "  %s: not applied as written\n", alone[i]);
			CU_FAIL("an isolation key alone");
		}
		signet_policy_free(from_file);
	}
}

/* The example of docs/policy.md ("The policy file"), loaded as written, means what the page says. */
static void test_file_doc_example(void)
{
	setup();
	char page[PATH_MAX];
	const char *src = getenv("SIGNET_TEST_SRCDIR");
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	snprintf(page, sizeof page, "%s/docs/policy.md", src);
	size_t len = 0;
	char *text = (char *)sg_read_file(page, &len);
	const char *section = strstr(text, "## The policy file");
	const char *start = section ? strstr(section, "```json\n") : NULL;
	const char *end = start ? strstr(start + 8, "```") : NULL;
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	start += 8;

	/* Its anchors are "anchors": a directory next to the file. */
	char sub[PATH_MAX - 256], certs[PATH_MAX - 128], file[PATH_MAX], copy[PATH_MAX + 16];
	snprintf(sub, sizeof sub, "%s/doc", dir);
	snprintf(certs, sizeof certs, "%s/anchors", sub);
	CU_ASSERT_FATAL(mkdir(sub, 0755) == 0 && mkdir(certs, 0755) == 0);
	snprintf(copy, sizeof copy, "%s/root.pem", certs);
	copy_file(anchors, copy, 0644);
	snprintf(file, sizeof file, "%s/policy.json", sub);
	write_text(file, start, (size_t)(end - start));
	free(text);

	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_load(&p, file, &err), &err);
	CU_ASSERT_PTR_NOT_NULL(sg_policy_trust(p));
	CU_ASSERT_EQUAL(p->allow_identifiers.n, 2);
	CU_ASSERT_EQUAL(p->deny_serials.n, 1);
	CU_ASSERT_TRUE(p->sonames_restricted);
	CU_ASSERT_TRUE(sg_policy_accepts_uninspectable_uid(p, 0));
	CU_ASSERT_FALSE(sg_policy_accepts_uninspectable_uid(p, 1000));
	sg_isolation iso;
	sg_policy_isolation(p, &iso);
	CU_ASSERT_EQUAL(iso.crash_limit, 5);
	CU_ASSERT_FALSE(iso.accept_weaker);
	CU_ASSERT_EQUAL(iso.grants, SG_ENTITLEMENT_FILES_READ);
	CU_ASSERT_EQUAL_FATAL(iso.read_path_count, 1);
	CU_ASSERT_STRING_EQUAL(iso.read_paths[0], "/usr/share/zoneinfo");
	CU_ASSERT_EQUAL(iso.memory_mb, 256);
	CU_ASSERT_EQUAL(iso.cpu_seconds, 300);
	CU_ASSERT_EQUAL(iso.call_timeout_ms, 5000);
	signet_policy_free(p);
}

static void test_file_relative_anchors(void)
{
	setup();
	char sub[PATH_MAX - 256], file[PATH_MAX];
	snprintf(sub, sizeof sub, "%s/conf", dir);
	CU_ASSERT_FATAL(mkdir(sub, 0755) == 0);
	snprintf(file, sizeof file, "%s/policy.json", sub);
	const char *text = "{ \"anchors\": \"../root.pem\", \"requirement\": \"anchor trusted\" }";
	write_text(file, text, strlen(text));

	/* From another working directory: relative means relative to the file. */
	char cwd[PATH_MAX];
	CU_ASSERT_FATAL(getcwd(cwd, sizeof cwd) != NULL);
	CU_ASSERT_FATAL(chdir("/") == 0);
	signet_policy *p = NULL;
	signet_error *err = NULL;
	int rc = signet_policy_load(&p, file, &err);
	CU_ASSERT_FATAL(chdir(cwd) == 0);
	SG_ASSERT_OK(rc, &err);
	signet_identity *id = NULL;
	signet_verify_options o;
	sg_policy_verify_options(p, &o);
	SG_ASSERT_OK(signet_verify_file(&id, path_a, sg_policy_trust(p), &o, &err), &err);
	SG_ASSERT_OK(sg_policy_admit(p, id, &err), &err);
	signet_identity_free(id);
	signet_policy_free(p);

	/* A relative policy path: the anchors are found next to it, wherever that is. */
	CU_ASSERT_FATAL(chdir(sub) == 0);
	rc = signet_policy_load(&p, "policy.json", &err);
	CU_ASSERT_FATAL(chdir(cwd) == 0);
	SG_ASSERT_OK(rc, &err);
	CU_ASSERT_PTR_NOT_NULL(sg_policy_trust(p));
	signet_policy_free(p);
}

/* Writes `len` bytes as a policy file, loads it, and checks the refusal. */
static void refused_file(const char *name, const char *text, size_t len, int code, const char *reason)
{
	char file[PATH_MAX];
	snprintf(file, sizeof file, "%s/%s", dir, name);
	write_text(file, text, len);
	signet_policy *p = NULL;
	signet_error *err = NULL;
	int rc = signet_policy_load(&p, file, &err);
	CU_ASSERT_PTR_NULL(p);
	if (rc != code)
		fprintf(stderr, "  %s: rc %d, wanted %d (%s)\n", name, rc, code, err ? signet_error_message(err) : "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_STRING_EQUAL(signet_error_path(err), file);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "policy.file");
	SG_ASSERT_FAILS(rc, &err, code, reason);
	signet_policy_free(p);
}

#define REFUSED(name, literal, reason) \
	refused_file(name, literal, sizeof literal - 1, SIGNET_E_POLICY_INVALID, reason)

static void test_file_invalid(void)
{
	setup();
	REFUSED("dup.json", "{\"requirement\": \"true\",\n \"requirement\": \"false\"}",
		"line 2, column 14: not valid JSON: duplicate object key");
	REFUSED("dup-nested.json", "{\"allow\": {\"identifiers\": [], \"identifiers\": []}}", "duplicate object key");
	REFUSED("unknown.json", "{\"anchor\": \"root.pem\"}",
		"top level: unknown key \"anchor\" (known keys: anchors, requirement, allow, deny, platform, verify, peers, "
		"isolation, revocation, tsa_anchors, trust_bundle)");
	/* isolation: its keys, types, ranges and values. */
	REFUSED("iso-type.json", "{\"isolation\": true}", "isolation: expected an object, got a boolean");
	REFUSED("iso-unknown.json", "{\"isolation\": {\"grants\": []}}",
		"isolation: unknown key \"grants\" (known keys: crash_limit, accept_weaker, grant, read_paths, memory_mb, "
		"cpu_seconds, call_timeout_ms)");
	REFUSED("iso-crash-type.json", "{\"isolation\": {\"crash_limit\": \"3\"}}",
		"isolation.crash_limit: expected an integer, got a string");
	REFUSED("iso-crash-real.json", "{\"isolation\": {\"crash_limit\": 3.0}}",
		"isolation.crash_limit: expected an integer, got a number");
	REFUSED("iso-crash-negative.json", "{\"isolation\": {\"crash_limit\": -1}}",
		"isolation.crash_limit: -1: expected an integer from 0 to 1000000");
	REFUSED("iso-crash-big.json", "{\"isolation\": {\"crash_limit\": 1000001}}",
		"isolation.crash_limit: 1000001: expected an integer from 0 to 1000000");
	REFUSED("iso-weaker.json", "{\"isolation\": {\"accept_weaker\": 1}}",
		"isolation.accept_weaker: expected a boolean, got a number");
	REFUSED("iso-memory-zero.json", "{\"isolation\": {\"memory_mb\": 0}}",
		"isolation.memory_mb: 0: expected an integer from 1 to 1048576");
	REFUSED("iso-memory-big.json", "{\"isolation\": {\"memory_mb\": 4294967297}}",
		"isolation.memory_mb: 4294967297: expected an integer from 1 to 1048576");
	REFUSED("iso-cpu.json", "{\"isolation\": {\"cpu_seconds\": 0}}",
		"isolation.cpu_seconds: 0: expected an integer from 1 to 31536000");
	REFUSED("iso-timeout.json", "{\"isolation\": {\"call_timeout_ms\": 86400001}}",
		"isolation.call_timeout_ms: 86400001: expected an integer from 1 to 86400000");
	REFUSED("iso-timeout-null.json", "{\"isolation\": {\"call_timeout_ms\": null}}",
		"isolation.call_timeout_ms: expected an integer, got null");
	REFUSED("iso-grant-type.json", "{\"isolation\": {\"grant\": \"org.signet.files.read\"}}",
		"isolation.grant: expected an array, got a string");
	REFUSED("iso-grant-unknown.json", "{\"isolation\": {\"grant\": [\"org.signet.files.read\", \"org.signet.files.write\"]}}",
		"isolation.grant[1]: \"org.signet.files.write\": expected an entitlement Signet defines "
		"(org.signet.network.client, org.signet.files.read)");
	REFUSED("iso-grant-bool.json", "{\"isolation\": {\"grant\": [true]}}",
		"isolation.grant[0]: expected a string, got a boolean");
	REFUSED("iso-read-relative.json", "{\"isolation\": {\"read_paths\": [\"srv\"]}}",
		"isolation.read_paths[0]: \"srv\": expected an absolute, normalized path (no empty, \".\" or \"..\" "
		"component, no trailing '/')");
	REFUSED("iso-read-dotdot.json", "{\"isolation\": {\"read_paths\": [\"/srv\", \"/srv/data/../..\"]}}",
		"isolation.read_paths[1]: \"/srv/data/../..\": expected an absolute, normalized path");
	REFUSED("iso-read-trailing.json", "{\"isolation\": {\"read_paths\": [\"/srv/\"]}}",
		"isolation.read_paths[0]: \"/srv/\": expected an absolute, normalized path");
	REFUSED("iso-dup.json", "{\"isolation\": {\"crash_limit\": 1, \"crash_limit\": 2}}", "duplicate object key");
	REFUSED("peers-unknown.json", "{\"peers\": {\"uids\": [0]}}",
		"peers: unknown key \"uids\" (known keys: uninspectable_uids)");
	REFUSED("peers-type.json", "{\"peers\": [0]}", "peers: expected an object, got an array");
	REFUSED("uids-type.json", "{\"peers\": {\"uninspectable_uids\": 0}}",
		"peers.uninspectable_uids: expected an array, got a number");
	REFUSED("uid-string.json", "{\"peers\": {\"uninspectable_uids\": [0, \"0\"]}}",
		"peers.uninspectable_uids[1]: expected a uid (an integer), got a string");
	REFUSED("uid-real.json", "{\"peers\": {\"uninspectable_uids\": [1.5]}}",
		"peers.uninspectable_uids[0]: expected a uid (an integer), got a number");
	REFUSED("uid-negative.json", "{\"peers\": {\"uninspectable_uids\": [-1]}}",
		"peers.uninspectable_uids[0]: -1: expected a uid from 0 to 4294967294");
	REFUSED("uid-none.json", "{\"peers\": {\"uninspectable_uids\": [4294967295]}}",
		"peers.uninspectable_uids[0]: 4294967295: expected a uid from 0 to 4294967294");
	REFUSED("uid-big.json", "{\"peers\": {\"uninspectable_uids\": [99999999999999]}}",
		"peers.uninspectable_uids[0]: 99999999999999: expected a uid from 0 to 4294967294");
	REFUSED("unknown-nested.json", "{\"allow\": {\"identifier\": [\"a\"]}}",
		"allow: unknown key \"identifier\" (known keys: identifiers, cdhashes)");
	REFUSED("type-bool.json", "{\"verify\": {\"allow_no_team\": \"yes\"}}",
		"verify.allow_no_team: expected a boolean, got a string");
	REFUSED("type-string.json", "{\"requirement\": 1}", "requirement: expected a string, got a number");
	REFUSED("type-object.json", "{\"deny\": [\"x\"]}", "deny: expected an object, got an array");
	REFUSED("type-array.json", "{\"platform\": {\"sonames\": \"libc.so.6\"}}",
		"platform.sonames: expected an array, got a string");
	REFUSED("nested.json", "{\"allow\": {\"identifiers\": [[\"com.example.a\"]]}}",
		"allow.identifiers[0]: expected a string, got an array");
	REFUSED("null.json", "{\"anchors\": null}", "anchors: expected a string, got null");
	REFUSED("hex-short.json", "{\"deny\": {\"cdhashes\": [\"abc\"]}}",
		"deny.cdhashes[0]: \"abc\": expected 64 hex digits");
	REFUSED("hex-long.json", "{\"allow\": {\"cdhashes\": "
		"[\"00000000000000000000000000000000000000000000000000000000000000000\"]}}",
		"allow.cdhashes[0]: \"0000");
	REFUSED("serial.json", "{\"deny\": {\"serials\": [\"0A1B\", \"0A:1B\"]}}",
		"deny.serials[1]: \"0A:1B\": expected 1 to 64 hex digits");
	REFUSED("identifier.json", "{\"allow\": {\"identifiers\": [\"com/example\"]}}",
		"allow.identifiers[0]: \"com/example\": expected an identifier");
	REFUSED("directory.json", "{\"platform\": {\"directories\": [\"usr/lib\"]}}",
		"platform.directories[0]: \"usr/lib\": expected an absolute path");
	REFUSED("soname.json", "{\"platform\": {\"sonames\": [\"..\"]}}", "platform.sonames[0]: \"..\"");
	REFUSED("empty-anchors.json", "{\"anchors\": \"\"}", "anchors: expected a path");
	REFUSED("not-object.json", "[\"anchors\"]", "top level: expected an object, got an array");
	REFUSED("not-json.json", "{\"anchors\": }", "line 1, column 13: not valid JSON");
	REFUSED("scalar.json", "\"anchors\"", "line 1, column 9: not valid JSON");
	REFUSED("empty.json", "", "not valid JSON");
	REFUSED("trailing.json", "{} {}", "not valid JSON");
	REFUSED("utf8.json", "{\"requirement\": \"\xff\"}",
		"line 1, column 18: invalid UTF-8 (byte 0xff at offset 17)");
	REFUSED("utf8-overlong.json", "{\n\"requirement\": \"\xc0\xaf\"}", "line 2, column 17: invalid UTF-8");
	REFUSED("utf8-surrogate.json", "{\"requirement\": \"\xed\xa0\x80\"}", "invalid UTF-8 (byte 0xed");
	REFUSED("utf8-truncated.json", "{\"requirement\": \"\xe2\x82", "invalid UTF-8 (byte 0xe2");
	REFUSED("nul.json", "{\"requirement\": \"a\0b\"}", "line 1, column 19: NUL byte");
	REFUSED("escaped-nul.json", "{\"requirement\": \"a\\u0000b\"}", "not valid JSON");

	/* Deep nesting: jansson's own depth bound, then our shape. */
	size_t depth = 5000;
	char *deep = malloc(2 * depth + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(deep);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	refused_file("deep.json", deep, 2 * depth, SIGNET_E_POLICY_INVALID, "not valid JSON");
	free(deep);

	/* A bad requirement: its own message, with the column, as the cause. */
	char file[PATH_MAX];
	snprintf(file, sizeof file, "%s/req.json", dir);
	const char *req = "{\"requirement\": \"anchor trusted and tema \\\"X\\\"\"}";
	write_text(file, req, strlen(req));
	signet_policy *p = NULL;
	signet_error *err = NULL;
	CU_ASSERT_EQUAL(signet_policy_load(&p, file, &err), SIGNET_E_POLICY_INVALID);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(err), "req.json: requirement: column 20: "));
	CU_ASSERT_EQUAL(signet_error_column(err), 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(signet_error_cause(err));
	CU_ASSERT_EQUAL(signet_error_code(signet_error_cause(err)), SIGNET_E_REQUIREMENT_SYNTAX);
	signet_error_free(err);
	err = NULL;

	/* Missing anchors: resolved against the file's directory, named, and the cause kept. */
	char want[PATH_MAX + 64];
	snprintf(want, sizeof want, "anchors: cannot load trust anchors: %s/no-such/root.pem: ", dir);
	const char *missing = "{\"anchors\": \"no-such/root.pem\"}";
	refused_file("missing-anchors.json", missing, strlen(missing), SIGNET_E_POLICY_INVALID, want);
	snprintf(file, sizeof file, "%s/missing-anchors.json", dir);
	CU_ASSERT_EQUAL(signet_policy_load(&p, file, &err), SIGNET_E_POLICY_INVALID);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(signet_error_cause(err));
	CU_ASSERT_EQUAL(signet_error_code(signet_error_cause(err)), SIGNET_E_IO);
	signet_error_free(err);
	err = NULL;

	/* Too many entries for a list. */
	char big[8192];
	size_t used = (size_t)snprintf(big, sizeof big, "{\"platform\": {\"directories\": [");
	for (int i = 0; i <= SIGNET_POLICY_MAX_DIRECTORIES; i++)
		used += (size_t)snprintf(big + used, sizeof big - used, "%s\"/usr/lib\"", i ? ", " : "");
	used += (size_t)snprintf(big + used, sizeof big - used, "]}}");
	refused_file("many.json", big, used, SIGNET_E_POLICY_INVALID, "platform.directories: at most 64 entries, not 65");
	used = (size_t)snprintf(big, sizeof big, "{\"peers\": {\"uninspectable_uids\": [");
	for (int i = 0; i <= SIGNET_POLICY_MAX_UIDS; i++)
		used += (size_t)snprintf(big + used, sizeof big - used, "%s%d", i ? ", " : "", i);
	used += (size_t)snprintf(big + used, sizeof big - used, "]}}");
	refused_file("many-uids.json", big, used, SIGNET_E_POLICY_INVALID,
		"peers.uninspectable_uids: at most 256 entries, not 257");
	used = (size_t)snprintf(big, sizeof big, "{\"isolation\": {\"read_paths\": [");
	for (int i = 0; i <= SIGNET_POLICY_MAX_READ_PATHS; i++)
		used += (size_t)snprintf(big + used, sizeof big - used, "%s\"/srv\"", i ? ", " : "");
	used += (size_t)snprintf(big + used, sizeof big - used, "]}}");
	refused_file("many-read-paths.json", big, used, SIGNET_E_POLICY_INVALID,
		"isolation.read_paths: at most 64 entries, not 65");
	used = (size_t)snprintf(big, sizeof big, "{\"isolation\": {\"grant\": [");
	for (int i = 0; i <= SIGNET_POLICY_MAX_GRANTS; i++)
		used += (size_t)snprintf(big + used, sizeof big - used, "%s\"org.signet.files.read\"", i ? ", " : "");
	used += (size_t)snprintf(big + used, sizeof big - used, "]}}");
	refused_file("many-grants.json", big, used, SIGNET_E_POLICY_INVALID, "isolation.grant: at most 64 entries, not 65");
}

static void test_file_size_and_kind(void)
{
	setup();
	/* One byte over the limit, and a sparse gigabyte: both refused by size, before reading. */
	char file[PATH_MAX];
	snprintf(file, sizeof file, "%s/big.json", dir);
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, "{}", 2) == 2);
	CU_ASSERT_FATAL(ftruncate(fd, SIGNET_POLICY_MAX_FILE_SIZE + 1) == 0);
	close(fd);
	signet_policy *p = NULL;
	signet_error *err = NULL;
	int rc = signet_policy_load(&p, file, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "file.size");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_LIMIT, "big.json: too large: 1048577 bytes, the limit is 1048576");
	fd = open(file, O_WRONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0 && ftruncate(fd, 1LL << 30) == 0);
	close(fd);
	SG_ASSERT_FAILS(signet_policy_load(&p, file, &err), &err, SIGNET_E_LIMIT, "too large: 1073741824 bytes");

	/* Exactly at the limit is fine: "{}" and spaces. */
	char *text = malloc(SIGNET_POLICY_MAX_FILE_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	memset(text, ' ', SIGNET_POLICY_MAX_FILE_SIZE);
	text[0] = '{';
	text[SIGNET_POLICY_MAX_FILE_SIZE - 1] = '}';
	write_text(file, text, SIGNET_POLICY_MAX_FILE_SIZE);
	free(text);
	SG_ASSERT_OK(signet_policy_load(&p, file, &err), &err);
	signet_policy_free(p);
	p = NULL;

	/* Not there; a directory; NULL. */
	snprintf(file, sizeof file, "%s/absent.json", dir);
	SG_ASSERT_FAILS(signet_policy_load(&p, file, &err), &err, SIGNET_E_IO, "absent.json: cannot open: No such file");
	SG_ASSERT_FAILS(signet_policy_load(&p, dir, &err), &err, SIGNET_E_IO, "not a regular file (a directory)");
	SG_ASSERT_FAILS(signet_policy_load(&p, NULL, &err), &err, SIGNET_E_INVALID_ARGUMENT, "NULL");
	CU_ASSERT_PTR_NULL(p);
}

/* ---- platform libraries ------------------------------------------------- */

/* The system's libc in the first default directory (/lib/<triplet>/libc.so.6). */
static const char *system_lib(const char *soname)
{
	static char out[2][PATH_MAX];
	static int next;
	signet_policy *p = NULL;
	if (signet_policy_new(&p, NULL) != 0)
		return NULL;
	char *o = out[next++ % 2];
	snprintf(o, PATH_MAX, "%s/%s", sg_policy_platform_directories(p, NULL)[0], soname);
	signet_policy_free(p);
	return o;
}

static void test_platform_system_libc(void)
{
	setup();
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	const char *libc = system_lib("libc.so.6");
#if defined(__x86_64__) && !defined(__ILP32__)
	CU_ASSERT_STRING_EQUAL(libc, "/lib/x86_64-linux-gnu/libc.so.6");
#endif
	SG_ASSERT_OK(sg_policy_platform_library(NULL, p, libc, "libc.so.6", &err), &err);
	/* Through /usr too (merged /usr: the same real directory). */
	char usr[PATH_MAX + 8];
	snprintf(usr, sizeof usr, "/usr%s", libc);
	if (access(usr, R_OK) == 0)
		SG_ASSERT_OK(sg_policy_platform_library(NULL, p, usr, "libc.so.6", &err), &err);
	/* Not a file. */
	char d[PATH_MAX];
	snprintf(d, sizeof d, "%s", libc);
	*strrchr(d, '/') = '\0';
	SG_ASSERT_FAILS(sg_policy_platform_library(NULL, p, d, "libc.so.6", &err), &err, SIGNET_E_PLATFORM_REFUSED,
		"is not a regular file");
	/* Not there. */
	SG_ASSERT_FAILS(sg_policy_platform_library(NULL, p, system_lib("libsignet-absent.so.9"), "libsignet-absent.so.9",
		&err), &err, SIGNET_E_PLATFORM_REFUSED, "cannot resolve its real path: No such file or directory");
	/* No platform directories at all. */
	SG_ASSERT_OK(signet_policy_set_platform_directories(p, NULL, 0, &err), &err);
	SG_ASSERT_FAILS(sg_policy_platform_library(NULL, p, libc, "libc.so.6", &err), &err, SIGNET_E_PLATFORM_REFUSED,
		"its name /lib/x86_64-linux-gnu/libc.so.6 is not in a platform directory or below one ((none))");
	signet_policy_free(p);
}

static void test_platform_copy_outside(void)
{
	setup();
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	char copy[PATH_MAX];
	snprintf(copy, sizeof copy, "%s/libc.so.6", sg_sandbox());
	copy_file(system_lib("libc.so.6"), copy, 0644);
	CU_ASSERT_EQUAL(sg_policy_platform_library(NULL, p, copy, "libc.so.6", &err), SIGNET_E_PLATFORM_REFUSED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(err), "is not in a platform directory or below one"));
	CU_ASSERT_STRING_EQUAL(signet_error_path(err), copy);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "policy.platform");
	signet_error_free(err);
	signet_policy_free(p);
}

/* A policy whose only platform directory is a fresh sandbox directory. */
static signet_policy *sandbox_platform(char *platform_dir, mode_t mode)
{
	snprintf(platform_dir, PATH_MAX, "%s/lib", sg_sandbox());
	CU_ASSERT_FATAL(mkdir(platform_dir, 0755) == 0 && chmod(platform_dir, mode) == 0);
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	const char *dirs[] = { platform_dir };
	SG_ASSERT_OK(signet_policy_set_platform_directories(p, dirs, 1, &err), &err);
	return p;
}

/* The nearest directory at or above `d` that group or others may write, or "". */
static void first_writable_ancestor(const char *d, char *out)
{
	char cur[PATH_MAX];
	snprintf(cur, sizeof cur, "%s", d);
	for (;;) {
		struct stat st;
		if (lstat(cur, &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH))) {
			snprintf(out, PATH_MAX, "%s", cur);
			return;
		}
		if (strcmp(cur, "/") == 0)
			break;
		char *s = strrchr(cur, '/');
		if (s == cur)
			s[1] = '\0';
		else
			*s = '\0';
	}
	out[0] = '\0';
}

static void test_platform_permissions(void)
{
	setup();
	bool is_root = geteuid() == 0;
	char pd[PATH_MAX], lib[PATH_MAX + 32], want[PATH_MAX + 128];
	signet_error *err = NULL;

	/* A file others may write: anyone could put their code there. */
	signet_policy *p = sandbox_platform(pd, 0755);
	snprintf(lib, sizeof lib, "%s/libz.so.1", pd);
	copy_file(libz(), lib, 0666);
	snprintf(want, sizeof want, "not a platform library: file %s is writable by group or others (mode 0666)", lib);
	SG_ASSERT_FAILS(sg_policy_platform_library(NULL, p, lib, "libz.so.1", &err), &err, SIGNET_E_PLATFORM_REFUSED, want);
	CU_ASSERT_EQUAL_FATAL(chmod(lib, 0664), 0);
	snprintf(want, sizeof want, "file %s is writable by group or others (mode 0664)", lib);
	SG_ASSERT_FAILS(sg_policy_platform_library(NULL, p, lib, "libz.so.1", &err), &err, SIGNET_E_PLATFORM_REFUSED, want);

	/* A file not owned by root. */
	CU_ASSERT_EQUAL_FATAL(chmod(lib, 0644), 0);
	if (is_root) {
		CU_ASSERT_EQUAL_FATAL(chown(lib, 65534, 65534), 0);
		snprintf(want, sizeof want, "file %s is not owned by root (uid 65534)", lib);
	} else {
		printf("\n  note: not root, so the file is simply ours (uid %lu), not chowned to nobody\n",
			(unsigned long)geteuid());
		snprintf(want, sizeof want, "file %s is not owned by root (uid %lu)", lib, (unsigned long)geteuid());
	}
	SG_ASSERT_FAILS(sg_policy_platform_library(NULL, p, lib, "libz.so.1", &err), &err, SIGNET_E_PLATFORM_REFUSED, want);

	/* A good file in a directory others may write: they could rename it away and plant theirs. */
	if (is_root)
		CU_ASSERT_EQUAL_FATAL(chown(lib, 0, 0), 0);
	CU_ASSERT_EQUAL_FATAL(chmod(pd, 0777), 0);
	if (is_root) {
		snprintf(want, sizeof want, "not a platform library: directory %s is writable by group or others (mode 0777)", pd);
	} else {
		printf("\n  note: not root, so the file's owner is refused before the directory\n");
		snprintf(want, sizeof want, "file %s is not owned by root", lib);
	}
	SG_ASSERT_FAILS(sg_policy_platform_library(NULL, p, lib, "libz.so.1", &err), &err, SIGNET_E_PLATFORM_REFUSED, want);

	/* Directory and file fine: the chain above still counts, up to /. */
	CU_ASSERT_EQUAL_FATAL(chmod(pd, 0755), 0);
	char above[PATH_MAX];
	first_writable_ancestor(pd, above);
	int rc = sg_policy_platform_library(NULL, p, lib, "libz.so.1", &err);
	if (!is_root) {
		CU_ASSERT_EQUAL(rc, SIGNET_E_PLATFORM_REFUSED);
	} else if (above[0]) {
		/* Typically /tmp, mode 1777. */
		CU_ASSERT_EQUAL(rc, SIGNET_E_PLATFORM_REFUSED);
		snprintf(want, sizeof want, "directory %s is writable by group or others", above);
		CU_ASSERT(err && strstr(signet_error_message(err), want));
	} else {
		CU_ASSERT_EQUAL(rc, 0);
	}
	signet_error_free(err);
	signet_policy_free(p);
}

static void test_platform_sonames(void)
{
	setup();
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	const char *libc = system_lib("libc.so.6"), *libm = system_lib("libm.so.6");
	const char *only_libm[] = { "libm.so.6" };
	SG_ASSERT_OK(signet_policy_set_platform_sonames(p, only_libm, 1, &err), &err);
	SG_ASSERT_OK(sg_policy_platform_library(NULL, p, libm, "libm.so.6", &err), &err);
	SG_ASSERT_FAILS(sg_policy_platform_library(NULL, p, libc, "libc.so.6", &err), &err, SIGNET_E_PLATFORM_REFUSED,
		"not a platform library: soname libc.so.6 is not on the policy's platform soname list (1 listed)");
	SG_ASSERT_FAILS(sg_policy_platform_library(NULL, p, libm, NULL, &err), &err, SIGNET_E_PLATFORM_REFUSED,
		"soname (none) is not on");
	/* An empty list admits nothing; NULL lifts the restriction. */
	SG_ASSERT_OK(signet_policy_set_platform_sonames(p, only_libm, 0, &err), &err);
	SG_ASSERT_FAILS(sg_policy_platform_library(NULL, p, libm, "libm.so.6", &err), &err, SIGNET_E_PLATFORM_REFUSED,
		"(0 listed)");
	SG_ASSERT_OK(signet_policy_set_platform_sonames(p, NULL, 0, &err), &err);
	SG_ASSERT_OK(sg_policy_platform_library(NULL, p, libc, "libc.so.6", &err), &err);
	SG_ASSERT_OK(sg_policy_platform_library(NULL, p, libc, NULL, &err), &err);
	SG_ASSERT_FAILS(sg_policy_platform_library(NULL, p, libc, "../libc.so.6", &err), &err, SIGNET_E_PLATFORM_REFUSED,
		"soname \"../libc.so.6\" is not a file name");
	signet_policy_free(p);
}

static void test_platform_symlinks(void)
{
	setup();
	signet_error *err = NULL;
	char pd[PATH_MAX], outside[PATH_MAX], target[PATH_MAX + 32], link[PATH_MAX + 32], want[4 * PATH_MAX];
	signet_policy *p = sandbox_platform(pd, 0755);

	/* A symlink inside the platform directory to a file outside it: judged by its target. */
	snprintf(outside, sizeof outside, "%s", sg_sandbox());
	snprintf(target, sizeof target, "%s/libz.so.1", outside);
	copy_file(libz(), target, 0644);
	snprintf(link, sizeof link, "%s/libz.so.1", pd);
	CU_ASSERT_EQUAL_FATAL(symlink(target, link), 0);
	snprintf(want, sizeof want, "%s: not a platform library: its real path %s is not in a platform "
		"directory or below one (%s)", link, target, pd);
	CU_ASSERT_EQUAL(sg_policy_platform_library(NULL, p, link, "libz.so.1", &err), SIGNET_E_PLATFORM_REFUSED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_STRING_EQUAL(signet_error_message(err), want);
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), outside);
	signet_error_free(err);
	err = NULL;

	/* A relative symlink climbing out ("../"): its real path is outside. */
	char rel[PATH_MAX + 32], parent[PATH_MAX + 32];
	snprintf(parent, sizeof parent, "%s", pd);
	*strrchr(parent, '/') = '\0';
	strcat(parent, "/libz.so.1");
	copy_file(libz(), parent, 0644);
	snprintf(rel, sizeof rel, "%s/librel.so", pd);
	CU_ASSERT_EQUAL_FATAL(symlink("../libz.so.1", rel), 0);
	SG_ASSERT_FAILS(sg_policy_platform_library(NULL, p, rel, "librel.so", &err), &err, SIGNET_E_PLATFORM_REFUSED,
		"its real path");
	signet_policy_free(p);

	/* A name outside every platform directory, even one leading to the real libc: never by name alone. */
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	char to_libc[PATH_MAX + 32];
	snprintf(to_libc, sizeof to_libc, "%s/libc-link.so", outside);
	CU_ASSERT_EQUAL_FATAL(symlink(system_lib("libc.so.6"), to_libc), 0);
	snprintf(want, sizeof want, "its name %s is not in a platform directory or below one", to_libc);
	SG_ASSERT_FAILS(sg_policy_platform_library(NULL, p, to_libc, "libc.so.6", &err), &err,
		SIGNET_E_PLATFORM_REFUSED, want);
	signet_policy_free(p);
}

/*
 * A root-owned tree in the shape of Debian's: usr/lib/<triplet> (a platform
 * directory), usr/lib/llvm-14/lib, usr/lib/<triplet>/lapack and
 * etc/alternatives, with libz copied in as the "library" everywhere.
 */
typedef struct root_tree {
	char root[PATH_MAX], arch[PATH_MAX + 32], usrlib[PATH_MAX + 32], alt[PATH_MAX + 32];
} root_tree;

static bool make_root_tree(root_tree *r)
{
	const char *base = sg_root_sandbox();
	if (!base) {
		printf("\n  note: not root (or /run is not root's alone): the platform-tree checks are skipped\n");
		return false;
	}
	snprintf(r->root, sizeof r->root, "%s", base);
	snprintf(r->usrlib, sizeof r->usrlib, "%s/usr/lib", base);
	snprintf(r->arch, sizeof r->arch, "%s/usr/lib/x86_64-linux-gnu", base);
	snprintf(r->alt, sizeof r->alt, "%s/etc/alternatives", base);
	char cmd[8 * PATH_MAX];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s/lapack' '%s/llvm-14/lib' '%s' '%s/opt' && "
		"cp '%s' '%s/lapack/libz.so.1' && cp '%s' '%s/llvm-14/lib/libz.so.1.0' && cp '%s' '%s/opt/libz.so.1' && "
		"chmod -R go-w '%s'", r->arch, r->usrlib, r->alt, base, libz(), r->arch, libz(), r->usrlib, libz(), base, base);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	return true;
}

static signet_policy *tree_policy(const root_tree *r)
{
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	const char *dirs[] = { r->arch, r->usrlib };
	SG_ASSERT_OK(signet_policy_set_platform_directories(p, dirs, 2, &err), &err);
	return p;
}

/* Debian's alternatives and LLVM's links: followed step by step, each step root's alone. */
static void test_platform_alternatives(void)
{
	setup();
	root_tree r;
	if (!make_root_tree(&r))
		return;
	signet_policy *p = tree_policy(&r);
	signet_error *err = NULL;
	char name[2 * PATH_MAX], alt[2 * PATH_MAX], want[4 * PATH_MAX], real[PATH_MAX];

	/* arch/libz.so.1 -> etc/alternatives/libz.so.1-x86_64-linux-gnu -> arch/lapack/libz.so.1 */
	snprintf(name, sizeof name, "%s/libz.so.1", r.arch);
	snprintf(alt, sizeof alt, "%s/libz.so.1-x86_64-linux-gnu", r.alt);
	char lapack[2 * PATH_MAX];
	snprintf(lapack, sizeof lapack, "%s/lapack/libz.so.1", r.arch);
	CU_ASSERT_EQUAL_FATAL(symlink(alt, name), 0);
	CU_ASSERT_EQUAL_FATAL(symlink(lapack, alt), 0);
	SG_ASSERT_OK(sg_policy_platform_library(real, p, name, "libz.so.1", &err), &err);
	CU_ASSERT_STRING_EQUAL(real, lapack);

	/* The alternatives directory writable by others: they could point the link anywhere. */
	CU_ASSERT_EQUAL_FATAL(chmod(r.alt, 0777), 0);
	snprintf(want, sizeof want, "not a platform library: directory %s is writable by group or others (mode 0777)",
		r.alt);
	SG_ASSERT_FAILS(sg_policy_platform_library(real, p, name, "libz.so.1", &err), &err, SIGNET_E_PLATFORM_REFUSED,
		want);
	CU_ASSERT_EQUAL_FATAL(chmod(r.alt, 0755), 0);

	/* A link in the chain owned by someone else. */
	CU_ASSERT_EQUAL_FATAL(lchown(alt, 65534, 65534), 0);
	snprintf(want, sizeof want, "not a platform library: symlink %s is not owned by root (uid 65534)", alt);
	SG_ASSERT_FAILS(sg_policy_platform_library(real, p, name, "libz.so.1", &err), &err, SIGNET_E_PLATFORM_REFUSED,
		want);
	CU_ASSERT_EQUAL_FATAL(lchown(alt, 0, 0), 0);

	/* The alternative retargeted outside the platform trees: refused by where it leads. */
	char opt[2 * PATH_MAX];
	snprintf(opt, sizeof opt, "%s/opt/libz.so.1", r.root);
	CU_ASSERT_EQUAL_FATAL(unlink(alt), 0);
	CU_ASSERT_EQUAL_FATAL(symlink(opt, alt), 0);
	snprintf(want, sizeof want, "its real path %s is not in a platform directory or below one", opt);
	SG_ASSERT_FAILS(sg_policy_platform_library(real, p, name, "libz.so.1", &err), &err, SIGNET_E_PLATFORM_REFUSED,
		want);

	/* A loop ends. */
	CU_ASSERT_EQUAL_FATAL(unlink(alt), 0);
	CU_ASSERT_EQUAL_FATAL(symlink(name, alt), 0);
	SG_ASSERT_FAILS(sg_policy_platform_library(real, p, name, "libz.so.1", &err), &err, SIGNET_E_PLATFORM_REFUSED,
		"cannot resolve its real path: Too many levels of symbolic links");

	/* arch/libc++-like: a relative link up into usr/lib/llvm-14/lib (below the usr/lib platform directory). */
	char llvm_name[2 * PATH_MAX], llvm[2 * PATH_MAX];
	snprintf(llvm_name, sizeof llvm_name, "%s/libzz.so.1", r.arch);
	snprintf(llvm, sizeof llvm, "%s/llvm-14/lib/libz.so.1.0", r.usrlib);
	CU_ASSERT_EQUAL_FATAL(symlink("../llvm-14/lib/libz.so.1.0", llvm_name), 0);
	SG_ASSERT_OK(sg_policy_platform_library(real, p, llvm_name, "libzz.so.1", &err), &err);
	CU_ASSERT_STRING_EQUAL(real, llvm);

	/* A file named directly in a subdirectory of a platform directory is inside its tree. */
	SG_ASSERT_OK(sg_policy_platform_library(real, p, lapack, "libz.so.1", &err), &err);
	signet_policy_free(p);
}

/* ---- a signed host (a signed copy of this program, run as a child) ------- */

/*
 * Child mode: `test_policy --host <anchors> <a.so> <b.so>` prints the host
 * team, its status and the default requirement's verdict on a and b.
 */
static int host_child(int argc, char **argv)
{
	if (argc != 5)
		return 2;
	signet_policy *p = NULL;
	signet_error *err = NULL;
	if (signet_policy_new(&p, &err) != 0 || signet_policy_set_anchors(p, argv[2], &err) != 0) {
		printf("error=%s\n", signet_error_message(err));
		return 1;
	}
	printf("team=%s\n", signet_policy_host_team(p) ? signet_policy_host_team(p) : "(none)");
	printf("status=%s\n", sg_policy_host_status(p));
	signet_verify_options o;
	sg_policy_verify_options(p, &o);
	for (int i = 3; i < 5; i++) {
		signet_identity *id = NULL;
		int rc = signet_verify_file(&id, argv[i], sg_policy_trust(p), &o, &err);
		if (rc == 0)
			rc = sg_policy_admit(p, id, &err);
		printf("%c=%d %s\n", 'a' + (i - 3), rc, rc ? signet_error_message(err) : "");
		signet_error_free(err);
		err = NULL;
		signet_identity_free(id);
	}
	signet_policy_free(p);
	return 0;
}

/* Runs `host` in child mode and returns its output (static buffer). */
static const char *run_host(const char *host, const char *anchor_path)
{
	static char out[16384];
	int fds[2];
	CU_ASSERT_FATAL(pipe(fds) == 0);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(host, host, "--host", anchor_path, path_a, path_b, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	size_t len = 0;
	ssize_t n;
	while (len < sizeof out - 1 && (n = read(fds[0], out + len, sizeof out - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return out;
}

static void sign_host_copy(char *host, const char *name, const cred *c)
{
	snprintf(host, PATH_MAX, "%s/%s", dir, name);
	copy_file(exe, host, 0755);
	sg_sign_params sp = { .identifier = "org.signet.test-host", .page_shift = 12, .key = c->key, .cert = c->cert };
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_sign_elf_file(host, &sp, &err), &err);
}

static void test_signed_host(void)
{
	setup();
	char host[PATH_MAX], line[PATH_MAX + 256];
	sign_host_copy(host, "host-a", &team_a);

	const char *out = run_host(host, anchors);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "team=" TEAM_A "\n"));
	snprintf(line, sizeof line, "status=%s: signed by team " TEAM_A "\n", host);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, line));
	/* The default requirement now means "my team": a in, b out, explained. */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "a=0 \n"));
	snprintf(line, sizeof line, "b=%d %s: team = host: wanted " TEAM_A ", image has " TEAM_B "\n",
		SIGNET_E_REQUIREMENT_UNMET, path_b);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, line));
	if (!strstr(out, line))
		fprintf(stderr, "  child said:\n%s", out);

	/* The same host against anchors that do not trust its signer: no team. */
	out = run_host(host, rogue_anchors);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "team=(none)\n"));
	snprintf(line, sizeof line, "status=%s: ", host);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, line));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "anchor"));

	/* A host signed by a rogue root with the right team name: still no team. */
	char rogue[PATH_MAX];
	sign_host_copy(rogue, "host-rogue", &rogue_leaf);
	out = run_host(rogue, anchors);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "team=(none)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "the host has no team"));

	/* A host signed without a team: verified, but no team. */
	char noteam[PATH_MAX];
	sign_host_copy(noteam, "host-noteam", &no_team);
	out = run_host(noteam, anchors);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "team=(none)\n"));
	snprintf(line, sizeof line, "status=%s: signed without a team\n", noteam);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, line));
}

/* ---- sharing ------------------------------------------------------------ */

typedef struct worker {
	const signet_policy *p;
	int bad;
} worker;

static void *admit_many(void *arg)
{
	worker *w = arg;
	for (int i = 0; i < 200; i++) {
		signet_error *err = NULL;
		if (sg_policy_admit(w->p, id_a, &err) != 0)
			w->bad++;
		signet_error_free(err);
		err = NULL;
		if (sg_policy_admit(w->p, id_b, &err) != SIGNET_E_REQUIREMENT_UNMET ||
			!strstr(signet_error_message(err), "team: wanted " TEAM_A))
			w->bad++;
		signet_error_free(err);
	}
	return NULL;
}

static void test_shared_by_threads(void)
{
	signet_policy *p = policy_with_anchors();
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_set_requirement(p, "anchor trusted and (team \"" TEAM_A "\" or false)", &err), &err);
	SG_ASSERT_OK(signet_policy_deny_serial(p, "0A1B", &err), &err);
	SG_ASSERT_OK(signet_policy_allow_identifier(p, "com.example.a", &err), &err);
	SG_ASSERT_OK(signet_policy_allow_identifier(p, "com.example.b", &err), &err);
	worker w[8];
	pthread_t t[8];
	for (int i = 0; i < 8; i++) {
		w[i] = (worker){ .p = p };
		CU_ASSERT_FATAL(pthread_create(&t[i], NULL, admit_many, &w[i]) == 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(w[i].bad, 0);
	}
	signet_policy_free(p);
}

/* ---- handing a policy to an isolated guest (transfer.c) ----------------- */

/* Exports and imports `p`; the copy must export to the same text. */
static signet_policy *transferred(const signet_policy *p)
{
	char *text = NULL, *again = NULL;
	signet_policy *copy = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_policy_export(&text, p, &err), &err);
	SG_ASSERT_OK(sg_policy_import(&copy, text, strlen(text), "the host's policy", &err), &err);
	SG_ASSERT_OK(sg_policy_export(&again, copy, &err), &err);
	CU_ASSERT_STRING_EQUAL(text, again);
	free(text);
	free(again);
	return copy;
}

static void test_transfer_round_trip(void)
{
	signet_policy *p = policy_with_anchors();
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_set_requirement(p, "anchor trusted and (team = host or identifier \"com.example.b\")",
		&err), &err);
	SG_ASSERT_OK(signet_policy_allow_identifier(p, "com.example.a", &err), &err);
	SG_ASSERT_OK(signet_policy_allow_identifier(p, "com.example.b", &err), &err);
	SG_ASSERT_OK(signet_policy_deny_cdhash(p, signet_identity_cdhash_hex(id_d), &err), &err);
	SG_ASSERT_OK(signet_policy_deny_serial(p, "00AB", &err), &err);
	const char *sonames[] = { "libc.so.6" };
	SG_ASSERT_OK(signet_policy_set_platform_sonames(p, sonames, 1, &err), &err);
	SG_ASSERT_OK(signet_policy_set_allow_no_team(p, true, &err), &err);
	signet_policy *c = transferred(p);
	/* The same decisions, for the same reasons: the lists, the requirement, the anchors. */
	SG_ASSERT_OK(sg_policy_admit(c, id_b, &err), &err);
	SG_ASSERT_FAILS(sg_policy_admit(c, id_d, &err), &err, SIGNET_E_POLICY_DENIED, "deny");
	CU_ASSERT_EQUAL(sg_policy_admit(p, id_c, NULL), sg_policy_admit(c, id_c, NULL));
	CU_ASSERT_EQUAL(sg_policy_admit(p, id_n, NULL), sg_policy_admit(c, id_n, NULL));
	signet_verify_options a, b;
	sg_policy_verify_options(p, &a);
	sg_policy_verify_options(c, &b);
	CU_ASSERT_EQUAL(a.allow_no_team, b.allow_no_team);
	CU_ASSERT_PTR_NULL(c->tsa);
	signet_policy_free(c);
	/* TSA anchors travel too, and the guest's trust uses them. */
	SG_ASSERT_OK(signet_policy_set_tsa_anchors(p, p->anchors_path, &err), &err);
	c = transferred(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c->tsa);
	CU_ASSERT_PTR_EQUAL(c->trust->tsa, c->tsa);
	CU_ASSERT_EQUAL(sg_trust_count(c->tsa), sg_trust_count(p->tsa));
	signet_policy_free(c);
	/* An empty soname list restricts to nothing, and still does on the other side. */
	SG_ASSERT_OK(signet_policy_set_platform_sonames(p, sonames, 0, &err), &err);
	c = transferred(p);
	char real[PATH_MAX];
	CU_ASSERT_EQUAL(sg_policy_platform_library(real, c, "/usr/lib/x86_64-linux-gnu/libc.so.6", "libc.so.6", NULL),
		SIGNET_E_PLATFORM_REFUSED);
	signet_policy_free(c);
	signet_policy_free(p);
}

static void test_transfer_host_team(void)
{
	/* A host with a team: `team = host` means the host's team on the other side, not the guest's. */
	signet_policy *p = policy_with_anchors();
	signet_error *err = NULL;
	free(p->host_team);
	p->host_team = strdup(TEAM_A);
	SG_ASSERT_OK(signet_policy_set_requirement(p, "anchor trusted and team = host", &err), &err);
	signet_policy *c = transferred(p);
	CU_ASSERT_STRING_EQUAL(signet_policy_host_team(c), TEAM_A);
	SG_ASSERT_OK(sg_policy_admit(c, id_a, &err), &err);
	SG_ASSERT_FAILS(sg_policy_admit(c, id_b, &err), &err, SIGNET_E_REQUIREMENT_UNMET, "team");
	signet_policy_free(c);
	signet_policy_free(p);
}

static void test_transfer_hostile(void)
{
	signet_policy *c = NULL;
	signet_error *err = NULL;
	static const struct {
		const char *text, *reason;
		int code;
	} bad[] = {
		{ "[]", "not a JSON object", SIGNET_E_POLICY_INVALID },
		{ "{", "not a JSON object", SIGNET_E_POLICY_INVALID },
		{ "{\"requirement\": \"anchor trusted\"}", "\"anchors_pem\" is missing", SIGNET_E_POLICY_INVALID },
		{ "{\"anchors_pem\": 7}", "\"anchors_pem\" is missing or not a string", SIGNET_E_POLICY_INVALID },
		{ "{\"anchors_pem\": \"no certificate here\"}", "no certificate", SIGNET_E_NOT_FOUND },
		{ "{\"anchors_pem\": \"x\", \"surprise\": 1}", "surprise", SIGNET_E_POLICY_INVALID },
		{ "{\"anchors_pem\": \"x\", \"host_team\": []}", "host_team", SIGNET_E_POLICY_INVALID },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		SG_ASSERT_FAILS(sg_policy_import(&c, bad[i].text, strlen(bad[i].text), "the host's policy", &err), &err,
			bad[i].code, bad[i].reason);
	CU_ASSERT_PTR_NULL(c);
	/* No anchors: nothing to hand over. */
	signet_policy *p = NULL;
	char *text = NULL;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	SG_ASSERT_FAILS(sg_policy_export(&text, p, &err), &err, SIGNET_E_POLICY_INVALID, "without trust anchors");
	signet_policy_free(p);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--host") == 0)
		return host_child(argc, argv);
	static const sg_test admit[] = {
		{ "defaults: no anchors, default requirement and directories", test_defaults },
		{ "unsigned host: default requirement refused, host has no team", test_unsigned_host_has_no_team },
		{ "explicit requirement admits", test_explicit_requirement_admits },
		{ "wrong team: exact explanation, path, expected/actual", test_wrong_team_explained },
		{ "image without a team: verify options, requirement", test_no_team_image },
		{ "deny cdhash (either case) wins over allow", test_deny_cdhash },
		{ "deny serial: case and leading zeros do not matter", test_deny_serial },
		{ "allow lists: identifier, cdhash, neither; requirement still applies", test_allow_lists },
		{ "setters validate and change nothing on failure", test_setters_validate },
		{ "uids accepted without an identity: validated, capped", test_uninspectable_uids },
		{ "signed host: its team is the host team", test_signed_host },
		{ "one policy shared by concurrent admits", test_shared_by_threads },
		{ NULL, NULL },
	};
	static const sg_test isolation[] = {
		{ "isolation defaults, with and without a policy", test_isolation_defaults },
		{ "isolation numbers: each range's ends, one past refused", test_isolation_numbers },
		{ "grant: only names Signet defines, capped, unchanged on failure", test_isolation_grant },
		{ "read paths: absolute and normalized, capped, unchanged on failure", test_isolation_read_paths },
		{ NULL, NULL },
	};
	static const sg_test file[] = {
		{ "a full valid file behaves like the same policy built by calls", test_file_round_trip },
		{ "relative anchors resolve against the file's directory", test_file_relative_anchors },
		{ "the example of docs/policy.md loads and means what the page says", test_file_doc_example },
		{ "each invalid file: exact code and reason", test_file_invalid },
		{ "size limit before reading; missing file; directory", test_file_size_and_kind },
		{ NULL, NULL },
	};
	static const sg_test platform[] = {
		{ "the system libc is a platform library", test_platform_system_libc },
		{ "a copy outside the platform directories is refused", test_platform_copy_outside },
		{ "permissions and ownership of file and directory chain", test_platform_permissions },
		{ "soname list restricts platform libraries", test_platform_sonames },
		{ "symlinks are judged by their real path", test_platform_symlinks },
		{ "alternatives and LLVM links: each step root's alone", test_platform_alternatives },
		{ NULL, NULL },
	};
	static const sg_test transfer[] = {
		{ "exported and imported: the same text, the same decisions", test_transfer_round_trip },
		{ "team = host is the host's team on the other side", test_transfer_host_team },
		{ "hostile transfers refused with the reason", test_transfer_hostile },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = {
		{ "admit", admit }, { "isolation", isolation }, { "policy file", file },
		{ "platform libraries", platform }, { "transfer", transfer }, { NULL, NULL } };
	return sg_test_main(suites);
}
