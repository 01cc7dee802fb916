/* SPDX-License-Identifier: MIT */
/*
 * test_registry.c - the image registry: what it records, replay on
 * registration, snapshots, lookups, and images loaded behind its back.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness.h"

/* ---- an observer that records what it is told ---- */

typedef struct seen {
	uint64_t id;
	signet_arrival arrival;
	char path[PATH_MAX];
	bool add;
	bool mapped;
} seen;

typedef struct recorder {
	seen events[512];
	size_t n;
} recorder;

static void rec_event(recorder *r, const signet_image *img, bool add)
{
	if (r->n >= sizeof r->events / sizeof r->events[0])
		return;
	seen *s = &r->events[r->n++];
	s->id = signet_image_id(img);
	s->arrival = signet_image_arrival(img);
	snprintf(s->path, sizeof s->path, "%s", signet_image_path(img));
	s->add = add;
	s->mapped = signet_image_is_mapped(img);
}

static void rec_add(const signet_image *img, void *payload) { rec_event(payload, img, true); }
static void rec_remove(const signet_image *img, void *payload) { rec_event(payload, img, false); }

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* ---- tests ---- */

static void test_replay_has_main_program_and_libc_in_load_order(void)
{
	recorder *r = calloc(1, sizeof *r);
	signet_error *err = NULL;
	signet_observer_token token = 0;
	SG_ASSERT_OK(signet_registry_add_observer(&token, rec_add, NULL, r, &err), &err);
	CU_ASSERT(token != 0);
	CU_ASSERT_FATAL(r->n >= 4);

	/* First: the executable, by its real path. */
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	CU_ASSERT_FATAL(len > 0);
	exe[len] = '\0';
	CU_ASSERT_EQUAL(r->events[0].arrival, SIGNET_ARRIVAL_MAIN_PROGRAM);
	CU_ASSERT_STRING_EQUAL(r->events[0].path, exe);

	ssize_t libc = -1, ldso = -1, vdso = -1, signet = -1;
	for (size_t i = 0; i < r->n; i++) {
		const char *b = base_name(r->events[i].path);
		if (strcmp(b, "libc.so.6") == 0) libc = (ssize_t)i;
		if (strncmp(b, "ld-linux", 8) == 0) ldso = (ssize_t)i;
		if (strncmp(b, "libsignet.so", 12) == 0) signet = (ssize_t)i;
		if (r->events[i].arrival == SIGNET_ARRIVAL_VDSO) vdso = (ssize_t)i;
		CU_ASSERT(r->events[i].add);
		/* Load order: records are numbered as they are discovered. */
		if (i > 0)
			CU_ASSERT(r->events[i].id > r->events[i - 1].id);
	}
	CU_ASSERT_FATAL(libc > 0 && ldso > 0 && signet > 0);
	CU_ASSERT_EQUAL(r->events[libc].arrival, SIGNET_ARRIVAL_STARTUP);
	CU_ASSERT_EQUAL(r->events[ldso].arrival, SIGNET_ARRIVAL_STARTUP);
	CU_ASSERT_EQUAL(r->events[signet].arrival, SIGNET_ARRIVAL_STARTUP);
	CU_ASSERT(vdso > 0);
	/* libsignet is one of the executable's needs: ld.so mapped it before libc. */
	CU_ASSERT(signet < libc);

	SG_ASSERT_OK(signet_registry_remove_observer(token, &err), &err);
	free(r);
}

static void test_snapshot_equals_replay(void)
{
	recorder *r = calloc(1, sizeof *r);
	signet_error *err = NULL;
	signet_observer_token token;
	signet_image_list *list = NULL;
	SG_ASSERT_OK(signet_registry_add_observer(&token, rec_add, NULL, r, &err), &err);
	SG_ASSERT_OK(signet_registry_snapshot(&list, &err), &err);
	CU_ASSERT_EQUAL_FATAL(signet_image_list_count(list), r->n);
	for (size_t i = 0; i < r->n; i++)
		CU_ASSERT_EQUAL(signet_image_id(signet_image_list_get(list, i)), r->events[i].id);
	CU_ASSERT_PTR_NULL(signet_image_list_get(list, r->n));
	signet_image_list_free(list);
	SG_ASSERT_OK(signet_registry_remove_observer(token, &err), &err);
	free(r);
}

