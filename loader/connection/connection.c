/* SPDX-License-Identifier: MIT */
/*
 * connection.c - a connection's states and checks, the filter every
 * incoming message passes, calls both ways, and the client's side of the
 * handshake (connection_internal.h describes the protocol).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "connection/after_auth.h"
#include "connection/connection_internal.h"
#include "connection/pair.h"
#include "connection/service.h"
#include "connection/wire.h"
#include "core/error_internal.h"
#include "policy/policy_internal.h"
#include "process/process_internal.h"

/* ---- states ---- */

static void tell(signet_connection *c, signet_connection_event handler)
{
	if (handler)
		handler(c, c->why, c->payload);
}

void sg_conn_invalidate(signet_connection *c, signet_error *why)
{
	if (c->state == SG_CONN_INVALID) {
		signet_error_free(why);
		return;
	}
	bool was_refusing = c->state == SG_CONN_REFUSING;
	signet_error_free(c->why);
	c->why = why;
	c->state = SG_CONN_INVALID;
	if (c->bus)
		sd_bus_close(c->bus);
	if (!was_refusing)
		tell(c, c->on_invalidated);
	if (c->listener)
		sg_listener_connection_ended(c->listener, c, c->why, was_refusing);
}

void sg_conn_interrupt(signet_connection *c, signet_error *why)
{
	if (c->state == SG_CONN_INVALID || c->state == SG_CONN_INTERRUPTED) {
		signet_error_free(why);
		return;
	}
	/* Before the handshake finished, an interruption is a failed connection. */
	if (c->state != SG_CONN_READY) {
		sg_conn_invalidate(c, why);
		return;
	}
	signet_error_free(c->why);
	c->why = why;
	c->state = SG_CONN_INTERRUPTED;
	if (c->bus)
		sd_bus_close(c->bus);
	tell(c, c->on_interrupted);
	if (c->listener)
		sg_listener_connection_ended(c->listener, c, c->why, false);
}

static signet_error *make_error(int code, const char *check, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static signet_error *make_error(int code, const char *check, const char *fmt, ...)
{
	signet_error *e = NULL;
	va_list ap;
	va_start(ap, fmt);
	sg_fail_v(&e, &(sg_error_info){ .code = code, .check = check }, fmt, ap);
	va_end(ap);
	return e;
}

/* The state's reason as a new error for the caller, or `code` with `text`. */
static int fail_with_state(const signet_connection *c, signet_error **err)
{
	int code = c->state == SG_CONN_INTERRUPTED ? SIGNET_E_CONNECTION_INTERRUPTED : SIGNET_E_CONNECTION_INVALID;
	return sg_fail(err, &(sg_error_info){ .code = code, .check = "connection.state",
		.cause = c->why ? sg_error_copy(c->why) : NULL }, "the connection %s: %s",
		code == SIGNET_E_CONNECTION_INTERRUPTED ? "was interrupted" : "is invalid",
		c->why ? signet_error_message(c->why) : "cancelled");
}

/* The connection ended while a call was under way. */
static int fail_during(const signet_connection *c, const char *method, signet_error **err)
{
	bool interrupted = c->state == SG_CONN_INTERRUPTED;
	return sg_fail(err, &(sg_error_info){ .code = interrupted ? SIGNET_E_CONNECTION_INTERRUPTED
		: SIGNET_E_CONNECTION_INVALID, .check = "connection.state", .expected = method,
		.cause = c->why ? sg_error_copy(c->why) : NULL }, interrupted ? "the peer went away during %s: %s"
		: "the connection became invalid during %s: %s", method, c->why ? signet_error_message(c->why)
		: "cancelled");
}

/* ---- the peer ---- */

int sg_conn_check_peer(const signet_connection *c, const signet_process *p, signet_error **err)
{
	int rc = signet_process_check(p, c->requirement, c->policy, err);
	if (rc || !c->team[0])
		return rc;
	/*
	 * The name's team: a squatter holding the path of another team's
	 * service is refused here. A peer the policy accepts by uid without an
	 * identity has no team to compare: the policy said so explicitly.
	 */
	if (signet_process_get_verdict(p) == SIGNET_PROCESS_UNKNOWN)
		return 0;
	const signet_identity *id = signet_process_identity(p);
	const char *team = id ? signet_identity_team(id) : NULL;
	if (team && strcmp(team, c->team) == 0)
		return 0;
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PEER_REFUSED, .check = "service.team",
		.expected = c->team, .actual = team ? team : "(none)" },
		"team: wanted %s, peer has %s (service %s; pid %d)", c->team, team ? team : "no team",
		c->name ? c->name : "", (int)signet_process_pid(p));
}

