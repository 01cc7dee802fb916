/* SPDX-License-Identifier: MIT */
/*
 * cms_attach.c - a SignedData with its content inside (cms.h): how a signed
 * file that is its own content (a revocation list) is kept as one file,
 * while verification stays the one detached path of cms_verify.c.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include "cms/cms.h"
#include "core/error_internal.h"

/* The DER of `cms` (malloc'd); 0, SIGNET_E_LIMIT or SIGNET_E_NOMEM. */
static int encode(uint8_t **out, size_t *out_len, CMS_ContentInfo *cms, size_t max, signet_error **err)
{
	int n = i2d_CMS_ContentInfo(cms, NULL);
	if (n <= 0)
		return sg_fail_code(err, SIGNET_E_NOMEM, "cannot encode the CMS SignedData");
	if ((size_t)n > max)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .check = "cms.structure" },
			"CMS SignedData too large (%d bytes, limit %zu)", n, max);
	uint8_t *buf = malloc((size_t)n), *p = buf;
	if (!buf || i2d_CMS_ContentInfo(cms, &p) != n) {
		free(buf);
		return sg_fail_code(err, SIGNET_E_NOMEM, "cannot encode the CMS SignedData");
	}
	*out = buf;
	*out_len = (size_t)n;
	return 0;
}

int sg_cms_attach(uint8_t **out, size_t *out_len, const uint8_t *detached, size_t detached_len,
	const uint8_t *content, size_t content_len, signet_error **err)
{
	if (detached_len > SG_CMS_MAX_DER || content_len > INT_MAX / 2)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .check = "cms.structure" },
			"signature or content too large to carry together");
	const uint8_t *p = detached;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)detached_len);
	ASN1_OCTET_STRING **pos = cms ? CMS_get0_content(cms) : NULL;
	int rc;
	if (!cms || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed || !pos || *pos)
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_MALFORMED, .check = "cms.structure" },
			"not a detached CMS SignedData");
	else if (!CMS_set_detached(cms, 0) || !*pos || !ASN1_OCTET_STRING_set(*pos, content, (int)content_len))
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory carrying the content in the SignedData");
	else {
		(*pos)->flags &= ~ASN1_STRING_FLAG_CONT; /* a real value now, not a placeholder */
		rc = encode(out, out_len, cms, (size_t)SG_CMS_MAX_DER + content_len, err);
	}
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return rc;
}

int sg_cms_detach(uint8_t **detached, size_t *detached_len, uint8_t **content, size_t *content_len,
	const uint8_t *der, size_t len, const char *path, signet_error **err)
{
	if (len > LONG_MAX)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "cms.structure" },
			"signed file too large");
	const uint8_t *p = der;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	ERR_clear_error();
	int rc = 0;
	/* Trailing bytes are refused: whatever follows the signature is signed by no one. */
	if (!cms || p != der + len || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed ||
	    OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data) {
		CMS_ContentInfo_free(cms);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_MALFORMED, .path = path,
			.check = "cms.structure", .expected = "a DER CMS SignedData over id-data" },
			"not a signed file: expected a DER CMS SignedData over id-data, with nothing after it");
	}
	ASN1_OCTET_STRING **pos = CMS_get0_content(cms);
	if (!pos || !*pos) {
		CMS_ContentInfo_free(cms);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_MALFORMED, .path = path,
			.check = "cms.structure" }, "the SignedData carries no content (a detached signature)");
	}
	size_t n = (size_t)ASN1_STRING_length(*pos);
	uint8_t *c = malloc(n + 1);
	if (!c) {
		CMS_ContentInfo_free(cms);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading a signed file");
	}
	memcpy(c, ASN1_STRING_get0_data(*pos), n);
	c[n] = '\0';
	if (!CMS_set_detached(cms, 1))
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading a signed file");
	if (!rc)
		rc = encode(detached, detached_len, cms, SG_CMS_MAX_DER, err);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	if (rc) {
		free(c);
		return rc;
	}
	*content = c;
	*content_len = n;
	return 0;
}
