/* SPDX-License-Identifier: MIT */
/*
 * listener.c - the server's side: publishing a service, accepting clients,
 * checking each before anything it sends is read, the challenge, and the
 * event loop (sd-event) that serves every connection of the listener.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "connection/after_auth.h"
#include "connection/connection_internal.h"
#include "connection/service.h"
#include "core/array.h"
#include "core/error_internal.h"
#include "policy/policy_internal.h"

struct signet_listener {
	sd_event *event;
	sd_event_source *accept_source, *reaper;
	int fd;
	char *path;              /* when signet_listen() made the socket: removed with the listener */
	char name[SIGNET_SERVICE_NAME_MAX + 1];
	char team[SIGNET_SERVICE_NAME_MAX + 1];
	signet_listener_options opts;
	sd_id128_t server_id;
	SG_ARRAY(signet_connection *) connections;
	SG_ARRAY(signet_connection *) ended;  /* to free after this iteration */
	size_t ready;
};

static void refused(signet_listener *l, const signet_error *why)
{
	if (l->opts.on_refused)
		l->opts.on_refused(l, why, l->opts.payload);
}

/*
 * reap() runs after an iteration of the loop only while there is work for
 * it (connections that ended, handshakes under way): a call on a ready
 * connection does not pay for an extra iteration.
 */
static void reap_soon(signet_listener *l)
{
	(void)sd_event_source_set_enabled(l->reaper, SD_EVENT_ON);
}

void sg_listener_connection_ready(signet_listener *l, signet_connection *c)
{
	l->ready++;
	c->told_listener = true;
	if (l->opts.on_connection)
		l->opts.on_connection(l, c, l->opts.payload);
}

void sg_listener_connection_ended(signet_listener *l, signet_connection *c, const signet_error *why, bool was_refusing)
{
	if (c->told_listener) {
		c->told_listener = false;
		l->ready--;
	} else if (!was_refusing && why) {
		/* Ended before it was accepted: a refusal of some kind, reported once. */
		refused(l, why);
	}
	/*
	 * Freed after this iteration (reap()): sd-bus may still be inside this
	 * connection's callbacks. Out of memory, it stays until the listener goes.
	 */
	(void)sg_array_push(&l->ended, c);
	reap_soon(l);
}

/* ---- the handshake ---- */

static signet_error *make_gone_error(void)
{
	signet_error *e = NULL;
	sg_fail(&e, &(sg_error_info){ .code = SIGNET_E_CONNECTION_INTERRUPTED, .check = "connection.peer" },
		"the client went away during the handshake");
	return e;
}

static int challenge_answered(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	(void)ret_error;
	signet_connection *c = userdata;
	c->challenge = sd_bus_slot_unref(c->challenge);
	if (c->state != SG_CONN_HANDSHAKE)
		return 1;
	const void *nonce = NULL;
	size_t n = 0;
	signet_error *e = NULL;
	if (sd_bus_is_open(c->bus) <= 0) {
		/* sd-bus failed the call because the connection closed: whatever the client said is in c->why, or it left. */
		sg_conn_interrupt(c, make_gone_error());
		return 1;
	}
	if (sd_bus_message_is_method_error(reply, NULL) ||
	    sd_bus_message_read_array(reply, 'y', &nonce, &n) < 0 || n != SG_NONCE_SIZE ||
	    CRYPTO_memcmp(nonce, c->nonce, SG_NONCE_SIZE) != 0) {
		sg_fail(&e, &(sg_error_info){ .code = SIGNET_E_PROTOCOL, .check = "connection.handshake" },
			"malformed message: the client did not answer the challenge with its nonce");
		sg_conn_invalidate(c, e);
		return 1;
	}
	/*
	 * The answer comes from the peer as it is now: if it exec()ed since it
	 * was inspected at accept, it is inspected and checked again first.
	 */
	if (sg_conn_recheck_peer(c, &e) != 0) {
		sg_conn_send_refusal(c, e);
		sg_conn_invalidate(c, e);
		return 1;
	}
	c->state = SG_CONN_READY;
	c->deadline = sd_event_source_disable_unref(c->deadline);
	sg_listener_connection_ready(c->listener, c);
	return 1;
}

