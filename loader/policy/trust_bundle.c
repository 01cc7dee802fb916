/* SPDX-License-Identifier: MIT */
/*
 * trust_bundle.c - parsing and writing the content of a trust bundle
 * (trust_bundle.h, docs/revocation.md "One trust bundle for a fleet").
 *
 * The list members are read by revlist.c, with this kind's format, code
 * and check; this file reads the members a bundle adds. Certificates and
 * CRLs are PEM text inside JSON strings, parsed by OpenSSL, one object per
 * string: a string holding two certificates, or a certificate with bytes
 * after it, is refused rather than half read.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "core/error_internal.h"
#include "policy/policy_internal.h"
#include "policy/trust_bundle.h"

#define CHECK "trust_bundle"

static const char *const extra_keys[] = { "anchors", "tsa_anchors", "requirement", "crls", NULL };

const sg_revlist_kind sg_trust_bundle_kind = {
	.format = SG_TRUST_BUNDLE_FORMAT,
	.noun = "trust bundle",
	.code = SIGNET_E_TRUST_BUNDLE,
	.check = CHECK,
	.max_content = SG_TRUST_BUNDLE_MAX_CONTENT,
	.extra_keys = extra_keys,
	.extra_text = "anchors, tsa_anchors, requirement, crls",
	.max_file = (size_t)SG_CMS_MAX_DER + SG_TRUST_BUNDLE_MAX_CONTENT,
	.state_member = "bundles",
	.rollback_check = "trust_bundle.rollback",
	.expired_check = "trust_bundle.expired",
};

/* A refusal of the bundle named `label` (every caller has `err` and `label`): its code and check, or SIGNET_E_LIMIT. */
#define REFUSE(code, where, ...) sg_revlist_fail(err, &sg_trust_bundle_kind, (code), label, (where), __VA_ARGS__)

static int nomem(signet_error **err)
{
	return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading a trust bundle");
}

void sg_trust_bundle_free(sg_trust_bundle *b)
{
	if (!b)
		return;
	sg_revlist_free(b->list);
	sg_trust_free(b->anchors);
	sg_trust_free(b->tsa);
	signet_requirement_free(b->requirement);
	for (size_t i = 0; i < b->n_crls; i++)
		X509_CRL_free(b->crls[i]);
	free(b->crls);
	free(b);
}

/* The array member `key` (NULL when absent and optional), at most `max` strings without NUL bytes. */
static int get_strings(const json_t **out, const json_t *root, const char *key, bool required, size_t max,
	const char *label, signet_error **err)
{
	const json_t *a = json_object_get(root, key);
	*out = NULL;
	if (!a)
		return required ? REFUSE(0, key, "missing") : 0;
	if (!json_is_array(a))
		return REFUSE(0, key, "expected an array, got %s", sg_policy_json_type(a));
	if (json_array_size(a) > max)
		return REFUSE(SIGNET_E_LIMIT, key, "%zu entries (limit %zu)", json_array_size(a), max);
	if (required && json_array_size(a) == 0)
		return REFUSE(0, key, "empty: a bundle without anchors trusts nothing");
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *v = json_array_get(a, i);
		char where[64];
		snprintf(where, sizeof where, "%s[%zu]", key, i);
		if (!json_is_string(v))
			return REFUSE(0, where, "expected a string, got %s",
				sg_policy_json_type(v));
		if (strlen(json_string_value(v)) != json_string_length(v))
			return REFUSE(0, where, "holds a NUL character");
	}
	*out = a;
	return 0;
}

/*
 * Certificates: each string exactly one PEM certificate; all of them a
 * trust store (trust.c, as for an anchors file).
 */
