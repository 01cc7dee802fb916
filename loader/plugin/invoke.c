/* SPDX-License-Identifier: MIT */
/*
 * invoke.c - type encodings parsed and checked, and calls made through
 * libffi (ffi_prep_cif + ffi_call).
 *
 * Everything a call needs lives on the caller's stack (the cif, the type
 * and value arrays, the return buffer): nothing is cached or shared, so
 * concurrent calls need no lock. Every check on the arguments happens
 * before anything is built, so a refused call never reaches the plugin.
 */
#include "config.h"

#include <ffi.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "core/quote.h"
#include "plugin/invoke.h"
#include "plugin/value_store.h"

/* A bool crosses libffi as one unsigned byte: true only where _Bool is one byte. */
_Static_assert(sizeof(bool) == 1, "bool is passed as ffi_type_uint8");

/* The buffer length is a size_t: pick the libffi type of the same width. */
#if SIZE_MAX == UINT64_MAX
#  define SG_FFI_SIZE_T ffi_type_uint64
#elif SIZE_MAX == UINT32_MAX
#  define SG_FFI_SIZE_T ffi_type_uint32
#else
#  error "no libffi type matches size_t"
#endif

/* self, then at most two C parameters per letter (a buffer is two). */
#define SG_MAX_C_PARAMS (1 + 2 * SIGNET_MAX_METHOD_ARGS)

/* Longest part of an encoding quoted in a message: a plugin's bytes may be anything. */
#define SG_QUOTE_MAX 40

bool sg_type_letter_valid(char letter, bool as_return)
{
	switch (letter) {
	case 'i': case 'q': case 'Q': case 'd': case 'B': case '*': case '^':
		return true;
	case 'v':
		return as_return;
	case '@': case 'b':
		return !as_return;
	default:
		return false;
	}
}

/* The letter at `types[i]` for a message: itself when printable, else \xNN. */
static void letter_text(char *dst, size_t size, char letter)
{
	sg_quote(dst, size, (const char[]){ letter, '\0' }, SG_QUOTE_MAX);
}

static int encoding_invalid(signet_error **err, const char *what, const char *types, const char *expected,
	const char *actual, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int encoding_invalid(signet_error **err, const char *what, const char *types, const char *expected,
	const char *actual, const char *fmt, ...)
{
	char q[4 * SG_QUOTE_MAX + 8], reason[256];
	sg_quote(q, sizeof q, types, SG_QUOTE_MAX);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_CLASS_INVALID, .check = "class.encoding",
		.expected = expected, .actual = actual }, "%s: type encoding \"%s\": %s", what ? what : "method", q,
		reason);
}

int sg_signature_parse(sg_signature *out, const char *types, const char *what, signet_error **err)
{
	if (!types || !types[0])
		return encoding_invalid(err, what, "", "a return type: v i q Q d B * ^", "an empty encoding",
			"is empty; position 1 must be the return type");

	sg_signature sig = { .ret = types[0] };
	char bad[8];
	if (!sg_type_letter_valid(types[0], true)) {
		letter_text(bad, sizeof bad, types[0]);
		return encoding_invalid(err, what, types, "a return type: v i q Q d B * ^", bad,
			"'%s' at position 1 is not a return type (v i q Q d B * ^)", bad);
	}
	for (size_t i = 1; types[i]; i++) {
		if (i > SIGNET_MAX_METHOD_ARGS) {
			char wanted[32], found[32];
			size_t nparams = strlen(types) - 1;
			snprintf(wanted, sizeof wanted, "at most %u parameters", SIGNET_MAX_METHOD_ARGS);
			snprintf(found, sizeof found, "%zu parameters", nparams);
			return encoding_invalid(err, what, types, wanted, found,
				"%zu parameters, more than %u (position %zu is one too many)", nparams,
				SIGNET_MAX_METHOD_ARGS, i + 1);
		}
		if (!sg_type_letter_valid(types[i], false)) {
			letter_text(bad, sizeof bad, types[i]);
			return encoding_invalid(err, what, types, "a parameter type: i q Q d B * ^ @ b", bad,
				"'%s' at position %zu is not a parameter type (i q Q d B * ^ @ b)", bad, i + 1);
		}
		sig.args[sig.nargs++] = types[i];
	}
	*out = sig;
	return 0;
}

