/* SPDX-License-Identifier: MIT */
/*
 * policy_internal.h - the policy object and what the loader asks of it.
 *
 * Layout of loader/policy/: policy.c (the object, defaults, setters),
 * default.c (the process default policy), values.c (checking and
 * normalizing list values), host.c (the host's own identity),
 * policy_file.c (the JSON file), admit.c (deny, allow, requirement against
 * a verified identity), platform.c (unsigned platform libraries and the
 * default directories), entitlements.c (the entitlements Signet defines,
 * and which of a signature's entitlements the policy grants).
 *
 * Everything here only reads the policy once it is built, so concurrent
 * loads may share one (see include/signet/policy.h).
 */
#ifndef SIGNET_POLICY_INTERNAL_H
#define SIGNET_POLICY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/types.h>

#include <signet/policy.h>
#include <signet/requirement.h>
#include <signet/signature.h>

#include "core/array.h"
#include "core/export.h"

#define SG_POLICY_HASH_SIZE 32
/* Longest certificate serial accepted, in hex digits (RFC 5280 allows 40). */
#define SG_POLICY_MAX_SERIAL_HEX 64
/* Cap on a soname: a file name. */
#define SG_POLICY_MAX_SONAME 255

#define SG_POLICY_DEFAULT_REQUIREMENT "anchor trusted and team = host"

/* A growable list of strings or of 32-byte hashes. */
typedef SG_ARRAY(char *) sg_strings;
typedef uint8_t sg_policy_hash[SG_POLICY_HASH_SIZE];
typedef SG_ARRAY(sg_policy_hash) sg_hashes;
typedef SG_ARRAY(uid_t) sg_uids;

struct signet_policy {
	signet_trust *trust;            /* NULL: no anchors (loads must fail) */
	char *anchors_path;
	struct sg_trust *tsa;           /* TSA anchors (trust->tsa borrows them); NULL: none */
	char *tsa_path;
	signet_requirement *requirement;
	bool allow_no_team;

	sg_strings allow_identifiers;
	sg_hashes allow_cdhashes;
	sg_hashes deny_cdhashes;
	sg_strings deny_serials;        /* normalized: upper case, no leading zeros */

	sg_strings platform_dirs;
	sg_strings platform_sonames;
	bool sonames_restricted;        /* false: any soname */

	/* Peers: uids whose processes may talk without an identity when they cannot be inspected. */
	sg_uids uninspectable_uids;

	/* Isolated guests: what sg_policy_isolation() returns. */
	unsigned crash_limit;           /* 0: never quarantine */
	bool accept_weaker;             /* isolation without Landlock is acceptable */
	unsigned grants;                /* SG_ENTITLEMENT_* bits (entitlements.h) */
	sg_strings read_paths;          /* absolute, normalized */
	unsigned memory_mb, cpu_seconds, call_timeout_ms;

	/* Revocation (revocation.c): verified lists and CRLs, read once when added. */
	struct sg_revocation *revocation; /* NULL: none configured */
	char *trust_bundle_path;          /* the trust bundle read (policy.c); NULL: none */

	/* The host, as found by the last set_anchors (host.c). */
	char *host_team;                /* NULL: the host has no team */
	char *host_status;              /* "<exe>: team X" or "<exe>: <why no team>"; NULL before anchors */
};

/* ---- what the loader calls ---------------------------------------------- */

/*
 * A new policy built as the process default is ($SIGNET_POLICY, else
 * SIGNET_CONFDIR/policy.json, else the defaults with $SIGNET_ANCHORS or
 * SIGNET_CONFDIR/anchors), the caller's to change and free. With
 * `anchors_override` (may be NULL) those anchors replace the file's, or are
 * the only ones read. Errors: those of signet_policy_load(),
 * signet_policy_new(), signet_policy_set_anchors().
 */
int sg_policy_new_default(signet_policy **out, const char *anchors_override, signet_error **err);

