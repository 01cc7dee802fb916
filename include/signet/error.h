/* SPDX-License-Identifier: MIT */
/*
 * signet/error.h - stable error codes and the caller-owned error object.
 *
 * Every fallible Signet call returns 0 (SIGNET_OK) or one of the negative
 * codes below, and, when the caller passes a non-NULL `signet_error **err`,
 * stores a newly allocated error object there on failure (and leaves it
 * untouched on success). The object belongs to the caller: release it with
 * signet_error_free(). There is no thread-local "last error".
 *
 * Codes are part of the ABI: they are documented in docs/errors.md, never
 * renumbered, and a test fails when this enum, the library's string table
 * and that document disagree.
 *
 * Thread-safety: error objects are immutable once returned; reading one from
 * several threads is safe. The code tables are static and read-only.
 */
#ifndef SIGNET_ERROR_H
#define SIGNET_ERROR_H

#include <signet/common.h>

SIGNET_BEGIN_DECLS

/*
 * Ranges: -1..-49 general, -50..-99 registry and loading, further ranges are
 * reserved for ELF validation (-100..), signatures (-200..), policy and
 * requirements (-300..) and bundles (-400..).
 */
typedef enum signet_code {
	SIGNET_OK = 0,

	/* general */
	SIGNET_E_INVALID_ARGUMENT = -1, /* a parameter was NULL, empty or out of range */
	SIGNET_E_NOMEM = -2,            /* memory allocation failed */
	SIGNET_E_IO = -3,               /* a system call on a file failed (see os errno) */
	SIGNET_E_NOT_FOUND = -4,        /* the thing looked up is not there */
	SIGNET_E_LIMIT = -5,            /* input exceeds a documented hard limit */
	SIGNET_E_INTERNAL = -6,         /* an invariant broke: a bug in Signet */

	/* registry and loading */
	SIGNET_E_IN_OBSERVER = -50,     /* load/unload called from inside an image observer */
	SIGNET_E_IN_INITIALIZER = -51,  /* load/unload called from an image's constructor or destructor */
	SIGNET_E_DLOPEN = -52,          /* the dynamic linker refused the image (see message) */
	SIGNET_E_NOT_LOADED = -53,      /* unload of an image Signet did not load */
	SIGNET_E_OBSERVER_UNKNOWN = -54 /* no registered observer has this token */
} signet_code;

/* Opaque error object; see the accessors below. */
typedef struct signet_error signet_error;

/* The code carried by `err` (SIGNET_E_INVALID_ARGUMENT when err is NULL). */
SIGNET_EXPORT int signet_error_code(const signet_error *err);

/*
 * One-line human message, never NULL. When a path is attached the message
 * begins with it ("<path>: <reason>").
 */
SIGNET_EXPORT const char *signet_error_message(const signet_error *err);

/* The file the error is about, or NULL. */
SIGNET_EXPORT const char *signet_error_path(const signet_error *err);

/*
 * The failing check as a short stable dotted name ("registry.reentrancy",
 * "load.dlopen"), or NULL. Meant for programs; the message is for people.
 */
SIGNET_EXPORT const char *signet_error_check(const signet_error *err);

/* What the check wanted and what it found, or NULL when not applicable. */
SIGNET_EXPORT const char *signet_error_expected(const signet_error *err);
SIGNET_EXPORT const char *signet_error_actual(const signet_error *err);

/* The errno of the failing system call, or 0. */
SIGNET_EXPORT int signet_error_os_errno(const signet_error *err);

/* The error that caused this one, or NULL. Owned by `err`. */
SIGNET_EXPORT const signet_error *signet_error_cause(const signet_error *err);

/* Frees `err` and its causes. signet_error_free(NULL) does nothing. */
SIGNET_EXPORT void signet_error_free(signet_error *err);

/* "SIGNET_E_NOMEM" for SIGNET_E_NOMEM; NULL for a value that is no code. */
SIGNET_EXPORT const char *signet_code_name(int code);

/* A short static description of a code; "unknown error code" when unknown. */
SIGNET_EXPORT const char *signet_code_description(int code);

SIGNET_END_DECLS

#endif /* SIGNET_ERROR_H */
