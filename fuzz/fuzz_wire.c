/* SPDX-License-Identifier: MIT */
/*
 * fuzz_wire.c - libFuzzer target for what a connection receives: bytes from
 * a peer, through sd-bus as a server reads them, into sg_wire_read_args().
 *
 * Per input: a socketpair; on one end an sd-bus server as a listener makes
 * one (sd_bus_set_fd, sd_bus_set_server, anonymous authentication,
 * descriptor passing, sd_bus_start). On the other end, the peer's side: a
 * fixed client authentication preamble (the SASL lines an sd-bus client
 * sends: a NUL byte, AUTH ANONYMOUS, NEGOTIATE_UNIX_FD, BEGIN), then the
 * input, then shutdown(SHUT_WR). No D-Bus framing is written here: sd-bus
 * itself cuts the bytes into messages and checks them.
 *
 * Input layout: data[0] is the descriptor plan, the rest the stream after
 * BEGIN. A message names its descriptors by index and they travel beside
 * the bytes (SCM_RIGHTS), so the first data[0] % WIRE_MAX_SENT descriptors
 * of a fixed palette (wire_palette.h: sealed memfds of several sizes,
 * half-sealed and unsealable ones, a pipe) go with the first byte of the
 * stream, and thus with its first message. Everything else is bytes.
 *
 * The server is processed (sd_bus_process, nonblocking, a bounded number
 * of rounds, writing more of the stream whenever the socket takes it)
 * until it fails or nothing is left. Every method call it yields goes to
 * sg_wire_read_args() with SIGNET_MESSAGE_MAX_ARGS and a fresh store, as a
 * connection decodes a call; every method return with 1, as a client
 * decodes a reply. Checked, aborting on any failure:
 * - only 0, SIGNET_E_PROTOCOL or SIGNET_E_NOMEM; an error object with the
 *   same code, and for SIGNET_E_PROTOCOL a message starting "malformed
 *   message:"; on failure the outputs untouched, on success no error;
 * - on success: at most max_args arguments; every value of a decodable
 *   type, nesting within SIGNET_MESSAGE_MAX_DEPTH, at most
 *   SIGNET_MESSAGE_MAX_VALUES values, every string NUL-terminated and all
 *   strings (keys included) within SIGNET_MESSAGE_MAX_BYTES, every buffer
 *   readable for its whole length (each byte is read), every descriptor
 *   open and close-on-exec, at most SIGNET_MESSAGE_MAX_FDS of them; after
 *   the store is freed, those descriptors are closed;
 * - decoding leaves no descriptor behind: /proc/self/fd counts the same
 *   before sg_wire_read_args() and after the store is freed, whatever the
 *   outcome;
 * - the authentication preamble is accepted (else the target is broken);
 * - nothing outlives the input: both socket ends are closed, and every
 *   descriptor open afterwards was open before, except copies of the
 *   palette entries sent, at most as many as were sent: sd-bus 252 leaks
 *   those when it drops an invalid message (check_leftovers() closes
 *   them; fuzz/README.md).
 * SIGNET_FUZZ_VERBOSE=1 prints what each message decoded to.
 * Also replayed over fuzz/corpus/wire under `make check`.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include <signet/connection.h>

#include "connection/wire.h"
#include "plugin/value_store.h"
#include "wire_palette.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/*
 * LeakSanitizer reads this (sanitizer_common's hook; without ASan it is
 * never called). sd-bus 252 drops an invalid message without freeing the
 * array of descriptors that came with it (bus_socket_read_message() grows
 * it with reallocarray(); bus_socket_make_message() forgets it on
 * -EBADMSG). Nothing on Signet's receiving path calls reallocarray(), so
 * this hides that leak and no other of ours. (Exported: the project builds
 * with -fvisibility=hidden, and the sanitizer runtime looks it up by name.)
 */
__attribute__((used, visibility("default"))) const char *__lsan_default_suppressions(void)
{
	return "leak:reallocarray\n";
}

/* The lines an sd-bus 252 client sends (bus-socket.c): ANONYMOUS with the hex trace string "anonymous". */
static const char preamble[] = "\0AUTH ANONYMOUS 616e6f6e796d6f7573\r\nNEGOTIATE_UNIX_FD\r\nBEGIN\r\n";

static int palette[WIRE_PALETTE_N];
static int palette_pipe_write = -1; /* kept open: the palette's pipe stays a live one */
static bool ready;
static bool verbose; /* SIGNET_FUZZ_VERBOSE=1: one line per decoded message, to see what a seed reaches */

