/* SPDX-License-Identifier: MIT */
/*
 * platform.c - unsigned platform libraries: which directories, and when a
 * file there may stand in for a signed dependency.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "policy/policy_internal.h"

/*
 * The Debian multiarch triplet of this build, from the compiler's own
 * target macros (the same mapping as `gcc -print-multiarch`), so that an
 * aarch64 build looks in /usr/lib/aarch64-linux-gnu without a configure
 * step. -DSG_MULTIARCH_TRIPLET='"..."' overrides it; an unknown target
 * gets the non-multiarch directories only.
 */
#ifndef SG_MULTIARCH_TRIPLET
#  if defined(__x86_64__) && defined(__ILP32__)
#    define SG_MULTIARCH_TRIPLET "x86_64-linux-gnux32"
#  elif defined(__x86_64__)
#    define SG_MULTIARCH_TRIPLET "x86_64-linux-gnu"
#  elif defined(__aarch64__) && defined(__AARCH64EB__)
#    define SG_MULTIARCH_TRIPLET "aarch64_be-linux-gnu"
#  elif defined(__aarch64__)
#    define SG_MULTIARCH_TRIPLET "aarch64-linux-gnu"
#  elif defined(__i386__)
#    define SG_MULTIARCH_TRIPLET "i386-linux-gnu"
#  elif defined(__arm__) && defined(__ARM_PCS_VFP)
#    define SG_MULTIARCH_TRIPLET "arm-linux-gnueabihf"
#  elif defined(__arm__)
#    define SG_MULTIARCH_TRIPLET "arm-linux-gnueabi"
#  elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
#    define SG_MULTIARCH_TRIPLET "powerpc64le-linux-gnu"
#  elif defined(__s390x__)
#    define SG_MULTIARCH_TRIPLET "s390x-linux-gnu"
#  elif defined(__riscv) && defined(__LP64__)
#    define SG_MULTIARCH_TRIPLET "riscv64-linux-gnu"
#  endif
#endif

const char *const *sg_policy_default_platform_directories(void)
{
	static const char *const dirs[] = {
#ifdef SG_MULTIARCH_TRIPLET
		"/lib/" SG_MULTIARCH_TRIPLET,
		"/usr/lib/" SG_MULTIARCH_TRIPLET,
#endif
		"/lib64", "/usr/lib64", "/lib", "/usr/lib",
		NULL,
	};
	return dirs;
}

#define REFUSE(errp, lib, e, exp, act, ...) \
	sg_fail((errp), &(sg_error_info){ .code = SIGNET_E_PLATFORM_REFUSED, .path = (lib), \
		.check = "policy.platform", .os_errno = (e), .expected = (exp), .actual = (act) }, __VA_ARGS__)

/* "0644" for a mode's permission bits. */
static void mode_text(char out[8], mode_t mode)
{
	snprintf(out, 8, "%04o", (unsigned)(mode & 07777));
}

/*
 * One element of the chain: `what` is "file" or "directory". Ownership and
 * write permission are what matter: whoever can write the file, or any
 * directory on the way to it, can swap the library for their own code.
 * Only root may, so the file and every directory up to / must be root's
 * and not writable by group or others.
 */
static int check_element(const char *lib, const char *where, const struct stat *st, const char *what,
	signet_error **err)
{
	char mode[8];
	mode_text(mode, st->st_mode);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return REFUSE(err, lib, 0, "not writable by group or others", mode,
			"not a platform library: %s %s is writable by group or others (mode %s)", what, where, mode);
	if (st->st_uid != 0) {
		char uid[32];
		snprintf(uid, sizeof uid, "uid %lu", (unsigned long)st->st_uid);
		return REFUSE(err, lib, 0, "owned by root (uid 0)", uid,
			"not a platform library: %s %s is not owned by root (%s)", what, where, uid);
	}
	return 0;
}

/* Is `dir` (a real path) a platform directory or below one (its "tree")? */
bool sg_policy_in_platform_tree(const signet_policy *p, const char *dir)
{
	for (size_t i = 0; i < p->platform_dirs.n; i++) {
		char real[PATH_MAX];
		/* Compare real paths: /lib/x86_64-linux-gnu is /usr/lib/... on merged-/usr systems. */
		if (!realpath(p->platform_dirs.items[i], real))
			continue;
		size_t n = strlen(real);
		if (strcmp(real, "/") == 0 || (strncmp(dir, real, n) == 0 && (dir[n] == '\0' || dir[n] == '/')))
			return true;
	}
	return false;
}

