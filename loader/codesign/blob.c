/* SPDX-License-Identifier: MIT */
/* blob.c - building and strictly parsing the outer signature blob. */
#include "config.h"

#include <string.h>

#include "codesign/blob.h"
#include "codesign/codedirectory.h"
#include "core/error_internal.h"

uint64_t sg_blob_content_size(uint32_t cd_len, uint32_t cms_len, uint32_t ent_len)
{
	return (uint64_t)SG_BLOB_HEADER_SIZE + cd_len + cms_len + ent_len;
}

int sg_blob_build(uint8_t *out, uint32_t length, const uint8_t *cd, uint32_t cd_len,
	const uint8_t *cms, uint32_t cms_len, const uint8_t *ent, uint32_t ent_len, signet_error **err)
{
	uint64_t used = sg_blob_content_size(cd_len, cms_len, ent_len);
	if (cms_len == 0 || cms_len > SG_MAX_CMS_SIZE || ent_len > SG_MAX_ENTITLEMENTS_SIZE)
		return sg_fail_code(err, SIGNET_E_LIMIT, "CMS (%u bytes) or entitlements (%u bytes) out of limits",
			cms_len, ent_len);
	if (used > length || length - used > SG_BLOB_MAX_PADDING)
		return sg_fail_code(err, SIGNET_E_LIMIT, "signature parts (%llu bytes) do not fit a %u-byte blob",
			(unsigned long long)used, length);
	memset(out, 0, length);
	uint32_t cms_off = SG_BLOB_HEADER_SIZE + cd_len;
	sg_put_be32(out + 0, SG_BLOB_MAGIC);
	sg_put_be32(out + 4, SG_BLOB_VERSION);
	sg_put_be32(out + 8, length);
	sg_put_be32(out + 12, SG_BLOB_HEADER_SIZE);
	sg_put_be32(out + 16, cd_len);
	sg_put_be32(out + 20, cms_off);
	sg_put_be32(out + 24, cms_len);
	sg_put_be32(out + 28, ent_len ? cms_off + cms_len : 0);
	sg_put_be32(out + 32, ent_len);
	memcpy(out + SG_BLOB_HEADER_SIZE, cd, cd_len);
	memcpy(out + cms_off, cms, cms_len);
	if (ent_len)
		memcpy(out + cms_off + cms_len, ent, ent_len);
	return 0;
}

#define MALFORMED(...) sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_MALFORMED, \
	.path = path, .check = "signature.blob" }, __VA_ARGS__)

int sg_blob_parse(sg_blob *out, const uint8_t *file, uint64_t offset, uint64_t length,
	const char *path, signet_error **err)
{
	if (length < SG_BLOB_HEADER_SIZE)
		return MALFORMED("signature blob is %llu bytes, shorter than its %u-byte header",
			(unsigned long long)length, SG_BLOB_HEADER_SIZE);
	if (length > SG_MAX_BLOB_SIZE)
		return MALFORMED("signature blob is %llu bytes, over the limit of %llu",
			(unsigned long long)length, (unsigned long long)SG_MAX_BLOB_SIZE);
	const uint8_t *b = file + offset;
	if (sg_be32(b) != SG_BLOB_MAGIC)
		return MALFORMED("signature blob magic is 0x%08x, not 0x%08x", sg_be32(b), SG_BLOB_MAGIC);
	if (sg_be32(b + 4) != SG_BLOB_VERSION)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_UNSUPPORTED, .path = path,
			.check = "signature.version" }, "signature blob version %u is not supported (only %u)",
			sg_be32(b + 4), SG_BLOB_VERSION);
	uint32_t blen = sg_be32(b + 8), cd_off = sg_be32(b + 12), cd_len = sg_be32(b + 16);
	uint32_t cms_off = sg_be32(b + 20), cms_len = sg_be32(b + 24);
	uint32_t ent_off = sg_be32(b + 28), ent_len = sg_be32(b + 32);
	if (blen != length)
		return MALFORMED("signature blob says it is %u bytes, its section holds %llu", blen,
			(unsigned long long)length);
	if (sg_be32(b + 36) != 0)
		return MALFORMED("reserved signature blob header bytes are not zero");
	/* Offsets are fixed by the layout; lengths are checked in 64 bits. */
	if (cd_off != SG_BLOB_HEADER_SIZE)
		return MALFORMED("CodeDirectory offset %u is not %u", cd_off, SG_BLOB_HEADER_SIZE);
	if (cd_len < SG_CD_HEADER_SIZE || (uint64_t)cd_off + cd_len > blen)
		return MALFORMED("CodeDirectory length %u does not fit the %u-byte blob", cd_len, blen);
	if (cms_off != cd_off + cd_len)
		return MALFORMED("CMS offset %u does not follow the CodeDirectory (%u)", cms_off, cd_off + cd_len);
	if (cms_len == 0 || cms_len > SG_MAX_CMS_SIZE || (uint64_t)cms_off + cms_len > blen)
		return MALFORMED("CMS length %u is empty, over %u, or does not fit the blob", cms_len, SG_MAX_CMS_SIZE);
	uint64_t end = (uint64_t)cms_off + cms_len;
	if (ent_off == 0 && ent_len == 0) {
		/* no entitlements */
	} else if (ent_off != end || ent_len == 0 || ent_len > SG_MAX_ENTITLEMENTS_SIZE || end + ent_len > blen) {
		return MALFORMED("entitlements at %u (%u bytes) are misplaced or out of limits", ent_off, ent_len);
	} else {
		end += ent_len;
	}
	if (blen - end > SG_BLOB_MAX_PADDING)
		return MALFORMED("%llu bytes of padding exceed the limit of %u", (unsigned long long)(blen - end),
			SG_BLOB_MAX_PADDING);
	for (uint64_t i = end; i < blen; i++)
		if (b[i])
			return MALFORMED("padding byte at blob offset %llu is 0x%02x, not zero", (unsigned long long)i, b[i]);

	sg_blob blob = {
		.offset = offset,
		.length = blen,
		.cms = b + cms_off,
		.cms_length = cms_len,
		.entitlements = ent_len ? b + ent_off : NULL,
		.entitlements_length = ent_len,
	};
	int rc = sg_cd_parse(&blob.cd, b + cd_off, cd_len, path, err);
	if (rc)
		return rc;
	if (blob.cd.code_limit != offset)
		return MALFORMED("the signature covers %llu bytes but starts at offset %llu: every byte before it must be covered",
			(unsigned long long)blob.cd.code_limit, (unsigned long long)offset);
	*out = blob;
	return 0;
}
