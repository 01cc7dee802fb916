/* SPDX-License-Identifier: MIT */
/*
 * make_wire_seeds.c - writes the seed corpus of the `wire` fuzz target
 * (fuzz_wire.c): the bytes an sd-bus client sends for Signet's calls.
 *
 *   fuzz/make_wire_seeds OUTDIR
 *
 * Every seed is made by sd-bus itself: a client bus on one end of a
 * socketpair authenticates (this program answers its SASL lines from the
 * other end with "OK <guid>" and "AGREE_UNIX_FD", as an sd-bus server
 * would), sends one or more messages, and the bytes it writes after BEGIN
 * are recorded. Message bodies come from sg_wire_append_args() (what
 * Signet sends) or, for what Signet's encoder refuses to make (nesting
 * past the limit, 65 arguments, types Signet has no use for), from
 * sd-bus's own append calls. Nothing here writes D-Bus framing by hand.
 *
 * A seed file is one byte, the number of descriptors the target passes
 * beside the stream (fuzz_wire.c, wire_palette.h), then the recorded bytes.
 * Index i of a message's descriptors is palette entry i on the receiving
 * side, so a seed that wants, say, the half-sealed memfd as a sealed
 * buffer first appends descriptors for indexes 0..2. Only the first
 * message of a stream may carry descriptors (the target sends them with
 * the first byte). The program checks that the client's preamble is the
 * one fuzz_wire.c writes, and that each message carries the descriptors
 * it should.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include <signet/connection.h>

#include "connection/connection_internal.h"
#include "connection/wire.h"
#include "wire_palette.h"

static const char *outdir;
/* Any descriptor will do for the sender: the target passes its palette in their place. */
static int devnull = -1;

/* What the client must send first: the preamble fuzz_wire.c writes (the two must agree). */
static const char client_preamble[] = "\0AUTH ANONYMOUS 616e6f6e796d6f7573\r\nNEGOTIATE_UNIX_FD\r\nBEGIN\r\n";

static void fail(const char *what, int r)
{
	fprintf(stderr, "make_wire_seeds: %s%s%s\n", what, r ? ": " : "", r ? strerror(r < 0 ? -r : r) : "");
	exit(1);
}

/* ---- a client on a socketpair, and what it writes ---- */

typedef struct session {
	sd_bus *bus;
	int peer;          /* our end: reads what the client writes */
	uint8_t *bytes;    /* recorded after BEGIN */
	size_t n, cap;
	size_t fds;        /* descriptors received with them */
} session;

/* Reads whatever the client has written so far. */
static void drain(session *s, bool record)
{
	for (;;) {
		if (s->cap - s->n < 65536) {
			size_t cap = s->cap ? s->cap * 2 : 1u << 20;
			uint8_t *p = realloc(s->bytes, cap);
			if (!p)
				fail("out of memory", 0);
			s->bytes = p;
			s->cap = cap;
		}
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(int) * 64)];
		} control;
		struct iovec iov = { .iov_base = s->bytes + s->n, .iov_len = s->cap - s->n };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			.msg_controllen = sizeof control.buf };
		ssize_t k = recvmsg(s->peer, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (k <= 0)
			fail("reading from the client", k < 0 ? errno : 0);
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fds[64];
			memcpy(fds, CMSG_DATA(c), nfd * sizeof(int));
			for (size_t i = 0; i < nfd; i++)
				close(fds[i]); /* only their number is recorded: the target sends its own */
			s->fds += nfd;
		}
		if (record)
			s->n += (size_t)k;
	}
}

