/* SPDX-License-Identifier: MIT */
/*
 * sign_elf.c - laying out and writing a signed ELF file.
 *
 * Layout of the output (docs/signature-format.md, "Placement"):
 *
 *   [input bytes up to the end of its contents]   verbatim
 *   [.shstrtab grown by ".signet.sig"]              only if the name is new
 *   [zero padding to 8]
 *   [section header table + one entry for the blob]
 *   [zero padding to 8]
 *   [signature blob]                                 to the end of the file
 *
 * Why not let libelf lay the file out: its writer fills gaps between
 * sections with its own fill byte and may move non-allocated data; we want
 * every mapped byte exactly as the linker wrote it. libelf still does the
 * reading and the translation of headers to file form (elf64_xlatetof).
 *
 * The section header for the blob holds the blob's size, and the headers
 * are covered by the signature, so the size must be fixed before hashing.
 * It is sized from the CMS's exact upper bound for this key and these
 * certificates (sg_cms_sign_bound), never from a trial signature, whose
 * length varies: the same file signed twice with the same key gets the
 * same blob size, so the same cdhash. The real blob is padded with zeros.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cms/cms.h"
#include "codesign/blob.h"
#include "codesign/codedirectory.h"
#include "codesign/pagehash.h"
#include "core/error_internal.h"
#include "core/file.h"
#include "core/sha256.h"
#include "elf/elf_image.h"
#include "sign_elf.h"

static uint64_t align8(uint64_t v) { return (v + 7u) & ~(uint64_t)7u; }

/* The new file, before its blob is filled in. */
typedef struct plan {
	uint8_t *file;        /* blob_offset + blob_size bytes */
	uint64_t blob_offset;
	uint32_t blob_size;
} plan;

static int fail_elf(signet_error **err, const char *path, const char *what)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_ELF_MALFORMED, .path = path, .check = "sign.layout" },
		"%s: %s", what, elf_errmsg(-1));
}

/* Writes `shdrs` (native structs) into `dst` in file form. */
static int put_shdrs(uint8_t *dst, Elf64_Shdr *shdrs, size_t n)
{
	Elf_Data src = { .d_buf = shdrs, .d_type = ELF_T_SHDR, .d_size = n * sizeof *shdrs, .d_version = EV_CURRENT };
	Elf_Data out = { .d_buf = dst, .d_type = ELF_T_SHDR, .d_size = n * sizeof *shdrs, .d_version = EV_CURRENT };
	return elf64_xlatetof(&out, &src, ELFDATA2LSB) ? 0 : -1;
}

static int put_ehdr(uint8_t *dst, uint64_t shoff, uint16_t shnum)
{
	Elf64_Ehdr eh;
	Elf_Data raw = { .d_buf = dst, .d_type = ELF_T_EHDR, .d_size = sizeof eh, .d_version = EV_CURRENT };
	Elf_Data mem = { .d_buf = &eh, .d_type = ELF_T_EHDR, .d_size = sizeof eh, .d_version = EV_CURRENT };
	if (!elf64_xlatetom(&mem, &raw, ELFDATA2LSB))
		return -1;
	eh.e_shoff = shoff;
	eh.e_shnum = shnum;
	return elf64_xlatetof(&raw, &mem, ELFDATA2LSB) ? 0 : -1;
}

static bool has_name(const uint8_t *strtab, uint64_t size, const char *name, uint32_t *at)
{
	size_t n = strlen(name) + 1;
	for (uint64_t i = 0; i + n <= size; i++) {
		if ((i == 0 || strtab[i - 1] == '\0') && memcmp(strtab + i, name, n) == 0) {
			*at = (uint32_t)i;
			return true;
		}
	}
	return false;
}

