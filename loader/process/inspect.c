/* SPDX-License-Identifier: MIT */
/*
 * inspect.c - signet_code_for_pidfd(): who a process is, and whether it is
 * intact.
 *
 * Who: the verified signature of its main executable, read through
 * /proc/PID/exe, the inode that runs (not whatever its path names now).
 * Intact: every executable mapping accounted for (mappings.c). Everything
 * is read through the process's own /proc directory (proc.c), so nothing
 * read can be another process's; an exec during the inspection is caught
 * by the main executable's inode changing, and the inspection starts over.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codesign/format.h"
#include "codesign/identity_internal.h"
#include "core/error_internal.h"
#include "core/file.h"
#include "core/quote.h"
#include "policy/policy_internal.h"
#include "process/process_internal.h"

/* /proc/PID/status is about 1.5 KiB. */
#define STATUS_MAX 65536
/* Inspections started over because the process exec'd meanwhile, before giving up. */
#define MAX_ATTEMPTS 3
/* Reads of maps before one that does not parse is taken for what the map is. */
#define MAPS_READS 3

static const char DELETED[] = " (deleted)";

int sg_process_add_problem(signet_process *p, signet_error *problem)
{
	if (p->problems.n >= SG_PROCESS_MAX_PROBLEMS) {
		signet_error_free(problem);
		p->problems_dropped++;
		return 0;
	}
	if (sg_array_push(&p->problems, problem) != 0) {
		signet_error_free(problem);
		return SIGNET_E_NOMEM;
	}
	return 0;
}


static bool is_denied(int e)
{
	return e == EACCES || e == EPERM;
}

static bool is_gone(int e)
{
	return e == ENOENT || e == ESRCH;
}

/*
 * The process cannot be inspected by this caller: say why, never guess.
 * EACCES/EPERM on /proc/PID/exe or maps: another user's process, one that
 * is not dumpable (setuid), or ptrace restrictions (Yama, LSMs).
 */
static void set_unknown(signet_process *p, const char *file, int e, const char *why)
{
	char uid[32];
	if (p->uid == (uid_t)-1)
		snprintf(uid, sizeof uid, "uid unknown");
	else
		snprintf(uid, sizeof uid, "uid %lu", (unsigned long)p->uid);
	sg_fail(&p->unknown, &(sg_error_info){ .code = SIGNET_E_PROCESS_UNKNOWN, .check = "process.access",
		.os_errno = e }, "process %ld (%s) cannot be inspected: %s: %s (%s)", (long)p->pid, uid, file,
		strerror(e), why);
}

/* A problem with the main executable: check "process.exe", naming it. */
__attribute__((format(printf, 4, 5)))
static int exe_problem(signet_process *p, signet_error *cause, const char *expected, const char *fmt, ...)
{
	char shown[PATH_MAX + 64];
	if (p->executable)
		sg_quote(shown, sizeof shown, p->executable, PATH_MAX);
	char text[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	signet_error *problem = NULL;
	sg_fail(&problem, &(sg_error_info){ .code = SIGNET_E_PROCESS_INVALID, .path = p->executable ? shown : NULL,
		.check = "process.exe", .expected = expected, .cause = cause }, "%s", text);
	return sg_process_add_problem(p, problem);
}

/* The real uid, from /proc/PID/status (readable by anyone, unlike exe and maps). */
static int read_uid(signet_process *p, signet_error **err)
{
	char name[64];
	snprintf(name, sizeof name, "/proc/%ld/status", (long)p->pid);
	uint8_t *text = NULL;
	size_t len = 0;
	signet_error *e = NULL;
	int rc = sg_file_read_at(&text, &len, p->procdir, "status", 0, STATUS_MAX, name, "process.status", &e);
	if (rc) {
		int os = signet_error_os_errno(e);
		if (is_gone(os)) {
			signet_error_free(e);
			return sg_process_gone(err, p->pid, "exited while it was inspected");
		}
		if (is_denied(os)) { /* hidepid: the uid stays unknown, and so will the process */
			signet_error_free(e);
			return 0;
		}
		if (err)
			*err = e;
		else
			signet_error_free(e);
		return rc;
	}
	if (!sg_status_uid((const char *)text, len, &p->uid))
		p->uid = (uid_t)-1;
	free(text);
	return 0;
}

/* /proc/PID/exe could not be opened: unknown, gone, or a problem. */
static int exe_unreadable(signet_process *p, const char *label, signet_error *e, signet_error **err)
{
	int os = signet_error_os_errno(e);
	int code = signet_error_code(e);
	if (is_denied(os)) {
		signet_error_free(e);
		set_unknown(p, label, os, "another user's process, or ptrace restrictions");
		return 0;
	}
	if (code == SIGNET_E_NOMEM) {
		signet_error_free(e);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory inspecting process %ld", (long)p->pid);
	}
	if (is_gone(os) && sg_pidfd_exited(p->pidfd)) {
		signet_error_free(e);
		return sg_process_gone(err, p->pid, "exited while it was inspected");
	}
	if (is_gone(os)) {
		signet_error_free(e);
		return exe_problem(p, NULL, "a main executable", "process %ld has no main executable (a kernel thread?)",
			(long)p->pid);
	}
	return exe_problem(p, e, "a readable main executable", "main executable cannot be read: %s",
		signet_error_message(e));
}

static int read_exe_name(signet_process *p, const char *label, signet_error **err)
{
	char buf[2 * PATH_MAX];
	ssize_t n = readlinkat(p->procdir, "exe", buf, sizeof buf - 1);
	if (n < 0) {
		int e = errno;
		if (is_denied(e)) {
			set_unknown(p, label, e, "another user's process, or ptrace restrictions");
			return 0;
		}
		if (is_gone(e))
			return sg_process_gone(err, p->pid, "exited while it was inspected");
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = label, .check = "process.exe",
			.os_errno = e }, "cannot read the link: %s", strerror(e));
	}
	buf[n] = '\0';
	p->executable = strdup(buf);
	if (!p->executable)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory inspecting process %ld", (long)p->pid);
	return 0;
}

