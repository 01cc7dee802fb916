/* SPDX-License-Identifier: MIT */
/* elf_symbol.c - dynamic symbol lookup over a file's bytes, as ld.so does it. */
#include "config.h"

#include <elf.h>
#include <string.h>

#include "core/error_internal.h"
#include "elf/elf_symbol.h"

#define FAIL(code_, ...) sg_fail(err, &(sg_error_info){ .code = (code_), .path = path, \
	.check = "elf.symbol" }, __VA_ARGS__)

typedef struct view {
	const uint8_t *file;
	size_t len;
	const sg_elf_layout *l;
} view;

static bool phdr(const view *v, size_t i, Elf64_Phdr *ph)
{
	if (v->l->phoff > v->len || i >= (v->len - v->l->phoff) / sizeof *ph)
		return false;
	memcpy(ph, v->file + v->l->phoff + i * sizeof *ph, sizeof *ph);
	return true;
}

/*
 * The file bytes behind [addr, addr + n): they must lie in the file bytes
 * of one PT_LOAD (what ld.so maps there); NULL otherwise. `exec` tells
 * whether that segment is executable.
 */
static const uint8_t *at(const view *v, uint64_t addr, uint64_t n, bool *exec)
{
	for (size_t i = 0; i < v->l->phnum; i++) {
		Elf64_Phdr ph;
		if (!phdr(v, i, &ph))
			return NULL;
		if (ph.p_type != PT_LOAD || addr < ph.p_vaddr || addr - ph.p_vaddr > ph.p_filesz ||
		    n > ph.p_filesz - (addr - ph.p_vaddr))
			continue;
		if (ph.p_offset > v->len || ph.p_filesz > v->len - ph.p_offset)
			return NULL;
		if (exec)
			*exec = (ph.p_flags & PF_X) != 0;
		return v->file + ph.p_offset + (addr - ph.p_vaddr);
	}
	return NULL;
}

static uint32_t u32(const uint8_t *p)
{
	uint32_t x;
	memcpy(&x, p, sizeof x);
	return x;
}

static uint32_t gnu_hash(const char *s)
{
	uint32_t h = 5381;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = h * 33 + *p;
	return h;
}

