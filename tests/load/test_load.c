/* SPDX-License-Identifier: MIT */
/*
 * test_load.c - verified loading end to end: every refusal with its code
 * and reason and nothing left behind, no constructor run on refusal,
 * dependencies resolved by Signet (a planted copy on LD_LIBRARY_PATH or in
 * LD_PRELOAD is never bound), a writer racing the loader, a C++ plugin and a
 * signed copy of libsqlite3.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* The registry holds nothing named `name` (a refused load left nothing). */
static void assert_not_loaded(const char *name)
{
	signet_image *img = NULL;
	CU_ASSERT_EQUAL(signet_registry_find_name(&img, name, NULL), SIGNET_E_NOT_FOUND);
	signet_image_free(img);
}

static size_t image_count(void)
{
	signet_image_list *l = NULL;
	if (signet_registry_snapshot(&l, NULL) != 0)
		return 0;
	size_t n = signet_image_list_count(l);
	signet_image_list_free(l);
	return n;
}

static void refused(const char *fixture, const signet_policy *policy, int code, const char *reason)
{
	signet_error *err = NULL;
	signet_image *img = NULL;
	size_t before = image_count();
	SG_ASSERT_FAILS(signet_load(&img, sg_fixture(fixture), policy, &err), &err, code, reason);
	CU_ASSERT_PTR_NULL(img);
	assert_not_loaded(fixture);
	CU_ASSERT_EQUAL(image_count(), before);
}

static void test_refusals(void)
{
	const signet_policy *p = sg_test_policy();
	refused("libunsigned.so", p, SIGNET_E_UNSIGNED, "not signed");
	refused("libtampered.so", p, SIGNET_E_PAGE_MISMATCH, "page 1 (file offset 0x1000");
	refused("libteamz.so", p, SIGNET_E_REQUIREMENT_UNMET, "wanted ABCDE12345, image has ZZZZZ99999");
	refused("librogue.so", p, SIGNET_E_UNTRUSTED_ANCHOR, "librogue.so");

	/* A denied cdhash: take it from a successful load, then deny it. */
	signet_error *err = NULL;
	signet_image *img = NULL;
	SG_ASSERT_OK(signet_load(&img, sg_fixture("libfixture6.so"), p, &err), &err);
	char hex[65];
	snprintf(hex, sizeof hex, "%s", signet_identity_cdhash_hex(signet_image_identity(img)));
	SG_ASSERT_OK(signet_unload(img, &err), &err);
	signet_policy *deny = NULL;
	SG_ASSERT_OK(signet_policy_new(&deny, &err), &err);
	SG_ASSERT_OK(signet_policy_set_anchors(deny, sg_test_pki("root.pem"), &err), &err);
	SG_ASSERT_OK(signet_policy_set_requirement(deny, "anchor trusted", &err), &err);
	SG_ASSERT_OK(signet_policy_deny_cdhash(deny, hex, &err), &err);
	refused("libfixture6.so", deny, SIGNET_E_POLICY_DENIED, hex);
	/* The same policy still admits everything else. */
	SG_ASSERT_OK(signet_load(&img, sg_fixture("libfixture5.so"), deny, &err), &err);
	SG_ASSERT_OK(signet_unload(img, &err), &err);
	signet_policy_free(deny);

	/* An unsigned host has no team: the default requirement admits nothing. */
	signet_policy *dflt = NULL;
	SG_ASSERT_OK(signet_policy_new(&dflt, &err), &err);
	SG_ASSERT_OK(signet_policy_set_anchors(dflt, sg_test_pki("root.pem"), &err), &err);
	refused("libfixture5.so", dflt, SIGNET_E_REQUIREMENT_UNMET, "the host has no team");
	signet_policy_free(dflt);
}

static void test_no_constructor_runs_on_refusal(void)
{
	char marker[PATH_MAX];
	snprintf(marker, sizeof marker, "%s/marker", sg_sandbox());
	setenv("SIGNET_TEST_MARKER", marker, 1);
	static const struct { const char *file; int code; } bad[] = {
		{ "libmarker-unsigned.so", SIGNET_E_UNSIGNED },
		{ "libmarker-tampered.so", SIGNET_E_PAGE_MISMATCH },
		{ "libmarker-z.so", SIGNET_E_REQUIREMENT_UNMET },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		signet_image *img = NULL;
		CU_ASSERT_EQUAL(signet_load(&img, sg_fixture(bad[i].file), sg_test_policy(), NULL), bad[i].code);
		CU_ASSERT_EQUAL(access(marker, F_OK), -1); /* no code of it ran */
	}
	/* The good one's constructor does run: the check above can fail. */
	signet_image *img = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_load(&img, sg_fixture("libmarker.so"), sg_test_policy(), &err), &err);
	CU_ASSERT_EQUAL(access(marker, F_OK), 0);
	SG_ASSERT_OK(signet_unload(img, &err), &err);
	unsetenv("SIGNET_TEST_MARKER");
}

