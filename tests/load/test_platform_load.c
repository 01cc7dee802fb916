/* SPDX-License-Identifier: MIT */
/*
 * test_platform_load.c - unsigned platform libraries through the loader, in
 * a root-owned tree (sg_root_sandbox): a signed image's RUNPATH into a
 * platform directory's tree, a platform library's own RUNPATH, and a
 * platform library swapped by rename while loads judge and map it (what
 * is mapped is the file judged, never what the name means a moment later).
 * Skipped, with a note, when not run as root.
 */
#include "config.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

/* The real directory of the running libc: a platform directory on any layout. */
static void libc_dir(char out[PATH_MAX])
{
	Dl_info info;
	CU_ASSERT_FATAL(dladdr((void *)printf, &info) != 0 && info.dli_fname);
	CU_ASSERT_FATAL(realpath(info.dli_fname, out) != NULL);
	*strrchr(out, '/') = '\0';
}

/* The test policy (anchors, team A) with `dir` and libc's directory as platform directories. */
static signet_policy *policy_with_platform(const char *dir)
{
	signet_policy *p = NULL;
	signet_error *err = NULL;
	char libc[PATH_MAX];
	libc_dir(libc);
	const char *dirs[] = { dir, libc };
	SG_ASSERT_OK(signet_policy_new(&p, &err), &err);
	SG_ASSERT_OK(signet_policy_set_anchors(p, sg_test_pki("root.pem"), &err), &err);
	SG_ASSERT_OK(signet_policy_set_requirement(p, "anchor trusted and team \"ABCDE12345\"", &err), &err);
	SG_ASSERT_OK(signet_policy_set_platform_directories(p, dirs, 2, &err), &err);
	return p;
}

static void install(const char *fixture, const char *dst, unsigned mode)
{
	size_t len = 0;
	uint8_t *bytes = sg_read_file(sg_fixture(fixture), &len);
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", dst);
	*strrchr(dir, '/') = '\0';
	char cmd[PATH_MAX + 32];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	sg_write_file(dst, bytes, len, mode);
	CU_ASSERT_EQUAL_FATAL(chmod(dst, mode), 0);
	free(bytes);
}

static int call_int(signet_image *img, const char *name)
{
	void *sym = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_image_symbol(&sym, img, name, &err), &err);
	return ((int (*)(void))sym)();
}

/* The registry's record for `soname`: platform, and named by its real path. */
static void assert_platform_record(const char *soname, const char *path)
{
	signet_image *dep = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_registry_find_name(&dep, soname, &err), &err);
	CU_ASSERT(signet_image_is_platform(dep));
	CU_ASSERT_FALSE(signet_image_is_signed(dep));
	CU_ASSERT_STRING_EQUAL(signet_image_path(dep), path);
	signet_image_free(dep);
}

/*
 * A signed image whose RUNPATH ($ORIGIN/deps) leads into a platform
 * directory's tree, to an unsigned library (systemd's and cryptsetup's
 * RUNPATH /usr/lib/<triplet>/systemd): a platform library by the same
 * rules as any. The same layout outside the tree stays refused (test_load).
 */
static void test_runpath_into_platform_tree(void)
{
	const char *root = sg_root_sandbox();
	if (!root) {
		printf("\n  note: not root: skipped\n");
		return;
	}
	char lib[PATH_MAX], app[PATH_MAX + 32], dep[PATH_MAX + 32];
	snprintf(lib, sizeof lib, "%s/lib", root);
	snprintf(app, sizeof app, "%s/app/libapp.so", lib);
	snprintf(dep, sizeof dep, "%s/app/deps/libdep.so.1", lib);
	install("unsigneddep/libapp.so", app, 0644);
	install("unsigneddep/deps/libdep.so.1", dep, 0644);
	signet_policy *p = policy_with_platform(lib);
	signet_image *img = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_load(&img, app, p, &err), &err);
	CU_ASSERT_EQUAL(call_int(img, "app_value"), 7);
	assert_platform_record("libdep.so.1", dep);
	SG_ASSERT_OK(signet_unload(img, &err), &err);

	/* Writable by others, the same file is no platform library: refused, not skipped over. */
	CU_ASSERT_EQUAL_FATAL(chmod(dep, 0666), 0);
	SG_ASSERT_FAILS(signet_load(&img, app, p, &err), &err, SIGNET_E_PLATFORM_REFUSED,
		"is writable by group or others (mode 0666)");
	signet_policy_free(p);
}

