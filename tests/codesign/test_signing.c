/* SPDX-License-Identifier: MIT */
/*
 * test_signing.c - signing and verifying real files end to end: copies of
 * Debian libraries and an executable, page sizes, re-signing, determinism,
 * a tamper sweep over every region of a signed file, truncation, appended
 * and moved blobs, a second blob, strip, entitlements, untrusted signers,
 * and the foreign ELF corpus.
 *
 * Keys and certificates are made here, at run time, with signing/pki.c.
 */
#include "config.h"

#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codesign/blob.h"
#include "codesign/identity_internal.h"
#include "core/sha256.h"
#include "elf/elf_image.h"
#include "harness.h"
#include "test_pki.h"
#include "pki.h"
#include "sign_elf.h"

/* ---- credentials, made once ---- */

typedef sg_test_cred cred;

static cred root, team_a, team_b, team_rsa, rogue_root, rogue_leaf;
static signet_trust *trust;
static char dir[PATH_MAX - 512]; /* room for file names after it */


static void setup(void)
{
	if (trust)
		return;
	snprintf(dir, sizeof dir, "%s", sg_sandbox());
	sg_test_cred_make(&root, "Signet Test Root", NULL, true, NULL);
	sg_test_cred_make(&team_a, "Team A", "ABCDE12345", false, &root);
	sg_test_cred_make(&team_b, "Team B", "ZZZZZ99999", false, &root);
	sg_test_cred_make_rsa(&team_rsa, "Team RSA", "ABCDE12345", &root);
	sg_test_cred_make(&rogue_root, "Rogue Root", NULL, true, NULL);
	sg_test_cred_make(&rogue_leaf, "Rogue", "ABCDE12345", false, &rogue_root);
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/root.pem", dir);
	signet_error *err = NULL;
	if (sg_pki_write_cert(path, root.cert, false, &err) != 0 || signet_trust_load(&trust, path, &err) != 0) {
		fprintf(stderr, "setup: %s\n", signet_error_message(err));
		exit(99);
	}
}

/* ---- files ---- */


/* Copies `src` into the sandbox as `name`; returns the new path. */
static const char *copy_in(const char *src, const char *name)
{
	static char out[4][PATH_MAX + 64];
	static unsigned next;
	char *p = out[next++ % 4];
	snprintf(p, PATH_MAX + 64, "%s/%s", dir, name);
	size_t len;
	uint8_t *b = sg_read_file(src, &len);
	struct stat st;
	stat(src, &st);
	sg_write_file(p, b, len, st.st_mode & 0777);
	free(b);
	return p;
}

/* The first path that exists among the candidates. */
static const char *find_lib(const char *const *candidates)
{
	for (; *candidates; candidates++)
		if (access(*candidates, R_OK) == 0)
			return *candidates;
	return NULL;
}

static int sign(const char *path, const cred *c, const char *identifier, unsigned shift, signet_error **err)
{
	sg_sign_params sp = { .identifier = identifier, .page_shift = shift, .key = c->key, .cert = c->cert };
	return sg_sign_elf_file(path, &sp, err);
}

static int verify_bytes(const uint8_t *b, size_t n, signet_error **err)
{
	signet_identity *id = NULL;
	int rc = signet_verify_bytes(&id, b, n, "mem.so", trust, NULL, err);
	signet_identity_free(id);
	return rc;
}

/* ---- tests ---- */

static void check_pt_load_unchanged(const uint8_t *orig, size_t orig_len, const uint8_t *signd, size_t signd_len)
{
	/* Every byte any segment maps is exactly as the linker wrote it. */
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)orig;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(orig + eh->e_phoff);
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_filesz == 0)
			continue;
		CU_ASSERT_FATAL(ph[i].p_offset + ph[i].p_filesz <= orig_len && ph[i].p_offset + ph[i].p_filesz <= signd_len);
		/* The ELF header's section fields may change; nothing else. */
		uint64_t from = ph[i].p_offset < sizeof(Elf64_Ehdr) ? sizeof(Elf64_Ehdr) : ph[i].p_offset;
		CU_ASSERT_EQUAL(memcmp(orig + from, signd + from, ph[i].p_offset + ph[i].p_filesz - from), 0);
	}
	CU_ASSERT_EQUAL(memcmp(orig, signd, offsetof(Elf64_Ehdr, e_shoff)), 0);
}