/*
 * `*policy` when set, else the process default policy ($SIGNET_POLICY,
 * $(sysconfdir)/signet/policy.json, or anchors with the default requirement), made
 * once (default.c). SIGNET_E_POLICY_INVALID (check "policy.default") when
 * there is no usable default; `path` names what it was wanted for.
 */
int sg_policy_or_default(const signet_policy **policy, const char *path, signet_error **err)
	__attribute__((warn_unused_result));

/* The anchors to verify against; NULL when none were set. */
const signet_trust *sg_policy_trust(const signet_policy *p);

/* Verification options (time, allow_no_team) the policy implies. */
void sg_policy_verify_options(const signet_policy *p, signet_verify_options *out);

/*
 * Admits a verified identity, in this order:
 *  1. deny lists: SIGNET_E_POLICY_DENIED, check "policy.deny", the message
 *     names the list and the value;
 *  2. allow lists, if either is non-empty: the identifier or the cdhash must
 *     be listed, else SIGNET_E_POLICY_NOT_ALLOWED, check "policy.allow";
 *  3. the requirement, with the host's team for `team = host`:
 *     SIGNET_E_REQUIREMENT_UNMET, check "requirement", the evaluator's
 *     explanation (plus why the host has no team, when that is the reason).
 * Every error's path is signet_identity_path(id). Also
 * SIGNET_E_INVALID_ARGUMENT, SIGNET_E_LIMIT, SIGNET_E_NOMEM.
 */
int sg_policy_admit(const signet_policy *p, const signet_identity *id, signet_error **err);

/*
 * Is the unsigned file at `path` an acceptable platform library for
 * `soname` (may be NULL when no soname list is set)? Rules and reasons in
 * docs/policy.md ("Platform libraries"): the soname; `path`'s directory
 * inside a platform directory's tree; every symlink from `path` to the file
 * and every directory holding one or the file, up to /, root's and not
 * writable by group or others; the file's real path inside a platform
 * tree. On success `real` (PATH_MAX bytes, may be NULL) gets that real
 * path: what the loader must open, the file judged. SIGNET_E_PLATFORM_REFUSED
 * (check "policy.platform"), SIGNET_E_INVALID_ARGUMENT.
 */
int sg_policy_platform_library(char *real, const signet_policy *p, const char *path, const char *soname,
	signet_error **err) __attribute__((warn_unused_result));

/*
 * The location rules of sg_policy_platform_library() alone, without the
 * soname list: for a program, which has no soname (the audit module).
 */
int sg_policy_platform_location(char *real, const signet_policy *p, const char *path, signet_error **err)
	__attribute__((warn_unused_result));

/*
 * The last check again, on the descriptor the loader opened at `real`: a
 * regular file, root's, not writable by group or others (what was judged
 * by name is what was opened). SIGNET_E_PLATFORM_REFUSED.
 */
struct stat;
int sg_policy_platform_file(const signet_policy *p, const char *path, const char *real, const struct stat *st,
	signet_error **err) __attribute__((warn_unused_result));

/* Is `dir` (a real path) one of the platform directories or below one? */
bool sg_policy_in_platform_tree(const signet_policy *p, const char *dir);

/* The platform directories in search order; *count gets their number. */
const char *const *sg_policy_platform_directories(const signet_policy *p, size_t *count);

/* Why the host has (or has no) team, for messages and debugging; NULL before anchors. */
const char *sg_policy_host_status(const signet_policy *p);

/*
 * Revocation (revocation.c, docs/revocation.md): the lists and CRLs the
 * policy read, against a verified identity at its verification time.
 * SIGNET_E_REVOKED (checks "revocation.cdhash", "revocation.team",
 * "revocation.serial", "revocation.crl"), SIGNET_E_REVOCATION_LIST
 * ("revocation.expired", "revocation.crl" for a CRL its issuer did not
 * sign). 0 when the policy has none.
 */
