/* SPDX-License-Identifier: MIT */
/*
 * revocation.c - offline revocation (docs/revocation.md): signed
 * revocation lists and X.509 CRLs, read and verified once when the policy
 * is built, consulted on every admission.
 *
 * What is read when:
 *  - signet_policy_add_revocation_list(): the file (size-checked,
 *    non-blocking), the SignedData unwrapped and verified like a code
 *    signature against the list signers (the policy's anchors unless
 *    others were named), the content parsed (revlist.c), its sequence
 *    compared with the highest seen for its name in the rollback state
 *    file, and that file raised when this one is newer;
 *  - signet_policy_add_crl(): the CRL parsed by OpenSSL (PEM or DER); its
 *    signature is checked at admission, against the issuer the verified
 *    chain gives, since only the chain says which key that is;
 *  - sg_policy_check_revocation(): lookups (binary search) and, per
 *    certificate of the chain whose issuer has a CRL, a CRL signature check
 *    and a serial lookup. Expiry is judged at the identity's verification
 *    time, so a long-running host starts refusing when its list goes stale.
 *
 * Thread-safety: built by the setters in one thread (like the whole
 * policy), read-only afterwards.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "codesign/identity_internal.h"
#include "core/error_internal.h"
#include "core/file.h"
#include "core/sha256.h"
#include "core/statefile.h"
#include "policy/policy_internal.h"
#include "policy/revlist.h"

/* A CRL file. */
#define MAX_CRL_FILE (16 * 1024 * 1024)
#define MAX_STATE_FILE (1024 * 1024)
#define MAX_LISTS 64
#define MAX_CRLS 256

typedef struct rev_list {
	char *path;
	const sg_revlist_kind *kind; /* a revocation list, or a trust bundle's list members */
	sg_revlist *list;
	uint8_t digest[SG_SHA256_SIZE]; /* of the signed content: what the preflight cache keys on */
} rev_list;

typedef struct rev_crl {
	char *path;
	X509_CRL *crl;
} rev_crl;

struct sg_revocation {
	signet_trust *signers;  /* NULL: the policy's anchors sign lists */
	bool ignore_expired;
	SG_ARRAY(rev_list) lists;
	SG_ARRAY(rev_crl) crls;
};

void sg_revocation_free(struct sg_revocation *r)
{
	if (!r)
		return;
	signet_trust_free(r->signers);
	for (size_t i = 0; i < r->lists.n; i++) {
		free(r->lists.items[i].path);
		sg_revlist_free(r->lists.items[i].list);
	}
	sg_array_clear(&r->lists);
	for (size_t i = 0; i < r->crls.n; i++) {
		free(r->crls.items[i].path);
		X509_CRL_free(r->crls.items[i].crl);
	}
	sg_array_clear(&r->crls);
	free(r);
}

static struct sg_revocation *revocation_of(signet_policy *p, signet_error **err)
{
	if (!p->revocation && !(p->revocation = calloc(1, sizeof *p->revocation)))
		sg_fail_code(err, SIGNET_E_NOMEM, "out of memory setting up revocation");
	return p->revocation;
}

/* ---- setters ------------------------------------------------------------ */

int signet_policy_set_revocation_signers(signet_policy *p, const char *path, signet_error **err)
{
	if (!p || !path)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_policy_set_revocation_signers: NULL argument");
	/* A trust bundle's entries (not verified by list signers) do not count. */
	for (size_t i = 0; p->revocation && i < p->revocation->lists.n; i++)
		if (p->revocation->lists.items[i].kind == &sg_revlist_kind_list)
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "policy.setting",
				.path = path }, "list signers must be set before the first revocation list is added");
	signet_trust *t = NULL;
	int rc = signet_trust_load(&t, path, err);
	if (rc != 0)
		return rc;
	struct sg_revocation *r = revocation_of(p, err);
	if (!r) {
		signet_trust_free(t);
		return SIGNET_E_NOMEM;
	}
	signet_trust_free(r->signers);
	r->signers = t;
	return 0;
}

