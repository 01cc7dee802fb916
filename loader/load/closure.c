/* SPDX-License-Identifier: MIT */
/*
 * closure.c - the dependency closure: every DT_NEEDED of a verified image
 * resolved by Signet, never by the process environment.
 *
 * For each needed soname, in order:
 *   1. an image already in the process holding that soname: accepted only
 *      if it is itself acceptable (verified and admitted, or a platform
 *      library); otherwise the load fails: it is never bound silently;
 *   2. a signed image found through the image's RUNPATH (or RPATH when it
 *      has no RUNPATH), `$ORIGIN` meaning the directory of the file Signet
 *      opened: verified and loaded first, through the same pipeline;
 *   3. a platform library in the policy's platform directories.
 * Relative and empty search-path components are ignored: ld.so would
 * resolve them against the current directory, which an attacker may own.
 * LD_LIBRARY_PATH is never consulted; and because every dependency is in
 * the process before the image is dlopen()ed, ld.so binds each DT_NEEDED
 * to the one Signet chose (it matches loaded objects by soname first).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codesign/identity_internal.h"
#include "core/error_internal.h"
#include "core/file.h"
#include "elf/elf_image.h"
#include "load/load_internal.h"
#include "policy/policy_internal.h"

/* A growing list of the paths tried, for the refusal message. */
typedef struct tried {
	char *text;
	size_t len;
} tried;

/* Appends "<what> (<why>)" (or just <what>) to the list. */
static void tried_add(tried *t, const char *what, const char *why)
{
	char line[4200];
	int n = why ? snprintf(line, sizeof line, "%s (%s)", what, why) : snprintf(line, sizeof line, "%s", what);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line)
		n = (int)sizeof line - 1;
	size_t add = (size_t)n + (t->len ? 2 : 0);
	char *grown = realloc(t->text, t->len + add + 1);
	if (!grown)
		return; /* a shorter list is still a correct (if less helpful) message */
	t->text = grown;
	if (t->len) {
		memcpy(t->text + t->len, "; ", 2);
		t->len += 2;
	}
	memcpy(t->text + t->len, line, (size_t)n + 1);
	t->len += (size_t)n;
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* "$ORIGIN/../lib" -> "<origin>/../lib"; NULL for what we will not expand. */
static char *expand(const char *component, const char *origin)
{
	char *out = NULL;
	if (strncmp(component, "$ORIGIN", 7) == 0 && (component[7] == '/' || component[7] == '\0')) {
		if (asprintf(&out, "%s%s", origin, component + 7) < 0)
			out = NULL;
	} else if (strncmp(component, "${ORIGIN}", 9) == 0 && (component[9] == '/' || component[9] == '\0')) {
		if (asprintf(&out, "%s%s", origin, component + 9) < 0)
			out = NULL;
	} else if (component[0] == '/' && !strchr(component, '$')) {
		out = strdup(component);
	}
	return out;
}

/* Step 1: the soname is already taken in this process. */
static int use_loaded(sg_txn *t, signet_image *holder, const char *needed, const char *who,
	sg_image_vec *deps, signet_error **err)
{
	signet_error *why = NULL;
	int rc = 0;
	if (holder->identity) {
		rc = sg_policy_admit(t->policy, holder->identity, &why);
	} else if (!holder->platform) {
		rc = sg_policy_platform_library(t->policy, holder->path, needed, &why);
	}
	if (rc) {
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_DEPENDENCY_CONFLICT, .path = who,
			.check = "load.dependency", .expected = needed, .actual = holder->path, .cause = why },
			"needs %s, which this process already has from %s, an image the policy does not accept "
			"(%s); it is not bound silently", needed, holder->path, signet_error_message(why));
		return rc;
	}
	if (t->on_dependency)
		t->on_dependency(t->ctx, who, needed, holder->path, SG_DEP_LOADED);
	/* Signet's own images stay loaded while this one needs them. */
	if (holder->arrival == SIGNET_ARRIVAL_SIGNET && !t->dry_run) {
		if (!sg_take_load(holder))
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_DEPENDENCY_UNRESOLVED, .path = who,
				.check = "load.dependency", .expected = needed },
				"needs %s, whose image %s is being unloaded", needed, holder->path);
		if (sg_image_vec_push(deps, holder) != 0) {
			sg_release_load(holder);
			return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory resolving %s", needed);
		}
	}
	return 0;
}

