/* SPDX-License-Identifier: MIT */
/*
 * wire.h - signet_values in and out of sd-bus messages.
 *
 * A call's body is "av": each argument a variant; a reply's body is "av"
 * with zero (void) or one element. Types on the wire: int32 'i', int64 'x',
 * uint64 't', double 'd', bool 'b', string 's', buffer 'ay' (inline, up to
 * SG_WIRE_INLINE_MAX bytes) or '(ht)' (a sealed memfd and its length),
 * fd 'h', array 'av', dictionary 'a{sv}'. Pointers and instances never
 * travel. sd-bus has already checked the message's structure and strings
 * when these run; decoding adds Signet's limits (signet/connection.h) and
 * accepts only exactly these variant types.
 *
 * Decoded values point into `store` (plugin/value_store.h): strings and
 * buffers are copied out of the message, descriptors duplicated, sealed
 * buffers mapped read-only. Pure apart from the memfd and descriptor
 * calls; thread-safe over distinct messages.
 */
#ifndef SIGNET_CONNECTION_WIRE_H
#define SIGNET_CONNECTION_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-bus.h>

#include <signet/value.h>

#include "plugin/value_store.h"

/* Buffers longer than this travel as sealed memfds. */
#define SG_WIRE_INLINE_MAX (64u * 1024u)

/* Without descriptor passing, the largest buffer (it travels inline): sd-bus's own array limit. */
#define SG_WIRE_INLINE_ONLY_MAX (64u << 20)

/*
 * Appends `args` as the body "av". `fds`: descriptors may travel (the
 * connection negotiated them); without, a descriptor cannot travel and a
 * buffer goes inline up to SG_WIRE_INLINE_ONLY_MAX.
 * SIGNET_E_ARGUMENT_MISMATCH for a value that cannot travel (a pointer, an
 * instance, a NULL string, a buffer over SIGNET_SEALED_BUFFER_MAX, nesting
 * over SIGNET_MESSAGE_MAX_DEPTH, a descriptor without `fds`), naming the
 * argument; SIGNET_E_IO (memfd), SIGNET_E_NOMEM.
 */
int sg_wire_append_args(sd_bus_message *m, const signet_value *args, size_t nargs, bool fds, signet_error **err)
	__attribute__((warn_unused_result));

/*
 * Reads the body "av" into a new array of values in `store` (*args, *nargs;
 * at most `max_args`). SIGNET_E_PROTOCOL for any other body, a variant of
 * another type, or a limit crossed (naming it); SIGNET_E_IO (a received
 * descriptor cannot be duplicated, a sealed buffer cannot be mapped);
 * SIGNET_E_NOMEM.
 */
int sg_wire_read_args(signet_value **args, size_t *nargs, sd_bus_message *m, size_t max_args,
	sg_value_store *store, signet_error **err) __attribute__((warn_unused_result));

#endif /* SIGNET_CONNECTION_WIRE_H */
