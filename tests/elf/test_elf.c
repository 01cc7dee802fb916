/* SPDX-License-Identifier: MIT */
/*
 * test_elf.c - ELF structure validation (sg_elf_layout_read), loadability
 * (sg_elf_check_loadable) and the dynamic-section reader (sg_elf_dynamic_read).
 *
 * Negative fixtures are made here from good ones: a copy of a Debian library
 * in memory with exactly one field changed, or with a new dynamic section
 * and string table appended inside its last PT_LOAD. Positive ones are real
 * libraries, libraries built here with $CC, every shared object in the
 * system library directory, and the foreign corpus ($SIGNET_CORPUS, read
 * only).
 */
#include "config.h"

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf/elf_dynamic.h"
#include "elf/elf_image.h"
#include "harness.h"

#define P "mem.so" /* the path every in-memory image is reported under */

/* ---- files ---- */

static const char *find_lib(const char *const *candidates)
{
	for (; *candidates; candidates++)
		if (access(*candidates, R_OK) == 0)
			return *candidates;
	return NULL;
}

static const char *const libz_paths[] = { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1",
	"/lib/aarch64-linux-gnu/libz.so.1", "/usr/lib/aarch64-linux-gnu/libz.so.1", NULL };
static const char *const sqlite_paths[] = { "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0",
	"/usr/lib/aarch64-linux-gnu/libsqlite3.so.0", NULL };
static const char *const stdcxx_paths[] = { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
	"/usr/lib/aarch64-linux-gnu/libstdc++.so.6", NULL };

/* ---- a mutable image ---- */

typedef struct img {
	uint8_t *b;
	size_t len;
} img;

static img load_img(const char *const *candidates)
{
	const char *path = find_lib(candidates);
	if (!path)
		CU_FAIL_FATAL("library not installed (scripts/install-deps.sh installs it)");
	img m;
	m.b = sg_read_file(path, &m.len);
	return m;
}

static img libz(void) { return load_img(libz_paths); }

static img copy_img(const img *src, size_t len)
{
	img m = { malloc(len ? len : 1), len };
	CU_ASSERT_PTR_NOT_NULL_FATAL(m.b);
	memset(m.b, 0, len);
	memcpy(m.b, src->b, src->len < len ? src->len : len);
	return m;
}

static void free_img(img *m) { free(m->b); m->b = NULL; }

static Elf64_Ehdr *ehdr(const img *m) { return (Elf64_Ehdr *)m->b; }
static Elf64_Phdr *phdr(const img *m, size_t i) { return (Elf64_Phdr *)(m->b + ehdr(m)->e_phoff) + i; }
static Elf64_Shdr *shdr(const img *m, size_t i) { return (Elf64_Shdr *)(m->b + ehdr(m)->e_shoff) + i; }

/* A fixture that lacks what a test mutates is a broken test: stop here. */
static void *need(void *p, const char *what)
{
	if (!p) {
		fprintf(stderr, "  the fixture has no %s\n", what);
		abort();
	}
	return p;
}

/* The nth program header of a type. */
static Elf64_Phdr *find_phdr(const img *m, uint32_t type, unsigned nth)
{
	for (unsigned i = 0; i < ehdr(m)->e_phnum; i++)
		if (phdr(m, i)->p_type == type && nth-- == 0)
			return phdr(m, i);
	return need(NULL, "such program header");
}

static Elf64_Phdr *last_load(const img *m)
{
	Elf64_Phdr *last = NULL;
	for (unsigned i = 0; i < ehdr(m)->e_phnum; i++)
		if (phdr(m, i)->p_type == PT_LOAD)
			last = phdr(m, i);
	return need(last, "PT_LOAD");
}

static Elf64_Shdr *find_shdr(const img *m, const char *name)
{
	const Elf64_Shdr *names = shdr(m, ehdr(m)->e_shstrndx);
	for (unsigned i = 0; i < ehdr(m)->e_shnum; i++)
		if (strcmp((const char *)m->b + names->sh_offset + shdr(m, i)->sh_name, name) == 0)
			return shdr(m, i);
	return need(NULL, name);
}

/* The nth dynamic entry with a tag, or NULL (dyn() when it must be there). */
static Elf64_Dyn *find_dyn(const img *m, int64_t tag, unsigned nth)
{
	const Elf64_Phdr *d = find_phdr(m, PT_DYNAMIC, 0);
	Elf64_Dyn *e = (Elf64_Dyn *)(m->b + d->p_offset);
	for (size_t i = 0; i < d->p_filesz / sizeof *e; i++)
		if (e[i].d_tag == tag && nth-- == 0)
			return &e[i];
	return NULL;
}

static Elf64_Dyn *dyn(const img *m, int64_t tag) { return need(find_dyn(m, tag, 0), "such dynamic entry"); }

static int layout(const img *m, sg_elf_layout *l, signet_error **err)
{
	return sg_elf_layout_read(l, m->b, m->len, P, err);
}

static int layout_only(const img *m, signet_error **err)
{
	sg_elf_layout l;
	return layout(m, &l, err);
}

static int dynamic(const img *m, sg_elf_dynamic *d, signet_error **err)
{
	sg_elf_layout l;
	int rc = layout(m, &l, err);
	return rc ? rc : sg_elf_dynamic_read(d, m->b, m->len, &l, P, err);
}

static int dynamic_only(const img *m, signet_error **err)
{
	sg_elf_dynamic d = { 0 };
	int rc = dynamic(m, &d, err);
	sg_elf_dynamic_clear(&d);
	return rc;
}

static int loadable(const img *m, signet_error **err)
{
	sg_elf_layout l;
	int rc = layout(m, &l, err);
	return rc ? rc : sg_elf_check_loadable(&l, P, err);
}

/* Whether `name` is one of the `n` strings of `v`. */
static bool has(char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return true;
	return false;
}

/*
 * A copy of `src` whose dynamic section is `dyn` (n entries; a DT_NULL is
 * added) and, when `strs` is given, with the `strsz` bytes of `strs`
 * appended as a string table: a DT_STRTAB of value STRTAB_HERE points at
 * it. Both go after the old end of the file, which the last PT_LOAD is
 * stretched to cover; PT_DYNAMIC and .dynamic move there, consistently.
 */
#define STRTAB_HERE UINT64_C(0xfeedfacefeedface)

static size_t up16(size_t n) { return (n + 15) & ~(size_t)15; }