int signet_policy_set_expired_lists_ignored(signet_policy *p, bool ignore, signet_error **err)
{
	if (!p)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_policy_set_expired_lists_ignored: NULL argument");
	struct sg_revocation *r = revocation_of(p, err);
	if (!r)
		return SIGNET_E_NOMEM;
	r->ignore_expired = ignore;
	return 0;
}

/* ---- the rollback state ------------------------------------------------- */

/*
 * The highest sequence seen per list name, in
 * $XDG_STATE_HOME/signet/revocation.json (else ~/.local/state/...): per
 * user, like the quarantine store, in a directory only that user may
 * write, replaced whole (core/statefile.h).
 */
static int state_path(char **path, char **dir, signet_error **err)
{
	int rc = sg_state_xdg_path(path, "XDG_STATE_HOME", ".local/state", "signet/revocation.json",
		"revocation.state", "the revocation rollback state",
		"set XDG_STATE_HOME or HOME: without a record of the newest list, an older one could be replayed", err);
	if (rc != 0)
		return rc;
	char *slash = strrchr(*path, '/');
	if (!(*dir = strndup(*path, (size_t)(slash - *path)))) {
		free(*path);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
	}
	return 0;
}

static int state_damaged(const char *path, const char *why, signet_error **err)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_STATE_DAMAGED, .path = path,
		.check = "revocation.state" }, "%s: the rollback state cannot be trusted; remove the file only if "
		"every list on this host is the newest (the next one read sets it again)", why);
}

/* The state as a JSON object (a new empty one when there is no file). */
static int state_read(json_t **out, const char *path, signet_error **err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	signet_error *e = NULL;
	int rc = sg_file_read(&buf, &len, path, MAX_STATE_FILE, "revocation.state", &e);
	if (rc == SIGNET_E_IO && signet_error_os_errno(e) == ENOENT) {
		signet_error_free(e);
		*out = json_object();
		return *out ? 0 : sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
	}
	if (rc != 0) {
		if (err)
			*err = e;
		else
			signet_error_free(e);
		return rc;
	}
	json_t *root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	free(buf);
	if (!json_is_object(root)) {
		json_decref(root);
		return state_damaged(path, "not a JSON object", err);
	}
	/* "lists" and "bundles" (trust bundles), each name to its highest sequence; nothing else. */
	const char *member;
	json_t *names;
	json_object_foreach(root, member, names) {
		if ((strcmp(member, "lists") != 0 && strcmp(member, "bundles") != 0) || !json_is_object(names)) {
			json_decref(root);
			return state_damaged(path, "not an object with members \"lists\" and \"bundles\" only", err);
		}
		const char *k;
		json_t *v;
		json_object_foreach(names, k, v)
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > SG_REVLIST_MAX_SEQUENCE) {
				json_decref(root);
				return state_damaged(path, "a sequence that is not a positive integer", err);
			}
	}
	*out = root;
	return 0;
}

/*
 * Refuses `l` when an older sequence than the newest seen for its kind and
 * name; records it when newer.
 */