/* A client bus, authenticated against our fake server lines, nothing recorded yet. */
static void open_session(session *s)
{
	*s = (session){ .peer = -1 };
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		fail("socketpair", errno);
	s->peer = sv[1];
	if (fcntl(s->peer, F_SETFL, O_NONBLOCK) != 0)
		fail("fcntl", errno);
	int r = sd_bus_new(&s->bus);
	if (r >= 0)
		r = sd_bus_set_fd(s->bus, sv[0], sv[0]);
	if (r >= 0)
		r = sd_bus_set_anonymous(s->bus, 1);
	if (r >= 0)
		r = sd_bus_negotiate_fds(s->bus, 1);
	if (r >= 0)
		r = sd_bus_start(s->bus);
	if (r < 0)
		fail("starting the client bus", r);

	/* The client writes its SASL lines at once (sd-bus pipelines them up to BEGIN). */
	size_t want = sizeof client_preamble - 1;
	for (int i = 0; i < 100 && s->n < want; i++) {
		if (sd_bus_process(s->bus, NULL) < 0)
			fail("client authentication", 0);
		drain(s, true);
	}
	if (s->n != want || memcmp(s->bytes, client_preamble, want) != 0)
		fail("the client's preamble is not the one fuzz_wire.c sends", 0);
	s->n = 0;

	/* What an sd-bus server answers: its GUID, and yes to descriptor passing. */
	static const char answer[] = "OK 5f192ea0334b471c9d620e8af17425b6\r\nAGREE_UNIX_FD\r\n";
	if (write(s->peer, answer, sizeof answer - 1) != (ssize_t)(sizeof answer - 1))
		fail("answering the client", errno);
	for (int i = 0; i < 100 && (r = sd_bus_is_ready(s->bus)) == 0; i++)
		if (sd_bus_process(s->bus, NULL) < 0)
			break;
	if (r <= 0)
		fail("the client did not accept the answer", r);
	int can = sd_bus_can_send(s->bus, SD_BUS_TYPE_UNIX_FD);
	if (can <= 0)
		fail("the client cannot pass descriptors", can);
}

/* Sends m (reply expected, as a call does; or not, as a one-way message), recording the bytes. */
static void send_message(session *s, sd_bus_message *m, bool expect_reply)
{
	uint64_t cookie = 0;
	int r = sd_bus_send(s->bus, m, expect_reply ? &cookie : NULL);
	if (r < 0)
		fail("sd_bus_send", r);
	/* Large messages outgrow the socket buffer: read while the client writes. */
	for (;;) {
		uint64_t queued = 0;
		r = sd_bus_get_n_queued_write(s->bus, &queued);
		if (r < 0)
			fail("sd_bus_get_n_queued_write", r);
		drain(s, true);
		if (!queued)
			break;
		if (sd_bus_process(s->bus, NULL) < 0)
			fail("sd_bus_process", 0);
	}
	drain(s, true);
}

static void write_seed(const char *name, size_t nfds, const uint8_t *bytes, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", outdir, name);
	FILE *f = fopen(path, "wbe");
	uint8_t plan = (uint8_t)nfds;
	if (!f || fwrite(&plan, 1, 1, f) != 1 || (n && fwrite(bytes, 1, n, f) != n) || fclose(f) != 0)
		fail(path, errno);
	printf("%-28s %zu descriptors, %zu bytes\n", name, nfds, n + 1);
}

/* Writes the session's recording as seed `name` (checking the descriptor count) and closes it. */
static void close_session(session *s, const char *name, size_t fds)
{
	if (s->fds != fds) {
		fprintf(stderr, "make_wire_seeds: %s: %zu descriptors sent, %zu expected\n", name, s->fds, fds);
		exit(1);
	}
	if (name)
		write_seed(name, fds, s->bytes, s->n);
	sd_bus_close_unref(s->bus);
	close(s->peer);
	free(s->bytes);
}

static sd_bus_message *new_call(session *s, const char *method)
{
	sd_bus_message *m = NULL;
	int r = sd_bus_message_new_method_call(s->bus, &m, NULL, SG_BUS_PATH, SG_BUS_SERVICE_INTERFACE, method);
	if (r < 0)
		fail("sd_bus_message_new_method_call", r);
	return m;
}

static void append_args(sd_bus_message *m, const signet_value *args, size_t n)
{
	signet_error *err = NULL;
	if (sg_wire_append_args(m, args, n, true, &err) != 0) {
		fprintf(stderr, "make_wire_seeds: sg_wire_append_args: %s\n", signet_error_message(err));
		exit(1);
	}
}

static void check(int r, const char *what)
{
	if (r < 0)
		fail(what, r);
}