typedef int (*load_fn)(sg_txn *t, const char *path, const char *soname, signet_image **out, signet_error **err);

/* Loads the chosen candidate with `load` and keeps its load in `deps`. */
static int load_candidate(sg_txn *t, load_fn load, const char *kind, const char *cand, const char *needed,
	const char *who, sg_image_vec *deps, signet_error **err)
{
	signet_image *img = NULL;
	signet_error *why = NULL;
	int rc = load(t, cand, needed, &img, &why);
	/* A dry run takes no load, so there is nothing to keep. */
	if (rc == 0 && img && sg_image_vec_push(deps, img) != 0) {
		sg_release_load(img);
		rc = SIGNET_E_NOMEM;
	}
	if (rc == 0 && t->on_dependency)
		t->on_dependency(t->ctx, who, needed, cand, load == sg_load_platform ? SG_DEP_PLATFORM : SG_DEP_SIGNED);
	if (rc)
		rc = sg_fail(err, &(sg_error_info){ .code = rc, .path = who, .check = "load.dependency",
			.expected = needed, .actual = cand, .cause = why },
			"its %s %s at %s was refused: %s", kind, needed, cand, why ? signet_error_message(why) : "out of memory");
	return rc;
}

static int resolve_one(sg_txn *t, const sg_elf_dynamic *dyn, const char *needed, const char *origin,
	const char *who, sg_image_vec *deps, signet_error **err)
{
	signet_image *holder = sg_find_loaded(needed);
	if (holder) {
		int rc = use_loaded(t, holder, needed, who, deps, err);
		signet_image_free(holder);
		return rc;
	}

	tried list = { 0 };
	int rc = SIGNET_E_DEPENDENCY_UNRESOLVED;
	/* Step 2: the image's own search path. ld.so ignores RPATH when RUNPATH exists. */
	char *const *dirs = dyn->has_runpath ? dyn->runpath : dyn->rpath;
	size_t ndirs = dyn->has_runpath ? dyn->n_runpath : dyn->n_rpath;
	for (size_t i = 0; i < ndirs; i++) {
		char *dir = expand(dirs[i], origin);
		if (!dir) {
			tried_add(&list, dirs[i][0] ? dirs[i] : "\"\"", dirs[i][0] != '$' && dirs[i][0] != '/'
				? "ignored: relative or empty" : "ignored: unsupported token");
			continue;
		}
		char *cand = NULL;
		if (asprintf(&cand, "%s/%s", dir, needed) < 0)
			cand = NULL;
		free(dir);
		if (!cand)
			continue;
		if (!is_file(cand)) {
			tried_add(&list, cand, "absent");
			free(cand);
			continue;
		}
		/* Found: it must verify. A bad candidate fails the load, never falls through. */
		rc = load_candidate(t, sg_load_verified, "dependency", cand, needed, who, deps, err);
		free(cand);
		free(list.text);
		return rc;
	}

	/* Step 3: a platform library. */
	size_t nplat = 0;
	const char *const *plat = sg_policy_platform_directories(t->policy, &nplat);
	for (size_t i = 0; i < nplat; i++) {
		char *cand = NULL;
		if (asprintf(&cand, "%s/%s", plat[i], needed) < 0)
			continue;
		if (!is_file(cand)) {
			tried_add(&list, cand, "absent");
			free(cand);
			continue;
		}
		signet_error *why = NULL;
		if (sg_policy_platform_library(t->policy, cand, needed, &why) != 0) {
			tried_add(&list, cand, signet_error_message(why));
			signet_error_free(why);
			free(cand);
			continue;
		}
		rc = load_candidate(t, sg_load_platform, "platform dependency", cand, needed, who, deps, err);
		free(cand);
		free(list.text);
		return rc;
	}
	rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_DEPENDENCY_UNRESOLVED, .path = who,
		.check = "load.dependency", .expected = needed, .actual = list.text ? list.text : "(nothing)" },
		"needs %s, and no acceptable candidate exists; tried: %s", needed, list.text ? list.text : "nothing");
	free(list.text);
	return rc;
}

