/* SPDX-License-Identifier: MIT */
/*
 * signet/error.h - stable error codes and the caller-owned error object.
 *
 * Every fallible Signet call returns 0 (SIGNET_OK) or one of the negative
 * codes below, and, when the caller passes a non-NULL `signet_error **err`,
 * stores a newly allocated error object there on failure (and leaves it
 * untouched on success). The object belongs to the caller: release it with
 * signet_error_free(). There is no thread-local "last error".
 *
 * Codes are part of the ABI: never renumbered. They come from one list,
 * SIGNET_ERROR_CODES below, which also makes the library's names and
 * descriptions and the table in docs/errors.md.
 *
 * Thread-safety: error objects are immutable once returned; reading one from
 * several threads is safe. The code tables are static and read-only.
 */
#ifndef SIGNET_ERROR_H
#define SIGNET_ERROR_H

#include <signet/common.h>

SIGNET_BEGIN_DECLS

/*
 * The codes: one list, from which the enum below, the library's
 * signet_code_name(), signet_code_description() and signet_code_is_fatal(),
 * and the table of docs/errors.md are all made.
 *
 *   X(name, value, fatal, description, meaning)
 *     fatal        1 for refusals no policy may waive (signet_code_is_fatal())
 *     description  a few words: signet_code_description()
 *     meaning      the sentence docs/errors.md gives
 *
 * Ranges: -1..-49 general, -50..-99 registry and loading, -100.. ELF
 * structure, -200.. signatures, -300.. policy and requirements, -400..
 * bundles, -500.. processes and connections. Values are ABI: never
 * renumbered, never reused.
 */
