/* SPDX-License-Identifier: MIT */
/*
 * judge.c - the verdict on one file ld.so is about to map (judge.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/judge.h"
#include "codesign/format.h"
#include "core/error_internal.h"
#include "core/file.h"
#include "load/load_internal.h"
#include "policy/policy_internal.h"

/*
 * The signature's reason stays the refusal (code, check, message); the
 * platform check's reason becomes its cause, so "not signed" also says why
 * the file did not pass as a platform library.
 */
static signet_error *with_platform_reason(signet_error *signature, signet_error *platform)
{
	if (!platform)
		return signature;
	signet_error *joined = NULL;
	sg_fail(&joined, &(sg_error_info){ .code = signet_error_code(signature),
		.path = signet_error_path(signature), .check = signet_error_check(signature),
		.expected = signet_error_expected(signature), .actual = signet_error_actual(signature),
		.cause = platform }, "%s; nor is it trusted by location: %s", sg_error_reason(signature),
		sg_error_reason(platform));
	signet_error_free(signature);
	return joined;
}

/* A private copy, never mapped (the main program, which the kernel mapped; log-only). */
static int read_copy(sg_snapshot *snap, const char *path, signet_error **err)
{
	int fd = -1;
	int rc = sg_file_open(&fd, NULL, path, SG_MAX_FILE_SIZE, "load.open", err);
	if (rc)
		return rc;
	rc = sg_snapshot_read(snap, fd, path, err);
	close(fd);
	return rc;
}

/*
 * The platform rules for a library, by the name ld.so found. A program is
 * named by /proc/self/exe, which is not where it lies: it is judged by the
 * path it was executed from, and that path must still name the very file
 * the kernel mapped (the same device and inode), or a rename since exec
 * would have the checks walk someone else's file.
 */
static int platform_candidate(char real[PATH_MAX], const signet_policy *policy, const char *path,
	const char *soname, bool program, signet_error **err)
{
	if (!program)
		return sg_policy_platform_library(real, policy, path, soname, err);
	char exe[PATH_MAX];
	ssize_t n = readlink(path, exe, sizeof exe - 1);
	if (n <= 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PLATFORM_REFUSED, .path = path,
			.check = "policy.platform", .os_errno = errno }, "not a platform program: cannot resolve %s: %s",
			path, strerror(errno));
	exe[n] = '\0';
	struct stat mapped, named;
	if (stat(path, &mapped) != 0 || stat(exe, &named) != 0 || mapped.st_dev != named.st_dev ||
	    mapped.st_ino != named.st_ino)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PLATFORM_REFUSED, .path = exe,
			.check = "policy.platform" }, "not a platform program: %s no longer names the running program's file",
			exe);
	return sg_policy_platform_location(real, policy, exe, err);
}

static sg_verdict_kind refuse(sg_verdict *out, signet_error *why)
{
	out->kind = SG_VERDICT_REFUSED;
	out->why = why;
	out->code = why ? signet_error_code(why) : SIGNET_E_NOMEM;
	return out->kind;
}

sg_verdict_kind sg_judge_file(const signet_policy *policy, const char *path, const char *soname, unsigned flags,
	sg_verdict *out)
{
	*out = (sg_verdict){ .memfd = -1 };
	bool program = flags & SG_JUDGE_PROGRAM;
	if (!policy || !path)
		return refuse(out, NULL);

	/*
	 * Location first: a platform library is admitted without reading a byte
	 * (only root can change what the checks walked, so hashing it would
	 * prove nothing more), which is what keeps start-up near plain speed.
	 */
	signet_error *platform_why = NULL;
	if (platform_candidate(out->real_path, policy, path, program ? NULL : soname, program, &platform_why) == 0) {
		snprintf(out->open_path, sizeof out->open_path, "%s", out->real_path);
		out->kind = SG_VERDICT_PLATFORM;
		return out->kind;
	}

	/* Then the signature, over a sealed snapshot (or a private copy that is never mapped). */
	sg_txn t = { .policy = policy, .program = program, .one_thread = true };
	sg_inspected in = { .snap = { .fd = -1 } };
	signet_error *why = NULL;
	int rc = (program || (flags & SG_JUDGE_NO_SNAPSHOT)) ? read_copy(&in.snap, path, &why)
		: sg_snapshot_take(&in.snap, path, &why);
	if (!rc)
		snprintf(out->real_path, sizeof out->real_path, "%s", in.snap.path);
	if (!rc)
		rc = sg_inspect(&t, &in, &why);
	out->identity = in.identity; /* verified, even when the policy refused */
	in.identity = NULL;
	if (rc) {
		sg_inspected_clear(&in);
		return refuse(out, with_platform_reason(why, platform_why));
	}
	signet_error_free(platform_why);
	if (in.snap.heap) {
		snprintf(out->open_path, sizeof out->open_path, "%s", out->real_path);
	} else {
		/* ld.so opens the snapshot by this name; "self", since ld.so opens it in this very process. */
		snprintf(out->open_path, sizeof out->open_path, "/proc/self/fd/%d", in.snap.fd);
		out->memfd = in.snap.fd;
		in.snap.fd = -1;
	}
	sg_inspected_clear(&in);
	out->kind = SG_VERDICT_SIGNED;
	return out->kind;
}

int sg_verdict_take_fd(sg_verdict *v)
{
	int fd = v->memfd;
	v->memfd = -1;
	return fd;
}

void sg_verdict_clear(sg_verdict *v)
{
	if (v->memfd >= 0)
		sg_snapshot_close_fd(v->memfd);
	v->memfd = -1;
	signet_identity_free(v->identity);
	v->identity = NULL;
	signet_error_free(v->why);
	v->why = NULL;
}

/* Replaces one part of the policy from a variable, naming the variable when it fails. */
static int apply_override(signet_policy *p, const char *var,
	int (*set)(signet_policy *, const char *, signet_error **), signet_error **err)
{
	const char *value = secure_getenv(var);
	if (!value)
		return 0;
	signet_error *cause = NULL;
	int rc = set(p, value, &cause);
	if (rc)
		return sg_fail(err, &(sg_error_info){ .code = rc, .path = value, .check = "policy.audit", .cause = cause },
			"$%s: %s", var, cause ? signet_error_message(cause) : "out of memory");
	return 0;
}

int sg_audit_policy(signet_policy **out, signet_error **err)
{
	*out = NULL;
	signet_policy *p = NULL;
	const char *file = secure_getenv("SIGNET_AUDIT_POLICY");
	const char *anchors = secure_getenv("SIGNET_AUDIT_ANCHORS");
	int rc;
	if (file) {
		rc = signet_policy_load(&p, file, err);
		if (!rc)
			rc = apply_override(p, "SIGNET_AUDIT_ANCHORS", signet_policy_set_anchors, err);
	} else if (anchors) {
		/* The default sources, with these anchors instead of the default ones (never read then). */
		signet_error *cause = NULL;
		rc = sg_policy_new_default(&p, anchors, &cause);
		if (rc)
			rc = sg_fail(err, &(sg_error_info){ .code = rc, .path = anchors, .check = "policy.audit",
				.cause = cause }, "$SIGNET_AUDIT_ANCHORS: %s", cause ? signet_error_message(cause) : "out of memory");
	} else {
		rc = sg_policy_new_default(&p, NULL, err);
	}
	if (!rc)
		rc = apply_override(p, "SIGNET_AUDIT_REQUIREMENT", signet_policy_set_requirement, err);
	if (rc) {
		signet_policy_free(p);
		return rc;
	}
	*out = p;
	return 0;
}