/* The identity: the bytes of the inode that runs, verified under the policy's anchors. */
static int verify_exe(signet_process *p, int fd, uint64_t size, const signet_policy *policy, signet_error **err)
{
	signet_verify_options opts;
	sg_policy_verify_options(policy, &opts);
	signet_error *e = NULL;
	int rc = sg_verify_fd(&p->identity, fd, size, p->executable, sg_policy_trust(policy), &opts, &e);
	if (rc == SIGNET_E_NOMEM) {
		signet_error_free(e);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory verifying %s", p->executable);
	}
	if (rc)
		return exe_problem(p, e, "a main executable that verifies", "main executable does not verify: %s",
			sg_error_reason(e));
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/*
 * Was the main executable replaced or deleted since exec? The kernel then
 * writes " (deleted)" after its name, but a file may be named so: the
 * inode decides. The running inode has no name left (st_nlink 0), or the
 * name shown without the suffix is not the running inode.
 */
static int check_exe_on_disk(signet_process *p, int fd, const struct stat *running)
{
	/*
	 * A main executable that is a memfd sealed as snapshots are (an
	 * isolated guest's helper, run from the sealed copy of its verified
	 * bytes) has no path that could be replaced, and its bytes, just
	 * verified, cannot change: there is nothing on disk to compare.
	 */
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals >= 0 && (seals & SG_PROCESS_SNAPSHOT_SEALS) == SG_PROCESS_SNAPSHOT_SEALS)
		return 0;
	bool changed = running->st_nlink == 0;
	if (!changed && ends_with(p->executable, DELETED)) {
		struct stat now;
		changed = stat(p->executable, &now) != 0 || now.st_dev != running->st_dev || now.st_ino != running->st_ino;
	}
	if (!changed)
		return 0;
	return exe_problem(p, NULL, "the file that runs still at its path",
		"main executable changed on disk after exec (the file that runs was deleted or replaced)");
}

static int inspect_exe(signet_process *p, const signet_policy *policy, signet_error **err)
{
	char label[64];
	snprintf(label, sizeof label, "/proc/%ld/exe", (long)p->pid);
	int fd = -1;
	uint64_t size = 0;
	signet_error *e = NULL;
	/* Opened, not read by name: /proc/PID/exe is the inode that runs, even if renamed or replaced. */
	int rc = sg_file_open_at(&fd, &size, p->procdir, "exe", 0, SG_MAX_FILE_SIZE, label, "process.exe", &e);
	if (rc)
		return exe_unreadable(p, label, e, err);
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int os = errno;
		close(fd);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = label, .check = "process.exe",
			.os_errno = os }, "cannot stat: %s", strerror(os));
	}
	p->exe_dev = st.st_dev;
	p->exe_ino = st.st_ino;
	p->have_exe = true;
	rc = read_exe_name(p, label, err);
	if (!rc && !p->unknown)
		rc = verify_exe(p, fd, size, policy, err);
	if (!rc && !p->unknown)
		rc = check_exe_on_disk(p, fd, &st);
	close(fd);
	return rc;
}

