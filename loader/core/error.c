/* SPDX-License-Identifier: MIT */
/* error.c - the caller-owned error object and the table of stable codes. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_internal.h"

struct signet_error {
	int code;
	int os_errno;
	int is_static; /* the out-of-memory fallback: never freed */
	long long offset, index, column; /* -1 when absent */
	char *message;
	char *path;
	char *check;
	char *expected;
	char *actual;
	signet_error *cause;
};

static char oom_message[] = "out of memory while reporting an error";
static signet_error oom_error = {
	.code = SIGNET_E_NOMEM,
	.is_static = 1,
	.offset = -1, .index = -1, .column = -1,
	.message = oom_message,
};

/*
 * The single table of codes. tests/core/test_errors.c checks it against the
 * enum in include/signet/error.h and against docs/errors.md.
 */
static const struct {
	int code;
	const char *name;
	const char *description;
} code_table[] = {
	{ SIGNET_OK, "SIGNET_OK", "success" },
	{ SIGNET_E_INVALID_ARGUMENT, "SIGNET_E_INVALID_ARGUMENT", "invalid argument" },
	{ SIGNET_E_NOMEM, "SIGNET_E_NOMEM", "out of memory" },
	{ SIGNET_E_IO, "SIGNET_E_IO", "input/output error" },
	{ SIGNET_E_NOT_FOUND, "SIGNET_E_NOT_FOUND", "not found" },
	{ SIGNET_E_LIMIT, "SIGNET_E_LIMIT", "hard limit exceeded" },
	{ SIGNET_E_INTERNAL, "SIGNET_E_INTERNAL", "internal error" },
	{ SIGNET_E_IN_OBSERVER, "SIGNET_E_IN_OBSERVER", "called from inside an image observer" },
	{ SIGNET_E_IN_INITIALIZER, "SIGNET_E_IN_INITIALIZER", "called from inside an image initializer or finalizer" },
	{ SIGNET_E_DLOPEN, "SIGNET_E_DLOPEN", "the dynamic linker refused the image" },
	{ SIGNET_E_NOT_LOADED, "SIGNET_E_NOT_LOADED", "image was not loaded by Signet" },
	{ SIGNET_E_OBSERVER_UNKNOWN, "SIGNET_E_OBSERVER_UNKNOWN", "no observer has this token" },
	{ SIGNET_E_DEPENDENCY_UNRESOLVED, "SIGNET_E_DEPENDENCY_UNRESOLVED", "a dependency has no acceptable candidate" },
	{ SIGNET_E_DEPENDENCY_CONFLICT, "SIGNET_E_DEPENDENCY_CONFLICT", "an unacceptable image holds a needed soname" },
	{ SIGNET_E_SEALING_UNAVAILABLE, "SIGNET_E_SEALING_UNAVAILABLE", "the kernel refuses sealed executable memory" },
	{ SIGNET_E_SONAME_CONFLICT, "SIGNET_E_SONAME_CONFLICT", "another image with this soname is loaded" },
	{ SIGNET_E_NOT_ELF, "SIGNET_E_NOT_ELF", "not an ELF file" },
	{ SIGNET_E_ELF_MALFORMED, "SIGNET_E_ELF_MALFORMED", "malformed ELF structure" },
	{ SIGNET_E_ELF_UNSUPPORTED, "SIGNET_E_ELF_UNSUPPORTED", "unsupported ELF class, byte order, machine or type" },
	{ SIGNET_E_UNSIGNED, "SIGNET_E_UNSIGNED", "not signed" },
	{ SIGNET_E_SIGNATURE_MALFORMED, "SIGNET_E_SIGNATURE_MALFORMED", "malformed signature" },
	{ SIGNET_E_SIGNATURE_NOT_LAST, "SIGNET_E_SIGNATURE_NOT_LAST", "data after the signature" },
	{ SIGNET_E_SIGNATURE_DUPLICATE, "SIGNET_E_SIGNATURE_DUPLICATE", "more than one signature" },
	{ SIGNET_E_PAGE_MISMATCH, "SIGNET_E_PAGE_MISMATCH", "a page was modified after signing" },
	{ SIGNET_E_CMS_MISMATCH, "SIGNET_E_CMS_MISMATCH", "the CMS signature does not match the CodeDirectory" },
	{ SIGNET_E_UNTRUSTED_ANCHOR, "SIGNET_E_UNTRUSTED_ANCHOR", "not signed by a trusted anchor" },
	{ SIGNET_E_CERT_EXPIRED, "SIGNET_E_CERT_EXPIRED", "certificate expired" },
	{ SIGNET_E_CERT_NOT_YET_VALID, "SIGNET_E_CERT_NOT_YET_VALID", "certificate not yet valid" },
	{ SIGNET_E_CERT_NO_CODESIGN_EKU, "SIGNET_E_CERT_NO_CODESIGN_EKU", "signing certificate lacks the code-signing usage" },
	{ SIGNET_E_CERT_NO_TEAM, "SIGNET_E_CERT_NO_TEAM", "signing certificate names no single team" },
	{ SIGNET_E_CERT_CHAIN, "SIGNET_E_CERT_CHAIN", "invalid certificate chain" },
	{ SIGNET_E_SIGNATURE_UNSUPPORTED, "SIGNET_E_SIGNATURE_UNSUPPORTED", "unsupported signature parameters" },
	{ SIGNET_E_SEAL_MISMATCH, "SIGNET_E_SEAL_MISMATCH", "a sealed resource does not match" },
	{ SIGNET_E_REQUIREMENT_SYNTAX, "SIGNET_E_REQUIREMENT_SYNTAX", "requirement syntax error" },
	{ SIGNET_E_REQUIREMENT_UNMET, "SIGNET_E_REQUIREMENT_UNMET", "requirement not satisfied" },
	{ SIGNET_E_POLICY_DENIED, "SIGNET_E_POLICY_DENIED", "denied by policy" },
	{ SIGNET_E_POLICY_NOT_ALLOWED, "SIGNET_E_POLICY_NOT_ALLOWED", "not on the policy's allow list" },
	{ SIGNET_E_PLATFORM_REFUSED, "SIGNET_E_PLATFORM_REFUSED", "not an acceptable platform library" },
	{ SIGNET_E_POLICY_INVALID, "SIGNET_E_POLICY_INVALID", "invalid policy" },
	{ SIGNET_E_MANIFEST_INVALID, "SIGNET_E_MANIFEST_INVALID", "invalid bundle manifest" },
	{ SIGNET_E_BUNDLE_INVALID, "SIGNET_E_BUNDLE_INVALID", "invalid bundle layout" },
	{ SIGNET_E_BUNDLE_UNSEALED, "SIGNET_E_BUNDLE_UNSEALED", "bundle content not sealed" },
	{ SIGNET_E_PRINCIPAL_CLASS, "SIGNET_E_PRINCIPAL_CLASS", "principal class unusable" },
	{ SIGNET_E_HOST_API, "SIGNET_E_HOST_API", "host API incompatible" },
	{ SIGNET_E_CLASS_INVALID, "SIGNET_E_CLASS_INVALID", "invalid class descriptor" },
	{ SIGNET_E_PROTOCOL_MISMATCH, "SIGNET_E_PROTOCOL_MISMATCH", "protocol not conformed to" },
	{ SIGNET_E_NO_METHOD, "SIGNET_E_NO_METHOD", "no such method" },
	{ SIGNET_E_ARGUMENT_MISMATCH, "SIGNET_E_ARGUMENT_MISMATCH", "argument mismatch" },
	{ SIGNET_E_GUEST_INVALID, "SIGNET_E_GUEST_INVALID", "guest not runnable" },
	{ SIGNET_E_GUEST_STATUS, "SIGNET_E_GUEST_STATUS", "illegal guest status change" },
	{ SIGNET_E_HOST_DEDICATED, "SIGNET_E_HOST_DEDICATED", "dedicated host" },
	{ SIGNET_E_INSTANCE_INIT, "SIGNET_E_INSTANCE_INIT", "instance init failed" },
};

