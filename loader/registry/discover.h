/* SPDX-License-Identifier: MIT */
/*
 * discover.h - one walk over the dynamic linker's list of loaded objects.
 *
 * The walk runs inside dl_iterate_phdr(), which keeps every object mapped
 * while its callback runs: records for objects not known yet are built right
 * there, because after the callback returns another thread may dlclose()
 * them and their memory would be gone. No Signet lock is taken inside.
 */
#ifndef SIGNET_DISCOVER_H
#define SIGNET_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/array.h"
#include "registry/image_internal.h"

typedef struct sg_walk_entry {
	sg_image_key key;
	signet_image *fresh;  /* a new record (refs 1) when the key was unknown */
	bool is_vdso;
	SG_ARRAY(char *) needed; /* DT_NEEDED names: first walk only */
	char *interp;         /* PT_INTERP of the main program: first walk only */
} sg_walk_entry;

typedef struct sg_walk {
	SG_ARRAY(sg_walk_entry) entries; /* in the dynamic linker's (load) order */
	unsigned long long adds, subs;
} sg_walk;

/*
 * Walks every loaded object. Objects whose key is in `known` get no record.
 * `first` also collects DT_NEEDED and PT_INTERP for startup classification.
 * `main_path` names the main program's record (dl_iterate_phdr says "").
 * `claim` (may be NULL) names an object Signet just loaded: its record gets
 * the claim's path and arrival SIGNET (the caller attaches the rest).
 * Returns 0 or SIGNET_E_NOMEM (nothing allocated then).
 */
int sg_walk_objects(sg_walk *out, const sg_image_key *known, size_t nknown, bool first,
	const char *main_path, const sg_claim *claim);

void sg_walk_release(sg_walk *w);

/* The adds/subs counters alone: cheap, stops at the first object. */
void sg_walk_counters(unsigned long long *adds, unsigned long long *subs);

/*
 * Marks which entries of a first walk were loaded by ld.so at startup:
 * every entry up to the last one in the main program's DT_NEEDED closure
 * (plus its interpreter). ld.so keeps its list in load order and appends
 * later dlopen()s at the end, so this prefix is exactly the startup set,
 * LD_PRELOAD included, however late Signet itself initialized.
 */
void sg_walk_classify_startup(const sg_walk *w, bool *is_startup);

#endif /* SIGNET_DISCOVER_H */
