/* SPDX-License-Identifier: MIT */
/*
 * statefile.h - files Signet keeps its own per-user state in (the
 * quarantine store, the preflight cache): the rule their directory must
 * meet, and how one is replaced whole.
 *
 * Whoever may write the directory may replace what is in it, so it must
 * be a directory of this user that no one else may write. A file is
 * replaced by a temporary file in the same directory (created with
 * O_EXCL, mode 0600), written, fsync()ed, renamed over the old one, and
 * the directory fsync()ed: a reader sees the old file or the new one,
 * never a torn one, and a crash never leaves an empty file behind.
 *
 * Errors are SIGNET_E_IO (SIGNET_E_NOMEM) with the caller's check names.
 * Pure apart from the file system calls; thread-safe.
 */
#ifndef SIGNET_CORE_STATEFILE_H
#define SIGNET_CORE_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>

#include <signet/error.h>

/*
 * Where per-user state goes, by the XDG base directory spec:
 * "$<var>/<leaf>" when $<var> is an absolute path, else
 * "$HOME/<home_base>/<leaf>" (a relative value is ignored, as the spec
 * says). SIGNET_E_NOT_FOUND (check `check`, "no place for <what>: neither
 * $<var> nor $HOME is set to an absolute path (<hint>)"), SIGNET_E_NOMEM.
 */
int sg_state_xdg_path(char **out, const char *var, const char *home_base, const char *leaf, const char *check,
	const char *what, const char *hint, signet_error **err) __attribute__((warn_unused_result));

/*
 * The directory `dir` made when missing, as `mkdir -p` with mode 0700,
 * when `create`; then it must be a directory of this user that no one else
 * may write, or the error says "not a directory of this user that only it
 * may write: <consequence>" (check `check`). *missing (may be NULL) is set
 * when it does not exist and `create` is false (no error then).
 */
int sg_state_directory(const char *dir, bool create, bool *missing, const char *check, const char *consequence,
	signet_error **err) __attribute__((warn_unused_result));

/*
 * Replaces the file at `path` (in directory `dir`) with `len` bytes, as
 * described at the top. `check` names failures; a failed rename() says
 * "cannot replace <what>".
 */
int sg_state_replace(const char *path, const char *dir, const void *bytes, size_t len, const char *check,
	const char *what, signet_error **err) __attribute__((warn_unused_result));

/*
 * A read-modify-write of a state file by several processes at once must
 * not lose an update (the rollback records: a lost one re-opens
 * rollback). sg_state_lock() takes an exclusive flock() on `dir`/`name`
 * (created 0600, O_NOFOLLOW, in a directory sg_state_directory() has
 * checked), waiting for another holder; *fd is then the lock, released by
 * sg_state_unlock(). SIGNET_E_IO (check `check`), SIGNET_E_NOMEM.
 */
int sg_state_lock(int *fd, const char *dir, const char *name, const char *check, signet_error **err)
	__attribute__((warn_unused_result));
void sg_state_unlock(int fd);

/*
 * The same, but the file must not exist yet: the temporary file is
 * link()ed into place, which fails (os errno EEXIST, "cannot create <what>")
 * rather than replace a file someone else put there meanwhile.
 */
int sg_state_create(const char *path, const char *dir, const void *bytes, size_t len, const char *check,
	const char *what, signet_error **err) __attribute__((warn_unused_result));

#endif /* SIGNET_CORE_STATEFILE_H */
