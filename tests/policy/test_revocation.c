/* SPDX-License-Identifier: MIT */
/*
 * test_revocation.c - offline revocation end to end (docs/revocation.md):
 * signed revocation lists (cdhash, team, serial; untrusted and tampered
 * lists; rollback; expiry refused and ignored; every parser refusal;
 * special files and huge files as list paths), X.509 CRLs along the
 * chain (a revoked leaf, a revoked intermediate, an issuer without a CRL,
 * a CRL its issuer did not sign, a stale CRL, a cached chain), and the
 * policy file's "revocation" section.
 *
 * Keys, certificates and CRLs are made at run time with OpenSSL
 * (signing/pki.c, X509_CRL); the signed images are copies of Debian's
 * libz. Times are given explicitly: nothing sleeps.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <signet/policy.h>

#include "harness.h"
#include "test_pki.h"
#include "codesign/identity_internal.h"
#include "core/file.h"
#include "pki.h"
#include "policy/policy_internal.h"
#include "policy/revlist.h"
#include "policy/trust_bundle.h"
#include "sign_elf.h"
#include "sign_revlist.h"

#define TEAM_A "ABCDE12345"
#define TEAM_B "ZZZZZ99999"

typedef sg_test_cred cred;

static cred root, inter, leaf_a, leaf_b, fleet, rogue_root, rogue_fleet;
static char dir[PATH_MAX - 512];
static char anchors[PATH_MAX], rogue_anchors[PATH_MAX];
static char path_a[PATH_MAX], path_b[PATH_MAX];
static signet_trust *trust;
static long long now;

static void die(const char *what, signet_error *err)
{
	fprintf(stderr, "setup: %s: %s\n", what, err ? signet_error_message(err) : "failed");
	exit(99);
}

static void copy_file(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (in < 0 || out < 0) {
		perror(dst);
		exit(99);
	}
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			exit(99);
	close(in);
	close(out);
}

static const char *libz(void)
{
	static const char *const candidates[] = {
		"/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1",
		"/lib/aarch64-linux-gnu/libz.so.1", "/usr/lib/aarch64-linux-gnu/libz.so.1", NULL };
	for (const char *const *c = candidates; *c; c++)
		if (access(*c, R_OK) == 0)
			return *c;
	fprintf(stderr, "setup: libz.so.1 not installed\n");
	exit(99);
}

/* A copy of libz signed by `c`, carrying `chain` (may be NULL). */
static void sign_copy(char *path, const char *name, const cred *c, X509 *intermediate)
{
	snprintf(path, PATH_MAX, "%s/%s", dir, name);
	copy_file(libz(), path);
	STACK_OF(X509) *chain = sk_X509_new_null();
	if (intermediate)
		sk_X509_push(chain, intermediate);
	sg_sign_params sp = { .identifier = "com.example.rev", .page_shift = 12, .key = c->key, .cert = c->cert,
		.chain = chain };
	signet_error *err = NULL;
	if (sg_sign_elf_file(path, &sp, &err) != 0)
		die("sign", err);
	sk_X509_free(chain);
}

/* The identity of `path` verified at `at` (0: now). */
static signet_identity *verify_at(const char *path, long long at)
{
	signet_verify_options o = SIGNET_VERIFY_OPTIONS_INIT;
	o.at = at;
	signet_identity *id = NULL;
	signet_error *err = NULL;
	if (signet_verify_file(&id, path, trust, &o, &err) != 0)
		die("verify", err);
	return id;
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
	signet_trust_free(trust);
	cred *all[] = { &root, &inter, &leaf_a, &leaf_b, &fleet, &rogue_root, &rogue_fleet };
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
	char state[PATH_MAX];
	snprintf(state, sizeof state, "%s/state", dir);
	setenv("XDG_STATE_HOME", state, 1);
	now = (long long)time(NULL);
	sg_test_cred_make(&root, "Revocation Test Root", NULL, true, NULL);
	sg_test_cred_make(&inter, "Revocation Test Intermediate", NULL, true, &root);
	sg_test_cred_make(&leaf_a, "Team A", TEAM_A, false, &inter);
	sg_test_cred_make(&leaf_b, "Team B", TEAM_B, false, &root);
	sg_test_cred_make(&fleet, "Fleet Lists", NULL, false, &root);
	sg_test_cred_make(&rogue_root, "Rogue Root", NULL, true, NULL);
	sg_test_cred_make(&rogue_fleet, "Rogue Lists", NULL, false, &rogue_root);
	write_pem(anchors, "root.pem", root.cert);
	write_pem(rogue_anchors, "rogue.pem", rogue_root.cert);
	signet_error *err = NULL;
	if (signet_trust_load(&trust, anchors, &err) != 0)
		die("trust", err);
	sign_copy(path_a, "a.so", &leaf_a, inter.cert);
	sign_copy(path_b, "b.so", &leaf_b, NULL);
	atexit(teardown);
}

static signet_policy *policy(void)
{
	setup();
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	SG_ASSERT_OK(signet_policy_set_anchors(p, anchors, &err), &err);
	SG_ASSERT_OK(signet_policy_set_requirement(p, "anchor trusted", &err), &err);
	/* The lists these tests make are signed by `fleet`, under the same root (a fleet would use its own CA). */
	SG_ASSERT_OK(signet_policy_set_revocation_signers(p, anchors, &err), &err);
	return p;
}

/* ---- lists -------------------------------------------------------------- */

typedef struct list_spec {
	const char *name;
	long long sequence, issued, expires;
	const char *cdhash;     /* hex, or NULL */
	const char *team;
	const char *serial;
	const cred *signer;     /* NULL: fleet */
} list_spec;

/* Writes a signed list to dir/<file> and returns its path (static buffer per call site). */
static void make_list(char *out, const char *file, const list_spec *s)
{
	snprintf(out, PATH_MAX, "%s/%s", dir, file);
	uint8_t hash[32];
	char *team = (char *)(uintptr_t)s->team, *serial = (char *)(uintptr_t)s->serial;
	sg_revlist l = { .name = (char *)(uintptr_t)(s->name ? s->name : "fleet"), .sequence = s->sequence ? s->sequence : 1,
		.issued = s->issued ? s->issued : now - 60, .expires = s->expires ? s->expires : now + 86400 };
	if (s->cdhash) {
		CU_ASSERT_FATAL(sg_policy_parse_hash(s->cdhash, hash));
		l.cdhashes = &hash;
		l.n_cdhashes = 1;
	}
	if (team) {
		l.teams = &team;
		l.n_teams = 1;
	}
	if (serial) {
		l.serials = &serial;
		l.n_serials = 1;
	}
	const cred *c = s->signer ? s->signer : &fleet;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_revlist_sign_file(out, &l, c->key, c->cert, NULL, &err), &err);
}

/* Each test names its lists apart, so the rollback state of one never meets another's. */
static void test_revoked_cdhash(void)
{
	signet_policy *p = policy();
	signet_identity *id = verify_at(path_a, 0);
	char list[PATH_MAX];
	make_list(list, "cdhash.sig", &(list_spec){ .name = "t.cdhash", .sequence = 7,
		.cdhash = signet_identity_cdhash_hex(id) });
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_add_revocation_list(p, list, &err), &err);
	char want[PATH_MAX + 200];
	snprintf(want, sizeof want, "revoked: cdhash %s is on revocation list \"t.cdhash\" (%s, sequence 7)",
		signet_identity_cdhash_hex(id), list);
	int rc = sg_policy_admit(p, id, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "revocation.cdhash");
	CU_ASSERT_STRING_EQUAL(signet_error_path(err), path_a);
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_REVOKED, want);
	/* The other image is not on the list. */
	signet_identity *other = verify_at(path_b, 0);
	SG_ASSERT_OK(sg_policy_admit(p, other, &err), &err);
	signet_identity_free(other);
	signet_identity_free(id);
	signet_policy_free(p);
}

