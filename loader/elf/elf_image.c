/* SPDX-License-Identifier: MIT */
/* elf_image.c - ELF structure validation with libelf, over bytes in memory. */
#include "config.h"

#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codesign/format.h"
#include "core/error_internal.h"
#include "elf/elf_image.h"

static pthread_once_t libelf_once = PTHREAD_ONCE_INIT;
static bool libelf_ready;

static void libelf_init(void) { libelf_ready = elf_version(EV_CURRENT) != EV_NONE; }

const char *sg_elf_type_name(unsigned type)
{
	switch (type) {
	case ET_NONE: return "ET_NONE (no type)";
	case ET_REL: return "ET_REL (relocatable object)";
	case ET_EXEC: return "ET_EXEC (executable)";
	case ET_DYN: return "ET_DYN (shared object)";
	case ET_CORE: return "ET_CORE (core file)";
	}
	return "an unknown object type";
}

const char *sg_elf_machine_name(unsigned machine)
{
	switch (machine) {
	case EM_X86_64: return "x86-64";
	case EM_386: return "i386";
	case EM_AARCH64: return "AArch64";
	case EM_ARM: return "ARM";
	case EM_MIPS: return "MIPS";
	case EM_RISCV: return "RISC-V";
	case EM_SPARC: case EM_SPARCV9: return "SPARC";
	case EM_PPC64: return "PowerPC64";
	}
	return "another machine";
}

#define FAIL(code_, check_, ...) sg_fail(err, &(sg_error_info){ .code = (code_), .path = path, \
	.check = (check_) }, __VA_ARGS__)

typedef unsigned long long ull;

/* [off, off + size) inside [0, len), written so nothing can overflow. */
static bool in_file(uint64_t off, uint64_t size, uint64_t len)
{
	return off <= len && size <= len - off;
}

/* The input may sit at any alignment and any offset: read through memcpy. */
static uint32_t load32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* One PT_LOAD, as the dynamic linker will map it. */
typedef struct load_seg {
	size_t index; /* in the program header table */
	uint64_t vaddr, memsz, offset, filesz;
} load_seg;

/* The PT_LOAD segments, sorted by p_vaddr and disjoint (checked before use). */
typedef struct loads {
	load_seg seg[SG_ELF_MAX_SEGMENTS];
	size_t n;
} loads;

/* The PT_LOAD whose memory holds `addr`, or NULL: a binary search, so a
 * file with thousands of sections costs no more than a few compares each. */
static const load_seg *find_load(const loads *ls, uint64_t addr)
{
	size_t lo = 0, hi = ls->n; /* the first segment starting above addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ls->seg[mid].vaddr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const load_seg *s = &ls->seg[lo - 1];
	return addr - s->vaddr < s->memsz ? s : NULL;
}

typedef enum map_result { MAP_OK, MAP_NO_SEGMENT, MAP_PAST_FILE_BYTES, MAP_OFFSET_DIFFERS } map_result;

/*
 * Whether the `size` bytes at address `addr` in memory are the file's bytes
 * at `off`: inside the file bytes of one PT_LOAD, at the same distance from
 * its start in both views. This is what makes reading a structure from the
 * file (as tools and this code do) the same as reading it from memory (as
 * ld.so does).
 */
static map_result maps_file_bytes(const loads *ls, uint64_t addr, uint64_t off, uint64_t size, const load_seg **out)
{
	const load_seg *s = find_load(ls, addr);
	*out = s;
	if (!s)
		return MAP_NO_SEGMENT;
	uint64_t delta = addr - s->vaddr;
	if (delta > s->filesz || size > s->filesz - delta)
		return MAP_PAST_FILE_BYTES;
	if (off < s->offset || off - s->offset != delta)
		return MAP_OFFSET_DIFFERS;
	return MAP_OK;
}

/* ---- the header and the two tables ---- */

static int check_ident(const uint8_t *file, size_t len, const char *path, signet_error **err)
{
	if (len < EI_NIDENT || memcmp(file, ELFMAG, SELFMAG) != 0)
		return FAIL(SIGNET_E_NOT_ELF, "elf.magic", "not an ELF file (%s)",
			len < SELFMAG ? "too short for the ELF magic" : "no \\x7fELF magic");
	if (file[EI_CLASS] != ELFCLASS64)
		return FAIL(file[EI_CLASS] == ELFCLASS32 ? SIGNET_E_ELF_UNSUPPORTED : SIGNET_E_ELF_MALFORMED,
			"elf.class", "ELF class %u: only 64-bit ELF is supported", file[EI_CLASS]);
	if (file[EI_DATA] != ELFDATA2LSB)
		return FAIL(file[EI_DATA] == ELFDATA2MSB ? SIGNET_E_ELF_UNSUPPORTED : SIGNET_E_ELF_MALFORMED,
			"elf.byte_order", "ELF byte order %u: only little-endian is supported", file[EI_DATA]);
	if (file[EI_VERSION] != EV_CURRENT)
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.version", "ELF identification version %u is not 1",
			file[EI_VERSION]);
	if (len < sizeof(Elf64_Ehdr))
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.header", "file of %zu bytes is shorter than an ELF header", len);
	return 0;
}

