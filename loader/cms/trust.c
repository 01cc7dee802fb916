/* SPDX-License-Identifier: MIT */
/* trust.c - trust anchors: a PEM file or a directory of them, as an X509_STORE. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include "cms/cms.h"
#include "cms/cms_util.h"
#include "core/error_internal.h"
#include "core/sha256.h"

struct sg_trust {
	/*
	 * Only the anchors loaded here: never X509_STORE_set_default_paths(),
	 * because a public web CA will certify anyone's domain, and that says
	 * nothing about who may run code in this process.
	 */
	X509_STORE *store;
	/*
	 * The same anchors in load order, read-only once loaded: a refusal
	 * names them without touching the store, whose object list OpenSSL
	 * sorts under its lock while other threads verify.
	 */
	STACK_OF(X509) *anchors;
	size_t count;
	/* SHA-256 over the anchors' fingerprints in load order: what the chain
	 * cache keys on, so a verdict is only ever reused for the same anchors. */
	uint8_t digest[32];
};

/* Called once the anchors are all in, before the store is shared. */
static int seal_digest(sg_trust *t)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned n = 0;
	bool ok = ctx && EVP_DigestInit_ex(ctx, sg_sha256_md(), NULL) == 1;
	for (int i = 0; ok && i < sk_X509_num(t->anchors); i++) {
		uint8_t fp[32];
		ok = sg_cms_cert_sha256(sk_X509_value(t->anchors, i), fp) == 0
			&& EVP_DigestUpdate(ctx, fp, sizeof fp) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, t->digest, &n) == 1 && n == sizeof t->digest;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : -1;
}

/* Adds `certs` (taken over) as anchors; `path` names where they came from. */
static int add_certs(sg_trust *t, STACK_OF(X509) *certs, const char *path, signet_error **err)
{
	int rc = 0;
	int n = sk_X509_num(certs);
	for (int i = 0; i < n && rc == 0; i++) {
		if (t->count >= SG_TRUST_MAX_CERTS) {
			rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path,
				.check = "trust.load" }, "more than %d trust anchors", SG_TRUST_MAX_CERTS);
			break;
		}
		/*
		 * OpenSSL computes a certificate's extension cache lazily, on first
		 * use, and checks whether it is done without its lock: concurrent
		 * verifications sharing this anchor would race on it (ThreadSanitizer
		 * reports it). Compute it now, while the store is not yet shared.
		 */
		X509 *anchor = sk_X509_value(certs, i);
		(void)X509_check_purpose(anchor, -1, 0);
		/* X509_STORE_add_cert takes its own reference; a duplicate is not an error in 3.0. */
		if (X509_STORE_add_cert(t->store, anchor) != 1 || !sk_X509_push(t->anchors, anchor)) {
			char reason[SG_OSSL_REASON_MAX];
			sg_ossl_reason(reason, sizeof reason);
			rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = path,
				.check = "trust.load" }, "cannot add anchor %d (%s)", i + 1, reason);
			break;
		}
		X509_up_ref(anchor); /* the stack's reference */
		t->count++;
	}
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return rc;
}

static int add_file(sg_trust *t, const char *path, signet_error **err)
{
	STACK_OF(X509) *certs = NULL;
	int rc = sg_pem_load_certs(&certs, path, err);
	return rc ? rc : add_certs(t, certs, path, err);
}

static int wanted_name(const struct dirent *d)
{
	const char *n = d->d_name;
	size_t len = strlen(n);
	if (n[0] == '.') /* like a shell glob: hidden files and editor droppings stay out */
		return 0;
	return (len > 4 && (strcmp(n + len - 4, ".pem") == 0 || strcmp(n + len - 4, ".crt") == 0));
}

static int add_directory(sg_trust *t, const char *dir, signet_error **err)
{
	struct dirent **names = NULL;
	/* Sorted, so the first bad file reported is the same on every run. */
	int n = scandir(dir, &names, wanted_name, alphasort);
	if (n < 0) {
		int e = errno;
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = dir,
			.check = "trust.load", .os_errno = e }, "cannot list the directory: %s", strerror(e));
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		if (rc == 0) {
			char *path = NULL;
			struct stat st;
			if (asprintf(&path, "%s/%s", dir, names[i]->d_name) < 0) {
				rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = dir,
					.check = "trust.load" }, "out of memory");
			} else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
				/* "certs.pem/" is not a certificate file; nothing to load. */
			} else {
				rc = add_file(t, path, err);
			}
			free(path);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static sg_trust *trust_new(void)
{
	sg_trust *t = calloc(1, sizeof *t);
	if (t && (!(t->store = X509_STORE_new()) || !(t->anchors = sk_X509_new_null()))) {
		X509_STORE_free(t->store);
		free(t);
		t = NULL;
	}
	ERR_clear_error();
	return t;
}