static void test_revoked_team(void)
{
	signet_policy *p = policy();
	char list[PATH_MAX];
	make_list(list, "team.sig", &(list_spec){ .name = "t.team", .team = TEAM_B });
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_add_revocation_list(p, list, &err), &err);
	signet_identity *b = verify_at(path_b, 0), *a = verify_at(path_a, 0);
	int rc = sg_policy_admit(p, b, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "revocation.team");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_REVOKED, "revoked: team " TEAM_B " is on revocation list \"t.team\"");
	SG_ASSERT_OK(sg_policy_admit(p, a, &err), &err);
	signet_identity_free(a);
	signet_identity_free(b);
	signet_policy_free(p);
}

static void test_revoked_serial(void)
{
	signet_policy *p = policy();
	signet_identity *a = verify_at(path_a, 0);
	/* Written with leading zeros and in lower case: the same serial. */
	char serial[80], list[PATH_MAX];
	snprintf(serial, sizeof serial, "00%s", signet_identity_leaf_serial(a));
	for (char *c = serial; *c; c++)
		if (*c >= 'A' && *c <= 'F')
			*c = (char)(*c - 'A' + 'a');
	make_list(list, "serial.sig", &(list_spec){ .name = "t.serial", .serial = serial });
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_add_revocation_list(p, list, &err), &err);
	char want[256];
	snprintf(want, sizeof want, "revoked: signing certificate serial %s is on revocation list \"t.serial\"",
		signet_identity_leaf_serial(a));
	int rc = sg_policy_admit(p, a, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "revocation.serial");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_REVOKED, want);
	signet_identity_free(a);
	signet_policy_free(p);
}

static char *serial_of(X509 *x);

static void test_untrusted_and_tampered(void)
{
	signet_policy *p = policy();
	char list[PATH_MAX];
	make_list(list, "rogue.sig", &(list_spec){ .name = "t.rogue", .team = TEAM_B, .signer = &rogue_fleet });
	signet_error *err = NULL;
	int rc = signet_policy_add_revocation_list(p, list, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "revocation.list");
	CU_ASSERT_EQUAL(signet_error_code(signet_error_cause(err)), SIGNET_E_UNTRUSTED_ANCHOR);
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_REVOCATION_LIST, "not a usable revocation list: ");

	/* Separate list signers: then the rogue's list is trusted, and the policy's own anchors no longer sign lists. */
	signet_policy *q = policy();
	SG_ASSERT_OK(signet_policy_set_revocation_signers(q, rogue_anchors, &err), &err);
	SG_ASSERT_OK(signet_policy_add_revocation_list(q, list, &err), &err);
	char fleet_list[PATH_MAX];
	make_list(fleet_list, "fleet-under-rogue.sig", &(list_spec){ .name = "t.rogue2" });
	SG_ASSERT_FAILS(signet_policy_add_revocation_list(q, fleet_list, &err), &err, SIGNET_E_REVOCATION_LIST,
		"not a usable revocation list: ");
	/* Signers after a list: refused, since the list was judged against other anchors. */
	SG_ASSERT_FAILS(signet_policy_set_revocation_signers(q, anchors, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"list signers must be set before the first revocation list");
	signet_policy_free(q);

	/* One byte of the content changed after signing: the signature no longer holds. */
	make_list(list, "tampered.sig", &(list_spec){ .name = "t.tampered", .team = TEAM_B });
	uint8_t *bytes = NULL;
	size_t len = 0;
	SG_ASSERT_OK(sg_file_read(&bytes, &len, list, 1 << 20, "test", &err), &err);
	uint8_t *at = memmem(bytes, len, TEAM_B, strlen(TEAM_B));
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	at[0] = 'Y';
	FILE *f = fopen(list, "wb");
	CU_ASSERT_FATAL(f && fwrite(bytes, 1, len, f) == len);
	fclose(f);
	free(bytes);
	rc = signet_policy_add_revocation_list(p, list, &err);
	CU_ASSERT_EQUAL(signet_error_code(signet_error_cause(err)), SIGNET_E_CMS_MISMATCH);
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_REVOCATION_LIST, "not a usable revocation list: ");

	/* Not a signed file at all; a detached signature; nothing. */
	char junk[PATH_MAX];
	snprintf(junk, sizeof junk, "%s/junk.sig", dir);
	f = fopen(junk, "wb");
	fputs("{\"format\":\"signet-revocation-list/1\"}", f);
	fclose(f);
	SG_ASSERT_FAILS(signet_policy_add_revocation_list(p, junk, &err), &err, SIGNET_E_REVOCATION_LIST,
		"not a signed file: expected a DER CMS SignedData over id-data");

	/* No anchors yet: nothing to verify a list against. */
	signet_policy *bare = NULL;
	SG_ASSERT_OK(signet_policy_new(&bare, &err), &err);
	SG_ASSERT_FAILS(signet_policy_add_revocation_list(bare, list, &err), &err, SIGNET_E_POLICY_INVALID,
		"no list signers to verify a revocation list against");
	/* Anchors are not list signers: never by default. */
	SG_ASSERT_OK(signet_policy_set_anchors(bare, anchors, &err), &err);
	SG_ASSERT_FAILS(signet_policy_add_revocation_list(bare, list, &err), &err, SIGNET_E_POLICY_INVALID,
		"no list signers to verify a revocation list against");
	/* A list whose signer a list already read revokes: refused, whatever it says. */
	char revokes_fleet[PATH_MAX], by_fleet[PATH_MAX];
	char *fleet_serial = serial_of(fleet.cert);
	make_list(revokes_fleet, "revokes-fleet.sig", &(list_spec){ .name = "t.signer1", .serial = fleet_serial });
	make_list(by_fleet, "by-fleet.sig", &(list_spec){ .name = "t.signer2" });
	signet_policy *q2 = policy();
	SG_ASSERT_OK(signet_policy_add_revocation_list(q2, revokes_fleet, &err), &err);
	int src = signet_policy_add_revocation_list(q2, by_fleet, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "revocation.signer");
	SG_ASSERT_FAILS(src, &err, SIGNET_E_REVOKED, "revoked: this revocation list's signer (certificate serial ");
	signet_policy_free(q2);
	free(fleet_serial);
	signet_policy_free(bare);
	signet_policy_free(p);
}

