/* SPDX-License-Identifier: MIT */
/*
 * fuzz_elf.c - libFuzzer target for ELF validation, the dynamic-section
 * reader, the loadability check and the dynamic symbol lookup, on arbitrary
 * bytes.
 *
 * The input is copied into a buffer of exactly its size, so a read one byte
 * past the end is a sanitizer report. Every call must return one of its
 * documented codes with an error naming the file, and what a successful call
 * returns must keep the promises its header makes (bounds inside the file,
 * caps respected, DT_NULL where the layout says); anything else aborts.
 * Also replayed over fuzz/corpus/elf under `make check`.
 */
#include "config.h"

#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf/elf_dynamic.h"
#include "elf/elf_image.h"
#include "elf/elf_symbol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PATH "fuzz.so"

/* A failure carries its own code and a message that starts with the path. */
static void check_error(int rc, const signet_error *err)
{
	if (rc == SIGNET_E_NOMEM) { /* the error may be the static out-of-memory object */
		if (!err || signet_error_code(err) != rc)
			abort();
		return;
	}
	if (!err || signet_error_code(err) != rc || strncmp(signet_error_message(err), PATH ": ", sizeof PATH + 1) != 0 ||
	    !signet_error_check(err))
		abort();
}

static bool within(uint64_t off, uint64_t n, uint64_t size)
{
	return off <= size && n <= size - off;
}

static void check_layout(const sg_elf_layout *l, const uint8_t *file, size_t size)
{
	if (l->file_size != size || l->phnum == 0 || l->phnum > SG_ELF_MAX_SEGMENTS ||
	    !within(l->phoff, (uint64_t)l->phnum * sizeof(Elf64_Phdr), size) || l->shnum > SG_ELF_MAX_SECTIONS ||
	    (l->shnum && !within(l->shoff, (uint64_t)l->shnum * sizeof(Elf64_Shdr), size)) ||
	    (l->shnum && l->shstrndx >= l->shnum) || l->content_end > size)
		abort();
	if (l->n_loads == 0 || l->n_loads > l->phnum || l->load_end < l->load_start ||
	    l->load_end - l->load_start > SG_ELF_MAX_MAPPED || l->n_notes > SG_ELF_MAX_NOTES)
		abort();
	if (l->has_dynamic) {
		if (!within(l->dynamic_offset, l->dynamic_size, size) || l->dynamic_count == 0 ||
		    l->dynamic_count > SG_ELF_MAX_DYNAMIC + 1 || l->dynamic_count > l->dynamic_size / sizeof(Elf64_Dyn))
			abort();
		Elf64_Dyn last;
		memcpy(&last, file + l->dynamic_offset + (l->dynamic_count - 1) * sizeof last, sizeof last);
		if (last.d_tag != DT_NULL)
			abort();
	}
	if (l->has_build_id && !within(l->build_id_offset, l->build_id_size, size))
		abort();
	if (l->has_signature && (l->signature_offset + l->signature_size != size || l->signature_index >= l->shnum))
		abort();
}

static void check_strings(char *const *v, size_t n, size_t cap, bool split)
{
	if (n > cap || (n && !v))
		abort();
	for (size_t i = 0; i < n; i++)
		if (!v[i] || strlen(v[i]) > SG_ELF_MAX_STRING || (split && strchr(v[i], ':')))
			abort();
}

static void check_dynamic(const sg_elf_dynamic *d, const sg_elf_layout *l)
{
	if (!l->has_dynamic && (d->soname || d->n_needed || d->n_runpath || d->n_rpath || d->flags || d->flags_1 ||
	    d->textrel))
		abort();
	if (d->soname && strlen(d->soname) > SG_ELF_MAX_STRING)
		abort();
	check_strings(d->needed, d->n_needed, SG_ELF_MAX_NEEDED, false);
	check_strings(d->runpath, d->n_runpath, SG_ELF_MAX_PATH_COMPONENTS, true);
	check_strings(d->rpath, d->n_rpath, SG_ELF_MAX_PATH_COMPONENTS, true);
	/* A present path has at least one (possibly empty) component. */
	if (d->has_runpath != (d->n_runpath > 0) || d->has_rpath != (d->n_rpath > 0))
		abort();
	if ((d->flags & DF_TEXTREL) && !d->textrel)
		abort();
}

