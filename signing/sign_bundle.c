/* SPDX-License-Identifier: MIT */
/*
 * sign_bundle.c - signing a bundle: nested libraries first, then the
 * resource seal over everything else, then the main executable, whose
 * CodeDirectory seals the manifest (slot -1) and the resource seal
 * (slot -2). The order matters: each step hashes what the previous wrote.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle/bundle.h"
#include "bundle/seal.h"
#include "core/error_internal.h"
#include "core/sha256.h"
#include "sign_bundle.h"

static int open_bundle(sg_bundle *b, const char *dir, signet_error **err)
{
	sg_reasons r = { 0 };
	int rc = sg_bundle_open(b, dir, &r);
	if (rc) {
		*err = sg_reasons_take_first(&r);
		sg_bundle_close(b);
	}
	sg_reasons_clear(&r);
	return rc;
}

static int io_fail(signet_error **err, const char *path, const char *what)
{
	int e = errno;
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = "sign.write",
		.os_errno = e }, "%s: %s", what, strerror(e));
}

/* Writes the seal as _signet/seal: a temporary file renamed into place. */
static int write_seal(const sg_bundle *b, const char *text, size_t len, signet_error **err)
{
	int rootfd = b->tree.rootfd;
	char *path = sg_tree_full_path(&b->tree, SG_SEAL_PATH);
	if (!path)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
	int rc = 0;
	if (mkdirat(rootfd, SG_SEAL_DIR, 0755) != 0 && errno != EEXIST) {
		rc = io_fail(err, path, "cannot create the seal's directory");
		goto out;
	}
	int dir = openat(rootfd, SG_SEAL_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0) {
		rc = io_fail(err, path, "cannot open the seal's directory (a symlink?)");
		goto out;
	}
	char tmp[64];
	snprintf(tmp, sizeof tmp, ".seal.%ld.tmp", (long)getpid());
	int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		rc = io_fail(err, path, "cannot create a temporary file");
		close(dir);
		goto out;
	}
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (done != len || fsync(fd) != 0) {
		rc = io_fail(err, path, "cannot write");
		close(fd);
		unlinkat(dir, tmp, 0);
	} else if (close(fd) != 0 || renameat(dir, tmp, dir, "seal") != 0) {
		rc = io_fail(err, path, "cannot put the seal in place");
		unlinkat(dir, tmp, 0);
	}
	close(dir);
out:
	free(path);
	return rc;
}

/* A library's identifier: its file name (already in the identifier alphabet). */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int sg_sign_bundle(const char *dir, const sg_sign_params *params, sg_sign_bundle_report report, void *ctx,
	signet_error **err)
{
	sg_bundle b;
	int rc = open_bundle(&b, dir, err);
	if (rc)
		return rc;
	/* 1. Nested libraries, each under its own file name. */
	for (size_t i = 0; i < b.manifest.nlibraries; i++) {
		char *full = sg_tree_full_path(&b.tree, b.manifest.libraries[i]);
		if (!full) {
			rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
			goto out;
		}
		sg_sign_params lp = *params;
		lp.identifier = base_name(full);
		memset(lp.special, 0, sizeof lp.special);
		rc = sg_sign_elf_file(full, &lp, err);
		if (!rc && report)
			report(ctx, full, lp.identifier);
		free(full);
		if (rc)
			goto out;
	}
	/* 2. The seal, over the bundle as it now is (signed libraries included). */
	sg_bundle_close(&b);
	rc = open_bundle(&b, dir, err);
	if (rc)
		return rc;
	char *text = NULL;
	size_t len = 0;
	rc = sg_seal_build(&b.tree, b.manifest.executable, &text, &len, err);
	if (!rc)
		rc = write_seal(&b, text, len, err);
	sg_sign_params ep = *params;
	ep.identifier = b.manifest.identifier;
	if (!rc && (sg_sha256(ep.special[SG_SLOT_RESOURCES - 1], text, len) != 0 ||
	    sg_sha256(ep.special[SG_SLOT_MANIFEST - 1], b.manifest_bytes, b.manifest_len) != 0))
		rc = sg_fail_code(err, SIGNET_E_INTERNAL, "SHA-256 failed in OpenSSL");
	free(text);
	if (rc)
		goto out;
	/* 3. The executable, sealing the manifest and the seal. */
	char *exe = sg_tree_full_path(&b.tree, b.manifest.executable);
	if (!exe) {
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
		goto out;
	}
	rc = sg_sign_elf_file(exe, &ep, err);
	if (!rc && report)
		report(ctx, exe, ep.identifier);
	free(exe);
out:
	sg_bundle_close(&b);
	return rc;
}
