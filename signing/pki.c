/* SPDX-License-Identifier: MIT */
/* pki.c - making keys and certificates and writing them safely (`signet ca`, tests). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "cms/cms.h"
#include "core/error_internal.h"
#include "pki.h"

static int openssl_failed(signet_error **err, const char *what)
{
	char reason[SG_OSSL_REASON_MAX];
	sg_ossl_reason(reason, sizeof reason);
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INTERNAL, .check = "pki.make",
		.actual = reason }, "%s: %s", what, reason);
}

static int bad_spec(signet_error **err, const char *why)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT,
		.check = "pki.make" }, "cannot make the certificate: %s", why);
}

static EVP_PKEY *generate_key(sg_pki_key_type type)
{
	switch (type) {
	case SG_PKI_KEY_EC_P256:
		/* Named-curve encoding (OpenSSL 3's default): explicit parameters are refused by strict verifiers. */
		return EVP_EC_gen("P-256");
	case SG_PKI_KEY_RSA_2048:
		return EVP_RSA_gen(2048);
	case SG_PKI_KEY_RSA_3072:
		return EVP_RSA_gen(3072);
	}
	return NULL;
}

static int add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	if (!ext)
		return 0;
	int ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

static int add_name(X509_NAME *name, int nid, const char *value)
{
	/* MBSTRING_UTF8: OpenSSL checks the UTF-8 and the attribute's length bound (64 for CN, O, OU). */
	return X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
		(const unsigned char *)value, -1, -1, 0);
}

/* A random positive serial of up to 128 bits (RFC 5280 allows 20 octets; CAs/B asks for 64+ random bits). */
static int random_serial(X509 *cert)
{
	BIGNUM *bn = BN_new();
	int ok = 0;
	if (!bn)
		return 0;
	do {
		if (!BN_rand(bn, 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY))
			goto out;
	} while (BN_is_zero(bn));
	ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
out:
	BN_free(bn);
	return ok;
}

