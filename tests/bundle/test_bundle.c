/* SPDX-License-Identifier: MIT */
/*
 * test_bundle.c - bundles end to end: `signet sign --bundle`, the resource
 * seal, and preflight: a good bundle's full report; every bundle case of
 * SECURITY.md refused with its code and reason; every reason collected;
 * and that preflight runs no plugin code at all (constructor and IFUNC
 * markers), whether it accepts or refuses.
 */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle/seal.h"
#include "bundle/tree.h"
#include "bundle_fixture.h"
#include "harness.h"

/* Preflights `dir` under the test policy; expects refusal `code` with `reason` among the reasons. */
static void expect_refusal(const char *dir, int code, const char *reason)
{
	signet_bundle_info *info = NULL;
	signet_error *err = NULL;
	int rc = signet_preflight(&info, dir, sg_test_policy(), NULL, &err);
	CU_ASSERT_EQUAL(rc, code);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_EQUAL(signet_error_code(err), code);
	bool found = false;
	for (size_t i = 0; i < signet_bundle_info_reason_count(info); i++)
		found |= strstr(signet_error_message(signet_bundle_info_reason(info, i)), reason) != NULL;
	if (!found)
		fprintf(stderr, "  no reason mentions \"%s\"; first: %s\n", reason, signet_error_message(err));
	CU_ASSERT(found);
	CU_ASSERT_FALSE(signet_bundle_info_ok(info));
	signet_error_free(err);
	signet_bundle_info_free(info);
}

static tb_spec plain(void)
{
	return (tb_spec){ .signer = TB_TEAM_A };
}

/* ---- the good case ---- */

static void test_good_bundle_report(void)
{
	tb_spec s = plain();
	char *dir = tb_make("good", &s);
	signet_bundle_info *info = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_preflight(&info, dir, sg_test_policy(), "1.4.0", &err), &err);
	CU_ASSERT_PTR_NULL(err);
	CU_ASSERT(signet_bundle_info_ok(info));
	CU_ASSERT_EQUAL(signet_bundle_info_reason_count(info), 0);
	CU_ASSERT_STRING_EQUAL(signet_bundle_info_identifier(info), "org.signet.test.good");
	CU_ASSERT_STRING_EQUAL(signet_bundle_info_version(info), "1.0.0");
	CU_ASSERT_STRING_EQUAL(signet_bundle_info_executable(info), "lib/plugin.so");
	CU_ASSERT_STRING_EQUAL(signet_bundle_info_principal_class(info), "TestClass");
	CU_ASSERT_STRING_EQUAL(signet_bundle_info_host_api(info), ">=1.0 <2.0");
	CU_ASSERT_EQUAL_FATAL(signet_bundle_info_protocol_count(info), 2);
	CU_ASSERT_STRING_EQUAL(signet_bundle_info_protocol_name(info, 1), "Counter");
	CU_ASSERT_EQUAL(signet_bundle_info_protocol_version(info, 1), 2);
	CU_ASSERT_STRING_EQUAL(signet_bundle_info_team(info), "ABCDE12345");
	CU_ASSERT_STRING_EQUAL(signet_bundle_info_signing_identifier(info), "org.signet.test.good");
	/* The cdhash is the executable's, as an independent verification sees it. */
	signet_trust *trust = NULL;
	signet_identity *id = NULL;
	char *exe = tb_path(dir, "lib/plugin.so");
	SG_ASSERT_OK(signet_trust_load(&trust, sg_test_pki("root.pem"), &err), &err);
	SG_ASSERT_OK(signet_verify_file(&id, exe, trust, NULL, &err), &err);
	CU_ASSERT_STRING_EQUAL(signet_bundle_info_cdhash_hex(info), signet_identity_cdhash_hex(id));
	/* The closure: libc, already in the process. */
	bool libc = false;
	for (size_t i = 0; i < signet_bundle_info_dependency_count(info); i++)
		if (!strcmp(signet_bundle_info_dependency_name(info, i), "libc.so.6")) {
			libc = true;
			CU_ASSERT_STRING_EQUAL(signet_bundle_info_dependency_kind(info, i), "loaded");
		}
	CU_ASSERT(libc);
	/* The real path of the bundle. */
	char real[4096];
	CU_ASSERT_PTR_NOT_NULL_FATAL(realpath(dir, real));
	CU_ASSERT_STRING_EQUAL(signet_bundle_info_path(info), real);
	signet_identity_free(id);
	signet_trust_free(trust);
	signet_bundle_info_free(info);
	free(exe);
	free(dir);
}

