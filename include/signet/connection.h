/* SPDX-License-Identifier: MIT */
/*
 * signet/connection.h - connections between processes that know who is on
 * the other end: XPC's connections, for Linux (docs/connections.md).
 *
 * A service publishes a name, `TEAMID.reverse.dns.name`, as a Unix socket
 * under $XDG_RUNTIME_DIR/signet/services/; only a process of that team may
 * publish it, and a client refuses a server of another team, so a squatter
 * holding the path is refused. Both ends identify each other by code
 * (signet/process.h): the server checks each client against its
 * requirement before any of the client's messages reaches a handler, the
 * client checks the server before it sends anything. A refusal reaches
 * both sides with the reason ("team: wanted ABCDE12345, peer has
 * ZZZZZ99999").
 *
 * Why a client's messages cannot get in early: the server inspects the
 * client when it connects, then sends a challenge the client must answer;
 * anything the client sent before its answer (say, queued by a process
 * that exec()ed a valid binary after writing them) invalidates the
 * connection unread. Afterwards every message is checked against the
 * peer's executable: when it changed (the peer exec()ed) the peer is
 * inspected and checked again before the message is delivered.
 *
 * The wire is D-Bus peer to peer through sd-bus: calls are method calls
 * whose arguments are signet_values (signet/value.h) as variants; where
 * both ends allow descriptors (pass_fds), large buffers travel as sealed
 * memfds and descriptors with SCM_RIGHTS. sd-bus's
 * strict decoding comes first, then Signet's limits (nesting, counts, sizes,
 * descriptors per message), and a message that breaks either invalidates
 * the connection.
 *
 * Lifetimes, after XPC: a connection is *invalidated* when it can never be
 * used again (its peer was refused, sent a malformed message, or it was
 * cancelled); it is *interrupted* when the peer went away, and a client
 * connection made by name reconnects (checking the new peer in full) on its
 * next call. Pending calls fail with the reason. Handlers are told once.
 *
 * Ownership: objects returned through `*out` are the caller's and are freed
 * with their _free (NULL is a no-op); freeing a connection closes it and
 * fails its pending calls. A listener owns the connections it accepted
 * until signet_listener_free(). Values received (call results, message
 * arguments) are owned as signet/value.h says.
 *
 * Thread-safety: a connection or a listener (with its connections) belongs
 * to one thread at a time; calls on it must not run concurrently. Distinct
 * connections may be used from distinct threads. Handlers run on the thread
 * that calls signet_connection_process(), signet_listener_process() or a
 * blocking call, never with a Signet lock held.
 */
#ifndef SIGNET_CONNECTION_H
#define SIGNET_CONNECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/common.h>
#include <signet/error.h>
#include <signet/policy.h>
#include <signet/process.h>
#include <signet/requirement.h>
#include <signet/value.h>

SIGNET_BEGIN_DECLS

typedef struct signet_connection signet_connection;
typedef struct signet_listener signet_listener;
typedef struct signet_message signet_message;

/* Longest service name, in bytes. */
#define SIGNET_SERVICE_NAME_MAX 200

/* Limits on every message received (docs/connections.md). */
#define SIGNET_MESSAGE_MAX_DEPTH 16        /* arrays and dictionaries nested */
#define SIGNET_MESSAGE_MAX_VALUES 65536    /* values in one message, nested ones included */
#define SIGNET_MESSAGE_MAX_BYTES (64u << 20) /* strings and inline buffers in one message */
#define SIGNET_MESSAGE_MAX_FDS 16          /* descriptors in one message */
#define SIGNET_MESSAGE_MAX_ARGS 64         /* arguments of one call */
#define SIGNET_SEALED_BUFFER_MAX (256u << 20) /* one buffer passed as a sealed memfd */

/* A call the peer made. Reply with signet_message_reply*() before the handler returns. */
typedef void (*signet_message_handler)(signet_connection *connection, signet_message *message, void *payload);

/* Invalidation or interruption: `why` says what happened (owned by the library, valid during the call). */
typedef void (*signet_connection_event)(signet_connection *connection, const signet_error *why, void *payload);

