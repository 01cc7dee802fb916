/* SPDX-License-Identifier: MIT */
/* test_pki.c - test-time keys and certificates. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "pki.h"
#include "test_pki.h"

static void make(sg_test_cred *out, const char *cn, const char *ou, bool ca, const sg_test_cred *issuer,
	sg_pki_key_type type)
{
	sg_pki_spec spec = SG_PKI_SPEC_INIT;
	spec.key_type = type;
	spec.common_name = cn;
	spec.organization = cn;
	if (ou) {
		spec.org_units[0] = ou;
		spec.n_org_units = 1;
	}
	spec.is_ca = ca;
	spec.code_signing = !ca;
	spec.issuer_key = issuer ? issuer->key : NULL;
	spec.issuer_cert = issuer ? issuer->cert : NULL;
	signet_error *err = NULL;
	if (sg_pki_make(&out->key, &out->cert, &spec, &err) != 0) {
		fprintf(stderr, "test pki: %s\n", signet_error_message(err));
		exit(99);
	}
}

void sg_test_cred_make(sg_test_cred *out, const char *cn, const char *ou, bool ca, const sg_test_cred *issuer)
{
	make(out, cn, ou, ca, issuer, SG_PKI_KEY_EC_P256);
}

void sg_test_cred_make_rsa(sg_test_cred *out, const char *cn, const char *ou, const sg_test_cred *issuer)
{
	make(out, cn, ou, false, issuer, SG_PKI_KEY_RSA_2048);
}