static void test_seal_lists_every_other_file(void)
{
	tb_spec s = plain();
	char *dir = tb_make("sealed", &s);
	char *seal = tb_path(dir, SG_SEAL_PATH);
	size_t len = 0;
	char *text = (char *)sg_read_file(seal, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(len > strlen(SG_SEAL_HEADER) && !memcmp(text, SG_SEAL_HEADER, strlen(SG_SEAL_HEADER)));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nD lib\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nL lib/alias.so plugin.so\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nF resources/words.txt "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nF resources/data/blob.bin "));
	/* Sealed otherwise: the manifest (slot -1), the seal (slot -2), the executable (its signature). */
	CU_ASSERT_PTR_NULL(strstr(text, "manifest.json"));
	CU_ASSERT_PTR_NULL(strstr(text, "lib/plugin.so "));
	CU_ASSERT_PTR_NULL(strstr(text, "_signet"));
	free(text);
	free(seal);
	free(dir);
}

/* ---- preflight runs nothing ---- */

/* Arms both markers in a fresh directory, which becomes the current one. */
static void markers(char **ctor, char **ifunc)
{
	const char *box = sg_sandbox();
	*ctor = tb_path(box, "ctor-ran");
	*ifunc = tb_path(box, "testplugin-ifunc.marker");
	setenv("SIGNET_TEST_CTOR_MARKER", *ctor, 1);
	char *armed = tb_path(box, "testplugin-ifunc.armed");
	sg_write_file(armed, "", 0, 0644);
	free(armed);
	CU_ASSERT_EQUAL_FATAL(chdir(box), 0);
}

static void test_preflight_runs_no_plugin_code(void)
{
	char *ctor, *ifunc;
	markers(&ctor, &ifunc);
	tb_spec s = plain();
	char *good = tb_make("quiet", &s);
	signet_bundle_info *info = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_preflight(&info, good, sg_test_policy(), NULL, &err), &err);
	signet_bundle_info_free(info);
	CU_ASSERT_EQUAL(access(ctor, F_OK), -1);
	CU_ASSERT_EQUAL(access(ifunc, F_OK), -1);
	/* Refused for a reason found late (host API): still nothing ran. */
	s.host_api = ">=3.0";
	char *late = tb_make("quietrefused", &s);
	expect_refusal(late, SIGNET_E_HOST_API, "needs host API >=3.0");
	CU_ASSERT_EQUAL(access(ctor, F_OK), -1);
	CU_ASSERT_EQUAL(access(ifunc, F_OK), -1);
	/* The markers do work: loading the same bundle runs both. */
	signet_host *host = NULL;
	signet_host_options o = SIGNET_HOST_OPTIONS_INIT;
	o.policy = sg_test_policy();
	signet_guest_id g = 0;
	SG_ASSERT_OK(signet_host_new(&host, &o, &err), &err);
	SG_ASSERT_OK(signet_host_load_bundle(&g, host, good, &err), &err);
	CU_ASSERT_EQUAL(access(ctor, F_OK), 0);
	CU_ASSERT_EQUAL(access(ifunc, F_OK), 0);
	signet_host_free(host);
	unsetenv("SIGNET_TEST_CTOR_MARKER");
	CU_ASSERT_EQUAL(chdir(sg_builddir()), 0);
	free(ctor);
	free(ifunc);
	free(good);
	free(late);
}

/* ---- layout ---- */

static void test_not_a_directory(void)
{
	char *file = tb_path(sg_sandbox(), "file.bundle");
	sg_write_file(file, "x", 1, 0644);
	expect_refusal(file, SIGNET_E_BUNDLE_INVALID, "not a directory");
	free(file);
}

static void test_missing_manifest(void)
{
	tb_spec s = plain();
	char *dir = tb_make("nomanifest", &s);
	CU_ASSERT_EQUAL(tb_sh("rm '%s/manifest.json'", dir), 0);
	expect_refusal(dir, SIGNET_E_BUNDLE_INVALID, "manifest.json is missing");
	free(dir);
}