int sg_pki_make(EVP_PKEY **key_out, X509 **cert_out, const sg_pki_spec *spec,
	signet_error **err)
{
	if (!key_out || !cert_out || !spec)
		return bad_spec(err, "missing output or spec");
	if (!spec->common_name || !*spec->common_name)
		return bad_spec(err, "no common name");
	if (spec->n_org_units > SG_PKI_MAX_OUS)
		return bad_spec(err, "too many OUs");
	for (size_t i = 0; i < spec->n_org_units; i++)
		if (!spec->org_units[i] || !*spec->org_units[i])
			return bad_spec(err, "an empty OU");
	if (spec->not_after <= spec->not_before)
		return bad_spec(err, "notAfter is not after notBefore");
	if (!spec->issuer_key != !spec->issuer_cert)
		return bad_spec(err, "an issuer needs both its key and its certificate");
	if (spec->key_type != SG_PKI_KEY_EC_P256 && spec->key_type != SG_PKI_KEY_RSA_2048
		&& spec->key_type != SG_PKI_KEY_RSA_3072)
		return bad_spec(err, "unknown key type");
	if (spec->path_len >= 0 && !spec->is_ca)
		return bad_spec(err, "a path length constraint on a certificate that is not a CA");

	ERR_clear_error();
	if (spec->issuer_cert && X509_check_private_key(spec->issuer_cert, spec->issuer_key) != 1) {
		ERR_clear_error();
		return bad_spec(err, "the issuer key does not belong to the issuer certificate");
	}

	int rc = 0;
	X509 *cert = NULL;
	EVP_PKEY *key = generate_key(spec->key_type);
	if (!key) {
		rc = openssl_failed(err, "cannot generate the key");
		goto fail;
	}
	if (!(cert = X509_new())) {
		rc = openssl_failed(err, "cannot allocate the certificate");
		goto fail;
	}
	X509_NAME *subject = X509_get_subject_name(cert);
	if (!X509_set_version(cert, X509_VERSION_3) || !random_serial(cert)
		|| !X509_gmtime_adj(X509_getm_notBefore(cert), spec->not_before)
		|| !X509_gmtime_adj(X509_getm_notAfter(cert), spec->not_after)
		|| !X509_set_pubkey(cert, key)) {
		rc = openssl_failed(err, "cannot fill in the certificate");
		goto fail;
	}
	if (spec->organization && *spec->organization && !add_name(subject, NID_organizationName,
		spec->organization)) {
		rc = openssl_failed(err, "invalid organization name");
		goto fail;
	}
	for (size_t i = 0; i < spec->n_org_units; i++) {
		if (!add_name(subject, NID_organizationalUnitName, spec->org_units[i])) {
			rc = openssl_failed(err, "invalid organizational unit");
			goto fail;
		}
	}
	if (!add_name(subject, NID_commonName, spec->common_name)) {
		rc = openssl_failed(err, "invalid common name");
		goto fail;
	}

	X509 *issuer = spec->issuer_cert ? spec->issuer_cert : cert;
	EVP_PKEY *issuer_key = spec->issuer_key ? spec->issuer_key : key;
	if (!X509_set_issuer_name(cert, X509_get_subject_name(issuer))) {
		rc = openssl_failed(err, "cannot set the issuer");
		goto fail;
	}

	char bc[64], eku[64];
	if (spec->is_ca && spec->path_len >= 0)
		snprintf(bc, sizeof bc, "critical,CA:TRUE,pathlen:%d", spec->path_len);
	else
		snprintf(bc, sizeof bc, "critical,%s", spec->is_ca ? "CA:TRUE" : "CA:FALSE");
	snprintf(eku, sizeof eku, "%s%s%s", spec->code_signing ? "codeSigning" : "",
		spec->code_signing && spec->server_auth ? "," : "",
		spec->server_auth ? "serverAuth" : "");

	/* RFC 5280: a CA signs certificates (and CRLs); a leaf only signs data. */
	const char *ku = spec->key_usage ? spec->key_usage
		: spec->is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature";

	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	if (X509V3_set_issuer_pkey(&ctx, issuer_key) != 1
		|| !add_ext(cert, &ctx, NID_basic_constraints, bc)
		|| (ku[0] && !add_ext(cert, &ctx, NID_key_usage, ku))
		|| (eku[0] && !add_ext(cert, &ctx, NID_ext_key_usage, eku))
		/* The subject key id first: a self-signed certificate's AKI copies it. */
		|| !add_ext(cert, &ctx, NID_subject_key_identifier, "hash")
		|| !add_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always")) {
		rc = openssl_failed(err, "cannot add the certificate extensions");
		goto fail;
	}
	if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) {
		rc = openssl_failed(err, "cannot sign the certificate");
		goto fail;
	}
	ERR_clear_error();
	*key_out = key;
	*cert_out = cert;
	return 0;
fail:
	X509_free(cert);
	EVP_PKEY_free(key); /* clears the private key */
	ERR_clear_error();
	return rc;
}

/* ---- writing files ---- */

static int io_failed(signet_error **err, const char *path, int e, const char *what)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path,
		.check = "pki.write", .os_errno = e }, "%s: %s", what, strerror(e));
}

/*
 * Moves `tmp` to `path` without replacing an existing file: renameat2's
 * RENAME_NOREPLACE, or link+unlink where the file system lacks it. Both
 * decide atomically, so two writers cannot both "win".
 */
static int place_noreplace(const char *tmp, const char *path)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -1;
	if (link(tmp, path) != 0)
		return -1;
	unlink(tmp);
	return 0;
}