/* One call with Signet's encoding of `args`; `fds` descriptors in it. */
static void seed_call(const char *name, const signet_value *args, size_t n, size_t fds)
{
	session s;
	open_session(&s);
	sd_bus_message *m = new_call(&s, "Method");
	append_args(m, args, n);
	send_message(&s, m, true);
	sd_bus_message_unref(m);
	close_session(&s, name, fds);
}

/* ---- values ---- */

static uint8_t big[WIRE_SEALED_BIG_SIZE];   /* sent as a sealed memfd by the encoder */
static const uint8_t small[5] = { 0, 1, 0xfe, 0xff, 'x' };
static uint8_t inline256[256];

/* Nesting: `levels` arrays (or one-key dictionaries) around an int32; slots[] holds the levels. */
static signet_value nest(signet_value *slots, const char *const *key, unsigned levels, bool dict)
{
	signet_value v = SIGNET_INT32(16);
	for (unsigned i = 0; i < levels; i++) {
		slots[i] = v;
		v = dict ? SIGNET_DICTIONARY(key, &slots[i], 1) : SIGNET_ARRAY(&slots[i], 1);
	}
	return v;
}

/* The same one level deeper than the encoder allows, through sd-bus directly. */
static void append_raw_nest(sd_bus_message *m, unsigned levels, bool dict)
{
	for (unsigned i = 0; i < levels; i++) {
		if (dict) {
			check(sd_bus_message_open_container(m, 'v', "a{sv}"), "open");
			check(sd_bus_message_open_container(m, 'a', "{sv}"), "open");
			check(sd_bus_message_open_container(m, 'e', "sv"), "open");
			check(sd_bus_message_append_basic(m, 's', "k"), "append");
		} else {
			check(sd_bus_message_open_container(m, 'v', "av"), "open");
			check(sd_bus_message_open_container(m, 'a', "v"), "open");
		}
	}
	check(sd_bus_message_append(m, "v", "i", 17), "append");
	for (unsigned i = 0; i < levels; i++) {
		check(sd_bus_message_close_container(m), "close");
		check(sd_bus_message_close_container(m), "close");
		if (dict)
			check(sd_bus_message_close_container(m), "close");
	}
}

/* A call whose body is "av" holding what `fill` appends (sd-bus calls, no Signet encoder). */
typedef void (*raw_fill)(sd_bus_message *m, int arg);

static void seed_raw(const char *name, raw_fill fill, int arg, size_t fds)
{
	session s;
	open_session(&s);
	sd_bus_message *m = new_call(&s, "Method");
	check(sd_bus_message_open_container(m, 'a', "v"), "open");
	fill(m, arg);
	check(sd_bus_message_close_container(m), "close");
	send_message(&s, m, true);
	sd_bus_message_unref(m);
	close_session(&s, name, fds);
}

static void fill_nest_arrays(sd_bus_message *m, int levels) { append_raw_nest(m, (unsigned)levels, false); }
static void fill_nest_dicts(sd_bus_message *m, int levels) { append_raw_nest(m, (unsigned)levels, true); }

static void fill_int32s(sd_bus_message *m, int n)
{
	for (int i = 0; i < n; i++)
		check(sd_bus_message_append(m, "v", "i", i), "append");
}

/* `n` descriptors (indexes 0..n-1) as plain fd arguments. */
static void fill_fds(sd_bus_message *m, int n)
{
	for (int i = 0; i < n; i++)
		check(sd_bus_message_append(m, "v", "h", devnull), "append");
}

/*
 * A sealed buffer naming descriptor index `idx` (palette entry idx on the
 * receiving side), after idx plain fd arguments that take indexes 0..idx-1.
 * The length announced is the palette entry's size, except where noted.
 */
