/* SPDX-License-Identifier: MIT */
/* elf_dynamic.c - soname, DT_NEEDED, RUNPATH/RPATH and flags from a validated file's bytes. */
#include "config.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "elf/elf_dynamic.h"

#define FAIL(code_, check_, ...) sg_fail(err, &(sg_error_info){ .code = (code_), .path = path, \
	.check = (check_) }, __VA_ARGS__)

typedef unsigned long long ull;

static int nomem(const char *path, signet_error **err)
{
	return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading the dynamic section of %s", path);
}

void sg_elf_dynamic_clear(sg_elf_dynamic *d)
{
	if (!d)
		return;
	free(d->soname);
	for (size_t i = 0; i < d->n_needed; i++)
		free(d->needed[i]);
	free(d->needed);
	for (size_t i = 0; i < d->n_runpath; i++)
		free(d->runpath[i]);
	free(d->runpath);
	for (size_t i = 0; i < d->n_rpath; i++)
		free(d->rpath[i]);
	free(d->rpath);
	*d = (sg_elf_dynamic){ 0 };
}

/* A single-valued tag: where it is, and its value. */
typedef struct tag_seen {
	bool present;
	size_t entry;
	uint64_t value;
} tag_seen;

/* The string table, as file bytes. */
typedef struct strtab {
	const uint8_t *bytes;
	uint64_t size;
} strtab;

typedef struct reader {
	const uint8_t *file;
	const sg_elf_layout *layout;
	const char *path;
	signet_error **err;
	strtab str;
} reader;

static const char *tag_name(int64_t tag)
{
	switch (tag) {
	case DT_NEEDED: return "DT_NEEDED";
	case DT_SONAME: return "DT_SONAME";
	case DT_RUNPATH: return "DT_RUNPATH";
	case DT_RPATH: return "DT_RPATH";
	case DT_STRTAB: return "DT_STRTAB";
	case DT_STRSZ: return "DT_STRSZ";
	case DT_FLAGS: return "DT_FLAGS";
	case DT_FLAGS_1: return "DT_FLAGS_1";
	}
	return "an entry";
}

/* The `i`th dynamic entry; inside the file (the layout bounded the table). */
static Elf64_Dyn entry_at(const reader *r, size_t i)
{
	Elf64_Dyn d;
	memcpy(&d, r->file + r->layout->dynamic_offset + i * sizeof d, sizeof d);
	return d;
}

static int note_single(tag_seen *t, const Elf64_Dyn *d, size_t i, const char *path, signet_error **err)
{
	if (t->present)
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.dynamic", "%s appears twice (dynamic entries %zu and %zu): "
			"the dynamic linker keeps the last, tools show the first", tag_name(d->d_tag), t->entry, i);
	*t = (tag_seen){ .present = true, .entry = i, .value = d->d_un.d_val };
	return 0;
}

/*
 * DT_STRTAB is an address: ld.so reads the strings from memory, so they
 * are taken from the file bytes of the PT_LOAD that maps that address, and
 * all DT_STRSZ bytes must be file bytes of that one segment (past its file
 * bytes memory holds zeros or another segment, not what the file says).
 */
static int locate_strtab(reader *r, const tag_seen *addr, const tag_seen *size)
{
	const char *path = r->path;
	signet_error **err = r->err;
	const sg_elf_layout *l = r->layout;
	for (size_t i = 0; i < l->phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, r->file + l->phoff + i * sizeof ph, sizeof ph);
		if (ph.p_type != PT_LOAD || addr->value < ph.p_vaddr || addr->value - ph.p_vaddr >= ph.p_filesz)
			continue;
		/* The layout checked this; bytes of the same length could differ. */
		if (ph.p_offset > l->file_size || ph.p_filesz > l->file_size - ph.p_offset)
			return FAIL(SIGNET_E_INVALID_ARGUMENT, "elf.dynamic",
				"the layout was not read from these bytes");
		uint64_t delta = addr->value - ph.p_vaddr;
		if (size->value > ph.p_filesz - delta)
			return FAIL(SIGNET_E_ELF_MALFORMED, "elf.dynstr", "DT_STRSZ (dynamic entry %zu) of %llu bytes "
				"runs past the file bytes of PT_LOAD segment %zu (%llu bytes from DT_STRTAB at 0x%llx)",
				size->entry, (ull)size->value, i, (ull)(ph.p_filesz - delta), (ull)addr->value);
		r->str.bytes = r->file + ph.p_offset + delta;
		r->str.size = size->value;
		return 0;
	}
	return FAIL(SIGNET_E_ELF_MALFORMED, "elf.dynstr", "DT_STRTAB (dynamic entry %zu) at address 0x%llx is not "
		"in the file bytes of any PT_LOAD segment", addr->entry, (ull)addr->value);
}

