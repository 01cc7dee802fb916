/* SPDX-License-Identifier: MIT */
/*
 * test_invoke.c - type encodings, calls through libffi and typed values.
 *
 * Every type is passed and returned through a real sg_invoke() call to a
 * C function below with exactly the signature its encoding describes (self
 * first); each function records what it received in globals the test then
 * checks, and returns a value computed from its arguments. Refused calls
 * must not reach the function: `calls` stays 0.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "plugin/invoke.h"
#include "plugin/value_store.h"

/* What the last called function saw. */
static int calls;
static void *seen_self;
static int32_t seen_i32[16];
static int64_t seen_i64;
static uint64_t seen_u64;
static double seen_f64[16];
static bool seen_bool[16];
static const char *seen_string;
static void *seen_pointer;
static void *seen_other;
static const void *seen_data[16];
static size_t seen_length[16];

static void reset(void)
{
	calls = 0;
	seen_self = NULL;
	memset(seen_i32, 0, sizeof seen_i32);
	seen_i64 = 0;
	seen_u64 = 0;
	memset(seen_f64, 0, sizeof seen_f64);
	memset(seen_bool, 0, sizeof seen_bool);
	seen_string = NULL;
	seen_pointer = NULL;
	seen_other = NULL;
	memset(seen_data, 0, sizeof seen_data);
	memset(seen_length, 0, sizeof seen_length);
}

static void enter(void *self)
{
	calls++;
	seen_self = self;
}

/* ---- the functions called: one per encoding exercised ---- */

/* "ii": int32 in, ~x out (INT32_MIN <-> INT32_MAX). */
static int32_t f_i32(void *self, int32_t x)
{
	enter(self);
	seen_i32[0] = x;
	return ~x;
}

/* "qq" */
static int64_t f_i64(void *self, int64_t x)
{
	enter(self);
	seen_i64 = x;
	return ~x;
}

/* "QQ" */
static uint64_t f_u64(void *self, uint64_t x)
{
	enter(self);
	seen_u64 = x;
	return ~x;
}

/* "dd" */
static double f_f64(void *self, double x)
{
	enter(self);
	seen_f64[0] = x;
	return -2.0 * x;
}

/* "BB" */
static bool f_bool(void *self, bool b)
{
	enter(self);
	seen_bool[0] = b;
	return !b;
}

/* "Bi": a bool return computed from an int, so both results come from a real comparison. */
static bool f_is_even(void *self, int32_t x)
{
	enter(self);
	seen_i32[0] = x;
	return x % 2 == 0;
}

/* "**": upper-cases into a buffer the function keeps and reuses, as plugins do. */
static char upper_out[64];
static const char *f_upper(void *self, const char *s)
{
	enter(self);
	seen_string = s;
	size_t i = 0;
	for (; s && s[i] && i + 1 < sizeof upper_out; i++)
		upper_out[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 'a' + 'A') : s[i];
	upper_out[i] = '\0';
	return s ? upper_out : NULL;
}

/* "iB*": a string parameter after a bool, and the string's length back. */
static int32_t f_strlen_unless(void *self, bool skip, const char *s)
{
	enter(self);
	seen_bool[0] = skip;
	seen_string = s;
	return skip ? -1 : (int32_t)strlen(s);
}

/* "*i": NULL when asked to. */
static const char *f_maybe_null(void *self, int32_t give_null)
{
	enter(self);
	seen_i32[0] = give_null;
	return give_null ? NULL : "here";
}

/* "^^": pointer in, pointer + 1 out. */
static void *f_pointer(void *self, void *p)
{
	enter(self);
	seen_pointer = p;
	return (char *)p + 1;
}

/* "i@": another instance's memory; returns what its state holds. */
struct counter {
	int32_t n;
	char pad[12];
};
static int32_t f_instance(void *self, void *other)
{
	enter(self);
	seen_other = other;
	return ((struct counter *)other)->n * 10;
}

/* "Qb": a buffer is (data, length); returns the sum of its bytes. */
static uint64_t f_buffer(void *self, const void *data, size_t length)
{
	enter(self);
	seen_data[0] = data;
	seen_length[0] = length;
	uint64_t sum = 0;
	for (size_t i = 0; i < length; i++)
		sum += ((const unsigned char *)data)[i];
	return sum;
}

/* "qibi": the buffer's two C parameters sit between two ints. */
static int64_t f_int_buffer_int(void *self, int32_t a, const void *data, size_t length, int32_t b)
{
	enter(self);
	seen_i32[0] = a;
	seen_data[0] = data;
	seen_length[0] = length;
	seen_i32[1] = b;
	return (int64_t)a * 1000000 + (int64_t)(length % 1000) * 1000 + b;
}

/* "vi": nothing back. */
static void f_void(void *self, int32_t x)
{
	enter(self);
	seen_i32[0] = x;
}

/* "i": no parameters beyond self. */
static int32_t f_none(void *self)
{
	enter(self);
	return 42;
}

/* "d" + "id" x 8: 16 parameters, ints and doubles interleaved: the ints (with self) outrun the
 * integer registers on x86-64 and AArch64 both, so some travel on the stack. */
static double f_mixed16(void *self, int32_t i0, double d1, int32_t i2, double d3, int32_t i4, double d5,
	int32_t i6, double d7, int32_t i8, double d9, int32_t i10, double d11, int32_t i12, double d13,
	int32_t i14, double d15)
{
	enter(self);
	int32_t is[8] = { i0, i2, i4, i6, i8, i10, i12, i14 };
	double ds[8] = { d1, d3, d5, d7, d9, d11, d13, d15 };
	double sum = 0;
	for (int k = 0; k < 8; k++) {
		seen_i32[k] = is[k];
		seen_f64[k] = ds[k];
		sum += is[k] * (k + 1) + ds[k] * (k + 1);
	}
	return sum;
}

/* "d" + "d" x 16: more doubles than the eight vector registers. */
static double f_doubles16(void *self, double a0, double a1, double a2, double a3, double a4, double a5,
	double a6, double a7, double a8, double a9, double a10, double a11, double a12, double a13,
	double a14, double a15)
{
	enter(self);
	double a[16] = { a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15 };
	double weighted = 0;
	for (int k = 0; k < 16; k++) {
		seen_f64[k] = a[k];
		weighted += a[k] * (k + 1);
	}
	return weighted;
}