static void test_dependencies_are_loaded_first_and_released(void)
{
	signet_error *err = NULL;
	signet_image *app = NULL;
	SG_ASSERT_OK(signet_load(&app, sg_fixture("app/libapp.so"), sg_test_policy(), &err), &err);
	void *fn = NULL;
	SG_ASSERT_OK(signet_image_symbol(&fn, app, "app_value", &err), &err);
	CU_ASSERT_EQUAL(((int (*)(void))(uintptr_t)fn)(), 42); /* the signed libdep.so.1 */

	signet_image *dep = NULL;
	SG_ASSERT_OK(signet_registry_find_name(&dep, "libdep.so.1", &err), &err);
	CU_ASSERT(signet_image_is_signed(dep));
	CU_ASSERT_EQUAL(signet_image_arrival(dep), SIGNET_ARRIVAL_SIGNET);
	CU_ASSERT_STRING_EQUAL(signet_image_path(dep), sg_fixture("app/deps/libdep.so.1"));
	CU_ASSERT(signet_image_id(dep) < signet_image_id(app)); /* loaded first */
	SG_ASSERT_OK(signet_unload(app, &err), &err);
	CU_ASSERT_FALSE(signet_image_is_mapped(dep)); /* went with the app */
	signet_image_free(dep);
	assert_not_loaded("libdep.so.1");
}

static void test_unresolvable_and_unsigned_dependencies(void)
{
	signet_error *err = NULL;
	signet_image *img = NULL;
	SG_ASSERT_FAILS(signet_load(&img, sg_fixture("missing/libapp.so"), sg_test_policy(), &err), &err,
		SIGNET_E_DEPENDENCY_UNRESOLVED, "needs libdep.so.1, and no acceptable candidate exists; tried: ");
	/* Every path tried is named, the relative and empty components are ignored. */
	SG_ASSERT_OK(signet_load(&img, sg_fixture("app/libapp.so"), sg_test_policy(), &err), &err);
	SG_ASSERT_OK(signet_unload(img, &err), &err);
	CU_ASSERT_EQUAL(signet_load(&img, sg_fixture("missing/libapp.so"), sg_test_policy(), &err),
		SIGNET_E_DEPENDENCY_UNRESOLVED);
	const char *m = signet_error_message(err);
	char want[PATH_MAX];
	snprintf(want, sizeof want, "%s/missing/nowhere/libdep.so.1 (absent)", getenv("SIGNET_TEST_BUILDDIR"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "tests/fixtures/missing/nowhere/libdep.so.1 (absent)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "relative/dir (ignored: relative or empty)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "\"\" (ignored: relative or empty)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "/usr/lib/"));
	signet_error_free(err);
	err = NULL;
	assert_not_loaded("libapp.so");

	SG_ASSERT_FAILS(signet_load(&img, sg_fixture("unsigneddep/libapp.so"), sg_test_policy(), &err), &err,
		SIGNET_E_UNSIGNED, "its dependency libdep.so.1 at ");
	assert_not_loaded("libdep.so.1");
	assert_not_loaded("libapp.so");
}

/* Runs load_child with extra environment; returns its stdout. */
static char *run_child(const char *env_name, const char *env_value, const char *library, const char *symbol)
{
	char child[PATH_MAX], out[PATH_MAX];
	snprintf(child, sizeof child, "%s/tests/load/load_child", sg_builddir());
	snprintf(out, sizeof out, "%s/child.out", sg_sandbox());
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 1);
		if (env_name)
			setenv(env_name, env_value, 1);
		/* Under ASan, a preloaded plain library precedes ASan's runtime. */
		const char *asan = getenv("ASAN_OPTIONS");
		char opts[1024];
		snprintf(opts, sizeof opts, "%s%sverify_asan_link_order=0", asan ? asan : "", asan && *asan ? ":" : "");
		setenv("ASAN_OPTIONS", opts, 1);
		execl(child, child, library, symbol, (char *)NULL);
		_exit(127);
	}
	int status;
	waitpid(pid, &status, 0);
	FILE *f = fopen(out, "r");
	char *buf = calloc(1, 4096);
	if (f) {
		size_t n = fread(buf, 1, 4095, f);
		buf[n] = '\0';
		fclose(f);
	}
	return buf;
}

