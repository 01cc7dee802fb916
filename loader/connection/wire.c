/* SPDX-License-Identifier: MIT */
/* wire.c - signet_values as D-Bus variants, with Signet's limits on what is received. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <signet/connection.h>

#include "connection/wire.h"
#include "core/array.h"
#include "core/error_internal.h"

#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

/* ---- sending ---- */

static int cannot_travel(signet_error **err, size_t arg, const char *why)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_ARGUMENT_MISMATCH, .check = "connection.argument" },
		"argument %zu cannot travel to another process: %s", arg + 1, why);
}

static int bus_fail(signet_error **err, int r, const char *what)
{
	return sg_fail(err, &(sg_error_info){ .code = r == -ENOMEM ? SIGNET_E_NOMEM : SIGNET_E_ARGUMENT_MISMATCH,
		.check = "connection.argument", .os_errno = -r }, "%s: %s", what, strerror(-r));
}

/* A large buffer becomes a sealed memfd: the receiver maps it, and no one can change it meanwhile. */
static int append_sealed(sd_bus_message *m, const void *data, size_t len, signet_error **err)
{
	int fd = memfd_create("signet-buffer", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .check = "connection.argument",
			.os_errno = errno }, "cannot create a memfd for a buffer: %s", strerror(errno));
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, (const char *)data + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	int r = done == len && fcntl(fd, F_ADD_SEALS, SEALS) == 0 ? 0 : -errno;
	if (!r)
		r = sd_bus_message_append(m, "v", "(ht)", fd, (uint64_t)len); /* sd-bus keeps its own duplicate */
	close(fd);
	return r < 0 ? bus_fail(err, r, "cannot pass a buffer as a sealed memfd") : 0;
}

/* Which argument a value belongs to (for messages), and whether descriptors travel. */
typedef struct argument {
	size_t index;
	bool fds;
} argument;

static int append_value(sd_bus_message *m, const signet_value *v, const argument *arg, unsigned depth,
	signet_error **err);

static int append_array(sd_bus_message *m, const signet_value *v, const argument *arg, unsigned depth,
	signet_error **err)
{
	if (v->as.array.count && !v->as.array.items)
		return cannot_travel(err, arg->index, "an array without items");
	int r = sd_bus_message_open_container(m, SD_BUS_TYPE_VARIANT, "av");
	if (r >= 0)
		r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "v");
	if (r < 0)
		return bus_fail(err, r, "cannot append an array");
	for (size_t i = 0; i < v->as.array.count; i++) {
		int rc = append_value(m, &v->as.array.items[i], arg, depth + 1, err);
		if (rc)
			return rc;
	}
	r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r < 0 ? bus_fail(err, r, "cannot append an array") : 0;
}

