/* SPDX-License-Identifier: MIT */
/*
 * examine.c - the checks before a bundle is mapped, in order:
 *
 *   1. layout and manifest (bundle.c): a bundle without a valid manifest
 *      ends here, there is nothing else to read it by;
 *   2. the executable, opened beneath the bundle without following
 *      symlinks, copied into a sealed snapshot: ELF structure, signature,
 *      then policy (each later check needs the earlier);
 *   3. the seals: manifest (slot -1), resource seal (slot -2), every file;
 *   4. each bundled library: a sealed snapshot, verified and admitted;
 *   5. the principal class, looked up as dlsym() will find it;
 *   6. host_api;
 *   7. (preflight) the dependency closure, as a dry run.
 * Preflight carries on after a refusal wherever the next check still has
 * what it needs, so the report lists every reason it can. It also records
 * the provenance of its verdict (provenance.h) as it goes: the entries the
 * walk listed, the window of every chain that verified, and the files
 * outside the bundle the dry run read.
 */
#include "config.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <signet/bundle.h>
#include <signet/plugin.h>

#include "bundle/examine.h"
#include "bundle/seal.h"
#include "codesign/format.h"
#include "core/error_internal.h"
#include "elf/elf_symbol.h"
#include "policy/policy_internal.h"

void sg_dependencies_clear(sg_dependencies *deps)
{
	for (size_t i = 0; i < deps->n; i++) {
		free(deps->items[i].needed_by);
		free(deps->items[i].name);
		free(deps->items[i].path);
	}
	sg_array_clear(deps);
}

const char *sg_dep_kind_name(sg_dep_kind kind)
{
	switch (kind) {
	case SG_DEP_LOADED: return "loaded";
	case SG_DEP_SIGNED: return "signed";
	case SG_DEP_PLATFORM: return "platform";
	}
	return "unknown";
}

int sg_host_api_parse(const char *text, sg_semver *out, signet_error **err)
{
	if (!text)
		text = SIGNET_HOST_API_DEFAULT;
	if (!sg_semver_parse(text, out))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "bundle.host_api",
			.actual = text }, "the host API version '%s' is not MAJOR.MINOR.PATCH", text);
	return 0;
}

static void note_dependency(void *ctx, const char *who, const char *needed, const char *path, sg_dep_kind kind)
{
	sg_examination *x = ctx;
	sg_dependency d = { .needed_by = strdup(who), .name = strdup(needed), .path = strdup(path), .kind = kind };
	if (!d.needed_by || !d.name || !d.path || sg_array_push(&x->deps, d) != 0) {
		free(d.needed_by);
		free(d.name);
		free(d.path);
		x->deps_failed = true;
	}
}

/* The dry run's check of every file it reads: the bundle's rule, and a note of files outside it. */
typedef struct dry_ctx {
	const sg_bundle *bundle;
	sg_provenance *prov;
} dry_ctx;

static int dry_check_mapped(const void *ctx, const char *real_path, const uint8_t *bytes, size_t len,
	signet_error **err)
{
	const dry_ctx *c = ctx;
	int rc = sg_bundle_check_mapped(c->bundle, real_path, bytes, len, err);
	const char *root = c->bundle->tree.root;
	size_t n = strlen(root);
	bool inside = strncmp(real_path, root, n) == 0 && real_path[n] == '/';
	if (c->prov && !inside)
		sg_provenance_note_outside(c->prov, real_path);
	return rc;
}

void sg_examination_clear(sg_examination *x)
{
	if (!x)
		return;
	sg_provenance_free(x->prov);
	sg_bundle_close(&x->bundle);
	sg_inspected_clear(&x->exe);
	sg_reasons_clear(&x->reasons);
	sg_dependencies_clear(&x->deps);
	/* Descriptors -1, not 0: a second clear must not close descriptor 0. */
	*x = (sg_examination)SG_EXAMINATION_INIT;
}