/*
 * The string at `offset` of the string table, copied. It must end with a
 * NUL inside DT_STRSZ; the search is bounded by the string cap, so a huge
 * table costs no more than a short one.
 */
static int get_string(char **out, const reader *r, int64_t tag, size_t entry, uint64_t offset)
{
	const char *path = r->path;
	signet_error **err = r->err;
	if (offset >= r->str.size)
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.dynstr", "%s (dynamic entry %zu): string offset 0x%llx is "
			"past DT_STRSZ 0x%llx", tag_name(tag), entry, (ull)offset, (ull)r->str.size);
	uint64_t left = r->str.size - offset;
	size_t look = left > SG_ELF_MAX_STRING ? SG_ELF_MAX_STRING + 1 : (size_t)left;
	const uint8_t *s = r->str.bytes + offset;
	const uint8_t *nul = memchr(s, 0, look);
	if (!nul) {
		if (left > SG_ELF_MAX_STRING)
			return FAIL(SIGNET_E_LIMIT, "elf.dynstr", "%s (dynamic entry %zu): the string at offset 0x%llx "
				"is longer than %u bytes", tag_name(tag), entry, (ull)offset, SG_ELF_MAX_STRING);
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.dynstr", "%s (dynamic entry %zu): the string at offset "
			"0x%llx is not NUL-terminated inside DT_STRSZ", tag_name(tag), entry, (ull)offset);
	}
	size_t n = (size_t)(nul - s);
	char *copy = malloc(n + 1);
	if (!copy)
		return nomem(path, err);
	memcpy(copy, s, n + 1);
	*out = copy;
	return 0;
}

/* `s` split on ':', every component kept (an empty one means the current
 * directory to glibc: the loader must see it to refuse it). */
static int split_path(char ***out, size_t *n_out, const char *s, int64_t tag, size_t entry, const char *path,
	signet_error **err)
{
	size_t n = 1;
	for (const char *p = s; *p; p++)
		n += *p == ':';
	if (n > SG_ELF_MAX_PATH_COMPONENTS)
		return FAIL(SIGNET_E_LIMIT, "elf.dynstr", "%s (dynamic entry %zu) has %zu components, over the limit "
			"of %u", tag_name(tag), entry, n, SG_ELF_MAX_PATH_COMPONENTS);
	char **v = calloc(n, sizeof *v);
	if (!v)
		return nomem(path, err);
	const char *start = s;
	for (size_t i = 0; i < n; i++) {
		const char *end = strchr(start, ':');
		size_t len = end ? (size_t)(end - start) : strlen(start);
		v[i] = malloc(len + 1);
		if (!v[i]) {
			for (size_t k = 0; k < i; k++)
				free(v[k]);
			free(v);
			return nomem(path, err);
		}
		memcpy(v[i], start, len);
		v[i][len] = '\0';
		start = end ? end + 1 : start + len;
	}
	*out = v;
	*n_out = n;
	return 0;
}

static int read_path(char ***out, size_t *n_out, const reader *r, int64_t tag, const tag_seen *t)
{
	char *s = NULL;
	int rc = get_string(&s, r, tag, t->entry, t->value);
	if (!rc)
		rc = split_path(out, n_out, s, tag, t->entry, r->path, r->err);
	free(s);
	return rc;
}