static int append_dictionary(sd_bus_message *m, const signet_value *v, const argument *arg, unsigned depth,
	signet_error **err)
{
	if (v->as.dictionary.count && (!v->as.dictionary.keys || !v->as.dictionary.values))
		return cannot_travel(err, arg->index, "a dictionary without keys or values");
	int r = sd_bus_message_open_container(m, SD_BUS_TYPE_VARIANT, "a{sv}");
	if (r >= 0)
		r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
	for (size_t i = 0; r >= 0 && i < v->as.dictionary.count; i++) {
		if (!v->as.dictionary.keys[i])
			return cannot_travel(err, arg->index, "a dictionary key that is NULL");
		r = sd_bus_message_open_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv");
		if (r >= 0)
			r = sd_bus_message_append_basic(m, SD_BUS_TYPE_STRING, v->as.dictionary.keys[i]);
		if (r < 0)
			break;
		int rc = append_value(m, &v->as.dictionary.values[i], arg, depth + 1, err);
		if (rc)
			return rc;
		r = sd_bus_message_close_container(m);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r < 0 ? bus_fail(err, r, "cannot append a dictionary (a key that is not UTF-8?)") : 0;
}

static int append_value(sd_bus_message *m, const signet_value *v, const argument *arg, unsigned depth,
	signet_error **err)
{
	if (depth > SIGNET_MESSAGE_MAX_DEPTH)
		return cannot_travel(err, arg->index, "arrays and dictionaries nested too deep");
	int r = 0;
	switch (v->type) {
	case SIGNET_TYPE_INT32: r = sd_bus_message_append(m, "v", "i", v->as.i32); break;
	case SIGNET_TYPE_INT64: r = sd_bus_message_append(m, "v", "x", v->as.i64); break;
	case SIGNET_TYPE_UINT64: r = sd_bus_message_append(m, "v", "t", v->as.u64); break;
	case SIGNET_TYPE_DOUBLE: r = sd_bus_message_append(m, "v", "d", v->as.f64); break;
	case SIGNET_TYPE_BOOL: r = sd_bus_message_append(m, "v", "b", (int)v->as.boolean); break;
	case SIGNET_TYPE_STRING:
		if (!v->as.string)
			return cannot_travel(err, arg->index, "a NULL string");
		r = sd_bus_message_append(m, "v", "s", v->as.string);
		if (r < 0)
			return bus_fail(err, r, "a string that is not UTF-8 (or holds no text) cannot travel");
		break;
	case SIGNET_TYPE_BUFFER:
		if (v->as.buffer.length && !v->as.buffer.data)
			return cannot_travel(err, arg->index, "a buffer without data");
		if (v->as.buffer.length > SIGNET_SEALED_BUFFER_MAX)
			return cannot_travel(err, arg->index, "a buffer larger than SIGNET_SEALED_BUFFER_MAX");
		if (v->as.buffer.length > SG_WIRE_INLINE_MAX && arg->fds)
			return append_sealed(m, v->as.buffer.data, v->as.buffer.length, err);
		if (v->as.buffer.length > SG_WIRE_INLINE_ONLY_MAX)
			return cannot_travel(err, arg->index, "a buffer over 64 MiB travels only as a sealed memfd, and "
				"descriptors do not travel on this connection (pass_fds)");
		r = sd_bus_message_open_container(m, SD_BUS_TYPE_VARIANT, "ay");
		if (r >= 0)
			r = sd_bus_message_append_array(m, 'y', v->as.buffer.length ? v->as.buffer.data : "",
				v->as.buffer.length);
		if (r >= 0)
			r = sd_bus_message_close_container(m);
		break;
	case SIGNET_TYPE_FD:
		if (!arg->fds)
			return cannot_travel(err, arg->index, "descriptors do not travel on this connection (pass_fds is "
				"off at one end)");
		r = sd_bus_message_append(m, "v", "h", v->as.fd);
		if (r < 0)
			return bus_fail(err, r, "a descriptor that cannot be passed");
		break;
	case SIGNET_TYPE_ARRAY: return append_array(m, v, arg, depth, err);
	case SIGNET_TYPE_DICTIONARY: return append_dictionary(m, v, arg, depth, err);
	case SIGNET_TYPE_POINTER: return cannot_travel(err, arg->index, "a pointer means nothing in another process");
	case SIGNET_TYPE_INSTANCE: return cannot_travel(err, arg->index, "an instance lives in this process only");
	default: return cannot_travel(err, arg->index, "not a value type");
	}
	return r < 0 ? bus_fail(err, r, "cannot append a value") : 0;
}

int sg_wire_append_args(sd_bus_message *m, const signet_value *args, size_t nargs, bool fds, signet_error **err)
{
	if (nargs > SIGNET_MESSAGE_MAX_ARGS)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_ARGUMENT_MISMATCH, .check = "connection.argument" },
			"%zu arguments: at most %d travel in one call", nargs, SIGNET_MESSAGE_MAX_ARGS);
	int r = sd_bus_message_open_container(m, SD_BUS_TYPE_ARRAY, "v");
	if (r < 0)
		return bus_fail(err, r, "cannot build the message");
	for (size_t i = 0; i < nargs; i++) {
		int rc = append_value(m, &args[i], &(argument){ .index = i, .fds = fds }, 0, err);
		if (rc)
			return rc;
	}
	r = sd_bus_message_close_container(m);
	return r < 0 ? bus_fail(err, r, "cannot build the message") : 0;
}

