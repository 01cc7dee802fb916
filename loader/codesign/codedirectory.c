/* SPDX-License-Identifier: MIT */
/*
 * codedirectory.c - the CodeDirectory: building its one canonical encoding,
 * and parsing it strictly.
 *
 * The parser accepts exactly the bytes the builder produces for some input:
 * fixed offsets, zero reserved bytes and padding, counts that agree with
 * each other and with the code limit. Anything else is malformed. Being this
 * strict costs nothing (we write every signature) and leaves no room for two
 * encodings of one CodeDirectory, or for bytes the hash covers that mean
 * nothing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "codesign/codedirectory.h"
#include "core/error_internal.h"

/* Identifiers and team IDs: printable, unambiguous, shell- and log-safe. */
static bool valid_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

bool sg_cd_valid_name(const char *s, size_t max)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (n >= max || !valid_name_char((unsigned char)s[n]))
			return false;
	return n > 0;
}

static uint32_t highest_special(const sg_cd_input *in)
{
	static const uint8_t zero[SG_HASH_SIZE];
	for (uint32_t k = SG_SLOT_MAX; k > 0; k--)
		if (memcmp(in->special[k - 1], zero, SG_HASH_SIZE) != 0)
			return k;
	return 0;
}

static uint64_t align8(uint64_t v) { return (v + 7u) & ~(uint64_t)7u; }

/* The canonical layout: returns the length, and where slot 0 starts. */
static uint64_t layout(const sg_cd_input *in, uint64_t *hash_offset)
{
	uint64_t strings_end = SG_CD_HEADER_SIZE + strlen(in->identifier) + 1 + (in->team ? strlen(in->team) + 1 : 0);
	*hash_offset = align8(strings_end) + (uint64_t)highest_special(in) * SG_HASH_SIZE;
	return *hash_offset + sg_page_count(in->code_limit, in->page_shift) * SG_HASH_SIZE;
}

size_t sg_cd_size(const sg_cd_input *in)
{
	uint64_t unused;
	return (size_t)layout(in, &unused);
}

int sg_cd_build(uint8_t **out, size_t *out_len, const sg_cd_input *in, signet_error **err)
{
	if (!in->identifier || !sg_cd_valid_name(in->identifier, SG_MAX_IDENTIFIER))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "sign.identifier",
			.actual = in->identifier }, "identifier must be 1 to %u characters of A-Z a-z 0-9 . - _",
			SG_MAX_IDENTIFIER);
	if (in->team && !sg_cd_valid_name(in->team, SG_MAX_TEAM))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "sign.team",
			.actual = in->team }, "team must be 1 to %u characters of A-Z a-z 0-9 . - _", SG_MAX_TEAM);
	if (in->page_shift < SG_PAGE_SHIFT_MIN || in->page_shift > SG_PAGE_SHIFT_MAX || in->code_limit > SG_MAX_FILE_SIZE)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "page size or code limit out of range");

	size_t ident_len = strlen(in->identifier) + 1;
	size_t team_len = in->team ? strlen(in->team) + 1 : 0;
	uint32_t n_special = highest_special(in);
	uint64_t n_code = sg_page_count(in->code_limit, in->page_shift);
	uint64_t hash_offset = 0;
	uint64_t length = layout(in, &hash_offset);

	uint8_t *cd = calloc(1, (size_t)length);
	if (!cd)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory building a CodeDirectory");
	sg_put_be32(cd + 0, SG_CD_MAGIC);
	sg_put_be32(cd + 4, (uint32_t)length);
	sg_put_be32(cd + 8, SG_CD_VERSION);
	sg_put_be32(cd + 12, 0); /* flags: none defined */
	sg_put_be32(cd + 16, (uint32_t)hash_offset);
	sg_put_be32(cd + 20, SG_CD_HEADER_SIZE);
	sg_put_be32(cd + 24, team_len ? (uint32_t)(SG_CD_HEADER_SIZE + ident_len) : 0);
	sg_put_be32(cd + 28, n_special);
	sg_put_be32(cd + 32, (uint32_t)n_code);
	sg_put_be64(cd + 40, in->code_limit);
	cd[48] = SG_HASH_SHA256;
	cd[49] = SG_HASH_SIZE;
	cd[50] = in->page_shift;
	memcpy(cd + SG_CD_HEADER_SIZE, in->identifier, ident_len);
	if (team_len)
		memcpy(cd + SG_CD_HEADER_SIZE + ident_len, in->team, team_len);
	/* Slot -k is stored k slots before slot 0: the highest first. */
	for (uint32_t k = n_special; k > 0; k--)
		memcpy(cd + hash_offset - (uint64_t)k * SG_HASH_SIZE, in->special[k - 1], SG_HASH_SIZE);
	if (n_code)
		memcpy(cd + hash_offset, in->code_hashes, (size_t)(n_code * SG_HASH_SIZE));
	*out = cd;
	*out_len = (size_t)length;
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

#define MALFORMED(...) sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_MALFORMED, \
	.path = path, .check = "signature.codedirectory" }, __VA_ARGS__)

/* A NUL-terminated name at `off`: returns its length, or -1. */
static long name_at(const uint8_t *cd, uint32_t len, uint32_t off, size_t max)
{
	if (off >= len)
		return -1;
	const uint8_t *nul = memchr(cd + off, '\0', len - off);
	if (!nul)
		return -1;
	size_t n = (size_t)(nul - (cd + off));
	return sg_cd_valid_name((const char *)cd + off, max) ? (long)n : -1;
}