/* "v" + "b" x 16: 32 C parameters after self; records every (data, length). */
static void f_buffers16(void *self, const void *p0, size_t n0, const void *p1, size_t n1, const void *p2,
	size_t n2, const void *p3, size_t n3, const void *p4, size_t n4, const void *p5, size_t n5,
	const void *p6, size_t n6, const void *p7, size_t n7, const void *p8, size_t n8, const void *p9,
	size_t n9, const void *p10, size_t n10, const void *p11, size_t n11, const void *p12, size_t n12,
	const void *p13, size_t n13, const void *p14, size_t n14, const void *p15, size_t n15)
{
	enter(self);
	const void *p[16] = { p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15 };
	size_t n[16] = { n0, n1, n2, n3, n4, n5, n6, n7, n8, n9, n10, n11, n12, n13, n14, n15 };
	for (int k = 0; k < 16; k++) {
		seen_data[k] = p[k];
		seen_length[k] = n[k];
	}
}

/* "i" + "q" x 7 + "B" x 9: bools past the registers, on the stack. */
static int32_t f_bools_late(void *self, int64_t q0, int64_t q1, int64_t q2, int64_t q3, int64_t q4, int64_t q5,
	int64_t q6, bool b0, bool b1, bool b2, bool b3, bool b4, bool b5, bool b6, bool b7, bool b8)
{
	enter(self);
	seen_i64 = q0 + q1 + q2 + q3 + q4 + q5 + q6;
	bool b[9] = { b0, b1, b2, b3, b4, b5, b6, b7, b8 };
	int32_t mask = 0;
	for (int k = 0; k < 9; k++) {
		seen_bool[k] = b[k];
		mask |= (int32_t)b[k] << k;
	}
	return mask;
}

/* ---- helpers ---- */

static char self_memory[32];

static sg_signature sig_of(const char *types)
{
	sg_signature sig;
	signet_error *err = NULL;
	int rc = sg_signature_parse(&sig, types, "test", &err);
	if (rc != 0)
		fprintf(stderr, "  cannot parse \"%s\": %s\n", types, signet_error_message(err));
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return sig;
}

/* Calls `fn` as `types` says with `self_memory` as self; asserts success and one call. */
static signet_value call(signet_imp fn, const char *types, const signet_value *args, size_t nargs)
{
	sg_signature sig = sig_of(types);
	signet_value result = { .type = SIGNET_TYPE_INT32, .as.i32 = 0x5a5a };
	signet_error *err = NULL;
	reset();
	SG_ASSERT_OK(sg_invoke(fn, &sig, self_memory, args, nargs, &result, "test method", &err), &err);
	CU_ASSERT_EQUAL(calls, 1);
	CU_ASSERT_PTR_EQUAL(seen_self, self_memory);
	CU_ASSERT_EQUAL(result.type, (signet_type)sig.ret);
	return result;
}

#define FN(f) ((signet_imp)(f))

/* ---- calls, one type at a time ---- */

static void test_int32(void)
{
	static const int32_t xs[] = { INT32_MIN, -1, 0, 1, 123456, INT32_MAX };
	for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++) {
		signet_value arg = SIGNET_INT32(xs[k]);
		signet_value r = call(FN(f_i32), "ii", &arg, 1);
		CU_ASSERT_EQUAL(seen_i32[0], xs[k]);
		CU_ASSERT_EQUAL(r.as.i32, ~xs[k]);
	}
	/* The sign survives the narrow return: INT32_MAX in gives INT32_MIN out. */
	signet_value arg = SIGNET_INT32(INT32_MAX);
	CU_ASSERT_EQUAL(call(FN(f_i32), "ii", &arg, 1).as.i32, INT32_MIN);
}

static void test_int64(void)
{
	static const int64_t xs[] = { INT64_MIN, -1, 0, (int64_t)1 << 40, INT64_MAX };
	for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++) {
		signet_value arg = SIGNET_INT64(xs[k]);
		signet_value r = call(FN(f_i64), "qq", &arg, 1);
		CU_ASSERT_EQUAL(seen_i64, xs[k]);
		CU_ASSERT_EQUAL(r.as.i64, ~xs[k]);
	}
}

static void test_uint64(void)
{
	static const uint64_t xs[] = { 0, 1, (uint64_t)1 << 63, UINT64_MAX - 1, UINT64_MAX };
	for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++) {
		signet_value arg = SIGNET_UINT64(xs[k]);
		signet_value r = call(FN(f_u64), "QQ", &arg, 1);
		CU_ASSERT_EQUAL(seen_u64, xs[k]);
		CU_ASSERT_EQUAL(r.as.u64, ~xs[k]);
	}
}

static void test_double(void)
{
	static const double xs[] = { 0.0, 1.5, -3.25, DBL_MAX / 4, DBL_MIN, 0.1 };
	for (size_t k = 0; k < sizeof xs / sizeof xs[0]; k++) {
		signet_value arg = SIGNET_DOUBLE(xs[k]);
		signet_value r = call(FN(f_f64), "dd", &arg, 1);
		CU_ASSERT_EQUAL(seen_f64[0], xs[k]);
		CU_ASSERT_EQUAL(r.as.f64, -2.0 * xs[k]);
	}
}

static void test_bool(void)
{
	signet_value arg = SIGNET_BOOL(true);
	signet_value r = call(FN(f_bool), "BB", &arg, 1);
	CU_ASSERT_EQUAL(seen_bool[0], true);
	CU_ASSERT_EQUAL(r.as.boolean, false);

	arg = SIGNET_BOOL(false);
	r = call(FN(f_bool), "BB", &arg, 1);
	CU_ASSERT_EQUAL(seen_bool[0], false);
	CU_ASSERT_EQUAL(r.as.boolean, true);

	arg = SIGNET_INT32(10);
	CU_ASSERT_TRUE(call(FN(f_is_even), "Bi", &arg, 1).as.boolean);
	arg = SIGNET_INT32(-7);
	CU_ASSERT_FALSE(call(FN(f_is_even), "Bi", &arg, 1).as.boolean);
	CU_ASSERT_EQUAL(seen_i32[0], -7);
}