#define SIGNET_ERROR_CODES(X) \
	X(SIGNET_OK, 0, 0, "success", \
	  "success") \
	/* general */ \
	X(SIGNET_E_INVALID_ARGUMENT, -1, 0, "invalid argument", \
	  "a parameter was NULL, empty or out of range") \
	X(SIGNET_E_NOMEM, -2, 0, "out of memory", \
	  "memory allocation failed") \
	X(SIGNET_E_IO, -3, 0, "input/output error", \
	  "a system call on a file failed (`signet_error_os_errno()` says which errno), or the path is not a regular file") \
	X(SIGNET_E_NOT_FOUND, -4, 0, "not found", \
	  "the image, symbol or record looked up is not there") \
	X(SIGNET_E_LIMIT, -5, 0, "hard limit exceeded", \
	  "input exceeds a documented hard limit") \
	X(SIGNET_E_INTERNAL, -6, 0, "internal error", \
	  "an invariant broke: a bug in Signet; please report it") \
	X(SIGNET_E_STATE_DAMAGED, -7, 0, "damaged state file", \
	  "a file Signet keeps its own state in (the quarantine store, the preflight cache) is not what Signet writes: not JSON, a field missing or of the wrong type, a value out of range, a MAC that does not match; the message names the file and the field") \
	/* registry and loading */ \
	X(SIGNET_E_IN_OBSERVER, -50, 0, "called from inside an image observer", \
	  "`signet_load()`/`signet_unload()` called from inside an image observer callback") \
	X(SIGNET_E_IN_INITIALIZER, -51, 0, "called from inside an image initializer or finalizer", \
	  "`signet_load()`/`signet_unload()` called from a constructor or destructor that Signet's own load or unload is running") \
	X(SIGNET_E_DLOPEN, -52, 0, "the dynamic linker refused the image", \
	  "the dynamic linker refused the image; the message quotes `dlerror()`") \
	X(SIGNET_E_NOT_LOADED, -53, 0, "image was not loaded by Signet", \
	  "unload (or symbol lookup) of an image that `signet_load()` did not load, or already unloaded") \
	X(SIGNET_E_OBSERVER_UNKNOWN, -54, 0, "no observer has this token", \
	  "no registered observer has this token (never registered, or already removed)") \
	X(SIGNET_E_DEPENDENCY_UNRESOLVED, -55, 0, "a dependency has no acceptable candidate", \
	  "a DT_NEEDED has no acceptable candidate; the message names the dependency and every path tried") \
	X(SIGNET_E_DEPENDENCY_CONFLICT, -56, 0, "an unacceptable image holds a needed soname", \
	  "an image already in the process holds a needed soname but is not acceptable under the policy; it is never bound silently") \
	X(SIGNET_E_SEALING_UNAVAILABLE, -57, 0, "the kernel refuses sealed executable memory", \
	  "the kernel refuses sealed or executable memfds (`vm.memfd_noexec=2`, no `F_SEAL_*`): loading fails closed") \
	X(SIGNET_E_SONAME_CONFLICT, -58, 0, "another image with this soname is loaded", \
	  "a different image with the same soname is already loaded; Signet does not alias them") \
	X(SIGNET_E_BATCH_REFUSED, -59, 0, "another file of an all-or-nothing batch was refused", \
	  "not loaded (or loaded and given back) because another file of the same all-or-nothing batch was refused; the message names that file") \
	/* ELF structure */ \
	X(SIGNET_E_NOT_ELF, -100, 1, "not an ELF file", \
	  "not an ELF file: bad magic, or shorter than an ELF header") \
	X(SIGNET_E_ELF_MALFORMED, -101, 1, "malformed ELF structure", \
	  "ELF headers, sections or segments out of bounds or inconsistent") \
	X(SIGNET_E_ELF_UNSUPPORTED, -102, 0, "unsupported ELF class, byte order, machine or type", \
	  "wrong class, byte order, machine or object type for this host") \
	/* signatures */ \
	X(SIGNET_E_UNSIGNED, -200, 0, "not signed", \
	  "the file has no signature blob") \
	X(SIGNET_E_SIGNATURE_MALFORMED, -201, 1, "malformed signature", \
	  "the blob or its CodeDirectory breaks the format (bounds, counts, reserved bytes, strings)") \
	X(SIGNET_E_SIGNATURE_NOT_LAST, -202, 1, "data after the signature", \
	  "bytes follow the blob, or the blob is not at the end of the file") \
	X(SIGNET_E_SIGNATURE_DUPLICATE, -203, 1, "more than one signature", \
	  "more than one signature blob") \
	X(SIGNET_E_PAGE_MISMATCH, -204, 1, "a page was modified after signing", \
	  "a page hash differs: the file changed after signing; the error gives page index and offset") \
	X(SIGNET_E_CMS_MISMATCH, -205, 1, "the CMS signature does not match the CodeDirectory", \
	  "the CMS signature does not verify over the CodeDirectory") \
	X(SIGNET_E_UNTRUSTED_ANCHOR, -206, 0, "not signed by a trusted anchor", \
	  "the certificate chain does not end at a trusted anchor") \
	X(SIGNET_E_CERT_EXPIRED, -207, 0, "certificate expired", \
	  "a certificate in the chain has expired") \
	X(SIGNET_E_CERT_NOT_YET_VALID, -208, 0, "certificate not yet valid", \
	  "a certificate in the chain is not valid yet") \
	X(SIGNET_E_CERT_NO_CODESIGN_EKU, -209, 0, "signing certificate lacks the code-signing usage", \
	  "the leaf certificate lacks the code-signing extended key usage") \
	X(SIGNET_E_CERT_NO_TEAM, -210, 0, "signing certificate names no single team", \
	  "the leaf has zero or several subject OUs, so no team") \
	X(SIGNET_E_CERT_CHAIN, -211, 0, "invalid certificate chain", \
	  "the chain is invalid otherwise (an intermediate that is not a CA, a bad issuer signature)") \
	X(SIGNET_E_SIGNATURE_UNSUPPORTED, -212, 0, "unsupported signature parameters", \
	  "a hash type, page size or format version this build does not know") \
	X(SIGNET_E_SEAL_MISMATCH, -213, 1, "a sealed resource does not match", \
	  "a special slot (bundle manifest, resource seal) does not match what it seals") \
	X(SIGNET_E_TIMESTAMP_INVALID, -220, 0, "invalid secure timestamp", \
	  "the signature's RFC 3161 timestamp cannot be accepted: over other bytes, its time outside the signer's validity, a TSA not trusted when the time was needed, or malformed; the check names which") \
	/* requirements and policy */ \
	X(SIGNET_E_REQUIREMENT_SYNTAX, -300, 0, "requirement syntax error", \
	  "the requirement text does not parse; the error gives the column") \
	X(SIGNET_E_REQUIREMENT_UNMET, -301, 0, "requirement not satisfied", \
	  "the identity does not satisfy the requirement; expected/actual say which clause") \
	X(SIGNET_E_POLICY_DENIED, -302, 0, "denied by policy", \
	  "a deny list names the image's cdhash or its signing certificate's serial") \
	X(SIGNET_E_POLICY_NOT_ALLOWED, -303, 0, "not on the policy's allow list", \
	  "the policy has allow lists and none names the image's identifier or cdhash") \
	X(SIGNET_E_PLATFORM_REFUSED, -304, 0, "not an acceptable platform library", \
	  "an unsigned library is not an acceptable platform library (directory, ownership, permissions, soname list)") \
	X(SIGNET_E_POLICY_INVALID, -305, 0, "invalid policy", \
	  "a policy file or setting is invalid; the message names the file and the field") \
	X(SIGNET_E_REVOKED, -310, 0, "revoked", \
	  "a revocation list or CRL the policy reads revokes the image's cdhash, team or a certificate of its chain; the message names the entry and the file") \
	X(SIGNET_E_REVOCATION_LIST, -311, 0, "unusable revocation list or CRL", \
	  "a revocation list or CRL is malformed, not signed by a trusted list signer, older than one already seen (rollback) or expired; the message names the file") \
	X(SIGNET_E_TRUST_BUNDLE, -312, 0, "unusable trust bundle", \
	  "a trust bundle is malformed, not signed by a bundle signer the policy names, older than one already seen (rollback) or expired; the message names the file and the member") \
	/* bundles */ \
	X(SIGNET_E_MANIFEST_INVALID, -400, 0, "invalid bundle manifest", \
	  "a bundle's manifest.json breaks the schema; the message names the field and the rule (line and column for JSON syntax)") \
	X(SIGNET_E_BUNDLE_INVALID, -401, 0, "invalid bundle layout", \
	  "a bundle's layout is invalid: not a directory, manifest.json or the executable missing or not a regular file, a symlink that leaves the bundle, a special file, a name outside the portable alphabet, or the bundle changed while it was read; the message names the entry") \
	X(SIGNET_E_BUNDLE_UNSEALED, -402, 0, "bundle content not sealed", \
	  "a file in the bundle that the resource seal does not cover (named), or an executable whose signature seals no manifest or resource seal") \
	X(SIGNET_E_PRINCIPAL_CLASS, -403, 0, "principal class unusable", \
	  "the manifest's principal class is not exported in `.dynsym`, is a function rather than data, is smaller than a class descriptor, or lies outside every loadable segment") \
	X(SIGNET_E_HOST_API, -404, 0, "host API incompatible", \
	  "the bundle's `host_api` range does not admit the host's API version (expected: the range, actual: the host's version)") \
	X(SIGNET_E_CLASS_INVALID, -405, 0, "invalid class descriptor", \
	  "a loaded class descriptor is malformed: magic, version or sizes, a method type encoding, a duplicate method, or a pointer outside the image's own segments (named)") \
	X(SIGNET_E_PROTOCOL_MISMATCH, -406, 0, "protocol not conformed to", \
	  "the class does not conform to a protocol: it does not adopt it (or another version), a required method is missing, or a method's type encoding differs (expected vs actual)") \
	X(SIGNET_E_NO_METHOD, -407, 0, "no such method", \
	  "the class has no method of that name") \
	X(SIGNET_E_ARGUMENT_MISMATCH, -408, 0, "argument mismatch", \
	  "the arguments given do not match the method's type encoding (count or type, expected vs actual), or a text argument does not parse as its type; no call was made") \
	X(SIGNET_E_GUEST_INVALID, -409, 0, "guest not runnable", \
	  "the guest is killed (or no longer valid, for calls that require validity): none of its code is run") \
	X(SIGNET_E_GUEST_STATUS, -410, 0, "illegal guest status change", \
	  "a guest status change moves a flag the wrong way: valid can only be cleared, hard and kill can only be set") \
	X(SIGNET_E_HOST_DEDICATED, -411, 0, "dedicated host", \
	  "the host is dedicated and already has its one guest, or cannot become dedicated because it does not have exactly one guest") \
	X(SIGNET_E_INSTANCE_INIT, -412, 0, "instance init failed", \
	  "a class's init function returned non-zero; the instance was not created (the value is in the message)") \
	/* processes and connections */ \
	X(SIGNET_E_PROCESS_UNKNOWN, -500, 0, "process cannot be inspected", \
	  "the identity of a process cannot be known: this caller may not read its `/proc` entries (another user's process) or the kernel does not say who it is; the message says why, never a guess") \
	X(SIGNET_E_PROCESS_GONE, -501, 0, "process exited", \
	  "the process exited (or its pid now names another process) before or while it was inspected") \
	X(SIGNET_E_PROCESS_INVALID, -502, 0, "process not valid", \
	  "the process is not valid: its main executable is unsigned, does not verify or changed on disk after exec, or an executable mapping is none of the accounted kinds (the mapping is named)") \
	X(SIGNET_E_PEER_REFUSED, -503, 0, "peer refused", \
	  "the process at the other end of a connection does not satisfy the connection's requirement, or its team is not the service name's; expected/actual say which clause") \
	X(SIGNET_E_CONNECTION_INVALID, -504, 0, "connection invalidated", \
	  "the connection can never be used again: its peer was refused, sent a malformed message, or it was cancelled; the cause says which") \
	X(SIGNET_E_CONNECTION_INTERRUPTED, -505, 0, "connection interrupted", \
	  "the peer exited or closed the connection; a connection made by service name reconnects on its next call") \
	X(SIGNET_E_TIMEOUT, -506, 0, "timed out", \
	  "a call got no reply within its timeout") \
	X(SIGNET_E_REMOTE_ERROR, -507, 0, "the peer replied with an error", \
	  "the peer replied to a call with a named error; expected names the method, actual the error name, the message the peer's text") \
	X(SIGNET_E_PROTOCOL, -508, 0, "malformed message", \
	  "a message broke the protocol or a limit: wrong signature, a value that cannot be decoded, nesting, sizes or file descriptors over the limits, a message before the handshake") \
	X(SIGNET_E_SERVICE_NAME, -509, 0, "invalid service name", \
	  "a service name is not `TEAMID.reverse.dns.name`, or a process may not publish it (its team is not the name's), or its socket path is not a socket that this user owns") \
	/* isolated guests */ \
	X(SIGNET_E_GUEST_CRASHED, -600, 0, "guest process ended", \
	  "an isolated guest's process ended during or before a call: killed by a signal (named) or exited; the guest is no longer valid and the crash counts toward its cdhash's quarantine") \
	X(SIGNET_E_GUEST_SANDBOX, -601, 0, "guest broke its sandbox", \
	  "an isolated guest made a system call its sandbox forbids (the call is named) and was ended; it counts as a crash") \
	X(SIGNET_E_SANDBOX_UNAVAILABLE, -602, 0, "sandbox unavailable", \
	  "the kernel lacks a mechanism isolation requires (Landlock, seccomp, no_new_privs; the message says which) and the policy does not accept weaker isolation") \
	X(SIGNET_E_QUARANTINED, -603, 0, "quarantined", \
	  "the bundle's cdhash is quarantined: its isolated guests crashed as many times as the policy allows; a new build (a new cdhash) starts afresh, `signet-host quarantine clear` forgives it") \
	X(SIGNET_E_ENTITLEMENT_DENIED, -604, 0, "entitlement not granted", \
	  "the bundle's signature carries an entitlement the host's policy does not grant (named), or an entitlement Signet does not know")