int signet_code_is_fatal(int code)
{
	switch (code) {
	case SIGNET_E_NOT_ELF:
	case SIGNET_E_ELF_MALFORMED:
	case SIGNET_E_SIGNATURE_MALFORMED:
	case SIGNET_E_SIGNATURE_NOT_LAST:
	case SIGNET_E_SIGNATURE_DUPLICATE:
	case SIGNET_E_PAGE_MISMATCH:
	case SIGNET_E_CMS_MISMATCH:
	case SIGNET_E_SEAL_MISMATCH:
		return 1;
	default:
		return 0;
	}
}

const char *signet_code_name(int code)
{
	for (size_t i = 0; i < sizeof code_table / sizeof code_table[0]; i++)
		if (code_table[i].code == code)
			return code_table[i].name;
	return NULL;
}

const char *signet_code_description(int code)
{
	for (size_t i = 0; i < sizeof code_table / sizeof code_table[0]; i++)
		if (code_table[i].code == code)
			return code_table[i].description;
	return "unknown error code";
}

static char *dup_or_null(const char *s, int *failed)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*failed = 1;
	return d;
}

int sg_fail_v(signet_error **err, const sg_error_info *info, const char *fmt, va_list ap)
{
	if (!err) {
		signet_error_free(info->cause);
		return info->code;
	}

	signet_error *e = calloc(1, sizeof *e);
	char *text = NULL;
	int failed = 0;
	if (!e || vasprintf(&text, fmt, ap) < 0) {
		free(e);
		signet_error_free(info->cause);
		*err = &oom_error;
		return info->code;
	}

	e->code = info->code;
	e->os_errno = info->os_errno;
	e->offset = info->has_offset ? info->offset : -1;
	e->index = info->has_index ? info->index : -1;
	e->column = info->has_column ? info->column : -1;
	e->path = dup_or_null(info->path, &failed);
	e->check = dup_or_null(info->check, &failed);
	e->expected = dup_or_null(info->expected, &failed);
	e->actual = dup_or_null(info->actual, &failed);
	e->cause = info->cause;
	if (info->path) {
		if (asprintf(&e->message, "%s: %s", info->path, text) < 0)
			failed = 1, e->message = NULL;
		free(text);
	} else {
		e->message = text;
	}
	if (failed) {
		signet_error_free(e);
		*err = &oom_error;
		return info->code;
	}
	*err = e;
	return info->code;
}