/* Replaces the first `from` in the file at `path` with `to`. */
static void replace_in_file(const char *path, const char *from, const char *to)
{
	size_t len = 0;
	char *text = (char *)sg_read_file(path, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	char *at = strstr(text, from);
	CU_ASSERT_PTR_NOT_NULL_FATAL(at);
	size_t head = (size_t)(at - text), fl = strlen(from), tl = strlen(to);
	char *out = malloc(len - fl + tl + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	memcpy(out, text, head);
	memcpy(out + head, to, tl);
	memcpy(out + head + tl, at + fl, len - head - fl);
	sg_write_file(path, out, len - fl + tl, 0644);
	free(out);
	free(text);
}

static void test_manifest_paths_that_leave(void)
{
	/* As JSON text: a parent directory, an absolute path, a backslash, a NUL byte. */
	static const char *const bad[] = { "\"../plugin.so\"", "\"/lib/plugin.so\"", "\"lib\\\\plugin.so\"",
		"\"lib/\\u0000x\"" };
	static const char *const reason[] = { "executable", "executable", "executable", "not valid JSON" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tb_spec s = plain();
		char *dir = tb_make("escape", &s);
		char *m = tb_path(dir, "manifest.json");
		replace_in_file(m, "\"lib/plugin.so\"", bad[i]);
		expect_refusal(dir, SIGNET_E_MANIFEST_INVALID, reason[i]);
		free(m);
		free(dir);
	}
}

static void test_missing_executable(void)
{
	tb_spec s = plain();
	char *dir = tb_make("noexe", &s);
	CU_ASSERT_EQUAL(tb_sh("rm '%s/lib/plugin.so' '%s/lib/alias.so'", dir, dir), 0);
	expect_refusal(dir, SIGNET_E_BUNDLE_INVALID, "lib/plugin.so names a file the bundle does not have");
	free(dir);
}

static void test_executable_symlink(void)
{
	tb_spec s = plain();
	char *dir = tb_make("exelink", &s);
	CU_ASSERT_EQUAL(tb_sh("cd '%s/lib' && mv plugin.so real.so && ln -s real.so plugin.so", dir), 0);
	expect_refusal(dir, SIGNET_E_BUNDLE_INVALID, "names a symlink");
	free(dir);
}

static void test_symlink_leaving_the_bundle(void)
{
	static const char *const targets[] = { "../../..", "/etc/passwd", "../resources/../../x" };
	for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
		tb_spec s = plain();
		char *dir = tb_make("symlink", &s);
		CU_ASSERT_EQUAL(tb_sh("ln -s '%s' '%s/lib/out'", targets[i], dir), 0);
		expect_refusal(dir, SIGNET_E_BUNDLE_INVALID, i == 1 ? "absolute" : i == 2 ? "points to nothing"
			: "leaves the bundle");
		free(dir);
	}
	/* Through a symlink inside the bundle: only the kernel's resolution shows it. */
	tb_spec s = plain();
	char *dir = tb_make("symlink2", &s);
	CU_ASSERT_EQUAL(tb_sh("ln -s .. '%s/resources/up' && ln -s resources/up/.. '%s/sneaky'", dir, dir), 0);
	expect_refusal(dir, SIGNET_E_BUNDLE_INVALID, "leaves the bundle");
	free(dir);
}

static void test_special_files_and_names(void)
{
	tb_spec s = plain();
	char *dir = tb_make("fifo", &s);
	CU_ASSERT_EQUAL(tb_sh("mkfifo '%s/resources/pipe'", dir), 0);
	expect_refusal(dir, SIGNET_E_BUNDLE_INVALID, "not a regular file, directory or symlink");
	free(dir);
	dir = tb_make("names", &s);
	CU_ASSERT_EQUAL(tb_sh("echo x > '%s/resources/with space.txt'", dir), 0);
	expect_refusal(dir, SIGNET_E_BUNDLE_INVALID, "portable alphabet");
	free(dir);
}

/*
 * A member swapped for a FIFO after the walk (a race the walk cannot see):
 * opening it does not block and refuses it by kind, before a byte is read.
 */
static void test_member_swapped_for_fifo(void)
{
	sg_watchdog(30);
	tb_spec s = plain();
	char *dir = tb_make("swapfifo", &s);
	sg_tree t;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_tree_read(&t, dir, &err), &err);
	CU_ASSERT_EQUAL(tb_sh("cd '%s' && rm lib/plugin.so && mkfifo lib/plugin.so && rm resources/words.txt && "
		"mkfifo resources/words.txt", dir), 0);
	char want[4096];
	snprintf(want, sizeof want, "%s/lib/plugin.so: not a regular file (a FIFO)", t.root);
	int fd = -1;
	SG_ASSERT_FAILS(sg_tree_open(&fd, NULL, &t, "lib/plugin.so", 1 << 20, &err), &err, SIGNET_E_IO, want);
	uint8_t h[32];
	snprintf(want, sizeof want, "%s/resources/words.txt: not a regular file (a FIFO)", t.root);
	SG_ASSERT_FAILS(sg_tree_hash(&t, "resources/words.txt", h, &err), &err, SIGNET_E_IO, want);
	sg_tree_clear(&t);
	free(dir);
	alarm(0);
}