static img with_dynamic(const img *src, const Elf64_Dyn *dyn, size_t n, const char *strs, size_t strsz)
{
	size_t str_off = up16(src->len), dyn_off = str_off + up16(strsz);
	img m = copy_img(src, dyn_off + (n + 1) * sizeof(Elf64_Dyn));
	Elf64_Phdr *last = last_load(&m);
	last->p_filesz = m.len - last->p_offset;
	if (last->p_memsz < last->p_filesz)
		last->p_memsz = last->p_filesz;
	uint64_t to_vaddr = last->p_vaddr - last->p_offset; /* + a file offset in that segment */
	if (strs)
		memcpy(m.b + str_off, strs, strsz);
	Elf64_Dyn *out = (Elf64_Dyn *)(m.b + dyn_off);
	for (size_t i = 0; i < n; i++) {
		out[i] = dyn[i];
		if (dyn[i].d_tag == DT_STRTAB && dyn[i].d_un.d_ptr == STRTAB_HERE)
			out[i].d_un.d_ptr = to_vaddr + str_off;
	}
	out[n] = (Elf64_Dyn){ .d_tag = DT_NULL };
	Elf64_Phdr *pd = find_phdr(&m, PT_DYNAMIC, 0);
	pd->p_offset = dyn_off;
	pd->p_vaddr = pd->p_paddr = to_vaddr + dyn_off;
	pd->p_filesz = pd->p_memsz = (n + 1) * sizeof(Elf64_Dyn);
	Elf64_Shdr *sd = find_shdr(&m, ".dynamic");
	sd->sh_offset = pd->p_offset;
	sd->sh_addr = pd->p_vaddr;
	sd->sh_size = pd->p_filesz;
	return m;
}

/* Entries naming strings in `strs`, with DT_STRTAB and DT_STRSZ for it. */
static img with_strings(const img *src, const Elf64_Dyn *dyn, size_t n, const char *strs, size_t strsz)
{
	Elf64_Dyn *all = calloc(n + 2, sizeof *all);
	CU_ASSERT_PTR_NOT_NULL_FATAL(all);
	memcpy(all, dyn, n * sizeof *dyn);
	all[n] = (Elf64_Dyn){ .d_tag = DT_STRTAB, .d_un.d_ptr = STRTAB_HERE };
	all[n + 1] = (Elf64_Dyn){ .d_tag = DT_STRSZ, .d_un.d_val = strsz };
	img m = with_dynamic(src, all, n + 2, strs, strsz);
	free(all);
	return m;
}

/* ---- good files ---- */

static void test_real_libraries_validate(void)
{
	static const char *const *const sets[] = { libz_paths, sqlite_paths, stdcxx_paths };
	for (size_t k = 0; k < sizeof sets / sizeof *sets; k++) {
		img m = load_img(sets[k]);
		signet_error *err = NULL;
		sg_elf_layout l;
		SG_ASSERT_OK(layout(&m, &l, &err), &err);
		CU_ASSERT_EQUAL(l.type, ET_DYN);
		CU_ASSERT(l.n_loads >= 2);
		CU_ASSERT(l.has_dynamic);
		CU_ASSERT(l.dynamic_count >= 2 && l.dynamic_count <= l.dynamic_size / sizeof(Elf64_Dyn));
		CU_ASSERT(l.n_notes >= 1);
		CU_ASSERT_FALSE(l.has_interp);
		CU_ASSERT(l.load_end > l.load_start);
		SG_ASSERT_OK(sg_elf_check_loadable(&l, P, &err), &err);
		free_img(&m);
	}
}

static void test_libz_layout_details(void)
{
	img m = libz();
	signet_error *err = NULL;
	sg_elf_layout l;
	SG_ASSERT_OK(layout(&m, &l, &err), &err);
	/* The fields the loader uses, against the headers themselves. */
	const Elf64_Phdr *pd = find_phdr(&m, PT_DYNAMIC, 0);
	CU_ASSERT_EQUAL(l.dynamic_offset, pd->p_offset);
	CU_ASSERT_EQUAL(l.dynamic_vaddr, pd->p_vaddr);
	CU_ASSERT_EQUAL(l.dynamic_size, pd->p_filesz);
	CU_ASSERT_EQUAL(l.load_start, find_phdr(&m, PT_LOAD, 0)->p_vaddr);
	CU_ASSERT_EQUAL(l.load_end, last_load(&m)->p_vaddr + last_load(&m)->p_memsz);
	CU_ASSERT(l.load_congruence == 0 || l.load_congruence >= 4096);
	/* The build-id is the descriptor of the GNU build-id note. */
	const Elf64_Shdr *bid = find_shdr(&m, ".note.gnu.build-id");
	CU_ASSERT(l.has_build_id);
	CU_ASSERT_EQUAL(l.build_id_size, 20);
	CU_ASSERT_EQUAL(l.build_id_offset, bid->sh_offset + 16);
	free_img(&m);
}

static void test_executable_and_libc(void)
{
	/* /bin/true validates (signing signs executables) but is no plugin. */
	img t = { 0 };
	t.b = sg_read_file("/bin/true", &t.len);
	signet_error *err = NULL;
	sg_elf_layout l;
	SG_ASSERT_OK(layout(&t, &l, &err), &err);
	CU_ASSERT(l.has_interp);
	SG_ASSERT_FAILS(sg_elf_check_loadable(&l, P, &err), &err, SIGNET_E_ELF_UNSUPPORTED, "not a shared object");
	/* The same bytes as a classic ET_EXEC. */
	ehdr(&t)->e_type = ET_EXEC;
	SG_ASSERT_OK(layout(&t, &l, &err), &err);
	SG_ASSERT_FAILS(sg_elf_check_loadable(&l, P, &err), &err, SIGNET_E_ELF_UNSUPPORTED,
		"an executable (ET_EXEC), not a shared object");
	free_img(&t);

	/* libc.so.6 has PT_INTERP (it runs) and is still a shared object. */
	static const char *const c[] = { "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
		"/lib/aarch64-linux-gnu/libc.so.6", NULL };
	img libc = load_img(c);
	SG_ASSERT_OK(loadable(&libc, &err), &err);
	free_img(&libc);
}

/* Every ELF shared object in the system library directory: a check that
 * refuses a real Debian library is a wrong check. */