static void test_string(void)
{
	const char *text = "hello, plugin";
	signet_value arg = SIGNET_STRING(text);
	signet_value r = call(FN(f_upper), "**", &arg, 1);
	CU_ASSERT_PTR_EQUAL(seen_string, text); /* borrowed: the very pointer */
	CU_ASSERT_PTR_NOT_NULL_FATAL(r.as.string);
	CU_ASSERT_STRING_EQUAL(r.as.string, "HELLO, PLUGIN");
	/* The result is a copy the value owns, not the function's buffer. */
	CU_ASSERT_PTR_NOT_EQUAL(r.as.string, upper_out);
	CU_ASSERT_PTR_NOT_NULL(r.owned_);
	memset(upper_out, 'X', 5);
	CU_ASSERT_STRING_EQUAL(r.as.string, "HELLO, PLUGIN");
	signet_value_clear(&r);
	CU_ASSERT_EQUAL(r.type, SIGNET_TYPE_VOID);
	CU_ASSERT_PTR_NULL(r.owned_);

	signet_value two[] = { SIGNET_BOOL(false), SIGNET_STRING("four") };
	r = call(FN(f_strlen_unless), "iB*", two, 2);
	CU_ASSERT_EQUAL(r.as.i32, 4);
	CU_ASSERT_STRING_EQUAL(seen_string, "four");
	CU_ASSERT_EQUAL(seen_bool[0], false);

	/* A NULL string argument is passed through (signet/value.h: "may be NULL"). */
	arg = SIGNET_STRING(NULL);
	r = call(FN(f_upper), "**", &arg, 1);
	CU_ASSERT_PTR_NULL(seen_string);
	CU_ASSERT_PTR_NULL(r.as.string);
	CU_ASSERT_PTR_NULL(r.owned_);
}

static void test_null_string_result(void)
{
	signet_value arg = SIGNET_INT32(1);
	signet_value r = call(FN(f_maybe_null), "*i", &arg, 1);
	CU_ASSERT_EQUAL(seen_i32[0], 1);
	CU_ASSERT_EQUAL(r.type, SIGNET_TYPE_STRING);
	CU_ASSERT_PTR_NULL(r.as.string);
	CU_ASSERT_PTR_NULL(r.owned_);
	signet_value_clear(&r);

	arg = SIGNET_INT32(0);
	r = call(FN(f_maybe_null), "*i", &arg, 1);
	CU_ASSERT_STRING_EQUAL(r.as.string, "here");
	signet_value_clear(&r);
}

static void test_pointer(void)
{
	char block[4];
	signet_value arg = SIGNET_POINTER(block);
	signet_value r = call(FN(f_pointer), "^^", &arg, 1);
	CU_ASSERT_PTR_EQUAL(seen_pointer, block);
	CU_ASSERT_PTR_EQUAL(r.as.pointer, block + 1);
	CU_ASSERT_PTR_NULL(r.owned_); /* a pointer result is never copied */
}

/* An instance argument arrives resolved (invoke.h): `as.pointer` is the instance memory, passed as it is. */
static signet_value resolved_instance(void *memory)
{
	return (signet_value){ .type = SIGNET_TYPE_INSTANCE, .as.pointer = memory };
}

static void test_instance(void)
{
	struct counter other_state = { .n = 7 };
	signet_value arg = resolved_instance(&other_state);
	signet_value r = call(FN(f_instance), "i@", &arg, 1);
	CU_ASSERT_PTR_EQUAL(seen_other, &other_state);
	CU_ASSERT_EQUAL(r.as.i32, 70);
}

static void test_buffer(void)
{
	static const unsigned char bytes[] = { 1, 2, 3, 250 };
	signet_value arg = SIGNET_BUFFER(bytes, sizeof bytes);
	signet_value r = call(FN(f_buffer), "Qb", &arg, 1);
	CU_ASSERT_PTR_EQUAL(seen_data[0], bytes);
	CU_ASSERT_EQUAL(seen_length[0], 4);
	CU_ASSERT_EQUAL(r.as.u64, 256);

	/* An empty buffer, even with no data, is a buffer of zero bytes. */
	arg = SIGNET_BUFFER(NULL, 0);
	r = call(FN(f_buffer), "Qb", &arg, 1);
	CU_ASSERT_PTR_NULL(seen_data[0]);
	CU_ASSERT_EQUAL(seen_length[0], 0);
	CU_ASSERT_EQUAL(r.as.u64, 0);

	/* Its two C parameters do not shift the ones after it. */
	signet_value three[] = { SIGNET_INT32(-5), SIGNET_BUFFER("abcdefg", 7), SIGNET_INT32(9) };
	r = call(FN(f_int_buffer_int), "qibi", three, 3);
	CU_ASSERT_EQUAL(seen_i32[0], -5);
	CU_ASSERT_EQUAL(seen_length[0], 7);
	CU_ASSERT_EQUAL(memcmp(seen_data[0], "abcdefg", 7), 0);
	CU_ASSERT_EQUAL(seen_i32[1], 9);
	CU_ASSERT_EQUAL(r.as.i64, -5 * 1000000 + 7 * 1000 + 9);

	/* The length is a whole size_t (the function only records it: it reads no bytes). */
	size_t huge = SIZE_MAX / 3;
	three[1] = SIGNET_BUFFER("x", huge);
	r = call(FN(f_int_buffer_int), "qibi", three, 3);
	CU_ASSERT_EQUAL(seen_length[0], huge);
	CU_ASSERT_EQUAL(seen_i32[1], 9);
	CU_ASSERT_EQUAL(r.as.i64, -5 * 1000000 + (int64_t)(huge % 1000) * 1000 + 9);
}

static void test_void_and_no_arguments(void)
{
	signet_value arg = SIGNET_INT32(-99);
	signet_value r = call(FN(f_void), "vi", &arg, 1);
	CU_ASSERT_EQUAL(seen_i32[0], -99);
	CU_ASSERT_EQUAL(r.type, SIGNET_TYPE_VOID);

	r = call(FN(f_none), "i", NULL, 0);
	CU_ASSERT_EQUAL(r.as.i32, 42);
}

