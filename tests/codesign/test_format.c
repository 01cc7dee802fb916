/* SPDX-License-Identifier: MIT */
/*
 * test_format.c - the CodeDirectory and blob encodings: round trips,
 * determinism, and strict refusal of every field out of place (counts and
 * offsets at 0, at the limits and at 0xFFFFFFFF, unknown hash types, page
 * sizes out of range, unterminated strings, truncation at every length).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "codesign/blob.h"
#include "codesign/codedirectory.h"
#include "harness.h"

#define PAGES 5
#define LIMIT (4096u * 4 + 100) /* 5 pages, the last partial */

static uint8_t hashes[PAGES * SG_HASH_SIZE];

static sg_cd_input sample_input(void)
{
	for (size_t i = 0; i < sizeof hashes; i++)
		hashes[i] = (uint8_t)(i * 7 + 1);
	sg_cd_input in = { .identifier = "com.example.plugin", .team = "ABCDE12345", .page_shift = 12,
		.code_limit = LIMIT, .code_hashes = hashes };
	memset(in.special[0], 0x11, SG_HASH_SIZE); /* manifest */
	memset(in.special[1], 0x22, SG_HASH_SIZE); /* resources; entitlements absent */
	return in;
}

static uint8_t *build(size_t *len)
{
	sg_cd_input in = sample_input();
	uint8_t *cd = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_cd_build(&cd, len, &in, &err), &err);
	return cd;
}

static void test_round_trip(void)
{
	size_t len;
	uint8_t *cd = build(&len);
	sg_code_directory p;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_cd_parse(&p, cd, len, "x", &err), &err);
	CU_ASSERT_STRING_EQUAL(p.identifier, "com.example.plugin");
	CU_ASSERT_STRING_EQUAL(p.team, "ABCDE12345");
	CU_ASSERT_EQUAL(p.n_code_slots, PAGES);
	CU_ASSERT_EQUAL(p.n_special_slots, 2);
	CU_ASSERT_EQUAL(p.code_limit, LIMIT);
	CU_ASSERT_EQUAL(p.page_shift, 12);
	CU_ASSERT_EQUAL(memcmp(p.code_hashes, hashes, sizeof hashes), 0);
	const uint8_t *m = sg_cd_special(&p, SG_SLOT_MANIFEST), *r = sg_cd_special(&p, SG_SLOT_RESOURCES);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(m[0], 0x11);
	CU_ASSERT_EQUAL(r[31], 0x22);
	CU_ASSERT_PTR_NULL(sg_cd_special(&p, SG_SLOT_ENTITLEMENTS));
	CU_ASSERT_PTR_NULL(sg_cd_special(&p, 0));
	/* 56 header + 19 + 11 names = 86, padded to 88; 2 specials; 5 pages. */
	CU_ASSERT_EQUAL(len, 88 + 2 * 32 + PAGES * 32);
	free(cd);
}

static void test_deterministic_and_teamless(void)
{
	size_t a_len, b_len;
	uint8_t *a = build(&a_len), *b = build(&b_len);
	CU_ASSERT_EQUAL(a_len, b_len);
	CU_ASSERT_EQUAL(memcmp(a, b, a_len), 0);
	free(a);
	free(b);

	sg_cd_input in = sample_input();
	in.team = NULL;
	memset(in.special, 0, sizeof in.special);
	uint8_t *cd;
	size_t len;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_cd_build(&cd, &len, &in, &err), &err);
	sg_code_directory p;
	SG_ASSERT_OK(sg_cd_parse(&p, cd, len, "x", &err), &err);
	CU_ASSERT_PTR_NULL(p.team);
	CU_ASSERT_EQUAL(p.n_special_slots, 0);
	free(cd);
}

