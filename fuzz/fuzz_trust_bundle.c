/* SPDX-License-Identifier: MIT */
/*
 * fuzz_trust_bundle.c - libFuzzer target for the content of a trust bundle
 * (loader/policy/trust_bundle.c, docs/revocation.md "One trust bundle for
 * a fleet"): any bytes parse to a bundle or to an error with the parser's
 * code and check; a bundle that parses has its list members in range (the
 * revocation list's invariants), 1 to 64 anchors, at most 64 TSA anchors
 * and CRLs; and what the writer makes of it parses back to the same
 * bundle. Also replayed over fuzz/corpus/trust_bundle under `make check`
 * (and, by tests/policy/test_trust_bundle.sh, over a bundle `signet
 * trust-bundle` made, with real certificates and a CRL).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "policy/trust_bundle.h"
#include "revlist_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_bundle(const sg_trust_bundle *b)
{
	check_list(b->list);
	size_t anchors = sg_trust_count(b->anchors), tsa = sg_trust_count(b->tsa);
	if (anchors < 1 || anchors > SG_TRUST_BUNDLE_MAX_CERTS || tsa > SG_TRUST_BUNDLE_MAX_CERTS ||
	    (b->tsa && tsa == 0) || b->n_crls > SG_TRUST_BUNDLE_MAX_CRLS || (b->n_crls && !b->crls))
		abort();
	for (size_t i = 0; i < b->n_crls; i++)
		if (!b->crls[i])
			abort();
}

/* The anchors of `t` as a stack (borrowed certificates). */
static STACK_OF(X509) *stack_of(const sg_trust *t)
{
	STACK_OF(X509) *s = sk_X509_new_null();
	for (size_t i = 0; s && i < sg_trust_count(t); i++)
		if (!sk_X509_push(s, sg_trust_anchor(t, i)))
			abort();
	return s;
}

static bool same_certs(const sg_trust *a, const sg_trust *b)
{
	if (sg_trust_count(a) != sg_trust_count(b))
		return false;
	for (size_t i = 0; i < sg_trust_count(a); i++)
		if (X509_cmp(sg_trust_anchor(a, i), sg_trust_anchor(b, i)) != 0)
			return false;
	return true;
}

/* Written and read back: the same list, certificates, CRLs and requirement. */
static void round_trip(const sg_trust_bundle *b)
{
	STACK_OF(X509) *anchors = stack_of(b->anchors), *tsa = b->tsa ? stack_of(b->tsa) : NULL;
	char *req = b->requirement ? signet_requirement_format(b->requirement) : NULL;
	if (!anchors || (b->tsa && !tsa) || (b->requirement && !req))
		return; /* out of memory: nothing to compare */
	sg_trust_bundle_parts parts = { .list = b->list, .anchors = anchors, .tsa = tsa, .requirement = req,
		.crls = b->crls, .n_crls = b->n_crls };
	char *text = NULL;
	size_t len = 0;
	if (sg_trust_bundle_format(&text, &len, &parts, NULL) == 0) {
		sg_trust_bundle *back = NULL;
		if (len > SG_TRUST_BUNDLE_MAX_CONTENT || strlen(text) != len ||
		    sg_trust_bundle_parse(&back, (const uint8_t *)text, len, "fuzz", NULL) != 0 ||
		    !same(b->list, back->list) || !same_certs(b->anchors, back->anchors) ||
		    !same_certs(b->tsa, back->tsa) || back->n_crls != b->n_crls || !back->requirement != !b->requirement)
			abort();
		for (size_t i = 0; i < b->n_crls; i++)
			if (X509_CRL_cmp(b->crls[i], back->crls[i]) != 0)
				abort();
		char *back_req = back->requirement ? signet_requirement_format(back->requirement) : NULL;
		if (req && back_req && strcmp(req, back_req) != 0)
			abort();
		free(back_req);
		sg_trust_bundle_free(back);
		free(text);
	}
	free(req);
	sk_X509_free(anchors);
	sk_X509_free(tsa);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1); /* exactly sized: overreads are reports */
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	sg_trust_bundle *b = NULL;
	signet_error *err = NULL;
	int rc = sg_trust_bundle_parse(&b, copy, size, "fuzz", &err);
	if (rc == 0) {
		if (err || !b)
			abort();
		check_bundle(b);
		round_trip(b);
		sg_trust_bundle_free(b);
	} else {
		if (!err || b || signet_error_code(err) != rc ||
		    (rc != SIGNET_E_TRUST_BUNDLE && rc != SIGNET_E_LIMIT && rc != SIGNET_E_NOMEM) ||
		    (rc != SIGNET_E_NOMEM && (strncmp(signet_error_message(err), "fuzz: ", 6) != 0 ||
		     strcmp(signet_error_check(err), "trust_bundle") != 0)))
			abort();
	}
	signet_error_free(err);
	free(copy);
	return 0;
}
