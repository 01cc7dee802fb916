/* SPDX-License-Identifier: MIT */
/*
 * pair.h - a connection between a process and the child it started, over
 * a socketpair: how a host talks to an isolated guest (docs/isolation.md).
 *
 * There is no service name and no listener, so the handshake differs from
 * signet_connect()'s (docs/connections.md):
 *   parent: waits until the child speaks (sd-bus authentication: only the
 *           helper's code, after exec, does that), then inspects the child
 *           through the pidfd it got when it made it, and checks it
 *           against the options' requirement (validity included). Nothing
 *           the child sent before that is ever delivered. Every message
 *           afterwards is checked against the child's executable as on any
 *           connection.
 *   child:  the other end must be its parent (the socketpair's creator);
 *           no challenge, no inspection of the parent: the parent chose
 *           the child's executable, environment and descriptors, so a
 *           check of its code could not protect the child from it.
 * Ownership, thread-safety and everything else: as signet/connection.h.
 */
#ifndef SIGNET_CONNECTION_PAIR_H
#define SIGNET_CONNECTION_PAIR_H

#include <signet/connection.h>

/*
 * The parent's end. `fd` is taken over (closed on failure too);
 * `child_pidfd` stays the caller's. Blocks for at most the options'
 * timeout. Errors: those of signet_code_for_pidfd() and the peer check
 * (SIGNET_E_PEER_REFUSED, SIGNET_E_PROCESS_INVALID, ...), SIGNET_E_TIMEOUT,
 * SIGNET_E_CONNECTION_INTERRUPTED (the child went away first), SIGNET_E_IO.
 */
int sg_connection_pair_parent(signet_connection **out, int fd, int child_pidfd,
	const signet_connection_options *opts, signet_error **err) __attribute__((warn_unused_result));

/*
 * The child's end on `fd` (taken over). SIGNET_E_PEER_REFUSED when the
 * socket's other end is not this process's parent; SIGNET_E_IO.
 */
int sg_connection_pair_child(signet_connection **out, int fd, const signet_connection_options *opts,
	signet_error **err) __attribute__((warn_unused_result));

/* Changes the deadline of the handshake's remains and of each later call. */
void sg_connection_set_timeout(signet_connection *c, uint64_t usec);

/* Serves the connection until it ends: returns why (never 0). */
int sg_connection_run(signet_connection *c, signet_error **err) __attribute__((warn_unused_result));

#endif /* SIGNET_CONNECTION_PAIR_H */
