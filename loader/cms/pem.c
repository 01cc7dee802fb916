/* SPDX-License-Identifier: MIT */
/* pem.c - loading PEM keys and certificates with errors that name the file. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "cms/cms.h"
#include "cms/cms_util.h"
#include "core/error_internal.h"
#include "core/file.h"

/* Called by OpenSSL when the key is encrypted: note it and refuse to prompt. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf; (void)size; (void)rwflag;
	*(bool *)u = true;
	return -1;
}

int sg_pem_load_key(EVP_PKEY **out, const char *path, signet_error **err)
{
	if (!out || !path || !*path)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT,
			.path = path, .check = "pem.key" }, "no key file given");

	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = sg_file_read(&buf, &len, path, SG_PEM_MAX_FILE, "pem.key", err);
	if (rc)
		return rc;

	ERR_clear_error();
	bool encrypted = false;
	EVP_PKEY *key = NULL;
	BIO *bio = BIO_new_mem_buf(buf, (int)len); /* len <= SG_PEM_MAX_FILE < INT_MAX */
	if (bio) {
		key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &encrypted);
		BIO_free(bio);
	}
	/* The file held the private key in clear: wipe our copy before freeing it. */
	OPENSSL_cleanse(buf, len);
	free(buf);

	char reason[SG_OSSL_REASON_MAX];
	sg_ossl_reason(reason, sizeof reason);
	if (!key && encrypted)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT,
			.path = path, .check = "pem.key", .expected = "an unencrypted PEM private key",
			.actual = "an encrypted key" },
			"the private key is encrypted; Signet reads only unencrypted keys "
			"(protect the file with mode 0600 instead)");
	if (!key)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT,
			.path = path, .check = "pem.key", .expected = "a PEM private key" },
			"no private key could be read (%s)", reason);
	*out = key;
	return 0;
}

/*
 * Reads every certificate of a PEM buffer, skipping blocks of other types
 * (keys, parameters) as OpenSSL does. min/max bound the count. `path`
 * names the buffer in errors.
 */
static int parse_certs(STACK_OF(X509) **out, const uint8_t *buf, size_t len, const char *path, size_t min,
	size_t max, const char *check, signet_error **err)
{
	if (len > SG_PEM_MAX_FILE)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = check },
			"%zu bytes of certificates; at most %d are read", len, (int)SG_PEM_MAX_FILE);
	ERR_clear_error();
	STACK_OF(X509) *certs = sk_X509_new_null();
	BIO *bio = BIO_new_mem_buf(buf, (int)len); /* len <= SG_PEM_MAX_FILE < INT_MAX */
	if (!certs || !bio) {
		BIO_free(bio);
		sk_X509_free(certs);
		ERR_clear_error();
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = path,
			.check = check }, "out of memory reading certificates");
	}

	X509 *cert;
	while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if ((size_t)sk_X509_num(certs) >= max) {
			X509_free(cert);
			BIO_free(bio);
			sk_X509_pop_free(certs, X509_free);
			ERR_clear_error();
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path,
				.check = check }, "more than %zu certificates", max);
		}
		if (!sk_X509_push(certs, cert)) {
			X509_free(cert);
			BIO_free(bio);
			sk_X509_pop_free(certs, X509_free);
			ERR_clear_error();
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = path,
				.check = check }, "out of memory reading certificates");
		}
	}
	BIO_free(bio);
	/*
	 * The loop ends at the end of input ("no start line") or at a block that
	 * does not decode. The second is an error even after good certificates:
	 * silently dropping a damaged anchor or intermediate hides a problem.
	 */
	unsigned long e = ERR_peek_last_error();
	bool clean_end = e == 0 || (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE);
	char reason[SG_OSSL_REASON_MAX];
	sg_ossl_reason(reason, sizeof reason);
	size_t n = (size_t)sk_X509_num(certs);
	if (!clean_end) {
		sk_X509_pop_free(certs, X509_free);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT,
			.path = path, .check = check, .expected = "PEM certificates" },
			"a PEM block after certificate %zu does not decode (%s)", n, reason);
	}
	if (n < min) {
		sk_X509_pop_free(certs, X509_free);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOT_FOUND, .path = path,
			.check = check, .expected = "a PEM certificate (-----BEGIN CERTIFICATE-----)" },
			"no certificate in the file");
	}
	*out = certs;
	return 0;
}

/* The same from a file: size and type checked before reading (core/file.h). */
static int load_certs(STACK_OF(X509) **out, const char *path, size_t min, size_t max,
	const char *check, signet_error **err)
{
	if (!out || !path || !*path)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT,
			.path = path, .check = check }, "no certificate file given");
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = sg_file_read(&buf, &len, path, SG_PEM_MAX_FILE, check, err);
	if (rc)
		return rc;
	rc = parse_certs(out, buf, len, path, min, max, check, err);
	free(buf);
	return rc;
}

int sg_pem_parse_certs(STACK_OF(X509) **out, const uint8_t *buf, size_t len, const char *label, signet_error **err)
{
	return parse_certs(out, buf, len, label, 1, SG_TRUST_MAX_CERTS, "pem.cert", err);
}

int sg_pem_load_cert(X509 **out, const char *path, signet_error **err)
{
	STACK_OF(X509) *certs = NULL;
	if (!out)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT,
			.path = path, .check = "pem.cert" }, "no output given");
	int rc = load_certs(&certs, path, 1, SG_TRUST_MAX_CERTS, "pem.cert", err);
	if (rc)
		return rc;
	int n = sk_X509_num(certs);
	if (n != 1) {
		sk_X509_pop_free(certs, X509_free);
		/* Which of several is "the" certificate is a guess we refuse to make. */
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT,
			.path = path, .check = "pem.cert", .expected = "exactly one certificate" },
			"the file holds %d certificates where one is expected "
			"(put intermediates in a separate chain file)", n);
	}
	*out = sk_X509_shift(certs);
	sk_X509_free(certs);
	return 0;
}

int sg_pem_load_certs(STACK_OF(X509) **out, const char *path, signet_error **err)
{
	return load_certs(out, path, 1, SG_TRUST_MAX_CERTS, "pem.cert", err);
}

int sg_pem_load_chain(STACK_OF(X509) **out, const char *path, signet_error **err)
{
	return load_certs(out, path, 0, SG_CMS_MAX_CERTS, "pem.chain", err);
}
