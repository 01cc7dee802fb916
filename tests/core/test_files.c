/* SPDX-License-Identifier: MIT */
/*
 * test_files.c - every path Signet opens may be a FIFO, a socket, a
 * directory or a device: each opener refuses it with "not a regular file"
 * naming the path, without blocking and before reading; sizes are refused
 * from fstat() before reading. A hang fails the program (sg_watchdog).
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#include "cms/cms.h"
#include "core/file.h"
#include "load/snapshot.h"
#include "policy/policy_internal.h"

/* "<path>: not a regular file (<kind>)" */
static const char *refusal(const sg_special *f)
{
	static char text[PATH_MAX + 64];
	snprintf(text, sizeof text, "%s: not a regular file (%s)", f->path, f->kind);
	return text;
}

static void test_core_openers_refuse_special_files(void)
{
	sg_watchdog(30);
	const sg_special *files = sg_special_files();
	for (int i = 0; i < SG_SPECIAL_COUNT; i++) {
		const sg_special *f = &files[i];
		signet_error *err = NULL;
		int fd = -1;
		uint8_t *buf = NULL;
		size_t len = 0;
		sg_mapped_file m;
		SG_ASSERT_FAILS(sg_file_open(&fd, NULL, f->path, 1024, "test.open", &err), &err, SIGNET_E_IO,
			refusal(f));
		CU_ASSERT_EQUAL(fd, -1);
		SG_ASSERT_FAILS(sg_file_read(&buf, &len, f->path, 1024, "test.open", &err), &err, SIGNET_E_IO,
			refusal(f));
		CU_ASSERT_PTR_NULL(buf);
		SG_ASSERT_FAILS(sg_mapped_file_open(&m, f->path, 1024, &err), &err, SIGNET_E_IO, refusal(f));
	}
	alarm(0);
}

static void test_sizes_refused_before_reading(void)
{
	sg_watchdog(30);
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/sparse", sg_sandbox());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	/* 10 GB, sparse: reading it to the limit would take seconds, refusing it takes nothing. */
	CU_ASSERT_FATAL(ftruncate(fd, 10000000000LL) == 0);
	close(fd);
	signet_error *err = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rfd = -1;
	SG_ASSERT_FAILS(sg_file_open(&rfd, NULL, path, 1 << 20, "test.open", &err), &err, SIGNET_E_LIMIT,
		"too large: 10000000000 bytes, the limit is 1048576");
	SG_ASSERT_FAILS(sg_file_read(&buf, &len, path, 1 << 20, "test.open", &err), &err, SIGNET_E_LIMIT,
		"too large: 10000000000 bytes");
	/* The size check is the first one: the error's check says so. */
	CU_ASSERT_NOT_EQUAL(sg_file_read(&buf, &len, path, 1 << 20, "test.open", &err), 0);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "file.size");
	signet_error_free(err);
	err = NULL;

	/* Exactly at the limit is read whole; a byte more is not. */
	snprintf(path, sizeof path, "%s/exact", sg_sandbox());
	sg_write_file(path, "0123456789", 10, 0644);
	SG_ASSERT_OK(sg_file_read(&buf, &len, path, 10, "test.open", &err), &err);
	CU_ASSERT_EQUAL(len, 10);
	CU_ASSERT_EQUAL(buf[10], '\0');
	free(buf);
	SG_ASSERT_FAILS(sg_file_read(&buf, &len, path, 9, "test.open", &err), &err, SIGNET_E_LIMIT,
		"too large: 10 bytes, the limit is 9");
	alarm(0);
}

/* The public calls that open a path, each with every special file. */
static void test_library_openers_refuse_special_files(void)
{
	sg_watchdog(60);
	const sg_special *files = sg_special_files();
	signet_trust *trust = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_trust_load(&trust, sg_test_pki("root.pem"), &err), &err);
	for (int i = 0; i < SG_SPECIAL_COUNT; i++) {
		const sg_special *f = &files[i];
		signet_identity *id = NULL;
		signet_image *img = NULL;
		signet_policy *p = NULL;
		SG_ASSERT_FAILS(signet_verify_file(&id, f->path, trust, NULL, &err), &err, SIGNET_E_IO, refusal(f));
		SG_ASSERT_FAILS(signet_load(&img, f->path, sg_test_policy(), &err), &err, SIGNET_E_IO, refusal(f));
		SG_ASSERT_FAILS(signet_policy_load(&p, f->path, &err), &err, SIGNET_E_IO, refusal(f));
		EVP_PKEY *key = NULL;
		SG_ASSERT_FAILS(sg_pem_load_key(&key, f->path, &err), &err, SIGNET_E_IO, refusal(f));
		/* A vm.memfd_noexec stand-in that is anything but a file reads as "no such setting". */
		CU_ASSERT_EQUAL(sg_snapshot_check_kernel(f->path, NULL), 0);
		if (strcmp(f->kind, "a directory") != 0) { /* a directory of anchors is a valid input */
			signet_trust *t = NULL;
			SG_ASSERT_FAILS(signet_trust_load(&t, f->path, &err), &err, SIGNET_E_IO, refusal(f));
			signet_policy *q = NULL;
			SG_ASSERT_OK(signet_policy_new(&q, &err), &err);
			SG_ASSERT_FAILS(signet_policy_set_anchors(q, f->path, &err), &err, SIGNET_E_IO, refusal(f));
			signet_policy_free(q);
		}
	}
	signet_trust_free(trust);
	alarm(0);
}

/* A FIFO among the anchors of a trust directory is refused, not waited on. */
static void test_fifo_in_anchor_directory(void)
{
	sg_watchdog(30);
	const char *dir = sg_sandbox();
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/a.pem", dir);
	CU_ASSERT_FATAL(mkfifo(path, 0644) == 0);
	signet_trust *t = NULL;
	signet_error *err = NULL;
	sg_special f = { path, "a FIFO" };
	SG_ASSERT_FAILS(signet_trust_load(&t, dir, &err), &err, SIGNET_E_IO, refusal(&f));
	alarm(0);
}

int main(void)
{
	static const sg_test tests[] = {
		{ "core openers refuse a FIFO, a socket, a directory, /dev/zero", test_core_openers_refuse_special_files },
		{ "sizes are refused from fstat before reading", test_sizes_refused_before_reading },
		{ "every library opener refuses special files without blocking", test_library_openers_refuse_special_files },
		{ "a FIFO in an anchor directory", test_fifo_in_anchor_directory },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "files", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