static void test_planted_dependency_is_never_used(void)
{
	char plant[PATH_MAX];
	snprintf(plant, sizeof plant, "%s/tests/fixtures/plant", sg_builddir());
	/* Earlier on LD_LIBRARY_PATH: ld.so would have found it first. */
	char *out = run_child("LD_LIBRARY_PATH", plant, sg_fixture("app/libapp.so"), "app_value");
	CU_ASSERT_STRING_EQUAL(out, "ok 42\n");
	free(out);
	/* Preloaded: already in the process under that soname, and not acceptable. */
	char preload[PATH_MAX + 16];
	snprintf(preload, sizeof preload, "%s/libdep.so.1", plant);
	out = run_child("LD_PRELOAD", preload, sg_fixture("app/libapp.so"), "app_value");
	CU_ASSERT(strncmp(out, "error SIGNET_E_DEPENDENCY_CONFLICT ", 35) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "plant/libdep.so.1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "not bound silently"));
	free(out);
}

/* ---- a writer racing the loader ---- */

static atomic_int stop_writer;
static char race_target[PATH_MAX];

static void copy_to(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char buf[8192];
	ssize_t n;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
}

static void *writer(void *arg)
{
	(void)arg;
	const char *variants[2] = { sg_fixture("librace-a.so"), sg_fixture("librace-z.so") };
	char tmp[PATH_MAX + 8];
	snprintf(tmp, sizeof tmp, "%s.tmp", race_target);
	for (unsigned i = 0; !atomic_load(&stop_writer); i++) {
		const char *v = variants[i & 1];
		if (i % 3 == 0) {
			copy_to(v, race_target); /* rewritten in place: torn reads possible */
		} else {
			copy_to(v, tmp);
			rename(tmp, race_target); /* swapped whole */
		}
		usleep(100 + (i % 7) * 50); /* let some loads finish between writes */
	}
	return NULL;
}

static void test_writer_racing_the_loader(void)
{
	snprintf(race_target, sizeof race_target, "%s/librace.so", sg_sandbox());
	copy_to(sg_fixture("librace-a.so"), race_target);
	pthread_t w;
	atomic_store(&stop_writer, 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&w, NULL, writer, NULL), 0);
	/* At least 1,000 loads, and on until both outcomes were seen 50 times. */
	int ok = 0, wrong = 0, refused_n = 0, i = 0;
	for (; i < 20000 && (i < 1000 || ok < 50 || refused_n < 50); i++) {
		signet_image *img = NULL;
		if (signet_load(&img, race_target, sg_test_policy(), NULL) != 0) {
			refused_n++;
			continue;
		}
		void *fn = NULL;
		if (signet_image_symbol(&fn, img, "race_value", NULL) == 0 && ((int (*)(void))(uintptr_t)fn)() == 1)
			ok++;
		else
			wrong++;
		CU_ASSERT_EQUAL(signet_unload(img, NULL), 0);
	}
	atomic_store(&stop_writer, 1);
	pthread_join(w, NULL);
	printf("\n  race: %d loads, %d ran team A's code, %d refused, %d ran anything else\n", i, ok, refused_n, wrong);
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT(i >= 1000);
	CU_ASSERT(ok >= 50);
	CU_ASSERT(refused_n >= 50); /* the writer really raced */
	assert_not_loaded("librace.so");
}

static void test_same_soname_is_not_aliased(void)
{
	signet_error *err = NULL;
	signet_image *a = NULL, *again = NULL, *b = NULL;
	SG_ASSERT_OK(signet_load(&a, sg_fixture("librace-a.so"), sg_test_policy(), &err), &err);
	/* The same file again: the same image, loaded twice. */
	SG_ASSERT_OK(signet_load(&again, sg_fixture("librace-a.so"), sg_test_policy(), &err), &err);
	CU_ASSERT_PTR_EQUAL(again, a);
	SG_ASSERT_OK(signet_unload(again, &err), &err);
	/* Another file with the same soname: refused, naming who holds it. */
	SG_ASSERT_FAILS(signet_load(&b, sg_fixture("librace-a2.so"), sg_test_policy(), &err), &err,
		SIGNET_E_SONAME_CONFLICT, "its soname librace.so is already held by ");
	SG_ASSERT_OK(signet_unload(a, &err), &err);
	SG_ASSERT_OK(signet_load(&b, sg_fixture("librace-a2.so"), sg_test_policy(), &err), &err);
	SG_ASSERT_OK(signet_unload(b, &err), &err);
}