int sg_conn_recheck_peer(signet_connection *c, signet_error **err)
{
	if (!c->peer || !sg_process_exe_changed(c->peer))
		return 0;
	/* It exec()ed (or exited): who is it now? Nothing is delivered until that is known. */
	signet_process *now = NULL;
	int rc = signet_code_for_pidfd(&now, signet_process_pidfd(c->peer), c->policy, err);
	if (!rc)
		rc = sg_conn_check_peer(c, now, err);
	if (rc) {
		signet_process_free(now);
		return rc;
	}
	signet_process_free(c->peer);
	c->peer = now;
	return 0;
}

/* ---- messages on the wire ---- */

void sg_conn_send_refusal(signet_connection *c, const signet_error *why)
{
	const char *name = signet_code_name(signet_error_code(why));
	/*
	 * A server's refusal of a client follows the client's authentication
	 * at once: its text must not let a CR LF pair into the signal
	 * (after_auth.h). The text comes from every kind of check (paths in
	 * it are escaped, explanations can be long): made safe here, once.
	 */
	char text[SG_AFTER_AUTH_TEXT_MAX + 1];
	sg_after_auth_text(text, sizeof text, signet_error_message(why));
	(void)sd_bus_emit_signal(c->bus, SG_BUS_PATH, SG_BUS_HANDSHAKE_INTERFACE, "Refused", "ss",
		name ? name : "SIGNET_E_PEER_REFUSED", text);
}

static bool is_call(sd_bus_message *m, const char *interface, const char *member)
{
	return sd_bus_message_is_method_call(m, interface, member) > 0;
}

/* The client's side of the challenge: send the nonce back. */
static void answer_challenge(signet_connection *c, sd_bus_message *m)
{
	const void *nonce = NULL;
	size_t n = 0;
	int r = sd_bus_message_read_array(m, 'y', &nonce, &n);
	if (r < 0 || n != SG_NONCE_SIZE) {
		sg_conn_invalidate(c, make_error(SIGNET_E_PROTOCOL, "connection.handshake",
			"malformed message: the server's challenge is not %d bytes", SG_NONCE_SIZE));
		return;
	}
	sd_bus_message *reply = NULL;
	r = sd_bus_message_new_method_return(m, &reply);
	if (r >= 0)
		r = sd_bus_message_append_array(reply, 'y', nonce, n);
	if (r >= 0)
		r = sd_bus_send(c->bus, reply, NULL);
	sd_bus_message_unref(reply);
	if (r < 0) {
		sg_conn_invalidate(c, make_error(SIGNET_E_IO, "connection.handshake",
			"cannot answer the server's challenge: %s", strerror(-r)));
		return;
	}
	c->state = SG_CONN_READY;
}

/* The peer sent Refused(code, message): it will not talk to us, and says why. */
static void peer_refused(signet_connection *c, sd_bus_message *m)
{
	const char *code = NULL, *text = NULL;
	if (sd_bus_message_read(m, "ss", &code, &text) < 0)
		code = text = "(unreadable)";
	signet_error *e = NULL;
	sg_fail(&e, &(sg_error_info){ .code = SIGNET_E_PEER_REFUSED, .check = "connection.refused",
		.actual = code }, "the %s refused this connection: %s", c->server_side ? "client" : "server", text);
	if (!c->server_side) {
		signet_error_free(c->refusal);
		c->refusal = sg_error_copy(e);
	}
	sg_conn_invalidate(c, e);
}

/* A call from the peer: decode, hand to the handler, make sure it is answered. */
static void dispatch(signet_connection *c, sd_bus_message *m)
{
	signet_message msg = { .connection = c, .m = m };
	sg_value_store *store = sg_value_store_new();
	signet_error *e = NULL;
	int rc = store ? sg_wire_read_args(&msg.args, &msg.nargs, m, SIGNET_MESSAGE_MAX_ARGS, store, &e)
		: sg_fail_code(&e, SIGNET_E_NOMEM, "out of memory receiving a call");
	if (rc == SIGNET_E_PROTOCOL) {
		/* Malformed is never delivered, and a peer that sends it is not talked to again. */
		sg_value_store_free(store);
		sg_conn_invalidate(c, e);
		return;
	}
	bool expects = sd_bus_message_get_expect_reply(m) > 0;
	if (rc) {
		if (expects)
			(void)sd_bus_reply_method_errorf(m, SG_BUS_ERROR_PREFIX "Internal", "%s", signet_error_message(e));
		signet_error_free(e);
	} else if (!c->on_message) {
		if (expects)
			(void)sd_bus_reply_method_errorf(m, SG_BUS_ERROR_PREFIX "NoHandler",
				"this side takes no calls");
	} else {
		c->on_message(c, &msg, c->payload);
		if (expects && !msg.replied && c->state == SG_CONN_READY)
			(void)sd_bus_reply_method_errorf(m, SG_BUS_ERROR_PREFIX "NoReply",
				"the handler of %s returned without replying", sd_bus_message_get_member(m));
	}
	sg_value_store_free(store);
}

