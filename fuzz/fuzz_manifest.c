/* SPDX-License-Identifier: MIT */
/*
 * fuzz_manifest.c - libFuzzer target for manifest.json: any bytes parse to
 * a manifest or an error; a manifest that parses obeys its own rules.
 * Also replayed over fuzz/corpus/manifest under `make check`.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1); /* exactly sized: overreads are reports */
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	sg_manifest m;
	signet_error *err = NULL;
	if (sg_manifest_parse(&m, copy, size, "fuzz", &err) == 0) {
		if (!sg_manifest_path_is_safe(m.executable) || m.nbounds == 0 || m.nbounds > 2)
			abort();
		for (size_t i = 0; i < m.nlibraries; i++)
			if (!sg_manifest_path_is_safe(m.libraries[i]))
				abort();
		(void)sg_manifest_accepts_host_api(&m, (sg_semver){ 1, 0, 0 });
		sg_manifest_clear(&m);
	} else if (!err || signet_error_code(err) >= 0) {
		abort();
	}
	signet_error_free(err);
	free(copy);
	return 0;
}