typedef struct swapper {
	const char *dir;
	atomic_bool stop;
} swapper;

/* Swaps resources/words.txt for a FIFO and back, by rename, until told to stop. */
static void *swap_fifo(void *arg)
{
	swapper *sw = arg;
	char file[4096], fifo[4096], real[4096];
	/* The spare names sit beside the bundle, not in it (the walk would see them). */
	snprintf(file, sizeof file, "%s/resources/words.txt", sw->dir);
	snprintf(real, sizeof real, "%s.words.real", sw->dir);
	snprintf(fifo, sizeof fifo, "%s.words.fifo", sw->dir);
	while (!atomic_load(&sw->stop)) {
		if (link(file, real) != 0 || mkfifo(fifo, 0644) != 0 || rename(fifo, file) != 0)
			break;
		sched_yield();
		if (rename(real, file) != 0)
			break;
	}
	unlink(fifo);
	return NULL;
}

/* Preflights racing a writer that swaps a member for a FIFO: every one ends, none hangs. */
static void test_member_fifo_race(void)
{
	sg_watchdog(300);
	tb_spec s = plain();
	char *dir = tb_make("racefifo", &s);
	swapper sw = { .dir = dir };
	pthread_t th;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, swap_fifo, &sw), 0);
	unsigned ok = 0, refused = 0, other = 0;
	for (int i = 0; i < 300; i++) {
		signet_bundle_info *info = NULL;
		signet_error *err = NULL;
		int rc = signet_preflight(&info, dir, sg_test_policy(), NULL, &err);
		/* A FIFO seen by the walk, or by the open after it; or the file between two renames. */
		if (rc == 0)
			ok++;
		else if (rc == SIGNET_E_BUNDLE_INVALID || rc == SIGNET_E_IO || rc == SIGNET_E_SEAL_MISMATCH)
			refused++;
		else {
			fprintf(stderr, "  unexpected: %s\n", signet_error_message(err));
			other++;
		}
		signet_error_free(err);
		signet_bundle_info_free(info);
	}
	atomic_store(&sw.stop, true);
	pthread_join(th, NULL);
	fprintf(stderr, "  300 preflights racing a FIFO swap: %u accepted, %u refused\n", ok, refused);
	CU_ASSERT_EQUAL(other, 0);
	CU_ASSERT_EQUAL(ok + refused, 300);
	free(dir);
	alarm(0);
}

/*
 * A 10 GB sparse resource: refused by its size from fstat(), before a byte
 * is hashed (the message carries the exact size fstat() gave).
 */
static void test_oversized_resource(void)
{
	sg_watchdog(60);
	tb_spec s = plain();
	char *dir = tb_make("huge", &s);
	CU_ASSERT_EQUAL(tb_sh("truncate -s 10000000000 '%s/resources/words.txt'", dir), 0);
	expect_refusal(dir, SIGNET_E_LIMIT, "resources/words.txt: too large: 10000000000 bytes, the limit is 1073741824");
	free(dir);
	alarm(0);
}

/* ---- seals ---- */

static void test_unsealed_executable_file(void)
{
	tb_spec s = plain();
	char *dir = tb_make("unsealed", &s);
	CU_ASSERT_EQUAL(tb_sh("cp '%s/lib/plugin.so' '%s/lib/extra.so' && chmod +x '%s/lib/extra.so'", dir, dir, dir), 0);
	expect_refusal(dir, SIGNET_E_BUNDLE_UNSEALED, "lib/extra.so: not covered by the resource seal");
	free(dir);
	/* Hidden under the seal's own directory: still not sealed. */
	dir = tb_make("unsealed2", &s);
	CU_ASSERT_EQUAL(tb_sh("echo x > '%s/_signet/extra'", dir), 0);
	expect_refusal(dir, SIGNET_E_BUNDLE_UNSEALED, "_signet/extra: not covered");
	free(dir);
}