static void die(const char *what)
{
	fprintf(stderr, "fuzz_wire: %s\n", what);
	abort();
}

static void setup(void)
{
	if (wire_palette_open(palette, &palette_pipe_write) != 0)
		die("cannot make the descriptor palette");
	const char *v = getenv("SIGNET_FUZZ_VERBOSE");
	verbose = v && *v && strcmp(v, "0") != 0;
	ready = true;
}

/* The open descriptors of this process (the listing's own excluded): their number, or -1. */
#define MAX_LISTED 4096
static int list_fds(int *out, int max)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int n = 0, self = dirfd(d);
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != self && n < max)
			out[n++] = atoi(e->d_name);
	closedir(d);
	return n;
}

static int count_fds(void)
{
	static int scratch[MAX_LISTED];
	return list_fds(scratch, MAX_LISTED);
}

static bool listed(const int *fds, int n, int fd)
{
	for (int i = 0; i < n; i++)
		if (fds[i] == fd)
			return true;
	return false;
}

/* Is `fd` another descriptor for the same file as palette entry `p`? */
static bool same_file(int fd, int p)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && fstat(p, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* ---- checking what was decoded ---- */

typedef struct tally {
	size_t values, bytes, buffer_bytes, fds;
	int fd_list[SIGNET_MESSAGE_MAX_FDS];
	volatile uint8_t sink; /* every buffer byte passes through here: a read, not optimised away */
} tally;

static void check_value(tally *t, const signet_value *v, unsigned depth)
{
	if (depth > SIGNET_MESSAGE_MAX_DEPTH)
		die("a value nested deeper than SIGNET_MESSAGE_MAX_DEPTH");
	t->values++;
	switch (v->type) {
	case SIGNET_TYPE_INT32:
	case SIGNET_TYPE_INT64:
	case SIGNET_TYPE_UINT64:
	case SIGNET_TYPE_DOUBLE:
	case SIGNET_TYPE_BOOL:
		break;
	case SIGNET_TYPE_STRING:
		if (!v->as.string)
			die("a NULL string");
		t->bytes += strlen(v->as.string); /* an unterminated string is an ASan report here */
		break;
	case SIGNET_TYPE_BUFFER: {
		if (v->as.buffer.length && !v->as.buffer.data)
			die("a buffer without data");
		if (v->as.buffer.length > SIGNET_SEALED_BUFFER_MAX)
			die("a buffer over SIGNET_SEALED_BUFFER_MAX");
		const volatile uint8_t *p = v->as.buffer.data;
		uint8_t x = 0;
		for (size_t i = 0; i < v->as.buffer.length; i++)
			x ^= p[i];
		t->sink ^= x;
		t->buffer_bytes += v->as.buffer.length;
		break;
	}
	case SIGNET_TYPE_FD:
		if (t->fds == SIGNET_MESSAGE_MAX_FDS)
			die("more than SIGNET_MESSAGE_MAX_FDS descriptors");
		if (v->as.fd < 3)
			die("a descriptor below 3");
		int flags = fcntl(v->as.fd, F_GETFD);
		if (flags < 0 || !(flags & FD_CLOEXEC))
			die("a descriptor that is not open, or not close-on-exec");
		t->fd_list[t->fds++] = v->as.fd;
		break;
	case SIGNET_TYPE_ARRAY:
		if (v->as.array.count && !v->as.array.items)
			die("an array without items");
		for (size_t i = 0; i < v->as.array.count; i++)
			check_value(t, &v->as.array.items[i], depth + 1);
		break;
	case SIGNET_TYPE_DICTIONARY:
		if (v->as.dictionary.count && (!v->as.dictionary.keys || !v->as.dictionary.values))
			die("a dictionary without keys or values");
		for (size_t i = 0; i < v->as.dictionary.count; i++) {
			if (!v->as.dictionary.keys[i])
				die("a NULL dictionary key");
			t->bytes += strlen(v->as.dictionary.keys[i]);
			check_value(t, &v->as.dictionary.values[i], depth + 1);
		}
		break;
	default:
		die("a value of a type that cannot be decoded");
	}
}

/* One message through the decoder, as a connection would (max_args: 64 for a call, 1 for a reply). */
static void decode(sd_bus_message *m, size_t max_args)
{
	int open_before = count_fds();
	sg_value_store *store = sg_value_store_new();
	if (!store)
		return;
	/* Outputs are written only on success (docs/conventions.md): watch them. */
	signet_value untouched_marker = { .type = SIGNET_TYPE_VOID };
	signet_value *args = &untouched_marker;
	size_t nargs = SIZE_MAX;
	signet_error *err = NULL;
	int rc = sg_wire_read_args(&args, &nargs, m, max_args, store, &err);
	tally t = { 0 };
	if (rc == 0) {
		if (err)
			die("success with an error object");
		if (nargs > max_args)
			die("more arguments than max_args");
		if (nargs && (!args || args == &untouched_marker))
			die("arguments not written");
		for (size_t i = 0; i < nargs; i++)
			check_value(&t, &args[i], 0);
		if (t.values > SIGNET_MESSAGE_MAX_VALUES)
			die("more than SIGNET_MESSAGE_MAX_VALUES values");
		if (t.bytes > SIGNET_MESSAGE_MAX_BYTES)
			die("more than SIGNET_MESSAGE_MAX_BYTES bytes of strings");
		/* Inline buffers count against the byte limit, sealed ones (one descriptor each) do not. */
		if (t.buffer_bytes > SIGNET_MESSAGE_MAX_BYTES - t.bytes +
			(uint64_t)SIGNET_MESSAGE_MAX_FDS * SIGNET_SEALED_BUFFER_MAX)
			die("more buffer bytes than the limits allow");
	} else {
		if (rc != SIGNET_E_PROTOCOL && rc != SIGNET_E_NOMEM) {
			fprintf(stderr, "fuzz_wire: code %d: %s\n", rc, err ? signet_error_message(err) : "(no error)");
			die("an undocumented code");
		}
		if (!err || signet_error_code(err) != rc)
			die("a failure without its error object");
		const char *msg = signet_error_message(err);
		if (rc == SIGNET_E_PROTOCOL && (!msg || strncmp(msg, "malformed message: ", 19) != 0))
			die("a protocol error not saying \"malformed message: \"");
		if (args != &untouched_marker || nargs != SIZE_MAX)
			die("outputs written on failure");
	}
	if (verbose)
		fprintf(stderr, "fuzz_wire: %s %s: %s\n", max_args == 1 ? "reply" : "call",
			sd_bus_message_get_member(m) ? sd_bus_message_get_member(m) : "-",
			rc ? signet_error_message(err) : "decoded");
	if (verbose && !rc)
		fprintf(stderr, "  %zu arguments, %zu values, %zu string bytes, %zu buffer bytes, %zu descriptors\n",
			nargs, t.values, t.bytes, t.buffer_bytes, t.fds);
	signet_error_free(err);
	sg_value_store_free(store);
	/* The store owned the descriptors it handed out: they are closed now. */
	for (size_t i = 0; i < t.fds; i++)
		if (fcntl(t.fd_list[i], F_GETFD) >= 0 || errno != EBADF)
			die("a decoded descriptor survived its store");
	/* Nor did decoding leave any other descriptor open, whether it succeeded or not. */
	if (count_fds() != open_before)
		die("decoding left a descriptor open");
}

/* ---- one input ---- */

/* Sends the next piece of the stream; the descriptors go with the first. Returns bytes sent, 0 when full, -1 when closed. */
static ssize_t send_piece(int fd, const uint8_t *p, size_t n, const int *fds, size_t nfds)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)p, .iov_len = n };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * WIRE_MAX_SENT)];
	} control;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds) {
		memset(&control, 0, sizeof control);
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	ssize_t k = sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (k < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	return k;
}

/* The server's end, as a listener sets up an accepted socket (taken over by the bus). */
static sd_bus *server_bus(int fd)
{
	/* Any fixed id: the server's GUID, sent in its "OK" line. */
	static const sd_id128_t id = { .bytes = { 0x5f, 0x19, 0x2e, 0xa0, 0x33, 0x4b, 0x47, 0x1c,
		0x9d, 0x62, 0x0e, 0x8a, 0xf1, 0x74, 0x25, 0xb6 } };
	sd_bus *bus = NULL;
	if (sd_bus_new(&bus) < 0)
		return NULL;
	if (sd_bus_set_fd(bus, fd, fd) < 0 || sd_bus_set_server(bus, 1, id) < 0 || sd_bus_set_anonymous(bus, 1) < 0 ||
	    sd_bus_negotiate_fds(bus, 1) < 0 || sd_bus_start(bus) < 0) {
		/* sd_bus_set_fd() took the descriptor: the bus closes it. */
		sd_bus_close_unref(bus);
		return NULL;
	}
	return bus;
}

/* How many palette descriptors go with the stream: none when there is no stream to carry them. */
static size_t descriptors_sent(const uint8_t *data, size_t size)
{
	return size > 1 ? data[0] % WIRE_MAX_SENT : 0;
}

static void run(const uint8_t *data, size_t size)
{
	size_t nfds = descriptors_sent(data, size);
	const uint8_t *stream = size ? data + 1 : data;
	size_t len = size ? size - 1 : 0;
	int fds[WIRE_MAX_SENT];
	for (size_t i = 0; i < nfds; i++)
		fds[i] = palette[i % WIRE_PALETTE_N];

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) != 0)
		die("socketpair");
	sd_bus *bus = server_bus(sv[0]);
	if (!bus) {
		close(sv[1]);
		/* sd-bus closed sv[0]; nothing else to undo. */
		return;
	}

	/* Authentication first, alone: sd-bus refuses descriptors received during it. */
	if (write(sv[1], preamble, sizeof preamble - 1) != (ssize_t)(sizeof preamble - 1))
		die("cannot write the preamble");
	int r = 0;
	for (int i = 0; i < 16 && (r = sd_bus_is_ready(bus)) == 0; i++)
		if (sd_bus_process(bus, NULL) < 0)
			break;
	if (r <= 0)
		die("the server did not accept the authentication preamble");

	/*
	 * Then the stream, written whenever the socket takes more (a large
	 * input outgrows the socket buffer), while the server reads. Every
	 * round either moves bytes or yields a message, so the bound is
	 * generous; it only stops a runaway loop.
	 */
	size_t off = 0;
	bool shut = false;
	size_t rounds = 1000 + 8 * len;
	for (size_t i = 0; i < rounds; i++) {
		if (!shut && off < len) {
			ssize_t k = send_piece(sv[1], stream + off, len - off, off ? NULL : fds, off ? 0 : nfds);
			if (k < 0)
				off = len; /* the server is gone: nothing more will be read */
			else
				off += (size_t)k;
		}
		if (!shut && off == len) {
			/* The peer is done: sd-bus sees the end of the stream after the last byte.
			 * (An empty stream sends no descriptors: no message could carry them.) */
			shutdown(sv[1], SHUT_WR);
			shut = true;
		}
		sd_bus_message *m = NULL;
		r = sd_bus_process(bus, &m);
		uint8_t type = 0;
		if (m && sd_bus_message_get_type(m, &type) >= 0) {
			/* A call as a connection decodes it; a return as a client decodes its reply. */
			if (type == SD_BUS_MESSAGE_METHOD_CALL)
				decode(m, SIGNET_MESSAGE_MAX_ARGS);
			else if (type == SD_BUS_MESSAGE_METHOD_RETURN)
				decode(m, 1);
		}
		sd_bus_message_unref(m);
		if (r < 0 || (r == 0 && shut))
			break;
	}

	/* Unread replies (sd-bus answers Peer.Ping itself) may sit in its queue: close, never flush. */
	sd_bus_close_unref(bus);
	close(sv[1]);
	if (fcntl(sv[0], F_GETFD) >= 0 || fcntl(sv[1], F_GETFD) >= 0)
		die("a socket end is still open");
}