static void test_every_system_library(void)
{
	static const char *const dirs[] = { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", NULL };
	const char *dir = find_lib(dirs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	DIR *dp = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dp);
	size_t checked = 0, bad = 0;
	struct dirent *de;
	while ((de = readdir(dp))) {
		if (!strstr(de->d_name, ".so"))
			continue;
		char p[PATH_MAX];
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 64) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		CU_ASSERT_FATAL(map != MAP_FAILED);
		const uint8_t *b = map;
		size_t len = (size_t)st.st_size;
		signet_error *err = NULL;
		sg_elf_layout l;
		int rc = sg_elf_layout_read(&l, b, len, p, &err);
		if (rc == SIGNET_E_NOT_ELF) { /* linker scripts (libc.so, libm.so) */
			signet_error_free(err);
			munmap(map, len);
			continue;
		}
		checked++;
		sg_elf_dynamic d = { 0 };
		if (!rc)
			rc = sg_elf_dynamic_read(&d, b, len, &l, p, &err);
		if (!rc)
			rc = sg_elf_check_loadable(&l, p, &err);
		if (rc) {
			bad++;
			fprintf(stderr, "  %s: %s\n", p, signet_error_message(err));
		}
		sg_elf_dynamic_clear(&d);
		signet_error_free(err);
		munmap(map, len);
	}
	closedir(dp);
	printf("\n  %zu system shared objects validated, read and found loadable; %zu refused\n", checked, bad);
	CU_ASSERT(checked >= 50);
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_truncations_refused(void)
{
	img z = libz();
	signet_error *err = NULL;
	for (size_t k = 0; k < 400; k++) {
		size_t cut = k < 300 ? (z.len - 1) * k / 300 : z.len - 1 - (k - 300);
		img t = copy_img(&z, cut); /* exactly `cut` bytes: ASan sees over-reads */
		int rc = layout_only(&t, &err);
		CU_ASSERT(rc == SIGNET_E_NOT_ELF || rc == SIGNET_E_ELF_MALFORMED);
		if (rc == 0)
			fprintf(stderr, "  a copy cut to %zu bytes validated\n", cut);
		else
			CU_ASSERT_EQUAL(strncmp(signet_error_message(err), P ": ", strlen(P) + 2), 0);
		signet_error_free(err);
		err = NULL;
		free_img(&t);
	}
	free_img(&z);
}

/* ---- the ELF header and the two tables ---- */

static void test_header_offsets_past_the_end(void)
{
	img z = libz();
	signet_error *err = NULL;
	img m = copy_img(&z, z.len);
	ehdr(&m)->e_phoff = z.len + 8;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED,
		"program header table (9 entries at offset");
	ehdr(&m)->e_phoff = UINT64_MAX - 100; /* offset + count * size would wrap */
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "extends past the end of the file");
	ehdr(&m)->e_phoff = z.len - sizeof(Elf64_Phdr); /* the table's first entry fits, the rest does not */
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "extends past the end of the file");
	free_img(&m);

	/* libelf alone reports no sections for these: the raw header must catch them. */
	m = copy_img(&z, z.len);
	ehdr(&m)->e_shoff = z.len + 8;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "starts past the end of the file");
	ehdr(&m)->e_shoff = UINT64_MAX - 10;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "starts past the end of the file");
	ehdr(&m)->e_shoff = z.len - 2 * sizeof(Elf64_Shdr);
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "section header table (28 entries");
	/* Sections but no table: libelf would read the ELF header as sections. */
	ehdr(&m)->e_shoff = 0;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "but no section header table");
	free_img(&m);

	m = copy_img(&z, z.len);
	ehdr(&m)->e_shstrndx = (uint16_t)ehdr(&m)->e_shnum;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "section name table index 28");
	free_img(&m);
	free_img(&z);
}

static void test_header_counts(void)
{
	img z = libz();
	signet_error *err = NULL;
	img m = copy_img(&z, z.len);
	/* PN_XNUM: ld.so reads 65535 program headers; libelf alone would read 0. */
	ehdr(&m)->e_phnum = 0xffff;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_LIMIT, "65535 program headers exceed the limit of 256");
	ehdr(&m)->e_phnum = SG_ELF_MAX_SEGMENTS + 1;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_LIMIT, "257 program headers exceed the limit");
	ehdr(&m)->e_phnum = 0;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "no program headers");
	free_img(&m);

	m = copy_img(&z, z.len);
	ehdr(&m)->e_shnum = 5000;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_LIMIT, "5000 sections exceed the limit of 4096");
	/* Extended numbering: the count is section 0's sh_size. */
	ehdr(&m)->e_shnum = 0;
	shdr(&m, 0)->sh_size = UINT64_C(1) << 40;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_LIMIT, "1099511627776 sections exceed the limit");
	shdr(&m, 0)->sh_size = 28;
	signet_error *none = NULL;
	sg_elf_layout l;
	SG_ASSERT_OK(layout(&m, &l, &none), &none);
	CU_ASSERT_EQUAL(l.shnum, 28);
	/* No sections at all (sstrip): the program headers alone are the file. */
	shdr(&m, 0)->sh_size = 0;
	SG_ASSERT_OK(layout(&m, &l, &none), &none);
	CU_ASSERT_EQUAL(l.shnum, 0);
	ehdr(&m)->e_shoff = 0;
	SG_ASSERT_OK(layout(&m, &l, &none), &none);
	CU_ASSERT_EQUAL(l.shnum, 0);
	SG_ASSERT_OK(sg_elf_check_loadable(&l, P, &none), &none);
	free_img(&m);
	free_img(&z);
}

static void test_entry_sizes(void)
{
	img z = libz();
	signet_error *err = NULL;
	img m = copy_img(&z, z.len);
	ehdr(&m)->e_phentsize = sizeof(Elf32_Phdr);
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "program header entry size 32 is not 56");
	ehdr(&m)->e_phentsize = sizeof(Elf64_Phdr);
	ehdr(&m)->e_shentsize = sizeof(Elf32_Shdr);
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "section header entry size 40 is not 64");
	ehdr(&m)->e_shentsize = sizeof(Elf64_Shdr);
	ehdr(&m)->e_ehsize = sizeof(Elf32_Ehdr);
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "ELF header size 52 is not 64");
	free_img(&m);
	free_img(&z);
}

static void test_class_byte_order_type(void)
{
	img z = libz();
	signet_error *err = NULL;
	img m = copy_img(&z, z.len);
	m.b[EI_CLASS] = ELFCLASS32;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_UNSUPPORTED, "only 64-bit ELF is supported");
	m.b[EI_CLASS] = 9;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "ELF class 9");
	m.b[EI_CLASS] = ELFCLASS64;
	m.b[EI_DATA] = ELFDATA2MSB;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_UNSUPPORTED, "only little-endian");
	m.b[EI_DATA] = ELFDATA2LSB;
	ehdr(&m)->e_type = ET_REL;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_UNSUPPORTED, "ET_REL (relocatable object)");
	free_img(&m);
	m = copy_img(&z, 63);
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "shorter than an ELF header");
	free_img(&m);
	m = copy_img(&z, 3);
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_NOT_ELF, "too short for the ELF magic");
	free_img(&m);
	free_img(&z);
}

/* ---- PT_LOAD ---- */

