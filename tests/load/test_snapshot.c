/* SPDX-License-Identifier: MIT */
/*
 * test_snapshot.c - the sealed snapshot: writes, truncation and growth of
 * it fail; its bytes are the file's; the kernel check fails closed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "codesign/identity_internal.h"
#include "codesign/pagehash.h"
#include "harness.h"
#include "load/load_internal.h"
#include "load/snapshot.h"
#include "policy/policy_internal.h"

static void test_sealed_against_every_change(void)
{
	sg_snapshot s;
	signet_error *err = NULL;
	const char *path = sg_fixture("libfixture0.so");
	SG_ASSERT_OK(sg_snapshot_take(&s, path, &err), &err);
	CU_ASSERT(s.length > 0);
	CU_ASSERT_STRING_EQUAL(s.path, path);
	CU_ASSERT(strncmp(s.dlopen_name, "/proc/", 6) == 0);

	/* The same bytes as the file. */
	FILE *f = fopen(path, "rb");
	uint8_t *b = malloc(s.length);
	CU_ASSERT_EQUAL_FATAL(fread(b, 1, s.length, f), s.length);
	fclose(f);
	CU_ASSERT_EQUAL(memcmp(b, s.bytes, s.length), 0);
	free(b);

	CU_ASSERT_EQUAL(write(s.fd, "x", 1), -1);
	CU_ASSERT_EQUAL(errno, EPERM);
	CU_ASSERT_EQUAL(pwrite(s.fd, "x", 1, 0), -1);
	CU_ASSERT_EQUAL(ftruncate(s.fd, 1), -1);               /* shrink */
	CU_ASSERT_EQUAL(ftruncate(s.fd, (off_t)s.length * 2), -1); /* grow */
	CU_ASSERT_EQUAL(mmap(NULL, s.length, PROT_READ | PROT_WRITE, MAP_SHARED, s.fd, 0), MAP_FAILED);
	CU_ASSERT_EQUAL(fcntl(s.fd, F_ADD_SEALS, 0), -1);      /* F_SEAL_SEAL */
	/* Even through /proc: a new writable descriptor cannot write either. */
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", s.fd);
	int w = open(proc, O_WRONLY);
	if (w >= 0) {
		CU_ASSERT_EQUAL(write(w, "x", 1), -1);
		close(w);
	}
	sg_snapshot_close(&s);
	CU_ASSERT_EQUAL(s.fd, -1);
}

static void test_kernel_check_fails_closed(void)
{
	char p[PATH_MAX];
	snprintf(p, sizeof p, "%s/memfd_noexec", sg_sandbox());
	signet_error *err = NULL;
	for (int v = 0; v <= 2; v++) {
		FILE *f = fopen(p, "w");
		fprintf(f, "%d\n", v);
		fclose(f);
		if (v < 2)
			SG_ASSERT_OK(sg_snapshot_check_kernel(p, &err), &err);
		else
			SG_ASSERT_FAILS(sg_snapshot_check_kernel(p, &err), &err, SIGNET_E_SEALING_UNAVAILABLE,
				"vm.memfd_noexec is 2: the kernel forbids executable memfds");
	}
	unlink(p);
	SG_ASSERT_OK(sg_snapshot_check_kernel(p, &err), &err); /* kernels without the setting */
}

static void test_refusals_before_reading(void)
{
	sg_snapshot s;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(sg_snapshot_take(&s, "/nonexistent/x.so", &err), &err, SIGNET_E_IO, "cannot open");
	SG_ASSERT_FAILS(sg_snapshot_take(&s, "/dev/null", &err), &err, SIGNET_E_IO, "not a regular file");
	SG_ASSERT_FAILS(sg_snapshot_take(&s, "/tmp", &err), &err, SIGNET_E_IO, "/tmp");
	/* A 2 GiB sparse file: refused from its size alone. */
	char big[PATH_MAX];
	snprintf(big, sizeof big, "%s/huge.so", sg_sandbox());
	int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_EQUAL_FATAL(ftruncate(fd, (off_t)2 << 30), 0);
	close(fd);
	SG_ASSERT_FAILS(sg_snapshot_take(&s, big, &err), &err, SIGNET_E_LIMIT, "too large: 2147483648 bytes, the limit is 1073741824");
	unlink(big);
}

/* The preflight copy: the same bytes and real path, in the heap, never mappable. */
static void test_private_read(void)
{
	const char *path = sg_fixture("libfixture1.so");
	signet_error *err = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	sg_snapshot s;
	SG_ASSERT_OK(sg_snapshot_read(&s, fd, path, &err), &err);
	size_t len = 0;
	uint8_t *want = sg_read_file(path, &len);
	CU_ASSERT_EQUAL_FATAL(s.length, len);
	CU_ASSERT(memcmp(s.bytes, want, len) == 0);
	CU_ASSERT(s.heap);
	CU_ASSERT_EQUAL(s.fd, -1);
	CU_ASSERT_PTR_NULL(s.dlopen_name);
	char real[4096];
	CU_ASSERT_PTR_NOT_NULL_FATAL(realpath(path, real));
	CU_ASSERT_STRING_EQUAL(s.path, real);
	/* The loader refuses to take it anywhere near dlopen(). */
	sg_txn t = { .policy = sg_test_policy() };
	sg_inspected in = { .snap = s };
	SG_ASSERT_OK(sg_inspect(&t, &in, &err), &err);
	signet_image *img = NULL;
	SG_ASSERT_FAILS(sg_load_inspected(&t, &in, NULL, &img, &err), &err, SIGNET_E_INTERNAL,
		"unsealed preflight copy");
	CU_ASSERT_PTR_NULL(img);
	sg_inspected_clear(&in);
	free(want);
	close(fd);
	/* A directory is refused as the sealed path refuses it. */
	fd = open("/tmp", O_RDONLY | O_CLOEXEC);
	SG_ASSERT_FAILS(sg_snapshot_read(&s, fd, "/tmp", &err), &err, SIGNET_E_IO, "not a regular file");
	close(fd);
}