static void test_sixteen_parameters(void)
{
	signet_value args[16];
	double want = 0;
	for (int k = 0; k < 8; k++) {
		args[2 * k] = SIGNET_INT32(-1000 * (k + 1) - k);
		args[2 * k + 1] = SIGNET_DOUBLE(0.5 + k * 1.25);
		want += (-1000 * (k + 1) - k) * (k + 1) + (0.5 + k * 1.25) * (k + 1);
	}
	signet_value r = call(FN(f_mixed16), "didididididididid", args, 16);
	for (int k = 0; k < 8; k++) {
		CU_ASSERT_EQUAL(seen_i32[k], -1000 * (k + 1) - k);
		CU_ASSERT_EQUAL(seen_f64[k], 0.5 + k * 1.25);
	}
	CU_ASSERT_EQUAL(r.as.f64, want);

	want = 0;
	for (int k = 0; k < 16; k++) {
		args[k] = SIGNET_DOUBLE(k * 3.5 - 20);
		want += (k * 3.5 - 20) * (k + 1);
	}
	r = call(FN(f_doubles16), "ddddddddddddddddd", args, 16);
	for (int k = 0; k < 16; k++)
		CU_ASSERT_EQUAL(seen_f64[k], k * 3.5 - 20);
	CU_ASSERT_EQUAL(r.as.f64, want);

	static const char text[] = "0123456789abcdefghij";
	for (int k = 0; k < 16; k++)
		args[k] = SIGNET_BUFFER(text + k, (size_t)k + 1);
	r = call(FN(f_buffers16), "vbbbbbbbbbbbbbbbb", args, 16);
	for (int k = 0; k < 16; k++) {
		CU_ASSERT_PTR_EQUAL(seen_data[k], text + k);
		CU_ASSERT_EQUAL(seen_length[k], (size_t)k + 1);
	}

	for (int k = 0; k < 7; k++)
		args[k] = SIGNET_INT64((int64_t)1 << (33 + k));
	static const bool bits[9] = { true, false, true, true, false, false, true, false, true };
	int32_t mask = 0;
	for (int k = 0; k < 9; k++) {
		args[7 + k] = SIGNET_BOOL(bits[k]);
		mask |= (int32_t)bits[k] << k;
	}
	r = call(FN(f_bools_late), "iqqqqqqqBBBBBBBBB", args, 16);
	CU_ASSERT_EQUAL(seen_i64, ((int64_t)1 << 33) * 127);
	for (int k = 0; k < 9; k++)
		CU_ASSERT_EQUAL(seen_bool[k], bits[k]);
	CU_ASSERT_EQUAL(r.as.i32, mask);
}

/* ---- refused calls: nothing runs ---- */

/* Asserts a refusal with code, check, expected and actual, and that nothing was called. */
static void assert_refused(signet_imp fn, const char *types, const signet_value *args, size_t nargs,
	const char *expected, const char *actual, const char *reason)
{
	sg_signature sig = sig_of(types);
	signet_value result = SIGNET_INT32(1234);
	signet_error *err = NULL;
	reset();
	int rc = sg_invoke(fn, &sig, self_memory, args, nargs, &result, "method 'm' of Test", &err);
	CU_ASSERT_EQUAL(rc, SIGNET_E_ARGUMENT_MISMATCH);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_EQUAL(signet_error_code(err), SIGNET_E_ARGUMENT_MISMATCH);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "invoke.arguments");
	CU_ASSERT_PTR_NOT_NULL_FATAL(signet_error_expected(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(signet_error_actual(err));
	CU_ASSERT_STRING_EQUAL(signet_error_expected(err), expected);
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), actual);
	if (!strstr(signet_error_message(err), reason) || !strstr(signet_error_message(err), "method 'm' of Test")) {
		fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", signet_error_message(err), reason);
		CU_FAIL("refusal message does not name the method and the reason");
	}
	signet_error_free(err);
	CU_ASSERT_EQUAL(calls, 0);
	/* `result` is untouched by a refusal. */
	CU_ASSERT_EQUAL(result.type, SIGNET_TYPE_INT32);
	CU_ASSERT_EQUAL(result.as.i32, 1234);
}

static void test_wrong_count(void)
{
	signet_value two[] = { SIGNET_INT32(1), SIGNET_INT32(2) };
	assert_refused(FN(f_i32), "ii", two, 2, "1 argument", "2 arguments", "takes 1 argument, 2 given");
	assert_refused(FN(f_i32), "ii", NULL, 0, "1 argument", "0 arguments", "takes 1 argument, 0 given");
	signet_value three[] = { SIGNET_INT32(1), SIGNET_BUFFER("x", 1), SIGNET_INT32(2) };
	assert_refused(FN(f_int_buffer_int), "qibi", three, 2, "3 arguments", "2 arguments",
		"takes 3 arguments, 2 given");
	assert_refused(FN(f_none), "i", three, 1, "0 arguments", "1 argument", "takes 0 arguments, 1 given");
}

static void test_wrong_type(void)
{
	signet_value arg = SIGNET_STRING("12");
	assert_refused(FN(f_i32), "ii", &arg, 1, "int32", "string", "argument 1 is string, expected int32");

	/* Position 3 of three: the first two match, nothing is called anyway. */
	signet_value three[] = { SIGNET_INT32(1), SIGNET_BUFFER("x", 1), SIGNET_INT64(2) };
	assert_refused(FN(f_int_buffer_int), "qibi", three, 3, "int32", "int64",
		"argument 3 is int64, expected int32");

	/* Close relatives are still different types. */
	arg = SIGNET_UINT64(5);
	assert_refused(FN(f_i64), "qq", &arg, 1, "int64", "uint64", "argument 1 is uint64, expected int64");
	arg = SIGNET_POINTER(self_memory);
	assert_refused(FN(f_upper), "**", &arg, 1, "string", "pointer", "argument 1 is pointer, expected string");
	arg = SIGNET_STRING("abc");
	assert_refused(FN(f_buffer), "Qb", &arg, 1, "buffer", "string", "argument 1 is string, expected buffer");
	arg = SIGNET_POINTER(self_memory);
	assert_refused(FN(f_instance), "i@", &arg, 1, "instance", "pointer",
		"argument 1 is pointer, expected instance");

	/* A value whose type is no type letter at all. */
	arg = SIGNET_INT32(1);
	arg.type = (signet_type)'Z';
	assert_refused(FN(f_i32), "ii", &arg, 1, "int32", "not a type (0x5a)", "argument 1 is not a type");
}

static void test_null_instance_and_buffer(void)
{
	signet_value arg = resolved_instance(NULL);
	assert_refused(FN(f_instance), "i@", &arg, 1, "instance", "null instance", "argument 1 is a null instance");
	arg = SIGNET_BUFFER(NULL, 3);
	assert_refused(FN(f_buffer), "Qb", &arg, 1, "buffer", "null data of 3 bytes",
		"argument 1 is a buffer of 3 bytes with null data");
}