static void test_rollback(void)
{
	char v5[PATH_MAX], v6[PATH_MAX], v4[PATH_MAX];
	make_list(v5, "roll5.sig", &(list_spec){ .name = "t.roll", .sequence = 5 });
	make_list(v6, "roll6.sig", &(list_spec){ .name = "t.roll", .sequence = 6 });
	make_list(v4, "roll4.sig", &(list_spec){ .name = "t.roll", .sequence = 4 });
	signet_error *err = NULL;
	signet_policy *p = policy();
	SG_ASSERT_OK(signet_policy_add_revocation_list(p, v5, &err), &err);
	/* A second file of the same name in one policy is refused. */
	SG_ASSERT_FAILS(signet_policy_add_revocation_list(p, v6, &err), &err, SIGNET_E_POLICY_INVALID,
		"revocation list \"t.roll\" is already read from");
	signet_policy_free(p);

	p = policy();
	SG_ASSERT_OK(signet_policy_add_revocation_list(p, v6, &err), &err);
	signet_policy_free(p);
	/* The same sequence again is fine (every process reads the current list). */
	p = policy();
	SG_ASSERT_OK(signet_policy_add_revocation_list(p, v6, &err), &err);
	signet_policy_free(p);
	/* N+1 then N: the older is refused, by this process and any later one of this user. */
	p = policy();
	int rc = signet_policy_add_revocation_list(p, v5, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "revocation.rollback");
	CU_ASSERT_STRING_EQUAL(signet_error_expected(err), "sequence 6 or later");
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), "sequence 5");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_REVOCATION_LIST,
		"revocation list \"t.roll\" sequence 5 is older than sequence 6 already seen");
	SG_ASSERT_FAILS(signet_policy_add_revocation_list(p, v4, &err), &err, SIGNET_E_REVOCATION_LIST,
		"sequence 4 is older than sequence 6");
	signet_policy_free(p);

	/* The state file: what it holds, and a damaged one refused rather than ignored. */
	char state[PATH_MAX];
	snprintf(state, sizeof state, "%s/state/signet/revocation.json", dir);
	uint8_t *text = NULL;
	size_t len = 0;
	SG_ASSERT_OK(sg_file_read(&text, &len, state, 1 << 20, "test", &err), &err);
	CU_ASSERT_PTR_NOT_NULL(strstr((char *)text, "\"t.roll\":6"));
	free(text);
	FILE *f = fopen(state, "w");
	fputs("{\"lists\":{\"t.roll\":\"six\"}}", f);
	fclose(f);
	p = policy();
	SG_ASSERT_FAILS(signet_policy_add_revocation_list(p, v6, &err), &err, SIGNET_E_STATE_DAMAGED,
		"a sequence that is not a positive integer");
	signet_policy_free(p);
	unlink(state);
}

static void test_expired(void)
{
	char list[PATH_MAX];
	/* Issued two hours ago, expired an hour ago: the image is verified now. */
	make_list(list, "expired.sig", &(list_spec){ .name = "t.expired", .issued = now - 7200, .expires = now - 3600,
		.team = TEAM_B });
	signet_error *err = NULL;
	signet_policy *p = policy();
	SG_ASSERT_OK(signet_policy_add_revocation_list(p, list, &err), &err);
	signet_identity *a = verify_at(path_a, now), *b = verify_at(path_b, now);
	char want[PATH_MAX + 100];
	snprintf(want, sizeof want, "refused: revocation list \"t.expired\" (%s, sequence 1) expired at ", list);
	int rc = sg_policy_admit(p, a, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "revocation.expired");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_REVOCATION_LIST, want);
	/* Ignored: the stale list still revokes what it names, and admits the rest. */
	SG_ASSERT_OK(signet_policy_set_expired_lists_ignored(p, true, &err), &err);
	SG_ASSERT_OK(sg_policy_admit(p, a, &err), &err);
	SG_ASSERT_FAILS(sg_policy_admit(p, b, &err), &err, SIGNET_E_REVOKED, "revoked: team " TEAM_B);
	signet_identity_free(a);
	signet_identity_free(b);
	signet_policy_free(p);

	/* Judged at the verification time: an hour before expiry it is current. */
	p = policy();
	SG_ASSERT_OK(signet_policy_add_revocation_list(p, list, &err), &err);
	signet_identity *early = verify_at(path_a, now - 200);
	make_list(list, "current.sig", &(list_spec){ .name = "t.current", .issued = now - 250, .expires = now + 3600 });
	SG_ASSERT_FAILS(sg_policy_admit(p, early, &err), &err, SIGNET_E_REVOCATION_LIST, "expired at");
	signet_policy_free(p);
	p = policy();
	SG_ASSERT_OK(signet_policy_add_revocation_list(p, list, &err), &err);
	SG_ASSERT_OK(sg_policy_admit(p, early, &err), &err);
	signet_identity *late = verify_at(path_a, now + 7200);
	SG_ASSERT_FAILS(sg_policy_admit(p, late, &err), &err, SIGNET_E_REVOCATION_LIST,
		"revocation list \"t.current\"");
	signet_identity_free(early);
	signet_identity_free(late);
	signet_policy_free(p);
}

static void test_special_files(void)
{
	sg_watchdog(60);
	signet_policy *p = policy();
	signet_error *err = NULL;
	const sg_special *s = sg_special_files();
	for (int i = 0; i < SG_SPECIAL_COUNT; i++) {
		char want[64];
		snprintf(want, sizeof want, "not a regular file (%s)", s[i].kind);
		SG_ASSERT_FAILS(signet_policy_add_revocation_list(p, s[i].path, &err), &err, SIGNET_E_IO, want);
		SG_ASSERT_FAILS(signet_policy_add_crl(p, s[i].path, &err), &err, SIGNET_E_IO, want);
	}
	/* A huge sparse file: refused from its size, before a byte is read. */
	char huge[PATH_MAX];
	snprintf(huge, sizeof huge, "%s/huge.sig", dir);
	int fd = open(huge, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CU_ASSERT_FATAL(fd >= 0 && ftruncate(fd, (off_t)1 << 32) == 0);
	close(fd);
	int rc = signet_policy_add_revocation_list(p, huge, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "file.size");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_LIMIT, "");
	rc = signet_policy_add_crl(p, huge, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "file.size");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_LIMIT, "");
	unlink(huge);
	signet_policy_free(p);
}

/* ---- the parser: each refusal with its reason --------------------------- */