int sg_revocation_check_rollback(const sg_revlist_kind *k, const sg_revlist *l, const char *list_path,
	signet_error **err)
{
	char *path = NULL, *dir = NULL;
	int rc = state_path(&path, &dir, err);
	if (rc != 0)
		return rc;
	/*
	 * Read, compare and write under one lock: two processes reading
	 * different lists at once must not each write back a state without the
	 * other's record (a lost record re-opens rollback for that name).
	 */
	int lock = -1;
	rc = sg_state_directory(dir, true, NULL, "revocation.state", "the rollback state there cannot be trusted",
		err);
	if (rc == 0)
		rc = sg_state_lock(&lock, dir, "revocation.lock", "revocation.state", err);
	json_t *root = NULL;
	if (rc == 0)
		rc = state_read(&root, path, err);
	if (rc == 0 && !root)
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
	json_t *lists = rc == 0 ? json_object_get(root, k->state_member) : NULL;
	long long seen = lists ? (long long)json_integer_value(json_object_get(lists, l->name)) : 0;
	if (rc == 0 && l->sequence < seen) {
		char expected[64], actual[64];
		snprintf(expected, sizeof expected, "sequence %lld or later", seen);
		snprintf(actual, sizeof actual, "sequence %lld", l->sequence);
		rc = sg_fail(err, &(sg_error_info){ .code = k->code, .path = list_path,
			.check = k->rollback_check, .expected = expected, .actual = actual },
			"%s \"%s\" sequence %lld is older than sequence %lld already seen (%s): "
			"a rolled-back %s is refused", k->noun, l->name, l->sequence, seen, path, k->noun);
	}
	if (rc == 0 && l->sequence > seen) {
		if (!lists) {
			lists = json_object();
			if (!lists || json_object_set_new(root, k->state_member, lists) != 0)
				rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
		}
		char *text = NULL;
		if (rc == 0 && (json_object_set_new(lists, l->name, json_integer(l->sequence)) != 0 ||
		    !(text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS))))
			rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
		if (rc == 0)
			rc = sg_state_replace(path, dir, text, strlen(text), "revocation.state", "the rollback state", err);
		free(text);
	}
	sg_state_unlock(lock);
	json_decref(root);
	free(path);
	free(dir);
	return rc;
}

/* ---- adding a list ------------------------------------------------------ */

static int signed_invalid(const sg_revlist_kind *k, const char *path, signet_error *cause, signet_error **err)
{
	return sg_fail(err, &(sg_error_info){ .code = k->code, .path = path, .check = k->check, .cause = cause },
		"not a usable %s: %s", k->noun, sg_error_reason(cause));
}

/* Hands `e` to `err` (or frees it); returns rc. */
static int pass_on(int rc, signet_error *e, signet_error **err)
{
	if (err)
		*err = e;
	else
		signet_error_free(e);
	return rc;
}

int sg_revocation_read_signed(uint8_t **out, size_t *out_len, uint8_t digest[SG_SHA256_SIZE], sg_signer *signer,
	const sg_revlist_kind *k, const char *path, const signet_trust *trust, long long at, signet_error **err)
{
	uint8_t *bytes = NULL, *detached = NULL, *content = NULL;
	size_t len = 0, dlen = 0, clen = 0;
	int rc = sg_file_read(&bytes, &len, path, k->max_file, k->check, err);
	if (rc != 0)
		return rc;
	signet_error *e = NULL;
	rc = sg_cms_detach(&detached, &dlen, &content, &clen, bytes, len, path, &e);
	free(bytes);
	sg_signer s;
	memset(&s, 0, sizeof s);
	if (rc == 0) {
		/*
		 * A list or bundle signer is judged as a code signer is (chain,
		 * time, the codeSigning usage), except that it need not name a
		 * team: the key that says what is revoked or trusted is the
		 * fleet's, not a team's.
		 */
		sg_verify_options o = { .at = at, .allow_no_team = true };
		rc = sg_cms_verify(&s, detached, dlen, content, clen, trust->anchors, &o, path, &e);
	}
	if (rc == 0 && digest && sg_sha256(digest, content, clen) != 0)
		rc = sg_fail_code(&e, SIGNET_E_NOMEM, "cannot hash a %s", k->noun);
	free(detached);
	if (rc != 0) {
		free(content);
		sg_signer_clear(&s);
		if (rc == SIGNET_E_NOMEM) {
			signet_error_free(e);
			return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading a %s", k->noun);
		}
		if (rc == SIGNET_E_LIMIT)
			return pass_on(rc, e, err);
		return signed_invalid(k, path, e, err);
	}
	if (signer)
		*signer = s;
	else
		sg_signer_clear(&s);
	*out = content;
	*out_len = clen;
	return 0;
}