static int handshake_expired(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	signet_connection *c = userdata;
	c->deadline = sd_event_source_disable_unref(c->deadline);
	if (c->state == SG_CONN_REFUSING) {
		sg_conn_invalidate(c, NULL); /* its refusal was reported when it was made */
		return 0;
	}
	if (c->state == SG_CONN_HANDSHAKE) {
		signet_error *e = NULL;
		sg_fail(&e, &(sg_error_info){ .code = SIGNET_E_TIMEOUT, .check = "connection.handshake" },
			"the client did not finish the handshake within %llu ms", (unsigned long long)(c->timeout_usec / 1000u));
		sg_conn_invalidate(c, e);
	}
	return 0;
}

static int send_challenge(signet_connection *c, signet_error **err)
{
	/* The Challenge follows the client's authentication at once: no CR LF in it (after_auth.h). */
	if (sg_after_auth_nonce(c->nonce, sizeof c->nonce, getrandom, err) != 0)
		return SIGNET_E_IO;
	sd_bus_message *m = NULL;
	int r = sd_bus_message_new_method_call(c->bus, &m, NULL, SG_BUS_PATH, SG_BUS_HANDSHAKE_INTERFACE, "Challenge");
	if (r >= 0)
		r = sd_bus_message_append_array(m, 'y', c->nonce, sizeof c->nonce);
	if (r >= 0)
		r = sd_bus_call_async(c->bus, &c->challenge, m, challenge_answered, c, c->timeout_usec);
	sd_bus_message_unref(m);
	return r < 0 ? sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .check = "connection.handshake",
		.os_errno = -r }, "cannot send the challenge: %s", strerror(-r)) : 0;
}

static signet_connection *connection_new(signet_listener *l)
{
	signet_connection *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->server_side = true;
	c->listener = l;
	c->policy = l->opts.policy;
	c->requirement = l->opts.requirement;
	c->timeout_usec = l->opts.timeout_usec ? l->opts.timeout_usec : SG_DEFAULT_TIMEOUT_USEC;
	c->pass_fds = l->opts.pass_fds;
	c->on_message = l->opts.on_message;
	c->on_invalidated = l->opts.on_invalidated;
	c->on_interrupted = l->opts.on_interrupted;
	c->payload = l->opts.payload;
	c->state = SG_CONN_HANDSHAKE;
	return c;
}

/*
 * A new client: inspected and checked before a byte it sent is read. A
 * refused client still hears why (a Refused signal), then the connection is
 * closed once that is written, or at the deadline.
 */
static void accept_client(signet_listener *l, int fd)
{
	signet_error *e = NULL;
	signet_process *peer = NULL;
	int rc = signet_code_for_peer(&peer, fd, l->opts.policy, &e);
	if (rc) {
		refused(l, e);
		signet_error_free(e);
		close(fd);
		return;
	}
	signet_connection *c = connection_new(l);
	if (!c || sg_array_push(&l->connections, c) != 0) {
		free(c);
		signet_process_free(peer);
		close(fd);
		sg_fail_code(&e, SIGNET_E_NOMEM, "out of memory accepting a client");
		refused(l, e);
		signet_error_free(e);
		return;
	}
	c->peer = peer;
	reap_soon(l);
	signet_error *why = NULL;
	int verdict = sg_conn_check_peer(c, peer, &why);
	rc = sg_conn_bus_setup(c, fd, true, &l->server_id, &e);
	if (!rc && (rc = sd_bus_attach_event(c->bus, l->event, SD_EVENT_PRIORITY_NORMAL)) < 0)
		rc = sg_fail_code(&e, SIGNET_E_IO, "cannot attach a client to the event loop: %s", strerror(-rc));
	if (!rc && (rc = sd_event_add_time_relative(l->event, &c->deadline, CLOCK_MONOTONIC, c->timeout_usec, 0,
			handshake_expired, c)) < 0)
		rc = sg_fail_code(&e, SIGNET_E_IO, "cannot arm the handshake's deadline: %s", strerror(-rc));
	if (rc) {
		signet_error_free(why);
		sg_conn_invalidate(c, e);
		return;
	}
	if (verdict) {
		refused(l, why);
		sg_conn_send_refusal(c, why);
		signet_error_free(why);
		c->state = SG_CONN_REFUSING;
		return;
	}
	if (send_challenge(c, &e) != 0)
		sg_conn_invalidate(c, e);
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	(void)s;
	(void)revents;
	signet_listener *l = userdata;
	for (;;) {
		int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (client < 0)
			return 0; /* EAGAIN, or a client gone before accept: nothing to do */
		accept_client(l, client);
	}
}