static void test_parser_refusals(void)
{
#define HEAD "{\"format\":\"signet-revocation-list/1\",\"name\":\"n\",\"sequence\":1,\"issued\":10,\"expires\":20"
#define H64 "abababababababababababababababababababababababababababababababab"
	static const struct {
		const char *text;
		int code;
		const char *reason;
	} cases[] = {
		{ "", SIGNET_E_REVOCATION_LIST, "l: line 1, column 0: not valid JSON" },
		{ "[]", SIGNET_E_REVOCATION_LIST, "l: top level: expected an object, got an array" },
		{ HEAD ",\"extra\":1}", SIGNET_E_REVOCATION_LIST, "l: top level: unknown key" },
		{ HEAD ",\"name\":\"m\"}", SIGNET_E_REVOCATION_LIST, "not valid JSON: duplicate object key" },
		{ "{\"format\":\"signet-revocation-list/2\",\"name\":\"n\",\"sequence\":1,\"issued\":10,\"expires\":20}",
			SIGNET_E_REVOCATION_LIST, "l: format: expected \"signet-revocation-list/1\"" },
		{ "{\"format\":\"signet-revocation-list/1\",\"name\":\"a b\",\"sequence\":1,\"issued\":10,\"expires\":20}",
			SIGNET_E_REVOCATION_LIST, "l: name: expected 1 to 255 characters" },
		{ "{\"format\":\"signet-revocation-list/1\",\"name\":\"n\",\"issued\":10,\"expires\":20}",
			SIGNET_E_REVOCATION_LIST, "l: sequence: missing" },
		{ "{\"format\":\"signet-revocation-list/1\",\"name\":\"n\",\"sequence\":0,\"issued\":10,\"expires\":20}",
			SIGNET_E_REVOCATION_LIST, "l: sequence: 0 is out of range (1 to 9007199254740991)" },
		{ "{\"format\":\"signet-revocation-list/1\",\"name\":\"n\",\"sequence\":1.5,\"issued\":10,\"expires\":20}",
			SIGNET_E_REVOCATION_LIST, "l: sequence: expected an integer, got a number" },
		{ "{\"format\":\"signet-revocation-list/1\",\"name\":\"n\",\"sequence\":1,\"issued\":20,\"expires\":20}",
			SIGNET_E_REVOCATION_LIST, "l: expires: 20 is not after issued (20)" },
		{ HEAD ",\"cdhashes\":\"x\"}", SIGNET_E_REVOCATION_LIST, "l: cdhashes: expected an array, got a string" },
		{ HEAD ",\"cdhashes\":[\"abc\"]}", SIGNET_E_REVOCATION_LIST, "l: cdhashes[0]: expected 64 hex digits" },
		{ HEAD ",\"cdhashes\":[\"" H64 "0\"]}", SIGNET_E_REVOCATION_LIST, "l: cdhashes[0]: expected 64 hex digits" },
		{ HEAD ",\"cdhashes\":[\"" "zz" H64 "\"]}", SIGNET_E_REVOCATION_LIST, "l: cdhashes[0]: expected 64 hex" },
		{ HEAD ",\"cdhashes\":[\"" H64 "\",\"" H64 "\"]}", SIGNET_E_REVOCATION_LIST,
			"l: cdhashes: an entry is listed twice" },
		{ HEAD ",\"teams\":[1]}", SIGNET_E_REVOCATION_LIST, "l: teams[0]: expected a string, got a number" },
		{ HEAD ",\"teams\":[\"-bad\"]}", SIGNET_E_REVOCATION_LIST, "l: teams[0]: expected a team ID" },
		{ HEAD ",\"teams\":[\"A\\u0000B\"]}", SIGNET_E_REVOCATION_LIST, "not valid JSON" },
		{ HEAD ",\"serials\":[\"0A1B\",\"a1b\"]}", SIGNET_E_REVOCATION_LIST, "l: serials: an entry is listed twice" },
		{ HEAD ",\"serials\":[\"xyz\"]}", SIGNET_E_REVOCATION_LIST, "l: serials[0]: expected a certificate serial" },
		{ HEAD "}\x00", SIGNET_E_REVOCATION_LIST, "l: content: a NUL byte" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t len = strlen(cases[i].text);
		if (strstr(cases[i].reason, "NUL byte"))
			len++;
		sg_revlist *l = NULL;
		signet_error *err = NULL;
		int rc = sg_revlist_parse(&l, (const uint8_t *)cases[i].text, len, "l", &err);
		if (rc != cases[i].code || !err || !strstr(signet_error_message(err), cases[i].reason))
			fprintf(stderr, "  case %zu: %d %s\n", i, rc, err ? signet_error_message(err) : "(none)");
		CU_ASSERT_PTR_NULL(l);
		CU_ASSERT_STRING_EQUAL(signet_error_check(err), "revocation.list");
		SG_ASSERT_FAILS(rc, &err, cases[i].code, cases[i].reason);
	}
	/* Too many entries, and too much content: limits. */
	size_t n = SG_REVLIST_MAX_ENTRIES + 1;
	char *big = malloc(n * 4 + 200), *w = big;
	w += sprintf(w, HEAD ",\"teams\":[");
	for (size_t i = 0; i < n; i++)
		w += sprintf(w, "%s\"A\"", i ? "," : "");
	strcpy(w, "]}");
	sg_revlist *l = NULL;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(sg_revlist_parse(&l, (const uint8_t *)big, strlen(big), "l", &err), &err, SIGNET_E_LIMIT,
		"l: teams: 16385 entries (limit 16384)");
	free(big);
	SG_ASSERT_FAILS(sg_revlist_parse(&l, (const uint8_t *)"{}", SG_REVLIST_MAX_CONTENT + 1, "l", &err), &err,
		SIGNET_E_LIMIT, "l: content: 1048577 bytes (limit 1048576)");
	/* A good one: sorted, normalized, found. */
	const char *good = HEAD ",\"teams\":[\"B\",\"A\"],\"serials\":[\"00ff\"],\"cdhashes\":[\"" H64 "\"]}";
	SG_ASSERT_OK(sg_revlist_parse(&l, (const uint8_t *)good, strlen(good), "l", &err), &err);
	CU_ASSERT_STRING_EQUAL(l->teams[0], "A");
	CU_ASSERT_TRUE(sg_revlist_has_team(l, "B"));
	CU_ASSERT_FALSE(sg_revlist_has_team(l, "C"));
	CU_ASSERT_TRUE(sg_revlist_has_serial(l, "FF"));
	uint8_t h[32];
	memset(h, 0xab, sizeof h);
	CU_ASSERT_TRUE(sg_revlist_has_cdhash(l, h));
	sg_revlist_free(l);
#undef HEAD
#undef H64
}

/* ---- CRLs --------------------------------------------------------------- */

/* A CRL in the name of `issuer`, signed with `key`, revoking `revoked` (may be NULL). */
static void make_crl(char *out, const char *file, const cred *issuer, EVP_PKEY *key, X509 *revoked,
	long next_update)
{
	snprintf(out, PATH_MAX, "%s/%s", dir, file);
	X509_CRL *crl = X509_CRL_new();
	CU_ASSERT_FATAL(crl && X509_CRL_set_version(crl, 1) &&
		X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer->cert)));
	ASN1_TIME *last = X509_gmtime_adj(NULL, -600), *next = X509_gmtime_adj(NULL, next_update);
	CU_ASSERT_FATAL(X509_CRL_set1_lastUpdate(crl, last) && X509_CRL_set1_nextUpdate(crl, next));
	if (revoked) {
		X509_REVOKED *r = X509_REVOKED_new();
		CU_ASSERT_FATAL(r && X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked)) &&
			X509_REVOKED_set_revocationDate(r, last) && X509_CRL_add0_revoked(crl, r));
	}
	CU_ASSERT_FATAL(X509_CRL_sort(crl) && X509_CRL_sign(crl, key, EVP_sha256()) > 0);
	FILE *f = fopen(out, "w");
	CU_ASSERT_FATAL(f && PEM_write_X509_CRL(f, crl));
	fclose(f);
	ASN1_TIME_free(last);
	ASN1_TIME_free(next);
	X509_CRL_free(crl);
}

static char *serial_of(X509 *x)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = BN_bn2hex(bn);
	BN_free(bn);
	return hex;
}

static void test_crl_leaf_and_intermediate(void)
{
	signet_error *err = NULL;
	char leaf_crl[PATH_MAX], inter_crl[PATH_MAX], root_empty[PATH_MAX];
	make_crl(leaf_crl, "inter.crl", &inter, inter.key, leaf_a.cert, 86400);
	make_crl(inter_crl, "root.crl", &root, root.key, inter.cert, 86400);
	make_crl(root_empty, "root-empty.crl", &root, root.key, NULL, 86400);
	signet_identity *a = verify_at(path_a, 0), *b = verify_at(path_b, 0);

	/* The leaf, revoked by its issuer (the intermediate): named by subject, serial, file, date. */
	signet_policy *p = policy();
	SG_ASSERT_OK(signet_policy_add_crl(p, leaf_crl, &err), &err);
	char *serial = serial_of(leaf_a.cert), want[PATH_MAX + 300];
	snprintf(want, sizeof want, "revoked: certificate \"CN=Team A,OU=" TEAM_A ",O=Team A\" serial %s is revoked "
		"by CRL %s since 20", serial, leaf_crl);
	int rc = sg_policy_admit(p, a, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "revocation.crl");
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), serial);
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_REVOKED, want);
	OPENSSL_free(serial);
	/* b's issuer is the root, which has no CRL here: not checked, admitted. */
	SG_ASSERT_OK(sg_policy_admit(p, b, &err), &err);
	signet_policy_free(p);

	/* The intermediate, revoked by the root: every image under it is refused, the root's own leaves are not. */
	p = policy();
	SG_ASSERT_OK(signet_policy_add_crl(p, inter_crl, &err), &err);
	serial = serial_of(inter.cert);
	snprintf(want, sizeof want, "revoked: certificate \"CN=Revocation Test Intermediate,O=Revocation Test "
		"Intermediate\" serial %s is revoked by CRL %s", serial, inter_crl);
	OPENSSL_free(serial);
	SG_ASSERT_FAILS(sg_policy_admit(p, a, &err), &err, SIGNET_E_REVOKED, want);
	SG_ASSERT_OK(sg_policy_admit(p, b, &err), &err);
	signet_policy_free(p);

	/* A CRL that revokes nothing: everything admitted. */
	p = policy();
	SG_ASSERT_OK(signet_policy_add_crl(p, root_empty, &err), &err);
	SG_ASSERT_OK(sg_policy_admit(p, a, &err), &err);
	SG_ASSERT_OK(sg_policy_admit(p, b, &err), &err);
	signet_policy_free(p);
	signet_identity_free(a);
	signet_identity_free(b);
}