static void test_builder_refuses_bad_names(void)
{
	sg_cd_input in = sample_input();
	uint8_t *cd = NULL;
	size_t len;
	signet_error *err = NULL;
	in.identifier = "has space";
	SG_ASSERT_FAILS(sg_cd_build(&cd, &len, &in, &err), &err, SIGNET_E_INVALID_ARGUMENT, "identifier");
	in.identifier = "";
	SG_ASSERT_FAILS(sg_cd_build(&cd, &len, &in, &err), &err, SIGNET_E_INVALID_ARGUMENT, "identifier");
	char long_id[300];
	memset(long_id, 'a', sizeof long_id - 1);
	long_id[sizeof long_id - 1] = '\0';
	in.identifier = long_id;
	SG_ASSERT_FAILS(sg_cd_build(&cd, &len, &in, &err), &err, SIGNET_E_INVALID_ARGUMENT, "identifier");
	in.identifier = "ok";
	in.team = "BAD/TEAM";
	SG_ASSERT_FAILS(sg_cd_build(&cd, &len, &in, &err), &err, SIGNET_E_INVALID_ARGUMENT, "team");
	CU_ASSERT_PTR_NULL(cd);
}

typedef struct mutation {
	unsigned offset, width;
	uint32_t value;
	int code;
	const char *reason;
} mutation;

static void put(uint8_t *p, unsigned width, uint32_t v)
{
	if (width == 1)
		p[0] = (uint8_t)v;
	else
		sg_put_be32(p, v);
}

static void test_every_field_out_of_place_is_refused(void)
{
	static const mutation cases[] = {
		{ 0, 4, 0, SIGNET_E_SIGNATURE_MALFORMED, "magic" },
		{ 0, 4, 0xffffffffu, SIGNET_E_SIGNATURE_MALFORMED, "magic" },
		{ 4, 4, 0, SIGNET_E_SIGNATURE_MALFORMED, "says it is 0 bytes" },
		{ 4, 4, 0xffffffffu, SIGNET_E_SIGNATURE_MALFORMED, "says it is" },
		{ 8, 4, 0, SIGNET_E_SIGNATURE_UNSUPPORTED, "version 0" },
		{ 8, 4, 2, SIGNET_E_SIGNATURE_UNSUPPORTED, "version 2" },
		{ 12, 4, 1, SIGNET_E_SIGNATURE_UNSUPPORTED, "flags" },
		{ 16, 4, 0, SIGNET_E_SIGNATURE_MALFORMED, "hash offset 0" },
		{ 16, 4, 0xffffffffu, SIGNET_E_SIGNATURE_MALFORMED, "hash offset" },
		{ 20, 4, 0, SIGNET_E_SIGNATURE_MALFORMED, "identifier offset 0" },
		{ 20, 4, 0xffffffffu, SIGNET_E_SIGNATURE_MALFORMED, "identifier offset" },
		{ 24, 4, 1, SIGNET_E_SIGNATURE_MALFORMED, "team offset 1" },
		{ 24, 4, 0xffffffffu, SIGNET_E_SIGNATURE_MALFORMED, "team offset" },
		{ 28, 4, 0, SIGNET_E_SIGNATURE_MALFORMED, "hash offset" },
		{ 28, 4, 4, SIGNET_E_SIGNATURE_MALFORMED, "4 special slots" },
		{ 28, 4, 0xffffffffu, SIGNET_E_SIGNATURE_MALFORMED, "special slots" },
		{ 32, 4, 0, SIGNET_E_SIGNATURE_MALFORMED, "code slots do not cover" },
		{ 32, 4, PAGES + 1, SIGNET_E_SIGNATURE_MALFORMED, "code slots do not cover" },
		{ 32, 4, 0xffffffffu, SIGNET_E_SIGNATURE_MALFORMED, "exceed the limit" },
		{ 36, 4, 1, SIGNET_E_SIGNATURE_MALFORMED, "reserved" },
		{ 40, 4, 1, SIGNET_E_SIGNATURE_MALFORMED, "code limit" }, /* high word: 4 GiB + */
		{ 44, 4, 0, SIGNET_E_SIGNATURE_MALFORMED, "code slots do not cover" },
		{ 44, 4, 0xffffffffu, SIGNET_E_SIGNATURE_MALFORMED, "code slots do not cover" },
		{ 48, 1, 0, SIGNET_E_SIGNATURE_UNSUPPORTED, "hash type 0" },
		{ 48, 1, 2, SIGNET_E_SIGNATURE_UNSUPPORTED, "hash type 2" },
		{ 48, 1, 0xff, SIGNET_E_SIGNATURE_UNSUPPORTED, "hash type 255" },
		{ 49, 1, 20, SIGNET_E_SIGNATURE_MALFORMED, "hash size 20" },
		{ 50, 1, 11, SIGNET_E_SIGNATURE_UNSUPPORTED, "page size 2^11" },
		{ 50, 1, 17, SIGNET_E_SIGNATURE_UNSUPPORTED, "page size 2^17" },
		{ 50, 1, 0xff, SIGNET_E_SIGNATURE_UNSUPPORTED, "page size" },
		{ 51, 1, 1, SIGNET_E_SIGNATURE_MALFORMED, "reserved" },
		{ 52, 4, 1, SIGNET_E_SIGNATURE_MALFORMED, "reserved" },
		{ 56, 1, ' ', SIGNET_E_SIGNATURE_MALFORMED, "identifier" },
		{ 86, 1, 1, SIGNET_E_SIGNATURE_MALFORMED, "padding" },
	};
	size_t len;
	uint8_t *good = build(&len);
	uint8_t *cd = malloc(len);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memcpy(cd, good, len);
		put(cd + cases[i].offset, cases[i].width, cases[i].value);
		sg_code_directory p;
		signet_error *err = NULL;
		int rc = sg_cd_parse(&p, cd, len, "lib.so", &err);
		if (rc != cases[i].code || !err || !strstr(signet_error_message(err), cases[i].reason)) {
			fprintf(stderr, "  case %zu (offset %u = 0x%x): rc %d, message \"%s\", wanted %d \"%s\"\n", i,
				cases[i].offset, cases[i].value, rc, err ? signet_error_message(err) : "", cases[i].code,
				cases[i].reason);
			CU_FAIL("mutation not refused as expected");
		}
		CU_ASSERT(err && strncmp(signet_error_message(err), "lib.so: ", 8) == 0);
		signet_error_free(err);
	}
	free(cd);
	free(good);
}