/* Reads, verifies and parses the list at `path` (no rollback check). */
static int read_list(sg_revlist **out, uint8_t digest[SG_SHA256_SIZE], sg_signer *signer, const char *path,
	const signet_trust *trust, long long at, signet_error **err)
{
	uint8_t *content = NULL;
	size_t clen = 0;
	int rc = sg_revocation_read_signed(&content, &clen, digest, signer, &sg_revlist_kind_list, path, trust, at,
		err);
	if (rc != 0)
		return rc;
	rc = sg_revlist_parse(out, content, clen, path, err);
	free(content);
	if (rc != 0 && signer)
		sg_signer_clear(signer);
	return rc;
}

int sg_revocation_read_list(sg_revlist **out, sg_signer *signer, const char *path, const signet_trust *trust,
	long long at, signet_error **err)
{
	return read_list(out, NULL, signer, path, trust, at, err);
}

int sg_revocation_reserve(signet_policy *p, const sg_revlist_kind *k, const char *name, size_t n_crls,
	const char *path, signet_error **err)
{
	const struct sg_revocation *have = p->revocation;
	for (size_t i = 0; have && i < have->lists.n; i++) {
		const rev_list *x = &have->lists.items[i];
		if (x->kind == k && strcmp(x->list->name, name) == 0)
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_INVALID, .path = path,
				.check = "policy.setting", .actual = name }, "%s \"%s\" is already read from %s: one "
				"file per name", k->noun, name, x->path);
	}
	if (have && have->lists.n >= MAX_LISTS)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "policy.setting" },
			"more than %d revocation lists", MAX_LISTS);
	if ((have ? have->crls.n : 0) + n_crls > MAX_CRLS)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "policy.setting" },
			"more than %d CRLs", MAX_CRLS);
	/* Room made now, so that adopting afterwards cannot fail. */
	struct sg_revocation *r = revocation_of(p, err);
	if (!r || sg_array_reserve(&r->lists, 1) != 0 || sg_array_reserve(&r->crls, n_crls) != 0)
		return r ? sg_fail_code(err, SIGNET_E_NOMEM, "out of memory adding a %s", k->noun) : SIGNET_E_NOMEM;
	return 0;
}

void sg_revocation_adopt_reserved(signet_policy *p, const sg_revlist_kind *k, sg_revlist *l,
	const uint8_t digest[SG_SHA256_SIZE], char *path, X509_CRL **crls, char **crl_labels, size_t n_crls)
{
	struct sg_revocation *r = p->revocation;
	rev_list item = { .path = path, .kind = k, .list = l };
	memcpy(item.digest, digest, SG_SHA256_SIZE);
	r->lists.items[r->lists.n++] = item;
	for (size_t i = 0; i < n_crls; i++)
		r->crls.items[r->crls.n++] = (rev_crl){ .path = crl_labels[i], .crl = crls[i] };
}

int sg_revocation_adopt_list(signet_policy *p, const sg_revlist_kind *k, sg_revlist *l,
	const uint8_t digest[SG_SHA256_SIZE], const char *path, signet_error **err)
{
	char *copy = NULL;
	int rc = sg_revocation_reserve(p, k, l->name, 0, path, err);
	if (rc == 0)
		rc = sg_revocation_check_rollback(k, l, path, err);
	if (rc == 0 && !(copy = strdup(path)))
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory adding a %s", k->noun);
	if (rc != 0) {
		sg_revlist_free(l);
		return rc;
	}
	sg_revocation_adopt_reserved(p, k, l, digest, copy, NULL, NULL, 0);
	return 0;
}

/*
 * A list whose own signer an already-read list or bundle revokes (its team,
 * its certificate's serial) is refused: a revoked key must not be able to
 * publish the next list of some name.
 */