static void test_crl_refusals(void)
{
	signet_error *err = NULL;
	char forged[PATH_MAX], stale[PATH_MAX], junk[PATH_MAX];
	/* In the intermediate's name, signed by another key. */
	make_crl(forged, "forged.crl", &inter, rogue_root.key, NULL, 86400);
	make_crl(stale, "stale.crl", &inter, inter.key, NULL, -60);
	signet_identity *a = verify_at(path_a, 0);
	signet_policy *p = policy();
	SG_ASSERT_OK(signet_policy_add_crl(p, forged, &err), &err);
	int rc = sg_policy_admit(p, a, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "revocation.crl");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_REVOCATION_LIST, "names issuer \"CN=Revocation Test Intermediate,"
		"O=Revocation Test Intermediate\" but that certificate's key did not sign it");
	signet_policy_free(p);

	p = policy();
	SG_ASSERT_OK(signet_policy_add_crl(p, stale, &err), &err);
	rc = sg_policy_admit(p, a, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "revocation.expired");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_REVOCATION_LIST, "is past its nextUpdate");
	SG_ASSERT_OK(signet_policy_set_expired_lists_ignored(p, true, &err), &err);
	SG_ASSERT_OK(sg_policy_admit(p, a, &err), &err);
	signet_policy_free(p);

	snprintf(junk, sizeof junk, "%s/junk.crl", dir);
	FILE *f = fopen(junk, "w");
	fputs("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n", f);
	fclose(f);
	p = policy();
	SG_ASSERT_FAILS(signet_policy_add_crl(p, junk, &err), &err, SIGNET_E_REVOCATION_LIST,
		"not a CRL (PEM or DER X.509 CRL)");
	signet_policy_free(p);
	signet_identity_free(a);

	/* CRLs that are not their issuer's complete list, or cannot go stale: refused when read. */
	static const struct { int nid; bool no_next; const char *reason; } partial[] = {
		{ NID_delta_crl, false, "a delta CRL (deltaCRLIndicator)" },
		{ NID_issuing_distribution_point, false, "a scoped or partitioned CRL (issuingDistributionPoint)" },
		{ NID_undef, true, "no nextUpdate: there is no telling when it is stale" },
	};
	for (size_t i = 0; i < sizeof partial / sizeof partial[0]; i++) {
		char path[PATH_MAX];
		snprintf(path, sizeof path, "%s/partial-%zu.crl", dir, i);
		X509_CRL *crl = X509_CRL_new();
		ASN1_TIME *last = X509_gmtime_adj(NULL, -600), *next = X509_gmtime_adj(NULL, 86400);
		CU_ASSERT_FATAL(crl && X509_CRL_set_version(crl, 1) &&
			X509_CRL_set_issuer_name(crl, X509_get_subject_name(inter.cert)) &&
			X509_CRL_set1_lastUpdate(crl, last) && (partial[i].no_next || X509_CRL_set1_nextUpdate(crl, next)));
		if (partial[i].nid == NID_delta_crl) {
			ASN1_INTEGER *base = ASN1_INTEGER_new();
			CU_ASSERT_FATAL(base && ASN1_INTEGER_set(base, 1) &&
				X509_CRL_add1_ext_i2d(crl, NID_delta_crl, base, 1, 0) == 1);
			ASN1_INTEGER_free(base);
		} else if (partial[i].nid == NID_issuing_distribution_point) {
			ISSUING_DIST_POINT *idp = ISSUING_DIST_POINT_new();
			CU_ASSERT_FATAL(idp != NULL);
			idp->onlyuser = 1; /* this CRL covers end-entity certificates only */
			CU_ASSERT_FATAL(X509_CRL_add1_ext_i2d(crl, NID_issuing_distribution_point, idp, 1, 0) == 1);
			ISSUING_DIST_POINT_free(idp);
		}
		CU_ASSERT_FATAL(X509_CRL_sign(crl, inter.key, EVP_sha256()) > 0);
		FILE *out = fopen(path, "w");
		CU_ASSERT_FATAL(out && PEM_write_X509_CRL(out, crl));
		fclose(out);
		ASN1_TIME_free(last);
		ASN1_TIME_free(next);
		X509_CRL_free(crl);
		p = policy();
		int prc = signet_policy_add_crl(p, path, &err);
		CU_ASSERT_STRING_EQUAL(signet_error_check(err), "revocation.crl");
		SG_ASSERT_FAILS(prc, &err, SIGNET_E_REVOCATION_LIST, partial[i].reason);
		signet_policy_free(p);
	}
}

/* The chain verdict is cached per certificate set (cms/chain_cache.h): a revocation must still be seen. */
static void test_crl_after_cache(void)
{
	signet_error *err = NULL;
	signet_identity *first = verify_at(path_a, 0);
	signet_policy *p = policy();
	SG_ASSERT_OK(sg_policy_admit(p, first, &err), &err);
	char crl[PATH_MAX];
	make_crl(crl, "cache.crl", &inter, inter.key, leaf_a.cert, 86400);
	SG_ASSERT_OK(signet_policy_add_crl(p, crl, &err), &err);
	signet_identity *second = verify_at(path_a, 0); /* served from the chain cache */
	SG_ASSERT_FAILS(sg_policy_admit(p, second, &err), &err, SIGNET_E_REVOKED, "is revoked by CRL");
	SG_ASSERT_FAILS(sg_policy_admit(p, first, &err), &err, SIGNET_E_REVOKED, "is revoked by CRL");
	signet_identity_free(first);
	signet_identity_free(second);
	signet_policy_free(p);
}

/* ---- the policy file ---------------------------------------------------- */

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs(text, f);
	fclose(f);
}

