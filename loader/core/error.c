/* SPDX-License-Identifier: MIT */
/* error.c - the caller-owned error object and the table of stable codes. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
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

/* Names, descriptions and fatality: from the one list in <signet/error.h>. */
static const struct {
	int code;
	bool fatal;
	const char *name;
	const char *description;
} code_table[] = {
#define SG_CODE_ROW(name, value, fatal, description, meaning) { value, fatal, #name, description },
	SIGNET_ERROR_CODES(SG_CODE_ROW)
#undef SG_CODE_ROW
};

static int row_of(int code)
{
	for (size_t i = 0; i < sizeof code_table / sizeof code_table[0]; i++)
		if (code_table[i].code == code)
			return (int)i;
	return -1;
}

int signet_code_is_fatal(int code)
{
	int i = row_of(code);
	return i >= 0 && code_table[i].fatal;
}

const char *signet_code_name(int code)
{
	int i = row_of(code);
	return i >= 0 ? code_table[i].name : NULL;
}

const char *signet_code_description(int code)
{
	int i = row_of(code);
	return i >= 0 ? code_table[i].description : "unknown error code";
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

int sg_error_restore(signet_error **out, const sg_error_info *info, const char *message)
{
	signet_error *e = calloc(1, sizeof *e);
	int failed = !e;
	if (e) {
		e->code = info->code;
		e->os_errno = info->os_errno;
		e->offset = info->has_offset ? info->offset : -1;
		e->index = info->has_index ? info->index : -1;
		e->column = info->has_column ? info->column : -1;
		e->message = dup_or_null(message, &failed);
		e->path = dup_or_null(info->path, &failed);
		e->check = dup_or_null(info->check, &failed);
		e->expected = dup_or_null(info->expected, &failed);
		e->actual = dup_or_null(info->actual, &failed);
		e->cause = info->cause;
	}
	if (failed) {
		if (e)
			signet_error_free(e); /* frees the cause with it */
		else
			signet_error_free(info->cause);
		return SIGNET_E_NOMEM;
	}
	*out = e;
	return 0;
}

bool sg_code_from_name(const char *name, int *code)
{
	for (size_t i = 0; name && i < sizeof code_table / sizeof code_table[0]; i++)
		if (strcmp(code_table[i].name, name) == 0) {
			*code = code_table[i].code;
			return true;
		}
	return false;
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

const char *sg_error_reason(const signet_error *err)
{
	const char *msg = signet_error_message(err);
	size_t n = err && err->path ? strlen(err->path) : 0;
	if (n && strncmp(msg, err->path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
		return msg + n + 2;
	return msg;
}
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
