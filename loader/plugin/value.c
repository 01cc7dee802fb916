/* SPDX-License-Identifier: MIT */
/*
 * value.c - typed values: names, parsing command-line text strictly, and
 * formatting for people.
 *
 * Parsing is strict because the text decides what a plugin receives: the
 * whole text must be the value (no leading blanks, no trailing bytes, no
 * '+'), and a number that does not fit is refused rather than clamped.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signet/value.h>

#include "core/error_internal.h"
#include "core/quote.h"
#include "plugin/value_store.h"

/* strtoull() reads a uint64 whole. */
_Static_assert(ULLONG_MAX == UINT64_MAX, "unsigned long long is 64 bits");

const char *signet_type_name(int type)
{
	switch (type) {
	case SIGNET_TYPE_VOID: return "void";
	case SIGNET_TYPE_INT32: return "int32";
	case SIGNET_TYPE_INT64: return "int64";
	case SIGNET_TYPE_UINT64: return "uint64";
	case SIGNET_TYPE_DOUBLE: return "double";
	case SIGNET_TYPE_BOOL: return "bool";
	case SIGNET_TYPE_STRING: return "string";
	case SIGNET_TYPE_POINTER: return "pointer";
	case SIGNET_TYPE_INSTANCE: return "instance";
	case SIGNET_TYPE_BUFFER: return "buffer";
	case SIGNET_TYPE_FD: return "fd";
	case SIGNET_TYPE_ARRAY: return "array";
	case SIGNET_TYPE_DICTIONARY: return "dictionary";
	default: return NULL;
	}
}

/* Longest part of the text quoted in a message. */
#define SG_TEXT_QUOTE_MAX 64

static int refuse(signet_error **err, int type, const char *text, const char *why)
{
	char q[4 * SG_TEXT_QUOTE_MAX + 8];
	sg_quote(q, sizeof q, text, SG_TEXT_QUOTE_MAX);
	const char *name = signet_type_name(type);
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_ARGUMENT_MISMATCH, .check = "invoke.parse",
		.expected = name, .actual = q }, "cannot read \"%s\" as %s: %s", q, name, why);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex_digit(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * An optional '-' (when `sign_ok`) then one or more decimal digits, nothing
 * else. strto* would also take blanks, '+' and (for unsigned) a '-' that
 * wraps around: all refused here before they are called.
 */
static bool decimal_shape(const char *text, bool sign_ok)
{
	const char *p = text;
	if (sign_ok && *p == '-')
		p++;
	if (!*p)
		return false;
	for (; *p; p++)
		if (!is_digit(*p))
			return false;
	return true;
}

int signet_value_parse(signet_value *out, int type, const char *text, signet_error **err)
{
	if (!out || !text)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "invoke.parse" },
			"signet_value_parse: no value or no text");
	if (!signet_type_name(type))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "invoke.parse" },
			"signet_value_parse: 0x%02x is not a type", (unsigned)type & 0xffu);

	signet_value v = { .type = (signet_type)type };
	char *end = NULL;
	switch (type) {
	case SIGNET_TYPE_INT32:
	case SIGNET_TYPE_INT64: {
		if (!decimal_shape(text, true))
			return refuse(err, type, text, "not a decimal integer");
		errno = 0;
		long long n = strtoll(text, &end, 10);
		bool fits = errno == 0 && *end == '\0' &&
			(type == SIGNET_TYPE_INT64 || (n >= INT32_MIN && n <= INT32_MAX));
		if (!fits)
			return refuse(err, type, text, "out of range");
		if (type == SIGNET_TYPE_INT32)
			v.as.i32 = (int32_t)n;
		else
			v.as.i64 = (int64_t)n;
		break;
	}
	case SIGNET_TYPE_UINT64: {
		if (!decimal_shape(text, false))
			return refuse(err, type, text, "not an unsigned decimal integer");
		errno = 0;
		unsigned long long n = strtoull(text, &end, 10);
		if (errno != 0 || *end != '\0')
			return refuse(err, type, text, "out of range");
		v.as.u64 = (uint64_t)n;
		break;
	}
	case SIGNET_TYPE_DOUBLE: {
		/* strtod skips leading blanks; a value is the whole text, so refuse them first. */
		if (!text[0] || text[0] == ' ' || (text[0] >= '\t' && text[0] <= '\r'))
			return refuse(err, type, text, "not a number");
		errno = 0;
		double d = strtod(text, &end);
		if (end == text || *end != '\0')
			return refuse(err, type, text, "not a number");
		/* ERANGE covers overflow (to infinity) and underflow (to zero or a subnormal). */
		if (errno == ERANGE || !isfinite(d))
			return refuse(err, type, text, "not a finite number in range");
		v.as.f64 = d;
		break;
	}
	case SIGNET_TYPE_BOOL:
		if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
			v.as.boolean = true;
		else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
			v.as.boolean = false;
		else
			return refuse(err, type, text, "must be true, false, 1 or 0");
		break;
	case SIGNET_TYPE_POINTER: {
		if (strcmp(text, "null") == 0) {
			v.as.pointer = NULL;
			break;
		}
		const char *p = text;
		if (p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
			return refuse(err, type, text, "must be 0x followed by hex digits, or null");
		p += 2;
		size_t ndigits = 0;
		for (const char *q = p; *q; q++, ndigits++)
			if (!is_hex_digit(*q))
				return refuse(err, type, text, "must be 0x followed by hex digits, or null");
		if (ndigits == 0)
			return refuse(err, type, text, "must be 0x followed by hex digits, or null");
		errno = 0;
		unsigned long long n = strtoull(p, &end, 16);
		bool fits = errno == 0 && *end == '\0';
#if UINTPTR_MAX < ULLONG_MAX
		fits = fits && n <= UINTPTR_MAX;
#endif
		if (!fits)
			return refuse(err, type, text, "out of range for a pointer");
		v.as.pointer = (void *)(uintptr_t)n;
		break;
	}
	case SIGNET_TYPE_STRING:
		v.as.string = text; /* borrowed: lives as long as the caller's text */
		break;
	case SIGNET_TYPE_BUFFER:
		v.as.buffer.data = text;
		v.as.buffer.length = strlen(text);
		break;
	case SIGNET_TYPE_INSTANCE:
		return refuse(err, type, text, "an instance cannot be written as text");
	case SIGNET_TYPE_FD:
	case SIGNET_TYPE_ARRAY:
	case SIGNET_TYPE_DICTIONARY:
		return refuse(err, type, text, "this type cannot be written as text");
	case SIGNET_TYPE_VOID:
	default:
		return refuse(err, type, text, "void is no argument type");
	}
	*out = v;
	return 0;
}

