/* SPDX-License-Identifier: MIT */
/* sign_revlist.c - signed revocation lists and trust bundles written to files (sign_revlist.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cms/cms.h"
#include "core/error_internal.h"
#include "core/statefile.h"
#include "sign_revlist.h"

/* `text` signed, carried inside its SignedData, and written over `out_path` whole. */
static int sign_attached_file(const char *out_path, const char *text, size_t len, EVP_PKEY *key, X509 *cert,
	STACK_OF(X509) *chain, const char *check, const char *noun, signet_error **err)
{
	char *dir = NULL;
	size_t sig_len = 0, out_len = 0;
	uint8_t *sig = NULL, *out = NULL;
	int rc = sg_cms_sign(&sig, &sig_len, (const uint8_t *)text, len, key, cert, chain, err);
	if (rc == 0)
		rc = sg_cms_attach(&out, &out_len, sig, sig_len, (const uint8_t *)text, len, err);
	if (rc == 0) {
		const char *slash = strrchr(out_path, '/');
		dir = !slash ? strdup(".") : slash == out_path ? strdup("/") :
			strndup(out_path, (size_t)(slash - out_path));
		if (!dir)
			rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
	}
	/* The same whole-file replacement as Signet's state files: never a torn file on disk. */
	if (rc == 0)
		rc = sg_state_replace(out_path, dir, out, out_len, check, noun, err);
	free(sig);
	free(out);
	free(dir);
	return rc;
}

int sg_revlist_sign_file(const char *out_path, const sg_revlist *l, EVP_PKEY *key, X509 *cert,
	STACK_OF(X509) *chain, signet_error **err)
{
	if (!out_path || !*out_path || !l || !key || !cert)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "sg_revlist_sign_file: missing argument");
	char *text = NULL;
	size_t len = 0;
	int rc = sg_revlist_format(&text, &len, l, err);
	if (rc == 0)
		rc = sign_attached_file(out_path, text, len, key, cert, chain, "revocation.write", "the revocation list",
			err);
	free(text);
	return rc;
}

int sg_trust_bundle_sign_file(const char *out_path, const sg_trust_bundle_parts *parts, EVP_PKEY *key, X509 *cert,
	STACK_OF(X509) *chain, signet_error **err)
{
	if (!out_path || !*out_path || !parts || !key || !cert)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "sg_trust_bundle_sign_file: missing argument");
	char *text = NULL;
	size_t len = 0;
	int rc = sg_trust_bundle_format(&text, &len, parts, err);
	if (rc == 0)
		rc = sign_attached_file(out_path, text, len, key, cert, chain, "trust_bundle.write", "the trust bundle",
			err);
	free(text);
	return rc;
}