static void test_unterminated_identifier(void)
{
	/* A CodeDirectory cut right inside its identifier. */
	size_t len;
	uint8_t *cd = build(&len);
	size_t cut = 56 + 5;
	sg_put_be32(cd + 4, (uint32_t)cut);
	sg_code_directory p;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(sg_cd_parse(&p, cd, cut, "x", &err), &err, SIGNET_E_SIGNATURE_MALFORMED, "not terminated");
	free(cd);
}

static void test_truncation_at_every_length(void)
{
	size_t len;
	uint8_t *cd = build(&len);
	size_t refused = 0;
	for (size_t n = 0; n < len; n++) {
		/* A copy of exactly n bytes, so a read past the end is an ASan error. */
		uint8_t *t = malloc(n ? n : 1);
		memcpy(t, cd, n);
		sg_code_directory p;
		signet_error *err = NULL;
		int rc = sg_cd_parse(&p, t, n, "x", &err);
		refused += rc == SIGNET_E_SIGNATURE_MALFORMED;
		signet_error_free(err);
		free(t);
	}
	CU_ASSERT_EQUAL(refused, len);
	free(cd);
}

/* ---- the outer blob ---- */

static uint8_t *build_blob(uint32_t *blob_len, uint64_t *offset, const uint8_t **file_out)
{
	size_t cd_len;
	uint8_t *cd = build(&cd_len);
	static const uint8_t cms[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	static const char ent[] = "{\"net\": true}";
	*offset = LIMIT;
	*blob_len = (uint32_t)sg_blob_content_size((uint32_t)cd_len, sizeof cms, sizeof ent - 1) + 20;
	uint8_t *file = calloc(1, LIMIT + *blob_len);
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_blob_build(file + LIMIT, *blob_len, cd, (uint32_t)cd_len, cms, sizeof cms,
		(const uint8_t *)ent, sizeof ent - 1, &err), &err);
	free(cd);
	*file_out = file;
	return file;
}