/* A platform library's own RUNPATH ($ORIGIN/private) finds its own platform dependency. */
static void test_platform_library_runpath(void)
{
	const char *root = sg_root_sandbox();
	if (!root) {
		printf("\n  note: not root: skipped\n");
		return;
	}
	char lib[PATH_MAX], app[PATH_MAX + 32], outer[PATH_MAX + 32], inner[PATH_MAX + 32];
	snprintf(lib, sizeof lib, "%s/lib", root);
	snprintf(app, sizeof app, "%s/apps/libapp2.so", root);
	snprintf(outer, sizeof outer, "%s/libouter.so.1", lib);
	snprintf(inner, sizeof inner, "%s/private/libinner.so.1", lib);
	install("plat/libapp2.so", app, 0644);
	install("plat/libouter.so.1", outer, 0644);
	install("plat/private/libinner.so.1", inner, 0644);
	signet_policy *p = policy_with_platform(lib);
	signet_image *img = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_load(&img, app, p, &err), &err);
	CU_ASSERT_EQUAL(call_int(img, "app_value"), 50);
	assert_platform_record("libouter.so.1", outer);
	assert_platform_record("libinner.so.1", inner);
	SG_ASSERT_OK(signet_unload(img, &err), &err);
	signet_policy_free(p);
}

/* ---- a platform library swapped by rename while it is judged and mapped ---- */

typedef struct swapper {
	char name[PATH_MAX + 32], good[PATH_MAX + 32], bad[PATH_MAX + 32], tmp[PATH_MAX + 32];
	atomic_bool stop;
} swapper;

/* Renames the bad file (mode 0666, value 666) over the name and the good one back, until stopped. */
static void *swap(void *arg)
{
	swapper *s = arg;
	while (!atomic_load(&s->stop)) {
		if (link(s->bad, s->tmp) != 0 || rename(s->tmp, s->name) != 0)
			break;
		sched_yield();
		if (link(s->good, s->tmp) != 0 || rename(s->tmp, s->name) != 0)
			break;
		sched_yield();
	}
	return NULL;
}

static void test_platform_swap_race(void)
{
	const char *root = sg_root_sandbox();
	if (!root) {
		printf("\n  note: not root: skipped\n");
		return;
	}
	sg_watchdog(600);
	char lib[PATH_MAX], app[PATH_MAX + 32];
	snprintf(lib, sizeof lib, "%s/lib", root);
	snprintf(app, sizeof app, "%s/apps/libapp.so", root); /* no deps/ next to it: step 3 finds lib/libdep.so.1 */
	install("unsigneddep/libapp.so", app, 0644);
	swapper s = { .stop = false };
	snprintf(s.name, sizeof s.name, "%s/libdep.so.1", lib);
	snprintf(s.good, sizeof s.good, "%s/.good", lib);
	snprintf(s.bad, sizeof s.bad, "%s/.bad", lib);
	snprintf(s.tmp, sizeof s.tmp, "%s/.swap", lib);
	install("unsigneddep/deps/libdep.so.1", s.good, 0644);    /* dep_value() = 7, acceptable */
	install("plant/libdep.so.1", s.bad, 0666);                /* dep_value() = 666, writable by others */
	CU_ASSERT_EQUAL_FATAL(link(s.good, s.name), 0);
	signet_policy *p = policy_with_platform(lib);
	pthread_t th;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, swap, &s), 0);
	unsigned loaded = 0, refused = 0, wrong = 0, other = 0;
	for (int i = 0; i < 400; i++) {
		signet_image *img = NULL;
		signet_error *err = NULL;
		int rc = signet_load(&img, app, p, &err);
		if (rc == 0) {
			loaded++;
			/* Judged acceptable, so it must be the acceptable file that runs. */
			if (call_int(img, "app_value") != 7)
				wrong++;
			SG_ASSERT_OK(signet_unload(img, &err), &err);
		} else if (rc == SIGNET_E_PLATFORM_REFUSED || rc == SIGNET_E_DEPENDENCY_UNRESOLVED) {
			refused++;
		} else {
			fprintf(stderr, "  unexpected: %s\n", signet_error_message(err));
			other++;
		}
		signet_error_free(err);
	}
	atomic_store(&s.stop, true);
	pthread_join(th, NULL);
	fprintf(stderr, "  400 loads racing a rename: %u loaded, %u refused, %u ran the file not judged\n",
		loaded, refused, wrong);
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(other, 0);
	CU_ASSERT(loaded > 0);
	signet_policy_free(p);
	alarm(0);
}

int main(void)
{
	static const sg_test tests[] = {
		{ "a signed image's RUNPATH into a platform tree", test_runpath_into_platform_tree },
		{ "a platform library's own RUNPATH", test_platform_library_runpath },
		{ "a platform library renamed over while loads judge it", test_platform_swap_race },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "platform libraries", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
