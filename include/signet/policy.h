/* SPDX-License-Identifier: MIT */
/*
 * signet/policy.h - what a host admits: trust anchors, the requirement,
 * allow and deny lists, and which unsigned platform libraries may satisfy
 * a dependency.
 *
 * A policy starts from safe defaults (signet_policy_new()) or from a JSON
 * file (signet_policy_load(); docs/policy.md gives the format):
 *  - no trust anchors: every load fails until anchors are set;
 *  - requirement "anchor trusted and team = host";
 *  - no allow lists (any identity the requirement accepts) and no deny lists;
 *  - platform directories /lib/<triplet>, /usr/lib/<triplet>, /lib64,
 *    /usr/lib64, /lib, /usr/lib (the Debian multiarch set, <triplet> being
 *    this build's, e.g. x86_64-linux-gnu) and no soname restriction;
 *  - a signing certificate without a team is refused;
 *  - isolated guests: quarantined after 3 crashes of one cdhash, never
 *    started without Landlock, granted no entitlement and no path to read,
 *    1024 MiB of address space to add, 300 s of CPU, 25 s per call.
 *
 * The host's own team (for `team = host`) is found when anchors are set:
 * the running executable (/proc/self/exe) is verified against those anchors;
 * if it verifies, its team is the host's, otherwise the host has no team and
 * `team = host` is never satisfied. It is computed once per
 * signet_policy_set_anchors() and never re-read.
 *
 * Ownership: a policy returned through `*out` belongs to the caller; release
 * it with signet_policy_free(). Strings and arrays passed to the setters are
 * copied. Strings returned belong to the policy. Every setter leaves the
 * policy unchanged when it fails.
 *
 * Thread-safety: build a policy (new/load and the setters) in one thread;
 * afterwards it may be shared read-only by any number of concurrent loads
 * and accessor calls. Calling a setter while another thread uses the same
 * policy is a data race.
 */
#ifndef SIGNET_POLICY_H
#define SIGNET_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <signet/common.h>
#include <signet/error.h>

SIGNET_BEGIN_DECLS

/* Largest policy file accepted, in bytes (checked before reading). */
#define SIGNET_POLICY_MAX_FILE_SIZE (1024 * 1024)

/* Most entries in one allow or deny list. */
#define SIGNET_POLICY_MAX_ENTRIES 65536

/* Most platform directories, and most sonames in the soname list. */
#define SIGNET_POLICY_MAX_DIRECTORIES 64
#define SIGNET_POLICY_MAX_SONAMES 4096

/* Most uids accepted without an identity (signet_policy_accept_uninspectable_uid()). */
#define SIGNET_POLICY_MAX_UIDS 256

/* Opaque policy. */
typedef struct signet_policy signet_policy;