static void test_pt_load(void)
{
	img z = libz();
	signet_error *err = NULL;
	img m = copy_img(&z, z.len);
	find_phdr(&m, PT_LOAD, 1)->p_offset += 0x10;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "PT_LOAD segment 1 is misaligned");
	free_img(&m);

	m = copy_img(&z, z.len);
	find_phdr(&m, PT_LOAD, 1)->p_align = 0x1800; /* not a power of two */
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "is misaligned");
	free_img(&m);

	m = copy_img(&z, z.len);
	Elf64_Phdr *l0 = find_phdr(&m, PT_LOAD, 0), *l1 = find_phdr(&m, PT_LOAD, 1);
	l0->p_memsz = l1->p_vaddr - l0->p_vaddr + 0x10;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED,
		"PT_LOAD segment 1 at 0x3000 overlaps segment 0");
	free_img(&m);

	m = copy_img(&z, z.len);
	l0 = find_phdr(&m, PT_LOAD, 0);
	l1 = find_phdr(&m, PT_LOAD, 1);
	Elf64_Phdr tmp = *l0;
	*l0 = *l1;
	*l1 = tmp;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "not sorted by address");
	free_img(&m);

	m = copy_img(&z, z.len);
	Elf64_Phdr *l2 = find_phdr(&m, PT_LOAD, 2);
	l2->p_filesz = l2->p_memsz + 1;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "more file bytes");
	free_img(&m);

	m = copy_img(&z, z.len);
	last_load(&m)->p_filesz = z.len;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "extends past the end of the file");
	last_load(&m)->p_filesz = 0x100;
	last_load(&m)->p_offset = UINT64_MAX - 0x80; /* offset + size would wrap */
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "extends past the end of the file");
	free_img(&m);

	m = copy_img(&z, z.len);
	Elf64_Phdr *last = last_load(&m);
	last->p_memsz = UINT64_MAX - last->p_vaddr + 0x1000;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "wraps around the address space");
	last->p_memsz = UINT64_C(5) << 30;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_LIMIT, "over the limit of 4294967296");
	free_img(&m);

	m = copy_img(&z, z.len);
	for (unsigned i = 0; i < ehdr(&m)->e_phnum; i++)
		if (phdr(&m, i)->p_type == PT_LOAD)
			phdr(&m, i)->p_type = PT_NULL;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "no PT_LOAD segment");
	free_img(&m);
	free_img(&z);
}

static void test_unique_segments(void)
{
	img z = libz();
	signet_error *err = NULL;
	static const struct { uint32_t type; const char *reason; } cases[] = {
		{ PT_DYNAMIC, "more than one PT_DYNAMIC segment" },
		{ PT_INTERP, "more than one PT_INTERP segment" },
		{ PT_PHDR, "more than one PT_PHDR segment" },
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		img m = copy_img(&z, z.len);
		if (cases[k].type == PT_DYNAMIC) {
			*find_phdr(&m, PT_GNU_STACK, 0) = *find_phdr(&m, PT_DYNAMIC, 0);
		} else {
			find_phdr(&m, PT_GNU_STACK, 0)->p_type = cases[k].type;
			find_phdr(&m, PT_GNU_EH_FRAME, 0)->p_type = cases[k].type;
		}
		SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, cases[k].reason);
		free_img(&m);
	}
	/* One PT_INTERP is fine, and recorded. */
	img m = copy_img(&z, z.len);
	find_phdr(&m, PT_GNU_STACK, 0)->p_type = PT_INTERP;
	sg_elf_layout l;
	SG_ASSERT_OK(layout(&m, &l, &err), &err);
	CU_ASSERT(l.has_interp);
	free_img(&m);
	free_img(&z);
}

/* ---- notes ---- */

static void test_notes(void)
{
	img z = libz();
	signet_error *err = NULL;
	uint64_t note = find_phdr(&z, PT_NOTE, 0)->p_offset;
	uint32_t field;

	/* A name length that wraps any 32-bit position past the end. */
	img m = copy_img(&z, z.len);
	field = UINT32_MAX;
	memcpy(m.b + note, &field, 4);
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED,
		"has a name of 4294967295 bytes, past the end");
	/* 12 + 0xfffffff4 = 2^32: a 32-bit walker would land on the same note forever. */
	field = 0xfffffff4u;
	memcpy(m.b + note, &field, 4);
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "PT_NOTE segment 5: note 0 at offset "
		"0x238 has a name of 4294967284 bytes");
	free_img(&m);

	m = copy_img(&z, z.len);
	field = 0xfffffffcu; /* the descriptor */
	memcpy(m.b + note + 4, &field, 4);
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "has a descriptor of 4294967292 bytes");
	free_img(&m);

	/* Bytes too short for a header that are not padding. */
	m = copy_img(&z, z.len);
	find_phdr(&m, PT_NOTE, 0)->p_filesz += 8;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "are too short for a note header");
	free_img(&m);

	/* The section view is walked on its own. */
	m = copy_img(&z, z.len);
	find_shdr(&m, ".note.gnu.build-id")->sh_size += 8; /* 4 bytes of padding, 4 of .gnu.hash */
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "SHT_NOTE section 1");
	free_img(&m);

	/* 64 KiB of empty notes: refused at the cap, not walked to the end. */
	m = copy_img(&z, z.len + 65536);
	Elf64_Phdr *pn = find_phdr(&m, PT_NOTE, 0);
	pn->p_offset = z.len;
	pn->p_filesz = 65536;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_LIMIT, "more than 1024 notes");
	/* Zero padding shorter than a header is accepted. */
	pn->p_filesz = 12 * 4 + 8;
	sg_elf_layout l;
	SG_ASSERT_OK(layout(&m, &l, &err), &err);
	free_img(&m);
	free_img(&z);
}

/* ---- both views ---- */

static void test_views_agree(void)
{
	img z = libz();
	signet_error *err = NULL;
	img m = copy_img(&z, z.len);
	find_shdr(&m, ".text")->sh_addr = 0x40000000;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "(.text) is allocated at address 0x40000000, "
		"which no PT_LOAD segment maps");
	free_img(&m);

	m = copy_img(&z, z.len);
	find_shdr(&m, ".rodata")->sh_offset += 0x10;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "the two views disagree");
	free_img(&m);

	m = copy_img(&z, z.len);
	find_shdr(&m, ".rodata")->sh_size += 0x2000;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "runs past the file bytes of PT_LOAD segment");
	free_img(&m);

	/* A non-allocated section claiming to be allocated where it is not mapped. */
	m = copy_img(&z, z.len);
	find_shdr(&m, ".gnu_debuglink")->sh_flags |= SHF_ALLOC;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "(.gnu_debuglink) says file offset");
	free_img(&m);

	/* .dynamic must be PT_DYNAMIC: offset, address and size. */
	m = copy_img(&z, z.len);
	find_shdr(&m, ".dynamic")->sh_size -= 0x10;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "disagrees with PT_DYNAMIC");
	free_img(&m);
	m = copy_img(&z, z.len);
	Elf64_Shdr *sd = find_shdr(&m, ".dynamic");
	sd->sh_offset += 0x10;
	sd->sh_addr += 0x10;
	sd->sh_size -= 0x10;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "disagrees with PT_DYNAMIC");
	free_img(&m);
	m = copy_img(&z, z.len);
	find_phdr(&m, PT_DYNAMIC, 0)->p_type = PT_NULL;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "is SHT_DYNAMIC but there is no PT_DYNAMIC");
	free_img(&m);
	m = copy_img(&z, z.len);
	find_shdr(&m, ".got")->sh_type = SHT_DYNAMIC;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "more than one SHT_DYNAMIC section");
	free_img(&m);
	free_img(&z);
}

/* ---- PT_DYNAMIC ---- */

