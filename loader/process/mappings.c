/* SPDX-License-Identifier: MIT */
/*
 * mappings.c - is every executable mapping of a process accounted for?
 *
 * The rules, in order, for each mapping with 'x' (docs/processes.md):
 *  1. writable too: never (code that can be rewritten in place);
 *  2. the kernel's own, without a file: [vdso], [vsyscall], [uprobes];
 *  3. any other mapping without a file (anonymous, [heap], [stack]): never;
 *  4. the main executable (its device and inode): judged as the identity;
 *  5. a Signet snapshot (a memfd named "signet:..."): the process's own
 *     descriptor for it, sealed as the loader seals, whose bytes verify
 *     under the policy's anchors;
 *  6. any other file: still the file at its path (not deleted or replaced
 *     since it was mapped), and a platform library the policy admits.
 * Files are told apart by device and inode, never by the path the kernel
 * shows, which whoever named the file chose. Each file is judged once,
 * however many mappings it has.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "codesign/format.h"
#include "codesign/identity_internal.h"
#include "core/error_internal.h"
#include "core/file.h"
#include "core/quote.h"
#include "elf/elf_dynamic.h"
#include "elf/elf_image.h"
#include "policy/policy_internal.h"
#include "process/process_internal.h"

/*
 * Why a mapping (or the file behind it) is not accounted for: an error
 * whose message is the reason alone, with expected/actual and a cause.
 */
__attribute__((format(printf, 5, 6)))
static int refuse(signet_error **why, signet_error *cause, const char *expected, const char *actual,
	const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sg_fail_v(why, &(sg_error_info){ .code = SIGNET_E_PROCESS_INVALID, .check = "process.mapping",
		.expected = expected, .actual = actual, .cause = cause }, fmt, ap);
	va_end(ap);
	return 0;
}

static bool same_file(const struct stat *st, const sg_mapping *m)
{
	return major(st->st_dev) == m->dev_major && minor(st->st_dev) == m->dev_minor && st->st_ino == m->inode;
}

static bool path_is_file(const char *path, const sg_mapping *m)
{
	struct stat st;
	return stat(path, &st) == 0 && same_file(&st, m);
}

/* ---- rules 1-4: decided from the line alone ------------------------------ */

typedef enum quick {
	ACCOUNTED,   /* the kernel's, or the main executable */
	NEEDS_FILE,  /* rules 5 and 6 */
	REFUSED      /* rules 1 and 3: *why says why */
} quick;

/* The kernel's own code: no file, a name only the kernel gives ("[anon:x]" is what a process can choose). */
static bool kernel_code(const sg_mapping *m)
{
	/* [uprobes] is the kernel's out-of-line area for uprobes (only root sets them): copies of instructions of code already judged. */
	return m->inode == 0 && (sg_mapping_path_is(m, "[vdso]") || sg_mapping_path_is(m, "[vsyscall]") ||
		sg_mapping_path_is(m, "[uprobes]"));
}

static quick quick_rule(const signet_process *p, const sg_mapping *m, signet_error **why)
{
	if (m->write) {
		refuse(why, NULL, "not writable", m->perms, "writable and executable: code that can be rewritten in place");
		return REFUSED;
	}
	if (kernel_code(m))
		return ACCOUNTED;
	if (m->inode == 0) {
		refuse(why, NULL, "a file", "no file", "executable memory that is no file (code written at run time)");
		return REFUSED;
	}
	/* The main executable's mappings: the identity (or its problem) speaks for them. */
	if (p->have_exe && major(p->exe_dev) == m->dev_major && minor(p->exe_dev) == m->dev_minor &&
	    p->exe_ino == m->inode)
		return ACCOUNTED;
	return NEEDS_FILE;
}

/* ---- rule 5: Signet snapshots ------------------------------------------ */

static bool is_mapped_file(const struct stat *st, const void *ctx)
{
	return S_ISREG(st->st_mode) && same_file(st, ctx);
}