/*
 * A policy with the defaults above. Errors: SIGNET_E_INVALID_ARGUMENT,
 * SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_new(signet_policy **out, signet_error **err);

/*
 * A policy from the JSON file at `path`: the defaults, then each field the
 * file sets. Relative paths in the file resolve against the directory of
 * `path` (as given, not its real path). Errors: SIGNET_E_IO (the file
 * cannot be opened, read, or is not a regular file), SIGNET_E_POLICY_INVALID
 * (larger than SIGNET_POLICY_MAX_FILE_SIZE, not UTF-8, not JSON, duplicate
 * or unknown keys, wrong types, bad values, a requirement that does not
 * parse, anchors that cannot be loaded; the message names the file and the
 * line or JSON path, the cause carries the underlying error), for the
 * files of its "revocation" section the codes of the setters below under
 * the policy file's name, SIGNET_E_INVALID_ARGUMENT, SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_load(signet_policy **out, const char *path,
	signet_error **err);

/*
 * Loads the trust anchors from a PEM file or a directory of .pem/.crt
 * files, replacing any set before, and determines the host's identity
 * against them (see above). Errors: those of signet_trust_load()
 * (SIGNET_E_IO, SIGNET_E_NOT_FOUND, SIGNET_E_CERT_CHAIN, SIGNET_E_LIMIT),
 * SIGNET_E_INVALID_ARGUMENT, SIGNET_E_NOMEM. A host that does not verify
 * is not an error: it has no team.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_set_anchors(signet_policy *p, const char *path,
	signet_error **err);

/*
 * Loads the anchors of time-stamping authorities (a PEM file or a directory
 * of them, as for signet_policy_set_anchors()), replacing any set before.
 * A signature's RFC 3161 timestamp from a TSA chaining to one of them is the
 * time its certificates are judged at, so a plugin stays valid after its
 * certificate expired (docs/certificates.md, "The time rule"). Without TSA
 * anchors timestamps are not used. Errors: those of signet_trust_load().
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_set_tsa_anchors(signet_policy *p, const char *path,
	signet_error **err);

/*
 * Reads a trust bundle (docs/revocation.md, "One trust bundle for a
 * fleet"): one signed, versioned file with the anchors, TSA anchors,
 * requirement, revocation entries and CRLs of a fleet. The bundle must be
 * signed by a certificate chaining to the anchors in `signers` (a PEM file
 * or directory, as for signet_policy_set_anchors(); the bundle cannot name
 * its own signers) and must not be older than one already read with its
 * name (rollback, the same state as revocation lists). Its anchors replace
 * the policy's (and fix the host's team), its TSA anchors replace any set
 * before (none when it names none), its requirement replaces the policy's
 * when it names one, and its entries and CRLs are checked at every
 * admission like a revocation list's, including its expiry. One bundle per
 * policy. Errors: SIGNET_E_TRUST_BUNDLE (check "trust_bundle",
 * "trust_bundle.rollback"), SIGNET_E_LIMIT, those of signet_trust_load()
 * for `signers`, SIGNET_E_POLICY_INVALID (a second bundle),
 * SIGNET_E_STATE_DAMAGED, SIGNET_E_INVALID_ARGUMENT, SIGNET_E_NOMEM. On an
 * error other than SIGNET_E_NOMEM the policy is unchanged.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_set_trust_bundle(signet_policy *p, const char *path,
	const char *signers, signet_error **err);

/*
 * Replaces the requirement every image must satisfy (docs/requirements.md).
 * Errors: SIGNET_E_REQUIREMENT_SYNTAX (with the column), SIGNET_E_LIMIT,
 * SIGNET_E_INVALID_ARGUMENT, SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_set_requirement(signet_policy *p, const char *text,
	signet_error **err);

/*
 * Adds to the allow lists. Once either list is non-empty, an image must be
 * named by one of them (its identifier or its cdhash), in addition to
 * satisfying the requirement. An identifier is 1 to 255 characters of
 * A-Z a-z 0-9 . - _; a cdhash is 64 hex digits, either case. Errors:
 * SIGNET_E_POLICY_INVALID (bad value), SIGNET_E_LIMIT (list full),
 * SIGNET_E_INVALID_ARGUMENT, SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_allow_identifier(signet_policy *p, const char *identifier,
	signet_error **err);
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_allow_cdhash(signet_policy *p, const char *hex64,
	signet_error **err);

/*
 * Adds to the deny lists: an image with this cdhash, or whose signing (leaf)
 * certificate has this serial number, is refused whatever else the policy
 * says. A serial is 1 to 64 hex digits, either case; leading zeros do not
 * matter ("0A1B" names the same certificate as "a1b"). Same errors as the
 * allow calls.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_deny_cdhash(signet_policy *p, const char *hex64,
	signet_error **err);
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_deny_serial(signet_policy *p, const char *hex,
	signet_error **err);

/*
 * Offline revocation (docs/revocation.md). Each file is read and verified
 * once, here; admission then refuses what they revoke with SIGNET_E_REVOKED.
 *
 * signet_policy_set_revocation_signers(): the anchors (PEM file or
 * directory, as signet_policy_set_anchors()) that sign revocation lists;
 * without it, the policy's own anchors do. Must come before the first list.
 *
 * signet_policy_add_revocation_list(): a signed list (`signet revoke`):
 * verified against the list signers, parsed, and its sequence compared
 * with the highest seen for its name on this host (per user:
 * $XDG_STATE_HOME/signet/revocation.json), which it raises. Errors:
 * SIGNET_E_REVOCATION_LIST (malformed, badly signed, untrusted signer, a
 * sequence older than one seen: check "revocation.rollback"),
 * SIGNET_E_POLICY_INVALID (no anchors yet, a second list of the same name),
 * SIGNET_E_STATE_DAMAGED, SIGNET_E_IO, SIGNET_E_LIMIT, SIGNET_E_NOMEM.
 *
 * signet_policy_add_crl(): an X.509 CRL (PEM or DER), applied to every
 * certificate of a verified chain whose issuer it names; its signature is
 * checked against that issuer. SIGNET_E_REVOCATION_LIST (not a CRL),
 * SIGNET_E_IO, SIGNET_E_LIMIT, SIGNET_E_NOMEM.
 *
 * signet_policy_set_expired_lists_ignored(): by default (false) a list or
 * CRL past its expiry refuses every admission (SIGNET_E_REVOCATION_LIST,
 * check "revocation.expired"); true keeps applying it as it is.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_set_revocation_signers(signet_policy *p, const char *path,
	signet_error **err);
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_add_revocation_list(signet_policy *p, const char *path,
	signet_error **err);
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_add_crl(signet_policy *p, const char *path, signet_error **err);
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_set_expired_lists_ignored(signet_policy *p, bool ignore,
	signet_error **err);

/*
 * Replaces the platform directories: where an unsigned dependency may come
 * from, searched in this order. Each must be an absolute path; `n` may be
 * 0 (no platform library is acceptable). Errors: SIGNET_E_POLICY_INVALID,
 * SIGNET_E_LIMIT (more than SIGNET_POLICY_MAX_DIRECTORIES),
 * SIGNET_E_INVALID_ARGUMENT, SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_set_platform_directories(signet_policy *p,
	const char *const *dirs, size_t n, signet_error **err);

/*
 * Restricts platform libraries to these sonames ("libc.so.6"): a soname is
 * a file name (no '/', not "." or ".."). `sonames` NULL with `n` 0 lifts the
 * restriction (the default); a non-NULL empty list admits no platform
 * library at all. Errors: as signet_policy_set_platform_directories()
 * (limit SIGNET_POLICY_MAX_SONAMES).
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_set_platform_sonames(signet_policy *p,
	const char *const *sonames, size_t n, signet_error **err);

/*
 * Whether a signing certificate without a team (zero or several subject
 * OUs) is accepted by verification. Default false. Such an image still has
 * to satisfy the requirement, which `team = host` never is without a team.
 * Errors: SIGNET_E_INVALID_ARGUMENT.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_set_allow_no_team(signet_policy *p, bool allow,
	signet_error **err);

/*
 * Accepts processes of `uid` that this caller cannot inspect (another
 * user's, whose /proc entries it may not read: signet/process.h) as peers
 * without an identity: signet_process_check() then returns 0 for such an
 * unknown process of that uid, and evaluates no requirement. Meant for
 * system services (uid 0) talking to a caller that does not run as root.
 * A process that could be inspected is never judged by its uid. Adding a
 * uid twice is not an error. None by default. Errors:
 * SIGNET_E_POLICY_INVALID ((uid_t)-1, which names no user), SIGNET_E_LIMIT
 * (more than SIGNET_POLICY_MAX_UIDS), SIGNET_E_INVALID_ARGUMENT,
 * SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_accept_uninspectable_uid(signet_policy *p, uid_t uid,
	signet_error **err);

/* ---- isolated guests (docs/policy.md, "Isolated guests") ----------------
 *
 * A guest that runs in its own sandboxed process computes only, unless its
 * signature carries entitlements (docs/signature-format.md section 5) that
 * this policy grants. Each setter below is the key of the same name in the
 * policy file's "isolation" object.
 */