static int refuse_not_in_platform_tree(const signet_policy *p, const char *lib, const char *what,
	const char *where, const char *dir, signet_error **err)
{
	/* Name the directories in the message, bounded (the list is capped, but paths are long). */
	char list[1024] = "";
	size_t used = 0;
	for (size_t i = 0; i < p->platform_dirs.n && used < sizeof list - 1; i++) {
		int n = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", p->platform_dirs.items[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (used >= sizeof list - 1)
		snprintf(list + sizeof list - 5, 5, "...");
	if (p->platform_dirs.n == 0)
		snprintf(list, sizeof list, "(none)");
	return REFUSE(err, lib, 0, list, dir,
		"not a platform library: %s %s is not in a platform directory or below one (%s)", what, where, list);
}

/* Every directory from `dir` (a real path) up to `/` is root's alone. */
static int check_directories(const char *lib, const char *dir, signet_error **err)
{
	char cur[PATH_MAX];
	snprintf(cur, sizeof cur, "%s", dir);
	for (;;) {
		struct stat st;
		if (lstat(cur, &st) != 0) {
			int e = errno;
			return REFUSE(err, lib, e, "a directory", strerror(e),
				"not a platform library: cannot stat directory %s: %s", cur, strerror(e));
		}
		if (!S_ISDIR(st.st_mode))
			return REFUSE(err, lib, 0, "a directory", "another file type",
				"not a platform library: %s is not a directory", cur);
		int rc = check_element(lib, cur, &st, "directory", err);
		if (rc != 0)
			return rc;
		if (strcmp(cur, "/") == 0)
			return 0;
		char *slash = strrchr(cur, '/');
		if (slash == cur)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

/* Splits `path` into its directory's real path and its last component. */
static int split_real(const char *lib, const char *path, char dir[PATH_MAX], char base[NAME_MAX + 1],
	signet_error **err)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strlen(name) > NAME_MAX)
		return REFUSE(err, lib, 0, "a file", path, "not a platform library: %s is not a file", path);
	char parent[PATH_MAX];
	if (!slash)
		snprintf(parent, sizeof parent, ".");
	else if (slash == path)
		snprintf(parent, sizeof parent, "/");
	else
		snprintf(parent, sizeof parent, "%.*s", (int)(slash - path), path);
	if (!realpath(parent, dir)) {
		int e = errno;
		return REFUSE(err, lib, e, "a resolvable path", strerror(e),
			"not a platform library: cannot resolve %s: %s", parent, strerror(e));
	}
	snprintf(base, NAME_MAX + 1, "%s", name);
	return 0;
}

/*
 * Follows `path` to the file it names one symlink at a time, as the kernel
 * would (at most 40 links), and requires that only root decides each step:
 * every directory holding a link or the file, up to `/`, and every link and
 * the file itself are root's and not writable by group or others. Sets
 * `real` (no symlink left) and `st` (the file).
 */
static int follow_root_owned(const char *lib, const char *path, char real[PATH_MAX], struct stat *st,
	signet_error **err)
{
	char cur[PATH_MAX];
	snprintf(cur, sizeof cur, "%s", path);
	for (int hop = 0; hop <= 40; hop++) {
		char dir[PATH_MAX], base[NAME_MAX + 1];
		int rc = split_real(lib, cur, dir, base, err);
		if (rc)
			return rc;
		char full[PATH_MAX];
		if ((size_t)snprintf(full, sizeof full, "%s%s%s", dir, strcmp(dir, "/") ? "/" : "", base) >= sizeof full)
			return REFUSE(err, lib, ENAMETOOLONG, "a path", "too long", "not a platform library: path too long");
		if (lstat(full, st) != 0) {
			int e = errno;
			return REFUSE(err, lib, e, "a regular file", strerror(e),
				"not a platform library: cannot stat %s: %s", full, strerror(e));
		}
		/* The file (or link) first, then every directory holding it, up to /. */
		if (S_ISREG(st->st_mode)) {
			rc = check_element(lib, full, st, "file", err);
			if (!rc)
				rc = check_directories(lib, dir, err);
			if (!rc)
				snprintf(real, PATH_MAX, "%s", full);
			return rc;
		}
		if (!S_ISLNK(st->st_mode))
			return REFUSE(err, lib, 0, "a regular file", "another file type",
				"not a platform library: %s is not a regular file", full);
		/* A symlink's own mode means nothing; who owns it (and its directory) does. */
		if (st->st_uid != 0) {
			char uid[32];
			snprintf(uid, sizeof uid, "uid %lu", (unsigned long)st->st_uid);
			return REFUSE(err, lib, 0, "owned by root (uid 0)", uid,
				"not a platform library: symlink %s is not owned by root (%s)", full, uid);
		}
		rc = check_directories(lib, dir, err);
		if (rc)
			return rc;
		char target[PATH_MAX];
		ssize_t n = readlink(full, target, sizeof target - 1);
		if (n <= 0)
			return REFUSE(err, lib, errno, "a readable symlink", strerror(errno),
				"not a platform library: cannot read symlink %s: %s", full, strerror(errno));
		target[n] = '\0';
		if (target[0] == '/')
			snprintf(cur, sizeof cur, "%s", target);
		else if ((size_t)snprintf(cur, sizeof cur, "%s/%s", dir, target) >= sizeof cur)
			return REFUSE(err, lib, ENAMETOOLONG, "a path", "too long", "not a platform library: path too long");
	}
	return REFUSE(err, lib, ELOOP, "at most 40 symlinks", "more",
		"not a platform library: more than 40 symlinks from %s", path);
}

int sg_policy_platform_file(const signet_policy *p, const char *lib, const char *real, const struct stat *st,
	signet_error **err)
{
	(void)p;
	if (!S_ISREG(st->st_mode))
		return REFUSE(err, lib, 0, "a regular file", "another file type",
			"not a platform library: %s is not a regular file", real);
	return check_element(lib, real, st, "file", err);
}

int sg_policy_platform_library(char *real_out, const signet_policy *p, const char *path, const char *soname,
	signet_error **err)
{
	if (!p || !path)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "sg_policy_platform_library: NULL argument");

	/* The loader builds "<directory>/<soname>": a soname with a '/' would leave the directory. */
	if (soname && !sg_policy_valid_soname(soname))
		return REFUSE(err, path, 0, "a file name", soname,
			"not a platform library: soname \"%.80s\" is not a file name", soname);
	if (p->sonames_restricted && (!soname || !sg_strings_contains(&p->platform_sonames, soname)))
		return REFUSE(err, path, 0, "a soname on the policy's platform soname list",
			soname ? soname : "(none)", "not a platform library: soname %s is not on the policy's "
			"platform soname list (%zu listed)", soname ? soname : "(none)", p->platform_sonames.n);

	return sg_policy_platform_location(real_out, p, path, err);
}