/* The counts and where the tables are, from the header's own bytes. */
typedef struct tables {
	size_t phnum, shnum, shstrndx;
} tables;

/*
 * Both tables' bounds, from the raw header and before libelf reads them:
 * libelf clamps its program header count to what fits in the file and
 * reports no sections at all for a section table past the end, so its
 * counts would hide exactly the files this must refuse. ld.so reads
 * e_phnum as is (it knows no PN_XNUM extension), so this does too.
 */
static int check_tables(const Elf64_Ehdr *eh, const uint8_t *file, uint64_t len, tables *t, const char *path,
	signet_error **err)
{
	t->phnum = eh->e_phnum;
	if (t->phnum == 0)
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.phdr", "no program headers, so no PT_LOAD segment: "
			"nothing would be mapped");
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.phdr", "program header entry size %u is not %zu",
			eh->e_phentsize, sizeof(Elf64_Phdr));
	if (t->phnum > SG_ELF_MAX_SEGMENTS)
		return FAIL(SIGNET_E_LIMIT, "elf.phdr", "%zu program headers exceed the limit of %u", t->phnum,
			SG_ELF_MAX_SEGMENTS);
	/* A division, not a multiplication: cannot overflow. */
	if (eh->e_phoff > len || t->phnum > (len - eh->e_phoff) / sizeof(Elf64_Phdr))
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.phdr", "program header table (%zu entries at offset %llu) "
			"extends past the end of the file", t->phnum, (ull)eh->e_phoff);

	t->shnum = 0;
	t->shstrndx = 0;
	if (eh->e_shoff == 0) {
		/* libelf would read the ELF header itself as section headers. */
		if (eh->e_shnum != 0)
			return FAIL(SIGNET_E_ELF_MALFORMED, "elf.shdr", "%u sections but no section header table "
				"(offset 0)", eh->e_shnum);
		return 0;
	}
	if (eh->e_shentsize != sizeof(Elf64_Shdr))
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.shdr", "section header entry size %u is not %zu",
			eh->e_shentsize, sizeof(Elf64_Shdr));
	if (!in_file(eh->e_shoff, sizeof(Elf64_Shdr), len))
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.shdr", "section header table at offset %llu starts past the "
			"end of the file", (ull)eh->e_shoff);
	/* Section 0 holds the counts that do not fit the header (gABI extended numbering). */
	Elf64_Shdr s0;
	memcpy(&s0, file + eh->e_shoff, sizeof s0);
	uint64_t shnum = eh->e_shnum ? eh->e_shnum : s0.sh_size;
	if (shnum > SG_ELF_MAX_SECTIONS)
		return FAIL(SIGNET_E_LIMIT, "elf.shdr", "%llu sections exceed the limit of %u", (ull)shnum,
			SG_ELF_MAX_SECTIONS);
	if (shnum > (len - eh->e_shoff) / sizeof(Elf64_Shdr))
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.shdr", "section header table (%llu entries at offset %llu) "
			"extends past the end of the file", (ull)shnum, (ull)eh->e_shoff);
	uint64_t shstrndx = eh->e_shstrndx == SHN_XINDEX ? s0.sh_link : eh->e_shstrndx;
	if (shnum && shstrndx >= shnum)
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.shdr", "section name table index %llu is not below the "
			"section count %llu", (ull)shstrndx, (ull)shnum);
	t->shnum = (size_t)shnum;
	t->shstrndx = (size_t)shstrndx;
	return 0;
}

