/* SPDX-License-Identifier: MIT */
/*
 * elf_symbol.h - finding an exported symbol the way the dynamic linker
 * will, without loading anything.
 *
 * Preflight must say whether dlsym() would find a plugin's principal class
 * before any code of the plugin runs, so the lookup follows ld.so's path
 * over the file's bytes: DT_SYMTAB, DT_STRTAB/DT_STRSZ and the hash table
 * (DT_GNU_HASH with its Bloom filter, else DT_HASH), each address
 * translated through the PT_LOAD that maps it; section headers are never
 * consulted (they may disagree with what ld.so reads). Every table read is
 * bounded by the file bytes of its segment, and chain walks by a step cap,
 * so hostile tables cost bounded time. Pure; thread-safe.
 */
#ifndef SIGNET_ELF_SYMBOL_H
#define SIGNET_ELF_SYMBOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/error.h>

#include "elf/elf_image.h"

/* Chain steps before a lookup gives up (SIGNET_E_LIMIT). */
#define SG_ELF_MAX_CHAIN 65536u

typedef struct sg_elf_symbol {
	uint64_t value;         /* st_value: an address relative to the load base */
	uint64_t size;          /* st_size */
	unsigned char type;     /* STT_* */
	unsigned char bind;     /* STB_* */
	unsigned char visibility; /* STV_* */
	uint16_t shndx;
	bool in_file;           /* [value, value + size) lies in one PT_LOAD's file bytes */
	bool in_exec;           /* ... and that segment is executable */
} sg_elf_symbol;

/*
 * Looks `name` up in the dynamic symbol table of a validated file (call
 * sg_elf_layout_read first over the same bytes). Returns 0 and fills *out
 * with the defined symbol dlsym() would find; SIGNET_E_NOT_FOUND when
 * there is none (or no dynamic symbol table); SIGNET_E_ELF_MALFORMED or
 * SIGNET_E_LIMIT for tables that break bounds, naming `path`.
 */
int sg_elf_find_symbol(sg_elf_symbol *out, const uint8_t *file, size_t len, const sg_elf_layout *layout,
	const char *name, const char *path, signet_error **err);

#endif /* SIGNET_ELF_SYMBOL_H */