/* A fresh layout for an unsigned input, with the blob sized `blob_size`. */
static int plan_fresh(plan *p, const uint8_t *in, const sg_elf_layout *l, uint32_t blob_size,
	const char *path, signet_error **err)
{
	if (l->shnum == 0 || l->shnum + 1 >= SHN_LORESERVE)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_ELF_UNSUPPORTED, .path = path,
			.check = "sign.layout" }, "%zu section headers: signing needs 1 to %d", l->shnum, SHN_LORESERVE - 2);
	Elf *e = elf_memory((char *)(uintptr_t)in, l->file_size);
	if (!e)
		return fail_elf(err, path, "libelf cannot read the input");
	int rc = 0;
	size_t nsh = l->shnum + 1;
	Elf64_Shdr *shdrs = calloc(nsh, sizeof *shdrs);
	if (!shdrs) {
		elf_end(e);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory signing %s", path);
	}
	for (size_t i = 0; i < l->shnum; i++) {
		GElf_Shdr sh;
		if (!gelf_getshdr(elf_getscn(e, i), &sh)) {
			rc = fail_elf(err, path, "cannot read a section header");
			goto out;
		}
		shdrs[i] = (Elf64_Shdr){ sh.sh_name, sh.sh_type, sh.sh_flags, sh.sh_addr, sh.sh_offset, sh.sh_size,
			sh.sh_link, sh.sh_info, sh.sh_addralign, sh.sh_entsize };
	}

	/* The section name: reuse it, grow .shstrtab in place when it is the
	 * last content, or move a grown copy to the end. */
	const uint8_t *strtab = in + l->shstrtab_offset;
	uint32_t name_at = 0;
	uint64_t end = l->content_end, strtab_at = l->shstrtab_offset, strtab_size = l->shstrtab_size;
	bool new_name = !has_name(strtab, l->shstrtab_size, SG_SIG_SECTION_NAME, &name_at);
	if (new_name) {
		if (l->shstrtab_size > UINT32_MAX - 64) {
			rc = sg_fail_code(err, SIGNET_E_LIMIT, "%s: section name table too large", path);
			goto out;
		}
		name_at = (uint32_t)l->shstrtab_size;
		if (l->shstrtab_offset + l->shstrtab_size != end)
			strtab_at = end; /* not last: copy it to the end */
		strtab_size = l->shstrtab_size + sizeof SG_SIG_SECTION_NAME;
		end = strtab_at + strtab_size;
	}
	uint64_t shoff = align8(end);
	p->blob_offset = align8(shoff + nsh * sizeof(Elf64_Shdr));
	p->blob_size = blob_size;
	p->file = calloc(1, (size_t)(p->blob_offset + blob_size));
	if (!p->file) {
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory signing %s", path);
		goto out;
	}
	memcpy(p->file, in, (size_t)l->content_end);
	if (new_name) {
		if (strtab_at != l->shstrtab_offset)
			memcpy(p->file + strtab_at, strtab, (size_t)l->shstrtab_size);
		memcpy(p->file + strtab_at + l->shstrtab_size, SG_SIG_SECTION_NAME, sizeof SG_SIG_SECTION_NAME);
		shdrs[l->shstrndx].sh_offset = strtab_at;
		shdrs[l->shstrndx].sh_size = strtab_size;
	}
	shdrs[l->shnum] = (Elf64_Shdr){ .sh_name = name_at, .sh_type = SG_SIG_SECTION_TYPE, .sh_offset = p->blob_offset,
		.sh_size = blob_size, .sh_addralign = SG_SIG_SECTION_ALIGN };
	if (put_shdrs(p->file + shoff, shdrs, nsh) != 0 || put_ehdr(p->file, shoff, (uint16_t)nsh) != 0)
		rc = fail_elf(err, path, "cannot write the section headers");
out:
	free(shdrs);
	elf_end(e);
	return rc;
}

/* Re-signing: keep everything before the old blob, resize its section. */
static int plan_resign(plan *p, const uint8_t *in, const sg_elf_layout *l, uint32_t blob_size,
	const char *path, signet_error **err)
{
	p->blob_offset = l->signature_offset;
	p->blob_size = blob_size;
	p->file = calloc(1, (size_t)(p->blob_offset + blob_size));
	if (!p->file)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory signing %s", path);
	memcpy(p->file, in, (size_t)p->blob_offset);
	uint64_t size_field = l->shoff + l->signature_index * sizeof(Elf64_Shdr) + offsetof(Elf64_Shdr, sh_size);
	uint64_t size = blob_size;
	Elf_Data src = { .d_buf = &size, .d_type = ELF_T_XWORD, .d_size = sizeof size, .d_version = EV_CURRENT };
	Elf_Data dst = { .d_buf = p->file + size_field, .d_type = ELF_T_XWORD, .d_size = sizeof size,
		.d_version = EV_CURRENT };
	return elf64_xlatetof(&dst, &src, ELFDATA2LSB) ? 0 : fail_elf(err, path, "cannot write the section size");
}