static void sign_and_verify_library(const char *src, const char *name, const char *symbol)
{
	setup();
	if (!src) {
		CU_FAIL("library not installed (scripts/install-deps.sh installs it)");
		return;
	}
	const char *path = copy_in(src, name);
	size_t orig_len;
	uint8_t *orig = sg_read_file(src, &orig_len);
	signet_error *err = NULL;
	SG_ASSERT_OK(sign(path, &team_a, "org.debian.copy", 12, &err), &err);

	signet_identity *id = NULL;
	SG_ASSERT_OK(signet_verify_file(&id, path, trust, NULL, &err), &err);
	CU_ASSERT_STRING_EQUAL(signet_identity_identifier(id), "org.debian.copy");
	CU_ASSERT_STRING_EQUAL(signet_identity_team(id), "ABCDE12345");
	CU_ASSERT_STRING_EQUAL(signet_identity_path(id), path);
	CU_ASSERT_EQUAL(strlen(signet_identity_cdhash_hex(id)), 64);
	CU_ASSERT_EQUAL(signet_identity_page_size(id), 4096);
	CU_ASSERT_EQUAL(signet_identity_page_count(id), (signet_identity_code_limit(id) + 4095) / 4096);
	CU_ASSERT(signet_identity_code_limit(id) > orig_len - 4096);
	CU_ASSERT_PTR_NOT_NULL(strstr(signet_identity_leaf_subject(id), "Team A"));
	signet_identity_free(id);

	size_t len;
	uint8_t *signd = sg_read_file(path, &len);
	check_pt_load_unchanged(orig, orig_len, signd, len);
	free(signd);
	free(orig);

	/* Still a working library: ld.so maps it and a function answers. */
	if (symbol) {
		void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(h);
		CU_ASSERT_PTR_NOT_NULL(dlsym(h, symbol));
		dlclose(h);
	}
}

