/* SPDX-License-Identifier: MIT */
/*
 * format.h - the byte format of a Signet code signature: constants, limits,
 * and the parsed views of the blob and its CodeDirectory.
 *
 * docs/signature-format.md is the specification; this header must agree
 * with it. Everything on disk is big-endian and fixed-width, reserved bytes
 * are zero, and there is exactly one valid encoding of any CodeDirectory
 * (so the cdhash is deterministic).
 */
#ifndef SIGNET_CODESIGN_FORMAT_H
#define SIGNET_CODESIGN_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The ELF section that holds the blob: non-allocated, last in the file. */
#define SG_SIG_SECTION_NAME ".signet.sig"
#define SG_SIG_SECTION_TYPE 0x8a5e0001u /* in SHT_LOUSER..SHT_HIUSER */
#define SG_SIG_SECTION_ALIGN 8u

/* Outer blob: header, CodeDirectory, CMS, entitlements, zero padding. */
#define SG_BLOB_MAGIC 0x5347534eu /* "SGSN" */
#define SG_BLOB_VERSION 1u
#define SG_BLOB_HEADER_SIZE 40u

/* CodeDirectory. */
#define SG_CD_MAGIC 0x53474344u /* "SGCD" */
#define SG_CD_VERSION 1u
#define SG_CD_HEADER_SIZE 56u
#define SG_HASH_SHA256 1u
#define SG_HASH_SIZE 32u

/* Special slots (negative indices, after Apple's). */
enum sg_special_slot {
	SG_SLOT_MANIFEST = 1,      /* the bundle's manifest.json */
	SG_SLOT_RESOURCES = 2,     /* the bundle's resource seal */
	SG_SLOT_ENTITLEMENTS = 3,  /* the entitlements carried in the blob */
	SG_SLOT_MAX = 3
};

/* Hard limits: checked before any allocation or loop that input controls. */
#define SG_MAX_FILE_SIZE ((uint64_t)1 << 30)   /* 1 GiB */
#define SG_MAX_IDENTIFIER 255u
#define SG_MAX_TEAM 64u
#define SG_MAX_CMS_SIZE (64u * 1024u)
#define SG_MAX_ENTITLEMENTS_SIZE (64u * 1024u)
#define SG_PAGE_SHIFT_MIN 12u /* 4 KiB */
#define SG_PAGE_SHIFT_MAX 16u /* 64 KiB */
#define SG_PAGE_SHIFT_DEFAULT 12u
/* Code slots for SG_MAX_FILE_SIZE at the smallest page size. */
#define SG_MAX_CODE_SLOTS ((uint32_t)(SG_MAX_FILE_SIZE >> SG_PAGE_SHIFT_MIN))
/* A blob can hold the largest CodeDirectory, CMS and entitlements, plus slack. */
#define SG_MAX_BLOB_SIZE (SG_CD_HEADER_SIZE + SG_MAX_IDENTIFIER + SG_MAX_TEAM + 16u + \
	(SG_SLOT_MAX + SG_MAX_CODE_SLOTS) * SG_HASH_SIZE + SG_BLOB_HEADER_SIZE + \
	SG_MAX_CMS_SIZE + SG_MAX_ENTITLEMENTS_SIZE + 4096u)

/* A parsed CodeDirectory. Pointers point into the bytes it was parsed from. */
typedef struct sg_code_directory {
	const uint8_t *bytes; /* the whole CodeDirectory: what the CMS signs */
	uint32_t length;
	uint32_t version;
	uint32_t flags;
	const char *identifier;
	const char *team;           /* NULL when the signer has no team */
	uint32_t n_special_slots;
	uint32_t n_code_slots;
	uint64_t code_limit;
	uint8_t hash_type;
	uint8_t page_shift;
	const uint8_t *code_hashes; /* n_code_slots * SG_HASH_SIZE */
	const uint8_t *special_hashes; /* slot -k at special_hashes + (n_special_slots - k) * SG_HASH_SIZE */
} sg_code_directory;

/* What goes into a CodeDirectory. */
typedef struct sg_cd_input {
	const char *identifier;
	const char *team;           /* may be NULL */
	uint8_t page_shift;
	uint64_t code_limit;
	const uint8_t *code_hashes; /* n = ceil(code_limit / page) hashes */
	/* special[k - 1] is slot -k; an all-zero hash means "absent". */
	uint8_t special[SG_SLOT_MAX][SG_HASH_SIZE];
} sg_cd_input;

/* A parsed blob. Pointers point into the file bytes. */
typedef struct sg_blob {
	uint64_t offset; /* of the blob in the file: equals the code limit */
	uint32_t length;
	sg_code_directory cd;
	const uint8_t *cms;
	uint32_t cms_length;
	const uint8_t *entitlements; /* NULL when absent */
	uint32_t entitlements_length;
} sg_blob;

/* Big-endian readers and writers. */
static inline uint32_t sg_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t sg_be64(const uint8_t *p)
{
	return (uint64_t)sg_be32(p) << 32 | sg_be32(p + 4);
}

static inline void sg_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void sg_put_be64(uint8_t *p, uint64_t v)
{
	sg_put_be32(p, (uint32_t)(v >> 32));
	sg_put_be32(p + 4, (uint32_t)v);
}

/* Number of pages covering `limit` bytes: ceil(limit / 2^shift), overflow-free. */
static inline uint64_t sg_page_count(uint64_t limit, unsigned shift)
{
	return (limit >> shift) + ((limit & (((uint64_t)1 << shift) - 1)) != 0);
}

#endif /* SIGNET_CODESIGN_FORMAT_H */
