/* SPDX-License-Identifier: MIT */
/*
 * connection_internal.h - one connection, as both ends see it: the sd-bus
 * object, the peer as last inspected, the handshake state, handlers.
 * Shared by connection.c (states, checks, messages, calls, the client's
 * side) and listener.c (the server's side: accepting, challenges,
 * the event loop).
 *
 * The handshake, as docs/connections.md explains it:
 *   server: accept -> inspect the client -> check it -> (refused: a Refused
 *           signal, drained, then closed) -> Challenge(nonce) -> the reply
 *           must carry the nonce -> re-inspect if its executable changed ->
 *           READY. Any other message from the client before that reply
 *           invalidates the connection unread.
 *   client: connect -> inspect the server -> check it (team of the name,
 *           requirement) -> (refused: a Refused signal, then closed) ->
 *           wait for Challenge, answer it -> READY.
 * In READY, every message received (and every reply) is preceded by a
 * cheap check of the peer's executable; a change means a full inspection
 * and check again before anything is delivered.
 *
 * Not thread-safe: a connection belongs to one thread at a time (see
 * signet/connection.h).
 */
#ifndef SIGNET_CONNECTION_INTERNAL_H
#define SIGNET_CONNECTION_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <signet/connection.h>

#include "plugin/value_store.h"

/* Names on the wire. */
#define SG_BUS_PATH "/org/signet"
#define SG_BUS_SERVICE_INTERFACE "org.signet.Service"       /* the service's own methods */
#define SG_BUS_HANDSHAKE_INTERFACE "org.signet.Connection"  /* Challenge (method), Refused (signal) */
#define SG_BUS_ERROR_PREFIX "org.signet.Error."
#define SG_NONCE_SIZE 32
#define SG_DEFAULT_TIMEOUT_USEC (25u * 1000u * 1000u)
/* How long a client that refused its server waits for the refusal to be read. */
#define SG_REFUSAL_WAIT_USEC (3u * 1000u * 1000u)

/* A call of ours waiting for its reply (signet_connection_call(); nested calls stack). */
typedef struct sg_awaited {
	uint64_t cookie;               /* our call's serial */
	sd_bus_message *reply;         /* the reply (or error) once the filter matched it */
	struct sg_awaited *next;       /* the call this one is nested in */
} sg_awaited;

typedef enum sg_conn_state {
	SG_CONN_HANDSHAKE,   /* checks done or under way; no message of the peer delivered yet */
	SG_CONN_READY,
	SG_CONN_REFUSING,    /* told the peer why it is refused; closes once that is written */
	SG_CONN_INTERRUPTED, /* the peer went away; a client made by name/path may reconnect */
	SG_CONN_INVALID      /* never usable again */
} sg_conn_state;

struct signet_connection {
	sd_bus *bus;
	sg_conn_state state;
	bool server_side;
	signet_process *peer;                /* as last inspected; NULL before */
	const signet_policy *policy;         /* borrowed (or the process default) */
	const signet_requirement *requirement;
	char *name;                          /* the service name, when known */
	char team[SIGNET_SERVICE_NAME_MAX + 1]; /* the name's team the peer must have; "" for none */
	char *socket_path;                   /* client: where to reconnect */
	uint64_t timeout_usec;
	bool pass_fds;                       /* offered at setup; what the bus negotiated decides */
	signet_message_handler on_message;
	signet_connection_event on_invalidated, on_interrupted;
	void *payload;
	uint8_t nonce[SG_NONCE_SIZE];        /* server: the challenge sent */
	signet_error *why;                   /* why it is no longer READY */
	signet_error *refusal;               /* client: the server's refusal, when it sent one */
	sg_awaited *awaited;                 /* our calls waiting for replies, innermost first */
	/* server side */
	struct signet_listener *listener;
	sd_event_source *deadline;           /* the handshake's (or a refusal's drain) time limit */
	sd_bus_slot *challenge;
	bool told_listener;                  /* on_connection ran */
};

struct signet_message {
	signet_connection *connection;
	sd_bus_message *m;
	signet_value *args;
	size_t nargs;
	bool replied;
};

/*
 * Sets up `c->bus` on the connected socket `fd` (taken over), as a D-Bus
 * server (the listener's side) or client, with descriptor passing and the
 * filter every incoming message goes through. Starts it (sd-bus
 * authenticates while processing). SIGNET_E_IO, SIGNET_E_NOMEM.
 */
int sg_conn_bus_setup(signet_connection *c, int fd, bool server, const sd_id128_t *server_id, signet_error **err)
	__attribute__((warn_unused_result));

/*
 * Is `p` acceptable as this connection's peer: the process check (validity,
 * unknown, the requirement) and the name's team. SIGNET_E_PEER_REFUSED and
 * the process codes, explained.
 */
int sg_conn_check_peer(const signet_connection *c, const signet_process *p, signet_error **err)
	__attribute__((warn_unused_result));

/* If the peer exec()ed since it was inspected, inspects and checks it again. 0, or why it is refused. */
int sg_conn_recheck_peer(signet_connection *c, signet_error **err) __attribute__((warn_unused_result));

/* Queues the Refused signal (`why`'s code and message) for the peer. */
void sg_conn_send_refusal(signet_connection *c, const signet_error *why);

/* State changes; each tells the handler once. `why` is taken over. */
void sg_conn_invalidate(signet_connection *c, signet_error *why);
void sg_conn_interrupt(signet_connection *c, signet_error *why);

/* Frees everything the connection holds (not the listener's bookkeeping). */
void sg_conn_destroy(signet_connection *c);

/* ---- listener.c: the server's side ---- */

/* The client answered the challenge and passed every check. */
void sg_listener_connection_ready(struct signet_listener *l, signet_connection *c);

/* A connection of the listener stopped: it is reaped after this event-loop iteration. */
void sg_listener_connection_ended(struct signet_listener *l, signet_connection *c, const signet_error *why,
	bool refused);

#endif /* SIGNET_CONNECTION_INTERNAL_H */