static void assert_lookup_finds(const void *address, uint64_t id)
{
	signet_address_info info = { 0 };
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_registry_lookup_address(&info, address, &err), &err);
	if (signet_image_id(info.image) != id)
		fprintf(stderr, "  %p: wanted image %llu, got %llu (%s)\n", address, (unsigned long long)id,
			(unsigned long long)signet_image_id(info.image), signet_image_path(info.image));
	CU_ASSERT_EQUAL(signet_image_id(info.image), id);
	signet_address_info_clear(&info);
}

static void test_lookup_address_in_every_segment(void)
{
	signet_error *err = NULL;
	signet_image *loaded[3] = { 0 };
	const char *names[3] = { "libfixture0.so", "libfixture1.so", "libfixture2.so" };
	for (int i = 0; i < 3; i++)
		SG_ASSERT_OK(signet_load(&loaded[i], sg_fixture(names[i]), sg_test_policy(), &err), &err);

	/* Those three, the main program and libc. */
	signet_image *libc = NULL, *self = NULL;
	SG_ASSERT_OK(signet_registry_find_name(&libc, "libc.so.6", &err), &err);
	signet_address_info info = { 0 };
	SG_ASSERT_OK(signet_registry_lookup_address(&info, (const void *)test_lookup_address_in_every_segment, &err), &err);
	self = signet_image_retain(info.image);
	CU_ASSERT_EQUAL(signet_image_arrival(self), SIGNET_ARRIVAL_MAIN_PROGRAM);
	signet_address_info_clear(&info);

	signet_image *all[5] = { loaded[0], loaded[1], loaded[2], libc, self };
	for (int i = 0; i < 5; i++) {
		size_t nseg = signet_image_segment_count(all[i]);
		CU_ASSERT(nseg >= 2);
		for (size_t s = 0; s < nseg; s++) {
			const signet_segment *seg = signet_image_segment(all[i], s);
			uint64_t id = signet_image_id(all[i]);
			assert_lookup_finds((const void *)seg->start, id);
			assert_lookup_finds((const void *)(seg->start + (seg->end - seg->start) / 2), id);
			assert_lookup_finds((const void *)(seg->end - 1), id);
			CU_ASSERT(signet_image_contains(all[i], (const void *)seg->start));
			CU_ASSERT_FALSE(signet_image_contains(all[i], (const void *)seg->end) &&
				s + 1 < nseg && signet_image_segment(all[i], s + 1)->start != seg->end);
		}
		CU_ASSERT_PTR_NULL(signet_image_segment(all[i], nseg));
	}
	signet_image_free(libc);
	signet_image_free(self);
	for (int i = 0; i < 3; i++)
		SG_ASSERT_OK(signet_unload(loaded[i], &err), &err);

	/* A page that was mapped and no longer is, and the null page. */
	long pg = sysconf(_SC_PAGESIZE);
	void *page = mmap(NULL, (size_t)pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CU_ASSERT_FATAL(page != MAP_FAILED);
	munmap(page, (size_t)pg);
	SG_ASSERT_FAILS(signet_registry_lookup_address(&info, page, &err), &err, SIGNET_E_NOT_FOUND, "no image maps");
	SG_ASSERT_FAILS(signet_registry_lookup_address(&info, (void *)16, &err), &err, SIGNET_E_NOT_FOUND, "no image maps");
	CU_ASSERT_PTR_NULL(info.image);
}

static void test_lookup_address_names_nearest_symbol(void)
{
	signet_error *err = NULL;
	signet_image *img = NULL;
	SG_ASSERT_OK(signet_load(&img, sg_fixture("libfixture3.so"), sg_test_policy(), &err), &err);
	void *fn = NULL, *counter = NULL;
	SG_ASSERT_OK(signet_image_symbol(&fn, img, "fixture_id", &err), &err);
	SG_ASSERT_OK(signet_image_symbol(&counter, img, "fixture_counter", &err), &err);
	CU_ASSERT_EQUAL(((int (*)(void))(uintptr_t)fn)(), 3);
	CU_ASSERT_EQUAL(*(int *)counter, 3);

	signet_address_info info = { 0 };
	SG_ASSERT_OK(signet_registry_lookup_address(&info, (const char *)fn + 1, &err), &err);
	CU_ASSERT_EQUAL(signet_image_id(info.image), signet_image_id(img));
	CU_ASSERT_PTR_NOT_NULL_FATAL(info.symbol);
	CU_ASSERT_STRING_EQUAL(info.symbol, "fixture_id");
	CU_ASSERT_EQUAL(info.symbol_address, (uintptr_t)fn);
	signet_address_info_clear(&info);
	CU_ASSERT_PTR_NULL(info.symbol);

	SG_ASSERT_FAILS(signet_image_symbol(&fn, img, "no_such_symbol", &err), &err, SIGNET_E_NOT_FOUND, "no_such_symbol");
	SG_ASSERT_OK(signet_unload(img, &err), &err);
}

static void test_find_by_name_and_build_id(void)
{
	signet_error *err = NULL;
	signet_image *img = NULL, *found = NULL;
	const char *path = sg_fixture("libfixture4.so");
	SG_ASSERT_OK(signet_load(&img, path, sg_test_policy(), &err), &err);
	CU_ASSERT_STRING_EQUAL(signet_image_path(img), path);
	CU_ASSERT_STRING_EQUAL(signet_image_soname(img), "libfixture4.so");
	CU_ASSERT_EQUAL(signet_image_arrival(img), SIGNET_ARRIVAL_SIGNET);
	CU_ASSERT(signet_image_is_mapped(img));
	CU_ASSERT(signet_image_is_signed(img));
	CU_ASSERT_FALSE(signet_image_is_platform(img));
	const signet_identity *ident = signet_image_identity(img);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ident);
	CU_ASSERT_STRING_EQUAL(signet_identity_identifier(ident), "org.signet.test.fixture4");
	CU_ASSERT_STRING_EQUAL(signet_identity_team(ident), "ABCDE12345");
	/* The identity names the original file, never /proc/.../fd/N. */
	CU_ASSERT_STRING_EQUAL(signet_identity_path(ident), path);

	SG_ASSERT_OK(signet_registry_find_name(&found, path, &err), &err);
	CU_ASSERT_PTR_EQUAL(found, img);
	signet_image_free(found);
	SG_ASSERT_OK(signet_registry_find_name(&found, "libfixture4.so", &err), &err);
	CU_ASSERT_PTR_EQUAL(found, img);
	signet_image_free(found);
	SG_ASSERT_OK(signet_registry_find_id(&found, signet_image_id(img), &err), &err);
	CU_ASSERT_PTR_EQUAL(found, img);
	signet_image_free(found);

	/* The build-id ld.so mapped is the one `--build-id=sha1` wrote: 20 bytes. */
	const uint8_t *bid = NULL;
	size_t blen = signet_image_build_id(img, &bid);
	CU_ASSERT_EQUAL_FATAL(blen, 20);
	SG_ASSERT_OK(signet_registry_find_build_id(&found, bid, blen, &err), &err);
	CU_ASSERT_PTR_EQUAL(found, img);
	signet_image_free(found);
	char hex[41];
	CU_ASSERT_EQUAL(signet_image_build_id_hex(img, hex, sizeof hex), 40);
	char small[5];
	CU_ASSERT_EQUAL(signet_image_build_id_hex(img, small, sizeof small), 4);

	uint8_t other[20];
	memcpy(other, bid, 20);
	other[0] ^= 0xff;
	SG_ASSERT_FAILS(signet_registry_find_build_id(&found, other, 20, &err), &err, SIGNET_E_NOT_FOUND, "build-id");
	SG_ASSERT_FAILS(signet_registry_find_build_id(&found, other, 0, &err), &err, SIGNET_E_INVALID_ARGUMENT, "build-id");
	SG_ASSERT_FAILS(signet_registry_find_name(&found, "libnothing.so.9", &err), &err, SIGNET_E_NOT_FOUND, "libnothing.so.9");
	SG_ASSERT_FAILS(signet_registry_find_name(&found, "", &err), &err, SIGNET_E_INVALID_ARGUMENT, "name");

	uint64_t id = signet_image_id(img);
	SG_ASSERT_OK(signet_unload(img, &err), &err);
	SG_ASSERT_FAILS(signet_registry_find_name(&found, path, &err), &err, SIGNET_E_NOT_FOUND, path);
	SG_ASSERT_FAILS(signet_registry_find_id(&found, id, &err), &err, SIGNET_E_NOT_FOUND, "no loaded image");
}

