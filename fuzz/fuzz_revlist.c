/* SPDX-License-Identifier: MIT */
/*
 * fuzz_revlist.c - libFuzzer target for the content of a revocation list
 * (loader/policy/revlist.c, docs/revocation.md): any bytes parse to a list
 * or to an error with the parser's code and check; a list that parses is
 * sorted, unique and in range, every entry is found by the lookups, and
 * what the writer makes of it parses back to the same list.
 * Also replayed over fuzz/corpus/revlist under `make check`.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/revlist.h"
#include "revlist_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1); /* exactly sized: overreads are reports */
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	sg_revlist *l = NULL;
	signet_error *err = NULL;
	int rc = sg_revlist_parse(&l, copy, size, "fuzz", &err);
	if (rc == 0) {
		if (err || !l)
			abort();
		check_list(l);
		char *text = NULL;
		size_t len = 0;
		if (sg_revlist_format(&text, &len, l, NULL) == 0) {
			sg_revlist *back = NULL;
			if (len > SG_REVLIST_MAX_CONTENT || strlen(text) != len ||
			    sg_revlist_parse(&back, (const uint8_t *)text, len, "fuzz", NULL) != 0 || !same(l, back))
				abort();
			sg_revlist_free(back);
			free(text);
		}
		sg_revlist_free(l);
	} else {
		if (!err || l || signet_error_code(err) != rc ||
		    (rc != SIGNET_E_REVOCATION_LIST && rc != SIGNET_E_LIMIT && rc != SIGNET_E_NOMEM) ||
		    (rc != SIGNET_E_NOMEM && (strncmp(signet_error_message(err), "fuzz: ", 6) != 0 ||
		     strcmp(signet_error_check(err), "revocation.list") != 0)))
			abort();
	}
	signet_error_free(err);
	free(copy);
	return 0;
}