/* ---- receiving ---- */

typedef struct reader {
	sd_bus_message *m;
	sg_value_store *store;
	size_t values, bytes, fds;
	signet_error **err;
} reader;

static int protocol(reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int protocol(reader *rd, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return sg_fail(rd->err, &(sg_error_info){ .code = SIGNET_E_PROTOCOL, .check = "connection.message" },
		"malformed message: %s", what);
}

static int nomem(reader *rd)
{
	return sg_fail_code(rd->err, SIGNET_E_NOMEM, "out of memory decoding a message");
}

/* sd-bus refused what we asked it to read: the message is not what its signature says. */
static int bus_read_failed(reader *rd, int r)
{
	return r == -ENOMEM ? nomem(rd) : protocol(rd, "cannot be decoded (%s)", strerror(-r));
}

static int count_bytes(reader *rd, size_t n)
{
	if (n > SIGNET_MESSAGE_MAX_BYTES - rd->bytes)
		return protocol(rd, "more than %u bytes of strings and buffers", SIGNET_MESSAGE_MAX_BYTES);
	rd->bytes += n;
	return 0;
}

static int read_value(reader *rd, signet_value *out, unsigned depth);

static int read_basic(reader *rd, signet_value *out, char type)
{
	union {
		int32_t i;
		int64_t x;
		uint64_t t;
		double d;
		int b;
		const char *s;
	} u;
	int r = sd_bus_message_read_basic(rd->m, type, &u);
	if (r < 0)
		return bus_read_failed(rd, r);
	switch (type) {
	case 'i': *out = SIGNET_INT32(u.i); break;
	case 'x': *out = SIGNET_INT64(u.x); break;
	case 't': *out = SIGNET_UINT64(u.t); break;
	case 'd': *out = SIGNET_DOUBLE(u.d); break;
	case 'b': *out = SIGNET_BOOL(u.b != 0); break;
	case 's': {
		size_t n = strlen(u.s);
		int rc = count_bytes(rd, n);
		if (rc)
			return rc;
		char *copy = sg_value_store_strndup(rd->store, u.s, n);
		if (!copy)
			return nomem(rd);
		*out = SIGNET_STRING(copy);
		break;
	}
	}
	return 0;
}

static int read_inline_buffer(reader *rd, signet_value *out)
{
	const void *p = NULL;
	size_t n = 0;
	int r = sd_bus_message_read_array(rd->m, 'y', &p, &n);
	if (r < 0)
		return bus_read_failed(rd, r);
	int rc = count_bytes(rd, n);
	if (rc)
		return rc;
	void *copy = sg_value_store_alloc(rd->store, n);
	if (!copy)
		return nomem(rd);
	if (n)
		memcpy(copy, p, n);
	*out = SIGNET_BUFFER(copy, n);
	return 0;
}

/* A descriptor from the message (which keeps its own), duplicated into the store. */
static int take_fd(reader *rd, int *out)
{
	int fd = -1;
	int r = sd_bus_message_read_basic(rd->m, 'h', &fd);
	if (r < 0)
		return bus_read_failed(rd, r);
	if (rd->fds == SIGNET_MESSAGE_MAX_FDS)
		return protocol(rd, "more than %d file descriptors", SIGNET_MESSAGE_MAX_FDS);
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dup < 0)
		return sg_fail(rd->err, &(sg_error_info){ .code = SIGNET_E_IO, .check = "connection.message",
			.os_errno = errno }, "cannot keep a received descriptor: %s", strerror(errno));
	if (sg_value_store_add_fd(rd->store, dup) != 0)
		return nomem(rd);
	rd->fds++;
	*out = dup;
	return 0;
}

/*
 * A buffer that came as a memfd: only sealed against every change is it
 * mapped, so the sender cannot alter the bytes under the receiver's feet.
 */