/*
 * A process that exits loses its address space (no executable, no
 * mappings) a moment before it becomes a zombie whose pidfd polls
 * readable. A check in that window finds it "not valid"; if it exits
 * within a short while, it was exiting, not turning into something else.
 */
#define EXITING_WAIT_MS 250

static bool peer_exiting(const signet_connection *c)
{
	if (!c->peer)
		return false;
	struct pollfd p = { signet_process_pidfd(c->peer), POLLIN, 0 };
	int n;
	do
		n = poll(&p, 1, EXITING_WAIT_MS);
	while (n < 0 && errno == EINTR);
	return n > 0;
}

/*
 * Every incoming message, before anything else sees it (replies to our own
 * calls are matched by sd-bus first). Returns 1: each is handled here.
 */
static int filter(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	(void)ret_error;
	signet_connection *c = userdata;
	if (c->state == SG_CONN_INVALID || c->state == SG_CONN_INTERRUPTED || c->state == SG_CONN_REFUSING)
		return 1;
	if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.Local", "Disconnected") > 0) {
		sg_conn_interrupt(c, make_error(SIGNET_E_CONNECTION_INTERRUPTED, "connection.peer",
			"the peer closed the connection (or exited)"));
		return 1;
	}
	if (sd_bus_message_is_signal(m, SG_BUS_HANDSHAKE_INTERFACE, "Refused") > 0) {
		peer_refused(c, m);
		return 1;
	}
	if (c->state == SG_CONN_HANDSHAKE) {
		if (!c->server_side && is_call(m, SG_BUS_HANDSHAKE_INTERFACE, "Challenge")) {
			answer_challenge(c, m);
			return 1;
		}
		/* Sent before the peer proved who it is: never read, never delivered. */
		sg_conn_invalidate(c, make_error(SIGNET_E_PROTOCOL, "connection.handshake",
			"malformed message: the peer sent a message before the handshake finished"));
		return 1;
	}
	/* Whatever it is, it counts as the peer's only if the peer is still who was checked. */
	signet_error *e = NULL;
	if (sg_conn_recheck_peer(c, &e) != 0) {
		/*
		 * Either way the message is dropped unread. A peer that has exited
		 * since (its last words may be in flight) interrupted the
		 * connection; one that is someone else now invalidated it.
		 */
		if (signet_error_code(e) != SIGNET_E_PROCESS_GONE && peer_exiting(c)) {
			signet_error *gone = make_error(SIGNET_E_PROCESS_GONE, "process.pidfd",
				"process %d exited (it was found without an address space while exiting: %s)",
				(int)signet_process_pid(c->peer), signet_error_message(e));
			signet_error_free(e);
			e = gone;
		}
		if (signet_error_code(e) == SIGNET_E_PROCESS_GONE)
			sg_conn_interrupt(c, e);
		else
			sg_conn_invalidate(c, e);
		return 1;
	}
	uint8_t type = 0;
	uint64_t cookie = 0;
	if (sd_bus_message_get_type(m, &type) >= 0 &&
	    (type == SD_BUS_MESSAGE_METHOD_RETURN || type == SD_BUS_MESSAGE_METHOD_ERROR) &&
	    sd_bus_message_get_reply_cookie(m, &cookie) >= 0) {
		for (sg_awaited *w = c->awaited; w; w = w->next)
			if (w->cookie == cookie && !w->reply) {
				w->reply = sd_bus_message_ref(m);
				break;
			}
		return 1; /* a late reply (its call timed out) or one for no call of ours: dropped */
	}
	if (is_call(m, SG_BUS_SERVICE_INTERFACE, NULL)) {
		dispatch(c, m);
	} else if (sd_bus_message_is_method_call(m, NULL, NULL) > 0) {
		(void)sd_bus_reply_method_errorf(m, "org.freedesktop.DBus.Error.UnknownMethod",
			"not a Signet service call");
	}
	/* Other signals: dropped. */
	return 1;
}