static int get_certs(sg_trust **out, const json_t *root, const char *key, bool required, const char *label,
	signet_error **err)
{
	const json_t *a = NULL;
	int rc = get_strings(&a, root, key, required, SG_TRUST_BUNDLE_MAX_CERTS, label, err);
	if (rc != 0 || !a || json_array_size(a) == 0)
		return rc;
	STACK_OF(X509) *all = sk_X509_new_null();
	if (!all)
		return nomem(err);
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *v = json_array_get(a, i);
		char where[64];
		snprintf(where, sizeof where, "%s[%zu]", key, i);
		STACK_OF(X509) *certs = NULL;
		signet_error *e = NULL;
		const uint8_t *pem = (const uint8_t *)json_string_value(v);
		rc = sg_pem_parse_certs(&certs, pem, json_string_length(v), where, &e);
		int n = rc == 0 ? sk_X509_num(certs) : 0;
		if (rc == 0 && n == 1 && !sk_X509_push(all, sk_X509_value(certs, 0)))
			rc = SIGNET_E_NOMEM;
		else if (rc == 0 && n == 1)
			sk_X509_set(certs, 0, NULL); /* now in `all` */
		sk_X509_pop_free(certs, X509_free);
		if (rc == SIGNET_E_NOMEM) {
			signet_error_free(e);
			sk_X509_pop_free(all, X509_free);
			return nomem(err);
		}
		if (rc != 0 || n != 1) {
			rc = REFUSE(0, where, "expected one PEM certificate: %s",
				rc ? signet_error_message(e) : "it holds several");
			signet_error_free(e);
			sk_X509_pop_free(all, X509_free);
			return rc;
		}
	}
	signet_error *e = NULL;
	rc = sg_trust_from_certs(out, all, key, &e);
	if (rc == SIGNET_E_NOMEM) {
		signet_error_free(e);
		return nomem(err);
	}
	if (rc != 0) {
		rc = REFUSE(0, key, "not usable as trust anchors: %s", signet_error_message(e));
		signet_error_free(e);
	}
	return rc;
}

/* One PEM CRL in `text`, with nothing but white space after it. */
static X509_CRL *crl_from_pem(const char *text, size_t len)
{
	if (len < 10 || memcmp(text, "-----BEGIN", 10) != 0 || len > (size_t)INT32_MAX)
		return NULL;
	BIO *b = BIO_new_mem_buf(text, (int)len);
	X509_CRL *crl = b ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
	char rest[64];
	int n;
	while (crl && (n = BIO_read(b, rest, sizeof rest)) > 0)
		for (int i = 0; i < n; i++)
			if (!isspace((unsigned char)rest[i])) {
				X509_CRL_free(crl);
				crl = NULL;
				break;
			}
	BIO_free(b);
	return crl;
}

static int get_crls(sg_trust_bundle *b, const json_t *root, const char *label, signet_error **err)
{
	const json_t *a = NULL;
	int rc = get_strings(&a, root, "crls", false, SG_TRUST_BUNDLE_MAX_CRLS, label, err);
	if (rc != 0 || !a || json_array_size(a) == 0)
		return rc;
	if (!(b->crls = calloc(json_array_size(a), sizeof *b->crls)))
		return nomem(err);
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *v = json_array_get(a, i);
		ERR_clear_error();
		X509_CRL *crl = crl_from_pem(json_string_value(v), json_string_length(v));
		char where[64];
		snprintf(where, sizeof where, "crls[%zu]", i);
		if (!crl) {
			char why[SG_OSSL_REASON_MAX];
			sg_ossl_reason(why, sizeof why);
			return REFUSE(0, where, "expected one PEM X.509 CRL: %s", why);
		}
		b->crls[b->n_crls++] = crl;
		const char *unusable = sg_crl_unusable(crl);
		if (unusable)
			return REFUSE(0, where, "not usable as a complete CRL: %s", unusable);
	}
	return 0;
}

static int get_requirement(sg_trust_bundle *b, const json_t *root, const char *label, signet_error **err)
{
	const json_t *v = json_object_get(root, "requirement");
	if (!v)
		return 0;
	if (!json_is_string(v))
		return REFUSE(0, "requirement", "expected a string, got %s",
			sg_policy_json_type(v));
	if (strlen(json_string_value(v)) != json_string_length(v))
		return REFUSE(0, "requirement", "holds a NUL character");
	signet_error *e = NULL;
	int rc = signet_requirement_parse(&b->requirement, json_string_value(v), &e);
	if (rc == SIGNET_E_NOMEM) {
		signet_error_free(e);
		return nomem(err);
	}
	if (rc != 0) {
		rc = REFUSE(0, "requirement", "%s", signet_error_message(e));
		signet_error_free(e);
	}
	return rc;
}