/* After each iteration: free connections that ended, and close refusals whose reason was written. */
static int reap(sd_event_source *s, void *userdata)
{
	(void)s;
	signet_listener *l = userdata;
	for (size_t i = 0; i < l->connections.n; i++) {
		signet_connection *c = l->connections.items[i];
		/*
		 * sd-bus reads the client's authentication in blocks, so bytes a
		 * client wrote right after it (messages sent before any handshake)
		 * may already sit in its buffer, where no socket event announces
		 * them. Process them now: the filter refuses them at once, rather
		 * than the handshake's deadline some seconds later.
		 */
		while (c->state == SG_CONN_HANDSHAKE && sd_bus_is_ready(c->bus) > 0 && sd_bus_process(c->bus, NULL) > 0)
			;
		uint64_t queued = 0;
		if (c->state == SG_CONN_REFUSING && sd_bus_get_n_queued_write(c->bus, &queued) >= 0 && queued == 0 &&
		    sd_bus_is_ready(c->bus) > 0)
			sg_conn_invalidate(c, NULL);
	}
	for (size_t i = 0; i < l->ended.n; i++) {
		signet_connection *c = l->ended.items[i];
		for (size_t j = 0; j < l->connections.n; j++)
			if (l->connections.items[j] == c) {
				l->connections.items[j] = l->connections.items[--l->connections.n];
				sg_conn_destroy(c);
				break;
			}
	}
	l->ended.n = 0;
	bool busy = false;
	for (size_t i = 0; i < l->connections.n && !busy; i++)
		busy = l->connections.items[i]->state == SG_CONN_HANDSHAKE ||
			l->connections.items[i]->state == SG_CONN_REFUSING;
	if (!busy)
		(void)sd_event_source_set_enabled(l->reaper, SD_EVENT_OFF);
	return 0;
}

/* ---- publishing ---- */

/* This process may publish only names of its own team, proved by its own signature. */
static int check_own_team(const signet_listener *l, signet_error **err)
{
	const char *mine = signet_policy_host_team(l->opts.policy);
	if (mine && strcmp(mine, l->team) == 0)
		return 0;
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SERVICE_NAME, .check = "service.publish",
		.expected = l->team, .actual = mine ? mine : "(no team)" },
		"this process may not publish %s: its own team is %s, the name's is %s", l->name,
		mine ? mine : "none (unsigned, or not under the policy's anchors)", l->team);
}