static int signer_revoked(const struct sg_revocation *r, const sg_signer *s, const char *path, signet_error **err)
{
	char norm[SG_POLICY_MAX_SERIAL_HEX + 1];
	bool have_serial = s->leaf_serial_hex && sg_policy_normalize_serial(s->leaf_serial_hex, norm);
	for (size_t i = 0; r && i < r->lists.n; i++) {
		const rev_list *x = &r->lists.items[i];
		const char *what = s->team && sg_revlist_has_team(x->list, s->team) ? "team" :
			have_serial && sg_revlist_has_serial(x->list, norm) ? "certificate serial" : NULL;
		if (what)
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_REVOKED, .path = path,
				.check = "revocation.signer", .actual = strcmp(what, "team") == 0 ? s->team : norm },
				"revoked: this revocation list's signer (%s %s) is on %s \"%s\" (%s, sequence %lld)", what,
				strcmp(what, "team") == 0 ? s->team : norm, x->kind->noun, x->list->name, x->path,
				x->list->sequence);
	}
	return 0;
}

int signet_policy_add_revocation_list(signet_policy *p, const char *path, signet_error **err)
{
	if (!p || !path)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_policy_add_revocation_list: NULL argument");
	/*
	 * Never the code-signing anchors by default: under them every team's
	 * key could sign a list, and a revoked team's key could publish a
	 * newer list of the same name that revokes nothing, and lock the real
	 * one out as a rollback. Lists come from keys named for that alone.
	 */
	const signet_trust *trust = p->revocation ? p->revocation->signers : NULL;
	if (!trust)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_INVALID, .path = path,
			.check = "policy.setting" }, "no list signers to verify a revocation list against: name the anchors "
			"that sign lists first (revocation.list_signers, signet_policy_set_revocation_signers())");
	/* The limit before the file is read; the name, after (sg_revocation_adopt_list()). */
	if (p->revocation->lists.n >= MAX_LISTS)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "policy.setting" },
			"more than %d revocation lists", MAX_LISTS);
	sg_revlist *l = NULL;
	uint8_t digest[SG_SHA256_SIZE];
	sg_signer signer;
	memset(&signer, 0, sizeof signer);
	int rc = read_list(&l, digest, &signer, path, trust, 0, err);
	if (rc != 0)
		return rc;
	rc = signer_revoked(p->revocation, &signer, path, err);
	sg_signer_clear(&signer);
	if (rc != 0) {
		sg_revlist_free(l);
		return rc;
	}
	return sg_revocation_adopt_list(p, &sg_revlist_kind_list, l, digest, path, err);
}

/* ---- adding a CRL ------------------------------------------------------- */

const char *sg_crl_unusable(const X509_CRL *crl)
{
	/*
	 * A CRL is read as the complete list of what its issuer revoked; one
	 * that says it is less (a delta, a partition, a scope by reason or by
	 * kind of certificate) would report a revoked certificate as good,
	 * and a critical extension Signet does not read may change what it
	 * means. Refused, so the policy names the issuer's complete CRL.
	 */
	if (X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0)
		return "a delta CRL (deltaCRLIndicator): name the issuer's complete CRL";
	if (X509_CRL_get_ext_by_NID(crl, NID_issuing_distribution_point, -1) >= 0)
		return "a scoped or partitioned CRL (issuingDistributionPoint): name the issuer's complete CRL";
	if (X509_CRL_get_ext_by_critical(crl, 1, -1) >= 0)
		return "a critical extension Signet does not read";
	STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED((X509_CRL *)(uintptr_t)crl);
	for (int i = 0; i < sk_X509_REVOKED_num(revoked); i++)
		if (X509_REVOKED_get_ext_by_critical(sk_X509_REVOKED_value(revoked, i), 1, -1) >= 0)
			return "an entry with a critical extension (an indirect CRL?) Signet does not read";
	/* Without nextUpdate a CRL never goes stale: expiry could not mean anything. */
	if (!X509_CRL_get0_nextUpdate(crl))
		return "no nextUpdate: there is no telling when it is stale";
	return NULL;
}