/* ---- notes ---- */

/*
 * Walks every note in [off, off + size) (already inside the file). `align`
 * is the region's p_align or sh_addralign: 8 means the 8-byte layout of GNU
 * property notes, anything else the usual 4, as elfutils reads them. The
 * arithmetic is 64-bit over sizes that fit in the file, with every bound
 * written as a subtraction from what is left, so a length near 2^32 cannot
 * wrap the position back (the classic non-advancing note loop); each note
 * still proves it advanced, and the notes of the whole file are capped.
 */
static int walk_notes(const uint8_t *file, uint64_t off, uint64_t size, uint64_t align, bool segment,
	const char *where, sg_elf_layout *l, const char *path, signet_error **err)
{
	const uint64_t a = align == 8 ? 8 : 4;
	const uint8_t *base = file + off;
	uint64_t pos = 0;
	for (size_t k = 0; pos < size; k++) {
		uint64_t left = size - pos;
		if (left < 12) {
			/* Room for no header: only zero padding may remain. */
			for (uint64_t i = 0; i < left; i++)
				if (base[pos + i])
					return FAIL(SIGNET_E_ELF_MALFORMED, "elf.note", "%s: %llu bytes at "
						"offset 0x%llx are too short for a note header and are not padding",
						where, (ull)left, (ull)(off + pos));
			break;
		}
		if (++l->n_notes > SG_ELF_MAX_NOTES)
			return FAIL(SIGNET_E_LIMIT, "elf.note", "%s: more than %u notes in the file", where,
				SG_ELF_MAX_NOTES);
		uint32_t namesz = load32(base + pos), descsz = load32(base + pos + 4), type = load32(base + pos + 8);
		uint64_t name_at = pos + 12;
		if (namesz > size - name_at)
			return FAIL(SIGNET_E_ELF_MALFORMED, "elf.note", "%s: note %zu at offset 0x%llx has a name of "
				"%u bytes, past the end of the notes (%llu bytes left)", where, k, (ull)(off + pos),
				namesz, (ull)(size - name_at));
		uint64_t next = name_at + namesz, desc_at = next;
		if (descsz) {
			/* The descriptor starts aligned; the padding must fit too. */
			uint64_t pad = (a - next % a) % a;
			if (pad > size - next || descsz > size - next - pad)
				return FAIL(SIGNET_E_ELF_MALFORMED, "elf.note", "%s: note %zu at offset 0x%llx has a "
					"descriptor of %u bytes, past the end of the notes", where, k, (ull)(off + pos),
					descsz);
			desc_at = next + pad;
			next = desc_at + descsz;
		}
		uint64_t pad = (a - next % a) % a;
		next = pad > size - next ? size : next + pad; /* the last padding may be cut */
		if (next <= pos)
			return FAIL(SIGNET_E_ELF_MALFORMED, "elf.note", "%s: note %zu at offset 0x%llx does not "
				"advance", where, k, (ull)(off + pos));
		if (segment && !l->has_build_id && type == NT_GNU_BUILD_ID && namesz == 4 &&
		    memcmp(base + name_at, "GNU", 4) == 0 && descsz) {
			l->has_build_id = true;
			l->build_id_offset = off + desc_at;
			l->build_id_size = descsz;
		}
		pos = next;
	}
	return 0;
}

/* ---- program headers ---- */