static void test_blob_round_trip_and_mutations(void)
{
	uint32_t blen;
	uint64_t off;
	const uint8_t *file;
	uint8_t *f = build_blob(&blen, &off, &file);
	sg_blob b;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_blob_parse(&b, file, off, blen, "x", &err), &err);
	CU_ASSERT_EQUAL(b.cms_length, 5);
	CU_ASSERT_EQUAL(b.entitlements_length, 13);
	CU_ASSERT_STRING_EQUAL(b.cd.identifier, "com.example.plugin");

	static const mutation cases[] = {
		{ 0, 4, 0, SIGNET_E_SIGNATURE_MALFORMED, "magic" },
		{ 4, 4, 2, SIGNET_E_SIGNATURE_UNSUPPORTED, "version 2" },
		{ 8, 4, 0, SIGNET_E_SIGNATURE_MALFORMED, "blob says it is 0 bytes" },
		{ 8, 4, 0xffffffffu, SIGNET_E_SIGNATURE_MALFORMED, "blob says it is" },
		{ 12, 4, 0, SIGNET_E_SIGNATURE_MALFORMED, "CodeDirectory offset 0" },
		{ 16, 4, 0, SIGNET_E_SIGNATURE_MALFORMED, "CodeDirectory length 0" },
		{ 16, 4, 0xffffffffu, SIGNET_E_SIGNATURE_MALFORMED, "does not fit" },
		{ 20, 4, 0xffffffffu, SIGNET_E_SIGNATURE_MALFORMED, "CMS offset" },
		{ 24, 4, 0, SIGNET_E_SIGNATURE_MALFORMED, "CMS length 0" },
		{ 24, 4, 0xffffffffu, SIGNET_E_SIGNATURE_MALFORMED, "CMS length" },
		{ 28, 4, 0xffffffffu, SIGNET_E_SIGNATURE_MALFORMED, "entitlements" },
		{ 32, 4, 0xffffffffu, SIGNET_E_SIGNATURE_MALFORMED, "entitlements" },
		{ 36, 4, 1, SIGNET_E_SIGNATURE_MALFORMED, "reserved" },
	};
	uint8_t *save = malloc(blen);
	memcpy(save, f + off, blen);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memcpy(f + off, save, blen);
		put(f + off + cases[i].offset, cases[i].width, cases[i].value);
		int rc = sg_blob_parse(&b, file, off, blen, "x", &err);
		if (rc != cases[i].code || !strstr(signet_error_message(err), cases[i].reason)) {
			fprintf(stderr, "  blob case %zu: rc %d \"%s\"\n", i, rc, signet_error_message(err));
			CU_FAIL("blob mutation not refused as expected");
		}
		signet_error_free(err);
		err = NULL;
	}
	/* Nonzero padding; a code limit that does not reach the blob. */
	memcpy(f + off, save, blen);
	f[off + blen - 1] = 1;
	SG_ASSERT_FAILS(sg_blob_parse(&b, file, off, blen, "x", &err), &err, SIGNET_E_SIGNATURE_MALFORMED, "padding byte");
	memcpy(f + off, save, blen);
	SG_ASSERT_FAILS(sg_blob_parse(&b, file, off - 1, blen, "x", &err), &err, SIGNET_E_SIGNATURE_MALFORMED, "magic");
	SG_ASSERT_FAILS(sg_blob_parse(&b, file, off, 39, "x", &err), &err, SIGNET_E_SIGNATURE_MALFORMED, "shorter");
	free(save);
	free(f);
}

int main(void)
{
	static const sg_test cd_tests[] = {
		{ "build and parse round trip", test_round_trip },
		{ "deterministic; team and special slots optional", test_deterministic_and_teamless },
		{ "builder refuses bad identifiers and teams", test_builder_refuses_bad_names },
		{ "every field out of place is refused", test_every_field_out_of_place_is_refused },
		{ "an unterminated identifier is refused", test_unterminated_identifier },
		{ "truncation at every length is refused", test_truncation_at_every_length },
		{ NULL, NULL },
	};
	static const sg_test blob_tests[] = {
		{ "blob round trip and header mutations", test_blob_round_trip_and_mutations },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "codedirectory", cd_tests }, { "blob", blob_tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
