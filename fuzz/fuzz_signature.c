/* SPDX-License-Identifier: MIT */
/*
 * fuzz_signature.c - libFuzzer target for the signature reader: ELF
 * structure and placement (libelf), the blob and the CodeDirectory.
 *
 * Input starting with the ELF magic is read as a whole file, the way
 * verification reads it up to (not including) the CMS; anything else is
 * fed to the blob parser as a blob at offset 0 and to the CodeDirectory
 * parser directly. The input is copied into a buffer of exactly its size,
 * so a read one byte past the end is a sanitizer report.
 * Also replayed over fuzz/corpus/signature under `make check`.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codesign/blob.h"
#include "codesign/codedirectory.h"
#include "elf/elf_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	signet_error *err = NULL;
	if (size >= 4 && memcmp(copy, "\177ELF", 4) == 0) {
		sg_elf_layout l;
		if (sg_elf_layout_read(&l, copy, size, "fuzz", &err) == 0 && l.has_signature) {
			sg_blob b;
			if (sg_blob_parse(&b, copy, l.signature_offset, l.signature_size, "fuzz", &err) == 0 &&
			    (b.cd.code_limit != l.signature_offset || b.cd.length < SG_CD_HEADER_SIZE))
				abort(); /* the parser promised both */
		}
	} else {
		sg_blob b;
		if (sg_blob_parse(&b, copy, 0, size, "fuzz", &err) == 0 && b.cd.code_limit != 0)
			abort();
		signet_error_free(err);
		err = NULL;
		sg_code_directory cd;
		if (sg_cd_parse(&cd, copy, size, "fuzz", &err) == 0 &&
		    (cd.length != size || !cd.identifier[0] || cd.n_code_slots != sg_page_count(cd.code_limit, cd.page_shift)))
			abort();
	}
	signet_error_free(err);
	free(copy);
	return 0;
}