#define SIGNET_CODE_ENUMERATOR_(name, value, fatal, description, meaning) name = value,
typedef enum signet_code {
	SIGNET_ERROR_CODES(SIGNET_CODE_ENUMERATOR_)
} signet_code;

/* Opaque error object; see the accessors below. */
typedef struct signet_error signet_error;

/* The code carried by `err` (SIGNET_E_INVALID_ARGUMENT when err is NULL). */
SIGNET_EXPORT int signet_error_code(const signet_error *err);

/*
 * One-line human message, never NULL. When a path is attached the message
 * begins with it ("<path>: <reason>").
 */
SIGNET_EXPORT const char *signet_error_message(const signet_error *err);

/* The file the error is about, or NULL. */
SIGNET_EXPORT const char *signet_error_path(const signet_error *err);

/*
 * The failing check as a short stable dotted name ("registry.reentrancy",
 * "load.dlopen"), or NULL. Meant for programs; the message is for people.
 */
SIGNET_EXPORT const char *signet_error_check(const signet_error *err);

/* What the check wanted and what it found, or NULL when not applicable. */
SIGNET_EXPORT const char *signet_error_expected(const signet_error *err);
SIGNET_EXPORT const char *signet_error_actual(const signet_error *err);

/* The errno of the failing system call, or 0. */
SIGNET_EXPORT int signet_error_os_errno(const signet_error *err);