static void test_libz(void)
{
	static const char *const c[] = { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", NULL };
	sign_and_verify_library(find_lib(c), "libz.so.1", "zlibVersion");
}

static void test_libsqlite3(void)
{
	static const char *const c[] = { "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0", NULL };
	sign_and_verify_library(find_lib(c), "libsqlite3.so.0", "sqlite3_libversion");
}

static void test_libstdcxx(void)
{
	static const char *const c[] = { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", NULL };
	sign_and_verify_library(find_lib(c), "libstdc++.so.6", NULL);
}

static void test_library_of_20_mb(void)
{
	static const char *const c[] = { "/usr/lib/x86_64-linux-gnu/libicudata.so.72", NULL };
	const char *src = find_lib(c);
	struct stat st;
	CU_ASSERT_FATAL(src && stat(src, &st) == 0);
	CU_ASSERT(st.st_size >= 20 * 1024 * 1024);
	sign_and_verify_library(src, "libicudata.so.72", NULL);
}

static void test_executable_still_runs(void)
{
	setup();
	const char *path = copy_in("/bin/true", "true");
	signet_error *err = NULL;
	SG_ASSERT_OK(sign(path, &team_a, "org.debian.true", 12, &err), &err);
	signet_identity *id = NULL;
	SG_ASSERT_OK(signet_verify_file(&id, path, trust, NULL, &err), &err);
	signet_identity_free(id);
	pid_t pid = fork();
	if (pid == 0) {
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	int status;
	waitpid(pid, &status, 0);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct stat st;
	CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0111)); /* mode kept */
}

static void test_page_sizes_resigning_and_determinism(void)
{
	setup();
	static const char *const c[] = { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", NULL };
	const char *path = copy_in(find_lib(c), "libz-pages.so");
	signet_error *err = NULL;
	signet_identity *id = NULL;
	unsigned shifts[] = { 14, 16, 12 };
	for (int i = 0; i < 3; i++) {
		SG_ASSERT_OK(sign(path, &team_a, "org.example.pages", shifts[i], &err), &err);
		SG_ASSERT_OK(signet_verify_file(&id, path, trust, NULL, &err), &err);
		CU_ASSERT_EQUAL(signet_identity_page_size(id), 1u << shifts[i]);
		signet_identity_free(id);
	}
	/* Same input, same key: the same CodeDirectory (the CMS may differ). */
	SG_ASSERT_OK(signet_verify_file(&id, path, trust, NULL, &err), &err);
	char first[65];
	snprintf(first, sizeof first, "%s", signet_identity_cdhash_hex(id));
	signet_identity_free(id);
	SG_ASSERT_OK(sign(path, &team_a, "org.example.pages", 12, &err), &err);
	SG_ASSERT_OK(signet_verify_file(&id, path, trust, NULL, &err), &err);
	CU_ASSERT_STRING_EQUAL(signet_identity_cdhash_hex(id), first);
	signet_identity_free(id);

	/* Re-signing by another team replaces the signature: one blob, team B. */
	size_t before_len;
	uint8_t *before = sg_read_file(path, &before_len);
	SG_ASSERT_OK(sign(path, &team_b, "org.example.pages", 12, &err), &err);
	SG_ASSERT_OK(signet_verify_file(&id, path, trust, NULL, &err), &err);
	CU_ASSERT_STRING_EQUAL(signet_identity_team(id), "ZZZZZ99999");
	signet_identity_free(id);
	size_t after_len;
	uint8_t *after = sg_read_file(path, &after_len);
	sg_elf_layout l;
	SG_ASSERT_OK(sg_elf_layout_read(&l, after, after_len, path, &err), &err);
	sg_elf_layout lb;
	SG_ASSERT_OK(sg_elf_layout_read(&lb, before, before_len, path, &err), &err);
	CU_ASSERT_EQUAL(l.signature_offset, lb.signature_offset); /* replaced in place */
	CU_ASSERT_EQUAL(l.shnum, lb.shnum);
	free(before);
	free(after);
}

/* The cdhash of signed bytes: SHA-256 of the CodeDirectory the blob holds. */
static void cdhash_of(char out[65], const uint8_t *b, size_t n)
{
	signet_error *err = NULL;
	sg_elf_layout l;
	sg_blob blob;
	uint8_t md[32];
	SG_ASSERT_OK(sg_elf_layout_read(&l, b, n, "mem.so", &err), &err);
	SG_ASSERT_OK(sg_blob_parse(&blob, b, l.signature_offset, n - l.signature_offset, "mem.so", &err), &err);
	CU_ASSERT_EQUAL_FATAL(sg_sha256(md, blob.cd.bytes, blob.cd.length), 0);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/*
 * Signs /bin/true `n` times with `c` (entitlements of `ent_len` bytes), and
 * re-signs the last result; returns how many of those gave another cdhash
 * than the first. Each result verifies, the first and last in full.
 */
static size_t cdhashes_differing(const cred *c, size_t ent_len, int n)
{
	size_t len;
	uint8_t *in = sg_read_file("/bin/true", &len);
	char ent[16];
	snprintf(ent, sizeof ent, "{%*s}", (int)ent_len - 2, ""); /* "{}", "{ }", ... */
	sg_sign_params sp = { .identifier = "org.example.determinism", .page_shift = 12, .key = c->key,
		.cert = c->cert, .entitlements = (const uint8_t *)ent, .entitlements_length = ent_len };
	signet_error *err = NULL;
	char first[65] = "", now[65];
	size_t other = 0;
	uint8_t *out = NULL;
	size_t out_len = 0;
	for (int i = 0; i <= n; i++) {
		/* The last round re-signs the signed file of the round before. */
		uint8_t *next = NULL;
		size_t next_len = 0;
		SG_ASSERT_OK(sg_sign_elf_bytes(&next, &next_len, i < n ? in : out, i < n ? len : out_len,
			"true", &sp, &err), &err);
		cdhash_of(now, next, next_len);
		if (i == 0 || i == n)
			SG_ASSERT_OK(verify_bytes(next, next_len, &err), &err);
		if (i == 0)
			memcpy(first, now, sizeof first);
		else if (strcmp(now, first) != 0)
			other++;
		free(out);
		out = next;
		out_len = next_len;
	}
	free(out);
	free(in);
	return other;
}

/*
 * One file, one key, one cdhash: a cdhash allow or deny list must survive
 * re-signing. The blob's size is in a (hashed) section header, so it must
 * not depend on how long this run's ECDSA signature (70 to 72 bytes of DER)
 * came out. Eight entitlement lengths move the blob's end through every
 * residue modulo 8, so some of them put that variation across the 8-byte
 * alignment of the blob size.
 */
static void test_one_cdhash_per_ecdsa_key(void)
{
	setup();
	for (size_t ent_len = 2; ent_len < 10; ent_len++) {
		size_t other = cdhashes_differing(&team_a, ent_len, 50);
		if (other)
			fprintf(stderr, "  entitlements of %zu bytes: %zu of 50 signings and the re-sign "
				"gave another cdhash\n", ent_len, other);
		CU_ASSERT_EQUAL(other, 0);
	}
}

static void test_one_cdhash_per_rsa_key(void)
{
	setup();
	CU_ASSERT_EQUAL(cdhashes_differing(&team_rsa, 2, 50), 0);
}

/* Which region of a signed file an offset falls in. */
typedef enum region { R_EHDR, R_PHDR, R_SHDR, R_DATA, R_BLOB } region;

static void test_tamper_sweep(void)
{
	setup();
	static const char *const c[] = { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", NULL };
	const char *path = copy_in(find_lib(c), "libz-tamper.so");
	signet_error *err = NULL;
	SG_ASSERT_OK(sign(path, &team_a, "org.example.tamper", 12, &err), &err);
	size_t len;
	uint8_t *good = sg_read_file(path, &len);
	sg_elf_layout l;
	SG_ASSERT_OK(sg_elf_layout_read(&l, good, len, path, &err), &err);
	SG_ASSERT_OK(verify_bytes(good, len, &err), &err);

	/* Offsets: every byte of the ELF header, every 2nd of the program and
	 * section header tables, 24 spread over every page, every 4th of the blob. */
	size_t cap = 64 + l.phnum * 56 / 2 + l.shnum * 64 / 2 + 24 * (len / 4096 + 1) + len / 4 + 64, n = 0;
	size_t *offs = calloc(cap, sizeof *offs);
	for (size_t i = 0; i < 64; i++)
		offs[n++] = i;
	for (size_t i = 0; i < l.phnum * 56u; i += 2)
		offs[n++] = l.phoff + i;
	for (size_t i = 0; i < l.shnum * 64u; i += 2)
		offs[n++] = l.shoff + i + 1;
	for (size_t p = 0; p * 4096 < l.signature_offset; p++) {
		size_t base = p * 4096, end = base + 4096 < l.signature_offset ? base + 4096 : l.signature_offset;
		for (size_t k = 0; k < 24; k++)
			offs[n++] = base + (end - base - 1) * k / 23;
	}
	for (size_t i = l.signature_offset; i < len; i += 4)
		offs[n++] = i;
	CU_ASSERT_FATAL(n <= cap);
	CU_ASSERT(n >= 2000);

	uint8_t *t = malloc(len);
	size_t refused = 0, page_hits = 0, page_hits_exact = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(t, good, len);
		t[offs[i]] ^= 0x5a;
		int rc = verify_bytes(t, len, &err);
		refused += rc != 0;
		if (rc == SIGNET_E_PAGE_MISMATCH) {
			page_hits++;
			/* The page named is the page flipped, at its file offset. */
			if (signet_error_index(err) == (long long)(offs[i] / 4096) &&
			    signet_error_offset(err) == (long long)(offs[i] / 4096 * 4096))
				page_hits_exact++;
			else
				fprintf(stderr, "  flip at %zu reported as page %lld offset %lld\n", offs[i],
					signet_error_index(err), signet_error_offset(err));
		}
		if (rc == 0)
			fprintf(stderr, "  flip at offset %zu was NOT refused\n", offs[i]);
		signet_error_free(err);
		err = NULL;
	}
	printf("\n  tamper sweep: %zu flips, %zu refused, %zu as page mismatches naming the page\n", n, refused, page_hits_exact);
	CU_ASSERT_EQUAL(refused, n);
	CU_ASSERT_EQUAL(page_hits, page_hits_exact);
	CU_ASSERT(page_hits > n / 3);

	/* A data page flip names the page in the message too. */
	memcpy(t, good, len);
	t[5 * 4096 + 7] ^= 1;
	SG_ASSERT_FAILS(verify_bytes(t, len, &err), &err, SIGNET_E_PAGE_MISMATCH, "page 5 (file offset 0x5000");
	CU_ASSERT(signet_code_is_fatal(SIGNET_E_PAGE_MISMATCH));
	free(t);
	free(offs);
	free(good);
}

static void test_truncation_append_move_duplicate(void)
{
	setup();
	static const char *const c[] = { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", NULL };
	const char *path = copy_in(find_lib(c), "libz-cut.so");
	signet_error *err = NULL;
	SG_ASSERT_OK(sign(path, &team_a, "org.example.cut", 12, &err), &err);
	size_t len;
	uint8_t *good = sg_read_file(path, &len);
	sg_elf_layout l;
	SG_ASSERT_OK(sg_elf_layout_read(&l, good, len, path, &err), &err);

	/* 256 lengths spread over the file, plus every length inside the blob's
	 * last 64 bytes. Each copy is exactly that long (ASan sees overreads). */
	size_t tried = 0, refused = 0;
	for (size_t k = 0; k < 256 + 64; k++) {
		size_t cut = k < 256 ? (len - 1) * k / 256 : len - 1 - (k - 256);
		uint8_t *t = malloc(cut ? cut : 1);
		memcpy(t, good, cut);
		int rc = verify_bytes(t, cut, &err);
		tried++;
		refused += rc != 0;
		/* Nothing past the blob start: section data past EOF or cut signature. */
		if (cut > l.signature_offset)
			CU_ASSERT(rc == SIGNET_E_SIGNATURE_NOT_LAST || rc == SIGNET_E_ELF_MALFORMED);
		if (cut < 16)
			CU_ASSERT_EQUAL(rc, SIGNET_E_NOT_ELF);
		signet_error_free(err);
		err = NULL;
		free(t);
	}
	CU_ASSERT_EQUAL(refused, tried);
	CU_ASSERT(tried >= 200);

	/* One byte appended. */
	uint8_t *t = malloc(len + 1);
	memcpy(t, good, len);
	t[len] = 0;
	SG_ASSERT_FAILS(verify_bytes(t, len + 1, &err), &err, SIGNET_E_SIGNATURE_NOT_LAST, "bytes follow the signature");

	/* The blob section says it starts 8 bytes earlier: not at the end. */
	memcpy(t, good, len);
	Elf64_Shdr *sig = (Elf64_Shdr *)(t + l.shoff + l.signature_index * sizeof(Elf64_Shdr));
	sig->sh_offset -= 8;
	SG_ASSERT_FAILS(verify_bytes(t, len, &err), &err, SIGNET_E_SIGNATURE_NOT_LAST, "ends at");

	/* Another section's type turned into a second signature. */
	memcpy(t, good, len);
	Elf64_Shdr *other = (Elf64_Shdr *)(t + l.shoff + l.shstrndx * sizeof(Elf64_Shdr)); /* not allocated */
	other->sh_type = 0x8a5e0001u;
	SG_ASSERT_FAILS(verify_bytes(t, len, &err), &err, SIGNET_E_SIGNATURE_DUPLICATE, "more than one signature");
	free(t);

	/* A file with no signature at all. */
	size_t ulen;
	static const char *const z[] = { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", NULL };
	uint8_t *u = sg_read_file(find_lib(z), &ulen);
	SG_ASSERT_FAILS(verify_bytes(u, ulen, &err), &err, SIGNET_E_UNSIGNED, "not signed");
	CU_ASSERT_FALSE(signet_code_is_fatal(SIGNET_E_UNSIGNED));
	free(u);
	free(good);
}

static void test_strip_after_signing(void)
{
	setup();
	static const char *const c[] = { "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0", NULL };
	const char *path = copy_in(find_lib(c), "libsqlite-strip.so");
	signet_error *err = NULL;
	SG_ASSERT_OK(sign(path, &team_a, "org.example.strip", 12, &err), &err);
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof cmd, "strip --strip-unneeded '%s' 2>/dev/null", path);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	signet_identity *id = NULL;
	int rc = signet_verify_file(&id, path, trust, NULL, &err);
	CU_ASSERT(rc != 0);
	/* strip writes the section headers last, after the blob. */
	CU_ASSERT_EQUAL(rc, SIGNET_E_SIGNATURE_NOT_LAST);
	if (err)
		CU_ASSERT_PTR_NOT_NULL(strstr(signet_error_message(err), path));
	signet_error_free(err);
}

static void test_untrusted_signer_and_entitlements(void)
{
	setup();
	static const char *const c[] = { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", NULL };
	const char *path = copy_in(find_lib(c), "libz-rogue.so");
	signet_error *err = NULL;
	SG_ASSERT_OK(sign(path, &rogue_leaf, "org.example.rogue", 12, &err), &err);
	signet_identity *id = NULL;
	SG_ASSERT_FAILS(signet_verify_file(&id, path, trust, NULL, &err), &err, SIGNET_E_UNTRUSTED_ANCHOR, path);

	/* Entitlements: sealed, visible to requirements, tamper-evident. */
	static const char ent[] = "{\"net\": true, \"camera\": false}";
	sg_sign_params sp = { .identifier = "org.example.ent", .page_shift = 12, .key = team_a.key, .cert = team_a.cert,
		.entitlements = (const uint8_t *)ent, .entitlements_length = sizeof ent - 1 };
	SG_ASSERT_OK(sg_sign_elf_file(path, &sp, &err), &err);
	SG_ASSERT_OK(signet_verify_file(&id, path, trust, NULL, &err), &err);
	sg_req_subject s;
	sg_identity_subject(id, NULL, &s);
	CU_ASSERT(s.has_entitlement(s.ctx, "net"));
	CU_ASSERT(s.has_entitlement(s.ctx, "camera"));
	CU_ASSERT_FALSE(s.has_entitlement(s.ctx, "microphone"));
	signet_identity_free(id);

	size_t len;
	uint8_t *b = sg_read_file(path, &len);
	uint8_t *hit = memmem(b, len, "camera", 6);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hit);
	hit[0] = 'C';
	SG_ASSERT_FAILS(verify_bytes(b, len, &err), &err, SIGNET_E_SEAL_MISMATCH, "entitlements do not match");
	free(b);
}

static void test_tampered_leaf_key_in_a_signed_file_is_malformed(void)
{
	setup();
	size_t len;
	uint8_t *in = sg_read_file("/bin/true", &len);
	sg_sign_params sp = { .identifier = "org.example.leafkey", .page_shift = 12, .key = team_a.key,
		.cert = team_a.cert };
	uint8_t *b = NULL;
	size_t n = 0;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_sign_elf_bytes(&b, &n, in, len, "true", &sp, &err), &err);
	SG_ASSERT_OK(verify_bytes(b, n, &err), &err);
	/* The leaf's EC point format byte, inside the CMS inside the blob: 0x04 -> 0x05. */
	size_t at = sg_test_pubkey_offset(b, n, team_a.cert);
	CU_ASSERT_EQUAL_FATAL(b[at], 0x04);
	b[at] = 0x05;
	SG_ASSERT_FAILS(verify_bytes(b, n, &err), &err, SIGNET_E_SIGNATURE_MALFORMED,
		"mem.so: malformed CMS signature: the signer's certificate \"CN=Team A,OU=ABCDE12345,O=Team A\" "
		"carries an EC public key that does not decode");
	free(b);
	free(in);
}

static void test_signer_and_verifier_agree_on_the_team(void)
{
	setup();
	/* A single OU that is not a valid team ID: no team, for both sides. */
	cred odd;
	sg_test_cred_make(&odd, "Odd", "-not-a-team", false, &root);
	static const char *const c[] = { "/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", NULL };
	const char *path = copy_in(find_lib(c), "libz-odd.so");
	signet_error *err = NULL;
	SG_ASSERT_OK(sign(path, &odd, "org.example.odd", 12, &err), &err);
	signet_verify_options opts = SIGNET_VERIFY_OPTIONS_INIT;
	opts.allow_no_team = true;
	signet_identity *id = NULL;
	SG_ASSERT_OK(signet_verify_file(&id, path, trust, &opts, &err), &err);
	CU_ASSERT_PTR_NULL(signet_identity_team(id));
	signet_identity_free(id);
	SG_ASSERT_FAILS(signet_verify_file(&id, path, trust, NULL, &err), &err, SIGNET_E_CERT_NO_TEAM,
		"an OU that is not a valid team ID");
	EVP_PKEY_free(odd.key);
	X509_free(odd.cert);
}

static void test_foreign_corpus_is_refused(void)
{
	setup();
	const char *corpus = getenv("SIGNET_CORPUS");
	char d[PATH_MAX];
	snprintf(d, sizeof d, "%s/elf-foreign", corpus ? corpus : "");
	DIR *dp = opendir(d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dp);
	struct dirent *de;
	size_t files = 0, refused = 0;
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		char p[PATH_MAX + 256];
		snprintf(p, sizeof p, "%s/%s", d, de->d_name);
		signet_identity *id = NULL;
		signet_error *err = NULL;
		int rc = signet_verify_file(&id, p, trust, NULL, &err);
		files++;
		bool expected = rc == SIGNET_E_NOT_ELF || rc == SIGNET_E_ELF_UNSUPPORTED || rc == SIGNET_E_ELF_MALFORMED ||
			rc == SIGNET_E_UNSIGNED || rc == SIGNET_E_LIMIT;
		bool named = err && strncmp(signet_error_message(err), p, strlen(p)) == 0;
		if (expected && named)
			refused++;
		else
			fprintf(stderr, "  %s: rc %d \"%s\"\n", de->d_name, rc, err ? signet_error_message(err) : "");
		signet_error_free(err);
		signet_identity_free(id);
	}
	closedir(dp);
	CU_ASSERT_EQUAL(files, 60);
	CU_ASSERT_EQUAL(refused, files);
}

int main(void)
{
	static const sg_test real[] = {
		{ "sign and verify a copy of libz", test_libz },
		{ "sign and verify a copy of libsqlite3", test_libsqlite3 },
		{ "sign and verify a copy of libstdc++", test_libstdcxx },
		{ "sign and verify a library of 20 MB or more", test_library_of_20_mb },
		{ "a signed executable still runs", test_executable_still_runs },
		{ "page sizes, re-signing, deterministic CodeDirectory", test_page_sizes_resigning_and_determinism },
		{ "50 signings with one ECDSA key and a re-sign: one cdhash", test_one_cdhash_per_ecdsa_key },
		{ "50 signings with one RSA key and a re-sign: one cdhash", test_one_cdhash_per_rsa_key },
		{ NULL, NULL },
	};
	static const sg_test hostile[] = {
		{ "tamper sweep: every flip refused, pages named", test_tamper_sweep },
		{ "truncation, appended byte, moved blob, second blob, unsigned", test_truncation_append_move_duplicate },
		{ "strip after signing", test_strip_after_signing },
		{ "untrusted signer; entitlements sealed", test_untrusted_signer_and_entitlements },
		{ "a tampered leaf key in a signed file is malformed, not unsupported",
			test_tampered_leaf_key_in_a_signed_file_is_malformed },
		{ "signer and verifier agree on the team", test_signer_and_verifier_agree_on_the_team },
		{ "every file of the foreign ELF corpus is refused", test_foreign_corpus_is_refused },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "real files", real }, { "hostile files", hostile }, { NULL, NULL } };
	return sg_test_main(suites);
}