int sg_cd_parse(sg_code_directory *out, const uint8_t *cd, size_t len, const char *path, signet_error **err)
{
	if (len < SG_CD_HEADER_SIZE)
		return MALFORMED("CodeDirectory is %zu bytes, shorter than its %u-byte header", len, SG_CD_HEADER_SIZE);
	if (sg_be32(cd) != SG_CD_MAGIC)
		return MALFORMED("CodeDirectory magic is 0x%08x, not 0x%08x", sg_be32(cd), SG_CD_MAGIC);
	uint32_t length = sg_be32(cd + 4);
	if (length != len)
		return MALFORMED("CodeDirectory says it is %u bytes, the blob gives it %zu", length, len);
	uint32_t version = sg_be32(cd + 8), flags = sg_be32(cd + 12);
	if (version != SG_CD_VERSION)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_UNSUPPORTED, .path = path,
			.check = "signature.version" }, "CodeDirectory version %u is not supported (only %u)", version, SG_CD_VERSION);
	if (flags != 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_UNSUPPORTED, .path = path,
			.check = "signature.flags" }, "CodeDirectory flags 0x%08x are not supported", flags);
	uint8_t hash_type = cd[48], hash_size = cd[49], page_shift = cd[50];
	if (hash_type != SG_HASH_SHA256)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_UNSUPPORTED, .path = path,
			.check = "signature.hash_type" }, "hash type %u is not supported (only 1, SHA-256)", hash_type);
	if (hash_size != SG_HASH_SIZE)
		return MALFORMED("hash size %u does not match SHA-256's %u", hash_size, SG_HASH_SIZE);
	if (page_shift < SG_PAGE_SHIFT_MIN || page_shift > SG_PAGE_SHIFT_MAX)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SIGNATURE_UNSUPPORTED, .path = path,
			.check = "signature.page_size" }, "page size 2^%u is out of range (2^%u to 2^%u)",
			page_shift, SG_PAGE_SHIFT_MIN, SG_PAGE_SHIFT_MAX);
	if (sg_be32(cd + 36) != 0 || cd[51] != 0 || sg_be32(cd + 52) != 0)
		return MALFORMED("reserved CodeDirectory header bytes are not zero");

	uint32_t hash_offset = sg_be32(cd + 16), ident_offset = sg_be32(cd + 20), team_offset = sg_be32(cd + 24);
	uint32_t n_special = sg_be32(cd + 28), n_code = sg_be32(cd + 32);
	uint64_t code_limit = sg_be64(cd + 40);

	if (ident_offset != SG_CD_HEADER_SIZE)
		return MALFORMED("identifier offset %u is not %u", ident_offset, SG_CD_HEADER_SIZE);
	long ident_len = name_at(cd, length, ident_offset, SG_MAX_IDENTIFIER);
	if (ident_len < 0)
		return MALFORMED("identifier is not terminated inside the CodeDirectory, too long, or has characters "
			"outside A-Z a-z 0-9 . - _");
	uint64_t strings_end = (uint64_t)ident_offset + (uint64_t)ident_len + 1;
	long team_len = -1;
	if (team_offset != 0) {
		if (team_offset != strings_end)
			return MALFORMED("team offset %u does not follow the identifier (%llu)", team_offset,
				(unsigned long long)strings_end);
		team_len = name_at(cd, length, team_offset, SG_MAX_TEAM);
		if (team_len < 0)
			return MALFORMED("team is not terminated inside the CodeDirectory, too long, or has characters "
				"outside A-Z a-z 0-9 . - _");
		strings_end += (uint64_t)team_len + 1;
	}
	if (n_special > SG_SLOT_MAX)
		return MALFORMED("%u special slots; at most %u are defined", n_special, SG_SLOT_MAX);
	if (n_code > SG_MAX_CODE_SLOTS)
		return MALFORMED("%u code slots exceed the limit of %u", n_code, SG_MAX_CODE_SLOTS);
	if (code_limit > SG_MAX_FILE_SIZE || sg_page_count(code_limit, page_shift) != n_code)
		return MALFORMED("%u code slots do not cover a code limit of %llu bytes in pages of %u",
			n_code, (unsigned long long)code_limit, 1u << page_shift);
	/* All in 64 bits: each term is bounded above, so nothing can wrap. */
	uint64_t specials_at = align8(strings_end);
	uint64_t want_hash_offset = specials_at + (uint64_t)n_special * SG_HASH_SIZE;
	if (hash_offset != want_hash_offset)
		return MALFORMED("hash offset %u is not %llu", hash_offset, (unsigned long long)want_hash_offset);
	if ((uint64_t)length != want_hash_offset + (uint64_t)n_code * SG_HASH_SIZE)
		return MALFORMED("CodeDirectory length %u does not match its %u special and %u code slots",
			length, n_special, n_code);
	if (specials_at > strings_end && !all_zero(cd + strings_end, (size_t)(specials_at - strings_end)))
		return MALFORMED("padding after the names is not zero");

	*out = (sg_code_directory){
		.bytes = cd,
		.length = length,
		.version = version,
		.flags = flags,
		.identifier = (const char *)cd + ident_offset,
		.team = team_len >= 0 ? (const char *)cd + team_offset : NULL,
		.n_special_slots = n_special,
		.n_code_slots = n_code,
		.code_limit = code_limit,
		.hash_type = hash_type,
		.page_shift = page_shift,
		.code_hashes = cd + hash_offset,
		.special_hashes = cd + specials_at,
	};
	return 0;
}

const uint8_t *sg_cd_special(const sg_code_directory *cd, unsigned slot)
{
	static const uint8_t zero[SG_HASH_SIZE];
	if (slot == 0 || slot > cd->n_special_slots)
		return NULL;
	const uint8_t *h = cd->special_hashes + (size_t)(cd->n_special_slots - slot) * SG_HASH_SIZE;
	return memcmp(h, zero, SG_HASH_SIZE) == 0 ? NULL : h;
}
