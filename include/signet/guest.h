/* SPDX-License-Identifier: MIT */
/*
 * signet/guest.h - hosting plugins: guests, their classes and instances.
 *
 * After Apple's SecHostCreateGuest: a `signet_host` loads bundles, and each
 * loaded bundle becomes one of its guests, with
 *   - a numeric handle, unique within the host and never reused;
 *   - an identity: the cdhash of its executable's verified signature, taken
 *     from the verification that admitted it, never re-read from disk;
 *   - status flags that only move one way: SIGNET_GUEST_VALID can only be
 *     cleared; SIGNET_GUEST_HARD and SIGNET_GUEST_KILL can only be set. A
 *     killed guest's code is never run again through the host (no method
 *     call, no init, no fini) once signet_guest_set_status() has returned
 *     (a call already past its check on another thread finishes); an
 *     invalid guest gets no new instances.
 * A host may declare itself dedicated: exactly one guest, for good.
 *
 * The guest's principal class (signet/plugin.h) is validated when the
 * bundle loads: version and sizes, and every pointer inside the guest
 * image's own segments (code pointers in its executable ones). The host
 * then checks conformance to protocols it defines, creates instances and
 * calls methods by name with typed values through libffi
 * (signet/value.h): a wrong argument count or type is refused before
 * anything runs.
 *
 * What validation does not do: a loaded guest's constructors have run and
 * its code shares the process, so a malicious *signed* plugin can do
 * anything the host can. Signing decides who may run; validation catches
 * mistakes and mismatched builds, not malice.
 *
 * Isolated guests (docs/isolation.md): a host, or one load, may ask for a
 * guest in its own process instead. The helper executable (signet-guest)
 * is verified under the host's policy and run from its verified bytes; it
 * sandboxes itself (seccomp, Landlock, rlimits, namespaces where allowed;
 * opened up only by entitlements the policy grants), loads the bundle
 * through the same verified load and serves its class over a connection.
 * The API below is the same for both kinds, except: an isolated guest has
 * no image in this process (signet_guest_image() is NULL, lookups by
 * address never find it) but has a pidfd (signet_guest_pidfd(),
 * signet_host_guest_by_pidfd()); instance and pointer arguments cannot
 * reach it. When its process crashes, breaks its sandbox or misses a
 * call's deadline, the call fails (SIGNET_E_GUEST_CRASHED,
 * SIGNET_E_GUEST_SANDBOX, SIGNET_E_TIMEOUT), the guest loses
 * SIGNET_GUEST_VALID for good, and the crash counts toward its cdhash's
 * quarantine (signet/quarantine.h). Calls to one isolated guest are
 * serialized.
 *
 * Ownership: the host owns its guests; signet_host_free() destroys them
 * (their instances must be destroyed first). Instances are the caller's
 * until signet_instance_destroy(). Strings and objects returned by the
 * accessors (identity, image, bundle info, class and method names and
 * encodings) are borrowed from the guest: valid until that guest is
 * removed (signet_host_remove_guest(), signet_host_free()), and not
 * pinned by the call that returned them.
 *
 * Thread-safety: host calls may come from any thread (one lock per host;
 * status flags are atomic). Guest code is never called with that lock
 * held. A call that names a guest by handle is safe against a removal of
 * that guest on another thread: it answers as before or after the removal
 * (SIGNET_E_NOT_FOUND, NULL, 0), never from freed memory. What an
 * accessor returned is not protected that way: a caller that removes
 * guests on one thread must not use that guest's borrowed pointers on
 * another. One instance must not be used by two threads at once.
 * signet_host_load_bundles() examines bundles on worker threads of its own
 * (which block every signal and run no guest code) and loads them on the
 * calling thread.
 */
#ifndef SIGNET_GUEST_H
#define SIGNET_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/bundle.h>
#include <signet/common.h>
#include <signet/error.h>
#include <signet/image.h>
#include <signet/policy.h>
#include <signet/requirement.h>
#include <signet/signature.h>
#include <signet/value.h>

SIGNET_BEGIN_DECLS

typedef struct signet_host signet_host;

/* A guest's handle; 0 is never a guest. */
typedef uint32_t signet_guest_id;

/* Guest status flags. */
#define SIGNET_GUEST_VALID 0x1u /* may only be cleared */
#define SIGNET_GUEST_HARD 0x2u  /* may only be set: the host must not let it be weakened */
#define SIGNET_GUEST_KILL 0x4u  /* may only be set: none of its code runs through the host again */

/* Where a guest runs. */
typedef enum signet_isolation {
	SIGNET_ISOLATION_DEFAULT = 0,    /* for a load: the host's setting; for a host: in process */
	SIGNET_ISOLATION_IN_PROCESS = 1, /* mapped into this process */
	SIGNET_ISOLATION_PROCESS = 2     /* in its own sandboxed process */
} signet_isolation;

