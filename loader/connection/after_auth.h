/* SPDX-License-Identifier: MIT */
/*
 * after_auth.h - what a server may write right behind sd-bus's
 * authentication reply: the Challenge's nonce and a Refused signal's text.
 *
 * A client that does not negotiate descriptors (pass_fds off, the default)
 * may read the server's authentication reply ("DATA", "OK <id>") and the
 * first message after it with one read. libsystemd 252 (and its later
 * releases so far) then looks for up to three CR LF-terminated lines in
 * everything it read, expects exactly two, and asserts it:
 * assert(i == n) in bus_socket_auth_verify_client() aborts the client
 * when the first message holds a CR LF pair. A client negotiating
 * descriptors expects three lines and cannot get more counted.
 *
 * A server's first message is the Challenge (listener.c) or, for a client
 * it refuses, the Refused signal. Their names and header fields are fixed
 * and hold no CR LF; what varies is the nonce, the refusal's text and the
 * lengths. These functions keep each free of the pair. A hostile server
 * can still write one on purpose (docs/connections.md): that defect is
 * libsystemd's.
 *
 * Pure apart from `draw`; thread-safe.
 */
#ifndef SIGNET_CONNECTION_AFTER_AUTH_H
#define SIGNET_CONNECTION_AFTER_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <signet/error.h>

/* getrandom()'s signature: the nonce's source. */
typedef ssize_t (*sg_random_source)(void *buf, size_t len, unsigned flags);

/* Draws at most this many times (a CSPRNG's block holds a CR LF pair about once in 2,000). */
#define SG_AFTER_AUTH_NONCE_DRAWS 64

/*
 * Fills nonce[0..size) from `draw` (flags 0) until it holds no CR LF pair.
 * SIGNET_E_IO when `draw` fails, comes short, or gives a pair every time.
 */
int sg_after_auth_nonce(uint8_t *nonce, size_t size, sg_random_source draw, signet_error **err)
	__attribute__((warn_unused_result));

/* Most bytes of a refusal's text kept (the ellipsis included); after_auth.c says why this bound. */
#define SG_AFTER_AUTH_TEXT_MAX 2048

/*
 * `text` as a refusal may carry it, into out[0..size) (size at least 4;
 * at most SG_AFTER_AUTH_TEXT_MAX bytes kept, whatever `size`): every CR a
 * space, every byte that is not UTF-8 a '?', cut between characters with
 * "..." when it does not fit.
 */
void sg_after_auth_text(char *out, size_t size, const char *text);

#endif /* SIGNET_CONNECTION_AFTER_AUTH_H */