static int read_sealed_buffer(reader *rd, signet_value *out)
{
	int r = sd_bus_message_enter_container(rd->m, SD_BUS_TYPE_STRUCT, "ht");
	if (r < 0)
		return bus_read_failed(rd, r);
	int fd = -1;
	int rc = take_fd(rd, &fd);
	if (rc)
		return rc;
	uint64_t len = 0;
	r = sd_bus_message_read_basic(rd->m, 't', &len);
	if (r >= 0)
		r = sd_bus_message_exit_container(rd->m);
	if (r < 0)
		return bus_read_failed(rd, r);
	int seals = fcntl(fd, F_GET_SEALS);
	struct stat st;
	if (seals < 0 || (seals & SEALS) != SEALS)
		return protocol(rd, "a buffer in a memfd that is not sealed against writes, shrinking and growing");
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != len)
		return protocol(rd, "a sealed buffer whose size is not the %llu bytes announced", (unsigned long long)len);
	if (len > SIGNET_SEALED_BUFFER_MAX)
		return protocol(rd, "a sealed buffer larger than %u bytes", SIGNET_SEALED_BUFFER_MAX);
	void *p = NULL;
	if (len) {
		p = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			return sg_fail(rd->err, &(sg_error_info){ .code = SIGNET_E_IO, .check = "connection.message",
				.os_errno = errno }, "cannot map a sealed buffer: %s", strerror(errno));
		if (sg_value_store_add_mapping(rd->store, p, (size_t)len) != 0)
			return nomem(rd);
	}
	*out = SIGNET_BUFFER(p, (size_t)len);
	return 0;
}

/* Reads elements into a temporary list, then one array in the store. */
typedef SG_ARRAY(signet_value) value_list;
typedef SG_ARRAY(const char *) key_list;

static int read_array(reader *rd, signet_value *out, unsigned depth)
{
	int r = sd_bus_message_enter_container(rd->m, SD_BUS_TYPE_ARRAY, "v");
	if (r < 0)
		return bus_read_failed(rd, r);
	value_list items = { 0 };
	int rc = 0;
	while (!rc && (r = sd_bus_message_at_end(rd->m, false)) == 0) {
		signet_value v;
		rc = read_value(rd, &v, depth + 1);
		if (!rc && sg_array_push(&items, v) != 0)
			rc = nomem(rd);
	}
	if (!rc && r < 0)
		rc = bus_read_failed(rd, r);
	if (!rc && (r = sd_bus_message_exit_container(rd->m)) < 0)
		rc = bus_read_failed(rd, r);
	signet_value *stored = rc ? NULL : sg_value_store_alloc(rd->store, items.n * sizeof *stored);
	if (!rc && !stored)
		rc = nomem(rd);
	if (!rc) {
		if (items.n)
			memcpy(stored, items.items, items.n * sizeof *stored);
		*out = SIGNET_ARRAY(stored, items.n);
	}
	sg_array_clear(&items);
	return rc;
}

static int read_dictionary(reader *rd, signet_value *out, unsigned depth)
{
	int r = sd_bus_message_enter_container(rd->m, SD_BUS_TYPE_ARRAY, "{sv}");
	if (r < 0)
		return bus_read_failed(rd, r);
	value_list values = { 0 };
	key_list keys = { 0 };
	int rc = 0;
	while (!rc && (r = sd_bus_message_at_end(rd->m, false)) == 0) {
		signet_value key, v;
		r = sd_bus_message_enter_container(rd->m, SD_BUS_TYPE_DICT_ENTRY, "sv");
		rc = r < 0 ? bus_read_failed(rd, r) : read_basic(rd, &key, 's');
		if (!rc)
			rc = read_value(rd, &v, depth + 1);
		if (!rc && (r = sd_bus_message_exit_container(rd->m)) < 0)
			rc = bus_read_failed(rd, r);
		if (!rc && (sg_array_push(&keys, key.as.string) != 0 || sg_array_push(&values, v) != 0))
			rc = nomem(rd);
	}
	if (!rc && r < 0)
		rc = bus_read_failed(rd, r);
	if (!rc && (r = sd_bus_message_exit_container(rd->m)) < 0)
		rc = bus_read_failed(rd, r);
	const char **k = rc ? NULL : sg_value_store_alloc(rd->store, keys.n * sizeof *k);
	signet_value *v = rc ? NULL : sg_value_store_alloc(rd->store, values.n * sizeof *v);
	if (!rc && (!k || !v))
		rc = nomem(rd);
	if (!rc) {
		if (keys.n) {
			memcpy(k, keys.items, keys.n * sizeof *k);
			memcpy(v, values.items, values.n * sizeof *v);
		}
		*out = SIGNET_DICTIONARY(k, v, keys.n);
	}
	sg_array_clear(&keys);
	sg_array_clear(&values);
	return rc;
}