int sg_conn_bus_setup(signet_connection *c, int fd, bool server, const sd_id128_t *server_id, signet_error **err)
{
	int r = sd_bus_new(&c->bus);
	if (r < 0) {
		close(fd);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .check = "connection.bus",
			.os_errno = -r }, "cannot create the bus object: %s", strerror(-r));
	}
	r = sd_bus_set_fd(c->bus, fd, fd);
	if (r < 0)
		close(fd); /* not taken over */
	if (r >= 0 && server)
		r = sd_bus_set_server(c->bus, 1, *server_id);
	if (r >= 0)
		r = sd_bus_negotiate_fds(c->bus, c->pass_fds);
	if (r >= 0)
		r = sd_bus_add_filter(c->bus, NULL, filter, c);
	if (r >= 0)
		r = sd_bus_start(c->bus);
	if (r < 0)
		return sg_fail(err, &(sg_error_info){ .code = r == -ENOMEM ? SIGNET_E_NOMEM : SIGNET_E_IO,
			.check = "connection.bus", .os_errno = -r }, "cannot start the connection: %s", strerror(-r));
	return 0;
}

void sg_conn_destroy(signet_connection *c)
{
	if (!c)
		return;
	sd_bus_slot_unref(c->challenge);
	sd_event_source_disable_unref(c->deadline);
	if (c->bus) {
		sd_bus_flush_close_unref(c->bus);
		c->bus = NULL;
	}
	signet_process_free(c->peer);
	signet_error_free(c->why);
	signet_error_free(c->refusal);
	free(c->name);
	free(c->socket_path);
	free(c);
}

/* ---- the client's side ---- */

static uint64_t now_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/*
 * Runs the bus until `done(c, ctx)`, the deadline, or the end of the
 * connection. 0 when done; SIGNET_E_TIMEOUT without an error object (the
 * caller says what timed out); or the connection's state as the error,
 * "during" `during` when that is not NULL.
 */
static int run_until(signet_connection *c, bool (*done)(const signet_connection *c, const void *ctx),
	const void *ctx, uint64_t deadline, const char *during, signet_error **err)
{
	while (!done(c, ctx)) {
		if (c->state == SG_CONN_INVALID || c->state == SG_CONN_INTERRUPTED)
			return during ? fail_during(c, during, err) : fail_with_state(c, err);
		int r = sd_bus_process(c->bus, NULL);
		if (r < 0) {
			sg_conn_interrupt(c, make_error(SIGNET_E_CONNECTION_INTERRUPTED, "connection.peer",
				"the connection broke: %s", strerror(-r)));
			continue;
		}
		/* The deadline holds even while the peer keeps us busy: a peer that floods cannot stall a call. */
		uint64_t now = now_usec();
		if (now >= deadline)
			return SIGNET_E_TIMEOUT;
		if (r > 0)
			continue;
		r = sd_bus_wait(c->bus, deadline - now);
		if (r < 0 && r != -EINTR)
			sg_conn_interrupt(c, make_error(SIGNET_E_CONNECTION_INTERRUPTED, "connection.peer",
				"the connection broke: %s", strerror(-r)));
	}
	return 0;
}

static bool handshake_over(const signet_connection *c, const void *ctx)
{
	(void)ctx;
	return c->state != SG_CONN_HANDSHAKE;
}

static bool nothing_to_write(const signet_connection *c, const void *ctx)
{
	(void)ctx;
	uint64_t n = 0;
	return sd_bus_get_n_queued_write(c->bus, &n) < 0 || n == 0;
}

static bool replied(const signet_connection *c, const void *ctx)
{
	(void)c;
	return ((const sg_awaited *)ctx)->reply != NULL;
}

static bool server_hung_up(const signet_connection *c, const void *ctx)
{
	(void)ctx;
	return sd_bus_is_open(c->bus) <= 0;
}

/*
 * We refuse the server: it hears why, then the connection closes.
 * Meanwhile nothing the server sends is answered (REFUSING: its challenge
 * included). The refusal is written once the server has authenticated us
 * (it may still be inspecting us), and we close only when the server has
 * hung up: closing first could make the server fail a write before it
 * read why. A server that does neither (a squatter that is no Signet
 * service at all) costs at most SG_REFUSAL_WAIT_USEC.
 */
static void refuse_server(signet_connection *c, const signet_error *why)
{
	c->state = SG_CONN_REFUSING;
	sg_conn_send_refusal(c, why);
	uint64_t wait = c->timeout_usec < SG_REFUSAL_WAIT_USEC ? c->timeout_usec : SG_REFUSAL_WAIT_USEC;
	uint64_t deadline = now_usec() + wait;
	if (run_until(c, nothing_to_write, NULL, deadline, NULL, NULL) == 0)
		(void)run_until(c, server_hung_up, NULL, deadline, NULL, NULL);
}