typedef struct signet_host_options {
	unsigned version;              /* SIGNET_HOST_OPTIONS_VERSION (1 is still accepted: no fields below it) */
	const signet_policy *policy;   /* borrowed for the host's life; NULL: the process default */
	const char *api_version;       /* the plugin API this host offers; NULL: SIGNET_HOST_API_DEFAULT */
	/* version 2 */
	signet_isolation isolation;    /* the host's default for its loads */
	const char *guest_helper;      /* NULL: $SIGNET_GUEST_HELPER, else the installed signet-guest */
	const char *quarantine_path;   /* NULL: the per-user store (signet/quarantine.h) */
} signet_host_options;

#define SIGNET_HOST_OPTIONS_VERSION 2
#define SIGNET_HOST_OPTIONS_INIT { SIGNET_HOST_OPTIONS_VERSION, NULL, NULL, SIGNET_ISOLATION_DEFAULT, NULL, NULL }

/* One load's options (signet_host_load_bundle_with()). */
typedef struct signet_load_options {
	unsigned version;              /* SIGNET_LOAD_OPTIONS_VERSION */
	signet_isolation isolation;    /* DEFAULT: the host's */
	uint64_t call_timeout_ms;      /* an isolated guest's deadline per call; 0: the policy's */
	uint64_t start_timeout_ms;     /* its process's start and load of the bundle; 0: 120 s */
} signet_load_options;

#define SIGNET_LOAD_OPTIONS_VERSION 1
#define SIGNET_LOAD_OPTIONS_INIT { SIGNET_LOAD_OPTIONS_VERSION, SIGNET_ISOLATION_DEFAULT, 0, 0 }

/* `opts` may be NULL. SIGNET_E_INVALID_ARGUMENT (bad version string), SIGNET_E_POLICY_INVALID, SIGNET_E_NOMEM. */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_host_new(signet_host **out, const signet_host_options *opts,
	signet_error **err);

/*
 * Unloads every guest. Live instances are a caller bug: their guests are
 * leaked (their memory stays valid), but the host is gone, so such an
 * instance must never be used or destroyed afterwards. NULL is a no-op.
 */
SIGNET_EXPORT void signet_host_free(signet_host *host);

/*
 * Dedicates the host to its one guest, irreversibly: no other guest can be
 * added, even after that one is removed. SIGNET_E_HOST_DEDICATED unless the
 * host has exactly one guest (or is already dedicated);
 * SIGNET_E_INVALID_ARGUMENT.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_host_set_dedicated(signet_host *host, signet_error **err);
SIGNET_EXPORT bool signet_host_is_dedicated(const signet_host *host);

/*
 * Examines the bundle at `path` exactly as signet_preflight() does
 * (stopping at the first reason), loads it through the verified pipeline
 * (the snapshot examined is the one mapped; its libraries must be the
 * sealed bytes), validates its principal class and that the class adopts
 * every protocol the manifest lists, and adds it as a new, valid guest
 * whose handle goes to `*out` (written only on success).
 * Errors: those of signet_preflight() and signet_load(),
 * SIGNET_E_CLASS_INVALID, SIGNET_E_HOST_DEDICATED, SIGNET_E_LIMIT (every
 * handle used), SIGNET_E_INVALID_ARGUMENT. On failure nothing is left
 * loaded.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_host_load_bundle(signet_guest_id *out, signet_host *host,
	const char *path, signet_error **err);

/*
 * The same with options: `opts->isolation` chooses where the guest runs.
 * Either way SIGNET_E_QUARANTINED (the bundle's cdhash, before any of its
 * code runs; a store that exists but cannot be read fails closed with its
 * reason; no place for a store at all means nothing is quarantined).
 * Isolated, also: SIGNET_E_ENTITLEMENT_DENIED, SIGNET_E_SANDBOX_UNAVAILABLE,
 * the helper's verification errors (its path named), and those of the
 * guest's process starting and loading (SIGNET_E_GUEST_CRASHED, ...).
 * `opts` may be NULL (as signet_host_load_bundle()).
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_host_load_bundle_with(signet_guest_id *out, signet_host *host,
	const char *path, const signet_load_options *opts, signet_error **err);

/* One bundle's outcome in signet_host_load_bundles(). */
typedef struct signet_guest_result {
	signet_guest_id guest;  /* the new guest's handle; 0 on failure */
	int code;               /* 0, or what signet_host_load_bundle_with() would have returned */
	signet_error *error;    /* the reason when `code` is not 0 (the caller frees it), else NULL */
} signet_guest_result;