static void test_bad_calls(void)
{
	sg_signature sig = sig_of("ii");
	signet_value arg = SIGNET_INT32(1), result;
	signet_error *err = NULL;
	reset();
	SG_ASSERT_FAILS(sg_invoke(NULL, &sig, NULL, &arg, 1, &result, "m", &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "m: no function");
	SG_ASSERT_FAILS(sg_invoke(FN(f_i32), &sig, NULL, NULL, 1, &result, "m", &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "m: no function");
	/* A signature that sg_signature_parse() could not have made. */
	sig.args[0] = 'v';
	SG_ASSERT_FAILS(sg_invoke(FN(f_i32), &sig, NULL, &arg, 1, &result, "m", &err), &err,
		SIGNET_E_INTERNAL, "signature is corrupt");
	sig = sig_of("ii");
	sig.nargs = SIGNET_MAX_METHOD_ARGS + 1;
	SG_ASSERT_FAILS(sg_invoke(FN(f_i32), &sig, NULL, &arg, 1, &result, "m", &err), &err,
		SIGNET_E_INTERNAL, "signature is corrupt");
	CU_ASSERT_EQUAL(calls, 0);
	/* No error object asked for: the code alone. */
	sig = sig_of("ii");
	CU_ASSERT_EQUAL(sg_invoke(FN(f_i32), &sig, NULL, &arg, 0, &result, "m", NULL), SIGNET_E_ARGUMENT_MISMATCH);
	CU_ASSERT_EQUAL(calls, 0);
}

/* ---- encodings ---- */

static void test_letters(void)
{
	const char *returns = "viqQdB*^", *params = "iqQdB*^@b";
	for (int c = 0; c < 256; c++) {
		char letter = (char)c;
		bool r = c != 0 && strchr(returns, c) != NULL;
		bool p = c != 0 && strchr(params, c) != NULL;
		CU_ASSERT_EQUAL(sg_type_letter_valid(letter, true), r);
		CU_ASSERT_EQUAL(sg_type_letter_valid(letter, false), p);
	}
}

static void test_good_encodings(void)
{
	sg_signature sig;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_signature_parse(&sig, "v", "m", &err), &err);
	CU_ASSERT_EQUAL(sig.ret, 'v');
	CU_ASSERT_EQUAL(sig.nargs, 0);
	CU_ASSERT_STRING_EQUAL(sig.args, "");

	SG_ASSERT_OK(sg_signature_parse(&sig, "^iqQdB*^@b", "m", &err), &err);
	CU_ASSERT_EQUAL(sig.ret, '^');
	CU_ASSERT_EQUAL(sig.nargs, 9);
	CU_ASSERT_STRING_EQUAL(sig.args, "iqQdB*^@b");

	/* Exactly the limit. */
	SG_ASSERT_OK(sg_signature_parse(&sig, "*bbbbbbbbbbbbbbbb", "m", &err), &err);
	CU_ASSERT_EQUAL(sig.nargs, SIGNET_MAX_METHOD_ARGS);
	CU_ASSERT_EQUAL(sig.args[SIGNET_MAX_METHOD_ARGS], '\0');
}

static void assert_bad_encoding(const char *types, const char *expected, const char *actual, const char *reason)
{
	sg_signature sig = { .ret = 'Z', .nargs = 77 };
	signet_error *err = NULL;
	int rc = sg_signature_parse(&sig, types, "method 'filter' of Rot13Filter", &err);
	CU_ASSERT_EQUAL(rc, SIGNET_E_CLASS_INVALID);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_EQUAL(signet_error_code(err), SIGNET_E_CLASS_INVALID);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "class.encoding");
	CU_ASSERT_STRING_EQUAL(signet_error_expected(err), expected);
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), actual);
	const char *msg = signet_error_message(err);
	if (!strstr(msg, reason) || strncmp(msg, "method 'filter' of Rot13Filter: ", 32) != 0) {
		fprintf(stderr, "  \"%s\": message \"%s\" lacks \"%s\"\n", types, msg, reason);
		CU_FAIL("bad encoding message does not name the method, the encoding and the position");
	}
	signet_error_free(err);
	/* `out` is written only on success. */
	CU_ASSERT_EQUAL(sig.ret, 'Z');
	CU_ASSERT_EQUAL(sig.nargs, 77);
}

static void test_bad_encodings(void)
{
	const char *ret = "a return type: v i q Q d B * ^", *param = "a parameter type: i q Q d B * ^ @ b";
	assert_bad_encoding("", ret, "an empty encoding", "type encoding \"\": is empty");
	assert_bad_encoding("x", ret, "x", "type encoding \"x\": 'x' at position 1 is not a return type");
	assert_bad_encoding("@i", ret, "@", "\"@i\": '@' at position 1 is not a return type");
	assert_bad_encoding("bi", ret, "b", "\"bi\": 'b' at position 1 is not a return type");
	assert_bad_encoding("vv", param, "v", "\"vv\": 'v' at position 2 is not a parameter type");
	assert_bad_encoding("iiiz", param, "z", "\"iiiz\": 'z' at position 4 is not a parameter type");
	assert_bad_encoding("i i", param, " ", "' ' at position 2 is not a parameter type");
	/* Bytes that are no letters are shown escaped, keeping the message one line. */
	assert_bad_encoding("ii\n", param, "\\x0a", "\"ii\\x0a\": '\\x0a' at position 3");
	assert_bad_encoding("\xff", ret, "\\xff", "'\\xff' at position 1");
	/* One past the limit, and far past it. */
	assert_bad_encoding("iiiiiiiiiiiiiiiiii", "at most 16 parameters", "17 parameters",
		"17 parameters, more than 16 (position 18 is one too many)");
	assert_bad_encoding("vbbbbbbbbbbbbbbbbbbbbbbbb", "at most 16 parameters", "24 parameters",
		"24 parameters, more than 16");
	/* A bad letter before the limit is reported as such. */
	assert_bad_encoding("ii?iiiiiiiiiiiiiiiiiiii", param, "?", "'?' at position 3");

	/* NULL text is refused too, without reading it. */
	sg_signature sig;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(sg_signature_parse(&sig, NULL, NULL, &err), &err, SIGNET_E_CLASS_INVALID,
		"method: type encoding \"\": is empty");
}

/* ---- values from text, and back ---- */