/*
 * Connects (again) to c->socket_path and runs the client's handshake.
 * On failure the connection is invalid and the error says why.
 */
static int client_handshake(signet_connection *c, signet_error **err)
{
	int fd = -1;
	int rc = sg_service_connect(&fd, c->socket_path, err);
	if (rc)
		return rc;
	signet_process *peer = NULL;
	rc = signet_code_for_peer(&peer, fd, c->policy, err);
	if (rc) {
		close(fd);
		return rc;
	}
	signet_error *why = NULL;
	int refused = sg_conn_check_peer(c, peer, &why);
	c->peer = peer;
	c->state = SG_CONN_HANDSHAKE;
	rc = sg_conn_bus_setup(c, fd, false, NULL, err);
	if (rc) {
		signet_error_free(why);
		return rc;
	}
	if (refused) {
		/* Both sides learn the reason: the server from our Refused signal. */
		refuse_server(c, why);
		int code = signet_error_code(why);
		rc = sg_fail(err, &(sg_error_info){ .code = code, .path = c->socket_path,
			.check = signet_error_check(why), .expected = signet_error_expected(why),
			.actual = signet_error_actual(why), .cause = why }, "the server is refused: %s",
			signet_error_message(why));
		sg_conn_invalidate(c, make_error(code, "connection.refused", "this client refused the server"));
		return rc;
	}
	rc = run_until(c, handshake_over, NULL, now_usec() + c->timeout_usec, NULL, err);
	if (rc == SIGNET_E_TIMEOUT)
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_TIMEOUT, .path = c->socket_path,
			.check = "connection.handshake" }, "the server did not finish the handshake within %llu ms",
			(unsigned long long)(c->timeout_usec / 1000u));
	if (!rc && c->state != SG_CONN_READY)
		rc = fail_with_state(c, err);
	if (rc && c->refusal) {
		/* The server's own reason is the one to report. */
		if (err) {
			signet_error_free(*err);
			*err = sg_error_copy(c->refusal);
		}
		rc = SIGNET_E_PEER_REFUSED;
	}
	return rc;
}

static int resolve_policy(const signet_policy **policy, signet_error **err)
{
	return sg_policy_or_default(policy, NULL, err);
}

/* A connection object from the caller's options, not yet on any socket. */
static int conn_new(signet_connection **out, const signet_connection_options *opts, bool needs_policy,
	signet_error **err)
{
	signet_connection *c = calloc(1, sizeof *c);
	if (!c)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory connecting");
	signet_connection_options o = opts ? *opts : (signet_connection_options)SIGNET_CONNECTION_OPTIONS_INIT;
	c->policy = o.policy;
	c->requirement = o.requirement;
	c->timeout_usec = o.timeout_usec ? o.timeout_usec : SG_DEFAULT_TIMEOUT_USEC;
	c->pass_fds = o.pass_fds;
	c->on_message = o.on_message;
	c->on_invalidated = o.on_invalidated;
	c->on_interrupted = o.on_interrupted;
	c->payload = o.payload;
	int rc = needs_policy ? resolve_policy(&c->policy, err) : 0;
	if (rc) {
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

static int client_new(signet_connection **out, const char *path, const char *name,
	const signet_connection_options *opts, signet_error **err)
{
	if (!out || !path || (opts && opts->version != SIGNET_CONNECTION_OPTIONS_VERSION))
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT,
			"connecting needs an output, a path or name, and options of version %d",
			SIGNET_CONNECTION_OPTIONS_VERSION);
	signet_connection *c = NULL;
	int rc = conn_new(&c, opts, true, err);
	if (rc)
		return rc;
	if (name)
		rc = sg_service_name_check(name, c->team, err);
	if (!rc && (!(c->socket_path = strdup(path)) || (name && !(c->name = strdup(name)))))
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory connecting");
	if (!rc)
		rc = client_handshake(c, err);
	if (rc) {
		c->on_invalidated = c->on_interrupted = NULL; /* the caller learns it from `err` */
		sg_conn_destroy(c);
		return rc;
	}
	*out = c;
	return 0;
}

int signet_connect_path(signet_connection **out, const char *socket_path, const char *name,
	const signet_connection_options *opts, signet_error **err)
{
	return client_new(out, socket_path, name, opts, err);
}

int signet_connect(signet_connection **out, const char *name, const signet_connection_options *opts,
	signet_error **err)
{
	char *path = NULL;
	int rc = signet_service_path(&path, name, err);
	if (!rc)
		rc = client_new(out, path, name, opts, err);
	free(path);
	return rc;
}

/* ---- a parent and the child it started (pair.h) ---- */

static bool bus_ready(const signet_connection *c, const void *ctx)
{
	(void)ctx;
	return sd_bus_is_ready(c->bus) > 0;
}

int sg_connection_pair_parent(signet_connection **out, int fd, int child_pidfd,
	const signet_connection_options *opts, signet_error **err)
{
	signet_connection *c = NULL;
	int rc = conn_new(&c, opts, true, err);
	if (rc) {
		close(fd);
		return rc;
	}
	c->state = SG_CONN_HANDSHAKE;
	rc = sg_conn_bus_setup(c, fd, false, NULL, err);
	/*
	 * The child answers sd-bus's authentication only once it runs the
	 * helper: after exec. Inspecting it before then would judge the
	 * parent's own copy. Anything it sends before we are done is never
	 * delivered (the filter invalidates on it).
	 */
	if (!rc) {
		rc = run_until(c, bus_ready, NULL, now_usec() + c->timeout_usec, NULL, err);
		if (rc == SIGNET_E_TIMEOUT)
			rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_TIMEOUT, .check = "connection.handshake" },
				"the child process did not start talking within %llu ms",
				(unsigned long long)(c->timeout_usec / 1000u));
	}
	signet_process *peer = NULL;
	if (!rc)
		rc = signet_code_for_pidfd(&peer, child_pidfd, c->policy, err);
	if (!rc) {
		c->peer = peer;
		rc = sg_conn_check_peer(c, peer, err);
	}
	if (rc) {
		c->on_invalidated = c->on_interrupted = NULL;
		sg_conn_destroy(c);
		return rc;
	}
	c->state = SG_CONN_READY;
	*out = c;
	return 0;
}