typedef struct signet_connection_options {
	unsigned version;                       /* SIGNET_CONNECTION_OPTIONS_VERSION */
	const signet_policy *policy;            /* anchors and platform rules for the peer; NULL: the default */
	const signet_requirement *requirement;  /* what the peer must satisfy, besides validity; NULL: nothing more */
	uint64_t timeout_usec;                  /* the handshake and each call; 0: 25 s */
	/*
	 * Descriptors may travel (SIGNET_TYPE_FD; buffers over 64 KiB as
	 * sealed memfds) when both ends set this. Off by default, and only for
	 * peers trusted not to attack: libsystemd (252) leaks the descriptors
	 * of a message it drops as malformed, so a peer allowed to pass them
	 * can exhaust this process's (docs/connections.md). Off, a peer that
	 * sends one anyway is cut off, and its descriptors closed.
	 */
	bool pass_fds;
	signet_message_handler on_message;      /* calls from the peer; NULL: refused with org.signet.Error.NoHandler */
	signet_connection_event on_invalidated;
	signet_connection_event on_interrupted;
	void *payload;
} signet_connection_options;

#define SIGNET_CONNECTION_OPTIONS_VERSION 1
#define SIGNET_CONNECTION_OPTIONS_INIT \
	{ SIGNET_CONNECTION_OPTIONS_VERSION, NULL, NULL, 0, false, NULL, NULL, NULL, NULL }

/*
 * Connects to the service `name` (TEAMID.reverse.dns.name) and runs the
 * handshake: the server must be a valid process of team TEAMID satisfying
 * opts->requirement, and must accept us. Blocks for at most the timeout.
 * SIGNET_E_SERVICE_NAME, SIGNET_E_PEER_REFUSED (either side refused: the
 * message says who and why), SIGNET_E_PROCESS_UNKNOWN,
 * SIGNET_E_PROCESS_INVALID, SIGNET_E_TIMEOUT, SIGNET_E_IO (no such service:
 * the socket path is named), SIGNET_E_PROTOCOL, SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_connect(signet_connection **out, const char *name,
	const signet_connection_options *opts, signet_error **err);

/*
 * The same to a socket path; the server's team is checked against `name`'s
 * when `name` is not NULL, and only the requirement otherwise.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_connect_path(signet_connection **out, const char *socket_path,
	const char *name, const signet_connection_options *opts, signet_error **err);

/* Closes the connection; pending calls fail. NULL is a no-op. */
SIGNET_EXPORT void signet_connection_free(signet_connection *connection);

/* Invalidates the connection for good (the invalidation handler is told). */
SIGNET_EXPORT void signet_connection_cancel(signet_connection *connection);

/* The peer as last inspected; NULL before the handshake. Owned by the connection. */
SIGNET_EXPORT const signet_process *signet_connection_peer(const signet_connection *connection);

/*
 * Calls `method` (letters, digits and '_', not starting with a digit) with
 * `nargs` arguments and waits for the reply, at most the timeout. On
 * success *result is the result (SIGNET_TYPE_VOID for none), owned: clear
 * it with signet_value_clear(). Handlers of incoming calls run meanwhile.
 * SIGNET_E_REMOTE_ERROR (the peer's error name and text),
 * SIGNET_E_TIMEOUT, SIGNET_E_CONNECTION_INTERRUPTED,
 * SIGNET_E_CONNECTION_INVALID, SIGNET_E_ARGUMENT_MISMATCH (an argument that
 * cannot travel: a pointer, an instance, a NULL string; nothing sent),
 * SIGNET_E_PROTOCOL (the reply broke a limit), SIGNET_E_INVALID_ARGUMENT.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_connection_call(signet_value *result, signet_connection *connection,
	const char *method, const signet_value *args, size_t nargs, signet_error **err);

/* A one-way message: no reply, no wait for one. Errors as signet_connection_call()'s for sending. */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_connection_send(signet_connection *connection, const char *method,
	const signet_value *args, size_t nargs, signet_error **err);

/*
 * For a poll loop: the descriptor to watch, and the poll() events to watch
 * it for. Then signet_connection_process(), which handles what is ready
 * without blocking: returns 1 when it did something (call it again), 0
 * when idle, or an error code (the connection was invalidated or
 * interrupted; the handler was told too).
 */
SIGNET_EXPORT int signet_connection_fd(const signet_connection *connection);
SIGNET_EXPORT int signet_connection_events(const signet_connection *connection);
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_connection_process(signet_connection *connection, signet_error **err);

/* ---- calls from the peer ---- */