static int check_load(const GElf_Phdr *ph, size_t i, loads *ls, sg_elf_layout *out, const char *path,
	signet_error **err)
{
	if (ph->p_filesz > ph->p_memsz)
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.segment", "PT_LOAD segment %zu has more file bytes (%llu) "
			"than memory bytes (%llu)", i, (ull)ph->p_filesz, (ull)ph->p_memsz);
	if (ph->p_memsz > UINT64_MAX - ph->p_vaddr)
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.segment", "PT_LOAD segment %zu at address 0x%llx, 0x%llx "
			"bytes, wraps around the address space", i, (ull)ph->p_vaddr, (ull)ph->p_memsz);
	if (ph->p_align > 1 && ((ph->p_align & (ph->p_align - 1)) != 0 ||
	    ph->p_offset % ph->p_align != ph->p_vaddr % ph->p_align))
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.segment", "PT_LOAD segment %zu is misaligned "
			"(offset 0x%llx, address 0x%llx, alignment 0x%llx)", i,
			(ull)ph->p_offset, (ull)ph->p_vaddr, (ull)ph->p_align);
	/* ld.so maps the segments in table order as one reservation from the
	 * first address to the last end: unsorted or overlapping segments
	 * would map one over another, so what a byte holds would depend on
	 * the order of mmap calls, not on what was checked. */
	if (ls->n) {
		const load_seg *prev = &ls->seg[ls->n - 1];
		if (ph->p_vaddr < prev->vaddr)
			return FAIL(SIGNET_E_ELF_MALFORMED, "elf.segment", "PT_LOAD segments are not sorted by "
				"address: segment %zu at 0x%llx follows segment %zu at 0x%llx", i, (ull)ph->p_vaddr,
				prev->index, (ull)prev->vaddr);
		if (ph->p_vaddr - prev->vaddr < prev->memsz)
			return FAIL(SIGNET_E_ELF_MALFORMED, "elf.segment", "PT_LOAD segment %zu at 0x%llx overlaps "
				"segment %zu (0x%llx to 0x%llx)", i, (ull)ph->p_vaddr, prev->index, (ull)prev->vaddr,
				(ull)(prev->vaddr + prev->memsz));
	}
	ls->seg[ls->n++] = (load_seg){ .index = i, .vaddr = ph->p_vaddr, .memsz = ph->p_memsz,
		.offset = ph->p_offset, .filesz = ph->p_filesz };
	uint64_t diff = ph->p_vaddr - ph->p_offset; /* modulo 2^64, which keeps its low bits */
	uint64_t low = diff & (~diff + 1);
	if (low && (out->load_congruence == 0 || low < out->load_congruence))
		out->load_congruence = low;
	return 0;
}

/* At most one of each: ld.so keeps the last, a tool may read the first. */
static int count_unique(unsigned *seen, size_t i, const char *name, const char *path, signet_error **err)
{
	if (++*seen > 1)
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.segment", "more than one %s segment (segment %zu is another)",
			name, i);
	return 0;
}

static int check_segments(Elf *e, const uint8_t *file, const tables *t, loads *ls, sg_elf_layout *out,
	const char *path, signet_error **err)
{
	size_t phnum = 0;
	if (elf_getphdrnum(e, &phnum) != 0 || phnum != t->phnum)
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.phdr", "libelf reads %zu program headers where the header "
			"says %zu", phnum, t->phnum);
	out->phnum = (uint16_t)phnum;
	uint64_t table_end = out->phoff + phnum * sizeof(Elf64_Phdr); /* bounded by check_tables() */
	if (table_end > out->content_end)
		out->content_end = table_end;
	unsigned n_dynamic = 0, n_interp = 0, n_phdr = 0;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph))
			return FAIL(SIGNET_E_ELF_MALFORMED, "elf.phdr", "program header %zu unreadable: %s", i, elf_errmsg(-1));
		if (!in_file(ph.p_offset, ph.p_filesz, out->file_size))
			return FAIL(SIGNET_E_ELF_MALFORMED, "elf.segment", "segment %zu (type 0x%x) at offset %llu, "
				"%llu bytes, extends past the end of the file", i, ph.p_type,
				(ull)ph.p_offset, (ull)ph.p_filesz);
		int rc = 0;
		char where[48];
		switch (ph.p_type) {
		case PT_LOAD:
			rc = check_load(&ph, i, ls, out, path, err);
			break;
		case PT_DYNAMIC:
			rc = count_unique(&n_dynamic, i, "PT_DYNAMIC", path, err);
			out->has_dynamic = true;
			out->dynamic_offset = ph.p_offset;
			out->dynamic_vaddr = ph.p_vaddr;
			out->dynamic_size = ph.p_filesz;
			break;
		case PT_INTERP:
			rc = count_unique(&n_interp, i, "PT_INTERP", path, err);
			out->has_interp = true;
			break;
		case PT_PHDR:
			rc = count_unique(&n_phdr, i, "PT_PHDR", path, err);
			break;
		case PT_NOTE:
			snprintf(where, sizeof where, "PT_NOTE segment %zu", i);
			rc = walk_notes(file, ph.p_offset, ph.p_filesz, ph.p_align, true, where, out, path, err);
			break;
		}
		if (rc)
			return rc;
		if (ph.p_filesz && ph.p_offset + ph.p_filesz > out->content_end)
			out->content_end = ph.p_offset + ph.p_filesz;
	}
	if (ls->n == 0)
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.segment", "no PT_LOAD segment: nothing would be mapped");
	out->n_loads = ls->n;
	out->load_start = ls->seg[0].vaddr;
	/* Sorted and disjoint: the last segment ends highest. */
	out->load_end = ls->seg[ls->n - 1].vaddr + ls->seg[ls->n - 1].memsz;
	if (out->load_end - out->load_start > SG_ELF_MAX_MAPPED)
		return FAIL(SIGNET_E_LIMIT, "elf.segment", "PT_LOAD segments span %llu bytes of address space, over "
			"the limit of %llu", (ull)(out->load_end - out->load_start), (ull)SG_ELF_MAX_MAPPED);
	return 0;
}