int sg_revocation_read_crl(X509_CRL **out, const char *path, signet_error **err)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	int rc = sg_file_read(&bytes, &len, path, MAX_CRL_FILE, "revocation.crl", err);
	if (rc != 0)
		return rc;
	ERR_clear_error();
	/* PEM when it says so, else DER; either parsed by OpenSSL to its end. */
	X509_CRL *crl = NULL;
	if (len > 10 && memcmp(bytes, "-----BEGIN", 10) == 0) {
		BIO *b = BIO_new_mem_buf(bytes, (int)len);
		crl = b ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	} else {
		const uint8_t *q = bytes;
		crl = d2i_X509_CRL(NULL, &q, (long)len);
		if (crl && q != bytes + len) {
			X509_CRL_free(crl);
			crl = NULL;
		}
	}
	free(bytes);
	if (!crl) {
		char why[SG_OSSL_REASON_MAX];
		sg_ossl_reason(why, sizeof why);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_REVOCATION_LIST, .path = path,
			.check = "revocation.crl" }, "not a CRL (PEM or DER X.509 CRL): %s", why);
	}
	const char *unusable = sg_crl_unusable(crl);
	if (unusable) {
		X509_CRL_free(crl);
		ERR_clear_error();
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_REVOCATION_LIST, .path = path,
			.check = "revocation.crl" }, "not usable as a complete CRL: %s", unusable);
	}
	*out = crl;
	return 0;
}

int sg_revocation_adopt_crl(signet_policy *p, X509_CRL *crl, const char *label, signet_error **err)
{
	if (p->revocation && p->revocation->crls.n >= MAX_CRLS) {
		X509_CRL_free(crl);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = label, .check = "policy.setting" },
			"more than %d CRLs", MAX_CRLS);
	}
	struct sg_revocation *r = revocation_of(p, err);
	rev_crl item = { .path = r ? strdup(label) : NULL, .crl = crl };
	if (!r || !item.path || sg_array_push(&r->crls, item) != 0) {
		free(item.path);
		X509_CRL_free(crl);
		return r ? sg_fail_code(err, SIGNET_E_NOMEM, "out of memory adding a CRL") : SIGNET_E_NOMEM;
	}
	return 0;
}

int signet_policy_add_crl(signet_policy *p, const char *path, signet_error **err)
{
	if (!p || !path)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_policy_add_crl: NULL argument");
	if (p->revocation && p->revocation->crls.n >= MAX_CRLS)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "policy.setting" },
			"more than %d CRLs", MAX_CRLS);
	X509_CRL *crl = NULL;
	int rc = sg_revocation_read_crl(&crl, path, err);
	return rc != 0 ? rc : sg_revocation_adopt_crl(p, crl, path, err);
}

/* ---- admission ---------------------------------------------------------- */

static void format_time(char out[32], long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "%lld", t);
}

static int list_expired(const rev_list *x, long long at, signet_error **err, const char *path)
{
	char when[32], now[32];
	format_time(when, x->list->expires);
	format_time(now, at);
	return sg_fail(err, &(sg_error_info){ .code = x->kind->code, .path = path,
		.check = x->kind->expired_check, .expected = when, .actual = now },
		"refused: %s \"%s\" (%s, sequence %lld) expired at %s (now %s): install a newer %s, or set "
		"revocation.expired_lists to \"ignore\"", x->kind->noun, x->list->name, x->path, x->list->sequence,
		when, now, x->kind->noun);
}