/*
 * The process's descriptor for the memfd behind `m`, opened by us: the
 * mapping names the memfd by inode only, and only through a descriptor can
 * its seals be asked and its bytes read.
 */
static int open_snapshot(signet_process *p, const sg_mapping *m, int *fd, uint64_t *size, char label[96],
	signet_error **why)
{
	char name[32];
	int os = 0;
	int found = sg_proc_find_fd(p->procdir, is_mapped_file, m, name, &os);
	if (found == -1)
		return refuse(why, NULL, "a readable /proc/PID/fd", strerror(os),
			"a Signet snapshot whose descriptor cannot be looked for: /proc/%ld/fd: %s", (long)p->pid, strerror(os));
	if (found == -2)
		return refuse(why, NULL, "a Signet snapshot the process holds open", "too many descriptors",
			"a Signet snapshot not found among the first %d descriptors of the process", SG_PROCESS_MAX_FDS);
	if (found == 0)
		return refuse(why, NULL, "a Signet snapshot the process holds open", "no descriptor",
			"a Signet snapshot the process no longer holds open: its bytes cannot be read to verify");
	snprintf(label, 96, "/proc/%ld/fd/%s", (long)p->pid, name);
	signet_error *e = NULL;
	int dir = openat(p->procdir, "fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int rc = dir < 0 ? SIGNET_E_IO : sg_file_open_at(fd, size, dir, name, 0, SG_MAX_FILE_SIZE, label,
		"process.mapping", &e);
	if (dir >= 0)
		close(dir);
	if (rc)
		return refuse(why, e, "a readable Signet snapshot", NULL, "a Signet snapshot that cannot be opened: %s",
			e ? sg_error_reason(e) : strerror(errno));
	/* The descriptor number may have been reused since it was looked at. */
	struct stat st;
	if (fstat(*fd, &st) != 0 || !same_file(&st, m)) {
		close(*fd);
		*fd = -1;
		return refuse(why, NULL, "the mapped memfd", "another file",
			"a Signet snapshot whose descriptor changed while it was judged");
	}
	return 0;
}

static int judge_snapshot(signet_process *p, const sg_mapping *m, const signet_policy *policy, signet_error **why)
{
	int fd = -1;
	uint64_t size = 0;
	char label[96];
	open_snapshot(p, m, &fd, &size, label, why);
	if (*why)
		return 0;
	/* Sealed as the loader seals (load/snapshot.c): nobody, the process included, can change these bytes. */
	int seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & SG_PROCESS_SNAPSHOT_SEALS) != SG_PROCESS_SNAPSHOT_SEALS) {
		char actual[32];
		snprintf(actual, sizeof actual, "seals 0x%x", seals < 0 ? 0 : (unsigned)seals);
		close(fd);
		return refuse(why, NULL, "seals 0xf (write, shrink, grow, seal)", actual,
			"a memfd named as a Signet snapshot but not sealed (%s): its bytes can still change", actual);
	}
	signet_verify_options opts;
	sg_policy_verify_options(policy, &opts);
	signet_identity *id = NULL;
	signet_error *e = NULL;
	int rc = sg_verify_fd(&id, fd, size, label, sg_policy_trust(policy), &opts, &e);
	close(fd);
	signet_identity_free(id);
	if (rc == SIGNET_E_NOMEM) {
		signet_error_free(e);
		return SIGNET_E_NOMEM;
	}
	if (rc)
		return refuse(why, e, "a Signet snapshot that verifies", signet_code_name(rc),
			"a Signet snapshot that does not verify: %s", sg_error_reason(e));
	return 0;
}

/* ---- rule 6: platform libraries ---------------------------------------- */

/*
 * The path as a file name: the kernel writes a newline in a name as the
 * four characters "\012" (and writes a backslash as itself, so both
 * readings are possible). NULL when there is no such sequence or no memory.
 */