SIGNET_EXPORT const char *signet_message_method(const signet_message *message);
SIGNET_EXPORT size_t signet_message_arg_count(const signet_message *message);
/* Owned by the message: valid until the handler returns. */
SIGNET_EXPORT const signet_value *signet_message_arg(const signet_message *message, size_t index);
/* False for one-way messages, which take no reply. */
SIGNET_EXPORT bool signet_message_expects_reply(const signet_message *message);

/* Replies with `result` (NULL: none). Once per message. SIGNET_E_ARGUMENT_MISMATCH, SIGNET_E_INVALID_ARGUMENT. */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_message_reply(signet_message *message, const signet_value *result,
	signet_error **err);
/*
 * Replies with an error: `name` a D-Bus error name ("org.example.Error.Busy");
 * the caller gets SIGNET_E_REMOTE_ERROR with the name and `text`.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_message_reply_error(signet_message *message, const char *name,
	const char *text, signet_error **err);

/* ---- services ---- */

typedef void (*signet_listener_event)(signet_listener *listener, signet_connection *connection, void *payload);
typedef void (*signet_listener_refusal)(signet_listener *listener, const signet_error *why, void *payload);

typedef struct signet_listener_options {
	unsigned version;                       /* SIGNET_LISTENER_OPTIONS_VERSION */
	const signet_policy *policy;            /* NULL: the default; its host team must be the name's */
	const signet_requirement *requirement;  /* what each client must satisfy, besides validity */
	uint64_t timeout_usec;                  /* each client's handshake; 0: 25 s */
	bool pass_fds;                          /* descriptors may travel (see signet_connection_options) */
	signet_message_handler on_message;      /* calls from any client */
	signet_connection_event on_invalidated;
	signet_connection_event on_interrupted; /* a client went away */
	signet_listener_event on_connection;    /* a client passed every check */
	signet_listener_refusal on_refused;     /* a client was refused (or refused us), and why */
	void *payload;
} signet_listener_options;

#define SIGNET_LISTENER_OPTIONS_VERSION 1
#define SIGNET_LISTENER_OPTIONS_INIT \
	{ SIGNET_LISTENER_OPTIONS_VERSION, NULL, NULL, 0, false, NULL, NULL, NULL, NULL, NULL, NULL }

/*
 * Publishes the service `name`: this process's own signature must carry
 * the name's team (under opts->policy's anchors). Creates the services
 * directory (mode 0700) when missing; replaces a stale socket, refuses a
 * live one, a symlink or anything else at the path. SIGNET_E_SERVICE_NAME,
 * SIGNET_E_IO, SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_listen(signet_listener **out, const char *name,
	const signet_listener_options *opts, signet_error **err);

/*
 * The same at an explicit socket path (a layout of one's own, tests): the
 * team rule for `name` still applies to this process.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_listen_path(signet_listener **out, const char *socket_path,
	const char *name, const signet_listener_options *opts, signet_error **err);

/*
 * Serves on a listening socket handed over by systemd (sd_listen_fds(),
 * socket activation). listen() is called on it again so that new clients
 * see this process, not the manager, as the socket's owner. The team rule
 * for `name` applies as for signet_listen().
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_listen_fd(signet_listener **out, int fd, const char *name,
	const signet_listener_options *opts, signet_error **err);

/* Closes the socket (and removes it when signet_listen() made it) and every connection. */
SIGNET_EXPORT void signet_listener_free(signet_listener *listener);

/*
 * One descriptor for a poll loop, readable when anything is ready (a new
 * client, a message on any connection); then signet_listener_process()
 * handles what is ready without blocking (1: did something, 0: idle).
 * signet_listener_run() instead serves until signet_listener_stop().
 */
SIGNET_EXPORT int signet_listener_fd(const signet_listener *listener);
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_listener_process(signet_listener *listener, signet_error **err);
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_listener_run(signet_listener *listener, signet_error **err);
SIGNET_EXPORT void signet_listener_stop(signet_listener *listener);

/* How many clients are connected and past their handshake. */
SIGNET_EXPORT size_t signet_listener_connection_count(const signet_listener *listener);

/*
 * The socket path of service `name` (malloc'd, the caller frees it):
 * $XDG_RUNTIME_DIR/signet/services/NAME, or /run/signet/services/NAME for
 * root without $XDG_RUNTIME_DIR. SIGNET_E_SERVICE_NAME (not a valid name,
 * or nowhere to put it).
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_service_path(char **out, const char *name, signet_error **err);

SIGNET_END_DECLS

#endif /* SIGNET_CONNECTION_H */