int sg_connection_pair_child(signet_connection **out, int fd, const signet_connection_options *opts,
	signet_error **err)
{
	/*
	 * The peer must be the process that started us. A socketpair's
	 * credentials are its creator's, fixed when it was made: our parent,
	 * unless the descriptor came from somewhere else. The parent is not
	 * inspected or checked beyond that (docs/isolation.md): it chose this
	 * process's executable, environment and descriptors, so no check of
	 * its code could protect the child from it.
	 */
	struct ucred cred;
	socklen_t len = sizeof cred;
	pid_t parent = getppid();
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		int e = errno;
		close(fd);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .check = "connection.parent",
			.os_errno = e }, "descriptor %d is not a connected socket: %s", fd, strerror(e));
	}
	if (cred.pid != parent) {
		close(fd);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PEER_REFUSED, .check = "connection.parent" },
			"the other end of descriptor %d is pid %d, not this process's parent (pid %d)", fd,
			(int)cred.pid, (int)parent);
	}
	signet_connection *c = NULL;
	/* No policy: the parent is never inspected (see above). */
	int rc = conn_new(&c, opts, false, err);
	if (rc) {
		close(fd);
		return rc;
	}
	c->server_side = true;
	sd_id128_t id;
	rc = sd_id128_randomize(&id) < 0 ? sg_fail_code(err, SIGNET_E_IO, "no random bus id") : 0;
	if (rc)
		close(fd);
	if (!rc)
		rc = sg_conn_bus_setup(c, fd, true, &id, err);
	if (rc) {
		sg_conn_destroy(c);
		return rc;
	}
	c->state = SG_CONN_READY;
	*out = c;
	return 0;
}

void sg_connection_set_timeout(signet_connection *c, uint64_t usec)
{
	c->timeout_usec = usec ? usec : SG_DEFAULT_TIMEOUT_USEC;
}

int sg_connection_run(signet_connection *c, signet_error **err)
{
	for (;;) {
		int r = signet_connection_process(c, err);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		r = sd_bus_wait(c->bus, UINT64_MAX);
		if (r < 0 && r != -EINTR)
			sg_conn_interrupt(c, make_error(SIGNET_E_CONNECTION_INTERRUPTED, "connection.peer",
				"the connection broke: %s", strerror(-r)));
	}
}

/* A client interrupted (its server went away) starts over: a new socket, full checks. */
static int ensure_usable(signet_connection *c, signet_error **err)
{
	if (c->state == SG_CONN_READY)
		return 0;
	if (c->state != SG_CONN_INTERRUPTED || c->server_side || !c->socket_path)
		return fail_with_state(c, err);
	sd_bus_flush_close_unref(c->bus);
	c->bus = NULL;
	signet_process_free(c->peer);
	c->peer = NULL;
	signet_error_free(c->why);
	c->why = NULL;
	int rc = client_handshake(c, err);
	if (rc && c->state != SG_CONN_INVALID)
		c->state = SG_CONN_INVALID;
	return rc;
}

