/* SPDX-License-Identifier: MIT */
/* signer.c - the identity a verified CMS yields: team, leaf, anchor, certificate fields. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>

#include "cms/cms.h"
#include "cms/cms_util.h"

struct sg_signer_field {
	int index;    /* resolved: 0 .. chain length - 1 */
	char *field;
	char *value;
};

bool sg_team_id_valid(const char *team)
{
	size_t n = 0;
	if (!team)
		return false;
	/*
	 * A closed ASCII alphabet: a team ID is compared byte for byte, printed in
	 * logs and passed on command lines, so no spaces, quotes, control or
	 * look-alike Unicode characters.
	 */
	for (const char *p = team; *p; p++, n++) {
		char c = *p;
		bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		/* First a letter or digit: never "-x" (an option) or ".." (a path). */
		bool ok = alnum || (n > 0 && (c == '.' || c == '_' || c == '-'));
		if (!ok || n >= SG_TEAM_ID_MAX)
			return false;
	}
	return n >= 1;
}

void sg_signer_clear(sg_signer *s)
{
	if (!s)
		return;
	free(s->team);
	free(s->leaf_subject);
	free(s->leaf_common_name);
	free(s->leaf_serial_hex);
	free(s->anchor_subject);
	free(s->timestamp_tsa);
	sk_X509_pop_free(s->chain, X509_free);
	for (size_t i = 0; i < s->n_fields; i++) {
		free(s->fields[i].field);
		free(s->fields[i].value);
	}
	free(s->fields);
	memset(s, 0, sizeof *s);
}

int sg_cms_signer_fill(sg_signer *s, STACK_OF(X509) *chain, char *team, time_t at)
{
	int n = chain ? sk_X509_num(chain) : 0;
	if (n < 1)
		return -1;
	X509 *leaf = sk_X509_value(chain, 0);
	X509 *anchor = sk_X509_value(chain, n - 1);

	sg_signer t;
	memset(&t, 0, sizeof t);
	t.leaf_subject = sg_cms_name_line(X509_get_subject_name(leaf));
	t.anchor_subject = sg_cms_name_line(X509_get_subject_name(anchor));
	t.leaf_serial_hex = sg_cms_serial_hex(leaf);
	bool ok = t.leaf_subject && t.anchor_subject && t.leaf_serial_hex
		&& sg_cms_name_single(X509_get_subject_name(leaf), NID_commonName, &t.leaf_common_name, NULL) == 0
		&& sg_cms_asn1_time(X509_get0_notBefore(leaf), &t.leaf_not_before) == 0
		&& sg_cms_asn1_time(X509_get0_notAfter(leaf), &t.leaf_not_after) == 0
		&& sg_cms_cert_sha256(anchor, t.anchor_sha256) == 0;
	ERR_clear_error();
	if (!ok) {
		sg_signer_clear(&t); /* chain and team are not in t yet: still the caller's */
		return -1;
	}
	t.chain = chain;
	t.team = team;
	t.verified_at = at;
	*s = t;
	return 0;
}

int sg_cms_signer_copy(sg_signer *out, const sg_signer *described, STACK_OF(X509) *chain, char *team,
	time_t at)
{
	sg_signer t;
	memset(&t, 0, sizeof t);
	t.leaf_subject = strdup(described->leaf_subject);
	t.anchor_subject = strdup(described->anchor_subject);
	t.leaf_serial_hex = strdup(described->leaf_serial_hex);
	t.leaf_common_name = described->leaf_common_name ? strdup(described->leaf_common_name) : NULL;
	if (!t.leaf_subject || !t.anchor_subject || !t.leaf_serial_hex
	    || (described->leaf_common_name && !t.leaf_common_name)) {
		sg_signer_clear(&t);
		return -1;
	}
	t.leaf_not_before = described->leaf_not_before;
	t.leaf_not_after = described->leaf_not_after;
	memcpy(t.anchor_sha256, described->anchor_sha256, sizeof t.anchor_sha256);
	t.chain = chain;
	t.team = team;
	t.verified_at = at;
	*out = t;
	return 0;
}

static const struct {
	const char *name;
	int nid;
} name_attrs[] = {
	{ "CN", NID_commonName },
	{ "O", NID_organizationName },
	{ "OU", NID_organizationalUnitName },
	{ "C", NID_countryName },
	{ "L", NID_localityName },
	{ "ST", NID_stateOrProvinceName },
	{ "emailAddress", NID_pkcs9_emailAddress },
};

/* Computes a field's value; NULL when absent or unknown (or out of memory). */
static char *compute_field(X509 *cert, const char *field)
{
	const X509_NAME *name = NULL;
	const char *attr = NULL;
	if (strncmp(field, "subject", 7) == 0) {
		name = X509_get_subject_name(cert);
		attr = field + 7;
	} else if (strncmp(field, "issuer", 6) == 0) {
		name = X509_get_issuer_name(cert);
		attr = field + 6;
	}
	if (name) {
		if (*attr == '\0')
			return sg_cms_name_line(name);
		if (*attr != '.')
			return NULL;
		for (size_t i = 0; i < sizeof name_attrs / sizeof name_attrs[0]; i++) {
			if (strcmp(attr + 1, name_attrs[i].name) == 0) {
				char *v = NULL;
				(void)sg_cms_name_single(name, name_attrs[i].nid, &v, NULL);
				return v;
			}
		}
		return NULL;
	}
	if (strcmp(field, "serial") == 0)
		return sg_cms_serial_hex(cert);
	if (strcmp(field, "sha256") == 0)
		return sg_cms_cert_sha256_hex(cert);
	if (strcmp(field, "not_before") == 0 || strcmp(field, "not_after") == 0) {
		time_t t;
		const ASN1_TIME *at = field[4] == 'b' ? X509_get0_notBefore(cert) : X509_get0_notAfter(cert);
		if (sg_cms_asn1_time(at, &t) != 0)
			return NULL;
		char buf[32];
		sg_cms_format_time(t, buf, sizeof buf);
		return strdup(buf);
	}
	return NULL;
}

const char *sg_signer_certificate_field(sg_signer *s, int index, const char *field)
{
	if (!s || !s->chain || !field)
		return NULL;
	int n = sk_X509_num(s->chain);
	int i = index == -1 ? n - 1 : index;
	if (i < 0 || i >= n)
		return NULL;

	/* Cached: the same question returns the same pointer, and the cache stays bounded. */
	for (size_t k = 0; k < s->n_fields; k++)
		if (s->fields[k].index == i && strcmp(s->fields[k].field, field) == 0)
			return s->fields[k].value;

	char *value = compute_field(sk_X509_value(s->chain, i), field);
	if (!value)
		return NULL;
	if (s->n_fields == s->cap_fields) {
		size_t cap = s->cap_fields ? s->cap_fields * 2 : 8;
		sg_signer_field *f = cap > SIZE_MAX / sizeof *f ? NULL : realloc(s->fields, cap * sizeof *f);
		if (!f) {
			free(value);
			return NULL;
		}
		s->fields = f;
		s->cap_fields = cap;
	}
	char *key = strdup(field);
	if (!key) {
		free(value);
		return NULL;
	}
	s->fields[s->n_fields++] = (sg_signer_field){ .index = i, .field = key, .value = value };
	return value;
}

const char *sg_signer_field_cb(void *ctx, int index, const char *field)
{
	return sg_signer_certificate_field(ctx, index, field);
}