static void test_resource_changed_or_missing(void)
{
	tb_spec s = plain();
	char *dir = tb_make("modified", &s);
	CU_ASSERT_EQUAL(tb_sh("echo other > '%s/resources/words.txt'", dir), 0);
	expect_refusal(dir, SIGNET_E_SEAL_MISMATCH, "resources/words.txt: the file differs from its sealed hash");
	free(dir);
	dir = tb_make("removed", &s);
	CU_ASSERT_EQUAL(tb_sh("rm '%s/resources/data/blob.bin'", dir), 0);
	expect_refusal(dir, SIGNET_E_SEAL_MISMATCH, "resources/data/blob.bin: sealed, but missing");
	free(dir);
	dir = tb_make("relinked", &s);
	CU_ASSERT_EQUAL(tb_sh("ln -sf ../resources/words.txt '%s/lib/alias.so'", dir), 0);
	expect_refusal(dir, SIGNET_E_SEAL_MISMATCH, "lib/alias.so: the symlink's target changed");
	free(dir);
	dir = tb_make("retyped", &s);
	CU_ASSERT_EQUAL(tb_sh("rm '%s/resources/words.txt' && mkdir '%s/resources/words.txt'", dir, dir), 0);
	expect_refusal(dir, SIGNET_E_SEAL_MISMATCH, "sealed as a file, now a directory");
	free(dir);
}

static void test_manifest_or_seal_changed(void)
{
	tb_spec s = plain();
	char *dir = tb_make("newmanifest", &s);
	/* A valid manifest, just not the signed one. */
	char *m = tb_path(dir, "manifest.json");
	replace_in_file(m, "\"1.0.0\"", "\"1.0.1\"");
	free(m);
	expect_refusal(dir, SIGNET_E_SEAL_MISMATCH, "manifest.json differs from the manifest the executable's "
		"signature seals");
	free(dir);
	dir = tb_make("newseal", &s);
	CU_ASSERT_EQUAL(tb_sh("echo 'F resources/zzz 0000000000000000000000000000000000000000000000000000000000000000' "
		">> '%s/_signet/seal'", dir), 0);
	expect_refusal(dir, SIGNET_E_SEAL_MISMATCH, "_signet/seal differs from the resource seal");
	free(dir);
	dir = tb_make("noseal", &s);
	CU_ASSERT_EQUAL(tb_sh("rm -r '%s/_signet'", dir), 0);
	expect_refusal(dir, SIGNET_E_SEAL_MISMATCH, "_signet/seal is missing");
	free(dir);
}

static void test_signed_but_not_as_a_bundle(void)
{
	tb_spec s = plain();
	s.signer = TB_PLAIN;
	char *dir = tb_make("plain", &s);
	expect_refusal(dir, SIGNET_E_BUNDLE_UNSEALED, "seals no manifest: it was not signed as a bundle");
	free(dir);
}

static void test_unsigned_tampered_and_foreign(void)
{
	tb_spec s = plain();
	s.signer = TB_UNSIGNED;
	char *dir = tb_make("unsigned", &s);
	expect_refusal(dir, SIGNET_E_UNSIGNED, "lib/plugin.so");
	free(dir);
	s.signer = TB_TEAM_A;
	dir = tb_make("tampered", &s);
	CU_ASSERT_EQUAL(tb_sh("printf '\\377' | dd of='%s/lib/plugin.so' bs=1 seek=2000 conv=notrunc status=none", dir), 0);
	expect_refusal(dir, SIGNET_E_PAGE_MISMATCH, "page");
	free(dir);
	s.signer = TB_TEAM_Z;
	dir = tb_make("otherteam", &s);
	expect_refusal(dir, SIGNET_E_REQUIREMENT_UNMET, "ZZZZZ99999");
	free(dir);
	s.signer = TB_ROGUE;
	dir = tb_make("rogue", &s);
	expect_refusal(dir, SIGNET_E_UNTRUSTED_ANCHOR, "lib/plugin.so");
	free(dir);
}

/* ---- principal class and host API ---- */