/* ---- calls ---- */

/* Did both ends agree to pass descriptors? (Asked only of a running bus: after the handshake.) */
static bool fds_travel(const signet_connection *c)
{
	return c->pass_fds && sd_bus_can_send(c->bus, SD_BUS_TYPE_UNIX_FD) > 0;
}

/* A call (or one-way message) to the peer, on a connection made usable first (reconnected if need be). */
static int new_call(sd_bus_message **m, signet_connection *c, const char *method, const signet_value *args,
	size_t nargs, signet_error **err)
{
	if (!method || (nargs && !args))
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "a call needs a method and its arguments");
	int rc = ensure_usable(c, err);
	if (rc)
		return rc;
	int r = sd_bus_message_new_method_call(c->bus, m, NULL, SG_BUS_PATH, SG_BUS_SERVICE_INTERFACE, method);
	if (r < 0)
		return sg_fail(err, &(sg_error_info){ .code = r == -ENOMEM ? SIGNET_E_NOMEM : SIGNET_E_INVALID_ARGUMENT,
			.check = "connection.method", .actual = method }, "\"%.80s\" is not a method name (letters, "
			"digits and _, not starting with a digit, at most 255): %s", method, strerror(-r));
	rc = sg_wire_append_args(*m, args, nargs, fds_travel(c), err);
	if (rc) {
		*m = sd_bus_message_unref(*m);
		return rc;
	}
	return 0;
}

/* A message could not be sent: the connection broke, or it was refused locally. */
static int send_failed(signet_connection *c, const char *method, int r, signet_error **err)
{
	if (r == -ECONNRESET || r == -ENOTCONN || r == -EPIPE || r == -ESHUTDOWN)
		sg_conn_interrupt(c, make_error(SIGNET_E_CONNECTION_INTERRUPTED, "connection.peer",
			"the connection broke: %s", strerror(-r)));
	if (c->state != SG_CONN_READY)
		return fail_during(c, method, err);
	return sg_fail(err, &(sg_error_info){ .code = r == -ENOMEM ? SIGNET_E_NOMEM : SIGNET_E_IO,
		.check = "connection.call", .expected = method, .os_errno = -r }, "cannot send %s: %s", method,
		strerror(-r));
}

/* The reply to our call: its result, or the peer's error by name. */
static int take_reply(signet_value *result, signet_connection *c, const char *method, sd_bus_message *reply,
	signet_error **err)
{
	if (sd_bus_message_is_method_error(reply, NULL)) {
		const sd_bus_error *e = sd_bus_message_get_error(reply);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_REMOTE_ERROR, .check = "connection.reply",
			.expected = method, .actual = e && e->name ? e->name : "" }, "%s failed in the peer: %s: %s",
			method, e && e->name ? e->name : "(no name)", e && e->message ? e->message : "");
	}
	sg_value_store *store = sg_value_store_new();
	signet_value *values = NULL;
	size_t n = 0;
	int rc = store ? sg_wire_read_args(&values, &n, reply, 1, store, err)
		: sg_fail_code(err, SIGNET_E_NOMEM, "out of memory receiving a reply");
	if (rc) {
		sg_value_store_free(store);
		/* A malformed reply: a peer that sends one is not talked to again. */
		if (rc == SIGNET_E_PROTOCOL && err && *err)
			sg_conn_invalidate(c, sg_error_copy(*err));
		return rc;
	}
	*result = n ? values[0] : (signet_value){ .type = SIGNET_TYPE_VOID };
	result->owned_ = store;
	return 0;
}

int signet_connection_call(signet_value *result, signet_connection *c, const char *method,
	const signet_value *args, size_t nargs, signet_error **err)
{
	if (!result || !c)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "a call needs a result and a connection");
	sd_bus_message *m = NULL;
	int rc = new_call(&m, c, method, args, nargs, err);
	if (rc)
		return rc;
	/*
	 * Sent without a reply callback: the reply reaches the filter like
	 * every other message (checked against the peer first), which matches
	 * it to this call. Timeouts and disconnections are ours to tell apart
	 * from an error the peer sent, whatever its name.
	 */
	sg_awaited w = { .next = c->awaited };
	int r = sd_bus_send(c->bus, m, &w.cookie);
	sd_bus_message_unref(m);
	if (r < 0)
		return send_failed(c, method, r, err);
	c->awaited = &w;
	rc = run_until(c, replied, &w, now_usec() + c->timeout_usec, method, err);
	c->awaited = w.next;
	if (rc == SIGNET_E_TIMEOUT)
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_TIMEOUT, .check = "connection.call",
			.expected = method }, "%s got no reply within %llu ms", method,
			(unsigned long long)(c->timeout_usec / 1000u));
	if (!rc)
		rc = take_reply(result, c, method, w.reply, err);
	sd_bus_message_unref(w.reply);
	return rc;
}

