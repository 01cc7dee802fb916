/* SPDX-License-Identifier: MIT */
/*
 * closure.c - the dependency closure: every DT_NEEDED of a verified image
 * resolved by Signet, never by the process environment.
 *
 * For each needed soname, in order:
 *   1. an image already in the process holding that soname: accepted only
 *      if it is itself acceptable (verified and admitted, or a platform
 *      library); otherwise the load fails: it is never bound silently;
 *   2. the image's RUNPATH (or RPATH when it has no RUNPATH), `$ORIGIN`
 *      meaning the directory of the file Signet opened: the first
 *      candidate found must be a signed image (verified and loaded first,
 *      through the same pipeline) or, only when it is unsigned and its
 *      directory lies inside a platform directory's tree (Debian's
 *      /usr/lib/x86_64-linux-gnu/systemd, LLVM's $ORIGIN/../lib), a
 *      platform library; anything else fails the load, never falls through;
 *   3. a platform library in the policy's platform directories.
 * Relative and empty search-path components are ignored: ld.so would
 * resolve them against the current directory, which an attacker may own.
 * LD_LIBRARY_PATH is never consulted; and because every dependency is in
 * the process before the image is dlopen()ed, ld.so binds each DT_NEEDED
 * to the one Signet chose (it matches loaded objects by soname first).
 *
 * A platform library is judged, then opened and read for its checks by its
 * real path (no symlink left to retarget); ld.so maps it by that name, and
 * the mapping must show the bytes judged (ELF and program headers,
 * build-id), so a rename between the check and the mapping is refused.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codesign/format.h"
#include "codesign/identity_internal.h"
#include "core/error_internal.h"
#include "core/file.h"
#include "core/text.h"
#include "elf/elf_image.h"
#include "load/load_internal.h"
#include "policy/policy_internal.h"

/* Appends "<what> (<why>)" (or just <what>) to the list of paths tried, "; " between. */
static void tried_add(sg_text *t, const char *what, const char *why)
{
	if (t->len)
		sg_text_puts(t, "; ");
	sg_text_puts(t, what);
	if (why) {
		sg_text_puts(t, " (");
		sg_text_puts(t, why);
		sg_text_puts(t, ")");
	}
}

/* NULL when `path` is a regular file (following symlinks), else why it is not a candidate. */
static const char *not_a_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return "absent";
	return S_ISREG(st.st_mode) ? NULL : "not a regular file";
}

/* Is the directory holding `path` inside a platform directory's tree? */
static bool dir_in_platform_tree(const signet_policy *p, const char *path)
{
	char dir[PATH_MAX], real[PATH_MAX];
	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
		return false;
	char *slash = strrchr(dir, '/');
	if (!slash)
		return false;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	return realpath(dir, real) && sg_policy_in_platform_tree(p, real);
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
		rc = sg_policy_platform_library(NULL, t->policy, holder->path, needed, &why);
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
		if (sg_array_push(deps, holder) != 0) {
			sg_release_load(holder);
			return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory resolving %s", needed);
		}
	}
	return 0;
}

/* Where a candidate was found, which decides how it may be accepted. */
typedef enum sg_candidate_source {
	SG_FROM_SEARCH_PATH, /* RUNPATH/RPATH: signed, or unsigned inside a platform tree */
	SG_FROM_PLATFORM     /* a platform directory: a platform library */
} sg_candidate_source;

/* Loads the chosen candidate and keeps its load in `deps`. */
static int load_candidate(sg_txn *t, sg_candidate_source from, const char *cand, const char *needed,
	const char *who, sg_image_vec *deps, signet_error **err)
{
	signet_image *img = NULL;
	signet_error *why = NULL;
	sg_dep_kind kind = SG_DEP_PLATFORM;
	int rc;
	if (from == SG_FROM_SEARCH_PATH) {
		kind = SG_DEP_SIGNED;
		rc = sg_load_verified(t, cand, needed, &img, &why);
		/*
		 * Unsigned, where the image's own search path leads into the
		 * platform's tree: the same platform rules as any unsigned
		 * dependency. A tampered or foreign-signed file is never retried.
		 */
		if (rc == SIGNET_E_UNSIGNED && dir_in_platform_tree(t->policy, cand)) {
			signet_error_free(why);
			why = NULL;
			kind = SG_DEP_PLATFORM;
			rc = sg_load_platform(t, cand, needed, &img, &why);
		}
	} else {
		rc = sg_load_platform(t, cand, needed, &img, &why);
	}
	/* A dry run takes no load, so there is nothing to keep. */
	if (rc == 0 && img && sg_array_push(deps, img) != 0) {
		sg_release_load(img);
		rc = SIGNET_E_NOMEM;
	}
	if (rc == 0 && t->on_dependency)
		t->on_dependency(t->ctx, who, needed, cand, kind);
	if (rc)
		rc = sg_fail(err, &(sg_error_info){ .code = rc, .path = who, .check = "load.dependency",
			.expected = needed, .actual = cand, .cause = why },
			"its %s %s at %s was refused: %s", kind == SG_DEP_PLATFORM ? "platform dependency" : "dependency",
			needed, cand, why ? signet_error_message(why) : "out of memory");
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

	/* Bounded: the message lists what it can; a cut list ends with "...". */
	sg_text list = SG_TEXT_INIT(16384);
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
		const char *why = not_a_file(cand);
		if (why) {
			tried_add(&list, cand, why);
			free(cand);
			continue;
		}
		/* Found: it must be acceptable. A bad candidate fails the load, never falls through. */
		rc = load_candidate(t, SG_FROM_SEARCH_PATH, cand, needed, who, deps, err);
		free(cand);
		sg_text_dispose(&list);
		return rc;
	}

	/* Step 3: a platform library; a candidate the policy does not admit is passed over. */
	size_t nplat = 0;
	const char *const *plat = sg_policy_platform_directories(t->policy, &nplat);
	for (size_t i = 0; i < nplat; i++) {
		char *cand = NULL;
		if (asprintf(&cand, "%s/%s", plat[i], needed) < 0)
			continue;
		const char *absent = not_a_file(cand);
		signet_error *why = NULL;
		if (absent || sg_policy_platform_library(NULL, t->policy, cand, needed, &why) != 0) {
			tried_add(&list, cand, absent ? absent : signet_error_message(why));
			signet_error_free(why);
			free(cand);
			continue;
		}
		rc = load_candidate(t, SG_FROM_PLATFORM, cand, needed, who, deps, err);
		free(cand);
		sg_text_dispose(&list);
		return rc;
	}
	char *text = sg_text_finish(&list); /* NULL when memory ran out: the message says less */
	rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_DEPENDENCY_UNRESOLVED, .path = who,
		.check = "load.dependency", .expected = needed, .actual = text ? text : "(nothing)" },
		"needs %s, and no acceptable candidate exists; tried: %s", needed, text ? text : "nothing");
	free(text);
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