int sg_policy_check_revocation(const signet_policy *p, const signet_identity *id, signet_error **err)
	__attribute__((warn_unused_result));
void sg_revocation_free(struct sg_revocation *r);

/*
 * The signed files revocation.c reads, for the trust bundle's setter
 * (policy.c) too. sg_revocation_read_signed(): the file of kind `k` read
 * (size-checked, non-blocking), unwrapped and verified against `trust` at
 * `at` (0: now); *out the signed content (malloc'd), `digest` its SHA-256.
 * sg_revocation_check_rollback(): refuses a sequence lower than the
 * highest seen for the kind and name, records a higher one.
 * sg_revocation_adopt_list() and _adopt_crl() take `l` or `crl` (freed on
 * failure) into the policy's revocation; `label` names a CRL in messages.
 * sg_revocation_reserve() checks everything adopting a document of kind
 * `k` named `name` with `n_crls` CRLs could fail on (the name taken, the
 * limits) and makes room, so that sg_revocation_adopt_reserved() (which
 * takes every pointer) cannot fail: how a trust bundle changes a policy
 * all at once or not at all.
 * sg_revocation_read_crl(): a CRL file, PEM or DER.
 */
struct sg_revlist;
struct sg_revlist_kind;
struct sg_signer;
int sg_revocation_read_signed(uint8_t **out, size_t *out_len, uint8_t digest[32], struct sg_signer *signer,
	const struct sg_revlist_kind *k, const char *path, const signet_trust *trust, long long at,
	signet_error **err) __attribute__((warn_unused_result));
int sg_revocation_check_rollback(const struct sg_revlist_kind *k, const struct sg_revlist *l, const char *path,
	signet_error **err) __attribute__((warn_unused_result));
int sg_revocation_adopt_list(signet_policy *p, const struct sg_revlist_kind *k, struct sg_revlist *l,
	const uint8_t digest[32], const char *path, signet_error **err) __attribute__((warn_unused_result));
int sg_revocation_adopt_crl(signet_policy *p, X509_CRL *crl, const char *label, signet_error **err)
	__attribute__((warn_unused_result));
int sg_revocation_reserve(signet_policy *p, const struct sg_revlist_kind *k, const char *name, size_t n_crls,
	const char *path, signet_error **err) __attribute__((warn_unused_result));
void sg_revocation_adopt_reserved(signet_policy *p, const struct sg_revlist_kind *k, struct sg_revlist *l,
	const uint8_t digest[32], char *path, X509_CRL **crls, char **crl_labels, size_t n_crls);
SG_PRIVATE int sg_revocation_read_crl(X509_CRL **out, const char *path, signet_error **err)
	__attribute__((warn_unused_result));
/* Why `crl` cannot be read as its issuer's complete CRL (delta, scoped, critical extensions, no nextUpdate); NULL: it can. */
const char *sg_crl_unusable(const X509_CRL *crl);

/*
 * For the preflight cache (prefcache/): a digest of every list's content,
 * every CRL and the expiry setting (false: the policy reads none), so a
 * new list is another cache; and the earliest expiry of a list or CRL
 * (false: none, or expiry ignored), after which no cached verdict may be
 * served, since admission would then refuse.
 */
bool sg_policy_revocation_digest(const signet_policy *p, uint8_t out[32]);
bool sg_policy_revocation_until(const signet_policy *p, long long *until);

/* ---- what isolated guests ask ------------------------------------------- */

/*
 * The policy's isolation settings (docs/policy.md, "Isolated guests").
 * `read_paths` points into the policy (valid while it lives and is not set
 * again); which entitlements one guest gets is sg_entitlements_grant()'s
 * answer (entitlements.h), not `grants` alone.
 */
