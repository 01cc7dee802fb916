/* SPDX-License-Identifier: MIT */
/*
 * fuzz_quarantine.c - libFuzzer target for the quarantine store's JSON
 * (docs/quarantine.md): any bytes parse to entries or an error; entries
 * that parse obey the schema, and what the writer makes of them parses
 * back to the same entries, within the size the reader accepts.
 * Also replayed over fuzz/corpus/quarantine under `make check`.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codesign/codedirectory.h"
#include "quarantine/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_entries(const sg_qentries *e)
{
	for (size_t i = 0; i < e->n; i++) {
		const sg_qentry *x = &e->items[i];
		if (x->crashes < 1 || x->crashes > SIGNET_QUARANTINE_MAX_CRASHES || x->last_crash < 0 ||
		    x->last_crash > SG_QSTORE_MAX_TIME || !sg_cd_valid_name(x->identifier, 255) ||
		    (x->team && !sg_cd_valid_name(x->team, 64)) || !x->last_reason[0] ||
		    strlen(x->last_reason) > SIGNET_QUARANTINE_MAX_REASON)
			abort();
		for (size_t j = 0; j < i; j++)
			if (!memcmp(e->items[j].cdhash, x->cdhash, sizeof x->cdhash))
				abort();
	}
	if (e->n > SIGNET_QUARANTINE_MAX_ENTRIES)
		abort();
}

static bool same(const sg_qentry *a, const sg_qentry *b)
{
	return !memcmp(a->cdhash, b->cdhash, sizeof a->cdhash) && !strcmp(a->identifier, b->identifier) &&
		(a->team ? b->team && !strcmp(a->team, b->team) : !b->team) && a->crashes == b->crashes &&
		a->quarantined == b->quarantined && a->last_crash == b->last_crash &&
		!strcmp(a->last_reason, b->last_reason);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1); /* exactly sized: overreads are reports */
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	sg_qentries e = { 0 };
	signet_error *err = NULL;
	int rc = sg_qstore_parse(&e, copy, size, "fuzz", &err);
	if (rc == 0) {
		if (err)
			abort();
		check_entries(&e);
		char *text = NULL;
		size_t len = 0;
		if (sg_qstore_format(&text, &len, &e, SIZE_MAX, NULL) == 0) {
			if (len > SIGNET_QUARANTINE_MAX_FILE_SIZE || strlen(text) != len)
				abort();
			sg_qentries back = { 0 };
			if (sg_qstore_parse(&back, text, len, "fuzz", NULL) != 0 || back.n != e.n)
				abort();
			for (size_t i = 0; i < e.n; i++)
				if (!same(&e.items[i], &back.items[i]))
					abort();
			sg_qentries_clear(&back);
			free(text);
		}
		sg_qentries_clear(&e);
	} else {
		int code = signet_error_code(err);
		if (!err || code != rc || (rc != SIGNET_E_STATE_DAMAGED && rc != SIGNET_E_LIMIT && rc != SIGNET_E_NOMEM) ||
		    (rc != SIGNET_E_NOMEM && (strncmp(signet_error_message(err), "fuzz: ", 6) != 0 ||
		     strcmp(signet_error_check(err), "quarantine.file") != 0)) || e.n != 0 || e.items)
			abort();
	}
	signet_error_free(err);
	free(copy);
	return 0;
}
