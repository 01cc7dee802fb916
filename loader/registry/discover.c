/* SPDX-License-Identifier: MIT */
/* discover.c - walking dl_iterate_phdr() and classifying the startup set. */
#include "config.h"

#include <elf.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include <signet/error.h>

#include "registry/discover.h"

typedef struct walk_ctx {
	sg_walk *w;
	const sg_image_key *known;
	size_t nknown;
	bool first;
	const char *main_path;
	const sg_claim *claim;
	uintptr_t vdso_phdr;
	bool failed;
} walk_ctx;

static bool key_eq(const sg_image_key *a, const sg_image_key *b)
{
	return a->base == b->base && a->name_ptr == b->name_ptr;
}

static void add_needed(const char *name, void *payload)
{
	sg_walk_entry *e = payload;
	char *copy = strdup(name);
	if (!copy || sg_array_push(&e->needed, copy) != 0)
		free(copy); /* a shorter list only makes classification more conservative */
}

static int on_object(struct dl_phdr_info *info, size_t size, void *data)
{
	walk_ctx *c = data;
	(void)size;
	if (c->w->entries.n == 0) {
		c->w->adds = info->dlpi_adds;
		c->w->subs = info->dlpi_subs;
	}
	if (sg_array_reserve(&c->w->entries, 1) != 0) {
		c->failed = true;
		return 1;
	}
	sg_walk_entry *e = &c->w->entries.items[c->w->entries.n];
	memset(e, 0, sizeof *e);
	e->key.base = info->dlpi_addr;
	e->key.name_ptr = info->dlpi_name;
	e->is_vdso = c->vdso_phdr && (uintptr_t)info->dlpi_phdr == c->vdso_phdr;
	bool is_main = c->w->entries.n == 0; /* ld.so always lists the executable first */
	c->w->entries.n++;

	sg_image_facts facts = {
		.key = e->key, .path = info->dlpi_name, .phdr = info->dlpi_phdr, .phnum = info->dlpi_phnum,
	};
	if (c->first)
		sg_image_for_each_needed(&facts, add_needed, e);
	for (size_t i = 0; i < c->nknown; i++)
		if (key_eq(&c->known[i], &e->key))
			return 0;

	bool claimed = c->claim && key_eq(&c->claim->key, &e->key);
	signet_arrival arrival = claimed ? SIGNET_ARRIVAL_SIGNET
		: is_main ? SIGNET_ARRIVAL_MAIN_PROGRAM
		: e->is_vdso ? SIGNET_ARRIVAL_VDSO
		: SIGNET_ARRIVAL_FOREIGN; /* startup is decided after the first walk */
	const char *path = claimed ? c->claim->path : is_main ? c->main_path : NULL;
	e->fresh = sg_image_new(&facts, arrival, path);
	if (!e->fresh) {
		c->failed = true;
		return 1;
	}
	for (size_t i = 0; c->first && is_main && i < facts.phnum; i++) {
		const ElfW(Phdr) *ph = &facts.phdr[i];
		const char *s = ph->p_type == PT_INTERP
			? sg_image_mapped_string(e->fresh, e->key.base + ph->p_vaddr, ph->p_filesz) : NULL;
		if (s)
			e->interp = strdup(s); /* NULL on ENOMEM: classification gets conservative */
	}
	return 0;
}

void sg_walk_release(sg_walk *w)
{
	for (size_t i = 0; i < w->entries.n; i++) {
		sg_walk_entry *e = &w->entries.items[i];
		signet_image_free(e->fresh);
		for (size_t j = 0; j < e->needed.n; j++)
			free(e->needed.items[j]);
		sg_array_clear(&e->needed);
		free(e->interp);
	}
	sg_array_clear(&w->entries);
	*w = (sg_walk){ 0 };
}

int sg_walk_objects(sg_walk *out, const sg_image_key *known, size_t nknown, bool first,
	const char *main_path, const sg_claim *claim)
{
	*out = (sg_walk){ 0 };
	uintptr_t ehdr = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
	walk_ctx c = {
		.w = out, .known = known, .nknown = nknown, .first = first,
		.main_path = main_path, .claim = claim,
		.vdso_phdr = ehdr ? ehdr + ((const ElfW(Ehdr) *)ehdr)->e_phoff : 0,
	};
	dl_iterate_phdr(on_object, &c);
	if (c.failed) {
		sg_walk_release(out);
		return SIGNET_E_NOMEM;
	}
	return 0;
}

static int on_first(struct dl_phdr_info *info, size_t size, void *data)
{
	unsigned long long *counters = data;
	(void)size;
	counters[0] = info->dlpi_adds;
	counters[1] = info->dlpi_subs;
	return 1;
}

void sg_walk_counters(unsigned long long *adds, unsigned long long *subs)
{
	unsigned long long counters[2] = { 0, 0 };
	dl_iterate_phdr(on_first, counters);
	*adds = counters[0];
	*subs = counters[1];
}

static bool entry_matches(const sg_walk_entry *e, const char *name)
{
	if (e->fresh) {
		if (strchr(name, '/'))
			return strcmp(signet_image_path(e->fresh), name) == 0;
		return sg_image_matches_short_name(e->fresh, name);
	}
	return false;
}

void sg_walk_classify_startup(const sg_walk *w, bool *is_startup)
{
	size_t n = w->entries.n;
	bool *in_closure = calloc(n ? n : 1, sizeof *in_closure);
	size_t *queue = calloc(n ? n : 1, sizeof *queue);
	size_t last = 0;
	memset(is_startup, 0, n * sizeof *is_startup);
	if (!in_closure || !queue || n == 0) {
		/* Without memory to decide, call only the executable "startup". */
		if (n)
			is_startup[0] = true;
		free(in_closure);
		free(queue);
		return;
	}
	size_t head = 0, tail = 0;
	in_closure[0] = true;
	queue[tail++] = 0;
	if (w->entries.items[0].interp) {
		for (size_t j = 1; j < n; j++)
			if (entry_matches(&w->entries.items[j], w->entries.items[0].interp) && !in_closure[j])
				in_closure[j] = true, queue[tail++] = j;
	}
	while (head < tail) {
		const sg_walk_entry *e = &w->entries.items[queue[head++]];
		for (size_t k = 0; k < e->needed.n; k++) {
			for (size_t j = 1; j < n; j++) {
				if (!in_closure[j] && entry_matches(&w->entries.items[j], e->needed.items[k])) {
					in_closure[j] = true;
					queue[tail++] = j;
					break; /* the first match in load order is what ld.so bound */
				}
			}
		}
	}
	for (size_t j = 0; j < n; j++)
		if (in_closure[j])
			last = j;
	for (size_t j = 0; j <= last; j++)
		is_startup[j] = true;
	free(in_closure);
	free(queue);
}