static int check_lists(const struct sg_revocation *r, const signet_identity *id, long long at,
	signet_error **err)
{
	const char *path = signet_identity_path(id), *team = signet_identity_team(id);
	const char *serial = signet_identity_leaf_serial(id);
	char norm[SG_POLICY_MAX_SERIAL_HEX + 1];
	bool have_serial = serial && sg_policy_normalize_serial(serial, norm);
	for (size_t i = 0; i < r->lists.n; i++) {
		const rev_list *x = &r->lists.items[i];
		if (at > x->list->expires && !r->ignore_expired)
			return list_expired(x, at, err, path);
		const char *check = NULL, *what = NULL, *value = NULL;
		if (sg_revlist_has_cdhash(x->list, signet_identity_cdhash(id)))
			check = "revocation.cdhash", what = "cdhash", value = signet_identity_cdhash_hex(id);
		else if (team && sg_revlist_has_team(x->list, team))
			check = "revocation.team", what = "team", value = team;
		else if (have_serial && sg_revlist_has_serial(x->list, norm))
			check = "revocation.serial", what = "signing certificate serial", value = serial;
		/* A serial that cannot be normalized is refused when a list has serials: never fail open. */
		else if (!have_serial && x->list->n_serials)
			check = "revocation.serial", what = "signing certificate serial (unreadable)", value = "?";
		if (check)
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_REVOKED, .path = path, .check = check,
				.actual = value }, "revoked: %s %s is on %s \"%s\" (%s, sequence %lld)", what, value,
				x->kind->noun, x->list->name, x->path, x->list->sequence);
	}
	return 0;
}

static void cert_text(X509 *cert, char *subject, size_t ssize, char *serial, size_t nsize)
{
	BIO *b = BIO_new(BIO_s_mem());
	subject[0] = '\0';
	if (b && X509_NAME_print_ex(b, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		int n = BIO_read(b, subject, (int)ssize - 1);
		subject[n > 0 ? n : 0] = '\0';
	}
	BIO_free(b);
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	snprintf(serial, nsize, "%s", hex ? hex : "?");
	OPENSSL_free(hex);
	BN_free(bn);
}

/*
 * The CRLs of `issuer` against `cert`. Only issuers for which a CRL is
 * configured are checked (docs/revocation.md, "CRLs"): requiring one for
 * every issuer would make a policy unusable the day an intermediate
 * without a CRL appears, and OpenSSL's CRL_CHECK_ALL would do exactly
 * that. A CRL whose issuer name matches but that the issuer's key did not
 * sign is an error, not a miss: someone configured revocation for this
 * issuer, and it cannot be read.
 */
static int check_crls(const struct sg_revocation *r, const signet_identity *id, X509 *cert, X509 *issuer,
	long long at, signet_error **err)
{
	const char *path = signet_identity_path(id);
	EVP_PKEY *key = X509_get0_pubkey(issuer);
	for (size_t i = 0; i < r->crls.n; i++) {
		const rev_crl *c = &r->crls.items[i];
		if (X509_NAME_cmp(X509_CRL_get_issuer(c->crl), X509_get_subject_name(issuer)) != 0)
			continue;
		char subject[512], serial[96];
		if (!key || X509_CRL_verify(c->crl, key) != 1) {
			ERR_clear_error();
			cert_text(issuer, subject, sizeof subject, serial, sizeof serial);
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_REVOCATION_LIST, .path = path,
				.check = "revocation.crl", .actual = c->path }, "refused: CRL %s names issuer \"%s\" but "
				"that certificate's key did not sign it", c->path, subject);
		}
		const ASN1_TIME *next = X509_CRL_get0_nextUpdate(c->crl);
		time_t t = (time_t)at;
		/* X509_cmp_time() is 0 for a time it cannot read: stale, never fresh. */
		if ((!next || X509_cmp_time(next, &t) <= 0) && !r->ignore_expired) {
			char now[32];
			format_time(now, at);
			cert_text(issuer, subject, sizeof subject, serial, sizeof serial);
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_REVOCATION_LIST, .path = path,
				.check = "revocation.expired", .actual = c->path }, "refused: CRL %s of \"%s\" is past its "
				"nextUpdate (now %s): install a newer CRL, or set revocation.expired_lists to \"ignore\"",
				c->path, subject, now);
		}
		X509_REVOKED *rev = NULL;
		if (X509_CRL_get0_by_cert(c->crl, &rev, cert) == 1 && rev) {
			char when[32] = "?";
			struct tm tm;
			if (ASN1_TIME_to_tm(X509_REVOKED_get0_revocationDate(rev), &tm) == 1)
				strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
			cert_text(cert, subject, sizeof subject, serial, sizeof serial);
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_REVOKED, .path = path,
				.check = "revocation.crl", .actual = serial }, "revoked: certificate \"%s\" serial %s is "
				"revoked by CRL %s since %s", subject, serial, c->path, when);
		}
	}
	ERR_clear_error();
	return 0;
}