/* One variant: exactly one of the types wire.h lists. */
static int read_value(reader *rd, signet_value *out, unsigned depth)
{
	if (depth > SIGNET_MESSAGE_MAX_DEPTH)
		return protocol(rd, "arrays and dictionaries nested deeper than %d", SIGNET_MESSAGE_MAX_DEPTH);
	if (++rd->values > SIGNET_MESSAGE_MAX_VALUES)
		return protocol(rd, "more than %d values", SIGNET_MESSAGE_MAX_VALUES);
	char type = 0;
	const char *contents = NULL;
	int r = sd_bus_message_peek_type(rd->m, &type, &contents);
	if (r < 0)
		return bus_read_failed(rd, r);
	if (r == 0 || type != SD_BUS_TYPE_VARIANT || !contents)
		return protocol(rd, "a value that is not a variant");
	r = sd_bus_message_enter_container(rd->m, SD_BUS_TYPE_VARIANT, contents);
	if (r < 0)
		return bus_read_failed(rd, r);
	int rc;
	if (strlen(contents) == 1 && strchr("ixtdbs", contents[0]))
		rc = read_basic(rd, out, contents[0]);
	else if (strcmp(contents, "ay") == 0)
		rc = read_inline_buffer(rd, out);
	else if (strcmp(contents, "(ht)") == 0)
		rc = read_sealed_buffer(rd, out);
	else if (strcmp(contents, "h") == 0) {
		int fd = -1;
		rc = take_fd(rd, &fd);
		if (!rc)
			*out = SIGNET_FD(fd);
	} else if (strcmp(contents, "av") == 0)
		rc = read_array(rd, out, depth);
	else if (strcmp(contents, "a{sv}") == 0)
		rc = read_dictionary(rd, out, depth);
	else
		rc = protocol(rd, "a value of D-Bus type \"%.32s\", which is none of Signet's", contents);
	if (!rc && (r = sd_bus_message_exit_container(rd->m)) < 0)
		rc = bus_read_failed(rd, r);
	return rc;
}

int sg_wire_read_args(signet_value **args, size_t *nargs, sd_bus_message *m, size_t max_args,
	sg_value_store *store, signet_error **err)
{
	reader rd = { .m = m, .store = store, .err = err };
	const char *sig = sd_bus_message_get_signature(m, true);
	if (!sig || strcmp(sig, "av") != 0)
		return protocol(&rd, "its body is \"%.32s\", not \"av\"", sig ? sig : "");
	int r = sd_bus_message_rewind(m, true);
	if (r < 0)
		return bus_read_failed(&rd, r);
	r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "v");
	if (r < 0)
		return bus_read_failed(&rd, r);
	value_list list = { 0 };
	int rc = 0;
	while (!rc && (r = sd_bus_message_at_end(m, false)) == 0) {
		signet_value v;
		if (list.n == max_args)
			rc = protocol(&rd, "more than %zu arguments", max_args);
		else
			rc = read_value(&rd, &v, 0);
		if (!rc && sg_array_push(&list, v) != 0)
			rc = nomem(&rd);
	}
	if (!rc && r < 0)
		rc = bus_read_failed(&rd, r);
	signet_value *stored = rc ? NULL : sg_value_store_alloc(store, list.n * sizeof *stored);
	if (!rc && !stored)
		rc = nomem(&rd);
	if (!rc) {
		if (list.n)
			memcpy(stored, list.items, list.n * sizeof *stored);
		*args = stored;
		*nargs = list.n;
	}
	sg_array_clear(&list);
	return rc;
}
