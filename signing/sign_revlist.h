/* SPDX-License-Identifier: MIT */
/*
 * sign_revlist.h - writing a signed revocation list (`signet revoke`) or
 * trust bundle (`signet trust-bundle`), docs/revocation.md: the content
 * from revlist.c or trust_bundle.c, signed by sg_cms_sign() and carried
 * inside the SignedData (cms_attach.c), written atomically.
 * Thread-safe; the caller keeps its key and certificates.
 */
#ifndef SIGNET_SIGNING_SIGN_REVLIST_H
#define SIGNET_SIGNING_SIGN_REVLIST_H

#include "core/export.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <signet/error.h>

#include "policy/revlist.h"
#include "policy/trust_bundle.h"

/*
 * Signs `l` with `key`/`cert` (+ `chain`, may be NULL) and replaces
 * `out_path` with it: a temporary file beside it, fsync()ed and renamed,
 * so a reader sees the old list or the new one, never half of one.
 * Errors: those of sg_revlist_format() and sg_cms_sign(), SIGNET_E_IO.
 */
SG_PRIVATE int sg_revlist_sign_file(const char *out_path, const sg_revlist *l, EVP_PKEY *key, X509 *cert,
	STACK_OF(X509) *chain, signet_error **err) __attribute__((warn_unused_result));

/* The same for a trust bundle; errors of sg_trust_bundle_format() too. */
SG_PRIVATE int sg_trust_bundle_sign_file(const char *out_path, const sg_trust_bundle_parts *parts, EVP_PKEY *key,
	X509 *cert, STACK_OF(X509) *chain, signet_error **err) __attribute__((warn_unused_result));

#endif /* SIGNET_SIGNING_SIGN_REVLIST_H */