static void assert_parses(int type, const char *text, signet_value *out)
{
	signet_error *err = NULL;
	*out = (signet_value){ .type = SIGNET_TYPE_VOID };
	int rc = signet_value_parse(out, type, text, &err);
	if (rc != 0)
		fprintf(stderr, "  \"%s\" as %s: %s\n", text, signet_type_name(type), signet_error_message(err));
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL((int)out->type, type);
}

static void assert_refuses(int type, const char *text, const char *reason)
{
	signet_value v = SIGNET_INT32(77);
	signet_error *err = NULL;
	int rc = signet_value_parse(&v, type, text, &err);
	if (rc != SIGNET_E_ARGUMENT_MISMATCH || !err) {
		fprintf(stderr, "  \"%s\" as %s: rc %d\n", text, signet_type_name(type), rc);
		CU_FAIL("text not refused");
		signet_error_free(err);
		return;
	}
	CU_ASSERT_EQUAL(signet_error_code(err), SIGNET_E_ARGUMENT_MISMATCH);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "invoke.parse");
	CU_ASSERT_STRING_EQUAL(signet_error_expected(err), signet_type_name(type));
	const char *msg = signet_error_message(err);
	char head[128];
	snprintf(head, sizeof head, "as %s: ", signet_type_name(type));
	if (!strstr(msg, reason) || !strstr(msg, head)) {
		fprintf(stderr, "  message \"%s\" lacks \"%s\" or \"%s\"\n", msg, head, reason);
		CU_FAIL("parse refusal does not name the type and the text");
	}
	signet_error_free(err);
	/* `*out` is written only on success. */
	CU_ASSERT_EQUAL(v.type, SIGNET_TYPE_INT32);
	CU_ASSERT_EQUAL(v.as.i32, 77);
}

static void test_type_names(void)
{
	CU_ASSERT_STRING_EQUAL(signet_type_name('v'), "void");
	CU_ASSERT_STRING_EQUAL(signet_type_name('i'), "int32");
	CU_ASSERT_STRING_EQUAL(signet_type_name('q'), "int64");
	CU_ASSERT_STRING_EQUAL(signet_type_name('Q'), "uint64");
	CU_ASSERT_STRING_EQUAL(signet_type_name('d'), "double");
	CU_ASSERT_STRING_EQUAL(signet_type_name('B'), "bool");
	CU_ASSERT_STRING_EQUAL(signet_type_name('*'), "string");
	CU_ASSERT_STRING_EQUAL(signet_type_name('^'), "pointer");
	CU_ASSERT_STRING_EQUAL(signet_type_name('@'), "instance");
	CU_ASSERT_STRING_EQUAL(signet_type_name('b'), "buffer");
	CU_ASSERT_PTR_NULL(signet_type_name('x'));
	CU_ASSERT_PTR_NULL(signet_type_name(0));
	CU_ASSERT_PTR_NULL(signet_type_name('i' + 256));
}

static void test_parse_numbers(void)
{
	signet_value v;
	assert_parses('i', "0", &v);
	CU_ASSERT_EQUAL(v.as.i32, 0);
	assert_parses('i', "-2147483648", &v);
	CU_ASSERT_EQUAL(v.as.i32, INT32_MIN);
	assert_parses('i', "2147483647", &v);
	CU_ASSERT_EQUAL(v.as.i32, INT32_MAX);
	assert_parses('i', "007", &v);
	CU_ASSERT_EQUAL(v.as.i32, 7);
	assert_refuses('i', "2147483648", "out of range");
	assert_refuses('i', "-2147483649", "out of range");
	assert_refuses('i', "99999999999999999999999", "out of range");
	assert_refuses('i', "", "not a decimal integer");
	assert_refuses('i', "-", "not a decimal integer");
	assert_refuses('i', " 1", "not a decimal integer");
	assert_refuses('i', "1 ", "not a decimal integer");
	assert_refuses('i', "+1", "not a decimal integer");
	assert_refuses('i', "12abc", "not a decimal integer");
	assert_refuses('i', "0x10", "not a decimal integer");
	assert_refuses('i', "1.0", "not a decimal integer");

	assert_parses('q', "-9223372036854775808", &v);
	CU_ASSERT_EQUAL(v.as.i64, INT64_MIN);
	assert_parses('q', "9223372036854775807", &v);
	CU_ASSERT_EQUAL(v.as.i64, INT64_MAX);
	assert_refuses('q', "9223372036854775808", "out of range");
	assert_refuses('q', "-9223372036854775809", "out of range");
	assert_refuses('q', "\t5", "not a decimal integer");

	assert_parses('Q', "18446744073709551615", &v);
	CU_ASSERT_EQUAL(v.as.u64, UINT64_MAX);
	assert_parses('Q', "0", &v);
	CU_ASSERT_EQUAL(v.as.u64, 0);
	assert_refuses('Q', "18446744073709551616", "out of range");
	assert_refuses('Q', "-1", "not an unsigned decimal integer");
	assert_refuses('Q', "-0", "not an unsigned decimal integer");
	assert_refuses('Q', "+1", "not an unsigned decimal integer");

	assert_parses('d', "3.5", &v);
	CU_ASSERT_EQUAL(v.as.f64, 3.5);
	assert_parses('d', "-0.1", &v);
	CU_ASSERT_EQUAL(v.as.f64, -0.1);
	assert_parses('d', "1e300", &v);
	CU_ASSERT_EQUAL(v.as.f64, 1e300);
	assert_parses('d', "7", &v);
	CU_ASSERT_EQUAL(v.as.f64, 7.0);
	assert_refuses('d', "1e999", "not a finite number in range");
	assert_refuses('d', "-1e999", "not a finite number in range");
	assert_refuses('d', "1e-400", "not a finite number in range");
	assert_refuses('d', "inf", "not a finite number");
	assert_refuses('d', "nan", "not a finite number");
	assert_refuses('d', "", "not a number");
	assert_refuses('d', " 1.5", "not a number");
	assert_refuses('d', "\n1.5", "not a number");
	assert_refuses('d', "1.5 ", "not a number");
	assert_refuses('d', "1.5x", "not a number");
	assert_refuses('d', "x", "not a number");
}

