/* SPDX-License-Identifier: MIT */
/*
 * image.c - building an image record from a live mapping, and the public
 * accessors of the record.
 *
 * The record is built from what ld.so mapped, not from the file on disk: the
 * file may have changed since, and memory is what actually runs. Every read of
 * mapped memory is first checked to lie inside a PT_LOAD segment mapped
 * readable, because a segment may be mapped without PROT_READ and a malformed
 * dynamic section may point anywhere.
 */
#include "config.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/hex.h"
#include "registry/image_internal.h"

/* An ELF note's name and descriptor are padded to 4 bytes (SysV ABI). */
#define NOTE_ALIGN(n) (((n) + 3u) & ~(size_t)3u)

/* The segment that holds [address, address + length), when readable. */
static const signet_segment *readable_segment(const signet_segment *segs, size_t n,
	uintptr_t address, size_t length)
{
	for (size_t i = 0; i < n; i++) {
		const signet_segment *s = &segs[i];
		if (!(s->flags & PF_R) || address < s->start || address >= s->end)
			continue;
		/* Written as a subtraction so it cannot overflow. */
		if (length <= s->end - address)
			return s;
	}
	return NULL;
}

static const char *string_in(const signet_segment *segs, size_t n, uintptr_t address, size_t max_len)
{
	const signet_segment *s = readable_segment(segs, n, address, 1);
	if (!s)
		return NULL;
	size_t room = s->end - address;
	if (room > max_len)
		room = max_len;
	const char *str = (const char *)address;
	return memchr(str, '\0', room) ? str : NULL;
}

const char *sg_image_mapped_string(const signet_image *image, uintptr_t address, size_t max_len)
{
	return string_in(image->segments, image->nsegments, address, max_len);
}

static size_t collect_segments(const sg_image_facts *f, signet_segment *out)
{
	size_t n = 0;
	for (size_t i = 0; i < f->phnum; i++) {
		const ElfW(Phdr) *ph = &f->phdr[i];
		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		uintptr_t start = f->key.base + ph->p_vaddr;
		if (out) {
			out[n].start = start;
			/* A wrapping segment is clamped: ld.so would not have mapped it. */
			out[n].end = (ph->p_memsz > UINTPTR_MAX - start) ? UINTPTR_MAX : start + ph->p_memsz;
			out[n].flags = ph->p_flags;
		}
		n++;
	}
	return n;
}

/* The dynamic table's view we need: string table, soname, needed entries. */
typedef struct dyn_view {
	uintptr_t strtab;
	size_t strsz;
	const ElfW(Dyn) *dyn;
	size_t ndyn;
} dyn_view;

/*
 * ld.so relocates DT_STRTAB in place for most images but not for those whose
 * dynamic section is read-only (the vDSO, some architectures). Take whichever
 * of the two candidate addresses lies in readable image memory.
 */
static bool read_dynamic(const sg_image_facts *f, const signet_segment *segs, size_t nsegs, dyn_view *v)
{
	memset(v, 0, sizeof *v);
	for (size_t i = 0; i < f->phnum; i++) {
		const ElfW(Phdr) *ph = &f->phdr[i];
		if (ph->p_type != PT_DYNAMIC)
			continue;
		uintptr_t at = f->key.base + ph->p_vaddr;
		if (!readable_segment(segs, nsegs, at, ph->p_memsz))
			return false;
		v->dyn = (const ElfW(Dyn) *)at;
		v->ndyn = ph->p_memsz / sizeof(ElfW(Dyn));
		break;
	}
	if (!v->dyn)
		return false;
	uintptr_t strtab = 0;
	for (size_t i = 0; i < v->ndyn && v->dyn[i].d_tag != DT_NULL; i++) {
		if (v->dyn[i].d_tag == DT_STRTAB)
			strtab = v->dyn[i].d_un.d_ptr;
		else if (v->dyn[i].d_tag == DT_STRSZ)
			v->strsz = v->dyn[i].d_un.d_val;
	}
	if (!strtab || !v->strsz)
		return false;
	if (readable_segment(segs, nsegs, strtab, 1))
		v->strtab = strtab;
	else if (strtab <= UINTPTR_MAX - f->key.base && readable_segment(segs, nsegs, strtab + f->key.base, 1))
		v->strtab = strtab + f->key.base;
	else
		return false;
	return true;
}

static const char *dyn_string(const dyn_view *v, const signet_segment *segs, size_t nsegs, size_t offset)
{
	if (offset >= v->strsz)
		return NULL;
	return string_in(segs, nsegs, v->strtab + offset, v->strsz - offset);
}