static void test_cxx_plugin(void)
{
	signet_error *err = NULL;
	signet_image *img = NULL;
	SG_ASSERT_OK(signet_load(&img, sg_fixture("libcxx.so"), sg_test_policy(), &err), &err);
	void *fn = NULL;
	SG_ASSERT_OK(signet_image_symbol(&fn, img, "cxx_check", &err), &err);
	CU_ASSERT_EQUAL(((int (*)(void))(uintptr_t)fn)(), 0);
	/* libstdc++ came in as a platform library or was already there. */
	signet_image *cxx = NULL;
	SG_ASSERT_OK(signet_registry_find_name(&cxx, "libstdc++.so.6", &err), &err);
	CU_ASSERT(signet_image_is_platform(cxx) || signet_image_arrival(cxx) == SIGNET_ARRIVAL_STARTUP);
	signet_image_free(cxx);
	SG_ASSERT_OK(signet_unload(img, &err), &err);
}

typedef int (*open_fn)(const char *, void **);
typedef int (*exec_fn)(void *, const char *, int (*)(void *, int, char **, char **), void *, char **);
typedef int (*close_fn)(void *);

static int first_cell(void *arg, int n, char **values, char **names)
{
	(void)names;
	if (n > 0 && values[0])
		*(int *)arg = atoi(values[0]);
	return 0;
}

static void test_signed_libsqlite3(void)
{
	signet_error *err = NULL;
	signet_image *img = NULL;
	SG_ASSERT_OK(signet_load(&img, sg_fixture("sqlite/libsqlite3.so.0"), sg_test_policy(), &err), &err);
	void *o = NULL, *e = NULL, *c = NULL;
	SG_ASSERT_OK(signet_image_symbol(&o, img, "sqlite3_open", &err), &err);
	SG_ASSERT_OK(signet_image_symbol(&e, img, "sqlite3_exec", &err), &err);
	SG_ASSERT_OK(signet_image_symbol(&c, img, "sqlite3_close", &err), &err);
	void *db = NULL;
	int answer = 0;
	CU_ASSERT_EQUAL(((open_fn)(uintptr_t)o)(":memory:", &db), 0);
	CU_ASSERT_EQUAL(((exec_fn)(uintptr_t)e)(db, "create table t(x); insert into t values (6), (7);"
		"select x * (select max(x) from t) from t where x = 6;", first_cell, &answer, NULL), 0);
	CU_ASSERT_EQUAL(answer, 42);
	((close_fn)(uintptr_t)c)(db);
	CU_ASSERT_STRING_EQUAL(signet_identity_identifier(signet_image_identity(img)), "org.sqlite.copy");
	SG_ASSERT_OK(signet_unload(img, &err), &err);
}

/*
 * The verified image's link_map names its real path (docs/loading.md,
 * "Debugging"): a plain dlopen() of that path gets the verified image, not
 * a second copy, and keeps it mapped after signet_unload(). It then comes
 * back as foreign, and its signature is not taken from the file at the
 * path, which is not what runs.
 */
/* The first asks of one record's signature, from several threads at once. */
struct ask {
	const signet_image *image;
	signet_signature_status status;
	const signet_error *why;
};

static void *ask_signature(void *arg)
{
	struct ask *a = arg;
	a->status = signet_image_signature(a->image, NULL, &a->why);
	return NULL;
}