/* Copies `s` like snprintf("%s") would, without its INT_MAX limit; returns strlen(s). */
static size_t copy_out(char *buf, size_t size, const char *s)
{
	size_t len = strlen(s);
	if (buf && size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(buf, s, n);
		buf[n] = '\0';
	}
	return len;
}

/*
 * The shortest of %.15g, %.16g and %.17g that reads back as the same
 * double: "0.1" rather than "0.10000000000000001", yet never lossy (17
 * significant digits always round-trip; 15 or fewer always print as
 * themselves, so nothing shorter is missed).
 */
static void format_double(char *buf, size_t size, double d)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (!isfinite(d) || strtod(buf, NULL) == d)
			return;
	}
}

size_t signet_value_format(const signet_value *value, char *buf, size_t size)
{
	if (!value)
		return copy_out(buf, size, "(null)");
	char tmp[64];
	switch (value->type) {
	case SIGNET_TYPE_VOID:
		return copy_out(buf, size, "(void)");
	case SIGNET_TYPE_INT32:
		snprintf(tmp, sizeof tmp, "%" PRId32, value->as.i32);
		break;
	case SIGNET_TYPE_INT64:
		snprintf(tmp, sizeof tmp, "%" PRId64, value->as.i64);
		break;
	case SIGNET_TYPE_UINT64:
		snprintf(tmp, sizeof tmp, "%" PRIu64, value->as.u64);
		break;
	case SIGNET_TYPE_DOUBLE:
		format_double(tmp, sizeof tmp, value->as.f64);
		break;
	case SIGNET_TYPE_BOOL:
		return copy_out(buf, size, value->as.boolean ? "true" : "false");
	case SIGNET_TYPE_STRING:
		return copy_out(buf, size, value->as.string ? value->as.string : "(null)");
	case SIGNET_TYPE_POINTER:
		/* "null" and 0x-hex: what signet_value_parse() reads back. */
		if (!value->as.pointer)
			return copy_out(buf, size, "null");
		snprintf(tmp, sizeof tmp, "0x%" PRIxPTR, (uintptr_t)value->as.pointer);
		break;
	case SIGNET_TYPE_INSTANCE:
		if (!value->as.instance)
			return copy_out(buf, size, "<instance null>");
		snprintf(tmp, sizeof tmp, "<instance 0x%" PRIxPTR ">", (uintptr_t)value->as.instance);
		break;
	case SIGNET_TYPE_BUFFER:
		snprintf(tmp, sizeof tmp, "<buffer of %zu byte%s>", value->as.buffer.length,
			value->as.buffer.length == 1 ? "" : "s");
		break;
	case SIGNET_TYPE_FD:
		snprintf(tmp, sizeof tmp, "<fd %d>", value->as.fd);
		break;
	case SIGNET_TYPE_ARRAY:
		snprintf(tmp, sizeof tmp, "<array of %zu>", value->as.array.count);
		break;
	case SIGNET_TYPE_DICTIONARY:
		snprintf(tmp, sizeof tmp, "<dictionary of %zu>", value->as.dictionary.count);
		break;
	default:
		snprintf(tmp, sizeof tmp, "<not a type: 0x%02x>", (unsigned)value->type & 0xffu);
		break;
	}
	return copy_out(buf, size, tmp);
}

void signet_value_clear(signet_value *value)
{
	if (!value)
		return;
	sg_value_store_free(value->owned_);
	*value = (signet_value){ .type = SIGNET_TYPE_VOID };
}