static void test_plain_dlopen_is_reported(void)
{
	recorder *r = calloc(1, sizeof *r);
	signet_error *err = NULL;
	signet_observer_token token;
	SG_ASSERT_OK(signet_registry_add_observer(&token, rec_add, rec_remove, r, &err), &err);
	size_t replayed = r->n;

	/* Other code, not Signet, loads and unloads a library. */
	const char *path = sg_fixture("libfixture7.so");
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	SG_ASSERT_OK(signet_registry_sync(&err), &err);
	CU_ASSERT_EQUAL_FATAL(r->n, replayed + 1);
	seen *added = &r->events[replayed];
	CU_ASSERT(added->add);
	CU_ASSERT_EQUAL(added->arrival, SIGNET_ARRIVAL_FOREIGN);
	CU_ASSERT_STRING_EQUAL(added->path, path);

	signet_image *img = NULL;
	SG_ASSERT_OK(signet_registry_find_name(&img, "libfixture7.so", &err), &err);
	CU_ASSERT_EQUAL(signet_image_id(img), added->id);
	/* Not Signet's to unload. */
	SG_ASSERT_FAILS(signet_unload(img, &err), &err, SIGNET_E_NOT_LOADED, "not loaded by signet_load");

	CU_ASSERT_EQUAL(dlclose(h), 0);
	/* Any registry call notices, not only an explicit sync. */
	signet_image_list *list = NULL;
	SG_ASSERT_OK(signet_registry_snapshot(&list, &err), &err);
	for (size_t i = 0; i < signet_image_list_count(list); i++)
		CU_ASSERT(signet_image_id(signet_image_list_get(list, i)) != added->id);
	signet_image_list_free(list);
	CU_ASSERT_EQUAL_FATAL(r->n, replayed + 2);
	CU_ASSERT_FALSE(r->events[replayed + 1].add);
	CU_ASSERT_EQUAL(r->events[replayed + 1].id, added->id);
	CU_ASSERT_FALSE(signet_image_is_mapped(img));
	/* The record itself outlives the mapping while referenced. */
	CU_ASSERT_STRING_EQUAL(signet_image_path(img), path);
	signet_image_free(img);

	SG_ASSERT_OK(signet_registry_remove_observer(token, &err), &err);
	free(r);
}