static void test_plain_dlopen_of_the_path_finds_the_verified_image(void)
{
	char real[PATH_MAX];
	CU_ASSERT_PTR_NOT_NULL_FATAL(realpath(sg_fixture("libfixture7.so"), real));
	signet_image *img = NULL, *back = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_load(&img, real, sg_test_policy(), &err), &err);
	void *fn = NULL;
	SG_ASSERT_OK(signet_image_symbol(&fn, img, "fixture_id", &err), &err);
	void *plain = dlopen(real, RTLD_NOW | RTLD_NOLOAD);
	CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
	CU_ASSERT_PTR_EQUAL(dlsym(plain, "fixture_id"), fn);
	const signet_identity *identity = NULL;
	const signet_error *why = NULL;
	CU_ASSERT_EQUAL(signet_image_signature(img, &identity, &why), SIGNET_SIGNATURE_VERIFIED);
	CU_ASSERT_PTR_EQUAL(identity, signet_image_identity(img));
	CU_ASSERT_PTR_NULL(why);
	uint64_t id = signet_image_id(img);
	SG_ASSERT_OK(signet_unload(img, &err), &err);

	SG_ASSERT_OK(signet_registry_find_name(&back, real, &err), &err);
	CU_ASSERT_NOT_EQUAL(signet_image_id(back), id);
	CU_ASSERT_EQUAL(signet_image_arrival(back), SIGNET_ARRIVAL_FOREIGN);
	/* Concurrent first asks: each may judge the file, all see the one answer published. */
	struct ask asks[4];
	pthread_t threads[4];
	for (int i = 0; i < 4; i++) {
		asks[i] = (struct ask){ .image = back };
		CU_ASSERT_EQUAL_FATAL(pthread_create(&threads[i], NULL, ask_signature, &asks[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(threads[i], NULL);
	CU_ASSERT_EQUAL(signet_image_signature(back, &identity, &why), SIGNET_SIGNATURE_INVALID);
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(asks[i].status, SIGNET_SIGNATURE_INVALID);
		CU_ASSERT_PTR_EQUAL(asks[i].why, why);
	}
	CU_ASSERT_PTR_NULL(identity);
	CU_ASSERT_PTR_NOT_NULL_FATAL(why);
	CU_ASSERT_EQUAL(signet_error_code(why), SIGNET_E_PROCESS_INVALID);
	CU_ASSERT_STRING_EQUAL(signet_error_check(why), "process.image");
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(why), "a Signet snapshot that Signet no longer holds"));
	/* Asked again: the same answer, cached on the record. */
	const signet_error *again = NULL;
	CU_ASSERT_EQUAL(signet_image_signature(back, NULL, &again), SIGNET_SIGNATURE_INVALID);
	CU_ASSERT_PTR_EQUAL(again, why);
	signet_image_free(back);
	CU_ASSERT_EQUAL(dlclose(plain), 0);
	SG_ASSERT_OK(signet_registry_sync(&err), &err);
	CU_ASSERT_EQUAL(signet_registry_find_name(&back, real, NULL), SIGNET_E_NOT_FOUND);
}

/*
 * A foreign image's signature is judged from the file that was mapped,
 * found by device and inode: a file renamed over its path after the
 * dlopen() is not it, and the answer says so rather than judging the
 * newcomer.
 */
static void test_foreign_image_whose_file_was_replaced(void)
{
	char path[PATH_MAX], other[PATH_MAX];
	snprintf(path, sizeof path, "%s/libforeign.so", sg_sandbox());
	snprintf(other, sizeof other, "%s/libother.so", sg_sandbox());
	copy_to(sg_fixture("libfixture6.so"), path);
	copy_to(sg_fixture("libunsigned.so"), other);
	void *plain = dlopen(path, RTLD_NOW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
	signet_image *img = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_registry_find_name(&img, path, &err), &err);
	CU_ASSERT_EQUAL(signet_image_arrival(img), SIGNET_ARRIVAL_FOREIGN);
	CU_ASSERT_EQUAL_FATAL(rename(other, path), 0);
	const signet_error *why = NULL;
	CU_ASSERT_EQUAL(signet_image_signature(img, NULL, &why), SIGNET_SIGNATURE_INVALID);
	CU_ASSERT_PTR_NOT_NULL_FATAL(why);
	CU_ASSERT_EQUAL(signet_error_code(why), SIGNET_E_PROCESS_INVALID);
	CU_ASSERT_STRING_EQUAL(signet_error_check(why), "process.image");
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(why), "the file at this path is not the one mapped"));
	signet_image_free(img);
	CU_ASSERT_EQUAL(dlclose(plain), 0);
}

int main(void)
{
	static const sg_test tests[] = {
		{ "unsigned, tampered, wrong team, untrusted, denied: refused, nothing left", test_refusals },
		{ "no constructor runs on a refusal", test_no_constructor_runs_on_refusal },
		{ "dependencies load first and go with the image", test_dependencies_are_loaded_first_and_released },
		{ "unresolvable and unsigned dependencies are refused, paths named", test_unresolvable_and_unsigned_dependencies },
		{ "a planted dependency (LD_LIBRARY_PATH, LD_PRELOAD) is never bound", test_planted_dependency_is_never_used },
		{ "a writer racing 1000+ loads: only verified bytes run", test_writer_racing_the_loader },
		{ "same file twice is one image; same soname, other file, refused", test_same_soname_is_not_aliased },
		{ "a C++ plugin with exceptions and thread_local", test_cxx_plugin },
		{ "a signed copy of libsqlite3 runs a query", test_signed_libsqlite3 },
		{ "a plain dlopen of the real path finds the verified image", test_plain_dlopen_of_the_path_finds_the_verified_image },
		{ "a foreign image whose file was replaced: invalid, named so", test_foreign_image_whose_file_was_replaced },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "load", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