/* A file of `len` pseudo-random bytes in the sandbox; returns its path (static buffer). */
static const char *random_file(size_t len)
{
	static char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/random-%zu.bin", sg_sandbox(), len);
	FILE *f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	uint64_t x = 0x9e3779b97f4a7c15u ^ len;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		fputc((int)(x & 0xff), f);
	}
	CU_ASSERT_EQUAL_FATAL(fclose(f), 0);
	return path;
}

/*
 * Read and hashed in one pass: the same hashes as hashing the bytes
 * afterwards, at every size that matters (empty, partial pages, exact
 * pages, several read chunks, a private mapping and several workers).
 */
static void test_private_read_hashes_every_page(void)
{
	static const size_t sizes[] = { 0, 1, 4095, 4096, 4097, 300 * 1024 + 5, (2u << 20) + 4093 };
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		const char *path = random_file(sizes[k]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		CU_ASSERT_FATAL(fd >= 0);
		sg_snapshot s;
		signet_error *err = NULL;
		SG_ASSERT_OK(sg_snapshot_read(&s, fd, path, &err), &err);
		CU_ASSERT_EQUAL_FATAL(s.length, sizes[k]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s.page_hashes);
		CU_ASSERT_EQUAL(s.hash_shift, 12);
		CU_ASSERT_EQUAL(s.bytes_kind, sizes[k] >= (1u << 20) ? SG_BYTES_ANON : SG_BYTES_MALLOC);
		uint64_t pages = sg_page_count(s.length, 12);
		uint8_t *want = malloc(pages * 32 + 1);
		SG_ASSERT_OK(sg_pagehash_compute(want, s.bytes, s.length, 12, 1, &err), &err);
		CU_ASSERT_EQUAL(memcmp(want, s.page_hashes, pages * 32), 0);
		size_t len = 0;
		uint8_t *bytes = sg_read_file(path, &len);
		CU_ASSERT(len == s.length && memcmp(bytes, s.bytes, len) == 0);
		free(bytes);
		free(want);
		sg_snapshot_close(&s);
		close(fd);
		unlink(path);
	}
}

/* A file shorter than the length asked for: refused, naming where it ended. */
static void test_fill_of_a_file_that_ends_early(void)
{
	const char *path = random_file(10000);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t *buf = malloc(20000), *hashes = NULL;
	signet_error *err = NULL;
	SG_ASSERT_FAILS(sg_pagehash_fill(&hashes, buf, fd, 20000, 12, 1, path, &err), &err, SIGNET_E_IO,
		"the file shrank from 20000 to 10000 bytes while being read");
	CU_ASSERT_PTR_NULL(hashes);
	free(buf);
	close(fd);
	unlink(path);
}

/*
 * Verification compares the hashes the read computed instead of hashing
 * again: a wrong one is caught at its page (so they are really used), and
 * hashes for another page size or length are not used at all.
 */
static void test_verification_uses_the_read_hashes(void)
{
	const char *path = sg_fixture("libfixture1.so");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	sg_snapshot s;
	signet_error *err = NULL;
	SG_ASSERT_OK(sg_snapshot_read(&s, fd, path, &err), &err);
	close(fd);
	CU_ASSERT_FATAL(sg_page_count(s.length, 12) > 2);
	const signet_policy *policy = sg_test_policy();
	signet_verify_options vo;
	sg_policy_verify_options(policy, &vo);
	const signet_trust *trust = sg_policy_trust(policy);
	signet_identity *id = NULL;
	sg_known_hashes known;
	sg_snapshot_known_hashes(&s, &known);
	SG_ASSERT_OK(sg_verify_bytes_known(&id, s.bytes, s.length, s.path, trust, &vo, &known, &err), &err);
	signet_identity_free(id);

	s.page_hashes[1 * 32] ^= 1; /* page 1's hash as if its bytes had been other bytes */
	SG_ASSERT_FAILS(sg_verify_bytes_known(&id, s.bytes, s.length, s.path, trust, &vo, &known, &err), &err,
		SIGNET_E_PAGE_MISMATCH, "page 1 (file offset 0x1000, 4096 bytes) was modified after signing");
	/* Hashes that describe other pages are ignored: the bytes decide. */
	known.shift = 13;
	SG_ASSERT_OK(sg_verify_bytes_known(&id, s.bytes, s.length, s.path, trust, &vo, &known, &err), &err);
	signet_identity_free(id);
	known.shift = 12;
	known.length = s.length - 1;
	SG_ASSERT_OK(sg_verify_bytes_known(&id, s.bytes, s.length, s.path, trust, &vo, &known, &err), &err);
	signet_identity_free(id);
	sg_snapshot_close(&s);
}

int main(void)
{
	static const sg_test tests[] = {
		{ "the snapshot is sealed against every change", test_sealed_against_every_change },
		{ "vm.memfd_noexec=2 fails closed", test_kernel_check_fails_closed },
		{ "devices, directories, huge files refused before reading", test_refusals_before_reading },
		{ "the private read for preflight", test_private_read },
		{ "the private read hashes every page as it reads", test_private_read_hashes_every_page },
		{ "a file that ends early is refused by the hashing read", test_fill_of_a_file_that_ends_early },
		{ "verification uses the read's hashes", test_verification_uses_the_read_hashes },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "snapshot", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