static void test_policy_file(void)
{
	setup();
	char list[PATH_MAX], crl[PATH_MAX], file[PATH_MAX], text[4096];
	make_list(list, "file-list.sig", &(list_spec){ .name = "t.file", .team = TEAM_B });
	make_crl(crl, "file.crl", &inter, inter.key, leaf_a.cert, 86400);
	snprintf(file, sizeof file, "%s/policy.json", dir);
	/* Relative paths: against the policy file's directory. */
	snprintf(text, sizeof text, "{\"anchors\":\"root.pem\",\"requirement\":\"anchor trusted\",\"revocation\":"
		"{\"lists\":[\"file-list.sig\"],\"list_signers\":\"root.pem\",\"crls\":[\"file.crl\"],\"expired_lists\":\"refuse\"}}");
	write_text(file, text);
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_load(&p, file, &err), &err);
	signet_identity *a = verify_at(path_a, 0), *b = verify_at(path_b, 0);
	SG_ASSERT_FAILS(sg_policy_admit(p, a, &err), &err, SIGNET_E_REVOKED, "is revoked by CRL");
	SG_ASSERT_FAILS(sg_policy_admit(p, b, &err), &err, SIGNET_E_REVOKED, "revoked: team " TEAM_B);
	signet_policy_free(p);
	signet_identity_free(a);
	signet_identity_free(b);

	static const struct {
		const char *revocation;
		int code;
		const char *reason;
	} bad[] = {
		{ "{\"crl\":[]}", SIGNET_E_POLICY_INVALID, "revocation: unknown key \"crl\" (known keys: crls, lists, "
			"list_signers, expired_lists)" },
		{ "{\"expired_lists\":\"sometimes\"}", SIGNET_E_POLICY_INVALID,
			"revocation.expired_lists: expected \"refuse\" or \"ignore\"" },
		{ "{\"lists\":[\"\"]}", SIGNET_E_POLICY_INVALID, "revocation.lists[0]: \"\": expected a path" },
		{ "{\"lists\":\"x\"}", SIGNET_E_POLICY_INVALID, "revocation.lists: expected an array, got a string" },
		{ "{\"lists\":[\"missing.sig\"],\"list_signers\":\"root.pem\"}", SIGNET_E_IO, "revocation.lists[0]: " },
		{ "{\"lists\":[\"file-list.sig\"]}", SIGNET_E_POLICY_INVALID, "revocation.lists: needs "
			"revocation.list_signers: the anchors that sign lists (never the code-signing anchors by default" },
		{ "{\"list_signers\":\"rogue.pem\",\"lists\":[\"file-list.sig\"]}", SIGNET_E_REVOCATION_LIST,
			"revocation.lists[0]: " },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "{\"anchors\":\"root.pem\",\"revocation\":%s}", bad[i].revocation);
		write_text(file, text);
		p = NULL;
		int rc = signet_policy_load(&p, file, &err);
		if (rc != bad[i].code)
			fprintf(stderr, "  case %zu: %s\n", i, err ? signet_error_message(err) : "(none)");
		CU_ASSERT_PTR_NULL(p);
		SG_ASSERT_FAILS(rc, &err, bad[i].code, bad[i].reason);
	}
}

/* ---- trust bundles ------------------------------------------------------ */

/* A bundle with `anchors_pem` (the test root's by default), signed by `signer` (fleet by default). */
static void make_bundle_tsa(char *out, const char *file, const char *name, long long sequence, long long expires,
	const char *requirement, const cred *signer, X509_CRL *crl, X509 *tsa_anchor)
{
	snprintf(out, PATH_MAX, "%s/%s", dir, file);
	sg_revlist l = { .name = (char *)(uintptr_t)name, .sequence = sequence, .issued = now - 7200,
		.expires = expires ? expires : now + 86400 };
	STACK_OF(X509) *a = sk_X509_new_null(), *t = sk_X509_new_null();
	CU_ASSERT_FATAL(a && t && sk_X509_push(a, root.cert) && (!tsa_anchor || sk_X509_push(t, tsa_anchor)));
	sg_trust_bundle_parts parts = { .list = &l, .anchors = a, .tsa = t, .requirement = requirement, .crls = &crl,
		.n_crls = crl ? 1 : 0 };
	const cred *c = signer ? signer : &fleet;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_trust_bundle_sign_file(out, &parts, c->key, c->cert, NULL, &err), &err);
	sk_X509_free(a);
	sk_X509_free(t);
}

static void make_bundle(char *out, const char *file, const char *name, long long sequence, long long expires,
	const char *requirement, const cred *signer, X509_CRL *crl)
{
	make_bundle_tsa(out, file, name, sequence, expires, requirement, signer, crl, NULL);
}

/* A policy without anchors of its own, and the bundle signers' anchors (the rogue root here: bundles are not code). */
static signet_policy *bare_policy(void)
{
	setup();
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	return p;
}

static void test_bundle_loads(void)
{
	char b[PATH_MAX];
	make_bundle_tsa(b, "b1.tb", "t.bundle", 1, 0, "anchor trusted and team \"" TEAM_A "\"", &rogue_fleet, NULL,
		inter.cert);
	signet_policy *p = bare_policy();
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_set_tsa_anchors(p, anchors, &err), &err);
	SG_ASSERT_OK(signet_policy_set_trust_bundle(p, b, rogue_anchors, &err), &err);
	/* The bundle's TSA anchors replace those set before, and verification uses them. */
	CU_ASSERT_FATAL(sg_policy_trust(p) != NULL && sg_policy_trust(p)->tsa != NULL);
	CU_ASSERT_EQUAL(sg_trust_count(sg_policy_trust(p)->tsa), 1);
	CU_ASSERT_EQUAL(X509_cmp(sg_trust_anchor(sg_policy_trust(p)->tsa, 0), inter.cert), 0);
	/* The bundle's anchors verify, its requirement admits team A and refuses team B. */
	signet_identity *a = verify_at(path_a, 0), *bb = verify_at(path_b, 0);
	SG_ASSERT_OK(sg_policy_admit(p, a, &err), &err);
	int rc = sg_policy_admit(p, bb, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "requirement");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_REQUIREMENT_UNMET, "");
	CU_ASSERT_PTR_NOT_NULL(sg_policy_trust(p));
	/* A second bundle in the same policy is refused, and the first stays. */
	SG_ASSERT_FAILS(signet_policy_set_trust_bundle(p, b, rogue_anchors, &err), &err, SIGNET_E_POLICY_INVALID,
		"already reads the trust bundle");
	SG_ASSERT_OK(sg_policy_admit(p, a, &err), &err);
	signet_identity_free(a);
	signet_identity_free(bb);
	signet_policy_free(p);
}

static void test_bundle_refusals(void)
{
	char b[PATH_MAX], older[PATH_MAX];
	make_bundle(b, "b5.tb", "t.rollback", 5, 0, NULL, &rogue_fleet, NULL);
	make_bundle(older, "b4.tb", "t.rollback", 4, 0, NULL, &rogue_fleet, NULL);
	signet_error *err = NULL;
	signet_policy *p = policy();
	/* Signed by the code root's fleet key, not under the bundle signers: refused, policy unchanged. */
	char wrong[PATH_MAX];
	make_bundle(wrong, "wrong.tb", "t.wrong", 1, 0, "anchor trusted and team \"NOBODY0001\"", &fleet, NULL);
	int rc = signet_policy_set_trust_bundle(p, wrong, rogue_anchors, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "trust_bundle");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_TRUST_BUNDLE, "not a usable trust bundle");
	signet_identity *a = verify_at(path_a, 0);
	SG_ASSERT_OK(sg_policy_admit(p, a, &err), &err); /* still "anchor trusted", not the bundle's requirement */
	/* Rollback: 5, then 4 refused; the state keeps bundles apart from lists. */
	SG_ASSERT_OK(signet_policy_set_trust_bundle(p, b, rogue_anchors, &err), &err);
	signet_policy_free(p);
	p = bare_policy();
	rc = signet_policy_set_trust_bundle(p, older, rogue_anchors, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "trust_bundle.rollback");
	CU_ASSERT_STRING_EQUAL(signet_error_expected(err), "sequence 5 or later");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_TRUST_BUNDLE, "trust bundle \"t.rollback\" sequence 4 is older than sequence 5");
	CU_ASSERT_PTR_NULL(sg_policy_trust(p)); /* unchanged: still no anchors */
	char list[PATH_MAX];
	make_list(list, "same-name.sig", &(list_spec){ .name = "t.rollback", .sequence = 1 });
	signet_policy *q = policy();
	SG_ASSERT_OK(signet_policy_add_revocation_list(q, list, &err), &err);
	signet_policy_free(q);
	/* Expired: every admission refused with the bundle's code and check; ignored when set. */
	char old[PATH_MAX];
	make_bundle(old, "old.tb", "t.old", 1, now - 3600, "anchor trusted", &rogue_fleet, NULL);
	SG_ASSERT_OK(signet_policy_set_trust_bundle(p, old, rogue_anchors, &err), &err);
	rc = sg_policy_admit(p, a, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "trust_bundle.expired");
	char want[PATH_MAX + 64];
	snprintf(want, sizeof want, "refused: trust bundle \"t.old\" (%s, sequence 1) expired at ", old);
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_TRUST_BUNDLE, want);
	SG_ASSERT_OK(signet_policy_set_expired_lists_ignored(p, true, &err), &err);
	SG_ASSERT_OK(sg_policy_admit(p, a, &err), &err);
	signet_identity_free(a);
	signet_policy_free(p);
}

