/* SPDX-License-Identifier: MIT */
/*
 * error_internal.h - how library code builds the public error object.
 *
 * Pattern:
 *   return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = p,
 *                  .check = "load.open", .os_errno = errno },
 *                  "cannot open: %s", strerror(errno));
 *
 * sg_fail() always returns info->code, so a failure path is one statement.
 * When `err` is NULL nothing is allocated. When allocation of the error
 * itself fails the caller still gets the code and a static out-of-memory
 * error object (which signet_error_free() knows not to free).
 */
#ifndef SIGNET_ERROR_INTERNAL_H
#define SIGNET_ERROR_INTERNAL_H

#include "core/export.h"

#include <stdarg.h>
#include <stdbool.h>

#include <signet/error.h>

typedef struct sg_error_info {
	int code;
	const char *path;     /* copied */
	const char *check;    /* copied */
	const char *expected; /* copied */
	const char *actual;   /* copied */
	int os_errno;
	signet_error *cause;  /* ownership moves into the new error */
	/* Positions: set has_* to make them visible (0 is a valid value). */
	bool has_offset, has_index, has_column;
	long long offset, index, column;
} sg_error_info;

SG_PRIVATE int sg_fail(signet_error **err, const sg_error_info *info, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same with a va_list, for wrappers. */
int sg_fail_v(signet_error **err, const sg_error_info *info, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* A deep copy (causes included); the static out-of-memory error when memory runs out. */
signet_error *sg_error_copy(const signet_error *err);

/*
 * The message without the "<path>: " it starts with when the error has a
 * path: the reason alone, to repeat under another error that names the
 * same file. Points into `err`.
 */
const char *sg_error_reason(const signet_error *err);

/*
 * An error rebuilt from its parts, the message as it was (a report read
 * back from JSON, bundle/report_json.h): `info` as for sg_fail() (the
 * cause's ownership moves in, freed on failure too), but `message` is
 * the whole message, not prefixed with the path again. 0, or
 * SIGNET_E_NOMEM with *out untouched.
 */
int sg_error_restore(signet_error **out, const sg_error_info *info, const char *message);

/* The code whose name (signet_code_name()) is `name`: true and *code, or false. */
bool sg_code_from_name(const char *name, int *code);

/* Shorthand for errors that carry only a code and a message. */
SG_PRIVATE int sg_fail_code(signet_error **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* SIGNET_ERROR_INTERNAL_H */
