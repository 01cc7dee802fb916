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
 * Codes are part of the ABI: they are documented in docs/errors.md, never
 * renumbered, and a test fails when this enum, the library's string table
 * and that document disagree.
 *
 * Thread-safety: error objects are immutable once returned; reading one from
 * several threads is safe. The code tables are static and read-only.
 */
#ifndef SIGNET_ERROR_H
#define SIGNET_ERROR_H

#include <signet/common.h>

SIGNET_BEGIN_DECLS

/*
 * Ranges: -1..-49 general, -50..-99 registry and loading, -100.. ELF
 * structure, -200.. signatures, -300.. policy and requirements, -400..
 * bundles.
 */
typedef enum signet_code {
	SIGNET_OK = 0,

	/* general */
	SIGNET_E_INVALID_ARGUMENT = -1, /* a parameter was NULL, empty or out of range */
	SIGNET_E_NOMEM = -2,            /* memory allocation failed */
	SIGNET_E_IO = -3,               /* a system call on a file failed (see os errno) */
	SIGNET_E_NOT_FOUND = -4,        /* the thing looked up is not there */
	SIGNET_E_LIMIT = -5,            /* input exceeds a documented hard limit */
	SIGNET_E_INTERNAL = -6,         /* an invariant broke: a bug in Signet */

	/* registry and loading */
	SIGNET_E_IN_OBSERVER = -50,     /* load/unload called from inside an image observer */
	SIGNET_E_IN_INITIALIZER = -51,  /* load/unload called from an image's constructor or destructor */
	SIGNET_E_DLOPEN = -52,          /* the dynamic linker refused the image (see message) */
	SIGNET_E_NOT_LOADED = -53,      /* unload of an image Signet did not load */
	SIGNET_E_OBSERVER_UNKNOWN = -54, /* no registered observer has this token */
	SIGNET_E_DEPENDENCY_UNRESOLVED = -55, /* a DT_NEEDED has no acceptable candidate (paths tried in the message) */
	SIGNET_E_DEPENDENCY_CONFLICT = -56,   /* an unacceptable image already holds a needed soname */
	SIGNET_E_SEALING_UNAVAILABLE = -57,   /* the kernel refuses sealed or executable memfds: fail closed */
	SIGNET_E_SONAME_CONFLICT = -58,       /* a different image with the same soname is loaded */

	/* ELF structure */
	SIGNET_E_NOT_ELF = -100,        /* not an ELF file (bad magic, or too short) */
	SIGNET_E_ELF_MALFORMED = -101,  /* ELF headers, sections or segments inconsistent or out of bounds */
	SIGNET_E_ELF_UNSUPPORTED = -102,/* wrong class, byte order, machine or object type */

	/* signatures: "policy may tolerate" (unsigned, unsupported) vs always fatal */
	SIGNET_E_UNSIGNED = -200,             /* no signature blob */
	SIGNET_E_SIGNATURE_MALFORMED = -201,  /* the blob or its CodeDirectory breaks the format */
	SIGNET_E_SIGNATURE_NOT_LAST = -202,   /* bytes follow the blob, or it is not at the end */
	SIGNET_E_SIGNATURE_DUPLICATE = -203,  /* more than one signature blob */
	SIGNET_E_PAGE_MISMATCH = -204,        /* a page's hash differs: the file changed after signing */
	SIGNET_E_CMS_MISMATCH = -205,         /* the CMS signature does not verify over the CodeDirectory */
	SIGNET_E_UNTRUSTED_ANCHOR = -206,     /* the chain does not end at a trusted anchor */
	SIGNET_E_CERT_EXPIRED = -207,         /* a certificate's notAfter has passed */
	SIGNET_E_CERT_NOT_YET_VALID = -208,   /* a certificate's notBefore is in the future */
	SIGNET_E_CERT_NO_CODESIGN_EKU = -209, /* the leaf lacks the code-signing extended key usage */
	SIGNET_E_CERT_NO_TEAM = -210,         /* the leaf has no single subject OU, so no team */
	SIGNET_E_CERT_CHAIN = -211,           /* the chain is invalid otherwise (an issuer that is not a CA, ...) */
	SIGNET_E_SIGNATURE_UNSUPPORTED = -212,/* a hash type, page size or version this build does not know */
	SIGNET_E_SEAL_MISMATCH = -213,        /* a special slot (manifest, resource seal) does not match */

	/* requirements and policy */
	SIGNET_E_REQUIREMENT_SYNTAX = -300,   /* the requirement text does not parse (see the column) */
	SIGNET_E_REQUIREMENT_UNMET = -301,    /* the identity does not satisfy the requirement */
	SIGNET_E_POLICY_DENIED = -302,        /* a deny list names the image (cdhash or certificate serial) */
	SIGNET_E_POLICY_NOT_ALLOWED = -303,   /* allow lists exist and do not name the image */
	SIGNET_E_PLATFORM_REFUSED = -304,     /* an unsigned library is not an acceptable platform library */
	SIGNET_E_POLICY_INVALID = -305,       /* a policy file or setting is invalid */

	/* bundles */
	SIGNET_E_MANIFEST_INVALID = -400,     /* manifest.json breaks the schema (field and rule named) */
	SIGNET_E_BUNDLE_INVALID = -401,       /* bundle layout: missing manifest/executable, escaping symlink, ... */
	SIGNET_E_BUNDLE_UNSEALED = -402,      /* a bundle file no seal covers, or no manifest seal */
	SIGNET_E_PRINCIPAL_CLASS = -403,      /* principal class not exported data of descriptor size */
	SIGNET_E_HOST_API = -404,             /* host_api does not admit this host's API version */
	SIGNET_E_CLASS_INVALID = -405,        /* class descriptor malformed (or points outside its image) */
	SIGNET_E_PROTOCOL_MISMATCH = -406,    /* class does not conform to the protocol */
	SIGNET_E_NO_METHOD = -407,            /* the class has no method of that name */
	SIGNET_E_ARGUMENT_MISMATCH = -408,    /* arguments do not match the encoding: no call made */
	SIGNET_E_GUEST_INVALID = -409,        /* guest killed or invalid: its code is not run */
	SIGNET_E_GUEST_STATUS = -410,         /* a guest status flag may only move one way */
	SIGNET_E_HOST_DEDICATED = -411,       /* dedicated host: one guest only */
	SIGNET_E_INSTANCE_INIT = -412         /* the class's init function reported failure */
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