/* What goes into the CodeDirectory, but the page hashes. */
static int cd_input(sg_cd_input *in, uint64_t code_limit, const sg_sign_params *sp, const char *team,
	signet_error **err)
{
	*in = (sg_cd_input){ .identifier = sp->identifier, .team = team, .page_shift = (uint8_t)sp->page_shift,
		.code_limit = code_limit };
	memcpy(in->special, sp->special, sizeof in->special);
	memset(in->special[SG_SLOT_ENTITLEMENTS - 1], 0, SG_HASH_SIZE);
	if (sp->entitlements && sg_sha256(in->special[SG_SLOT_ENTITLEMENTS - 1], sp->entitlements,
			sp->entitlements_length) != 0)
		return sg_fail_code(err, SIGNET_E_INTERNAL, "SHA-256 failed");
	return 0;
}

/* The CodeDirectory for the planned file: every page hashed. */
static int make_cd(uint8_t **cd, size_t *cd_len, const plan *p, const sg_sign_params *sp, const char *team,
	signet_error **err)
{
	sg_cd_input in;
	int rc = cd_input(&in, p->blob_offset, sp, team, err);
	if (rc)
		return rc;
	uint64_t pages = sg_page_count(p->blob_offset, sp->page_shift);
	uint8_t *hashes = malloc(pages ? pages * SG_HASH_SIZE : 1);
	if (!hashes)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory hashing pages");
	rc = sg_pagehash_compute(hashes, p->file, p->blob_offset, sp->page_shift, sp->threads, err);
	in.code_hashes = hashes;
	if (!rc)
		rc = sg_cd_build(cd, cd_len, &in, err);
	free(hashes);
	return rc;
}

/* The most bytes the CMS can take with this key and these certificates. */
static int cms_bound(uint32_t *out, const sg_sign_params *sp, signet_error **err)
{
	size_t bound = 0;
	int rc = sg_cms_sign_bound(&bound, sp->key, sp->cert, sp->chain, err);
	/*
	 * Room for the largest token accepted, reserved whether the token
	 * turns out small or not: the blob's size (hashed in the section
	 * header, so in the cdhash) must not depend on a TSA's answer.
	 */
	if (!rc && sp->timestamp)
		bound += SG_TS_RESERVE;
	if (!rc && bound > SG_MAX_CMS_SIZE)
		rc = sg_fail_code(err, SIGNET_E_LIMIT, "the CMS signature takes up to %zu bytes, over the "
			"limit of %u (too many certificates?)", bound, SG_MAX_CMS_SIZE);
	if (!rc)
		*out = (uint32_t)bound;
	return rc;
}

