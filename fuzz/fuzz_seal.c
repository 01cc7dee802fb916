/* SPDX-License-Identifier: MIT */
/*
 * fuzz_seal.c - libFuzzer target for the resource seal reader: any bytes as
 * seal text, verified (sg_seal_verify) against a fixed small bundle and
 * searched (sg_seal_lookup).
 *
 * The bundle is made once, on the first call, in a fresh temporary
 * directory (removed at exit): files, an empty file, nested directories, a
 * symlink, and the entries the seal must not list (manifest.json,
 * _signet/seal, the executable lib/x.so). Its own seal, built with
 * sg_seal_build(), is kept for comparison.
 *
 * The input is copied into a buffer of exactly its size with no NUL after
 * it, so a read past `len` is a sanitizer report. Checked, aborting on any
 * failure:
 * - sg_seal_verify() returns 0 or one of the documented codes, the same
 *   code whether it stops at the first reason or collects all, and that
 *   code is the first reason's;
 * - it returns 0 exactly when the text is the bundle's own seal, byte for
 *   byte (the format has one spelling per bundle);
 * - every reason has a documented code, a message naming the bundle root
 *   and a check; stopping at the first gives at most one, and collecting
 *   all gives at most one per sealed entry, one per seal line, plus one;
 * - sg_seal_lookup() returns 0 or SIGNET_E_NOT_FOUND; a hash it returns is
 *   spelled on an "F PATH HEX" line of the text; over the bundle's own seal
 *   it finds every sealed file's hash and nothing else.
 * Also replayed over fuzz/corpus/seal under `make check`.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle/reasons.h"
#include "bundle/seal.h"
#include "bundle/tree.h"
#include "core/hex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define EXECUTABLE "lib/x.so"

/* The bundle, in creation order (parents first); removed in reverse. */
static const struct {
	char kind;              /* 'D', 'F' or 'L' */
	const char *path;
	const char *content;    /* file contents, or the link target */
} bundle[] = {
	{ 'F', "manifest.json", "{\"identifier\":\"org.example.fuzz\",\"executable\":\"lib/x.so\"}\n" },
	{ 'F', "README", "not a plugin\n" },
	{ 'D', "_signet", NULL },
	{ 'F', "_signet/seal", "signet-resource-seal 1\n" },
	{ 'D', "lib", NULL },
	{ 'F', "lib.txt", "sorts between lib and lib/\n" },
	{ 'F', "lib/x.so", "\177ELF not really\n" },
	{ 'F', "lib/libfoo.so.1", "foo 1\n" },
	{ 'L', "lib/libfoo.so", "libfoo.so.1" },
	{ 'D', "res", NULL },
	{ 'F', "res/empty", "" },
	{ 'D', "res/sub", NULL },
	{ 'F', "res/sub/deep.bin", "\001\002\003 deep\n" },
	{ 'L', "res/up", "../lib/libfoo.so.1" },
};
#define N_BUNDLE (sizeof bundle / sizeof bundle[0])

static char root[64];
static sg_tree tree = { .rootfd = -1 };
static char *own_seal;
static size_t own_len;
static size_t sealed;              /* entries the seal lists */
static uint8_t hashes[N_BUNDLE][32]; /* SHA-256 of each file of the bundle */

static void cleanup(void)
{
	sg_tree_clear(&tree);
	free(own_seal);
	own_seal = NULL;
	if (!root[0])
		return;
	for (size_t i = N_BUNDLE; i-- > 0;) {
		char p[256];
		snprintf(p, sizeof p, "%s/%s", root, bundle[i].path);
		if (bundle[i].kind == 'D')
			rmdir(p);
		else
			unlink(p);
	}
	rmdir(root);
	root[0] = '\0';
}

static void fail_setup(const char *what, signet_error *err)
{
	fprintf(stderr, "fuzz_seal: cannot set up the bundle: %s%s%s\n", what, err ? ": " : "",
		err ? signet_error_message(err) : "");
	signet_error_free(err);
	abort();
}

/* Makes the bundle, reads it, builds its seal. Aborts if it cannot. */
static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(root, sizeof root, "%s/fuzz-seal.XXXXXX", tmp);
	if (!mkdtemp(root)) {
		root[0] = '\0';
		fail_setup("mkdtemp", NULL);
	}
	atexit(cleanup);
	for (size_t i = 0; i < N_BUNDLE; i++) {
		char p[256];
		snprintf(p, sizeof p, "%s/%s", root, bundle[i].path);
		bool ok;
		if (bundle[i].kind == 'D') {
			ok = mkdir(p, 0755) == 0;
		} else if (bundle[i].kind == 'L') {
			ok = symlink(bundle[i].content, p) == 0;
		} else {
			FILE *f = fopen(p, "wbe");
			size_t n = strlen(bundle[i].content);
			ok = f && fwrite(bundle[i].content, 1, n, f) == n;
			ok = (f && fclose(f) == 0) && ok;
		}
		if (!ok)
			fail_setup(p, NULL);
	}
	signet_error *err = NULL;
	if (sg_tree_read(&tree, root, &err) != 0)
		fail_setup("sg_tree_read", err);
	if (tree.entries.n != N_BUNDLE)
		fail_setup("sg_tree_read: not every entry", NULL);
	if (sg_seal_build(&tree, EXECUTABLE, &own_seal, &own_len, &err) != 0)
		fail_setup("sg_seal_build", err);
	for (size_t i = 0; i < N_BUNDLE; i++) {
		if (!sg_seal_excludes(bundle[i].path, EXECUTABLE))
			sealed++;
		if (bundle[i].kind == 'F' && sg_tree_hash(&tree, bundle[i].path, hashes[i], &err) != 0)
			fail_setup("sg_tree_hash", err);
	}
}