/* A bundle the policy cannot take whole (too many CRLs): refused before anything changes. */
static void test_bundle_all_or_nothing(void)
{
	char crl_path[PATH_MAX], b[PATH_MAX];
	make_crl(crl_path, "many.crl", &inter, inter.key, NULL, 86400);
	signet_error *err = NULL;
	X509_CRL *crl = NULL;
	SG_ASSERT_OK(sg_revocation_read_crl(&crl, crl_path, &err), &err);
	make_bundle(b, "atomic.tb", "t.atomic", 3, 0, "anchor trusted", &rogue_fleet, crl);
	X509_CRL_free(crl);
	signet_policy *p = bare_policy();
	for (int i = 0; i < 256; i++)
		SG_ASSERT_OK(signet_policy_add_crl(p, crl_path, &err), &err);
	int rc = signet_policy_set_trust_bundle(p, b, rogue_anchors, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "policy.setting");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_LIMIT, "more than 256 CRLs");
	/* Unchanged: no anchors, no bundle (a second try is not "already reads"), no rollback record. */
	CU_ASSERT_PTR_NULL(sg_policy_trust(p));
	SG_ASSERT_FAILS(signet_policy_set_trust_bundle(p, b, rogue_anchors, &err), &err, SIGNET_E_LIMIT,
		"more than 256 CRLs");
	signet_policy_free(p);
	char older[PATH_MAX];
	make_bundle(older, "atomic-older.tb", "t.atomic", 2, 0, "anchor trusted", &rogue_fleet, NULL);
	p = bare_policy();
	SG_ASSERT_OK(signet_policy_set_trust_bundle(p, older, rogue_anchors, &err), &err);
	signet_policy_free(p);
}

static void test_bundle_revokes(void)
{
	/* The bundle's CRL (from the intermediate, revoking team A's leaf) is checked like a policy's. */
	char crl_path[PATH_MAX], b[PATH_MAX];
	make_crl(crl_path, "bundle.crl", &inter, inter.key, leaf_a.cert, 86400);
	signet_error *err = NULL;
	X509_CRL *crl = NULL;
	SG_ASSERT_OK(sg_revocation_read_crl(&crl, crl_path, &err), &err);
	make_bundle(b, "crl.tb", "t.crl", 1, 0, "anchor trusted", &rogue_fleet, crl);
	X509_CRL_free(crl);
	signet_policy *p = bare_policy();
	SG_ASSERT_OK(signet_policy_set_trust_bundle(p, b, rogue_anchors, &err), &err);
	signet_identity *a = verify_at(path_a, 0), *bb = verify_at(path_b, 0);
	char want[PATH_MAX + 64];
	snprintf(want, sizeof want, "is revoked by CRL %s (crls[0]) since", b);
	int rc = sg_policy_admit(p, a, &err);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "revocation.crl");
	SG_ASSERT_FAILS(rc, &err, SIGNET_E_REVOKED, want);
	SG_ASSERT_OK(sg_policy_admit(p, bb, &err), &err);
	signet_identity_free(a);
	signet_identity_free(bb);
	signet_policy_free(p);
}

static void test_bundle_parser(void)
{
	char *root_pem = NULL;
	size_t root_len = 0;
	{
		BIO *bio = BIO_new(BIO_s_mem());
		char *data = NULL;
		CU_ASSERT_FATAL(bio && PEM_write_bio_X509(bio, root.cert) == 1);
		root_len = (size_t)BIO_get_mem_data(bio, &data);
		root_pem = strndup(data, root_len);
		BIO_free(bio);
	}
	json_t *pem = json_stringn(root_pem, root_len);
	char *pem_json = json_dumps(pem, JSON_ENCODE_ANY);
	json_decref(pem);
	char two[8192];
	snprintf(two, sizeof two, "%.*s%s", (int)strlen(pem_json) - 1, pem_json, pem_json + 1);
#define HEAD "{\"format\":\"signet-trust-bundle/1\",\"name\":\"n\",\"sequence\":1,\"issued\":10,\"expires\":20"
	char text[16384];
	struct { const char *tail; int code; const char *reason; } cases[] = {
		{ "}", SIGNET_E_TRUST_BUNDLE, "b: anchors: missing" },
		{ ",\"anchors\":[]}", SIGNET_E_TRUST_BUNDLE, "b: anchors: empty: a bundle without anchors trusts nothing" },
		{ ",\"anchors\":\"x\"}", SIGNET_E_TRUST_BUNDLE, "b: anchors: expected an array, got a string" },
		{ ",\"anchors\":[1]}", SIGNET_E_TRUST_BUNDLE, "b: anchors[0]: expected a string, got a number" },
		{ ",\"anchors\":[\"junk\"]}", SIGNET_E_TRUST_BUNDLE, "b: anchors[0]: expected one PEM certificate" },
		{ ",\"anchors\":[%s],\"requirement\":\"anchor trusted and\"}", SIGNET_E_TRUST_BUNDLE, "b: requirement: " },
		{ ",\"anchors\":[%s],\"requirement\":7}", SIGNET_E_TRUST_BUNDLE, "b: requirement: expected a string" },
		{ ",\"anchors\":[%s],\"crls\":[\"-----BEGIN X509 CRL-----\\nAAAA\\n-----END X509 CRL-----\\n\"]}",
			SIGNET_E_TRUST_BUNDLE, "b: crls[0]: expected one PEM X.509 CRL" },
		{ ",\"anchors\":[%s],\"tsa_anchors\":[\"\"]}", SIGNET_E_TRUST_BUNDLE, "b: tsa_anchors[0]: expected one PEM" },
		{ ",\"anchors\":[%s],\"anchor\":[]}", SIGNET_E_TRUST_BUNDLE, "b: top level: unknown key (known keys: format, "
			"name, sequence, issued, expires, cdhashes, teams, serials, anchors, tsa_anchors, requirement, crls)" },
		{ ",\"anchors\":[%s],\"teams\":[\"A\",\"A\"]}", SIGNET_E_TRUST_BUNDLE, "b: teams: an entry is listed twice" },
	};
	signet_error *err = NULL;
	sg_trust_bundle *tb = NULL;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* "%s" in a case's tail stands for the root certificate's PEM as a JSON string. */
		const char *at = strstr(cases[i].tail, "%s");
		if (at)
			snprintf(text, sizeof text, HEAD "%.*s%s%s", (int)(at - cases[i].tail), cases[i].tail, pem_json, at + 2);
		else
			snprintf(text, sizeof text, HEAD "%s", cases[i].tail);
		int rc = sg_trust_bundle_parse(&tb, (const uint8_t *)text, strlen(text), "b", &err);
		CU_ASSERT_PTR_NULL(tb);
		if (rc != 0)
			CU_ASSERT_STRING_EQUAL(signet_error_check(err), "trust_bundle");
		SG_ASSERT_FAILS(rc, &err, cases[i].code, cases[i].reason);
	}
	/* Two certificates in one string: each entry is exactly one. */
	snprintf(text, sizeof text, HEAD ",\"anchors\":[%s]}", two);
	SG_ASSERT_FAILS(sg_trust_bundle_parse(&tb, (const uint8_t *)text, strlen(text), "b", &err), &err,
		SIGNET_E_TRUST_BUNDLE, "b: anchors[0]: expected one PEM certificate: it holds several");
	/* A revocation list is not a bundle, nor a bundle a list. */
	snprintf(text, sizeof text, "{\"format\":\"signet-revocation-list/1\",\"name\":\"n\",\"sequence\":1,"
		"\"issued\":10,\"expires\":20,\"anchors\":[%s]}", pem_json);
	SG_ASSERT_FAILS(sg_trust_bundle_parse(&tb, (const uint8_t *)text, strlen(text), "b", &err), &err,
		SIGNET_E_TRUST_BUNDLE, "b: format: expected \"signet-trust-bundle/1\"");
	sg_revlist *l = NULL;
	snprintf(text, sizeof text, HEAD ",\"anchors\":[%s]}", pem_json);
	SG_ASSERT_FAILS(sg_revlist_parse(&l, (const uint8_t *)text, strlen(text), "l", &err), &err,
		SIGNET_E_REVOCATION_LIST, "l: top level: unknown key");
	/* A good one: the anchors become a trust store, the requirement is parsed. */
	snprintf(text, sizeof text, HEAD ",\"anchors\":[%s],\"tsa_anchors\":[%s],\"requirement\":\"anchor trusted\"}",
		pem_json, pem_json);
	SG_ASSERT_OK(sg_trust_bundle_parse(&tb, (const uint8_t *)text, strlen(text), "b", &err), &err);
	CU_ASSERT_EQUAL(sg_trust_count(tb->anchors), 1);
	CU_ASSERT_EQUAL(sg_trust_count(tb->tsa), 1);
	CU_ASSERT_PTR_NOT_NULL(tb->requirement);
	CU_ASSERT_EQUAL(tb->list->sequence, 1);
	sg_trust_bundle_free(tb);
	/* Over the size limit: SIGNET_E_LIMIT before JSON is read. */
	size_t big = SG_TRUST_BUNDLE_MAX_CONTENT + 1;
	char *huge = malloc(big);
	CU_ASSERT_FATAL(huge != NULL);
	memset(huge, ' ', big);
	SG_ASSERT_FAILS(sg_trust_bundle_parse(&tb, (const uint8_t *)huge, big, "b", &err), &err, SIGNET_E_LIMIT,
		"b: content: 4194305 bytes (limit 4194304)");
	free(huge);
	free(pem_json);
	free(root_pem);