/*
 * Opens the judged file itself (no symlink left on its real path) and checks
 * that what was opened is still root's alone: the descriptor, not the name,
 * is what gets mapped.
 */
static int open_judged(int *fd, uint64_t *size, const signet_policy *p, const char *path, const char *real,
	signet_error **err)
{
	int rc = sg_file_open_at(fd, size, AT_FDCWD, real, O_NOFOLLOW, SG_MAX_FILE_SIZE, path, "load.open", err);
	if (rc)
		return rc;
	struct stat st;
	rc = fstat(*fd, &st) == 0 ? sg_policy_platform_file(p, path, real, &st, err)
		: sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = "load.open",
			.os_errno = errno }, "cannot stat: %s", strerror(errno));
	if (rc) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

int sg_load_platform(sg_txn *t, const char *path, const char *soname, signet_image **out, signet_error **err)
{
	if (t->depth >= SG_MAX_DEPENDENCY_DEPTH)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "load.depth" },
			"dependencies nest deeper than %d (a cycle?)", SG_MAX_DEPENDENCY_DEPTH);
	/* Judged once; from here on only the file judged is read and mapped (through `fd`). */
	char real[PATH_MAX];
	int rc = sg_policy_platform_library(real, t->policy, path, soname, err);
	if (rc)
		return rc;
	int fd = -1;
	uint64_t size = 0;
	sg_mapped_file m = { 0 };
	sg_elf_layout layout;
	sg_elf_dynamic dyn = { 0 };
	sg_image_vec deps = { 0 };
	sg_batch batch = { 0 };
	signet_image *img = NULL;
	rc = open_judged(&fd, &size, t->policy, path, real, err);
	if (!rc)
		rc = sg_mapped_file_from_fd(&m, fd, size, path, err);
	if (!rc && t->check_mapped)
		rc = t->check_mapped(t->check_ctx, real, m.bytes, m.length, err);
	if (!rc)
		rc = sg_elf_layout_read(&layout, m.bytes, m.length, path, err);
	if (!rc)
		rc = sg_elf_check_loadable(&layout, path, err);
	if (!rc)
		rc = sg_elf_dynamic_read(&dyn, m.bytes, m.length, &layout, path, err);
	if (!rc && (!dyn.soname || strcmp(dyn.soname, soname) != 0))
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_DEPENDENCY_UNRESOLVED, .path = path,
			.check = "load.dependency", .expected = soname, .actual = dyn.soname ? dyn.soname : "(none)" },
			"found as %s, but its soname is %s", soname, dyn.soname ? dyn.soname : "(none)");
	if (rc)
		goto out;
	/* Its own dependencies: its own search path ($ORIGIN is where it really is), then the platform. */
	char *origin = strdup(real);
	if (!origin) {
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory loading %s", path);
		goto out;
	}
	*strrchr(origin, '/') = '\0';
	t->depth++;
	rc = sg_resolve_dependencies(t, &dyn, *origin ? origin : "/", real, &deps, err);
	t->depth--;
	free(origin);
	if (rc || t->dry_run)
		goto out; /* *out stays NULL on a dry run */
	sg_load_lock();
	signet_image *holder = sg_find_loaded(soname);
	if (holder) {
		/* Another thread loaded it meanwhile: use that one. */
		sg_load_unlock();
		if (sg_take_load(holder))
			img = holder; /* the load's own reference */
		else
			rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_DEPENDENCY_UNRESOLVED, .path = path,
				.check = "load.dependency" }, "is being unloaded by another thread");
		signet_image_free(holder); /* sg_find_loaded()'s reference, taken or not */
		goto out;
	}
	/*
	 * By its real name, so that ld.so, debuggers and anyone who comes
	 * across it later see the real path (it may stay mapped after we let
	 * go: libstdc++ is never unloaded). The bytes ld.so mapped are then
	 * checked against the ones judged.
	 */
	sg_claim claim = { .path = real, .platform = true };
	sg_expected_mapping expect = { .bytes = m.bytes, .length = m.length, .layout = &layout };
	rc = sg_commit_locked(real, &claim, -1, &expect, &deps, &img, &batch, err);
	sg_load_unlock();
	sg_publish(rc ? NULL : img, &batch);
out:
	sg_mapped_file_close(&m);
	if (fd >= 0)
		close(fd);
	sg_image_vec_release(&deps);
	sg_elf_dynamic_clear(&dyn);
	if (!rc)
		*out = img; /* NULL on a dry run */
	return rc;
}