int sg_policy_check_revocation(const signet_policy *p, const signet_identity *id, signet_error **err)
{
	const struct sg_revocation *r = p->revocation;
	if (!r)
		return 0;
	/* The time the chain was judged at: a host verifying "at" a time is judged at it here too. */
	long long at = id->signer.verified_at ? (long long)id->signer.verified_at : (long long)time(NULL);
	int rc = check_lists(r, id, at, err);
	if (rc != 0 || !r->crls.n)
		return rc;
	/* Every certificate of the verified chain, leaf to anchor; the anchor is its own issuer. */
	STACK_OF(X509) *chain = id->signer.chain;
	int n = chain ? sk_X509_num(chain) : 0;
	for (int i = 0; i < n && rc == 0; i++)
		rc = check_crls(r, id, sk_X509_value(chain, i), sk_X509_value(chain, i + 1 < n ? i + 1 : i), at, err);
	return rc;
}

/* ---- what the preflight cache keys on ----------------------------------- */

bool sg_policy_revocation_digest(const signet_policy *p, uint8_t out[32])
{
	const struct sg_revocation *r = p ? p->revocation : NULL;
	if (!r || (!r->lists.n && !r->crls.n))
		return false;
	/* Every list's content and every CRL's DER, in order, and the expiry setting. */
	size_t n = 1 + (r->lists.n + r->crls.n) * SG_SHA256_SIZE;
	uint8_t *buf = malloc(n), *w = buf;
	if (!buf) {
		memset(out, 0xff, 32); /* a digest no real policy has: a miss, never a wrong hit */
		return true;
	}
	*w++ = r->ignore_expired ? 1 : 0;
	for (size_t i = 0; i < r->lists.n; i++, w += SG_SHA256_SIZE)
		memcpy(w, r->lists.items[i].digest, SG_SHA256_SIZE);
	for (size_t i = 0; i < r->crls.n; i++, w += SG_SHA256_SIZE) {
		unsigned int len = 0;
		if (!X509_CRL_digest(r->crls.items[i].crl, EVP_sha256(), w, &len))
			memset(w, 0xff, SG_SHA256_SIZE);
	}
	if (sg_sha256(out, buf, n) != 0)
		memset(out, 0xff, 32);
	free(buf);
	ERR_clear_error();
	return true;
}

bool sg_policy_revocation_until(const signet_policy *p, long long *until)
{
	const struct sg_revocation *r = p ? p->revocation : NULL;
	if (!r || r->ignore_expired)
		return false;
	bool any = false;
	for (size_t i = 0; i < r->lists.n; i++)
		if (!any || r->lists.items[i].list->expires < *until) {
			*until = r->lists.items[i].list->expires;
			any = true;
		}
	for (size_t i = 0; i < r->crls.n; i++) {
		const ASN1_TIME *next = X509_CRL_get0_nextUpdate(r->crls.items[i].crl);
		struct tm tm;
		if (!next || ASN1_TIME_to_tm(next, &tm) != 1)
			continue;
		long long t = (long long)timegm(&tm);
		if (!any || t < *until) {
			*until = t;
			any = true;
		}
	}
	return any;
}