/*
 * Opens `rel` beneath the bundle and snapshots that very file: sealed (to
 * be mapped) when loading, a private read when preflighting (never mapped).
 */
static int snapshot_member(const sg_bundle *b, const char *rel, bool preflight, sg_snapshot *snap,
	signet_error **err)
{
	int fd = -1;
	int rc = sg_tree_open(&fd, NULL, &b->tree, rel, SG_MAX_FILE_SIZE, err);
	if (rc)
		return rc;
	char *full = sg_tree_full_path(&b->tree, rel);
	rc = !full ? sg_fail_code(err, SIGNET_E_NOMEM, "out of memory opening %s", rel)
		: preflight ? sg_snapshot_read(snap, fd, full, err)
		: sg_snapshot_from_fd(snap, fd, full, err);
	free(full);
	close(fd);
	return rc;
}

static bool is_file(const sg_tree *t, const char *path)
{
	const sg_tree_entry *e = sg_tree_find(t, path);
	return e && e->kind == SG_TREE_FILE;
}

/* Step 2 for the executable, or step 4 for a library: ELF, signature, policy. */
static int inspect_member(sg_examination *x, const signet_policy *policy, const char *rel, sg_inspected *in)
{
	signet_error *e = NULL;
	sg_txn t = { .policy = policy };
	int rc = snapshot_member(&x->bundle, rel, x->reasons.all, &in->snap, &e);
	if (!rc)
		rc = sg_inspect(&t, in, &e);
	/* Set when the signature verified, even if the policy then refused: its chain's window counts. */
	if (x->prov && in->identity)
		sg_provenance_note_window(x->prov, in->identity, in->snap.path);
	return rc ? sg_reasons_add(&x->reasons, rc, e) : 0;
}

/*
 * Step 5. The principal class must be what dlsym() will return and what a
 * class descriptor is: a defined, exported data object at least as large
 * as the descriptor, whose bytes are file bytes of a loadable segment.
 * Anything else (a function, a missing or hidden symbol, a stub too small
 * to hold the descriptor) would have the host read garbage as a class.
 */
static int check_principal_class(sg_examination *x)
{
	const sg_inspected *in = &x->exe;
	const char *name = x->bundle.manifest.principal_class;
	sg_elf_symbol sym;
	signet_error *e = NULL;
	int rc = sg_elf_find_symbol(&sym, in->snap.bytes, in->snap.length, &in->layout, name, in->snap.path, &e);
	const char *why = NULL;
	char actual[96] = "";
	if (rc == SIGNET_E_NOT_FOUND) {
		why = "is not exported in .dynsym (dlsym would not find it)";
		snprintf(actual, sizeof actual, "(not exported)");
	} else if (rc) {
		return sg_reasons_add(&x->reasons, rc, e);
	} else if (sym.type != STT_OBJECT) {
		why = sym.type == STT_FUNC || sym.type == STT_GNU_IFUNC ? "is a function, not a class descriptor (data)"
			: "is not a data object";
		snprintf(actual, sizeof actual, "symbol type %u", sym.type);
	} else if (sym.bind != STB_GLOBAL && sym.bind != STB_WEAK) {
		why = "is not a global symbol";
		snprintf(actual, sizeof actual, "binding %u", sym.bind);
	} else if (sym.size < sizeof(signet_class)) {
		why = "is smaller than a class descriptor";
		snprintf(actual, sizeof actual, "%llu bytes", (unsigned long long)sym.size);
	} else if (!sym.in_file) {
		why = "does not lie in the file bytes of one loadable segment";
		snprintf(actual, sizeof actual, "0x%llx+%llu", (unsigned long long)sym.value,
			(unsigned long long)sym.size);
	}
	if (!why)
		return 0;
	char expected[64];
	snprintf(expected, sizeof expected, "an exported data object of at least %zu bytes", sizeof(signet_class));
	return sg_reasons_fail(&x->reasons, &(sg_error_info){ .code = SIGNET_E_PRINCIPAL_CLASS,
		.path = in->snap.path, .check = "bundle.principal_class", .expected = expected, .actual = actual },
		"the principal class %s %s", name, why);
}