static void test_principal_class_rules(void)
{
	static const struct {
		const char *variant, *cls, *reason;
	} cases[] = {
		{ "testplugin-FUNCTION_CLASS.so", NULL, "is a function, not a class descriptor" },
		{ "testplugin-SMALL_CLASS.so", NULL, "is smaller than a class descriptor" },
		{ "testplugin-HIDDEN_CLASS.so", NULL, "is not exported in .dynsym" },
		{ NULL, "MissingClass", "the principal class MissingClass is not exported" },
		/* A data object that exists and is exported, but is an int: too small. */
		{ NULL, "testplugin_calls", "is smaller than a class descriptor" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		tb_spec s = plain();
		s.variant = cases[i].variant;
		s.principal_class = cases[i].cls;
		char *dir = tb_make("class", &s);
		expect_refusal(dir, SIGNET_E_PRINCIPAL_CLASS, cases[i].reason);
		free(dir);
	}
}

static void test_host_api(void)
{
	tb_spec s = plain();
	s.host_api = ">=2.0 <3.0";
	char *dir = tb_make("api", &s);
	expect_refusal(dir, SIGNET_E_HOST_API, "this host has 1.0.0");
	signet_error *err = NULL;
	/* The same bundle, for a host offering 2.1.0. */
	SG_ASSERT_OK(signet_preflight(NULL, dir, sg_test_policy(), "2.1.0", &err), &err);
	/* A host version that is not MAJOR.MINOR.PATCH is the caller's error. */
	SG_ASSERT_FAILS(signet_preflight(NULL, dir, sg_test_policy(), "2.1", &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "not MAJOR.MINOR.PATCH");
	free(dir);
}

static void test_every_reason_is_reported(void)
{
	tb_spec s = plain();
	s.host_api = ">=9.0";
	char *dir = tb_make("many", &s);
	CU_ASSERT_EQUAL(tb_sh("echo changed > '%s/resources/words.txt' && echo new > '%s/resources/new.txt'",
		dir, dir), 0);
	signet_bundle_info *info = NULL;
	signet_error *err = NULL;
	int rc = signet_preflight(&info, dir, sg_test_policy(), NULL, &err);
	CU_ASSERT_EQUAL(rc, SIGNET_E_BUNDLE_UNSEALED); /* the first found, in path order */
	CU_ASSERT_EQUAL_FATAL(signet_bundle_info_reason_count(info), 3);
	CU_ASSERT_EQUAL(signet_error_code(signet_bundle_info_reason(info, 0)), SIGNET_E_BUNDLE_UNSEALED);
	CU_ASSERT_EQUAL(signet_error_code(signet_bundle_info_reason(info, 1)), SIGNET_E_SEAL_MISMATCH);
	CU_ASSERT_EQUAL(signet_error_code(signet_bundle_info_reason(info, 2)), SIGNET_E_HOST_API);
	CU_ASSERT_STRING_EQUAL(signet_error_check(signet_bundle_info_reason(info, 1)), "bundle.seal");
	/* The identity is still reported: the signature itself verified. */
	CU_ASSERT_STRING_EQUAL(signet_bundle_info_team(info), "ABCDE12345");
	signet_error_free(err);
	signet_bundle_info_free(info);
	free(dir);
}

/* ---- bundled libraries ---- */

static void test_bundled_library(void)
{
	tb_spec s = plain();
	s.variant = "testplugin-USES_DEP.so";
	s.with_dep = true;
	char *dir = tb_make("withdep", &s);
	signet_bundle_info *info = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_preflight(&info, dir, sg_test_policy(), NULL, &err), &err);
	CU_ASSERT_EQUAL_FATAL(signet_bundle_info_library_count(info), 1);
	CU_ASSERT_STRING_EQUAL(signet_bundle_info_library(info, 0), "lib/libtestdep.so.1");
	bool found = false;
	for (size_t i = 0; i < signet_bundle_info_dependency_count(info); i++)
		if (!strcmp(signet_bundle_info_dependency_name(info, i), "libtestdep.so.1")) {
			found = true;
			CU_ASSERT_STRING_EQUAL(signet_bundle_info_dependency_kind(info, i), "signed");
			CU_ASSERT_PTR_NOT_NULL(strstr(signet_bundle_info_dependency_path(info, i), "withdep.bundle/lib/"));
		}
	CU_ASSERT(found);
	signet_bundle_info_free(info);
	/* The library was signed by `signet sign --bundle`, under its file name. */
	CU_ASSERT_EQUAL(tb_sh("'%s/signet' display '%s/lib/libtestdep.so.1' | grep -q '^identifier: libtestdep.so.1$'",
		sg_builddir(), dir), 0);
	/* Replaced after signing by an unsigned build: refused twice over. */
	CU_ASSERT_EQUAL(tb_sh("cp '%s/tests/bundle/plugins/libtestdep.so.1' '%s/lib/libtestdep.so.1'",
		sg_builddir(), dir), 0);
	expect_refusal(dir, SIGNET_E_SEAL_MISMATCH, "lib/libtestdep.so.1: the file differs from its sealed hash");
	expect_refusal(dir, SIGNET_E_SEAL_MISMATCH, "lib/libtestdep.so.1: not signed");
	free(dir);
}

static void test_signer_refuses_bad_bundles(void)
{
	tb_spec s = plain();
	char *dir = tb_make("signbad", &s);
	const char *b = sg_builddir();
	CU_ASSERT_EQUAL(tb_sh("ln -s /etc '%s/etc'", dir), 0);
	CU_ASSERT_EQUAL(tb_sh("'%s/signet' sign --key '%s/tests/pki/ABCDE12345.key' --cert '%s/tests/pki/ABCDE12345.pem' "
		"--bundle '%s' 2>'%s/err.txt' >/dev/null", b, b, b, dir, sg_sandbox()), 1);
	CU_ASSERT_EQUAL(tb_sh("rm '%s/etc'", dir), 0);
	/* --identifier is the manifest's business. */
	CU_ASSERT_EQUAL(tb_sh("'%s/signet' sign --key '%s/tests/pki/ABCDE12345.key' --cert '%s/tests/pki/ABCDE12345.pem' "
		"--identifier x --bundle '%s' 2>/dev/null", b, b, b, dir), 2);
	/* Re-signing a signed bundle gives a bundle that still verifies. */
	CU_ASSERT_EQUAL(tb_sh("'%s/signet' sign --key '%s/tests/pki/ABCDE12345.key' --cert '%s/tests/pki/ABCDE12345.pem' "
		"--bundle '%s' >/dev/null", b, b, b, dir), 0);
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_preflight(NULL, dir, sg_test_policy(), NULL, &err), &err);
	free(dir);
}

