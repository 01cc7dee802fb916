/* SPDX-License-Identifier: MIT */
/*
 * bundle_fixture.h - assembling and signing test bundles at run time.
 *
 * Each test builds the bundle it needs in a fresh sandbox directory from
 * the test plugin variants the build made (tests/bundle/plugins/), signs it
 * with the real `signet sign --bundle` and the test PKI, and then damages
 * it in exactly one way. Paths returned are malloc'd (the caller frees).
 */
#ifndef SIGNET_TEST_BUNDLE_FIXTURE_H
#define SIGNET_TEST_BUNDLE_FIXTURE_H

#include <stdbool.h>

typedef enum tb_signer {
	TB_TEAM_A,     /* the test PKI's team ABCDE12345: what sg_test_policy() accepts */
	TB_TEAM_Z,     /* team ZZZZZ99999, same CA */
	TB_ROGUE,      /* team ABCDE12345 from a CA nobody trusts */
	TB_PLAIN,      /* team A, but `signet sign` without --bundle: seals nothing */
	TB_UNSIGNED
} tb_signer;

typedef struct tb_spec {
	const char *variant;         /* "testplugin.so" (default) or "testplugin-<VARIANT>.so" */
	const char *principal_class; /* default "TestClass" */
	const char *host_api;        /* default ">=1.0 <2.0" */
	const char *protocols;       /* JSON array; default Filter 1 and Counter 2 */
	bool with_dep;               /* carry lib/libtestdep.so.1, listed in "libraries" */
	tb_signer signer;
} tb_spec;

/* Creates <sandbox>/<name>.bundle: manifest.json, lib/plugin.so,
 * resources/words.txt, resources/data/blob.bin, lib/alias.so -> plugin.so. */
char *tb_make(const char *name, const tb_spec *spec);

/* "<bundle>/<rel>", malloc'd. */
char *tb_path(const char *bundle, const char *rel);

/* Runs a shell command (sh -c); returns its exit status (or -1). */
int tb_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SIGNET_TEST_BUNDLE_FIXTURE_H */