static bool verify_code(int rc)
{
	return rc == SIGNET_E_BUNDLE_UNSEALED || rc == SIGNET_E_SEAL_MISMATCH || rc == SIGNET_E_SIGNATURE_MALFORMED ||
		rc == SIGNET_E_NOMEM || rc == SIGNET_E_IO;
}

/* Each reason: a documented code, a message naming the bundle, a check. */
static void check_reasons(const sg_reasons *r, int rc)
{
	if (r->first != rc || (rc && !verify_code(rc)) || (!rc && r->list.n))
		abort();
	size_t rootlen = strlen(tree.root);
	for (size_t i = 0; i < r->list.n; i++) {
		const signet_error *e = r->list.items[i];
		int code = signet_error_code(e);
		if (!e || !verify_code(code))
			abort();
		if (code == SIGNET_E_NOMEM)
			continue; /* may be the static out-of-memory error */
		const char *m = signet_error_message(e);
		if (!m || strncmp(m, tree.root, rootlen) != 0 || strncmp(m + rootlen, ": ", 2) != 0 ||
		    !signet_error_check(e) || !*signet_error_check(e))
			abort();
	}
}

/* Is `needle` in the n bytes at `hay`? (No memmem: it is not C11.) */
static bool contains(const char *hay, size_t n, const char *needle, size_t k)
{
	for (size_t i = 0; k <= n && i <= n - k; i++)
		if (!memcmp(hay + i, needle, k))
			return true;
	return false;
}

/*
 * Looks `path` up; bi is its index in bundle[], or N_BUNDLE for a path the
 * bundle does not have. `own`: the text is the bundle's own seal.
 */
static void check_lookup(const char *text, size_t len, const char *path, size_t bi, bool own)
{
	uint8_t h[32];
	int rc = sg_seal_lookup(text, len, path, h);
	if (rc != 0 && rc != SIGNET_E_NOT_FOUND && rc != SIGNET_E_NOMEM)
		abort();
	if (own) {
		/* Found exactly for the sealed files, with their hashes. */
		bool sealed_file = bi < N_BUNDLE && bundle[bi].kind == 'F' && !sg_seal_excludes(path, EXECUTABLE);
		if (sealed_file ? rc != 0 || memcmp(h, hashes[bi], 32) != 0 : rc != SIGNET_E_NOT_FOUND)
			abort();
	}
	if (rc == 0) {
		/* "\nF PATH HEX\n" (every line follows the header's newline). */
		char line[300];
		char hex[65];
		sg_hex_encode(hex, h, sizeof h, false);
		int k = snprintf(line, sizeof line, "\nF %s %s\n", path, hex);
		if (k <= 0 || (size_t)k >= sizeof line || !contains(text, len, line, (size_t)k))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!own_seal)
		setup();
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);

	/* Stopping at the first reason. */
	sg_reasons first = { .all = false };
	int rc1 = sg_seal_verify(&tree, EXECUTABLE, text, size, &first);
	check_reasons(&first, rc1);
	if (first.list.n > 1)
		abort();

	/* Collecting every reason, as preflight does. */
	sg_reasons all = { .all = true };
	int rc = sg_seal_verify(&tree, EXECUTABLE, text, size, &all);
	check_reasons(&all, rc);
	if (rc != rc1)
		abort();
	if (first.list.n && all.list.n && strcmp(signet_error_message(first.list.items[0]), signet_error_message(all.list.items[0])) != 0)
		abort();
	/* One reason per sealed entry (unsealed or different), one per seal line
	 * (sealed but missing; at most SG_TREE_MAX_ENTRIES lines are read), and
	 * one for malformed text, which ends the reading. */
	size_t lines = 0;
	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';
	if (lines > SG_TREE_MAX_ENTRIES)
		lines = SG_TREE_MAX_ENTRIES;
	size_t malformed = 0, unsealed = 0;
	for (size_t i = 0; i < all.list.n; i++) {
		int code = signet_error_code(all.list.items[i]);
		malformed += code == SIGNET_E_SIGNATURE_MALFORMED;
		unsealed += code == SIGNET_E_BUNDLE_UNSEALED;
	}
	if (all.list.n > sealed + lines + 1 || malformed > 1 || unsealed > sealed)
		abort();
	/* One spelling per bundle: verified exactly when it is the bundle's own seal. */
	bool own = size == own_len && !memcmp(text, own_seal, size);
	if ((rc == 0) != own)
		abort();
	sg_reasons_clear(&first);
	sg_reasons_clear(&all);

	/* Each lookup reads the text again: a few paths (a sealed file in a
	 * subdirectory, the empty file, the excluded executable, a symlink, a
	 * path no entry has), and every entry for the bundle's own seal. */
	for (size_t i = 0; i < N_BUNDLE; i++)
		if (own || !strcmp(bundle[i].path, "lib/libfoo.so.1") || !strcmp(bundle[i].path, "res/empty") ||
		    !strcmp(bundle[i].path, EXECUTABLE) || !strcmp(bundle[i].path, "lib/libfoo.so"))
			check_lookup(text, size, bundle[i].path, i, own);
	check_lookup(text, size, "zzz/new", N_BUNDLE, false);
	free(text);
	return 0;
}