/* The entitlements Signet defines; any other "org.signet." name is refused. */
#define SIGNET_ENTITLEMENT_NETWORK_CLIENT "org.signet.network.client" /* TCP and UDP client sockets */
#define SIGNET_ENTITLEMENT_FILES_READ "org.signet.files.read"         /* read the policy's read paths */

#define SIGNET_POLICY_DEFAULT_CRASH_LIMIT 3
#define SIGNET_POLICY_MAX_CRASH_LIMIT 1000000
#define SIGNET_POLICY_DEFAULT_MEMORY_MB 1024
#define SIGNET_POLICY_MAX_MEMORY_MB 1048576              /* 1 TiB */
#define SIGNET_POLICY_DEFAULT_CPU_SECONDS 300
#define SIGNET_POLICY_MAX_CPU_SECONDS (365 * 86400)      /* a year */
#define SIGNET_POLICY_DEFAULT_CALL_TIMEOUT_MS 25000
#define SIGNET_POLICY_MAX_CALL_TIMEOUT_MS (86400 * 1000) /* a day */
/* Most names in the grant list, and most read paths. */
#define SIGNET_POLICY_MAX_GRANTS 64
#define SIGNET_POLICY_MAX_READ_PATHS 64

/*
 * How many times the isolated guests of one cdhash may crash (end by a
 * signal, exit, or break their sandbox) before that cdhash is quarantined;
 * 0 never quarantines. Default SIGNET_POLICY_DEFAULT_CRASH_LIMIT, at most
 * SIGNET_POLICY_MAX_CRASH_LIMIT. Errors: SIGNET_E_POLICY_INVALID (over the
 * maximum), SIGNET_E_INVALID_ARGUMENT.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_set_isolation_crash_limit(signet_policy *p, unsigned crashes,
	signet_error **err);

/*
 * Whether isolation may go ahead when the kernel lacks Landlock (file
 * access is then limited by the seccomp filter and the other mechanisms
 * alone). Default false: such a guest is not started
 * (SIGNET_E_SANDBOX_UNAVAILABLE). A kernel without seccomp is never
 * accepted, whatever this says. Errors: SIGNET_E_INVALID_ARGUMENT.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_set_isolation_accept_weaker(signet_policy *p, bool accept,
	signet_error **err);

/*
 * Replaces the entitlements this host grants to isolated guests whose
 * signatures ask for them: each one of the SIGNET_ENTITLEMENT_ names (a
 * name twice counts once); `n` 0 grants none (the default). A guest asking
 * for an entitlement not granted is refused (SIGNET_E_ENTITLEMENT_DENIED).
 * Errors: SIGNET_E_POLICY_INVALID (a name Signet does not define),
 * SIGNET_E_LIMIT (more than SIGNET_POLICY_MAX_GRANTS),
 * SIGNET_E_INVALID_ARGUMENT.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_set_isolation_grant(signet_policy *p,
	const char *const *names, size_t n, signet_error **err);

/*
 * Replaces the directories a guest granted SIGNET_ENTITLEMENT_FILES_READ
 * may read (each with everything below it). Each must be an absolute,
 * normalized path: no empty, "." or ".." component and no trailing '/'
 * ("/" itself is allowed). None by default. Errors: SIGNET_E_POLICY_INVALID,
 * SIGNET_E_LIMIT (more than SIGNET_POLICY_MAX_READ_PATHS),
 * SIGNET_E_INVALID_ARGUMENT, SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_set_isolation_read_paths(signet_policy *p,
	const char *const *dirs, size_t n, signet_error **err);

/*
 * The resources of one isolated guest: the address space it may add to
 * what its process has mapped when the sandbox closes (MiB), the CPU time
 * its process may use (seconds), and how long one call to it may take
 * (milliseconds) before the guest is ended. Each from 1 to its
 * SIGNET_POLICY_MAX_ value; defaults SIGNET_POLICY_DEFAULT_MEMORY_MB,
 * _CPU_SECONDS, _CALL_TIMEOUT_MS. Errors: SIGNET_E_POLICY_INVALID (0 or
 * over the maximum), SIGNET_E_INVALID_ARGUMENT.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_set_isolation_memory_mb(signet_policy *p, unsigned mb,
	signet_error **err);
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_set_isolation_cpu_seconds(signet_policy *p, unsigned seconds,
	signet_error **err);
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_policy_set_isolation_call_timeout_ms(signet_policy *p, unsigned ms,
	signet_error **err);

/*
 * The host's team, as found by the last signet_policy_set_anchors(), or
 * NULL: no anchors yet, or the host executable is unsigned, does not verify
 * against the anchors, or was signed without a team.
 */
SIGNET_EXPORT const char *signet_policy_host_team(const signet_policy *p);

/* Frees `p`. signet_policy_free(NULL) does nothing. */
SIGNET_EXPORT void signet_policy_free(signet_policy *p);

SIGNET_END_DECLS

#endif /* SIGNET_POLICY_H */
