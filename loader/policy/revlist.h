/* SPDX-License-Identifier: MIT */
/*
 * revlist.h - the content of a Signet revocation list (docs/revocation.md):
 * a JSON document read by jansson and written by jansson. No signature
 * here: revocation.c unwraps and verifies the CMS around it first, and
 * `signet revoke` wraps what sg_revlist_format() makes.
 *
 * The parser is the fuzzed surface (fuzz/fuzz_revlist.c): every refusal is
 * SIGNET_E_REVOCATION_LIST (SIGNET_E_LIMIT for sizes and counts) with check
 * "revocation.list" and a message "<label>: <where>: <why>". Nothing it
 * accepts is ambiguous: unknown and duplicate keys, duplicate entries, bad
 * hex, wrong lengths, out-of-range numbers are all refused.
 *
 * Ownership: an sg_revlist owns its arrays; free with sg_revlist_free().
 * Thread-safety: pure; a parsed list is read-only and may be shared.
 */
#ifndef SIGNET_POLICY_REVLIST_H
#define SIGNET_POLICY_REVLIST_H

#include "core/export.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/error.h>

#define SG_REVLIST_FORMAT "signet-revocation-list/1"
#define SG_REVLIST_MAX_CONTENT (1024 * 1024)  /* bytes of the JSON content */
#define SG_REVLIST_MAX_ENTRIES 16384          /* entries in each of the three arrays */
#define SG_REVLIST_MAX_NAME 255
/* Sequence numbers and times are JSON integers jansson and doubles both hold exactly. */
#define SG_REVLIST_MAX_SEQUENCE 9007199254740991LL /* 2^53 - 1 */
#define SG_REVLIST_MAX_TIME 253402300799LL          /* 9999-12-31T23:59:59Z */

typedef struct sg_revlist {
	char *name;              /* the list's identity (rollback is tracked per name) */
	long long sequence;      /* 1 .. SG_REVLIST_MAX_SEQUENCE */
	long long issued;        /* Unix seconds */
	long long expires;       /* Unix seconds, > issued */
	uint8_t (*cdhashes)[32]; /* sorted, unique */
	size_t n_cdhashes;
	char **teams;            /* sorted (strcmp), unique */
	size_t n_teams;
	char **serials;          /* normalized (upper case, no leading zeros), sorted, unique */
	size_t n_serials;
} sg_revlist;

/*
 * What kind of signed document the fields belong to: a revocation list, or
 * a trust bundle (trust_bundle.h), which is a revocation list with more
 * members. The kind names the format string, the error code and check of
 * every refusal, the size limit, and the members another reader takes
 * (known here only so they are not refused as unknown).
 */
typedef struct sg_revlist_kind {
	const char *format;            /* the "format" member's only value */
	const char *noun;              /* "revocation list", in messages */
	int code;                      /* every refusal but sizes (SIGNET_E_LIMIT) */
	const char *check;             /* "revocation.list" */
	size_t max_content;            /* bytes of JSON */
	const char *const *extra_keys; /* NULL-terminated, or NULL */
	const char *extra_text;        /* those keys for the unknown-key message: "anchors, crls" */
	/* How revocation.c reads, tracks and expires one (docs/revocation.md). */
	size_t max_file;               /* the signed file */
	const char *state_member;      /* the rollback state's member for this kind: "lists" */
	const char *rollback_check;    /* "revocation.rollback" */
	const char *expired_check;     /* "revocation.expired" */
} sg_revlist_kind;

extern const sg_revlist_kind sg_revlist_kind_list;

/*
 * A refusal of a document of kind `k`: code `code` (0: the kind's own),
 * the kind's check, message "<label>: <where>: <why>". Returns the code.
 */
int sg_revlist_fail(signet_error **err, const sg_revlist_kind *k, int code, const char *label, const char *where,
	const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * Parses `len` bytes of list content. `label` names the list in errors.
 * Codes: SIGNET_E_REVOCATION_LIST, SIGNET_E_LIMIT, SIGNET_E_NOMEM.
 */
SG_PRIVATE int sg_revlist_parse(sg_revlist **out, const uint8_t *bytes, size_t len, const char *label,
	signet_error **err) __attribute__((warn_unused_result));

/*
 * The two halves of sg_revlist_parse(), for a reader of a larger document
 * (trust_bundle.c): the JSON text loaded strictly (size, NUL bytes,
 * duplicate keys; *out a new reference), and the list's members read from
 * it (every other key refused unless `k` names it).
 */
struct json_t;
int sg_revlist_load_json(struct json_t **out, const uint8_t *bytes, size_t len, const sg_revlist_kind *k,
	const char *label, signet_error **err) __attribute__((warn_unused_result));
int sg_revlist_from_json(sg_revlist **out, const struct json_t *root, const sg_revlist_kind *k,
	const char *label, signet_error **err) __attribute__((warn_unused_result));
/* `l` as a JSON object with format `format` (a new reference; NULL when out of memory). */
struct json_t *sg_revlist_to_json(const sg_revlist *l, const char *format);

/*
 * The content for `l` (its arrays in any order, possibly unsorted: they
 * are written sorted), checked by sg_revlist_parse() before it is handed
 * out, so a writer can never make a list a reader refuses. *out is
 * malloc'd text without a NUL counted in *len.
 */
int sg_revlist_format(char **out, size_t *len, const sg_revlist *l, signet_error **err)
	__attribute__((warn_unused_result));

/* Lookups in a parsed list (binary search). `serial` must be normalized. */
bool sg_revlist_has_cdhash(const sg_revlist *l, const uint8_t cdhash[32]);
bool sg_revlist_has_team(const sg_revlist *l, const char *team);
bool sg_revlist_has_serial(const sg_revlist *l, const char *serial);

SG_PRIVATE void sg_revlist_free(sg_revlist *l);

/*
 * The list file at `path` read (size-checked, non-blocking), unwrapped
 * (cms_attach.c), verified against `trust` at `at` (0: now) and parsed;
 * no rollback check (revocation.c). *signer (may be NULL) gets the signer.
 */
struct sg_signer;
struct signet_trust;
SG_PRIVATE int sg_revocation_read_list(sg_revlist **out, struct sg_signer *signer, const char *path,
	const struct signet_trust *trust, long long at, signet_error **err) __attribute__((warn_unused_result));

#endif /* SIGNET_POLICY_REVLIST_H */