static void append_sealed_ref(sd_bus_message *m, int idx, uint64_t len)
{
	fill_fds(m, idx);
	check(sd_bus_message_append(m, "v", "(ht)", devnull, len), "append");
}
static void fill_sealed_small(sd_bus_message *m, int x) { append_sealed_ref(m, WIRE_FD_SEALED_SMALL, WIRE_SMALL_SIZE); }
static void fill_sealed_half(sd_bus_message *m, int x) { append_sealed_ref(m, WIRE_FD_HALF_SEALED, WIRE_SMALL_SIZE); }
static void fill_sealed_empty(sd_bus_message *m, int x) { append_sealed_ref(m, WIRE_FD_SEALED_EMPTY, 0); }
static void fill_sealed_huge(sd_bus_message *m, int x)
{
	append_sealed_ref(m, WIRE_FD_SEALED_HUGE, (uint64_t)SIGNET_SEALED_BUFFER_MAX + 1);
}
static void fill_sealed_no_sealing(sd_bus_message *m, int x)
{
	append_sealed_ref(m, WIRE_FD_NO_SEALING, WIRE_SMALL_SIZE);
}
static void fill_sealed_pipe(sd_bus_message *m, int x) { append_sealed_ref(m, WIRE_FD_PIPE, 0); }
static void fill_sealed_wrong_size(sd_bus_message *m, int x)
{
	append_sealed_ref(m, WIRE_FD_SEALED_BIG, WIRE_SEALED_BIG_SIZE - 1);
}

/* Variants of types Signet does not decode. */
static void fill_variant_byte(sd_bus_message *m, int x) { check(sd_bus_message_append(m, "v", "y", 7), "append"); }
static void fill_variant_strv(sd_bus_message *m, int x)
{
	check(sd_bus_message_append(m, "v", "as", 2, "a", "b"), "append");
}
static void fill_variant_struct(sd_bus_message *m, int x)
{
	check(sd_bus_message_append(m, "v", "(is)", 1, "x"), "append");
}
static void fill_dict_int_keys(sd_bus_message *m, int x)
{
	check(sd_bus_message_append(m, "v", "a{iv}", 1, 5, "b", 1), "append");
}

/* A call whose body is not "av" at all. */
static void seed_body(const char *name, const char *types)
{
	session s;
	open_session(&s);
	sd_bus_message *m = new_call(&s, "Method");
	if (!strcmp(types, "s"))
		check(sd_bus_message_append(m, "s", "not an av"), "append");
	else if (!strcmp(types, "avs"))
		check(sd_bus_message_append(m, "avs", 1, "i", 1, "trailing"), "append");
	else if (!strcmp(types, "ai"))
		check(sd_bus_message_append(m, "ai", 2, 1, 2), "append");
	send_message(&s, m, true);
	sd_bus_message_unref(m);
	close_session(&s, name, 0);
}