int sg_sign_elf_bytes(uint8_t **out, size_t *out_len, const uint8_t *in, size_t in_len,
	const char *path, const sg_sign_params *sp, signet_error **err)
{
	if (sp->page_shift < SG_PAGE_SHIFT_MIN || sp->page_shift > SG_PAGE_SHIFT_MAX)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "page size must be 4, 16 or 64 KiB");
	if (sp->entitlements_length > SG_MAX_ENTITLEMENTS_SIZE)
		return sg_fail_code(err, SIGNET_E_LIMIT, "entitlements exceed %u bytes", SG_MAX_ENTITLEMENTS_SIZE);
	if (in_len > SG_MAX_FILE_SIZE)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "file.size" },
			"%zu bytes exceed the limit of %llu", in_len, (unsigned long long)SG_MAX_FILE_SIZE);
	sg_elf_layout l;
	int rc = sg_elf_layout_read(&l, in, in_len, path, err);
	if (rc)
		return rc;
	char *team = NULL;
	if (sg_certificate_team(sp->cert, &team, NULL) != 0)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory signing %s", path);
	uint32_t ent_len = (uint32_t)(sp->entitlements ? sp->entitlements_length : 0);
	uint32_t cms_max = 0;
	plan p = { 0 };
	uint8_t *cd = NULL, *cms = NULL;
	size_t cd_len = 0, der_len = 0;

	/*
	 * Where the blob starts does not depend on how long it is, so one
	 * layout without a blob gives the page count, and with it the
	 * CodeDirectory's length, before a page is hashed.
	 */
	rc = l.has_signature ? plan_resign(&p, in, &l, 0, path, err) : plan_fresh(&p, in, &l, 0, path, err);
	sg_cd_input sizing;
	if (!rc)
		rc = cd_input(&sizing, p.blob_offset, sp, team, err);
	if (!rc) {
		cd_len = sg_cd_size(&sizing);
		rc = cms_bound(&cms_max, sp, err);
	}
	if (!rc) {
		/* Now for real, with the blob's size in the (hashed) section header. */
		uint64_t size = align8(sg_blob_content_size((uint32_t)cd_len, cms_max, ent_len));
		free(p.file);
		p = (plan){ 0 };
		rc = l.has_signature ? plan_resign(&p, in, &l, (uint32_t)size, path, err)
			: plan_fresh(&p, in, &l, (uint32_t)size, path, err);
	}
	if (!rc)
		rc = make_cd(&cd, &cd_len, &p, sp, team, err);
	if (!rc)
		rc = sg_cms_sign(&cms, &der_len, cd, cd_len, sp->key, sp->cert, sp->chain, err);
	if (!rc && sp->timestamp)
		rc = sg_cms_add_timestamp(&cms, &der_len, sp->timestamp, sp->timestamp_ctx, err);
	/*
	 * Never retried with more room: a CMS longer than its bound means the
	 * bound is wrong (or the clock crossed into 2050 in between, making the
	 * signing time a longer GeneralizedTime), and a guess would bring back
	 * sizes, and cdhashes, that differ between runs.
	 */
	if (!rc && der_len > cms_max)
		rc = sg_fail_code(err, SIGNET_E_INTERNAL, "%s: the CMS signature took %zu bytes, more than "
			"its bound of %u", path, der_len, cms_max);
	if (!rc)
		rc = sg_blob_build(p.file + p.blob_offset, p.blob_size, cd, (uint32_t)cd_len, cms,
			(uint32_t)der_len, sp->entitlements, ent_len, err);
	if (!rc) {
		*out = p.file;
		*out_len = (size_t)(p.blob_offset + p.blob_size);
		p.file = NULL;
	}
	free(team);
	free(cd);
	free(cms);
	free(p.file);
	return rc;
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int sg_sign_elf_file(const char *path, const sg_sign_params *sp, signet_error **err)
{
	/* Write next to the real file, so the rename stays on one filesystem
	 * and a symlink keeps pointing at the signed file. */
	char *real = realpath(path, NULL);
	if (!real)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = "file.open",
			.os_errno = errno }, "cannot resolve: %s", strerror(errno));
	sg_mapped_file m = { 0 };
	uint8_t *signed_bytes = NULL;
	size_t signed_len = 0;
	char *tmp = NULL;
	int fd = -1;
	struct stat st;
	int rc = sg_mapped_file_open(&m, real, SG_MAX_FILE_SIZE, err);
	if (rc)
		goto out;
	if (stat(real, &st) != 0) {
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .os_errno = errno,
			.check = "file.stat" }, "cannot stat: %s", strerror(errno));
		goto out;
	}
	rc = sg_sign_elf_bytes(&signed_bytes, &signed_len, m.bytes, m.length, path, sp, err);
	sg_mapped_file_close(&m);
	if (rc)
		goto out;

	const char *slash = strrchr(real, '/');
	if (asprintf(&tmp, "%.*s/.%s.signet-XXXXXX", (int)(slash - real), real, slash + 1) < 0) {
		tmp = NULL;
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = tmp, .os_errno = errno,
			.check = "file.write" }, "cannot create a temporary file: %s", strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (fchmod(fd, st.st_mode & 07777) != 0 || write_all(fd, signed_bytes, signed_len) != 0 || fsync(fd) != 0) {
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = tmp, .os_errno = errno,
			.check = "file.write" }, "cannot write the signed file: %s", strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = tmp, .os_errno = errno,
			.check = "file.write" }, "cannot write the signed file: %s", strerror(errno));
		goto out;
	}
	fd = -1;
	/* The old file stays whole until this single atomic step. */
	if (rename(tmp, real) != 0) {
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .os_errno = errno,
			.check = "file.write" }, "cannot replace the file: %s", strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	sg_mapped_file_close(&m);
	free(signed_bytes);
	free(real);
	return rc;
}
