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

/* The platform directory whose real path is `dir`, or NULL. */
static const char *platform_dir_for(const signet_policy *p, const char *dir)
{
	for (size_t i = 0; i < p->platform_dirs.n; i++) {
		char real[PATH_MAX];
		/* Compare real paths: /lib/x86_64-linux-gnu is /usr/lib/... on merged-/usr systems. */
		if (realpath(p->platform_dirs.v[i], real) && strcmp(real, dir) == 0)
			return p->platform_dirs.v[i];
	}
	return NULL;
}

static int refuse_not_in_platform_dir(const signet_policy *p, const char *lib, const char *real,
	const char *dir, signet_error **err)
{
	/* Name the directories in the message, bounded (the list is capped, but paths are long). */
	char list[1024] = "";
	size_t used = 0;
	for (size_t i = 0; i < p->platform_dirs.n && used < sizeof list - 1; i++) {
		int n = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", p->platform_dirs.v[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (used >= sizeof list - 1)
		snprintf(list + sizeof list - 5, 5, "...");
	if (p->platform_dirs.n == 0)
		snprintf(list, sizeof list, "(none)");
	return REFUSE(err, lib, 0, list, dir,
		"not a platform library: its real path %s is not directly in a platform directory (%s)", real, list);
}

int sg_policy_platform_library(const signet_policy *p, const char *path, const char *soname,
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

	/*
	 * Judge the file by its real path, never by the name we were given: a
	 * symlink inside a platform directory may point anywhere, and what
	 * would be mapped is the target. realpath() leaves no symlink in
	 * `real`, so lstat() below sees each real component; an attacker who is
	 * not root cannot change them after the checks, because the checks are
	 * exactly that no one but root can write any of them.
	 */
	char real[PATH_MAX];
	if (!realpath(path, real)) {
		int e = errno;
		return REFUSE(err, path, e, "a resolvable path", strerror(e),
			"not a platform library: cannot resolve its real path: %s", strerror(e));
	}
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", real);
	char *slash = strrchr(dir, '/');
	if (!slash || slash[1] == '\0')
		return REFUSE(err, path, 0, "a file", real, "not a platform library: %s is not a file", real);
	if (slash == dir)
		slash[1] = '\0'; /* a file directly in / */
	else
		*slash = '\0';

	/* Directly in: a subdirectory of /usr/lib is not /usr/lib. */
	if (!platform_dir_for(p, dir))
		return refuse_not_in_platform_dir(p, path, real, dir, err);

	struct stat st;
	if (lstat(real, &st) != 0) {
		int e = errno;
		return REFUSE(err, path, e, "a regular file", strerror(e),
			"not a platform library: cannot stat %s: %s", real, strerror(e));
	}
	if (!S_ISREG(st.st_mode))
		return REFUSE(err, path, 0, "a regular file", "another file type",
			"not a platform library: %s is not a regular file", real);
	int rc = check_element(path, real, &st, "file", err);
	if (rc != 0)
		return rc;

	/* Every directory from the file's up to /: any of them could rename the file away. */
	for (;;) {
		if (lstat(dir, &st) != 0) {
			int e = errno;
			return REFUSE(err, path, e, "a directory", strerror(e),
				"not a platform library: cannot stat directory %s: %s", dir, strerror(e));
		}
		if (!S_ISDIR(st.st_mode))
			return REFUSE(err, path, 0, "a directory", "another file type",
				"not a platform library: %s is not a directory", dir);
		rc = check_element(path, dir, &st, "directory", err);
		if (rc != 0)
			return rc;
		if (strcmp(dir, "/") == 0)
			break;
		slash = strrchr(dir, '/');
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	return 0;
}