/* Is [value, value + n) in the file bytes of some PT_LOAD (recomputed here from the program headers)? */
static bool in_some_load(const uint8_t *file, size_t size, const sg_elf_layout *l, uint64_t value, uint64_t n,
	bool exec)
{
	for (size_t i = 0; i < l->phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, file + l->phoff + i * sizeof ph, sizeof ph); /* inside the file: check_layout */
		if (ph.p_type != PT_LOAD || (exec && !(ph.p_flags & PF_X)) || !within(ph.p_offset, ph.p_filesz, size))
			continue;
		if (value >= ph.p_vaddr && within(value - ph.p_vaddr, n, ph.p_filesz))
			return true;
	}
	return false;
}

/* sg_elf_find_symbol(): only its documented codes, NOT_FOUND without an error, a found symbol in bounds. */
static void check_symbol(const uint8_t *file, size_t size, const sg_elf_layout *l, const char *name)
{
	sg_elf_symbol sym;
	signet_error *err = NULL;
	int rc = sg_elf_find_symbol(&sym, file, size, l, name, PATH, &err);
	switch (rc) {
	case 0:
		if (err || sym.shndx == SHN_UNDEF || (sym.in_exec && !sym.in_file) || (sym.in_file && sym.size == 0))
			abort();
		if (sym.in_file && !in_some_load(file, size, l, sym.value, sym.size, false))
			abort();
		if (sym.in_exec && !in_some_load(file, size, l, sym.value, sym.size, true))
			abort();
		break;
	case SIGNET_E_NOT_FOUND: /* returned without an error object (elf_symbol.h) */
		if (err)
			abort();
		break;
	case SIGNET_E_ELF_MALFORMED: case SIGNET_E_LIMIT: /* no allocation, so never SIGNET_E_NOMEM */
		check_error(rc, err);
		break;
	default:
		abort();
	}
	signet_error_free(err);
	/* The same answer without an error object to fill. */
	sg_elf_symbol again;
	if (sg_elf_find_symbol(&again, file, size, l, name, PATH, NULL) != rc ||
	    (rc == 0 && (again.value != sym.value || again.size != sym.size || again.type != sym.type ||
	    again.bind != sym.bind || again.visibility != sym.visibility || again.shndx != sym.shndx ||
	    again.in_file != sym.in_file || again.in_exec != sym.in_exec)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	signet_error *err = NULL;
	sg_elf_layout l;
	int rc = sg_elf_layout_read(&l, copy, size, PATH, &err);
	switch (rc) {
	case 0:
		check_layout(&l, copy, size);
		break;
	case SIGNET_E_NOT_ELF: case SIGNET_E_ELF_MALFORMED: case SIGNET_E_ELF_UNSUPPORTED: case SIGNET_E_LIMIT:
	case SIGNET_E_SIGNATURE_DUPLICATE: case SIGNET_E_SIGNATURE_NOT_LAST: case SIGNET_E_NOMEM:
		check_error(rc, err);
		break;
	default:
		abort();
	}
	signet_error_free(err);
	err = NULL;
	if (rc == 0) {
		sg_elf_dynamic d = { 0 };
		int drc = sg_elf_dynamic_read(&d, copy, size, &l, PATH, &err);
		if (drc == 0)
			check_dynamic(&d, &l);
		else if (drc == SIGNET_E_ELF_MALFORMED || drc == SIGNET_E_LIMIT || drc == SIGNET_E_NOMEM)
			check_error(drc, err);
		else
			abort();
		sg_elf_dynamic_clear(&d);
		signet_error_free(err);
		err = NULL;

		int lrc = sg_elf_check_loadable(&l, PATH, &err);
		if (lrc == 0 && (l.machine != SG_ELF_HOST_MACHINE || l.type != ET_DYN || (l.dynamic_flags_1 & DF_1_PIE)))
			abort();
		if (lrc != 0 && lrc != SIGNET_E_ELF_UNSUPPORTED)
			abort();
		if (lrc)
			check_error(lrc, err);
		signet_error_free(err);

		static char long_name[201];
		if (!long_name[0])
			memset(long_name, 'S', sizeof long_name - 1);
		check_symbol(copy, size, &l, "TestClass");
		check_symbol(copy, size, &l, "x");
		check_symbol(copy, size, &l, "seed");
		check_symbol(copy, size, &l, long_name);
	}
	free(copy);
	return 0;
}
