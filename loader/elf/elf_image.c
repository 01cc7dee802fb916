/* SPDX-License-Identifier: MIT */
/* elf_image.c - ELF structure validation with libelf, over bytes in memory. */
#include "config.h"

#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <string.h>

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

/* [off, off + size) inside [0, len), written so nothing can overflow. */
static bool in_file(uint64_t off, uint64_t size, uint64_t len)
{
	return off <= len && size <= len - off;
}

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

static int check_segments(Elf *e, const GElf_Ehdr *eh, sg_elf_layout *out, const char *path, signet_error **err)
{
	size_t phnum = 0;
	if (elf_getphdrnum(e, &phnum) != 0)
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.phdr", "bad program header count: %s", elf_errmsg(-1));
	if (phnum == 0)
		return 0;
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.phdr", "program header entry size %u is not %zu",
			eh->e_phentsize, sizeof(Elf64_Phdr));
	if (phnum > SG_ELF_MAX_SEGMENTS)
		return FAIL(SIGNET_E_LIMIT, "elf.phdr", "%zu program headers exceed the limit of %u", phnum,
			SG_ELF_MAX_SEGMENTS);
	/* A division, not a multiplication: cannot overflow. */
	if (eh->e_phoff > out->file_size || phnum > (out->file_size - eh->e_phoff) / sizeof(Elf64_Phdr))
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.phdr", "program header table (%zu entries at offset %llu) "
			"extends past the end of the file", phnum, (unsigned long long)eh->e_phoff);
	out->phoff = eh->e_phoff;
	out->phnum = (uint16_t)phnum;
	uint64_t table_end = eh->e_phoff + phnum * sizeof(Elf64_Phdr);
	if (table_end > out->content_end)
		out->content_end = table_end;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph))
			return FAIL(SIGNET_E_ELF_MALFORMED, "elf.phdr", "program header %zu unreadable: %s", i, elf_errmsg(-1));
		if (!in_file(ph.p_offset, ph.p_filesz, out->file_size))
			return FAIL(SIGNET_E_ELF_MALFORMED, "elf.segment", "segment %zu (type 0x%x) at offset %llu, "
				"%llu bytes, extends past the end of the file", i, ph.p_type,
				(unsigned long long)ph.p_offset, (unsigned long long)ph.p_filesz);
		if (ph.p_type == PT_LOAD) {
			if (ph.p_filesz > ph.p_memsz)
				return FAIL(SIGNET_E_ELF_MALFORMED, "elf.segment", "PT_LOAD segment %zu has more file "
					"bytes (%llu) than memory bytes (%llu)", i, (unsigned long long)ph.p_filesz,
					(unsigned long long)ph.p_memsz);
			if (ph.p_align > 1 && ((ph.p_align & (ph.p_align - 1)) != 0 ||
			    ph.p_offset % ph.p_align != ph.p_vaddr % ph.p_align))
				return FAIL(SIGNET_E_ELF_MALFORMED, "elf.segment", "PT_LOAD segment %zu is misaligned "
					"(offset 0x%llx, address 0x%llx, alignment 0x%llx)", i,
					(unsigned long long)ph.p_offset, (unsigned long long)ph.p_vaddr,
					(unsigned long long)ph.p_align);
		}
		if (ph.p_filesz && ph.p_offset + ph.p_filesz > out->content_end)
			out->content_end = ph.p_offset + ph.p_filesz;
	}
	return 0;
}

