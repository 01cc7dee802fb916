/* SPDX-License-Identifier: MIT */
/*
 * invoke.h - type encodings and calls through libffi.
 *
 * A method's type encoding (signet/plugin.h) is parsed once into an
 * sg_signature; a call checks the caller's signet_values against it (count
 * and every type) before building anything, then calls the function with
 * the instance pointer first through libffi, and copies a string result.
 * Nothing here knows about guests, classes or instances: the caller has
 * already found the method, decided it may run, and resolved every
 * instance argument to its instance memory (loader/guest does, checking
 * that the instance is live and of the caller's host). Pure apart from the
 * call itself; thread-safe.
 */
#ifndef SIGNET_PLUGIN_INVOKE_H
#define SIGNET_PLUGIN_INVOKE_H

#include <stdbool.h>
#include <stddef.h>

#include <signet/error.h>
#include <signet/plugin.h>
#include <signet/value.h>

/* A parsed type encoding. `args` excludes the implicit instance pointer. */
typedef struct sg_signature {
	char ret;                              /* a return letter */
	char args[SIGNET_MAX_METHOD_ARGS + 1]; /* parameter letters, NUL-terminated */
	size_t nargs;
} sg_signature;

/*
 * Parses `types` (at most SIGNET_MAX_METHOD_ARGS + 1 letters; the encoding
 * table in signet/plugin.h). Returns 0, or SIGNET_E_CLASS_INVALID naming
 * `what` (for messages: "method 'filter' of Rot13Filter") and the bad
 * letter or length. `types` must already be known to be a readable string.
 */
int sg_signature_parse(sg_signature *out, const char *types, const char *what, signet_error **err);

/* Is `letter` valid as a return (`as_return`) or a parameter? */
bool sg_type_letter_valid(char letter, bool as_return);

/*
 * SIGNET_E_ARGUMENT_MISMATCH naming `what` and both counts unless `nargs`
 * is the number of parameters `sig` takes. sg_invoke() checks it first;
 * exposed so a caller can bound a copy of the arguments by it.
 */
int sg_invoke_check_count(const sg_signature *sig, size_t nargs, const char *what, signet_error **err);

/*
 * Calls `fn(self, args...)` as `sig` describes, after checking that
 * `nargs` and each args[i].type match (SIGNET_E_ARGUMENT_MISMATCH naming
 * `what`, the position, expected and actual type; no call is made).
 *
 * An instance argument ('@') arrives resolved: its type is
 * SIGNET_TYPE_INSTANCE and its `as.pointer` is the instance memory to
 * pass, which is passed as it is; `as.instance` (a signet_instance handle)
 * is never read here. A NULL pointer is refused as a null instance. The
 * caller must not hand a handle through: whether it is a live instance
 * of the right host is the caller's check.
 *
 * On success `*result` gets the typed result (type 'v' for void); a string
 * result is copied (SIGNET_E_NOMEM if that fails, after the call).
 */
int sg_invoke(signet_imp fn, const sg_signature *sig, void *self, const signet_value *args, size_t nargs,
	signet_value *result, const char *what, signet_error **err);

#endif /* SIGNET_PLUGIN_INVOKE_H */