/* Writes `len` bytes to `path` through a temporary file in the same directory. */
static int write_atomic(const char *path, const char *data, size_t len, mode_t mode,
	bool overwrite, signet_error **err)
{
	if (!path || !*path)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT,
			.check = "pki.write" }, "no output path given");

	/* ".NAME.XXXXXX" beside NAME: same file system, so the rename is atomic; hidden if left over. */
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) + 1 : 0;
	char *tmp = NULL;
	if (asprintf(&tmp, "%.*s.%s.XXXXXX", dirlen, path, path + dirlen) < 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = path,
			.check = "pki.write" }, "out of memory");

	/* A friendly early refusal; the atomic check is at the rename below. */
	struct stat st;
	if (!overwrite && lstat(path, &st) == 0) {
		free(tmp);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path,
			.check = "pki.write", .os_errno = EEXIST },
			"already exists; not overwriting it");
	}

	/* mkostemp: O_CREAT|O_EXCL, mode 0600, so a planted symlink is never followed. */
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return io_failed(err, path, e, "cannot create a temporary file beside it");
	}
	int rc = 0;
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = io_failed(err, path, w < 0 ? errno : EIO, "cannot write");
			break;
		}
		done += (size_t)w;
	}
	/* Exact mode whatever the umask: 0600 keeps a key private, 0644 is the norm for a cert. */
	if (!rc && fchmod(fd, mode) != 0)
		rc = io_failed(err, path, errno, "cannot set the file mode");
	if (!rc && fsync(fd) != 0)
		rc = io_failed(err, path, errno, "cannot sync");
	if (close(fd) != 0 && !rc)
		rc = io_failed(err, path, errno, "cannot close");
	if (!rc) {
		if (overwrite ? rename(tmp, path) != 0 : place_noreplace(tmp, path) != 0) {
			int e = errno;
			rc = e == EEXIST
				? sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path,
					.check = "pki.write", .os_errno = e }, "already exists; not overwriting it")
				: io_failed(err, path, e, "cannot move the new file into place");
		}
	}
	if (rc) {
		unlink(tmp);
	} else {
		/* Make the new directory entry durable too. */
		char *dir = NULL;
		if (asprintf(&dir, "%.*s", dirlen ? dirlen : 1, dirlen ? path : ".") >= 0) {
			int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd >= 0) {
				(void)fsync(dfd);
				close(dfd);
			}
			free(dir);
		}
	}
	free(tmp);
	return rc;
}

/* Writes what a PEM BIO holds, then frees the BIO. */
static int write_bio(const char *path, BIO *bio, mode_t mode, bool overwrite, signet_error **err)
{
	char *data = NULL;
	long len = BIO_get_mem_data(bio, &data);
	int rc;
	if (len < 0)
		rc = openssl_failed(err, "cannot read the PEM buffer");
	else
		rc = write_atomic(path, data, (size_t)len, mode, overwrite, err);
	if (len > 0 && data)
		OPENSSL_cleanse(data, (size_t)len); /* for a key: wipe before the BIO frees */
	BIO_free(bio);
	ERR_clear_error();
	return rc;
}

int sg_pki_write_key(const char *path, EVP_PKEY *key, bool overwrite, signet_error **err)
{
	if (!key)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .path = path,
			.check = "pki.write" }, "no key to write");
	/* Secure memory BIO: OpenSSL clears the buffer on every reallocation and on free. */
	BIO *bio = BIO_new(BIO_s_secmem());
	if (!bio || !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)) {
		BIO_free(bio);
		return openssl_failed(err, "cannot encode the private key");
	}
	return write_bio(path, bio, 0600, overwrite, err);
}

int sg_pki_write_certs(const char *path, STACK_OF(X509) *certs, bool overwrite,
	signet_error **err)
{
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio)
		return openssl_failed(err, "cannot allocate a buffer");
	int n = certs ? sk_X509_num(certs) : 0;
	for (int i = 0; i < n; i++) {
		if (!PEM_write_bio_X509(bio, sk_X509_value(certs, i))) {
			BIO_free(bio);
			return openssl_failed(err, "cannot encode a certificate");
		}
	}
	return write_bio(path, bio, 0644, overwrite, err);
}

int sg_pki_write_cert(const char *path, X509 *cert, bool overwrite, signet_error **err)
{
	if (!cert)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .path = path,
			.check = "pki.write" }, "no certificate to write");
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio || !PEM_write_bio_X509(bio, cert)) {
		BIO_free(bio);
		return openssl_failed(err, "cannot encode the certificate");
	}
	return write_bio(path, bio, 0644, overwrite, err);
}