static char *with_newlines(const char *raw)
{
	if (!strstr(raw, "\\012"))
		return NULL;
	char *out = strdup(raw);
	if (!out)
		return NULL;
	char *w = out;
	for (const char *r = raw; *r;) {
		if (strncmp(r, "\\012", 4) == 0) {
			*w++ = '\n';
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return out;
}

/* The DT_SONAME of the file at `path` (*out NULL: it has none), for a policy that lists sonames. */
static int file_soname(char **out, const char *path, signet_error **err)
{
	sg_mapped_file mf;
	int rc = sg_mapped_file_open(&mf, path, SG_MAX_FILE_SIZE, err);
	if (rc)
		return rc;
	sg_elf_layout layout;
	sg_elf_dynamic dyn = { 0 };
	rc = sg_elf_layout_read(&layout, mf.bytes, mf.length, path, err);
	if (!rc)
		rc = sg_elf_dynamic_read(&dyn, mf.bytes, mf.length, &layout, path, err);
	sg_mapped_file_close(&mf);
	*out = NULL;
	if (!rc && dyn.soname && !(*out = strdup(dyn.soname)))
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading %s", path);
	sg_elf_dynamic_clear(&dyn);
	return rc;
}

/* `name` is the mapped file (device and inode checked): is it a platform library the policy admits? */
static int judge_platform_name(const sg_mapping *m, const char *name, const signet_policy *policy,
	signet_error **why)
{
	signet_error *e = NULL;
	char *soname = NULL;
	/* The soname list speaks of DT_SONAME, as for dependencies; without a list no soname is needed. */
	if (policy->sonames_restricted && file_soname(&soname, name, &e) != 0) {
		if (signet_error_code(e) == SIGNET_E_NOMEM) {
			signet_error_free(e);
			return SIGNET_E_NOMEM;
		}
		return refuse(why, e, "a platform library", "no soname", "not a platform library: no soname: %s",
			sg_error_reason(e));
	}
	char real[PATH_MAX];
	int rc = sg_policy_platform_library(real, policy, name, soname, &e);
	free(soname);
	if (rc)
		return refuse(why, e, signet_error_expected(e), signet_error_actual(e), "%s", sg_error_reason(e));
	/* What was judged, by name, is what is mapped. */
	if (!path_is_file(real, m))
		return refuse(why, NULL, "the mapped file", real,
			"not a platform library: it changed while it was judged (%s is another file now)", real);
	return 0;
}

static int judge_platform(const sg_mapping *m, const signet_policy *policy, signet_error **why)
{
	char *raw = strndup(m->path, m->path_len);
	if (!raw)
		return SIGNET_E_NOMEM;
	char *unescaped = with_newlines(raw);
	/* The name must still lead to the inode mapped: else the file was deleted or replaced since. */
	const char *name = path_is_file(raw, m) ? raw : unescaped && path_is_file(unescaped, m) ? unescaped : NULL;
	int rc = 0;
	if (!name) {
		bool deleted = m->path_len >= 10 && memcmp(m->path + m->path_len - 10, " (deleted)", 10) == 0;
		rc = refuse(why, NULL, "the mapped file at its path", deleted ? "deleted" : "another file or none",
			"the file was deleted or replaced since it was mapped (its path leads to %s)",
			deleted ? "no file" : "another file, or to none");
	} else {
		rc = judge_platform_name(m, name, policy, why);
	}
	free(raw);
	free(unescaped);
	return rc;
}

static int judge_file(signet_process *p, const sg_mapping *m, const signet_policy *policy, signet_error **why)
{
	if (sg_mapping_path_starts(m, SG_PROCESS_SNAPSHOT_PREFIX))
		return judge_snapshot(p, m, policy, why);
	if (sg_mapping_path_starts(m, "/memfd:"))
		return refuse(why, NULL, "a Signet snapshot (a memfd named signet:...)", "another memfd",
			"an executable memfd that is not a Signet snapshot");
	return judge_platform(m, policy, why);
}

/* ---- the whole map -------------------------------------------------------- */

/* Orders file mappings by the file they map: device, inode, then path (a hard link is another name). */
static int by_file(const void *a, const void *b)
{
	const sg_mapping *x = *(const sg_mapping *const *)a, *y = *(const sg_mapping *const *)b;
	if (x->dev_major != y->dev_major)
		return x->dev_major < y->dev_major ? -1 : 1;
	if (x->dev_minor != y->dev_minor)
		return x->dev_minor < y->dev_minor ? -1 : 1;
	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	if (x->path_len != y->path_len)
		return x->path_len < y->path_len ? -1 : 1;
	return memcmp(x->path, y->path, x->path_len);
}

/* One problem for one mapping, named by its range, permissions and path. */
static int add_mapping_problem(signet_process *p, const sg_mapping *m, const signet_error *why)
{
	char shown[PATH_MAX + 64] = "";
	char *raw = strndup(m->path, m->path_len);
	if (!raw)
		return SIGNET_E_NOMEM;
	sg_quote(shown, sizeof shown, raw, PATH_MAX);
	free(raw);
	/* A file's path leads the message; memory without a file is named in it ("[heap]", or anonymous). */
	bool file = m->inode != 0 && m->path_len > 0;
	const char *what = !file ? (m->path_len ? shown : "(anonymous)") : "";
	signet_error *problem = NULL;
	sg_fail(&problem, &(sg_error_info){ .code = SIGNET_E_PROCESS_INVALID, .path = file ? shown : NULL,
		.check = "process.mapping", .expected = signet_error_expected(why), .actual = signet_error_actual(why),
		.cause = sg_error_copy(signet_error_cause(why)) },
		"mapping %llx-%llx %s%s%s: %s", (unsigned long long)m->start, (unsigned long long)m->end, m->perms,
		file ? "" : " ", what, signet_error_message(why));
	return sg_process_add_problem(p, problem);
}

int sg_process_judge_mappings(signet_process *p, const sg_mappings *maps, const signet_policy *policy,
	signet_error **err)
{
	size_t n = maps->n;
	/* why[i]: mapping i is not accounted for. A file's judgment is owned by its first mapping in `files`. */
	signet_error **why = calloc(n ? n : 1, sizeof *why);
	const sg_mapping **files = calloc(n ? n : 1, sizeof *files);
	bool *owner = calloc(n ? n : 1, sizeof *owner);
	size_t nfiles = 0;
	int rc = (!why || !files || !owner) ? SIGNET_E_NOMEM : 0;
	for (size_t i = 0; !rc && i < n; i++) {
		const sg_mapping *m = &maps->items[i];
		if (!m->exec)
			continue;
		if (quick_rule(p, m, &why[i]) == NEEDS_FILE)
			files[nfiles++] = m;
		owner[i] = why[i] != NULL;
	}
	qsort(files, nfiles, sizeof *files, by_file);
	for (size_t k = 0; !rc && k < nfiles;) {
		size_t first = (size_t)(files[k] - maps->items), end = k + 1;
		rc = judge_file(p, files[k], policy, &why[first]);
		owner[first] = true;
		while (end < nfiles && by_file(&files[k], &files[end]) == 0) {
			why[files[end] - maps->items] = why[first];
			end++;
		}
		k = end;
	}
	for (size_t i = 0; !rc && i < n; i++)
		if (why[i])
			rc = add_mapping_problem(p, &maps->items[i], why[i]);
	for (size_t i = 0; why && owner && i < n; i++)
		if (owner[i])
			signet_error_free(why[i]);
	free(why);
	free(files);
	free(owner);
	if (rc == SIGNET_E_NOMEM)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory judging the mappings of process %ld", (long)p->pid);
	return rc;
}
