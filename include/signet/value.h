/* SPDX-License-Identifier: MIT */
/*
 * signet/value.h - typed values for calling methods by name: of a plugin in
 * this process, or of a service in another.
 *
 * A `signet_value` is one argument or result of a dynamic call
 * (signet_instance_invoke() in signet/guest.h) or of a call between
 * processes (signet/connection.h): a type letter and the value. The
 * letters of the plugin type encoding (signet/plugin.h) are types of both;
 * file descriptors, arrays and dictionaries travel only between processes,
 * and pointers and instances never do. Calls check every argument's type
 * before anything runs.
 *
 * Ownership: an argument's pointers (string, buffer, pointer, instance,
 * array items, dictionary keys and values) and descriptors are borrowed
 * for the call: an instance argument must be a live instance of the called
 * instance's host and must not be destroyed until the call returns. A
 * result (a plugin's string result, anything a connection received) owns
 * what it points to, nested values and descriptors included;
 * signet_value_clear() frees that memory and closes those descriptors.
 * Values are plain data; no shared state, so any thread may use its own.
 */
#ifndef SIGNET_VALUE_H
#define SIGNET_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/common.h>
#include <signet/error.h>

SIGNET_BEGIN_DECLS

typedef struct signet_instance signet_instance;

typedef enum signet_type {
	SIGNET_TYPE_VOID = 'v',
	SIGNET_TYPE_INT32 = 'i',
	SIGNET_TYPE_INT64 = 'q',
	SIGNET_TYPE_UINT64 = 'Q',
	SIGNET_TYPE_DOUBLE = 'd',
	SIGNET_TYPE_BOOL = 'B',
	SIGNET_TYPE_STRING = '*',
	SIGNET_TYPE_POINTER = '^',
	SIGNET_TYPE_INSTANCE = '@',
	SIGNET_TYPE_BUFFER = 'b',
	/* Between processes only (signet/connection.h): */
	SIGNET_TYPE_FD = 'h',        /* a file descriptor, passed with SCM_RIGHTS */
	SIGNET_TYPE_ARRAY = 'a',     /* values of any types, in order */
	SIGNET_TYPE_DICTIONARY = 'm' /* string keys to values of any types */
} signet_type;

typedef struct signet_value {
	signet_type type;
	union {
		int32_t i32;
		int64_t i64;
		uint64_t u64;
		double f64;
		bool boolean;
		const char *string;       /* NUL-terminated; may be NULL */
		void *pointer;
		signet_instance *instance;
		struct {
			const void *data;
			size_t length;
		} buffer;
		int fd;
		struct {
			const struct signet_value *items;
			size_t count;
		} array;
		struct {
			const char *const *keys;
			const struct signet_value *values; /* values[i] belongs to keys[i] */
			size_t count;
		} dictionary;
	} as;
	void *owned_;                     /* what a result owns; private */
} signet_value;

#define SIGNET_INT32(v) ((signet_value){ .type = SIGNET_TYPE_INT32, .as.i32 = (v) })
#define SIGNET_INT64(v) ((signet_value){ .type = SIGNET_TYPE_INT64, .as.i64 = (v) })
#define SIGNET_UINT64(v) ((signet_value){ .type = SIGNET_TYPE_UINT64, .as.u64 = (v) })
#define SIGNET_DOUBLE(v) ((signet_value){ .type = SIGNET_TYPE_DOUBLE, .as.f64 = (v) })
#define SIGNET_BOOL(v) ((signet_value){ .type = SIGNET_TYPE_BOOL, .as.boolean = (v) })
#define SIGNET_STRING(v) ((signet_value){ .type = SIGNET_TYPE_STRING, .as.string = (v) })
#define SIGNET_POINTER(v) ((signet_value){ .type = SIGNET_TYPE_POINTER, .as.pointer = (v) })
#define SIGNET_INSTANCE(v) ((signet_value){ .type = SIGNET_TYPE_INSTANCE, .as.instance = (v) })
#define SIGNET_BUFFER(d, n) ((signet_value){ .type = SIGNET_TYPE_BUFFER, .as.buffer = { (d), (n) } })
#define SIGNET_FD(f) ((signet_value){ .type = SIGNET_TYPE_FD, .as.fd = (f) })
#define SIGNET_ARRAY(v, n) ((signet_value){ .type = SIGNET_TYPE_ARRAY, .as.array = { (v), (n) } })
#define SIGNET_DICTIONARY(k, v, n) \
	((signet_value){ .type = SIGNET_TYPE_DICTIONARY, .as.dictionary = { (k), (v), (n) } })

/* "int32", "string", ... for a type letter; NULL for a letter that is no type. */
SIGNET_EXPORT const char *signet_type_name(int type);

/*
 * Parses command-line text as a value of `type`: decimal integers (with
 * range checks; a leading '-' is refused for uint64), doubles (strtod,
 * finite), bool as true/false/1/0, string and buffer as the text itself
 * (borrowed, not copied), pointer as 0x-hex or "null". An instance, a file
 * descriptor, an array or a dictionary cannot be written as text. SIGNET_E_ARGUMENT_MISMATCH names the type and the
 * text; `*out` is written only on success.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_value_parse(signet_value *out, int type, const char *text,
	signet_error **err);

/*
 * Writes a value as text for people ("42", "3.5", "true", the string
 * itself, "<buffer of 3 bytes>", "0x7f..."), NUL-terminated and truncated
 * to `size`. Returns the length it wanted, like snprintf.
 */
SIGNET_EXPORT size_t signet_value_format(const signet_value *value, char *buf, size_t size);

/* Frees what a result owns and resets it to void. NULL is a no-op. */
SIGNET_EXPORT void signet_value_clear(signet_value *value);

SIGNET_END_DECLS

#endif /* SIGNET_VALUE_H */