int sg_trust_from_pem(sg_trust **out, const uint8_t *pem, size_t len, const char *label, signet_error **err)
{
	STACK_OF(X509) *certs = NULL;
	int rc = sg_pem_parse_certs(&certs, pem, len, label, err);
	return rc ? rc : sg_trust_from_certs(out, certs, label, err);
}

int sg_trust_from_certs(sg_trust **out, STACK_OF(X509) *certs, const char *label, signet_error **err)
{
	int rc;
	sg_trust *t = trust_new();
	if (!t) {
		sk_X509_pop_free(certs, X509_free);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = label, .check = "trust.load" },
			"out of memory");
	}
	if ((rc = add_certs(t, certs, label, err)) == 0 && seal_digest(t) != 0)
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = label, .check = "trust.load" },
			"out of memory");
	if (rc) {
		sg_trust_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int sg_trust_to_pem(char **out, size_t *len, const sg_trust *trust)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int n = sk_X509_num(trust->anchors);
	bool ok = bio != NULL;
	for (int i = 0; i < n && ok; i++)
		ok = PEM_write_bio_X509(bio, sk_X509_value(trust->anchors, i)) == 1;
	char *data = NULL;
	long size = ok ? BIO_get_mem_data(bio, &data) : -1;
	char *copy = size >= 0 ? malloc((size_t)size + 1) : NULL;
	if (copy) {
		memcpy(copy, data, (size_t)size);
		copy[size] = '\0';
		*out = copy;
		*len = (size_t)size;
	}
	BIO_free(bio);
	ERR_clear_error();
	return copy ? 0 : SIGNET_E_NOMEM;
}

int sg_trust_load(sg_trust **out, const char *path, signet_error **err)
{
	if (!out || !path || !*path)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT,
			.path = path, .check = "trust.load" }, "no trust anchor path given");

	struct stat st;
	if (stat(path, &st) != 0) {
		int e = errno;
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path,
			.check = "trust.load", .os_errno = e }, "cannot read trust anchors: %s", strerror(e));
	}

	sg_trust *t = trust_new();
	if (!t) {
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = path,
			.check = "trust.load" }, "out of memory");
	}

	int rc = S_ISDIR(st.st_mode) ? add_directory(t, path, err) : add_file(t, path, err);
	if (rc == 0 && t->count == 0)
		/* Fail closed: an empty store would make every signature "untrusted" for a confusing reason. */
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOT_FOUND, .path = path,
			.check = "trust.load", .expected = "at least one certificate (*.pem or *.crt)" },
			"no trust anchor certificate in the directory");
	if (rc == 0 && seal_digest(t) != 0)
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOMEM, .path = path,
			.check = "trust.load" }, "out of memory");
	if (rc) {
		sg_trust_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

size_t sg_trust_count(const sg_trust *trust)
{
	return trust ? trust->count : 0;
}

X509 *sg_trust_anchor(const sg_trust *trust, size_t i)
{
	return trust && i < (size_t)sk_X509_num(trust->anchors) ? sk_X509_value(trust->anchors, (int)i) : NULL;
}

void sg_trust_free(sg_trust *trust)
{
	if (!trust)
		return;
	X509_STORE_free(trust->store);
	sk_X509_pop_free(trust->anchors, X509_free);
	free(trust);
}

X509_STORE *sg_trust_store(const sg_trust *trust)
{
	return trust->store;
}

const uint8_t *sg_trust_digest(const sg_trust *trust)
{
	return trust->digest;
}

char *sg_trust_anchor_list(const sg_trust *trust, int max)
{
	char *list = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&list, &size);
	if (!f)
		return NULL;
	int n = sk_X509_num(trust->anchors);
	bool ok = true;
	for (int i = 0; i < n && i < max && ok; i++) {
		char *label = sg_cms_cert_label(sk_X509_value(trust->anchors, i));
		ok = label && fprintf(f, "%s%s", i ? ", " : "", label) >= 0;
		free(label);
	}
	if (ok && n > max)
		ok = fprintf(f, " and %d more", n - max) >= 0;
	if (fclose(f) != 0 || !ok) {
		free(list);
		return NULL;
	}
	return list;
}

bool sg_trust_has_subject(const sg_trust *trust, const X509_NAME *name)
{
	int n = sk_X509_num(trust->anchors);
	for (int i = 0; i < n; i++)
		if (X509_NAME_cmp(X509_get_subject_name(sk_X509_value(trust->anchors, i)), name) == 0)
			return true;
	return false;
}