/* The libffi type of one letter; a buffer's first half (its data pointer). */
static ffi_type *ffi_type_of(char letter)
{
	switch (letter) {
	case 'v': return &ffi_type_void;
	case 'i': return &ffi_type_sint32;
	case 'q': return &ffi_type_sint64;
	case 'Q': return &ffi_type_uint64;
	case 'd': return &ffi_type_double;
	case 'B': return &ffi_type_uint8;
	default:  return &ffi_type_pointer; /* * ^ @ b */
	}
}

static const char *type_label(int type, char *buf, size_t size)
{
	const char *name = signet_type_name(type);
	if (name)
		return name;
	snprintf(buf, size, "not a type (0x%02x)", (unsigned)type & 0xffu);
	return buf;
}

static int mismatch(signet_error **err, const char *expected, const char *actual, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int mismatch(signet_error **err, const char *expected, const char *actual, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_ARGUMENT_MISMATCH, .check = "invoke.arguments",
		.expected = expected, .actual = actual }, "%s", text);
}

int sg_invoke_check_count(const sg_signature *sig, size_t nargs, const char *what, signet_error **err)
{
	if (nargs == sig->nargs)
		return 0;
	char expected[32], actual[32];
	snprintf(expected, sizeof expected, "%zu argument%s", sig->nargs, sig->nargs == 1 ? "" : "s");
	snprintf(actual, sizeof actual, "%zu argument%s", nargs, nargs == 1 ? "" : "s");
	return mismatch(err, expected, actual, "%s: takes %s, %zu given", what ? what : "method", expected, nargs);
}

/* Count, types and the values that cannot be passed at all: all before the call. */
static int check_arguments(const sg_signature *sig, const signet_value *args, size_t nargs, const char *what,
	signet_error **err)
{
	int rc = sg_invoke_check_count(sig, nargs, what, err);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < nargs; i++) {
		const signet_value *a = &args[i];
		const char *want = signet_type_name(sig->args[i]);
		if ((int)a->type != (int)(unsigned char)sig->args[i]) {
			char buf[32];
			const char *got = type_label((int)a->type, buf, sizeof buf);
			return mismatch(err, want, got, "%s: argument %zu is %s, expected %s", what, i + 1, got, want);
		}
		/* Resolved by the caller (invoke.h): the instance memory itself. */
		if (a->type == SIGNET_TYPE_INSTANCE && !a->as.pointer)
			return mismatch(err, want, "null instance", "%s: argument %zu is a null instance", what, i + 1);
		if (a->type == SIGNET_TYPE_BUFFER && !a->as.buffer.data && a->as.buffer.length > 0) {
			char got[64];
			snprintf(got, sizeof got, "null data of %zu bytes", a->as.buffer.length);
			return mismatch(err, want, got, "%s: argument %zu is a buffer of %zu bytes with null data", what,
				i + 1, a->as.buffer.length);
		}
	}
	return 0;
}

/* One C argument's storage; libffi reads each through a pointer to its slot. */
typedef union sg_slot {
	int32_t i32;
	int64_t i64;
	uint64_t u64;
	double f64;
	uint8_t u8;
	size_t size;
	const void *cptr;
	void *ptr;
} sg_slot;