/* An array of `n` bools as the only argument: 1 + n values. */
static void seed_many_values(const char *name, size_t n)
{
	signet_value *items = calloc(n, sizeof *items);
	if (!items)
		fail("out of memory", 0);
	for (size_t i = 0; i < n; i++)
		items[i] = SIGNET_BOOL(i & 1);
	signet_value arg = SIGNET_ARRAY(items, n);
	seed_call(name, &arg, 1, 0);
	free(items);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		fail("/dev/null", errno);
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7);
	for (size_t i = 0; i < sizeof inline256; i++)
		inline256[i] = (uint8_t)i;

	/* Every type in one call. The sealed buffer takes index 0 (palette: the sealed
	 * 70000-byte memfd), the descriptor index 1 (the pipe). */
	static const char *const keys[] = { "a", "b" };
	signet_value inner[2] = { SIGNET_INT32(1), SIGNET_STRING("two") };
	signet_value dict_values[2] = { SIGNET_BOOL(false), SIGNET_ARRAY(NULL, 0) };
	const signet_value all[] = {
		SIGNET_INT32(-7), SIGNET_INT64(INT64_MIN), SIGNET_UINT64(UINT64_MAX), SIGNET_DOUBLE(3.5),
		SIGNET_BOOL(true), SIGNET_STRING("h\xc3\xa9llo"), SIGNET_BUFFER(small, sizeof small),
		SIGNET_BUFFER(big, sizeof big), SIGNET_FD(devnull), SIGNET_ARRAY(inner, 2),
		SIGNET_DICTIONARY(keys, dict_values, 2),
	};
	seed_call("call-types-all", all, sizeof all / sizeof all[0], 2);
	seed_call("call-no-args", NULL, 0, 0);

	/* One type each. */
	static const struct { const char *name; size_t index, fds; } one[] = {
		{ "type-int32", 0, 0 }, { "type-int64", 1, 0 }, { "type-uint64", 2, 0 }, { "type-double", 3, 0 },
		{ "type-bool", 4, 0 }, { "type-string", 5, 0 }, { "type-buffer", 6, 0 }, { "type-sealed-buffer", 7, 1 },
		{ "type-fd", 8, 1 }, { "type-array", 9, 0 }, { "type-dictionary", 10, 0 },
	};
	for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
		seed_call(one[i].name, &all[one[i].index], 1, one[i].fds);
	const signet_value empty_string = SIGNET_STRING(""), empty_buffer = SIGNET_BUFFER(NULL, 0);
	seed_call("string-empty", &empty_string, 1, 0);
	seed_call("buffer-empty", &empty_buffer, 1, 0);
	const signet_value buf256 = SIGNET_BUFFER(inline256, sizeof inline256);
	seed_call("buffer-inline-256", &buf256, 1, 0);

	/* Nesting: at the limit through the encoder, one beyond through sd-bus. */
	signet_value slots[SIGNET_MESSAGE_MAX_DEPTH];
	static const char *const k1[] = { "k" };
	signet_value deep = nest(slots, k1, SIGNET_MESSAGE_MAX_DEPTH, false);
	seed_call("depth-16-arrays", &deep, 1, 0);
	deep = nest(slots, k1, SIGNET_MESSAGE_MAX_DEPTH, true);
	seed_call("depth-16-dicts", &deep, 1, 0);
	seed_raw("depth-17-arrays", fill_nest_arrays, SIGNET_MESSAGE_MAX_DEPTH + 1, 0);
	seed_raw("depth-17-dicts", fill_nest_dicts, SIGNET_MESSAGE_MAX_DEPTH + 1, 0);

	/* Argument count. */
	signet_value many[SIGNET_MESSAGE_MAX_ARGS];
	for (int i = 0; i < SIGNET_MESSAGE_MAX_ARGS; i++)
		many[i] = SIGNET_INT32(i);
	seed_call("args-64", many, SIGNET_MESSAGE_MAX_ARGS, 0);
	seed_raw("args-65", fill_int32s, SIGNET_MESSAGE_MAX_ARGS + 1, 0);

	/* Values: an array at the limit (1 + 65535), and one over. */
	seed_many_values("values-65536", SIGNET_MESSAGE_MAX_VALUES - 1);
	seed_many_values("values-65537", SIGNET_MESSAGE_MAX_VALUES);

	/* Descriptors: at the limit and one over. */
	seed_raw("fds-16", fill_fds, SIGNET_MESSAGE_MAX_FDS, SIGNET_MESSAGE_MAX_FDS);
	seed_raw("fds-17", fill_fds, SIGNET_MESSAGE_MAX_FDS + 1, SIGNET_MESSAGE_MAX_FDS + 1);

	/* Sealed buffers naming each kind of palette descriptor. */
	seed_raw("sealed-small", fill_sealed_small, 0, WIRE_FD_SEALED_SMALL + 1);
	seed_raw("sealed-empty", fill_sealed_empty, 0, WIRE_FD_SEALED_EMPTY + 1);
	seed_raw("sealed-half-sealed", fill_sealed_half, 0, WIRE_FD_HALF_SEALED + 1);
	seed_raw("sealed-over-max", fill_sealed_huge, 0, WIRE_FD_SEALED_HUGE + 1);
	seed_raw("sealed-unsealable", fill_sealed_no_sealing, 0, WIRE_FD_NO_SEALING + 1);
	seed_raw("sealed-pipe", fill_sealed_pipe, 0, WIRE_FD_PIPE + 1);
	seed_raw("sealed-wrong-size", fill_sealed_wrong_size, 0, 1);

	/* Types Signet does not decode, and bodies that are not "av". */
	seed_raw("variant-byte", fill_variant_byte, 0, 0);
	seed_raw("variant-strv", fill_variant_strv, 0, 0);
	seed_raw("variant-struct", fill_variant_struct, 0, 0);
	seed_raw("dict-int-keys", fill_dict_int_keys, 0, 0);
	seed_body("body-s", "s");
	seed_body("body-avs", "avs");
	seed_body("body-ai", "ai");
	seed_body("body-empty", "");

	/* Streams of several messages. */
	{
		/* Two calls; the first carries the descriptors. */
		session s;
		open_session(&s);
		sd_bus_message *m = new_call(&s, "Method");
		append_args(m, all, sizeof all / sizeof all[0]);
		send_message(&s, m, true);
		sd_bus_message_unref(m);
		m = new_call(&s, "Other");
		append_args(m, many, SIGNET_MESSAGE_MAX_ARGS);
		send_message(&s, m, false); /* one-way, as signet_connection_send() */
		sd_bus_message_unref(m);
		close_session(&s, "two-calls", 2);
	}
	{
		/* sd-bus answers Peer.Ping itself; then a call. */
		session s;
		open_session(&s);
		sd_bus_message *m = NULL;
		check(sd_bus_message_new_method_call(s.bus, &m, NULL, SG_BUS_PATH, "org.freedesktop.DBus.Peer", "Ping"),
			"new call");
		send_message(&s, m, true);
		sd_bus_message_unref(m);
		m = new_call(&s, "Method");
		append_args(m, &all[5], 1);
		send_message(&s, m, true);
		sd_bus_message_unref(m);
		close_session(&s, "ping-then-call", 0);
	}
	{
		/* A call, then replies to it: one value (what a reply may hold), then two. */
		session s;
		open_session(&s);
		sd_bus_message *call = new_call(&s, "Method");
		append_args(call, &all[0], 1);
		send_message(&s, call, true);
		sd_bus_message *reply = NULL;
		check(sd_bus_message_new_method_return(call, &reply), "new return");
		append_args(reply, &all[5], 1);
		send_message(&s, reply, false);
		sd_bus_message_unref(reply);
		check(sd_bus_message_new_method_return(call, &reply), "new return");
		append_args(reply, &all[0], 2);
		send_message(&s, reply, false);
		sd_bus_message_unref(reply);
		sd_bus_message_unref(call);
		close_session(&s, "call-then-replies", 0);
	}
	{
		/* A signal with an "av" body: not a call, never decoded. */
		session s;
		open_session(&s);
		sd_bus_message *m = NULL;
		check(sd_bus_message_new_signal(s.bus, &m, SG_BUS_PATH, SG_BUS_HANDSHAKE_INTERFACE, "Refused"), "signal");
		append_args(m, &all[5], 1);
		send_message(&s, m, false);
		sd_bus_message_unref(m);
		close_session(&s, "signal-av", 0);
	}

	/* Truncated and mismatched copies, made from the recordings above. */
	{
		session s;
		open_session(&s);
		sd_bus_message *m = new_call(&s, "Method");
		append_args(m, all, sizeof all / sizeof all[0]);
		send_message(&s, m, true);
		sd_bus_message_unref(m);
		write_seed("cut-types-all-half", 2, s.bytes, s.n / 2);
		write_seed("cut-types-all-minus-1", 2, s.bytes, s.n - 1);
		write_seed("cut-types-all-header", 2, s.bytes, 16);
		/* The message declares 2 descriptors: none, or 3, arrive with it. */
		write_seed("fds-missing", 0, s.bytes, s.n);
		write_seed("fds-one-extra", 3, s.bytes, s.n);
		close_session(&s, NULL, 2);
	}
	{
		session s;
		open_session(&s);
		sd_bus_message *m = new_call(&s, "Method");
		deep = nest(slots, k1, SIGNET_MESSAGE_MAX_DEPTH, false);
		append_args(m, &deep, 1);
		send_message(&s, m, true);
		sd_bus_message_unref(m);
		write_seed("cut-depth-16-minus-1", 0, s.bytes, s.n - 1);
		close_session(&s, NULL, 0);
	}
	write_seed("empty-stream", 0, NULL, 0);
	return 0;
}