/*
 * Loads the `count` bundles of `paths` as guests, each with `load_opts`
 * (NULL: as signet_host_load_bundle()), and writes one result per bundle
 * to `results[i]`, in input order. `opts` (NULL: SIGNET_MANY_OPTIONS_INIT)
 * sets the worker count and all_or_nothing, as for signet_load_many()
 * (signet/loader.h): the examinations (manifest, layout, snapshot,
 * signature, policy, seals, libraries, principal class) run on several
 * threads, each hashing on one core; then, on the calling thread and in
 * input order, each examined bundle is loaded from the very snapshot
 * examined, its class validated and its guest added, so handles, add
 * observers and the image log follow the input order.
 *
 * Isolated loads (SIGNET_ISOLATION_PROCESS, the host's or load_opts'):
 * the host's examinations run in parallel all the same; the guests'
 * processes are then started one after another, in input order, each start
 * waiting for its helper to verify and load its bundle (a start is a
 * process and a handshake, whose failure must be told apart per bundle).
 *
 * Each result is what signet_host_load_bundle_with() would have given, one
 * call after another: one refusal does not stop the others (the same
 * bundle twice gives two guests of one image, loaded twice). With
 * opts->all_or_nothing, either every bundle becomes a guest or none does:
 * all are examined before the first is mapped; a refusal then leaves none
 * mapped, and a later one (loading, the class) removes the guests already
 * added, last first (their code has run: only its effects on the host's
 * guest list are undone); every bundle not itself refused gets
 * SIGNET_E_BATCH_REFUSED naming the one that was.
 *
 * Returns 0 when every bundle loaded (also for count 0), otherwise the
 * code of the first failed index (all or nothing: of the first bundle
 * refused on its own account) with a copy of its error in `*err`. When
 * the call itself is refused (SIGNET_E_INVALID_ARGUMENT: no host, NULL
 * `results` or `paths` with a count, bad options; SIGNET_E_IN_OBSERVER,
 * SIGNET_E_IN_INITIALIZER; SIGNET_E_HOST_DEDICATED; SIGNET_E_NOMEM),
 * nothing is loaded, `*err` gets the reason and every result carries that
 * code and a copy of it. Thread-safety: as signet_host_load_bundle(); it
 * starts and joins its own worker threads, which never run guest code.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_host_load_bundles(signet_guest_result *results, signet_host *host,
	const char *const *paths, size_t count, const signet_load_options *load_opts, const signet_many_options *opts,
	signet_error **err);

/*
 * Removes a guest and unloads its bundle (an isolated guest's process is
 * asked to exit, killed if it does not within 2 seconds, and reaped). SIGNET_E_NOT_FOUND;
 * SIGNET_E_INVALID_ARGUMENT while instances of it are alive;
 * SIGNET_E_IN_OBSERVER, SIGNET_E_IN_INITIALIZER when called from an image
 * observer or a library initializer.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_host_remove_guest(signet_host *host, signet_guest_id guest,
	signet_error **err);

/* Copies up to `max` guest handles, oldest first; returns how many guests there are. */
SIGNET_EXPORT size_t signet_host_guests(const signet_host *host, signet_guest_id *ids, size_t max);

/* ---- status ---- */

/*
 * The guest's status flags into `*status` (written only on success).
 * SIGNET_E_NOT_FOUND, SIGNET_E_INVALID_ARGUMENT.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_guest_status(uint32_t *status, const signet_host *host,
	signet_guest_id guest, signet_error **err);

/*
 * Sets the guest's status to `status`. Only one-way moves are allowed:
 * VALID may go from set to clear, HARD and KILL from clear to set; unknown
 * bits are refused. SIGNET_E_GUEST_STATUS (naming the flag; the status is
 * unchanged), SIGNET_E_NOT_FOUND.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_guest_set_status(signet_host *host, signet_guest_id guest,
	uint32_t status, signet_error **err);

/* ---- lookups ---- */

/*
 * The guest whose image (or a library loaded from its bundle) contains
 * `address`, into `*out` (written only on success). SIGNET_E_NOT_FOUND,
 * SIGNET_E_INVALID_ARGUMENT.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_host_guest_by_address(signet_guest_id *out, const signet_host *host,
	const void *address, signet_error **err);

/*
 * The guest with this cdhash (32 bytes), into `*out` (written only on
 * success). SIGNET_E_NOT_FOUND, SIGNET_E_INVALID_ARGUMENT.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_host_guest_by_cdhash(signet_guest_id *out, const signet_host *host,
	const uint8_t *cdhash, signet_error **err);

/*
 * "Who is calling me": from inside a host function a plugin called, the
 * guest whose code made the call (its return address), as
 * signet_host_guest_by_address(). Must be expanded in the function the
 * plugin called, not in a helper.
 */
#define signet_host_calling_guest(out, host, err) \
	signet_host_guest_by_address((out), (host), \
		__builtin_extract_return_addr(__builtin_return_address(0)), (err))

/* Does the guest run in its own process? */
SIGNET_EXPORT bool signet_guest_is_isolated(const signet_host *host, signet_guest_id guest);