static void test_parse_others(void)
{
	signet_value v;
	assert_parses('B', "true", &v);
	CU_ASSERT_TRUE(v.as.boolean);
	assert_parses('B', "1", &v);
	CU_ASSERT_TRUE(v.as.boolean);
	assert_parses('B', "false", &v);
	CU_ASSERT_FALSE(v.as.boolean);
	assert_parses('B', "0", &v);
	CU_ASSERT_FALSE(v.as.boolean);
	assert_refuses('B', "yes", "must be true, false, 1 or 0");
	assert_refuses('B', "TRUE", "must be true, false, 1 or 0");
	assert_refuses('B', "2", "must be true, false, 1 or 0");
	assert_refuses('B', "", "must be true, false, 1 or 0");

	assert_parses('^', "null", &v);
	CU_ASSERT_PTR_NULL(v.as.pointer);
	assert_parses('^', "0x7f00dead", &v);
	CU_ASSERT_PTR_EQUAL(v.as.pointer, (void *)(uintptr_t)0x7f00deadu);
	assert_parses('^', "0XaBc", &v);
	CU_ASSERT_PTR_EQUAL(v.as.pointer, (void *)(uintptr_t)0xabcu);
	assert_refuses('^', "0xZZ", "must be 0x followed by hex digits, or null");
	assert_refuses('^', "0x", "must be 0x followed by hex digits, or null");
	assert_refuses('^', "1234", "must be 0x followed by hex digits, or null");
	assert_refuses('^', "0x-1", "must be 0x followed by hex digits, or null");
	assert_refuses('^', "0x 1", "must be 0x followed by hex digits, or null");
	assert_refuses('^', "NULL", "must be 0x followed by hex digits, or null");
	assert_refuses('^', "0x1ffffffffffffffff", "out of range for a pointer");

	const char *text = "some words";
	assert_parses('*', text, &v);
	CU_ASSERT_PTR_EQUAL(v.as.string, text); /* borrowed, not copied */
	CU_ASSERT_PTR_NULL(v.owned_);
	assert_parses('*', "", &v);
	CU_ASSERT_STRING_EQUAL(v.as.string, "");
	assert_parses('b', text, &v);
	CU_ASSERT_PTR_EQUAL(v.as.buffer.data, text);
	CU_ASSERT_EQUAL(v.as.buffer.length, strlen(text));

	assert_refuses('@', "0x1234", "an instance cannot be written as text");
	assert_refuses('v', "", "void is no argument type");

	/* The text in the message is quoted safely and cut short. */
	signet_value keep;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(signet_value_parse(&keep, 'i', "1\n2", &err), &err, SIGNET_E_ARGUMENT_MISMATCH,
		"cannot read \"1\\x0a2\" as int32: not a decimal integer");
	char longtext[300];
	memset(longtext, '9', sizeof longtext - 1);
	longtext[sizeof longtext - 1] = '\0';
	CU_ASSERT_EQUAL(signet_value_parse(&keep, 'i', longtext, &err), SIGNET_E_ARGUMENT_MISMATCH);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(err), "99999...\" as int32: out of range"));
	CU_ASSERT(strlen(signet_error_message(err)) < 120);
	signet_error_free(err);
	err = NULL;

	/* Caller mistakes, not text mistakes. */
	SG_ASSERT_FAILS(signet_value_parse(&keep, 'x', "1", &err), &err, SIGNET_E_INVALID_ARGUMENT, "0x78 is not a type");
	SG_ASSERT_FAILS(signet_value_parse(&keep, 'i', NULL, &err), &err, SIGNET_E_INVALID_ARGUMENT, "no value or no text");
	SG_ASSERT_FAILS(signet_value_parse(NULL, 'i', "1", &err), &err, SIGNET_E_INVALID_ARGUMENT, "no value or no text");
}

/* Parsed text goes through a real call: what the command line gives is what the function gets. */
static void test_parsed_values_call(void)
{
	signet_value args[3];
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_value_parse(&args[0], 'i', "-12", &err), &err);
	SG_ASSERT_OK(signet_value_parse(&args[1], 'b', "xyz", &err), &err);
	SG_ASSERT_OK(signet_value_parse(&args[2], 'i', "34", &err), &err);
	signet_value r = call(FN(f_int_buffer_int), "qibi", args, 3);
	CU_ASSERT_EQUAL(r.as.i64, -12 * 1000000 + 3 * 1000 + 34);
}

static const char *formatted(const signet_value *v)
{
	static char buf[128];
	size_t n = signet_value_format(v, buf, sizeof buf);
	CU_ASSERT_EQUAL(n, strlen(buf));
	return buf;
}