int sg_elf_dynamic_read(sg_elf_dynamic *out, const uint8_t *file, size_t len, const sg_elf_layout *layout,
	const char *path, signet_error **err)
{
	if (!out || !file || !layout)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT,
			"reading a dynamic section needs an output, bytes and a layout");
	/* The layout vouches for these bytes only: a different length means
	 * other bytes, whose offsets nothing has checked. */
	if (layout->file_size != len || layout->dynamic_count > SG_ELF_MAX_DYNAMIC + 1 ||
	    (layout->has_dynamic && (layout->dynamic_offset > len ||
	    layout->dynamic_count > (len - layout->dynamic_offset) / sizeof(Elf64_Dyn))) ||
	    layout->phoff > len || layout->phnum > (len - layout->phoff) / sizeof(Elf64_Phdr))
		return FAIL(SIGNET_E_INVALID_ARGUMENT, "elf.dynamic", "the layout was not read from these %zu bytes",
			len);
	sg_elf_dynamic d = { 0 };
	if (!layout->has_dynamic || layout->dynamic_count == 0) {
		*out = d;
		return 0;
	}
	reader r = { .file = file, .layout = layout, .path = path, .err = err };

	/* First pass: the single-valued tags and the counts. */
	tag_seen soname = { 0 }, runpath = { 0 }, rpath = { 0 }, str_addr = { 0 }, str_size = { 0 }, flags = { 0 },
		flags_1 = { 0 };
	size_t n_needed = 0, last = layout->dynamic_count - 1; /* the last one is DT_NULL */
	int rc = 0;
	for (size_t i = 0; i < last && !rc; i++) {
		Elf64_Dyn e = entry_at(&r, i);
		switch (e.d_tag) {
		case DT_NEEDED:
			if (++n_needed > SG_ELF_MAX_NEEDED)
				rc = FAIL(SIGNET_E_LIMIT, "elf.dynamic", "DT_NEEDED (dynamic entry %zu): more than %u "
					"dependencies", i, SG_ELF_MAX_NEEDED);
			break;
		case DT_SONAME: rc = note_single(&soname, &e, i, path, err); break;
		case DT_RUNPATH: rc = note_single(&runpath, &e, i, path, err); break;
		case DT_RPATH: rc = note_single(&rpath, &e, i, path, err); break;
		case DT_STRTAB: rc = note_single(&str_addr, &e, i, path, err); break;
		case DT_STRSZ: rc = note_single(&str_size, &e, i, path, err); break;
		case DT_FLAGS: rc = note_single(&flags, &e, i, path, err); break;
		case DT_FLAGS_1: rc = note_single(&flags_1, &e, i, path, err); break;
		case DT_TEXTREL: d.textrel = true; break;
		}
	}
	if (rc)
		return rc;
	d.flags = flags.value;
	d.flags_1 = flags_1.value;
	d.textrel = d.textrel || (d.flags & DF_TEXTREL);
	if (!n_needed && !soname.present && !runpath.present && !rpath.present) {
		*out = d;
		return 0;
	}
	if (!str_addr.present || !str_size.present)
		return FAIL(SIGNET_E_ELF_MALFORMED, "elf.dynamic", "the dynamic section names strings but has no %s",
			!str_addr.present ? "DT_STRTAB" : "DT_STRSZ");
	rc = locate_strtab(&r, &str_addr, &str_size);
	if (rc)
		return rc;

	/* Second pass: the strings, DT_NEEDED in the order ld.so loads them. */
	if (n_needed) {
		d.needed = calloc(n_needed, sizeof *d.needed);
		if (!d.needed)
			return nomem(path, err);
	}
	for (size_t i = 0; i < last && !rc; i++) {
		Elf64_Dyn e = entry_at(&r, i);
		if (e.d_tag == DT_NEEDED) {
			rc = get_string(&d.needed[d.n_needed], &r, DT_NEEDED, i, e.d_un.d_val);
			d.n_needed += !rc;
		}
	}
	if (!rc && soname.present)
		rc = get_string(&d.soname, &r, DT_SONAME, soname.entry, soname.value);
	if (!rc && runpath.present) {
		rc = read_path(&d.runpath, &d.n_runpath, &r, DT_RUNPATH, &runpath);
		d.has_runpath = !rc;
	}
	if (!rc && rpath.present) {
		rc = read_path(&d.rpath, &d.n_rpath, &r, DT_RPATH, &rpath);
		d.has_rpath = !rc;
	}
	if (rc) {
		sg_elf_dynamic_clear(&d);
		return rc;
	}
	*out = d;
	return 0;
}