/* The mappings could not be read or parsed: a problem, since they cannot all be accounted for. */
static int maps_problem(signet_process *p, const char *label, signet_error *cause, const char *what)
{
	signet_error *problem = NULL;
	sg_fail(&problem, &(sg_error_info){ .code = SIGNET_E_PROCESS_INVALID, .path = label, .check = "process.maps",
		.cause = cause }, "%s", what);
	return sg_process_add_problem(p, problem);
}

static int inspect_maps(signet_process *p, const signet_policy *policy, signet_error **err)
{
	char label[64];
	snprintf(label, sizeof label, "/proc/%ld/maps", (long)p->pid);
	for (int attempt = 1;; attempt++) {
		uint8_t *text = NULL;
		size_t len = 0;
		signet_error *e = NULL;
		/* Bounded: a process can make its map as long as it likes (long file names, many mappings). */
		int rc = sg_file_read_at(&text, &len, p->procdir, "maps", 0, SG_MAPS_MAX_BYTES, label, "process.maps", &e);
		if (rc) {
			int os = signet_error_os_errno(e);
			if (is_denied(os)) {
				signet_error_free(e);
				set_unknown(p, label, os, "another user's process, or ptrace restrictions");
				return 0;
			}
			if (is_gone(os)) {
				signet_error_free(e);
				return sg_process_gone(err, p->pid, "exited while it was inspected");
			}
			if (rc == SIGNET_E_NOMEM) {
				signet_error_free(e);
				return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading %s", label);
			}
			if (rc == SIGNET_E_LIMIT)
				return maps_problem(p, label, e, "more than 8 MiB of mappings: too many to account for");
			char what[1024];
			snprintf(what, sizeof what, "the mappings cannot be read: %s", sg_error_reason(e));
			return maps_problem(p, label, e, what);
		}
		sg_mappings maps = { 0 };
		rc = sg_maps_parse(&maps, (const char *)text, len, SG_MAPS_MAX_MAPPINGS, label, &e);
		if (rc && rc != SIGNET_E_NOMEM && attempt < MAPS_READS) {
			/*
			 * The kernel writes maps one read() at a time, each under its own
			 * lock: a process that maps or unmaps meanwhile (any allocator
			 * may) tears the text, lines out of order or overlapping. Read it
			 * again; only a map that never parses is a problem.
			 */
			signet_error_free(e);
			sg_array_clear(&maps);
			free(text);
			continue;
		}
		if (rc == SIGNET_E_NOMEM) {
			signet_error_free(e);
			rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading %s", label);
		} else if (rc) {
			rc = maps_problem(p, label, e, sg_error_reason(e));
		} else {
			rc = sg_process_judge_mappings(p, &maps, policy, err);
		}
		sg_array_clear(&maps);
		free(text);
		return rc;
	}
}

/* Did the process exec while it was inspected (its main executable is another inode now)? */
static bool exec_happened(const signet_process *p)
{
	if (!p->have_exe)
		return false;
	if (sg_process_mm_replaced(p))
		return !sg_pidfd_exited(p->pidfd); /* an exit is for the final check to report */
	struct stat st;
	if (fstatat(p->procdir, "exe", &st, 0) != 0)
		return !is_gone(errno); /* gone: the final check says so; denied: it exec'd something setuid */
	return st.st_dev != p->exe_dev || st.st_ino != p->exe_ino;
}

/*
 * Holds the address space about to be inspected (see mm_fd): opened before
 * anything is read, so that an exec after this point shows, however
 * quickly it came. Not openable (another user's process): the exe and maps
 * reads that follow say why.
 */
static void hold_mm(signet_process *p)
{
	if (p->mm_fd >= 0)
		close(p->mm_fd);
	p->mm_fd = openat(p->procdir, "maps", O_RDONLY | O_CLOEXEC | O_NOCTTY);
}

static int inspect_once(signet_process *p, const signet_policy *policy, signet_error **err)
{
	hold_mm(p);
	int rc = inspect_exe(p, policy, err);
	if (!rc && !p->unknown)
		rc = inspect_maps(p, policy, err);
	return rc;
}