static int listener_new(signet_listener **out, const char *name, const signet_listener_options *opts,
	signet_error **err)
{
	if (!out || (opts && opts->version != SIGNET_LISTENER_OPTIONS_VERSION))
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "a listener needs an output and options of version %d",
			SIGNET_LISTENER_OPTIONS_VERSION);
	signet_listener *l = calloc(1, sizeof *l);
	if (!l)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory publishing a service");
	l->fd = -1;
	l->opts = opts ? *opts : (signet_listener_options)SIGNET_LISTENER_OPTIONS_INIT;
	int rc = sg_service_name_check(name, l->team, err);
	if (!rc) {
		memcpy(l->name, name, strlen(name) + 1);
		rc = sg_policy_or_default(&l->opts.policy, NULL, err);
	}
	if (!rc)
		rc = check_own_team(l, err);
	int r = 0;
	if (!rc && ((r = sd_event_new(&l->event)) < 0 || (r = sd_id128_randomize(&l->server_id)) < 0 ||
		(r = sd_event_add_post(l->event, &l->reaper, reap, l)) < 0))
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "cannot set up the event loop: %s", strerror(-r));
	if (rc) {
		signet_listener_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

static int start_accepting(signet_listener *l, signet_error **err)
{
	int r = sd_event_add_io(l->event, &l->accept_source, l->fd, EPOLLIN, on_accept, l);
	return r < 0 ? sg_fail_code(err, SIGNET_E_IO, "cannot watch the service's socket: %s", strerror(-r)) : 0;
}

static int listen_at(signet_listener **out, const char *socket_path, const char *name,
	const signet_listener_options *opts, signet_error **err)
{
	signet_listener *l = NULL;
	int rc = listener_new(&l, name, opts, err);
	char *path = NULL;
	if (!rc && socket_path && !(path = strdup(socket_path)))
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory publishing a service");
	if (!rc && !socket_path)
		rc = signet_service_path(&path, name, err);
	if (!rc)
		rc = sg_service_bind(&l->fd, path, err);
	if (!rc) {
		l->path = path;
		path = NULL;
		rc = start_accepting(l, err);
	}
	free(path);
	if (rc) {
		signet_listener_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

int signet_listen(signet_listener **out, const char *name, const signet_listener_options *opts, signet_error **err)
{
	return listen_at(out, NULL, name, opts, err);
}

int signet_listen_path(signet_listener **out, const char *socket_path, const char *name,
	const signet_listener_options *opts, signet_error **err)
{
	if (!socket_path)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_listen_path needs a path");
	return listen_at(out, socket_path, name, opts, err);
}

int signet_listen_fd(signet_listener **out, int fd, const char *name, const signet_listener_options *opts,
	signet_error **err)
{
	int type = 0, listening = 0;
	socklen_t len = sizeof type;
	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM ||
	    (len = sizeof listening, getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len)) != 0 || !listening)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "service.socket" },
			"descriptor %d is not a listening stream socket", fd);
	signet_listener *l = NULL;
	int rc = listener_new(&l, name, opts, err);
	if (rc)
		return rc;
	/*
	 * listen() again: the kernel gives connecting clients the credentials
	 * of the last process to call listen(), and the socket came from the
	 * service manager. Clients must see us, or they would judge systemd.
	 */
	if (listen(fd, SOMAXCONN) != 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .check = "service.socket", .os_errno = errno },
			"cannot take over the socket: %s", strerror(errno));
		signet_listener_free(l);
		return rc;
	}
	l->fd = fd;
	rc = start_accepting(l, err);
	if (rc) {
		l->fd = -1; /* still the caller's */
		signet_listener_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

void signet_listener_free(signet_listener *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->connections.n; i++) {
		l->connections.items[i]->listener = NULL;
		sg_conn_destroy(l->connections.items[i]);
	}
	sg_array_clear(&l->connections);
	sg_array_clear(&l->ended);
	sd_event_source_disable_unref(l->accept_source);
	sd_event_source_disable_unref(l->reaper);
	sd_event_unref(l->event);
	if (l->fd >= 0)
		close(l->fd);
	if (l->path)
		unlink(l->path);
	free(l->path);
	free(l);
}

int signet_listener_fd(const signet_listener *l)
{
	return l && l->event ? sd_event_get_fd(l->event) : -1;
}

int signet_listener_process(signet_listener *l, signet_error **err)
{
	if (!l)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "no listener");
	int r = sd_event_run(l->event, 0);
	if (r < 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .check = "service.loop", .os_errno = -r },
			"the event loop failed: %s", strerror(-r));
	return r > 0 ? 1 : 0;
}

int signet_listener_run(signet_listener *l, signet_error **err)
{
	if (!l)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "no listener");
	int r = sd_event_loop(l->event);
	if (r < 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .check = "service.loop", .os_errno = -r },
			"the event loop failed: %s", strerror(-r));
	return 0;
}

void signet_listener_stop(signet_listener *l)
{
	if (l)
		(void)sd_event_exit(l->event, 0);
}

size_t signet_listener_connection_count(const signet_listener *l)
{
	return l ? l->ready : 0;
}