int sg_invoke(signet_imp fn, const sg_signature *sig, void *self, const signet_value *args, size_t nargs,
	signet_value *result, const char *what, signet_error **err)
{
	if (!what)
		what = "method";
	if (!fn || !sig || !result || (nargs > 0 && !args))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "invoke.arguments" },
			"%s: no function, signature, result or arguments", what);
	/* A signature not made by sg_signature_parse() would build a wrong call: refuse it. */
	bool sig_ok = sig->nargs <= SIGNET_MAX_METHOD_ARGS && sg_type_letter_valid(sig->ret, true);
	for (size_t i = 0; sig_ok && i < sig->nargs; i++)
		sig_ok = sg_type_letter_valid(sig->args[i], false);
	if (!sig_ok)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INTERNAL, .check = "invoke.signature" },
			"%s: the parsed signature is corrupt", what);

	int rc = check_arguments(sig, args, nargs, what, err);
	if (rc != 0)
		return rc;

	ffi_type *types[SG_MAX_C_PARAMS];
	void *values[SG_MAX_C_PARAMS];
	sg_slot slots[SG_MAX_C_PARAMS];
	unsigned n = 0;

	types[n] = &ffi_type_pointer;
	slots[n].ptr = self;
	values[n] = &slots[n].ptr;
	n++;
	for (size_t i = 0; i < nargs; i++) {
		const signet_value *a = &args[i];
		types[n] = ffi_type_of(sig->args[i]);
		switch (sig->args[i]) {
		case 'i': slots[n].i32 = a->as.i32; values[n] = &slots[n].i32; break;
		case 'q': slots[n].i64 = a->as.i64; values[n] = &slots[n].i64; break;
		case 'Q': slots[n].u64 = a->as.u64; values[n] = &slots[n].u64; break;
		case 'd': slots[n].f64 = a->as.f64; values[n] = &slots[n].f64; break;
		case 'B': slots[n].u8 = a->as.boolean ? 1 : 0; values[n] = &slots[n].u8; break;
		case '*': slots[n].cptr = a->as.string; values[n] = &slots[n].cptr; break;
		case '^': slots[n].ptr = a->as.pointer; values[n] = &slots[n].ptr; break;
		case '@': slots[n].ptr = a->as.pointer; values[n] = &slots[n].ptr; break;
		case 'b':
			slots[n].cptr = a->as.buffer.data;
			values[n] = &slots[n].cptr;
			n++;
			types[n] = &SG_FFI_SIZE_T;
			slots[n].size = a->as.buffer.length;
			values[n] = &slots[n].size;
			break;
		default:
			/* check_arguments() and the signature check rule this out. */
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INTERNAL, .check = "invoke.signature" },
				"%s: unexpected parameter letter", what);
		}
		n++;
	}

	ffi_cif cif;
	ffi_status st = ffi_prep_cif(&cif, FFI_DEFAULT_ABI, n, ffi_type_of(sig->ret), types);
	if (st != FFI_OK)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INTERNAL, .check = "invoke.ffi" },
			"%s: ffi_prep_cif failed (status %d)", what, (int)st);

	/*
	 * libffi writes an integral result narrower than ffi_arg (int32, the
	 * bool's byte) as a whole ffi_arg, so the buffer is at least that wide
	 * and those results are read back through ffi_arg/ffi_sarg.
	 */
	union {
		ffi_arg a;
		ffi_sarg s;
		int64_t i64;
		uint64_t u64;
		double f64;
		void *ptr;
	} rv;
	memset(&rv, 0, sizeof rv);
	ffi_call(&cif, FFI_FN(fn), &rv, values);

	signet_value r = { .type = (signet_type)sig->ret };
	switch (sig->ret) {
	case 'v': break;
	case 'i': r.as.i32 = (int32_t)rv.s; break;
	case 'q': r.as.i64 = rv.i64; break;
	case 'Q': r.as.u64 = rv.u64; break;
	case 'd': r.as.f64 = rv.f64; break;
	/* Only the low byte is the callee's: the ABI leaves the rest of the register unspecified. */
	case 'B': r.as.boolean = ((uint8_t)rv.a) != 0; break;
	case '^': r.as.pointer = rv.ptr; break;
	case '*':
		/* The plugin keeps its string (and may reuse it on the next call): copy now. */
		if (rv.ptr) {
			sg_value_store *store = sg_value_store_new();
			const char *s = rv.ptr;
			char *copy = store ? sg_value_store_strndup(store, s, strlen(s)) : NULL;
			if (!copy) {
				sg_value_store_free(store);
				return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .check = "invoke.result" },
					"%s: out of memory copying the string result", what);
			}
			r.owned_ = store;
			r.as.string = copy;
		}
		break;
	default:
		break;
	}
	*result = r;
	return 0;
}