int signet_connection_send(signet_connection *c, const char *method, const signet_value *args, size_t nargs,
	signet_error **err)
{
	if (!c)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "sending needs a connection");
	sd_bus_message *m = NULL;
	int rc = new_call(&m, c, method, args, nargs, err);
	if (rc)
		return rc;
	int r = sd_bus_message_set_expect_reply(m, 0);
	if (r >= 0)
		r = sd_bus_send(c->bus, m, NULL);
	sd_bus_message_unref(m);
	if (r < 0)
		return send_failed(c, method, r, err);
	/* One-way: written now if the socket takes it, else by the next process call. */
	return 0;
}

/* ---- replies to the peer's calls ---- */

int signet_message_reply(signet_message *msg, const signet_value *result, signet_error **err)
{
	if (!msg || msg->replied || !signet_message_expects_reply(msg))
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "no reply is due for this message");
	sd_bus_message *reply = NULL;
	int r = sd_bus_message_new_method_return(msg->m, &reply);
	if (r < 0)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory replying");
	int rc = sg_wire_append_args(reply, result, result && result->type != SIGNET_TYPE_VOID ? 1 : 0,
		fds_travel(msg->connection), err);
	if (!rc && (r = sd_bus_send(msg->connection->bus, reply, NULL)) < 0)
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .check = "connection.reply", .os_errno = -r },
			"cannot send the reply: %s", strerror(-r));
	sd_bus_message_unref(reply);
	if (!rc)
		msg->replied = true;
	return rc;
}

int signet_message_reply_error(signet_message *msg, const char *name, const char *text, signet_error **err)
{
	if (!msg || msg->replied || !signet_message_expects_reply(msg) || !name)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "no reply is due for this message, or no error name");
	int r = sd_bus_reply_method_errorf(msg->m, name, "%s", text ? text : "");
	if (r < 0)
		return sg_fail(err, &(sg_error_info){ .code = r == -EINVAL ? SIGNET_E_INVALID_ARGUMENT : SIGNET_E_IO,
			.check = "connection.reply", .actual = name, .os_errno = -r },
			"cannot reply with error %.80s: %s", name, strerror(-r));
	msg->replied = true;
	return 0;
}

const char *signet_message_method(const signet_message *msg)
{
	return msg ? sd_bus_message_get_member(msg->m) : NULL;
}

size_t signet_message_arg_count(const signet_message *msg)
{
	return msg ? msg->nargs : 0;
}

const signet_value *signet_message_arg(const signet_message *msg, size_t index)
{
	return msg && index < msg->nargs ? &msg->args[index] : NULL;
}

bool signet_message_expects_reply(const signet_message *msg)
{
	return msg && sd_bus_message_get_expect_reply(msg->m) > 0;
}

/* ---- poll loops, lifetime ---- */

int signet_connection_fd(const signet_connection *c)
{
	return c && c->bus ? sd_bus_get_fd(c->bus) : -1;
}

int signet_connection_events(const signet_connection *c)
{
	int ev = c && c->bus ? sd_bus_get_events(c->bus) : 0;
	return ev < 0 ? 0 : ev;
}

int signet_connection_process(signet_connection *c, signet_error **err)
{
	if (!c)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "no connection");
	if (c->state == SG_CONN_INVALID || c->state == SG_CONN_INTERRUPTED)
		return fail_with_state(c, err);
	int r = sd_bus_process(c->bus, NULL);
	if (r < 0)
		sg_conn_interrupt(c, make_error(SIGNET_E_CONNECTION_INTERRUPTED, "connection.peer",
			"the connection broke: %s", strerror(-r)));
	if (c->state == SG_CONN_INVALID || c->state == SG_CONN_INTERRUPTED)
		return fail_with_state(c, err);
	return r > 0 ? 1 : 0;
}

const signet_process *signet_connection_peer(const signet_connection *c)
{
	return c ? c->peer : NULL;
}

void signet_connection_cancel(signet_connection *c)
{
	if (c)
		sg_conn_invalidate(c, make_error(SIGNET_E_CONNECTION_INVALID, "connection.cancel", "cancelled"));
}

void signet_connection_free(signet_connection *c)
{
	if (!c)
		return;
	/* A listener's connection is the listener's to free. */
	if (c->listener)
		return;
	sg_conn_destroy(c);
}