/*
 * PT_DYNAMIC, from the file's bytes (not libelf's section data, which
 * follows the section headers and may say something else): ld.so reads it
 * from memory, so it must be file bytes of a PT_LOAD at the same place in
 * both views, and it must end with DT_NULL inside p_filesz, or ld.so would
 * read on into whatever follows.
 */
static int check_dynamic(const uint8_t *file, const loads *ls, sg_elf_layout *out, const char *path,
	signet_error **err)
{
	if (!out->has_dynamic)
		return 0;
	if (out->dynamic_size < sizeof(Elf64_Dyn))
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.dynamic", "PT_DYNAMIC has %llu file bytes, too few for even "
			"DT_NULL (a separate debug-info file?)", (ull)out->dynamic_size);
	const load_seg *s;
	switch (maps_file_bytes(ls, out->dynamic_vaddr, out->dynamic_offset, out->dynamic_size, &s)) {
	case MAP_OK:
		break;
	case MAP_NO_SEGMENT:
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.dynamic", "PT_DYNAMIC at address 0x%llx is not inside any "
			"PT_LOAD segment", (ull)out->dynamic_vaddr);
	case MAP_PAST_FILE_BYTES:
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.dynamic", "PT_DYNAMIC at address 0x%llx, %llu bytes, runs "
			"past the file bytes of PT_LOAD segment %zu", (ull)out->dynamic_vaddr, (ull)out->dynamic_size,
			s->index);
	case MAP_OFFSET_DIFFERS:
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.dynamic", "PT_DYNAMIC says file offset 0x%llx but PT_LOAD "
			"segment %zu maps its address 0x%llx from offset 0x%llx", (ull)out->dynamic_offset, s->index,
			(ull)out->dynamic_vaddr, (ull)(s->offset + (out->dynamic_vaddr - s->vaddr)));
	}
	size_t n = (size_t)(out->dynamic_size / sizeof(Elf64_Dyn));
	for (size_t i = 0; i < n; i++) {
		Elf64_Dyn d;
		memcpy(&d, file + out->dynamic_offset + i * sizeof d, sizeof d);
		if (d.d_tag == DT_NULL) {
			out->dynamic_count = i + 1;
			return 0;
		}
		if (i == SG_ELF_MAX_DYNAMIC)
			return FAIL(SIGNET_E_LIMIT, "elf.dynamic", "more than %u dynamic entries before DT_NULL",
				SG_ELF_MAX_DYNAMIC);
		if (d.d_tag == DT_FLAGS_1)
			out->dynamic_flags_1 = d.d_un.d_val;
	}
	return FAIL(SIGNET_E_ELF_MALFORMED, "elf.dynamic", "the dynamic section (%zu entries at offset 0x%llx) has "
		"no DT_NULL: the dynamic linker would read past its end", n, (ull)out->dynamic_offset);
}

/* ---- section headers ---- */