/* An isolated guest's pidfd (borrowed: valid until the guest is removed), or -1. */
SIGNET_EXPORT int signet_guest_pidfd(const signet_host *host, signet_guest_id guest);

/*
 * The isolated guest whose process `pidfd` refers to (any pidfd of it,
 * compared by the process, not the descriptor), into `*out`.
 * SIGNET_E_NOT_FOUND, SIGNET_E_INVALID_ARGUMENT (not a pidfd).
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_host_guest_by_pidfd(signet_guest_id *out, const signet_host *host,
	int pidfd, signet_error **err);

/* ---- identity ---- */

/* Does the guest's verified identity satisfy `req`? SIGNET_E_REQUIREMENT_UNMET, SIGNET_E_NOT_FOUND. */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_guest_check_requirement(const signet_host *host, signet_guest_id guest,
	const signet_requirement *req, signet_error **err);

/* Borrowed until the guest is removed (see Ownership above); NULL when there is no such guest. */
SIGNET_EXPORT const signet_identity *signet_guest_identity(const signet_host *host, signet_guest_id guest);
SIGNET_EXPORT const signet_image *signet_guest_image(const signet_host *host, signet_guest_id guest);
SIGNET_EXPORT const signet_bundle_info *signet_guest_bundle_info(const signet_host *host, signet_guest_id guest);

/* ---- classes and protocols ---- */

/* One method a protocol names: its encoding, and whether a class must have it. */
typedef struct signet_protocol_method {
	const char *name;
	const char *types;
	bool required;
} signet_protocol_method;

/* A protocol the host defines. */
typedef struct signet_protocol {
	const char *name;
	uint32_t version;
	size_t nmethods;
	const signet_protocol_method *methods;
} signet_protocol;

/*
 * Does the guest's class conform to `protocol`? It must adopt it (same name
 * and version), have every required method, and give every method the
 * protocol names (required or optional, when present) the same encoding.
 * SIGNET_E_PROTOCOL_MISMATCH names the first difference, expected vs actual.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_guest_conforms(const signet_host *host, signet_guest_id guest,
	const signet_protocol *protocol, signet_error **err);

/*
 * The class: its name, methods (name and encoding). NULL / 0 when there is
 * no such guest. The strings live in the guest's image: borrowed until the
 * guest is removed.
 */
SIGNET_EXPORT const char *signet_guest_class_name(const signet_host *host, signet_guest_id guest);
SIGNET_EXPORT size_t signet_guest_method_count(const signet_host *host, signet_guest_id guest);
SIGNET_EXPORT const char *signet_guest_method_name(const signet_host *host, signet_guest_id guest, size_t index);
SIGNET_EXPORT const char *signet_guest_method_types(const signet_host *host, signet_guest_id guest, size_t index);

/* ---- instances and calls ---- */

/*
 * Creates an instance of the guest's class: instance_size zeroed bytes,
 * then init; `*out` is written only on success. The instance pins its
 * guest (signet_host_remove_guest() refuses while it lives).
 * SIGNET_E_GUEST_INVALID (killed or not valid), SIGNET_E_INSTANCE_INIT,
 * SIGNET_E_NOT_FOUND, SIGNET_E_NOMEM, SIGNET_E_INVALID_ARGUMENT.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_instance_create(signet_instance **out, signet_host *host,
	signet_guest_id guest, signet_error **err);

/*
 * Frees the instance: it stops being accepted as an instance argument,
 * then fini runs (unless the guest was killed). NULL is a no-op.
 */
SIGNET_EXPORT void signet_instance_destroy(signet_instance *instance);

/* The guest the instance belongs to. */
SIGNET_EXPORT signet_guest_id signet_instance_guest(const signet_instance *instance);

/* The encoding of `method`, or NULL when the class has no such method. */
SIGNET_EXPORT const char *signet_instance_method_types(const signet_instance *instance, const char *method);

/*
 * Calls `method` on the instance with `nargs` typed arguments. The result
 * (type 'v' for void) is written only on success; clear it with
 * signet_value_clear(). An instance argument must be a live instance (not
 * destroyed) of the same host as `instance`; it is found among the host's
 * live instances by its pointer alone (a search linear in their number)
 * before anything is read through it, and the method gets its instance
 * memory. SIGNET_E_NO_METHOD; SIGNET_E_ARGUMENT_MISMATCH (no call made: a
 * wrong count or type, a NULL instance, an instance that is not a live
 * instance of this host, a buffer with NULL data; the message names the
 * argument's position); SIGNET_E_GUEST_INVALID (the guest was killed: no
 * call made).
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_instance_invoke(signet_instance *instance, const char *method,
	const signet_value *args, size_t nargs, signet_value *result, signet_error **err);

SIGNET_END_DECLS

#endif /* SIGNET_GUEST_H */