static void test_load_resolves_relative_path_and_rejects_bad_files(void)
{
	signet_error *err = NULL;
	signet_image *img = NULL;
	char cwd[PATH_MAX];
	CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/tests/fixtures", sg_builddir());
	CU_ASSERT_EQUAL_FATAL(chdir(dir), 0);
	SG_ASSERT_OK(signet_load(&img, "./libfixture5.so", sg_test_policy(), &err), &err);
	CU_ASSERT_EQUAL(chdir(cwd), 0);
	CU_ASSERT_STRING_EQUAL(signet_image_path(img), sg_fixture("libfixture5.so"));
	SG_ASSERT_OK(signet_unload(img, &err), &err);
	img = NULL; /* outputs are only set on success: it must stay NULL below */

	/* Not an ELF file at all: refused before anything is mapped. */
	char junk[PATH_MAX];
	snprintf(junk, sizeof junk, "%s/junk.so", sg_sandbox());
	FILE *f = fopen(junk, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("this is not an ELF file\n", f);
	fclose(f);
	SG_ASSERT_FAILS(signet_load(&img, junk, sg_test_policy(), &err), &err, SIGNET_E_NOT_ELF, junk);
	SG_ASSERT_FAILS(signet_load(&img, "/nonexistent/libx.so", sg_test_policy(), &err), &err, SIGNET_E_IO, "/nonexistent/libx.so");
	SG_ASSERT_FAILS(signet_load(&img, "", sg_test_policy(), &err), &err, SIGNET_E_INVALID_ARGUMENT, "path");
	CU_ASSERT_PTR_NULL(img);
}

static void test_startup_image_is_not_signets_to_unload(void)
{
	signet_error *err = NULL;
	signet_image *libc = NULL;
	SG_ASSERT_OK(signet_registry_find_name(&libc, "libc.so.6", &err), &err);
	SG_ASSERT_FAILS(signet_unload(libc, &err), &err, SIGNET_E_NOT_LOADED, "libc.so.6");
	CU_ASSERT(signet_image_is_mapped(libc));
	signet_image_free(libc);
}

int main(void)
{
	static const sg_test tests[] = {
		{ "replay has the main program and libc, in load order", test_replay_has_main_program_and_libc_in_load_order },
		{ "a snapshot equals the replay", test_snapshot_equals_replay },
		{ "address lookup finds every PT_LOAD of several images", test_lookup_address_in_every_segment },
		{ "address lookup names the nearest exported symbol", test_lookup_address_names_nearest_symbol },
		{ "find by path, soname, id and build-id", test_find_by_name_and_build_id },
		{ "plain dlopen/dlclose by other code is reported", test_plain_dlopen_is_reported },
		{ "load keeps the absolute path and refuses bad files", test_load_resolves_relative_path_and_rejects_bad_files },
		{ "a startup image is not Signet's to unload", test_startup_image_is_not_signets_to_unload },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "registry", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