#undef HEAD
}

static void test_bundle_file(void)
{
	char b[PATH_MAX];
	make_bundle(b, "file.tb", "t.file", 1, 0, "anchor trusted", &rogue_fleet, NULL);
	char pol[PATH_MAX];
	snprintf(pol, sizeof pol, "%s/bundle-policy.json", dir);
	write_text(pol, "{ \"trust_bundle\": { \"file\": \"file.tb\", \"signers\": \"rogue.pem\" } }");
	signet_policy *p = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_policy_load(&p, pol, &err), &err);
	signet_identity *a = verify_at(path_a, 0);
	SG_ASSERT_OK(sg_policy_admit(p, a, &err), &err);
	signet_identity_free(a);
	signet_policy_free(p);
	static const struct { const char *text; int code; const char *reason; } bad[] = {
		{ "{ \"anchors\": \"root.pem\", \"trust_bundle\": { \"file\": \"file.tb\", \"signers\": \"rogue.pem\" } }",
			SIGNET_E_POLICY_INVALID, "anchors: the trust bundle brings the anchors, TSA anchors and requirement: "
			"a policy with \"trust_bundle\" cannot set \"anchors\" too" },
		{ "{ \"requirement\": \"anchor trusted\", \"trust_bundle\": { \"file\": \"file.tb\", \"signers\": \"rogue.pem\" } }",
			SIGNET_E_POLICY_INVALID, "cannot set \"requirement\" too" },
		{ "{ \"trust_bundle\": { \"file\": \"file.tb\" } }", SIGNET_E_POLICY_INVALID,
			"trust_bundle.signers: missing" },
		{ "{ \"trust_bundle\": { \"file\": \"file.tb\", \"signers\": \"rogue.pem\", \"x\": 1 } }",
			SIGNET_E_POLICY_INVALID, "trust_bundle: unknown key \"x\" (known keys: file, signers)" },
		{ "{ \"trust_bundle\": { \"file\": \"file.tb\", \"signers\": \"root.pem\" } }", SIGNET_E_TRUST_BUNDLE,
			"file.tb: not a usable trust bundle: untrusted anchor" },
		{ "{ \"trust_bundle\": { \"file\": \"nothing.tb\", \"signers\": \"rogue.pem\" } }", SIGNET_E_IO,
			"trust_bundle: " },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_text(pol, bad[i].text);
		p = NULL;
		int rc = signet_policy_load(&p, pol, &err);
		CU_ASSERT_PTR_NULL(p);
		SG_ASSERT_FAILS(rc, &err, bad[i].code, bad[i].reason);
	}
}

int main(void)
{
	static const sg_test lists[] = {
		{ "a revoked cdhash: refused, named with the list and its sequence", test_revoked_cdhash },
		{ "a revoked team", test_revoked_team },
		{ "a revoked serial: case and leading zeros do not matter", test_revoked_serial },
		{ "untrusted signer, separate list signers, tampered, not signed, no anchors", test_untrusted_and_tampered },
		{ "rollback: N+1 then N refused; the state file", test_rollback },
		{ "expiry: refused by default, ignored when set, judged at verification time", test_expired },
		{ "FIFOs, sockets, directories, devices, huge files as paths", test_special_files },
		{ "the parser: each refusal with its exact reason, limits, lookups", test_parser_refusals },
		{ NULL, NULL },
	};
	static const sg_test crls[] = {
		{ "a CRL revoking the leaf, the intermediate; issuers without a CRL", test_crl_leaf_and_intermediate },
		{ "a CRL its issuer did not sign, a stale CRL, not a CRL", test_crl_refusals },
		{ "a cached chain never hides a revocation", test_crl_after_cache },
		{ NULL, NULL },
	};
	static const sg_test file[] = {
		{ "the revocation section: relative paths, refusals", test_policy_file },
		{ NULL, NULL },
	};
	static const sg_test bundles[] = {
		{ "a bundle's anchors and requirement; one per policy", test_bundle_loads },
		{ "wrong signer (policy unchanged), rollback, a list of the same name, expiry", test_bundle_refusals },
		{ "a CRL inside the bundle revokes", test_bundle_revokes },
		{ "all or nothing: a bundle refused for a limit changes nothing", test_bundle_all_or_nothing },
		{ "the parser: each refusal with its exact reason; a list is not a bundle", test_bundle_parser },
		{ "the policy file's trust_bundle section", test_bundle_file },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "lists", lists }, { "crls", crls }, { "policy file", file },
		{ "trust bundles", bundles }, { NULL, NULL } };
	return sg_test_main(suites);
}