static const char *section_name(Elf *e, size_t shstrndx, const GElf_Shdr *sh)
{
	const char *name = shstrndx ? elf_strptr(e, shstrndx, sh->sh_name) : NULL;
	return name ? name : "?";
}

/* An allocated section must be what its PT_LOAD maps, at the same place in
 * both views: tools read sections, ld.so reads segments. */
static int check_section_mapped(Elf *e, const GElf_Shdr *sh, size_t i, size_t shstrndx, const loads *ls,
	const char *path, signet_error **err)
{
	const load_seg *s;
	switch (maps_file_bytes(ls, sh->sh_addr, sh->sh_offset, sh->sh_size, &s)) {
	case MAP_OK:
		return 0;
	case MAP_NO_SEGMENT:
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.views", "section %zu (%s) is allocated at address 0x%llx, "
			"which no PT_LOAD segment maps", i, section_name(e, shstrndx, sh), (ull)sh->sh_addr);
	case MAP_PAST_FILE_BYTES:
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.views", "section %zu (%s) at address 0x%llx, %llu bytes, "
			"runs past the file bytes of PT_LOAD segment %zu", i, section_name(e, shstrndx, sh),
			(ull)sh->sh_addr, (ull)sh->sh_size, s->index);
	case MAP_OFFSET_DIFFERS:
		break;
	}
	return FAIL(SIGNET_E_ELF_MALFORMED, "elf.views", "section %zu (%s) says file offset 0x%llx but PT_LOAD "
		"segment %zu maps its address 0x%llx from offset 0x%llx: the two views disagree", i,
		section_name(e, shstrndx, sh), (ull)sh->sh_offset, s->index, (ull)sh->sh_addr,
		(ull)(s->offset + (sh->sh_addr - s->vaddr)));
}

static int check_sections(Elf *e, const uint8_t *file, const tables *t, const loads *ls, sg_elf_layout *out,
	const char *path, signet_error **err)
{
	size_t shnum = 0, shstrndx = 0;
	if (elf_getshdrnum(e, &shnum) != 0 || shnum != t->shnum)
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.shdr", "libelf reads %zu sections where the header says %zu",
			shnum, t->shnum);
	if (shnum == 0)
		return 0;
	if (elf_getshdrstrndx(e, &shstrndx) != 0 || shstrndx != t->shstrndx)
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.shdr", "bad section name table index");
	out->shnum = shnum;
	out->shstrndx = shstrndx;

	size_t signatures = 0, dynamics = 0;
	for (size_t i = 0; i < shnum; i++) {
		Elf_Scn *scn = elf_getscn(e, i);
		GElf_Shdr sh;
		if (!scn || !gelf_getshdr(scn, &sh))
			return FAIL(SIGNET_E_ELF_MALFORMED, "elf.shdr", "section header %zu unreadable: %s", i, elf_errmsg(-1));
		if (sh.sh_type != SHT_NOBITS && !in_file(sh.sh_offset, sh.sh_size, out->file_size))
			return FAIL(SIGNET_E_ELF_MALFORMED, "elf.section", "section %zu at offset %llu, %llu bytes, "
				"extends past the end of the file", i, (ull)sh.sh_offset, (ull)sh.sh_size);
		if (i == shstrndx) {
			out->shstrtab_offset = sh.sh_offset;
			out->shstrtab_size = sh.sh_size;
		}
		if (sh.sh_type == SG_SIG_SECTION_TYPE) {
			if (++signatures > 1)
				return FAIL(SIGNET_E_SIGNATURE_DUPLICATE, "signature.count",
					"more than one signature section (sections %zu and %zu)", out->signature_index, i);
			out->has_signature = true;
			out->signature_index = i;
			out->signature_offset = sh.sh_offset;
			out->signature_size = sh.sh_size;
			if (sh.sh_flags & SHF_ALLOC)
				return FAIL(SIGNET_E_ELF_MALFORMED, "signature.section",
					"the signature section is marked allocated (it would be mapped)");
			continue;
		}
		int rc = 0;
		if (sh.sh_type == SHT_NOTE) {
			char where[48];
			snprintf(where, sizeof where, "SHT_NOTE section %zu", i);
			rc = walk_notes(file, sh.sh_offset, sh.sh_size, sh.sh_addralign, false, where, out, path, err);
		} else if (sh.sh_type == SHT_DYNAMIC) {
			/* Tools read .dynamic, ld.so reads PT_DYNAMIC: one and the same. */
			if (++dynamics > 1)
				rc = FAIL(SIGNET_E_ELF_MALFORMED, "elf.views", "more than one SHT_DYNAMIC section "
					"(section %zu is another)", i);
			else if (!out->has_dynamic)
				rc = FAIL(SIGNET_E_ELF_MALFORMED, "elf.views", "section %zu (%s) is SHT_DYNAMIC but "
					"there is no PT_DYNAMIC segment", i, section_name(e, shstrndx, &sh));
			else if (sh.sh_offset != out->dynamic_offset || sh.sh_size != out->dynamic_size ||
			    sh.sh_addr != out->dynamic_vaddr)
				rc = FAIL(SIGNET_E_ELF_MALFORMED, "elf.views", "section %zu (%s) at offset 0x%llx, "
					"address 0x%llx, %llu bytes, disagrees with PT_DYNAMIC at offset 0x%llx, "
					"address 0x%llx, %llu bytes", i, section_name(e, shstrndx, &sh),
					(ull)sh.sh_offset, (ull)sh.sh_addr,
					(ull)sh.sh_size, (ull)out->dynamic_offset, (ull)out->dynamic_vaddr,
					(ull)out->dynamic_size);
		}
		if (!rc && (sh.sh_flags & SHF_ALLOC) && sh.sh_size && sh.sh_type != SHT_NOBITS)
			rc = check_section_mapped(e, &sh, i, shstrndx, ls, path, err);
		if (rc)
			return rc;
		if (sh.sh_type != SHT_NOBITS && sh.sh_size && sh.sh_offset + sh.sh_size > out->content_end)
			out->content_end = sh.sh_offset + sh.sh_size;
	}
	return 0;
}