static void test_pt_dynamic(void)
{
	img z = libz();
	signet_error *err = NULL;
	img m = copy_img(&z, z.len);
	Elf64_Dyn *null;
	while ((null = find_dyn(&m, DT_NULL, 0)))
		null->d_tag = DT_DEBUG;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "has no DT_NULL");
	free_img(&m);

	m = copy_img(&z, z.len);
	Elf64_Phdr *pd = find_phdr(&m, PT_DYNAMIC, 0);
	pd->p_vaddr += 0x100000;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "is not inside any PT_LOAD segment");
	pd->p_vaddr -= 0x100000;
	pd->p_offset -= 0x10;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "PT_DYNAMIC says file offset");
	pd->p_offset += 0x10;
	pd->p_filesz = 8;
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "too few for even DT_NULL");
	free_img(&m);

	/* The cap on entries before DT_NULL, and exactly at it. */
	Elf64_Dyn *many = calloc(SG_ELF_MAX_DYNAMIC + 1, sizeof *many);
	CU_ASSERT_PTR_NOT_NULL_FATAL(many);
	for (size_t i = 0; i <= SG_ELF_MAX_DYNAMIC; i++)
		many[i].d_tag = DT_DEBUG;
	m = with_dynamic(&z, many, SG_ELF_MAX_DYNAMIC + 1, NULL, 0);
	SG_ASSERT_FAILS(layout_only(&m, &err), &err, SIGNET_E_LIMIT, "more than 1024 dynamic entries before DT_NULL");
	free_img(&m);
	m = with_dynamic(&z, many, SG_ELF_MAX_DYNAMIC, NULL, 0);
	sg_elf_layout l;
	SG_ASSERT_OK(layout(&m, &l, &err), &err);
	CU_ASSERT_EQUAL(l.dynamic_count, SG_ELF_MAX_DYNAMIC + 1);
	free_img(&m);
	free(many);
	free_img(&z);
}

/* ---- loadability ---- */

static void test_loadable(void)
{
	img z = libz();
	signet_error *err = NULL;
	SG_ASSERT_OK(loadable(&z, &err), &err);

	img m = copy_img(&z, z.len);
	unsigned other = SG_ELF_HOST_MACHINE == EM_X86_64 ? EM_AARCH64 : EM_X86_64;
	ehdr(&m)->e_machine = (uint16_t)other;
	char want[96];
	snprintf(want, sizeof want, "machine %s; this host runs %s", sg_elf_machine_name(other),
		sg_elf_machine_name(SG_ELF_HOST_MACHINE));
	sg_elf_layout l;
	SG_ASSERT_OK(layout(&m, &l, &err), &err);
	CU_ASSERT_EQUAL(sg_elf_check_loadable(&l, P, &err), SIGNET_E_ELF_UNSUPPORTED);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "elf.machine");
	CU_ASSERT_STRING_EQUAL(signet_error_expected(err), sg_elf_machine_name(SG_ELF_HOST_MACHINE));
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), sg_elf_machine_name(other));
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(err), want));
	signet_error_free(err);
	err = NULL;
	ehdr(&m)->e_machine = 0x1234;
	SG_ASSERT_FAILS(loadable(&m, &err), &err, SIGNET_E_ELF_UNSUPPORTED, "machine 4660 (unknown); this host runs");
	free_img(&m);

	/* The class never reaches the loadability check: the reader refuses it. */
	m = copy_img(&z, z.len);
	m.b[EI_CLASS] = ELFCLASS32;
	SG_ASSERT_FAILS(loadable(&m, &err), &err, SIGNET_E_ELF_UNSUPPORTED, "ELF class 1: only 64-bit");
	free_img(&m);

	m = copy_img(&z, z.len);
	ehdr(&m)->e_type = ET_EXEC;
	SG_ASSERT_FAILS(loadable(&m, &err), &err, SIGNET_E_ELF_UNSUPPORTED,
		"an executable (ET_EXEC), not a shared object");
	free_img(&m);

	/* What glibc's dlopen() refuses: PIE and DF_1_NOOPEN. */
	Elf64_Dyn d[] = { { .d_tag = DT_FLAGS_1, .d_un.d_val = DF_1_PIE | DF_1_NOW } };
	m = with_dynamic(&z, d, 1, NULL, 0);
	SG_ASSERT_FAILS(loadable(&m, &err), &err, SIGNET_E_ELF_UNSUPPORTED, "a position-independent executable");
	free_img(&m);
	d[0].d_un.d_val = DF_1_NOOPEN;
	m = with_dynamic(&z, d, 1, NULL, 0);
	SG_ASSERT_FAILS(loadable(&m, &err), &err, SIGNET_E_ELF_UNSUPPORTED, "DF_1_NOOPEN");
	free_img(&m);

	/* Segments ld.so cannot place at this page size. */
	SG_ASSERT_OK(layout(&z, &l, &err), &err);
	l.load_congruence = 0x10;
	SG_ASSERT_FAILS(sg_elf_check_loadable(&l, P, &err), &err, SIGNET_E_ELF_UNSUPPORTED,
		"differ by a multiple of 16 bytes");
	l.load_congruence = 0;
	SG_ASSERT_OK(sg_elf_check_loadable(&l, P, &err), &err);
	free_img(&z);
}

/* ---- the dynamic reader ---- */

static void test_dynamic_real_libraries(void)
{
	signet_error *err = NULL;
	sg_elf_dynamic d = { 0 };
	img m = load_img(sqlite_paths);
	SG_ASSERT_OK(dynamic(&m, &d, &err), &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d.soname);
	CU_ASSERT_STRING_EQUAL(d.soname, "libsqlite3.so.0");
	CU_ASSERT(has(d.needed, d.n_needed, "libm.so.6"));
	CU_ASSERT(has(d.needed, d.n_needed, "libc.so.6"));
	CU_ASSERT_FALSE(d.has_runpath || d.has_rpath || d.textrel);
	sg_elf_dynamic_clear(&d);
	CU_ASSERT_PTR_NULL(d.needed);
	free_img(&m);

	m = load_img(stdcxx_paths);
	SG_ASSERT_OK(dynamic(&m, &d, &err), &err);
	CU_ASSERT_STRING_EQUAL(d.soname, "libstdc++.so.6");
	CU_ASSERT(has(d.needed, d.n_needed, "libm.so.6"));
	CU_ASSERT(has(d.needed, d.n_needed, "libc.so.6"));
	CU_ASSERT(has(d.needed, d.n_needed, "ld-linux-x86-64.so.2") || has(d.needed, d.n_needed, "ld-linux-aarch64.so.1"));
	CU_ASSERT(has(d.needed, d.n_needed, "libgcc_s.so.1"));
	sg_elf_dynamic_clear(&d);
	free_img(&m);

	/* DT_NEEDED in the file's order. */
	m = libz();
	SG_ASSERT_OK(dynamic(&m, &d, &err), &err);
	CU_ASSERT_STRING_EQUAL(d.soname, "libz.so.1");
	CU_ASSERT_EQUAL_FATAL(d.n_needed, 1);
	CU_ASSERT_STRING_EQUAL(d.needed[0], "libc.so.6");
	sg_elf_dynamic_clear(&d);
	sg_elf_dynamic_clear(NULL);
	free_img(&m);
}

