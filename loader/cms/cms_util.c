/* SPDX-License-Identifier: MIT */
/* cms_util.c - OpenSSL errors, X.509 names and times as text, bounded file reads. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "core/hex.h"
#include "cms/cms_util.h"
#include "core/sha256.h"
#include "core/error_internal.h"

void sg_ossl_reason(char *buf, size_t size)
{
	size_t used = 0;
	int shown = 0;
	unsigned long e;
	const char *data = NULL;
	int flags = 0;

	if (size == 0) {
		ERR_clear_error();
		return;
	}
	buf[0] = '\0';
	/* Oldest first: OpenSSL pushes the root cause before its consequences. */
	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		if (shown >= 4 || used + 1 >= size)
			continue; /* keep draining: the queue must end up empty */
		const char *lib = ERR_lib_error_string(e);
		const char *reason = ERR_reason_error_string(e);
		char code[32];
		if (!reason) {
			snprintf(code, sizeof code, "error 0x%lx", e);
			reason = code;
		}
		int n = snprintf(buf + used, size - used, "%s%s%s%s%s%s%s",
			shown ? "; " : "", lib ? lib : "", lib ? ": " : "", reason,
			(flags & ERR_TXT_STRING) && data && *data ? " (" : "",
			(flags & ERR_TXT_STRING) && data && *data ? data : "",
			(flags & ERR_TXT_STRING) && data && *data ? ")" : "");
		if (n < 0)
			break;
		used += (size_t)n < size - used ? (size_t)n : size - used - 1;
		shown++;
	}
	if (!shown)
		snprintf(buf, size, "no detail from OpenSSL");
	ERR_clear_error();
}

char *sg_cms_name_line(const X509_NAME *name)
{
	/*
	 * RFC 2253 order and escaping, but UTF-8 kept readable (no \XX for bytes
	 * over 0x7F); control characters stay escaped, so a hostile subject
	 * cannot forge a second line in a log or an error message.
	 */
	const unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
	BIO *bio = BIO_new(BIO_s_mem());
	char *line = NULL;
	if (!bio)
		return NULL;
	if (X509_NAME_print_ex(bio, name, 0, flags) >= 0) {
		char *data = NULL;
		long len = BIO_get_mem_data(bio, &data);
		if (len >= 0 && (line = malloc((size_t)len + 1)) != NULL) {
			if (len > 0)
				memcpy(line, data, (size_t)len);
			line[len] = '\0';
		}
	}
	BIO_free(bio);
	ERR_clear_error();
	return line;
}

int sg_cms_name_single(const X509_NAME *name, int nid, char **value, int *count)
{
	int n = 0, found = -1;
	*value = NULL;
	for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
	     i = X509_NAME_get_index_by_NID(name, nid, i)) {
		n++;
		found = i;
	}
	if (count)
		*count = n;
	if (n != 1)
		return 0;

	const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, found));
	unsigned char *utf8 = NULL;
	int len = s ? ASN1_STRING_to_UTF8(&utf8, s) : -1;
	if (len < 0) {
		/* Not convertible (bad BMPString, ...): treat as absent, not as a match. */
		ERR_clear_error();
		return 0;
	}
	/* An embedded NUL would make "ABC\0evil" compare equal to "ABC": absent. */
	if (memchr(utf8, '\0', (size_t)len)) {
		OPENSSL_free(utf8);
		return 0;
	}
	char *copy = malloc((size_t)len + 1);
	if (!copy) {
		OPENSSL_free(utf8);
		return -1;
	}
	memcpy(copy, utf8, (size_t)len);
	copy[len] = '\0';
	OPENSSL_free(utf8);
	*value = copy;
	return 0;
}

int sg_cms_asn1_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1) {
		ERR_clear_error();
		return -1;
	}
	time_t v = timegm(&tm);
	if (v == (time_t)-1 && !(tm.tm_year == 69 && tm.tm_mon == 11 && tm.tm_mday == 31))
		return -1;
	*out = v;
	return 0;
}

void sg_cms_format_time(time_t t, char *buf, size_t size)
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "@%lld", (long long)t);
}

char *sg_cms_hex(const uint8_t *bytes, size_t len, int upper)
{
	if (len > (SIZE_MAX - 1) / 2)
		return NULL;
	char *s = malloc(len * 2 + 1);
	if (s)
		sg_hex_encode(s, bytes, len, upper != 0);
	return s;
}

char *sg_cms_serial_hex(const X509 *cert)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL; /* uppercase, "0" for zero */
	char *copy = hex ? strdup(hex) : NULL;
	OPENSSL_free(hex);
	BN_free(bn);
	ERR_clear_error();
	return copy;
}

int sg_cms_cert_sha256(const X509 *cert, uint8_t out[32])
{
	/* X509_digest hashes the DER encoding: the fingerprint every tool shows. */
	unsigned int n = 0;
	bool ok = X509_digest(cert, sg_sha256_md(), out, &n) == 1 && n == 32;
	ERR_clear_error();
	return ok ? 0 : -1;
}

char *sg_cms_cert_sha256_hex(const X509 *cert)
{
	uint8_t md[32];
	return sg_cms_cert_sha256(cert, md) == 0 ? sg_cms_hex(md, sizeof md, 0) : NULL;
}

char *sg_cms_cert_label(const X509 *cert)
{
	char *subject = sg_cms_name_line(X509_get_subject_name(cert));
	char *hex = sg_cms_cert_sha256_hex(cert);
	char *label = NULL;
	if (subject && hex && asprintf(&label, "\"%s\" (SHA-256 %s)", subject, hex) < 0)
		label = NULL;
	free(subject);
	free(hex);
	return label;
}