/*
 * The signature covers every byte before it, so nothing may come after it
 * and nothing that is loaded or described may lie inside it.
 */
static int check_signature_is_last(Elf *e, sg_elf_layout *out, const char *path, signet_error **err)
{
	uint64_t start = out->signature_offset;
	uint64_t end = start + out->signature_size;
	if (end != out->file_size)
		return FAIL(SIGNET_E_SIGNATURE_NOT_LAST, "signature.position", "the signature at offset %llu ends at "
			"%llu but the file is %llu bytes: %s", (ull)start, (ull)end, (ull)out->file_size,
			end < out->file_size ? "bytes follow the signature" : "the signature is cut short");
	for (size_t i = 0; i < out->phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_filesz && ph.p_offset + ph.p_filesz > start)
			return FAIL(SIGNET_E_ELF_MALFORMED, "signature.position", "segment %zu (type 0x%x) covers file "
				"bytes up to %llu, inside the signature at %llu: what is mapped must be what is signed",
				i, ph.p_type, (ull)(ph.p_offset + ph.p_filesz), (ull)start);
	}
	if (out->content_end > start)
		return FAIL(SIGNET_E_SIGNATURE_NOT_LAST, "signature.position", "file contents reach offset %llu, past "
			"the start of the signature at %llu", (ull)out->content_end, (ull)start);
	if (out->shoff + out->shnum * sizeof(Elf64_Shdr) > start)
		return FAIL(SIGNET_E_SIGNATURE_NOT_LAST, "signature.position",
			"the section header table lies after the start of the signature at %llu", (ull)start);
	return 0;
}