void sg_image_for_each_needed(const sg_image_facts *f,
	void (*cb)(const char *needed, void *payload), void *payload)
{
	size_t nsegs = collect_segments(f, NULL);
	signet_segment *segs = calloc(nsegs ? nsegs : 1, sizeof *segs);
	if (!segs)
		return;
	collect_segments(f, segs);
	dyn_view v;
	if (read_dynamic(f, segs, nsegs, &v)) {
		for (size_t i = 0; i < v.ndyn && v.dyn[i].d_tag != DT_NULL; i++) {
			if (v.dyn[i].d_tag != DT_NEEDED)
				continue;
			const char *name = dyn_string(&v, segs, nsegs, v.dyn[i].d_un.d_val);
			if (name)
				cb(name, payload);
		}
	}
	free(segs);
}

static void read_build_id(signet_image *img, const sg_image_facts *f)
{
	for (size_t i = 0; i < f->phnum; i++) {
		const ElfW(Phdr) *ph = &f->phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		uintptr_t at = f->key.base + ph->p_vaddr;
		if (!readable_segment(img->segments, img->nsegments, at, ph->p_memsz))
			continue;
		const uint8_t *p = (const uint8_t *)at;
		size_t left = ph->p_memsz;
		/* Each step consumes at least the 12-byte header: always advances. */
		while (left >= sizeof(ElfW(Nhdr))) {
			ElfW(Nhdr) nh;
			memcpy(&nh, p, sizeof nh);
			size_t namesz = NOTE_ALIGN((size_t)nh.n_namesz);
			size_t descsz = NOTE_ALIGN((size_t)nh.n_descsz);
			size_t body = left - sizeof nh;
			if (namesz > body || descsz > body - namesz || nh.n_namesz > namesz || nh.n_descsz > descsz)
				break;
			const uint8_t *name = p + sizeof nh;
			const uint8_t *desc = name + namesz;
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
			    nh.n_descsz > 0 && nh.n_descsz <= SG_BUILD_ID_MAX) {
				memcpy(img->build_id, desc, nh.n_descsz);
				img->build_id_len = nh.n_descsz;
				return;
			}
			size_t step = sizeof nh + namesz + descsz;
			p += step;
			left -= step;
		}
	}
}

static void read_soname(signet_image *img, const sg_image_facts *f)
{
	dyn_view v;
	if (!read_dynamic(f, img->segments, img->nsegments, &v))
		return;
	for (size_t i = 0; i < v.ndyn && v.dyn[i].d_tag != DT_NULL; i++) {
		if (v.dyn[i].d_tag != DT_SONAME)
			continue;
		const char *s = dyn_string(&v, img->segments, img->nsegments, v.dyn[i].d_un.d_val);
		if (s)
			img->soname = strdup(s); /* NULL on ENOMEM: the image simply has no soname */
		return;
	}
}

signet_image *sg_image_new(const sg_image_facts *f, signet_arrival arrival, const char *path_override)
{
	static atomic_uint_fast64_t next_id = 1;
	signet_image *img = calloc(1, sizeof *img);
	if (!img)
		return NULL;
	atomic_init(&img->refs, 1);
	atomic_init(&img->mapped, true);
	img->id = atomic_fetch_add(&next_id, 1);
	img->key = f->key;
	img->arrival = arrival;
	img->state = SG_IMAGE_ADDING;
	const char *path = path_override ? path_override : (f->path ? f->path : "");
	img->path = strdup(path);
	img->nsegments = collect_segments(f, NULL);
	img->segments = calloc(img->nsegments ? img->nsegments : 1, sizeof *img->segments);
	if (!img->path || !img->segments) {
		signet_image_free(img);
		return NULL;
	}
	collect_segments(f, img->segments);
	read_build_id(img, f);
	read_soname(img, f);
	return img;
}

bool sg_image_matches_short_name(const signet_image *image, const char *name)
{
	if (image->soname && strcmp(image->soname, name) == 0)
		return true;
	const char *slash = strrchr(image->path, '/');
	return strcmp(slash ? slash + 1 : image->path, name) == 0;
}

void sg_file_signature_free(sg_file_signature *sig)
{
	if (!sig)
		return;
	signet_identity_free(sig->identity);
	signet_error_free(sig->why);
	free(sig);
}