/*
 * What the input left open. sd-bus 252 drops a message it finds invalid
 * (-EBADMSG in bus_socket_make_message()) without closing the descriptors
 * that came with it: those, copies of the palette entries sent, are
 * closed here (or the process would run out); anything else left open is
 * a leak, and fails.
 */
static void check_leftovers(const int *before, int nbefore, size_t nsent)
{
	static int after[MAX_LISTED];
	int nafter = list_fds(after, MAX_LISTED);
	if (nbefore < 0 || nafter < 0 || nbefore == MAX_LISTED || nafter == MAX_LISTED)
		die("cannot list /proc/self/fd");
	size_t dropped = 0;
	for (int i = 0; i < nafter; i++) {
		if (listed(before, nbefore, after[i]))
			continue;
		bool ours = false;
		for (size_t j = 0; j < nsent && j < WIRE_PALETTE_N && !ours; j++)
			ours = same_file(after[i], palette[j]);
		if (!ours || ++dropped > nsent)
			die("a descriptor leaked (open after the input, and not one sd-bus dropped with a message)");
		close(after[i]);
	}
	if (verbose && dropped)
		fprintf(stderr, "fuzz_wire: closed %zu descriptors sd-bus dropped with an invalid message\n", dropped);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready)
		setup();
	static int before[MAX_LISTED];
	int nbefore = list_fds(before, MAX_LISTED);
	run(data, size);
	check_leftovers(before, nbefore, descriptors_sent(data, size));
	return 0;
}