int sg_trust_bundle_parse(sg_trust_bundle **out, const uint8_t *bytes, size_t len, const char *label,
	signet_error **err)
{
	if (!out || (!bytes && len))
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "sg_trust_bundle_parse: NULL argument");
	json_t *root = NULL;
	int rc = sg_revlist_load_json(&root, bytes, len, &sg_trust_bundle_kind, label, err);
	if (rc != 0)
		return rc;
	sg_trust_bundle *b = calloc(1, sizeof *b);
	rc = b ? sg_revlist_from_json(&b->list, root, &sg_trust_bundle_kind, label, err) : nomem(err);
	if (rc == 0)
		rc = get_certs(&b->anchors, root, "anchors", true, label, err);
	if (rc == 0)
		rc = get_certs(&b->tsa, root, "tsa_anchors", false, label, err);
	if (rc == 0)
		rc = get_requirement(b, root, label, err);
	if (rc == 0)
		rc = get_crls(b, root, label, err);
	json_decref(root);
	ERR_clear_error();
	if (rc != 0) {
		sg_trust_bundle_free(b);
		return rc;
	}
	*out = b;
	return 0;
}

/* ---- writing ------------------------------------------------------------- */

/* The PEM of each certificate as a JSON array (NULL when out of memory). */
static json_t *pem_array(STACK_OF(X509) *certs, X509_CRL *const *crls, size_t n_crls)
{
	json_t *a = json_array();
	size_t n = certs ? (size_t)sk_X509_num(certs) : n_crls;
	for (size_t i = 0; a && i < n; i++) {
		BIO *b = BIO_new(BIO_s_mem());
		char *data = NULL;
		long size = -1;
		if (b && (certs ? PEM_write_bio_X509(b, sk_X509_value(certs, (int)i))
				: PEM_write_bio_X509_CRL(b, crls[i])) == 1)
			size = BIO_get_mem_data(b, &data);
		if (size < 0 || json_array_append_new(a, json_stringn(data, (size_t)size)) != 0) {
			json_decref(a);
			a = NULL;
		}
		BIO_free(b);
	}
	ERR_clear_error();
	return a;
}

int sg_trust_bundle_format(char **out, size_t *len, const sg_trust_bundle_parts *parts, signet_error **err)
{
	if (!out || !len || !parts || !parts->list)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "sg_trust_bundle_format: NULL argument");
	/* The list's members in the list's own sorted, normalized form. */
	char *list_text = NULL;
	size_t list_len = 0;
	int rc = sg_revlist_format(&list_text, &list_len, parts->list, err);
	if (rc != 0)
		return rc;
	json_t *doc = json_loadb(list_text, list_len, 0, NULL);
	free(list_text);
	bool ok = doc && !json_object_set_new(doc, "format", json_string(SG_TRUST_BUNDLE_FORMAT)) &&
		!json_object_set_new(doc, "anchors", pem_array(parts->anchors, NULL, 0));
	if (ok && parts->tsa && sk_X509_num(parts->tsa) > 0)
		ok = !json_object_set_new(doc, "tsa_anchors", pem_array(parts->tsa, NULL, 0));
	if (ok && parts->requirement)
		ok = !json_object_set_new(doc, "requirement", json_string(parts->requirement));
	if (ok && parts->n_crls)
		ok = !json_object_set_new(doc, "crls", pem_array(NULL, parts->crls, parts->n_crls));
	char *text = ok ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (!text)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory writing a trust bundle");
	/* Through the reader, which says what is wrong: a writer must never sign what hosts refuse. */
	sg_trust_bundle *back = NULL;
	rc = sg_trust_bundle_parse(&back, (const uint8_t *)text, strlen(text), "the new trust bundle", err);
	sg_trust_bundle_free(back);
	if (rc != 0) {
		free(text);
		return rc;
	}
	*len = strlen(text);
	*out = text;
	return 0;
}
