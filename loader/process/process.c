/* SPDX-License-Identifier: MIT */
/* process.c - the inspected process: accessors, signet_process_check(), the cheap exec check. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codesign/identity_internal.h"
#include "core/error_internal.h"
#include "policy/policy_internal.h"
#include "process/process_internal.h"
#include "requirement/requirement_internal.h"

void sg_process_forget(signet_process *p)
{
	signet_identity_free(p->identity);
	free(p->executable);
	for (size_t i = 0; i < p->problems.n; i++)
		signet_error_free(p->problems.items[i]);
	sg_array_clear(&p->problems);
	signet_error_free(p->unknown);
	p->identity = NULL;
	p->executable = NULL;
	p->have_exe = false;
	p->problems_dropped = 0;
	p->unknown = NULL;
}

void signet_process_free(signet_process *p)
{
	if (!p)
		return;
	sg_process_forget(p);
	if (p->pidfd >= 0)
		close(p->pidfd);
	if (p->procdir >= 0)
		close(p->procdir);
	if (p->mm_fd >= 0)
		close(p->mm_fd);
	free(p);
}

signet_process_verdict signet_process_get_verdict(const signet_process *p)
{
	return p ? p->verdict : SIGNET_PROCESS_UNKNOWN;
}

bool signet_process_is_valid(const signet_process *p)
{
	return p && p->verdict == SIGNET_PROCESS_VALID;
}

pid_t signet_process_pid(const signet_process *p) { return p ? p->pid : 0; }
uid_t signet_process_uid(const signet_process *p) { return p ? p->uid : (uid_t)-1; }
int signet_process_pidfd(const signet_process *p) { return p ? p->pidfd : -1; }
const signet_identity *signet_process_identity(const signet_process *p) { return p ? p->identity : NULL; }
const char *signet_process_executable(const signet_process *p) { return p ? p->executable : NULL; }
size_t signet_process_problem_count(const signet_process *p) { return p ? p->problems.n : 0; }
const signet_error *signet_process_unknown_reason(const signet_process *p) { return p ? p->unknown : NULL; }

const signet_error *signet_process_problem(const signet_process *p, size_t index)
{
	return p && index < p->problems.n ? p->problems.items[index] : NULL;
}

/* Unknown: refused unless the policy accepts its uid without an identity. */
static int check_unknown(const signet_process *p, const signet_policy *policy, signet_error **err)
{
	/* The uid is the kernel's (/proc/PID/status); (uid_t)-1 means it was not known, and matches nothing. */
	if (p->uid != (uid_t)-1 && sg_policy_accepts_uninspectable_uid(policy, p->uid))
		return 0;
	char uid[32] = "its uid is not known";
	if (p->uid != (uid_t)-1)
		snprintf(uid, sizeof uid, "uid %lu", (unsigned long)p->uid);
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PROCESS_UNKNOWN, .check = "process.check",
		.os_errno = signet_error_os_errno(p->unknown), .cause = sg_error_copy(p->unknown) },
		"%s; the policy does not accept %s without an identity", signet_error_message(p->unknown), uid);
}

static int check_invalid(const signet_process *p, signet_error **err)
{
	if (p->problems.n == 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PROCESS_INVALID, .check = "process.check" },
			"process %ld is not valid: it has no verified identity", (long)p->pid);
	const signet_error *first = p->problems.items[0];
	size_t more = p->problems.n - 1 + p->problems_dropped - (p->problems_dropped ? 1 : 0);
	char tail[64] = "";
	if (more)
		snprintf(tail, sizeof tail, " (and %zu more problem%s)", more, more == 1 ? "" : "s");
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PROCESS_INVALID, .check = "process.check",
		.cause = sg_error_copy(first) }, "process %ld is not valid: %s%s", (long)p->pid,
		signet_error_message(first), tail);
}

static int check_requirement(const signet_process *p, const signet_requirement *req, const signet_policy *policy,
	signet_error **err)
{
	sg_req_subject subject;
	sg_identity_subject(p->identity, signet_policy_host_team(policy), &subject);
	subject.holder = "peer";
	signet_error *why = NULL;
	int rc = sg_requirement_evaluate(req, &subject, &why);
	if (rc == 0)
		return 0;
	if (rc != SIGNET_E_REQUIREMENT_UNMET) {
		if (err)
			*err = why;
		else
			signet_error_free(why);
		return rc;
	}
	rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PEER_REFUSED, .check = "process.requirement",
		.expected = signet_error_expected(why), .actual = signet_error_actual(why) }, "%s",
		signet_error_message(why));
	signet_error_free(why);
	return rc;
}

int signet_process_check(const signet_process *p, const signet_requirement *req, const signet_policy *policy,
	signet_error **err)
{
	if (!p)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_process_check needs a process");
	int rc = sg_policy_or_default(&policy, NULL, err);
	if (rc)
		return rc;
	switch (p->verdict) {
	case SIGNET_PROCESS_UNKNOWN:
		return check_unknown(p, policy, err);
	case SIGNET_PROCESS_INVALID:
		return check_invalid(p, err);
	case SIGNET_PROCESS_VALID:
		break;
	}
	return req ? check_requirement(p, req, policy, err) : 0;
}

bool sg_process_exe_changed(const signet_process *p)
{
	/* Its exe was never read: what was decided about it (by uid, if at all) changes when it exits. */
	if (p->verdict == SIGNET_PROCESS_UNKNOWN)
		return sg_pidfd_exited(p->pidfd);
	if (sg_process_mm_replaced(p))
		return true;
	struct stat st;
	if (fstatat(p->procdir, "exe", &st, 0) != 0)
		return true; /* exited (the directory is its own: ENOENT, ESRCH), or unreadable now (a setuid exec) */
	return st.st_dev != p->exe_dev || st.st_ino != p->exe_ino;
}

bool sg_process_mm_replaced(const signet_process *p)
{
	if (p->mm_fd < 0)
		return false;
	/* Empty (or an error) once the address space it was opened on is gone. */
	char byte;
	return pread(p->mm_fd, &byte, 1, 0) != 1;
}