int sg_policy_platform_location(char *real_out, const signet_policy *p, const char *path, signet_error **err)
{
	if (!p || !path)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "sg_policy_platform_location: NULL argument");
	/*
	 * Judge every step from the name to the file, never the name alone: a
	 * symlink in a platform directory may point anywhere (Debian's
	 * alternatives go through /etc/alternatives, libc++ through
	 * ../llvm-14/lib). An attacker who is not root can change none of the
	 * steps, because the checks are exactly that only root can.
	 */
	char real[PATH_MAX], name_dir[PATH_MAX], base[NAME_MAX + 1], real_dir[PATH_MAX];
	struct stat st;
	/* Where it is found and where it leads must both be inside the policy's platform trees. */
	int rc = split_real(path, path, name_dir, base, err);
	if (rc)
		return rc;
	if (!sg_policy_in_platform_tree(p, name_dir))
		return refuse_not_in_platform_tree(p, path, "its name", path, name_dir, err);
	if (!realpath(path, real)) {
		int e = errno;
		return REFUSE(err, path, e, "a resolvable path", strerror(e),
			"not a platform library: cannot resolve its real path: %s", strerror(e));
	}
	snprintf(real_dir, sizeof real_dir, "%s", real);
	char *slash = strrchr(real_dir, '/');
	if (slash == real_dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (!sg_policy_in_platform_tree(p, real_dir))
		return refuse_not_in_platform_tree(p, path, "its real path", real, real_dir, err);
	/* Then who decides each step: only root, for the file and every link and directory on the way. */
	char walked[PATH_MAX];
	rc = follow_root_owned(path, path, walked, &st, err);
	if (rc)
		return rc;
	if (strcmp(walked, real) != 0)
		return REFUSE(err, path, 0, real, walked,
			"not a platform library: it changed while it was judged (%s, then %s)", real, walked);
	if (real_out)
		snprintf(real_out, PATH_MAX, "%s", real);
	return 0;
}
