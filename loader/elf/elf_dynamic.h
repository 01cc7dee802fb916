/* SPDX-License-Identifier: MIT */
/*
 * elf_dynamic.h - the dynamic section of a validated ELF file, as the loader
 * needs it for dependency closure: soname, DT_NEEDED in order, RUNPATH and
 * RPATH split into components, and the flags that change how it loads.
 *
 * Reads the file's bytes (never libelf's section data, which follows the
 * section headers and may disagree with what ld.so reads). Expands nothing:
 * `$ORIGIN`, `$LIB`, `$PLATFORM` and relative or empty components come back
 * as written, and the loader resolves them against the original location
 * (DESIGN.md, step 6). Pure over its input; thread-safe.
 */
#ifndef SIGNET_ELF_DYNAMIC_H
#define SIGNET_ELF_DYNAMIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/error.h>

#include "elf/elf_image.h"

/* Hard caps (SIGNET_E_LIMIT): far above any real library. */
#define SG_ELF_MAX_NEEDED 256u
#define SG_ELF_MAX_STRING 4096u  /* bytes, not counting the NUL */
#define SG_ELF_MAX_PATH_COMPONENTS 64u

typedef struct sg_elf_dynamic {
	char *soname;                       /* DT_SONAME, or NULL */
	char **needed; size_t n_needed;     /* DT_NEEDED in order */
	char **runpath; size_t n_runpath;   /* DT_RUNPATH split on ':'; empty components kept as "" */
	char **rpath; size_t n_rpath;       /* DT_RPATH likewise (only meaningful when there is no DT_RUNPATH) */
	bool has_runpath, has_rpath;
	uint64_t flags, flags_1;            /* DT_FLAGS, DT_FLAGS_1 */
	bool textrel;                       /* DT_TEXTREL or DF_TEXTREL */
} sg_elf_dynamic;

/*
 * Reads the dynamic section of a validated file (call sg_elf_layout_read
 * first, over the same `len` bytes). Strings come from DT_STRTAB, an
 * address translated to a file offset through the PT_LOAD that contains it,
 * bounded by DT_STRSZ and by that segment's file bytes; every string must be
 * NUL-terminated inside those bounds. Caps: 256 DT_NEEDED, 4096-byte
 * strings, 64 path components. A file without PT_DYNAMIC gives an all-empty
 * result. Each of DT_SONAME, DT_RUNPATH, DT_RPATH, DT_STRTAB, DT_STRSZ,
 * DT_FLAGS and DT_FLAGS_1 may appear once (ld.so keeps the last, tools show
 * the first: two would let them disagree). A whole path that is the empty
 * string gives one empty component.
 *
 * Returns 0 and fills `*out` (the caller's: release with
 * sg_elf_dynamic_clear()), or SIGNET_E_ELF_MALFORMED / SIGNET_E_LIMIT naming
 * `path` and the entry, SIGNET_E_NOMEM, SIGNET_E_INVALID_ARGUMENT (a layout
 * not read from these bytes); `*out` is untouched on failure.
 */
int sg_elf_dynamic_read(sg_elf_dynamic *out, const uint8_t *file, size_t len, const sg_elf_layout *layout,
	const char *path, signet_error **err);

/* Frees everything `d` holds and zeroes it; NULL is a no-op. */
void sg_elf_dynamic_clear(sg_elf_dynamic *d);

#endif /* SIGNET_ELF_DYNAMIC_H */