static const sg_test bundle_tests[] = {
	{ "a good bundle's full report", test_good_bundle_report },
	{ "the seal lists every other file", test_seal_lists_every_other_file },
	{ "preflight runs no plugin code", test_preflight_runs_no_plugin_code },
	{ "signing refuses bad bundles; re-signing works", test_signer_refuses_bad_bundles },
	{ NULL, NULL },
};

static const sg_test layout_tests[] = {
	{ "not a directory", test_not_a_directory },
	{ "missing manifest", test_missing_manifest },
	{ "manifest paths that leave", test_manifest_paths_that_leave },
	{ "missing executable", test_missing_executable },
	{ "executable is a symlink", test_executable_symlink },
	{ "symlinks leaving the bundle", test_symlink_leaving_the_bundle },
	{ "special files and names", test_special_files_and_names },
	{ "a member swapped for a FIFO after the walk", test_member_swapped_for_fifo },
	{ "preflights racing a FIFO swap never hang", test_member_fifo_race },
	{ "a 10 GB sparse resource is refused before hashing", test_oversized_resource },
	{ NULL, NULL },
};

static const sg_test seal_tests[] = {
	{ "unsealed files", test_unsealed_executable_file },
	{ "resources changed or missing", test_resource_changed_or_missing },
	{ "manifest or seal changed", test_manifest_or_seal_changed },
	{ "signed, but not as a bundle", test_signed_but_not_as_a_bundle },
	{ "unsigned, tampered, other team, rogue CA", test_unsigned_tampered_and_foreign },
	{ "bundled library", test_bundled_library },
	{ NULL, NULL },
};

static const sg_test class_tests[] = {
	{ "principal class rules", test_principal_class_rules },
	{ "host API", test_host_api },
	{ "every reason is reported", test_every_reason_is_reported },
	{ NULL, NULL },
};

int main(void)
{
	static const sg_suite suites[] = {
		{ "bundle", bundle_tests },
		{ "layout", layout_tests },
		{ "seal", seal_tests },
		{ "preflight", class_tests },
		{ NULL, NULL },
	};
	return sg_test_main(suites);
}