/* Past the cap, one last problem says how many more there were. */
static int count_dropped(signet_process *p)
{
	if (!p->problems_dropped)
		return 0;
	signet_error *more = NULL;
	sg_fail(&more, &(sg_error_info){ .code = SIGNET_E_PROCESS_INVALID, .check = "process.mapping" },
		"and %zu more problems, not listed", p->problems_dropped);
	if (sg_array_push(&p->problems, more) != 0) {
		signet_error_free(more);
		return SIGNET_E_NOMEM;
	}
	return 0;
}

static int inspect(signet_process *p, int dir_errno, const signet_policy *policy, signet_error **err)
{
	if (p->procdir < 0 && p->pid == 0) {
		sg_fail(&p->unknown, &(sg_error_info){ .code = SIGNET_E_PROCESS_UNKNOWN, .check = "process.access" },
			"the process is in a pid namespace this process's /proc cannot see");
		return 0;
	}
	if (p->procdir < 0) {
		char dir[64];
		snprintf(dir, sizeof dir, "/proc/%ld", (long)p->pid);
		set_unknown(p, dir, dir_errno, "hidden: /proc mounted with hidepid?");
		return 0;
	}
	int rc = read_uid(p, err);
	for (int attempt = 1; !rc; attempt++) {
		rc = inspect_once(p, policy, err);
		if (rc || p->unknown || !exec_happened(p))
			break;
		if (attempt == MAX_ATTEMPTS) {
			rc = exe_problem(p, NULL, "a process that stays one program while inspected",
				"the process exec'd %d times while it was inspected", MAX_ATTEMPTS);
			break;
		}
		sg_process_forget(p);
	}
	if (!rc)
		rc = count_dropped(p);
	/* Exited meanwhile: what was read may be of a dying process; say it is gone. */
	if (!rc && sg_pidfd_exited(p->pidfd))
		rc = sg_process_gone(err, p->pid, "exited while it was inspected");
	return rc;
}

int sg_process_inspect(signet_process **out, int pidfd, const sg_proc *proc, const signet_policy *policy,
	signet_error **err)
{
	signet_process *p = calloc(1, sizeof *p);
	if (!p) {
		if (proc->dir >= 0)
			close(proc->dir);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory inspecting process %ld", (long)proc->pid);
	}
	p->procdir = proc->dir;
	p->mm_fd = -1;
	p->pid = proc->pid;
	p->uid = (uid_t)-1;
	/* Our own descriptor: the caller keeps theirs, and the object outlives the call. */
	p->pidfd = fcntl(pidfd, F_DUPFD_CLOEXEC, 3);
	int rc = p->pidfd < 0
		? sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .check = "process.pidfd", .os_errno = errno },
			"cannot duplicate pidfd %d: %s", pidfd, strerror(errno))
		: inspect(p, proc->dir_errno, policy, err);
	if (rc) {
		signet_process_free(p);
		return rc;
	}
	if (p->unknown) {
		/* Unknown is all it is: nothing half-read is offered as its identity or its problems. */
		signet_error *why = p->unknown;
		p->unknown = NULL;
		sg_process_forget(p);
		p->unknown = why;
		p->verdict = SIGNET_PROCESS_UNKNOWN;
		if (p->mm_fd >= 0) {
			close(p->mm_fd);
			p->mm_fd = -1;
		}
	} else if (p->problems.n > 0 || !p->identity)
		p->verdict = SIGNET_PROCESS_INVALID;
	else
		p->verdict = SIGNET_PROCESS_VALID;
	*out = p;
	return 0;
}

/* What every inspection needs of its policy: NULL is the default, and anchors are a must. */
int sg_process_policy(const signet_policy **policy, signet_error **err)
{
	int rc = sg_policy_or_default(policy, NULL, err);
	if (rc)
		return rc;
	if (!sg_policy_trust(*policy))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_INVALID, .check = "policy.anchors" },
			"the policy has no trust anchors: no process can be identified");
	return 0;
}

int signet_code_for_pidfd(signet_process **out, int pidfd, const signet_policy *policy, signet_error **err)
{
	if (!out)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_code_for_pidfd needs an output");
	int rc = sg_process_policy(&policy, err);
	sg_proc proc;
	if (!rc)
		rc = sg_proc_open(&proc, pidfd, err);
	if (!rc)
		rc = sg_process_inspect(out, pidfd, &proc, policy, err);
	return rc;
}