typedef struct sg_isolation {
	unsigned crash_limit;           /* crashes of one cdhash before quarantine; 0: never */
	bool accept_weaker;             /* go ahead without Landlock (never without seccomp) */
	unsigned grants;                /* SG_ENTITLEMENT_* bits this host grants */
	const char *const *read_paths;  /* for org.signet.files.read */
	size_t read_path_count;
	unsigned memory_mb;             /* address space a guest may add */
	unsigned cpu_seconds;           /* RLIMIT_CPU of a guest's process */
	unsigned call_timeout_ms;       /* the deadline of one call */
} sg_isolation;

/* Fills `out` from `p`; NULL `p` gives the defaults of signet_policy_new(). */
void sg_policy_isolation(const signet_policy *p, sg_isolation *out);

/* ---- what process inspection calls -------------------------------------- */

/* Does the policy accept processes of `uid` that cannot be inspected (signet_process_check())? */
bool sg_policy_accepts_uninspectable_uid(const signet_policy *p, uid_t uid);

/* ---- handing a policy to an isolated guest (transfer.c) ------------------ */

/*
 * The policy as JSON text (malloc'd) in the policy file's schema, plus
 * what a file cannot say: the anchors themselves as PEM ("anchors_pem")
 * and the host's team ("host_team"), since the guest process has another
 * executable and must not look its host's team up from itself.
 * SIGNET_E_POLICY_INVALID (no anchors), SIGNET_E_NOMEM.
 */
int sg_policy_export(char **json_text, const signet_policy *p, signet_error **err)
	__attribute__((warn_unused_result));

/*
 * The policy sg_policy_export() described, checked as strictly as a
 * policy file (`label` names it in errors). SIGNET_E_POLICY_INVALID,
 * SIGNET_E_NOMEM.
 */
int sg_policy_import(signet_policy **out, const char *json_text, size_t len, const char *label,
	signet_error **err) __attribute__((warn_unused_result));

/* The file parser on a parsed document (policy_file.c). */
typedef struct json_t json_t;
int sg_policy_from_json(signet_policy **out, const json_t *root, const char *label, signet_error **err)
	__attribute__((warn_unused_result));

/* ---- inside the module -------------------------------------------------- */

/* The default platform directories (NULL-terminated; platform.c). */
const char *const *sg_policy_default_platform_directories(void);

/* Finds the host's team against `trust`; sets *team (may be NULL) and *status. */
int sg_policy_find_host(const signet_trust *trust, char **team, char **status, signet_error **err);

/* Values (values.c). Each returns false when `text` is not acceptable. */
SG_PRIVATE bool sg_policy_parse_hash(const char *text, uint8_t out[SG_POLICY_HASH_SIZE]);
/* Normalizes a serial into `out` (SG_POLICY_MAX_SERIAL_HEX + 1 bytes). */
bool sg_policy_normalize_serial(const char *text, char *out);
bool sg_policy_valid_identifier(const char *text);
bool sg_policy_valid_soname(const char *text);
bool sg_policy_valid_directory(const char *text);
/* Absolute and normalized: no empty, "." or ".." component, no trailing '/' ("/" itself is fine). */
bool sg_policy_valid_normalized_directory(const char *text);

/* What a JSON value is, for messages: "an object", "a string", "a boolean", "nothing" for NULL (policy_file.c). */
struct json_t;
const char *sg_policy_json_type(const struct json_t *v);

/* Lists (values.c): append a copy; 0, SIGNET_E_LIMIT or SIGNET_E_NOMEM. */
int sg_strings_add(sg_strings *l, const char *s, size_t max, signet_error **err);
int sg_hashes_add(sg_hashes *l, const uint8_t h[SG_POLICY_HASH_SIZE], size_t max, signet_error **err);
bool sg_strings_contains(const sg_strings *l, const char *s);
bool sg_hashes_contains(const sg_hashes *l, const uint8_t h[SG_POLICY_HASH_SIZE]);
void sg_strings_clear(sg_strings *l);
void sg_hashes_clear(sg_hashes *l);

#endif /* SIGNET_POLICY_INTERNAL_H */