const sg_file_signature *sg_image_publish_signature(signet_image *image, sg_file_signature *sig)
{
	sg_file_signature *expected = NULL;
	/* acq_rel: the winner's fields are written before the pointer, and read after it. */
	if (atomic_compare_exchange_strong_explicit(&image->file_signature, &expected, sig, memory_order_acq_rel,
	    memory_order_acquire))
		return sig;
	sg_file_signature_free(sig);
	return expected;
}

/* ---- public accessors ---- */

const char *signet_arrival_name(signet_arrival arrival)
{
	switch (arrival) {
	case SIGNET_ARRIVAL_MAIN_PROGRAM: return "main";
	case SIGNET_ARRIVAL_STARTUP: return "startup";
	case SIGNET_ARRIVAL_VDSO: return "vdso";
	case SIGNET_ARRIVAL_SIGNET: return "signet";
	case SIGNET_ARRIVAL_FOREIGN: return "foreign";
	}
	return "unknown";
}

const char *signet_signature_status_name(signet_signature_status status)
{
	switch (status) {
	case SIGNET_SIGNATURE_UNSIGNED: return "unsigned";
	case SIGNET_SIGNATURE_VERIFIED: return "verified";
	case SIGNET_SIGNATURE_INVALID: return "invalid";
	}
	return "unknown";
}

signet_image *signet_image_retain(const signet_image *image)
{
	signet_image *img = (signet_image *)(uintptr_t)image; /* refcount is not part of the value */
	if (img)
		atomic_fetch_add_explicit(&img->refs, 1, memory_order_relaxed);
	return img;
}

void signet_image_free(signet_image *image)
{
	if (!image || atomic_fetch_sub_explicit(&image->refs, 1, memory_order_acq_rel) != 1)
		return;
	free(image->path);
	free(image->soname);
	free(image->segments);
	sg_array_clear(&image->told);
	signet_identity_free(image->identity);
	sg_file_signature_free(atomic_load(&image->file_signature));
	if (image->hooks && image->loaded)
		image->hooks->free_state(image->loaded);
	free(image);
}

uint64_t signet_image_id(const signet_image *image) { return image ? image->id : 0; }
const char *signet_image_path(const signet_image *image) { return image ? image->path : NULL; }
const char *signet_image_soname(const signet_image *image) { return image ? image->soname : NULL; }
uintptr_t signet_image_base(const signet_image *image) { return image ? image->key.base : 0; }
signet_arrival signet_image_arrival(const signet_image *image) { return image ? image->arrival : 0; }
size_t signet_image_segment_count(const signet_image *image) { return image ? image->nsegments : 0; }
bool signet_image_is_signed(const signet_image *image) { return image && image->identity; }
bool signet_image_is_platform(const signet_image *image) { return image && image->platform; }
const signet_identity *signet_image_identity(const signet_image *image) { return image ? image->identity : NULL; }

const signet_segment *signet_image_segment(const signet_image *image, size_t index)
{
	return (image && index < image->nsegments) ? &image->segments[index] : NULL;
}

bool signet_image_contains(const signet_image *image, const void *address)
{
	uintptr_t a = (uintptr_t)address;
	for (size_t i = 0; image && i < image->nsegments; i++)
		if (a >= image->segments[i].start && a < image->segments[i].end)
			return true;
	return false;
}

size_t signet_image_build_id(const signet_image *image, const uint8_t **bytes)
{
	if (!image || image->build_id_len == 0) {
		if (bytes)
			*bytes = NULL;
		return 0;
	}
	if (bytes)
		*bytes = image->build_id;
	return image->build_id_len;
}

size_t signet_image_build_id_hex(const signet_image *image, char *buf, size_t size)
{
	if (!buf || size == 0)
		return 0;
	/* As many whole bytes as fit: a small buffer gets a cut, still valid, string. */
	size_t n = image ? image->build_id_len : 0;
	if (n > (size - 1) / 2)
		n = (size - 1) / 2;
	sg_hex_encode(buf, image ? image->build_id : NULL, n, false);
	return 2 * n;
}

bool signet_image_is_mapped(const signet_image *image)
{
	return image && atomic_load(&((signet_image *)(uintptr_t)image)->mapped);
}

size_t sg_mapped_build_id_hex(uintptr_t base, const ElfW(Phdr) *phdr, size_t phnum, char *hex, size_t size)
{
	if (size)
		hex[0] = '\0';
	sg_image_facts facts = { .key = { .base = base }, .path = "", .phdr = phdr, .phnum = phnum };
	signet_image *img = sg_image_new(&facts, SIGNET_ARRIVAL_FOREIGN, "");
	size_t n = img ? signet_image_build_id_hex(img, hex, size) : 0;
	signet_image_free(img);
	return n;
}