/*
 * Where, when the check is about a position: for a page-hash mismatch the
 * file offset of the page and its index; for a requirement syntax error the
 * 1-based column. Each is -1 when it does not apply.
 */
SIGNET_EXPORT long long signet_error_offset(const signet_error *err);
SIGNET_EXPORT long long signet_error_index(const signet_error *err);
SIGNET_EXPORT long long signet_error_column(const signet_error *err);

/*
 * True for refusals that no policy can waive: the file is malformed or was
 * changed after signing, or a signature is forged. False for ones a policy
 * may tolerate (unsigned, untrusted anchor, unsupported algorithm, ...) and
 * for codes that are not refusals. After the Linux kernel's module loader.
 */
SIGNET_EXPORT int signet_code_is_fatal(int code);

/* The error that caused this one, or NULL. Owned by `err`. */
SIGNET_EXPORT const signet_error *signet_error_cause(const signet_error *err);

/* Frees `err` and its causes. signet_error_free(NULL) does nothing. */
SIGNET_EXPORT void signet_error_free(signet_error *err);

/* "SIGNET_E_NOMEM" for SIGNET_E_NOMEM; NULL for a value that is no code. */
SIGNET_EXPORT const char *signet_code_name(int code);

/* A short static description of a code; "unknown error code" when unknown. */
SIGNET_EXPORT const char *signet_code_description(int code);

SIGNET_END_DECLS

#endif /* SIGNET_ERROR_H */
