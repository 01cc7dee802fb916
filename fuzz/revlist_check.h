/* SPDX-License-Identifier: MIT */
/*
 * revlist_check.h - the invariants of a parsed revocation list, shared by
 * the two fuzz targets whose documents carry one (fuzz_revlist.c and
 * fuzz_trust_bundle.c): in range, sorted, unique, found by the lookups;
 * and equality of two lists (a written list read back).
 */
#ifndef SIGNET_FUZZ_REVLIST_CHECK_H
#define SIGNET_FUZZ_REVLIST_CHECK_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "policy/revlist.h"

static inline void check_list(const sg_revlist *l)
{
	if (!l->name || l->sequence < 1 || l->sequence > SG_REVLIST_MAX_SEQUENCE || l->issued < 0 ||
	    l->expires <= l->issued || l->expires > SG_REVLIST_MAX_TIME ||
	    l->n_cdhashes > SG_REVLIST_MAX_ENTRIES || l->n_teams > SG_REVLIST_MAX_ENTRIES ||
	    l->n_serials > SG_REVLIST_MAX_ENTRIES)
		abort();
	for (size_t i = 0; i < l->n_cdhashes; i++)
		if ((i && memcmp(l->cdhashes[i - 1], l->cdhashes[i], 32) >= 0) || !sg_revlist_has_cdhash(l, l->cdhashes[i]))
			abort();
	for (size_t i = 0; i < l->n_teams; i++)
		if ((i && strcmp(l->teams[i - 1], l->teams[i]) >= 0) || !sg_revlist_has_team(l, l->teams[i]))
			abort();
	for (size_t i = 0; i < l->n_serials; i++)
		if ((i && strcmp(l->serials[i - 1], l->serials[i]) >= 0) || !sg_revlist_has_serial(l, l->serials[i]) ||
		    (l->serials[i][0] == '0' && l->serials[i][1]))
			abort();
}

static inline bool same(const sg_revlist *a, const sg_revlist *b)
{
	if (strcmp(a->name, b->name) || a->sequence != b->sequence || a->issued != b->issued ||
	    a->expires != b->expires || a->n_cdhashes != b->n_cdhashes || a->n_teams != b->n_teams ||
	    a->n_serials != b->n_serials)
		return false;
	if (a->n_cdhashes && memcmp(a->cdhashes, b->cdhashes, a->n_cdhashes * sizeof *a->cdhashes))
		return false;
	for (size_t i = 0; i < a->n_teams; i++)
		if (strcmp(a->teams[i], b->teams[i]))
			return false;
	for (size_t i = 0; i < a->n_serials; i++)
		if (strcmp(a->serials[i], b->serials[i]))
			return false;
	return true;
}

#endif /* SIGNET_FUZZ_REVLIST_CHECK_H */