static int check_host_api(sg_examination *x, sg_semver host)
{
	const sg_manifest *m = &x->bundle.manifest;
	if (sg_manifest_accepts_host_api(m, host))
		return 0;
	char have[48];
	snprintf(have, sizeof have, "%u.%u.%u", host.major, host.minor, host.patch);
	return sg_reasons_fail(&x->reasons, &(sg_error_info){ .code = SIGNET_E_HOST_API, .path = x->bundle.tree.root,
		.check = "bundle.host_api", .expected = m->host_api, .actual = have },
		"needs host API %s; this host has %s", m->host_api, have);
}

int sg_examine_bundle(sg_examination *x, const char *path, const signet_policy *policy, sg_semver host_api,
	bool preflight)
{
	*x = (sg_examination)SG_EXAMINATION_INIT;
	x->reasons.all = preflight;
	if (preflight)
		x->prov = sg_provenance_start(path, policy, host_api);
	sg_reasons *r = &x->reasons;
	if (!sg_policy_trust(policy))
		return sg_reasons_fail(r, &(sg_error_info){ .code = SIGNET_E_POLICY_INVALID, .path = path,
			.check = "policy.anchors" }, "the policy has no trust anchors, so nothing can be verified");
	/* 1 */
	sg_bundle_open(&x->bundle, path, r);
	x->opened = x->bundle.has_manifest;
	if (x->prov)
		sg_provenance_note_members(x->prov, &x->bundle.tree);
	if (!x->opened || sg_reasons_done(r))
		return r->first;
	const sg_manifest *m = &x->bundle.manifest;
	/* 2 (a missing or non-file executable is already a layout reason) */
	if (is_file(&x->bundle.tree, m->executable)) {
		inspect_member(x, policy, m->executable, &x->exe);
		if (sg_reasons_done(r))
			return r->first;
	}
	/* 3: needs the verified identity, whatever the policy said of it. */
	if (x->exe.identity) {
		sg_bundle_check_seals(&x->bundle, x->exe.identity, r);
		if (sg_reasons_done(r))
			return r->first;
	}
	/* 4 */
	for (size_t i = 0; i < m->nlibraries; i++) {
		if (!is_file(&x->bundle.tree, m->libraries[i]))
			continue; /* already a layout reason */
		sg_inspected lib = { .snap = { .fd = -1 } };
		inspect_member(x, policy, m->libraries[i], &lib);
		sg_inspected_clear(&lib);
		if (sg_reasons_done(r))
			return r->first;
	}
	/* 5: needs only the ELF layout of the snapshot. */
	if (x->exe.snap.bytes && x->exe.layout.file_size == x->exe.snap.length) {
		check_principal_class(x);
		if (sg_reasons_done(r))
			return r->first;
	}
	/* 6 */
	check_host_api(x, host_api);
	if (sg_reasons_done(r))
		return r->first;
	/* 7: a dry run never maps, never runs; loading does it for real later. */
	if (preflight && x->exe.identity && x->exe.dyn.n_needed > 0) {
		dry_ctx dc = { .bundle = &x->bundle, .prov = x->prov };
		sg_txn t = { .policy = policy, .dry_run = true, .check_mapped = dry_check_mapped,
			.check_ctx = &dc, .on_dependency = note_dependency, .ctx = x };
		sg_image_vec none = { 0 };
		signet_error *e = NULL;
		int rc = sg_resolve_dependencies(&t, &x->exe.dyn, x->exe.snap.origin, x->exe.snap.path, &none, &e);
		sg_image_vec_release(&none);
		if (rc)
			sg_reasons_add(r, rc, e);
	}
	if (x->deps_failed)
		sg_reasons_add(r, SIGNET_E_NOMEM, NULL);
	return r->first;
}