static uint32_t sysv_hash(const char *s)
{
	uint32_t h = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h = (h << 4) + *p;
		uint32_t g = h & 0xf0000000u;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

typedef struct tables {
	uint64_t symtab, strtab, strsz, gnu_hash, hash;
	bool has_symtab, has_strtab, has_strsz, has_gnu, has_hash;
} tables;

typedef enum { NO, YES, BAD } match;

/* Does symbol `i` have `name` and a definition? BAD when it breaks bounds. */
static match check(const view *v, const tables *t, uint64_t i, const char *name, Elf64_Sym *sym)
{
	if (i > UINT64_MAX / sizeof *sym)
		return BAD;
	const uint8_t *p = at(v, t->symtab + i * sizeof *sym, sizeof *sym, NULL);
	if (!p)
		return BAD;
	memcpy(sym, p, sizeof *sym);
	size_t n = strlen(name);
	if (sym->st_name >= t->strsz || n >= t->strsz - sym->st_name)
		return NO; /* cannot be this name (and ld.so would read past the table) */
	const uint8_t *s = at(v, t->strtab + sym->st_name, n + 1, NULL);
	if (!s)
		return BAD;
	if (memcmp(s, name, n) != 0 || s[n] != '\0')
		return NO;
	return sym->st_shndx != SHN_UNDEF ? YES : NO;
}

static int lookup_gnu(const view *v, const tables *t, const char *name, Elf64_Sym *sym, const char *path,
	signet_error **err)
{
	const uint8_t *hdr = at(v, t->gnu_hash, 16, NULL);
	if (!hdr)
		return FAIL(SIGNET_E_ELF_MALFORMED, "DT_GNU_HASH at 0x%llx is not in the file bytes of a PT_LOAD",
			(unsigned long long)t->gnu_hash);
	uint32_t nbuckets = u32(hdr), symoffset = u32(hdr + 4), bloom_size = u32(hdr + 8), shift = u32(hdr + 12);
	/* The shift applies to the 32-bit hash: 32 or more is undefined in C (and
	 * taken modulo 32 by the shift instruction in ld.so), never a linker's. */
	if (nbuckets == 0 || bloom_size == 0 || (bloom_size & (bloom_size - 1)) != 0 || shift >= 32)
		return FAIL(SIGNET_E_ELF_MALFORMED, "DT_GNU_HASH has %u buckets, a Bloom filter of %u words and "
			"shift %u", nbuckets, bloom_size, shift);
	uint64_t bloom_at = t->gnu_hash + 16, buckets_at = bloom_at + (uint64_t)bloom_size * 8,
		chain_at = buckets_at + (uint64_t)nbuckets * 4;
	const uint8_t *bloom = at(v, bloom_at, (uint64_t)bloom_size * 8, NULL);
	const uint8_t *buckets = at(v, buckets_at, (uint64_t)nbuckets * 4, NULL);
	if (!bloom || !buckets)
		return FAIL(SIGNET_E_ELF_MALFORMED, "DT_GNU_HASH tables run past their segment's file bytes");
	uint32_t h = gnu_hash(name);
	/* The Bloom filter first, as ld.so does: a miss there is a miss for dlsym. */
	uint64_t word;
	memcpy(&word, bloom + ((h / 64) & (bloom_size - 1)) * 8, sizeof word);
	if (!((word >> (h % 64)) & (word >> ((h >> shift) % 64)) & 1))
		return SIGNET_E_NOT_FOUND;
	uint32_t i = u32(buckets + (h % nbuckets) * 4);
	if (i == 0)
		return SIGNET_E_NOT_FOUND;
	if (i < symoffset)
		return FAIL(SIGNET_E_ELF_MALFORMED, "DT_GNU_HASH bucket names symbol %u, below its first hashed "
			"symbol %u", i, symoffset);
	for (unsigned steps = 0; steps < SG_ELF_MAX_CHAIN; steps++, i++) {
		const uint8_t *c = at(v, chain_at + ((uint64_t)i - symoffset) * 4, 4, NULL);
		if (!c)
			return FAIL(SIGNET_E_ELF_MALFORMED, "DT_GNU_HASH chain runs past its segment's file bytes");
		uint32_t ch = u32(c);
		if ((ch | 1) == (h | 1)) {
			match m = check(v, t, i, name, sym);
			if (m == BAD)
				return FAIL(SIGNET_E_ELF_MALFORMED, "dynamic symbol %u is outside the file bytes of the "
					"PT_LOAD that maps DT_SYMTAB/DT_STRTAB", i);
			if (m == YES)
				return 0;
		}
		if (ch & 1)
			return SIGNET_E_NOT_FOUND;
	}
	return FAIL(SIGNET_E_LIMIT, "DT_GNU_HASH chain longer than %u entries", SG_ELF_MAX_CHAIN);
}

static int lookup_sysv(const view *v, const tables *t, const char *name, Elf64_Sym *sym, const char *path,
	signet_error **err)
{
	const uint8_t *hdr = at(v, t->hash, 8, NULL);
	if (!hdr)
		return FAIL(SIGNET_E_ELF_MALFORMED, "DT_HASH at 0x%llx is not in the file bytes of a PT_LOAD",
			(unsigned long long)t->hash);
	uint32_t nbucket = u32(hdr), nchain = u32(hdr + 4);
	const uint8_t *buckets = nbucket ? at(v, t->hash + 8, (uint64_t)nbucket * 4, NULL) : NULL;
	const uint8_t *chains = at(v, t->hash + 8 + (uint64_t)nbucket * 4, (uint64_t)nchain * 4, NULL);
	if (!buckets || !chains)
		return FAIL(SIGNET_E_ELF_MALFORMED, "DT_HASH has %u buckets and %u chains, past its segment's file "
			"bytes", nbucket, nchain);
	uint32_t i = u32(buckets + (sysv_hash(name) % nbucket) * 4);
	for (unsigned steps = 0; i != STN_UNDEF; steps++) {
		if (i >= nchain)
			return FAIL(SIGNET_E_ELF_MALFORMED, "DT_HASH names symbol %u of %u", i, nchain);
		if (steps >= SG_ELF_MAX_CHAIN || steps > nchain)
			return FAIL(SIGNET_E_LIMIT, "DT_HASH chain loops or is longer than %u entries", SG_ELF_MAX_CHAIN);
		match m = check(v, t, i, name, sym);
		if (m == BAD)
			return FAIL(SIGNET_E_ELF_MALFORMED, "dynamic symbol %u is outside the file bytes of the PT_LOAD "
				"that maps DT_SYMTAB/DT_STRTAB", i);
		if (m == YES)
			return 0;
		i = u32(chains + (uint64_t)i * 4);
	}
	return SIGNET_E_NOT_FOUND;
}

int sg_elf_find_symbol(sg_elf_symbol *out, const uint8_t *file, size_t len, const sg_elf_layout *layout,
	const char *name, const char *path, signet_error **err)
{
	if (!out || !file || !layout || !name || !*name || layout->file_size != len)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "symbol lookup needs a validated layout and a name");
	view v = { .file = file, .len = len, .l = layout };
	tables t = { 0 };
	if (!layout->has_dynamic || layout->dynamic_count == 0 || layout->dynamic_offset > len ||
	    layout->dynamic_count > (len - layout->dynamic_offset) / sizeof(Elf64_Dyn))
		return SIGNET_E_NOT_FOUND;
	for (size_t i = 0; i + 1 < layout->dynamic_count; i++) {
		Elf64_Dyn d;
		memcpy(&d, file + layout->dynamic_offset + i * sizeof d, sizeof d);
		/* ld.so keeps the last of each; elf_dynamic refuses duplicates of
		 * the ones it reads, and here the last wins as it does for ld.so. */
		switch (d.d_tag) {
		case DT_SYMTAB: t.symtab = d.d_un.d_ptr; t.has_symtab = true; break;
		case DT_STRTAB: t.strtab = d.d_un.d_ptr; t.has_strtab = true; break;
		case DT_STRSZ: t.strsz = d.d_un.d_val; t.has_strsz = true; break;
		case DT_GNU_HASH: t.gnu_hash = d.d_un.d_ptr; t.has_gnu = true; break;
		case DT_HASH: t.hash = d.d_un.d_ptr; t.has_hash = true; break;
		case DT_SYMENT:
			if (d.d_un.d_val != sizeof(Elf64_Sym))
				return FAIL(SIGNET_E_ELF_MALFORMED, "DT_SYMENT is %llu, not %zu",
					(unsigned long long)d.d_un.d_val, sizeof(Elf64_Sym));
			break;
		}
	}
	if (!t.has_symtab || !t.has_strtab || !t.has_strsz || (!t.has_gnu && !t.has_hash))
		return SIGNET_E_NOT_FOUND; /* nothing dlsym() could find */
	Elf64_Sym sym;
	/* ld.so prefers DT_GNU_HASH when both exist. */
	int rc = t.has_gnu ? lookup_gnu(&v, &t, name, &sym, path, err) : lookup_sysv(&v, &t, name, &sym, path, err);
	if (rc)
		return rc;
	sg_elf_symbol s = {
		.value = sym.st_value, .size = sym.st_size, .type = ELF64_ST_TYPE(sym.st_info),
		.bind = ELF64_ST_BIND(sym.st_info), .visibility = ELF64_ST_VISIBILITY(sym.st_other),
		.shndx = sym.st_shndx,
	};
	s.in_file = sym.st_size > 0 && at(&v, sym.st_value, sym.st_size, &s.in_exec) != NULL;
	*out = s;
	return 0;
}