static int check_sections(Elf *e, const GElf_Ehdr *eh, sg_elf_layout *out, const char *path, signet_error **err)
{
	size_t shnum = 0, shstrndx = 0;
	if (elf_getshdrnum(e, &shnum) != 0)
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.shdr", "bad section count: %s", elf_errmsg(-1));
	if (shnum == 0)
		return 0;
	if (eh->e_shentsize != sizeof(Elf64_Shdr))
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.shdr", "section header entry size %u is not %zu",
			eh->e_shentsize, sizeof(Elf64_Shdr));
	if (shnum > SG_ELF_MAX_SECTIONS)
		return FAIL(SIGNET_E_LIMIT, "elf.shdr", "%zu sections exceed the limit of %u", shnum, SG_ELF_MAX_SECTIONS);
	if (eh->e_shoff > out->file_size || shnum > (out->file_size - eh->e_shoff) / sizeof(Elf64_Shdr))
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.shdr", "section header table (%zu entries at offset %llu) "
			"extends past the end of the file", shnum, (unsigned long long)eh->e_shoff);
	if (elf_getshdrstrndx(e, &shstrndx) != 0 || shstrndx >= shnum)
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.shdr", "bad section name table index");
	out->shoff = eh->e_shoff;
	out->shnum = shnum;
	out->shstrndx = shstrndx;

	size_t signatures = 0;
	for (size_t i = 0; i < shnum; i++) {
		Elf_Scn *scn = elf_getscn(e, i);
		GElf_Shdr sh;
		if (!scn || !gelf_getshdr(scn, &sh))
			return FAIL(SIGNET_E_ELF_MALFORMED, "elf.shdr", "section header %zu unreadable: %s", i, elf_errmsg(-1));
		if (sh.sh_type != SHT_NOBITS && !in_file(sh.sh_offset, sh.sh_size, out->file_size))
			return FAIL(SIGNET_E_ELF_MALFORMED, "elf.section", "section %zu at offset %llu, %llu bytes, "
				"extends past the end of the file", i, (unsigned long long)sh.sh_offset,
				(unsigned long long)sh.sh_size);
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
			"%llu but the file is %llu bytes: %s", (unsigned long long)start, (unsigned long long)end,
			(unsigned long long)out->file_size,
			end < out->file_size ? "bytes follow the signature" : "the signature is cut short");
	for (size_t i = 0; i < out->phnum; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_filesz && ph.p_offset + ph.p_filesz > start)
			return FAIL(SIGNET_E_ELF_MALFORMED, "signature.position", "segment %zu (type 0x%x) covers file "
				"bytes up to %llu, inside the signature at %llu: what is mapped must be what is signed",
				i, ph.p_type, (unsigned long long)(ph.p_offset + ph.p_filesz), (unsigned long long)start);
	}
	if (out->content_end > start)
		return FAIL(SIGNET_E_SIGNATURE_NOT_LAST, "signature.position", "file contents reach offset %llu, past "
			"the start of the signature at %llu", (unsigned long long)out->content_end, (unsigned long long)start);
	if (out->shoff + out->shnum * sizeof(Elf64_Shdr) > start)
		return FAIL(SIGNET_E_SIGNATURE_NOT_LAST, "signature.position",
			"the section header table lies after the start of the signature at %llu", (unsigned long long)start);
	return 0;
}

int sg_elf_layout_read(sg_elf_layout *out, const uint8_t *file, size_t len, const char *path, signet_error **err)
{
	int rc = check_ident(file, len, path, err);
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
	sg_elf_layout l = { .file_size = len, .content_end = sizeof(Elf64_Ehdr) };
	GElf_Ehdr eh;
	if (elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
		rc = FAIL(SIGNET_E_ELF_MALFORMED, "elf.header", "libelf cannot read the ELF header: %s", elf_errmsg(-1));
		goto out;
	}
	if (eh.e_type != ET_DYN && eh.e_type != ET_EXEC) {
		rc = FAIL(SIGNET_E_ELF_UNSUPPORTED, "elf.type", "%s, not a shared object or executable",
			sg_elf_type_name(eh.e_type));
		goto out;
	}
	if (eh.e_ehsize != sizeof(Elf64_Ehdr)) {
		rc = FAIL(SIGNET_E_ELF_MALFORMED, "elf.header", "ELF header size %u is not %zu", eh.e_ehsize,
			sizeof(Elf64_Ehdr));
		goto out;
	}
	l.type = eh.e_type;
	l.machine = eh.e_machine;
	rc = check_segments(e, &eh, &l, path, err);
	if (!rc)
		rc = check_sections(e, &eh, &l, path, err);
	if (!rc && l.has_signature)
		rc = check_signature_is_last(e, &l, path, err);
	if (!rc)
		*out = l;
out:
	elf_end(e);
	return rc;
}