static void test_format(void)
{
	signet_value v = SIGNET_INT32(INT32_MIN);
	CU_ASSERT_STRING_EQUAL(formatted(&v), "-2147483648");
	v = SIGNET_INT64(INT64_MIN);
	CU_ASSERT_STRING_EQUAL(formatted(&v), "-9223372036854775808");
	v = SIGNET_UINT64(UINT64_MAX);
	CU_ASSERT_STRING_EQUAL(formatted(&v), "18446744073709551615");
	v = SIGNET_DOUBLE(3.5);
	CU_ASSERT_STRING_EQUAL(formatted(&v), "3.5");
	v = SIGNET_DOUBLE(0.1);
	CU_ASSERT_STRING_EQUAL(formatted(&v), "0.1");
	v = SIGNET_DOUBLE(1.0 / 3.0);
	CU_ASSERT_STRING_EQUAL(formatted(&v), "0.3333333333333333");
	CU_ASSERT_EQUAL(strtod(formatted(&v), NULL), 1.0 / 3.0);
	v = SIGNET_DOUBLE(0.1 + 0.2); /* needs all 17 digits to read back */
	CU_ASSERT_STRING_EQUAL(formatted(&v), "0.30000000000000004");
	v = SIGNET_DOUBLE(1e300);
	CU_ASSERT_STRING_EQUAL(formatted(&v), "1e+300");
	v = SIGNET_DOUBLE(INFINITY);
	CU_ASSERT_STRING_EQUAL(formatted(&v), "inf");
	v = SIGNET_BOOL(true);
	CU_ASSERT_STRING_EQUAL(formatted(&v), "true");
	v = SIGNET_BOOL(false);
	CU_ASSERT_STRING_EQUAL(formatted(&v), "false");
	v = SIGNET_STRING("text itself");
	CU_ASSERT_STRING_EQUAL(formatted(&v), "text itself");
	v = SIGNET_STRING(NULL);
	CU_ASSERT_STRING_EQUAL(formatted(&v), "(null)");
	v = SIGNET_POINTER((void *)(uintptr_t)0x7f00dead);
	CU_ASSERT_STRING_EQUAL(formatted(&v), "0x7f00dead");
	v = SIGNET_POINTER(NULL);
	CU_ASSERT_STRING_EQUAL(formatted(&v), "null");
	v = SIGNET_BUFFER("abc", 3);
	CU_ASSERT_STRING_EQUAL(formatted(&v), "<buffer of 3 bytes>");
	v = SIGNET_BUFFER("a", 1);
	CU_ASSERT_STRING_EQUAL(formatted(&v), "<buffer of 1 byte>");
	v = SIGNET_INSTANCE(NULL);
	CU_ASSERT_STRING_EQUAL(formatted(&v), "<instance null>");
	v = SIGNET_INSTANCE((signet_instance *)(uintptr_t)0x1000);
	CU_ASSERT_STRING_EQUAL(formatted(&v), "<instance 0x1000>");
	v = (signet_value){ .type = SIGNET_TYPE_VOID };
	CU_ASSERT_STRING_EQUAL(formatted(&v), "(void)");
	v.type = (signet_type)'Z';
	CU_ASSERT_STRING_EQUAL(formatted(&v), "<not a type: 0x5a>");
	CU_ASSERT_STRING_EQUAL(formatted(NULL), "(null)");

	/* Formatting then parsing gives the value back. */
	static const int types[] = { 'i', 'q', 'Q', 'd', 'B', '^' };
	static const char *texts[] = { "-7", "-9000000000", "12345678901234567890", "2.5e-300", "true", "0xbeef" };
	for (size_t k = 0; k < 6; k++) {
		signet_value p;
		signet_error *err = NULL;
		SG_ASSERT_OK(signet_value_parse(&p, types[k], texts[k], &err), &err);
		signet_value back;
		SG_ASSERT_OK(signet_value_parse(&back, types[k], formatted(&p), &err), &err);
		CU_ASSERT_EQUAL(memcmp(&back.as, &p.as, sizeof p.as), 0);
	}

	/* snprintf's contract: truncated, NUL-terminated, the wanted length returned. */
	char small[5];
	memset(small, '#', sizeof small);
	v = SIGNET_STRING("abcdefgh");
	CU_ASSERT_EQUAL(signet_value_format(&v, small, sizeof small), 8);
	CU_ASSERT_STRING_EQUAL(small, "abcd");
	v = SIGNET_INT64(-123456);
	CU_ASSERT_EQUAL(signet_value_format(&v, small, sizeof small), 7);
	CU_ASSERT_STRING_EQUAL(small, "-123");
	CU_ASSERT_EQUAL(signet_value_format(&v, NULL, 0), 7);
	small[0] = '#';
	CU_ASSERT_EQUAL(signet_value_format(&v, small, 0), 7);
	CU_ASSERT_EQUAL(small[0], '#'); /* size 0: nothing written */
	CU_ASSERT_EQUAL(signet_value_format(&v, small, 1), 7);
	CU_ASSERT_EQUAL(small[0], '\0');
}

static void test_clear(void)
{
	/* A string result owns its copy: clearing frees it (ASan/valgrind see a leak if not). */
	signet_value arg = SIGNET_STRING("owned");
	signet_value v = call(FN(f_upper), "**", &arg, 1);
	CU_ASSERT_PTR_NOT_NULL(v.owned_);
	signet_value_clear(&v);
	CU_ASSERT_EQUAL(v.type, SIGNET_TYPE_VOID);
	CU_ASSERT_PTR_NULL(v.owned_);
	CU_ASSERT_PTR_NULL(v.as.string);
	signet_value_clear(&v); /* twice is fine */
	signet_value_clear(NULL);
	CU_ASSERT_EQUAL(v.type, SIGNET_TYPE_VOID);

	/* A received value's descriptors are closed with it. */
	int p[2];
	CU_ASSERT_FATAL(pipe2(p, O_CLOEXEC) == 0);
	sg_value_store *store = sg_value_store_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(store);
	CU_ASSERT_EQUAL(sg_value_store_add_fd(store, p[0]), 0);
	signet_value fdv = { .type = SIGNET_TYPE_FD, .as.fd = p[0], .owned_ = store };
	signet_value_clear(&fdv);
	CU_ASSERT_EQUAL(fcntl(p[0], F_GETFD), -1);
	CU_ASSERT_EQUAL(errno, EBADF);
	close(p[1]);
}

int main(void)
{
	static const sg_test calls_tests[] = {
		{ "int32: extremes in, ~x out", test_int32 },
		{ "int64: extremes in, ~x out", test_int64 },
		{ "uint64: extremes in, ~x out", test_uint64 },
		{ "double in and out", test_double },
		{ "bool: true and false, as parameter and as return", test_bool },
		{ "string: borrowed in, copied out", test_string },
		{ "a NULL string result stays NULL", test_null_string_result },
		{ "pointer in and out", test_pointer },
		{ "instance: the resolved instance memory is passed as it is", test_instance },
		{ "buffer: data and length as two parameters", test_buffer },
		{ "void result; no arguments", test_void_and_no_arguments },
		{ "sixteen parameters: mixed, all doubles, all buffers, bools on the stack", test_sixteen_parameters },
		{ "text parsed into values reaches the function", test_parsed_values_call },
		{ NULL, NULL },
	};
	static const sg_test refusal_tests[] = {
		{ "wrong argument count: refused, nothing called", test_wrong_count },
		{ "wrong type at a position: refused, nothing called", test_wrong_type },
		{ "null instance, buffer with null data: refused", test_null_instance_and_buffer },
		{ "missing function or arguments, corrupt signature", test_bad_calls },
		{ NULL, NULL },
	};
	static const sg_test encoding_tests[] = {
		{ "which letters are returns and parameters", test_letters },
		{ "valid encodings, up to the limit", test_good_encodings },
		{ "invalid encodings: code, check, letter and position", test_bad_encodings },
		{ NULL, NULL },
	};
	static const sg_test value_tests[] = {
		{ "type names", test_type_names },
		{ "parsing numbers: ranges and strictness", test_parse_numbers },
		{ "parsing bool, pointer, string, buffer; refusals", test_parse_others },
		{ "formatting, round trips, truncation", test_format },
		{ "clear frees and resets", test_clear },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = {
		{ "invoke", calls_tests },
		{ "refusals", refusal_tests },
		{ "encodings", encoding_tests },
		{ "values", value_tests },
		{ NULL, NULL },
	};
	return sg_test_main(suites);
}