/* Builds `name` in a sandbox from a one-line library with extra link flags. */
static bool build_library(char *out, size_t size, const char *flags)
{
	const char *dir = sg_sandbox();
	char src[PATH_MAX];
	snprintf(src, sizeof src, "%s/lib.c", dir);
	FILE *f = fopen(src, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("int signet_elf_test(void) { return 42; }\n", f);
	fclose(f);
	snprintf(out, size, "%s/libbuilt.so", dir);
	const char *cc = getenv("CC");
	char cmd[3 * PATH_MAX];
	/* $CC may be several words ("ccache gcc"): not quoted. */
	snprintf(cmd, sizeof cmd, "%s -shared -fPIC %s -o '%s' '%s'", cc && *cc ? cc : "cc", flags, out, src);
	if (system(cmd) != 0) {
		fprintf(stderr, "  failed: %s\n", cmd);
		return false;
	}
	return true;
}

static void test_dynamic_runpath_of_a_built_library(void)
{
	char path[PATH_MAX];
	CU_ASSERT_FATAL(build_library(path, sizeof path, "-Wl,--enable-new-dtags -Wl,-soname,libbuilt.so.1 "
		"-Wl,-z,now -Wl,-rpath,'$ORIGIN/../lib::/opt/x' -Wl,--no-as-needed -lm"));
	img m = { 0 };
	m.b = sg_read_file(path, &m.len);
	signet_error *err = NULL;
	sg_elf_dynamic d = { 0 };
	SG_ASSERT_OK(dynamic(&m, &d, &err), &err);
	CU_ASSERT_STRING_EQUAL(d.soname, "libbuilt.so.1");
	CU_ASSERT(d.has_runpath);
	CU_ASSERT_FALSE(d.has_rpath);
	CU_ASSERT_EQUAL_FATAL(d.n_runpath, 3);
	CU_ASSERT_STRING_EQUAL(d.runpath[0], "$ORIGIN/../lib");
	CU_ASSERT_STRING_EQUAL(d.runpath[1], "");
	CU_ASSERT_STRING_EQUAL(d.runpath[2], "/opt/x");
	CU_ASSERT(d.flags & DF_BIND_NOW);
	CU_ASSERT(d.flags_1 & DF_1_NOW);
	CU_ASSERT(has(d.needed, d.n_needed, "libm.so.6"));
	SG_ASSERT_OK(loadable(&m, &err), &err);
	sg_elf_dynamic_clear(&d);
	free_img(&m);

	/* The old tag: DT_RPATH, same components. */
	CU_ASSERT_FATAL(build_library(path, sizeof path, "-Wl,--disable-new-dtags -Wl,-rpath,'$ORIGIN/../lib::/opt/x'"));
	m.b = sg_read_file(path, &m.len);
	SG_ASSERT_OK(dynamic(&m, &d, &err), &err);
	CU_ASSERT_PTR_NULL(d.soname);
	CU_ASSERT(d.has_rpath);
	CU_ASSERT_FALSE(d.has_runpath);
	CU_ASSERT_EQUAL_FATAL(d.n_rpath, 3);
	CU_ASSERT_STRING_EQUAL(d.rpath[0], "$ORIGIN/../lib");
	CU_ASSERT_STRING_EQUAL(d.rpath[1], "");
	CU_ASSERT_STRING_EQUAL(d.rpath[2], "/opt/x");
	sg_elf_dynamic_clear(&d);
	free_img(&m);
}

static void test_dynamic_strings_refused(void)
{
	img z = libz();
	signet_error *err = NULL;
	img m = copy_img(&z, z.len);
	dyn(&m, DT_STRTAB)->d_un.d_ptr = 0x7fff0000;
	SG_ASSERT_FAILS(dynamic_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED,
		"DT_STRTAB (dynamic entry");
	dyn(&m, DT_STRTAB)->d_un.d_ptr = last_load(&m)->p_vaddr + last_load(&m)->p_memsz - 1; /* in .bss */
	SG_ASSERT_FAILS(dynamic_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "is not in the file bytes of any PT_LOAD");
	free_img(&m);

	m = copy_img(&z, z.len);
	uint64_t strsz = dyn(&m, DT_STRSZ)->d_un.d_val;
	dyn(&m, DT_NEEDED)->d_un.d_val = strsz + 5;
	char want[96];
	snprintf(want, sizeof want, "DT_NEEDED (dynamic entry 0): string offset 0x%llx is past DT_STRSZ",
		(unsigned long long)strsz + 5);
	SG_ASSERT_FAILS(dynamic_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, want);
	free_img(&m);

	m = copy_img(&z, z.len);
	dyn(&m, DT_STRSZ)->d_un.d_val = dyn(&m, DT_NEEDED)->d_un.d_val + 3; /* cuts "libc.so.6" */
	SG_ASSERT_FAILS(dynamic_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "is not NUL-terminated inside DT_STRSZ");
	dyn(&m, DT_STRSZ)->d_un.d_val = UINT64_MAX;
	SG_ASSERT_FAILS(dynamic_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "runs past the file bytes of PT_LOAD");
	free_img(&m);

	m = copy_img(&z, z.len);
	dyn(&m, DT_STRSZ)->d_tag = DT_DEBUG;
	SG_ASSERT_FAILS(dynamic_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "names strings but has no DT_STRSZ");
	free_img(&m);

	/* Two sonames: ld.so would keep one, a tool show the other. */
	m = copy_img(&z, z.len);
	dyn(&m, DT_GNU_HASH)->d_tag = DT_SONAME;
	SG_ASSERT_FAILS(dynamic_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "DT_SONAME appears twice");
	free_img(&m);

	/* A string table that ends without a NUL. */
	static const char strs[] = { 'l', 'i', 'b', 'x' };
	Elf64_Dyn dn[] = { { .d_tag = DT_NEEDED, .d_un.d_val = 0 } };
	m = with_strings(&z, dn, 1, strs, sizeof strs);
	SG_ASSERT_FAILS(dynamic_only(&m, &err), &err, SIGNET_E_ELF_MALFORMED, "is not NUL-terminated");
	free_img(&m);

	/* The layout must be of these bytes. */
	sg_elf_layout l;
	SG_ASSERT_OK(layout(&z, &l, &err), &err);
	sg_elf_dynamic d = { 0 };
	SG_ASSERT_FAILS(sg_elf_dynamic_read(&d, z.b, z.len - 1, &l, P, &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"not read from these");
	free_img(&z);
}

static void test_dynamic_limits(void)
{
	img z = libz();
	signet_error *err = NULL;
	sg_elf_dynamic d = { 0 };

	/* 256 dependencies pass, 257 do not. */
	static const char lib[] = "libdep.so";
	Elf64_Dyn *dn = calloc(SG_ELF_MAX_NEEDED + 1, sizeof *dn);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dn);
	for (size_t i = 0; i <= SG_ELF_MAX_NEEDED; i++)
		dn[i] = (Elf64_Dyn){ .d_tag = DT_NEEDED, .d_un.d_val = 0 };
	img m = with_strings(&z, dn, SG_ELF_MAX_NEEDED, lib, sizeof lib);
	SG_ASSERT_OK(dynamic(&m, &d, &err), &err);
	CU_ASSERT_EQUAL(d.n_needed, SG_ELF_MAX_NEEDED);
	CU_ASSERT_STRING_EQUAL(d.needed[SG_ELF_MAX_NEEDED - 1], "libdep.so");
	sg_elf_dynamic_clear(&d);
	free_img(&m);
	m = with_strings(&z, dn, SG_ELF_MAX_NEEDED + 1, lib, sizeof lib);
	SG_ASSERT_FAILS(dynamic_only(&m, &err), &err, SIGNET_E_LIMIT, "DT_NEEDED (dynamic entry 256): more than 256");
	free_img(&m);
	free(dn);

	/* A 4096-byte soname passes, 4097 bytes do not. */
	char *s = malloc(SG_ELF_MAX_STRING + 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	memset(s, 'a', SG_ELF_MAX_STRING + 1);
	s[SG_ELF_MAX_STRING] = '\0';
	Elf64_Dyn so[] = { { .d_tag = DT_SONAME, .d_un.d_val = 0 } };
	m = with_strings(&z, so, 1, s, SG_ELF_MAX_STRING + 1);
	SG_ASSERT_OK(dynamic(&m, &d, &err), &err);
	CU_ASSERT_EQUAL(strlen(d.soname), SG_ELF_MAX_STRING);
	sg_elf_dynamic_clear(&d);
	free_img(&m);
	s[SG_ELF_MAX_STRING] = 'a';
	s[SG_ELF_MAX_STRING + 1] = '\0';
	m = with_strings(&z, so, 1, s, SG_ELF_MAX_STRING + 2);
	SG_ASSERT_FAILS(dynamic_only(&m, &err), &err, SIGNET_E_LIMIT, "DT_SONAME (dynamic entry 0): the string at offset 0x0 "
		"is longer than 4096 bytes");
	free_img(&m);
	free(s);

	/* 64 components pass, 65 do not; empty ones are kept. */
	char path[3 * 70];
	size_t n = 0;
	for (int i = 0; i < 64; i++)
		n += (size_t)snprintf(path + n, sizeof path - n, i ? ":%c" : "%c", i % 2 ? 'a' : 'b');
	Elf64_Dyn rp[] = { { .d_tag = DT_RUNPATH, .d_un.d_val = 0 }, { .d_tag = DT_RPATH, .d_un.d_val = 0 } };
	m = with_strings(&z, rp, 2, path, n + 1);
	SG_ASSERT_OK(dynamic(&m, &d, &err), &err);
	CU_ASSERT_EQUAL(d.n_runpath, 64);
	CU_ASSERT_EQUAL(d.n_rpath, 64);
	CU_ASSERT(d.has_runpath && d.has_rpath);
	CU_ASSERT_STRING_EQUAL(d.runpath[63], "a");
	sg_elf_dynamic_clear(&d);
	free_img(&m);
	snprintf(path + n, sizeof path - n, ":");
	m = with_strings(&z, rp, 1, path, n + 2);
	SG_ASSERT_FAILS(dynamic_only(&m, &err), &err, SIGNET_E_LIMIT, "DT_RUNPATH (dynamic entry 0) has 65 components");
	free_img(&m);

	/* Empty paths and components, as written. */
	static const char empties[] = "\0:\0";
	Elf64_Dyn e2[] = { { .d_tag = DT_RUNPATH, .d_un.d_val = 0 }, { .d_tag = DT_RPATH, .d_un.d_val = 1 } };
	m = with_strings(&z, e2, 2, empties, sizeof empties);
	SG_ASSERT_OK(dynamic(&m, &d, &err), &err);
	CU_ASSERT_EQUAL_FATAL(d.n_runpath, 1);
	CU_ASSERT_STRING_EQUAL(d.runpath[0], "");
	CU_ASSERT_EQUAL_FATAL(d.n_rpath, 2);
	CU_ASSERT_STRING_EQUAL(d.rpath[0], "");
	CU_ASSERT_STRING_EQUAL(d.rpath[1], "");
	sg_elf_dynamic_clear(&d);
	free_img(&m);
	free_img(&z);
}

static void test_dynamic_flags_and_absence(void)
{
	img z = libz();
	signet_error *err = NULL;
	sg_elf_dynamic d = { 0 };
	Elf64_Dyn t[] = { { .d_tag = DT_TEXTREL } };
	img m = with_dynamic(&z, t, 1, NULL, 0);
	SG_ASSERT_OK(dynamic(&m, &d, &err), &err);
	CU_ASSERT(d.textrel);
	CU_ASSERT_EQUAL(d.n_needed, 0);
	CU_ASSERT_PTR_NULL(d.soname);
	sg_elf_dynamic_clear(&d);
	free_img(&m);
	Elf64_Dyn f[] = { { .d_tag = DT_FLAGS, .d_un.d_val = DF_TEXTREL | DF_SYMBOLIC },
		{ .d_tag = DT_FLAGS_1, .d_un.d_val = DF_1_NODELETE } };
	m = with_dynamic(&z, f, 2, NULL, 0);
	SG_ASSERT_OK(dynamic(&m, &d, &err), &err);
	CU_ASSERT(d.textrel);
	CU_ASSERT_EQUAL(d.flags, DF_TEXTREL | DF_SYMBOLIC);
	CU_ASSERT_EQUAL(d.flags_1, DF_1_NODELETE);
	sg_elf_dynamic_clear(&d);
	free_img(&m);

	/* No PT_DYNAMIC (and no .dynamic): an all-empty result. */
	m = copy_img(&z, z.len);
	find_phdr(&m, PT_DYNAMIC, 0)->p_type = PT_NULL;
	find_shdr(&m, ".dynamic")->sh_type = SHT_PROGBITS;
	sg_elf_layout l;
	SG_ASSERT_OK(layout(&m, &l, &err), &err);
	CU_ASSERT_FALSE(l.has_dynamic);
	memset(&d, 0xa5, sizeof d);
	SG_ASSERT_OK(sg_elf_dynamic_read(&d, m.b, m.len, &l, P, &err), &err);
	CU_ASSERT(d.soname == NULL && d.needed == NULL && d.n_needed == 0 && d.runpath == NULL && d.n_runpath == 0 &&
		d.rpath == NULL && d.n_rpath == 0 && !d.has_runpath && !d.has_rpath && d.flags == 0 && d.flags_1 == 0 &&
		!d.textrel);
	free_img(&m);

	/* Outputs are set only on success. */
	m = copy_img(&z, z.len);
	dyn(&m, DT_STRTAB)->d_un.d_ptr = 0x7fff0000;
	sg_elf_dynamic keep = { .n_needed = 77 };
	SG_ASSERT_FAILS(dynamic(&m, &keep, &err), &err, SIGNET_E_ELF_MALFORMED, "DT_STRTAB");
	CU_ASSERT_EQUAL(keep.n_needed, 77);
	free_img(&m);
	free_img(&z);
}

/* ---- the foreign corpus ---- */

static void test_foreign_corpus(void)
{
	const char *corpus = getenv("SIGNET_CORPUS");
	CU_ASSERT_PTR_NOT_NULL_FATAL(corpus);
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/elf-foreign", corpus);
	struct dirent **names = NULL;
	int n_names = scandir(dir, &names, NULL, alphasort); /* sorted: a stable report */
	CU_ASSERT_FATAL(n_names > 0);
	size_t files = 0, valid = 0, loadable_ok = 0;
	printf("\n");
	for (int i = 0; i < n_names; i++) {
		const struct dirent *de = names[i];
		if (de->d_name[0] == '.')
			continue;
		char p[PATH_MAX + 256];
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		size_t len;
		uint8_t *b = sg_read_file(p, &len); /* exactly the file's size */
		files++;
		signet_error *err = NULL;
		sg_elf_layout l;
		int rc = sg_elf_layout_read(&l, b, len, p, &err);
		const char *stage = "layout";
		if (!rc) {
			valid++;
			sg_elf_dynamic d = { 0 };
			stage = "dynamic";
			rc = sg_elf_dynamic_read(&d, b, len, &l, p, &err);
			CU_ASSERT(rc == 0 || rc == SIGNET_E_ELF_MALFORMED || rc == SIGNET_E_LIMIT);
			sg_elf_dynamic_clear(&d);
			if (!rc) {
				stage = "loadable";
				rc = sg_elf_check_loadable(&l, p, &err);
				CU_ASSERT(rc == 0 || rc == SIGNET_E_ELF_UNSUPPORTED);
				loadable_ok += rc == 0;
			}
		} else {
			CU_ASSERT(rc == SIGNET_E_NOT_ELF || rc == SIGNET_E_ELF_MALFORMED || rc == SIGNET_E_ELF_UNSUPPORTED ||
				rc == SIGNET_E_LIMIT);
		}
		if (rc) {
			CU_ASSERT_PTR_NOT_NULL_FATAL(err);
			CU_ASSERT_EQUAL(strncmp(signet_error_message(err), p, strlen(p)), 0);
			CU_ASSERT_STRING_EQUAL(signet_error_path(err), p);
			printf("  %-45s %-8s %-24s %s\n", de->d_name, stage, signet_code_name(rc), signet_error_check(err));
		} else {
			printf("  %-45s valid and loadable (unsigned)\n", de->d_name);
		}
		signet_error_free(err);
		free(b);
	}
	for (int i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	printf("  %zu files, %zu valid ELF structure, %zu of those loadable here\n", files, valid, loadable_ok);
	CU_ASSERT_EQUAL(files, 60);
}

static void test_foreign_core_relocatable_and_machines(void)
{
	const char *corpus = getenv("SIGNET_CORPUS");
	CU_ASSERT_PTR_NOT_NULL_FATAL(corpus);
	static const struct { const char *name; int code; const char *reason; bool layout_ok; } cases[] = {
		{ "core_linux64.elf", SIGNET_E_ELF_UNSUPPORTED, "ET_CORE (core file), not a shared object", false },
		{ "compressed_64.o", SIGNET_E_ELF_UNSUPPORTED, "ET_REL (relocatable object), not a shared object", false },
		{ "core_linux32.elf", SIGNET_E_ELF_UNSUPPORTED, "only 64-bit ELF is supported", false },
		{ "aarch64_be_gnu_hash.so.elf", SIGNET_E_ELF_UNSUPPORTED, "only little-endian", false },
		{ "simple_gcc.elf.riscv", SIGNET_E_ELF_UNSUPPORTED, "machine RISC-V; this host runs", true },
		{ "sample_exe64.elf", SIGNET_E_ELF_UNSUPPORTED, "an executable (ET_EXEC), not a shared object", true },
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		char p[PATH_MAX];
		snprintf(p, sizeof p, "%s/elf-foreign/%s", corpus, cases[k].name);
		img m = { 0 };
		m.b = sg_read_file(p, &m.len);
		signet_error *err = NULL;
		sg_elf_layout l;
		int rc = sg_elf_layout_read(&l, m.b, m.len, p, &err);
		if (cases[k].layout_ok) {
			SG_ASSERT_OK(rc, &err);
			rc = sg_elf_check_loadable(&l, p, &err);
		}
		SG_ASSERT_FAILS(rc, &err, cases[k].code, cases[k].reason);
		free_img(&m);
	}
}

int main(void)
{
	static const sg_test good[] = {
		{ "libz, libsqlite3, libstdc++ validate and are loadable", test_real_libraries_validate },
		{ "libz: dynamic, PT_LOAD span and build-id recorded", test_libz_layout_details },
		{ "/bin/true validates but is no shared object; libc.so.6 is", test_executable_and_libc },
		{ "every system shared object validates, reads and is loadable", test_every_system_library },
		{ NULL, NULL },
	};
	static const sg_test structure[] = {
		{ "every truncation of libz is refused", test_truncations_refused },
		{ "header offsets past the end, and wrapping", test_header_offsets_past_the_end },
		{ "program and section counts: zero, huge, extended", test_header_counts },
		{ "entry sizes that are not the struct size", test_entry_sizes },
		{ "class, byte order, object type, short files", test_class_byte_order_type },
		{ "PT_LOAD misaligned, overlapping, unsorted, oversized, past EOF, wrapping, absent", test_pt_load },
		{ "at most one PT_DYNAMIC, PT_INTERP, PT_PHDR", test_unique_segments },
		{ "notes that wrap, never advance, trail, or are too many", test_notes },
		{ "sections and segments agree; .dynamic is PT_DYNAMIC", test_views_agree },
		{ "PT_DYNAMIC mapped, terminated by DT_NULL, capped", test_pt_dynamic },
		{ NULL, NULL },
	};
	static const sg_test load[] = {
		{ "machine, class, ET_EXEC, PIE, NOOPEN, page size", test_loadable },
		{ NULL, NULL },
	};
	static const sg_test dyn[] = {
		{ "soname and DT_NEEDED of libsqlite3, libstdc++, libz", test_dynamic_real_libraries },
		{ "RUNPATH and RPATH of a library built here", test_dynamic_runpath_of_a_built_library },
		{ "DT_STRTAB outside PT_LOAD, offsets past DT_STRSZ, unterminated, duplicates", test_dynamic_strings_refused },
		{ "256 DT_NEEDED, 4096-byte strings, 64 components, empty components", test_dynamic_limits },
		{ "TEXTREL, flags, no PT_DYNAMIC, output untouched on failure", test_dynamic_flags_and_absence },
		{ NULL, NULL },
	};
	static const sg_test foreign[] = {
		{ "all 60 foreign files: no crash, an ELF code naming the file", test_foreign_corpus },
		{ "a core file, a relocatable object, other machines, an executable",
			test_foreign_core_relocatable_and_machines },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = {
		{ "real files", good },
		{ "ELF structure", structure },
		{ "loadability", load },
		{ "dynamic section", dyn },
		{ "foreign corpus", foreign },
		{ NULL, NULL },
	};
	return sg_test_main(suites);
}
