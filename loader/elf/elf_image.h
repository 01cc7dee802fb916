/* SPDX-License-Identifier: MIT */
/*
 * elf_image.h - reading and validating an ELF file's structure with libelf,
 * over bytes in memory (a sealed snapshot, or a file the tool mapped).
 *
 * Checks both views: the ELF header, every program header and every section
 * header must lie inside the file, with sane entry sizes and hard caps on
 * every count; the two views must agree (allocated sections inside the
 * PT_LOAD that maps them, .dynamic where PT_DYNAMIC is); PT_LOAD segments
 * sorted, disjoint and bounded; every note walkable; the dynamic section
 * terminated. The Signet signature section (if any) must be the last thing
 * in the file. docs/elf-validation.md lists every check. Pure over its
 * input; thread-safe (libelf is initialized once). No per-byte work: the
 * cost is bounded by the header, segment, section and note caps below.
 */
#ifndef SIGNET_ELF_IMAGE_H
#define SIGNET_ELF_IMAGE_H

#include "core/export.h"

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/error.h>

/* Hard caps: a real shared object has a few dozen of each. */
#define SG_ELF_MAX_SECTIONS 4096u
#define SG_ELF_MAX_SEGMENTS 256u
/* Notes, over every PT_NOTE segment and SHT_NOTE section together (a real
 * library has under ten, each seen twice). */
#define SG_ELF_MAX_NOTES 1024u
/* Dynamic entries before the first DT_NULL (libc.so.6 has about 30). */
#define SG_ELF_MAX_DYNAMIC 1024u
/* Address span of all PT_LOAD segments: what the dynamic linker reserves. */
#define SG_ELF_MAX_MAPPED (UINT64_C(4) << 30)

/* The machine this build loads code for (compile-time); EM_NONE on a host
 * Signet does not know, where sg_elf_check_loadable() refuses everything. */
#if defined(__x86_64__)
#define SG_ELF_HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define SG_ELF_HOST_MACHINE EM_AARCH64
#else
#define SG_ELF_HOST_MACHINE EM_NONE
#endif

typedef struct sg_elf_layout {
	uint64_t file_size;
	uint16_t type;       /* ET_DYN, ET_EXEC */
	uint16_t machine;
	uint64_t phoff;
	uint16_t phnum;
	uint64_t shoff;
	size_t shnum;
	size_t shstrndx;
	uint64_t shstrtab_offset, shstrtab_size;
	/* End of every byte that is not the section header table or the
	 * signature blob: ELF and program headers, section data, segments. */
	uint64_t content_end;
	/* The signature section, when there is one. */
	bool has_signature;
	size_t signature_index;
	uint64_t signature_offset, signature_size;

	/* What the loader needs (program header view: what ld.so reads). */
	size_t n_loads;               /* PT_LOAD segments, at least one */
	uint64_t load_start;          /* lowest p_vaddr of a PT_LOAD */
	uint64_t load_end;            /* highest p_vaddr + p_memsz */
	/* The largest power of two dividing p_vaddr - p_offset of every
	 * PT_LOAD (0: every difference is 0, any page size works). */
	uint64_t load_congruence;
	bool has_interp;              /* PT_INTERP: an executable (or libc.so.6) */
	bool has_dynamic;             /* PT_DYNAMIC */
	uint64_t dynamic_offset;      /* its file offset, inside a PT_LOAD's file bytes */
	uint64_t dynamic_vaddr;
	uint64_t dynamic_size;        /* p_filesz */
	size_t dynamic_count;         /* entries up to and including the first DT_NULL */
	uint64_t dynamic_flags_1;     /* DT_FLAGS_1 (last one, as ld.so reads it), or 0 */
	size_t n_notes;               /* notes walked, both views */
	bool has_build_id;            /* NT_GNU_BUILD_ID in a PT_NOTE */
	uint64_t build_id_offset;     /* file offset of its descriptor */
	uint32_t build_id_size;
} sg_elf_layout;

/*
 * Reads and validates the structure of `len` bytes at `file` (a 64-bit
 * little-endian ELF shared object or executable: the only kind this build
 * signs and loads). Errors name `path`: SIGNET_E_NOT_ELF,
 * SIGNET_E_ELF_UNSUPPORTED (class, byte order, object type),
 * SIGNET_E_ELF_MALFORMED, SIGNET_E_LIMIT, SIGNET_E_SIGNATURE_DUPLICATE,
 * SIGNET_E_SIGNATURE_NOT_LAST. An unsigned file is not an error here, nor
 * a foreign machine or an executable (see sg_elf_check_loadable()).
 * `*out` is written only on success.
 */
SG_PRIVATE int sg_elf_layout_read(sg_elf_layout *out, const uint8_t *file, size_t len, const char *path, signet_error **err);

/*
 * Whether a validated layout is something this process can dlopen():
 * SIGNET_E_ELF_UNSUPPORTED ("elf.machine", "elf.type", "elf.loadable") unless
 * it is a shared object (ET_DYN, not a position-independent executable,
 * not DF_1_NOOPEN) for SG_ELF_HOST_MACHINE whose PT_LOAD segments the
 * dynamic linker can map at this host's page size. Errors name `path`.
 */
int sg_elf_check_loadable(const sg_elf_layout *l, const char *path, signet_error **err);

/* "ET_DYN (shared object)" and the like, for messages. */
const char *sg_elf_type_name(unsigned type);
const char *sg_elf_machine_name(unsigned machine);

#endif /* SIGNET_ELF_IMAGE_H */