int sg_elf_layout_read(sg_elf_layout *out, const uint8_t *file, size_t len, const char *path, signet_error **err)
{
	int rc = check_ident(file, len, path, err);
	if (rc)
		return rc;
	Elf64_Ehdr eh;
	memcpy(&eh, file, sizeof eh);
	if (eh.e_type != ET_DYN && eh.e_type != ET_EXEC)
		return FAIL(SIGNET_E_ELF_UNSUPPORTED, "elf.type", "%s, not a shared object or executable",
			sg_elf_type_name(eh.e_type));
	if (eh.e_ehsize != sizeof(Elf64_Ehdr))
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.header", "ELF header size %u is not %zu", eh.e_ehsize,
			sizeof(Elf64_Ehdr));
	tables t;
	rc = check_tables(&eh, file, len, &t, path, err);
	if (rc)
		return rc;

	pthread_once(&libelf_once, libelf_init);
	if (!libelf_ready)
		return FAIL(SIGNET_E_INTERNAL, "elf.libelf", "libelf refused to initialize");
	/*
	 * Only native-order 64-bit files reach libelf (checked above), so it
	 * never converts in place: the bytes may be a read-only mapping.
	 */
	Elf *e = elf_memory((char *)(uintptr_t)file, len);
	if (!e)
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.header", "libelf cannot read it: %s", elf_errmsg(-1));
	/* The PT_LOAD table is large (a few KiB): not on a thread's stack. */
	loads *ls = malloc(sizeof *ls);
	sg_elf_layout l = { .file_size = len, .content_end = sizeof(Elf64_Ehdr), .type = eh.e_type,
		.machine = eh.e_machine, .phoff = eh.e_phoff, .shoff = t.shnum ? eh.e_shoff : 0 };
	GElf_Ehdr geh;
	if (!ls) {
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading %s", path);
		goto out;
	}
	ls->n = 0;
	if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &geh)) {
		rc = FAIL(SIGNET_E_ELF_MALFORMED, "elf.header", "libelf cannot read the ELF header: %s", elf_errmsg(-1));
		goto out;
	}
	rc = check_segments(e, file, &t, ls, &l, path, err);
	if (!rc)
		rc = check_dynamic(file, ls, &l, path, err);
	if (!rc)
		rc = check_sections(e, file, &t, ls, &l, path, err);
	if (!rc && l.has_signature)
		rc = check_signature_is_last(e, &l, path, err);
	if (!rc)
		*out = l;
out:
	free(ls);
	elf_end(e);
	return rc;
}

/* ---- what this process can load ---- */

static const char *machine_label(char *buf, size_t size, unsigned machine)
{
	const char *name = sg_elf_machine_name(machine);
	if (strcmp(name, "another machine") == 0) {
		snprintf(buf, size, "%u (unknown)", machine);
		return buf;
	}
	return name;
}

int sg_elf_check_loadable(const sg_elf_layout *l, const char *path, signet_error **err)
{
	if (!l)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "checking loadability needs a layout");
	if (SG_ELF_HOST_MACHINE == EM_NONE)
		return FAIL(SIGNET_E_ELF_UNSUPPORTED, "elf.machine", "this build of Signet does not know the machine "
			"of this host, so it loads nothing");
	if (l->machine != SG_ELF_HOST_MACHINE) {
		char have[32], want[32];
		const char *h = machine_label(have, sizeof have, l->machine);
		const char *w = machine_label(want, sizeof want, SG_ELF_HOST_MACHINE);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_ELF_UNSUPPORTED, .path = path,
			.check = "elf.machine", .expected = w, .actual = h }, "machine %s; this host runs %s", h, w);
	}
	if (l->type == ET_EXEC)
		return FAIL(SIGNET_E_ELF_UNSUPPORTED, "elf.type", "an executable (ET_EXEC), not a shared object");
	if (l->type != ET_DYN)
		return FAIL(SIGNET_E_ELF_UNSUPPORTED, "elf.type", "%s, not a shared object", sg_elf_type_name(l->type));
	/* glibc refuses both in dlopen(); saying so here lets preflight answer. */
	if (l->dynamic_flags_1 & DF_1_PIE)
		return FAIL(SIGNET_E_ELF_UNSUPPORTED, "elf.type", "a position-independent executable (ET_DYN with "
			"DF_1_PIE), not a shared object");
	if (l->dynamic_flags_1 & DF_1_NOOPEN)
		return FAIL(SIGNET_E_ELF_UNSUPPORTED, "elf.loadable", "marked DF_1_NOOPEN: it may not be opened with "
			"dlopen()");
	long page = sysconf(_SC_PAGESIZE);
	if (page > 0 && l->load_congruence && l->load_congruence < (uint64_t)page)
		return FAIL(SIGNET_E_ELF_UNSUPPORTED, "elf.loadable", "PT_LOAD address and file offset differ by a "
			"multiple of %llu bytes only; this host's pages are %ld bytes", (ull)l->load_congruence, page);
	return 0;
}