signet_error *sg_error_copy(const signet_error *src)
{
	if (!src)
		return NULL;
	if (src->is_static)
		return &oom_error; /* the only static error; signet_error_free() ignores it */
	signet_error *e = calloc(1, sizeof *e);
	if (!e)
		return &oom_error;
	int failed = 0;
	*e = *src;
	e->message = dup_or_null(src->message, &failed);
	e->path = dup_or_null(src->path, &failed);
	e->check = dup_or_null(src->check, &failed);
	e->expected = dup_or_null(src->expected, &failed);
	e->actual = dup_or_null(src->actual, &failed);
	e->cause = src->cause ? sg_error_copy(src->cause) : NULL;
	if (failed || (src->cause && e->cause == &oom_error)) {
		if (e->cause == &oom_error)
			e->cause = NULL;
		signet_error_free(e);
		return &oom_error;
	}
	return e;
}

int sg_fail(signet_error **err, const sg_error_info *info, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = sg_fail_v(err, info, fmt, ap);
	va_end(ap);
	return rc;
}

int sg_fail_code(signet_error **err, int code, const char *fmt, ...)
{
	sg_error_info info = { .code = code };
	va_list ap;
	va_start(ap, fmt);
	int rc = sg_fail_v(err, &info, fmt, ap);
	va_end(ap);
	return rc;
}

int signet_error_code(const signet_error *err)
{
	return err ? err->code : SIGNET_E_INVALID_ARGUMENT;
}

const char *signet_error_message(const signet_error *err)
{
	if (!err)
		return "no error object";
	return err->message ? err->message : signet_code_description(err->code);
}

const char *signet_error_path(const signet_error *err) { return err ? err->path : NULL; }
const char *signet_error_check(const signet_error *err) { return err ? err->check : NULL; }
const char *signet_error_expected(const signet_error *err) { return err ? err->expected : NULL; }
const char *signet_error_actual(const signet_error *err) { return err ? err->actual : NULL; }
int signet_error_os_errno(const signet_error *err) { return err ? err->os_errno : 0; }
long long signet_error_offset(const signet_error *err) { return err ? err->offset : -1; }
long long signet_error_index(const signet_error *err) { return err ? err->index : -1; }
long long signet_error_column(const signet_error *err) { return err ? err->column : -1; }
const signet_error *signet_error_cause(const signet_error *err) { return err ? err->cause : NULL; }

void signet_error_free(signet_error *err)
{
	while (err && !err->is_static) {
		signet_error *cause = err->cause;
		free(err->message);
		free(err->path);
		free(err->check);
		free(err->expected);
		free(err->actual);
		free(err);
		err = cause;
	}
}