int sg_resolve_dependencies(sg_txn *t, const sg_elf_dynamic *dyn, const char *origin, const char *who,
	sg_image_vec *deps, signet_error **err)
{
	for (size_t i = 0; i < dyn->n_needed; i++) {
		int rc = resolve_one(t, dyn, dyn->needed[i], origin, who, deps, err);
		if (rc) {
			sg_image_vec_release(deps); /* nothing half-done stays loaded */
			return rc;
		}
	}
	return 0;
}

int sg_load_platform(sg_txn *t, const char *path, const char *soname, signet_image **out, signet_error **err)
{
	if (t->depth >= SG_MAX_DEPENDENCY_DEPTH)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "load.depth" },
			"dependencies nest deeper than %d (a cycle?)", SG_MAX_DEPENDENCY_DEPTH);
	/*
	 * A platform library is root-owned and not writable by others (the
	 * policy checked), so reading it here and letting ld.so open it again
	 * leaves an attacker nothing to race.
	 */
	sg_mapped_file m;
	int rc = sg_mapped_file_open(&m, path, (uint64_t)1 << 30, err);
	if (rc)
		return rc;
	sg_elf_layout layout;
	sg_elf_dynamic dyn = { 0 };
	sg_image_vec deps = { 0 };
	sg_batch batch = { 0 };
	signet_image *img = NULL;
	rc = sg_elf_layout_read(&layout, m.bytes, m.length, path, err);
	if (!rc)
		rc = sg_elf_check_loadable(&layout, path, err);
	if (!rc)
		rc = sg_elf_dynamic_read(&dyn, m.bytes, m.length, &layout, path, err);
	sg_mapped_file_close(&m);
	if (!rc && (!dyn.soname || strcmp(dyn.soname, soname) != 0))
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_DEPENDENCY_UNRESOLVED, .path = path,
			.check = "load.dependency", .expected = soname, .actual = dyn.soname ? dyn.soname : "(none)" },
			"found as %s, but its soname is %s", soname, dyn.soname ? dyn.soname : "(none)");
	if (rc)
		goto out;
	/* Its own dependencies come from the process or the platform only. */
	sg_elf_dynamic own = { .needed = dyn.needed, .n_needed = dyn.n_needed };
	t->depth++;
	rc = sg_resolve_dependencies(t, &own, "/", path, &deps, err);
	t->depth--;
	if (rc || t->dry_run)
		goto out; /* *out stays NULL on a dry run */
	sg_load_lock();
	signet_image *holder = sg_find_loaded(soname);
	if (holder) {
		/* Another thread loaded it meanwhile: use that one. */
		sg_load_unlock();
		rc = sg_take_load(holder) ? 0 : SIGNET_E_DEPENDENCY_UNRESOLVED;
		if (rc)
			rc = sg_fail(err, &(sg_error_info){ .code = rc, .path = path, .check = "load.dependency" },
				"is being unloaded by another thread");
		else
			img = holder;
		if (rc)
			signet_image_free(holder);
		goto out;
	}
	sg_claim claim = { .path = path, .platform = true, .memfd = -1 };
	rc = sg_commit_locked(path, &claim, &deps, &img, &batch, err);
	sg_load_unlock();
	sg_publish(rc ? NULL : img, &batch);
out:
	sg_image_vec_release(&deps);
	sg_elf_dynamic_clear(&dyn);
	if (!rc)
		*out = img; /* NULL on a dry run */
	return rc;
}
