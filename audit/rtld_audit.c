/* SPDX-License-Identifier: MIT */
/*
 * rtld_audit.c - libsignet-audit.so: library validation for any program,
 * through glibc's audit interface (rtld-audit(7), LD_AUDIT). docs/audit.md
 * is the user's guide; this is how it works.
 *
 * ld.so asks la_objsearch() about every file it is about to open for a
 * library: each candidate of a search (LD_LIBRARY_PATH, RUNPATH, the
 * cache, the default directories), every LD_PRELOAD entry and dlopen()
 * path. The candidate is judged (loader/audit/judge.h) and the answer is
 *  - a platform library: its judged real path, which ld.so opens;
 *  - signed and admitted: "/proc/self/fd/N", the sealed snapshot that was
 *    verified, so the bytes mapped are the bytes verified;
 *  - refused: NULL, so ld.so never opens it and goes on to its next
 *    candidate, as dyld does; with none left it reports the library as not
 *    found. The refusal and its reason are written to standard error (and
 *    the image log).
 * ld.so names the object after the candidate it searched, not after the
 * path it opened (glibc's open_path() and _dl_map_object() keep the
 * searched name as l_name), so gdb, backtraces, dladdr() and $ORIGIN all
 * see the real path; /proc/PID/maps shows the memfd, named after it.
 *
 * la_objopen() hears of every object once mapped: the main program (which
 * the kernel mapped: its file is judged there, and a refusal ends the
 * process before any of its code or any library runs), ld.so itself and
 * the vDSO (trusted: they run this very module), and each library, which
 * must be a candidate judged above (anything else ends the process: fail
 * closed). It writes the image log and returns no binding flags, and no
 * la_symbind or PLT hook is defined: ld.so then keeps its ordinary fast
 * lazy binding, so there is no cost after start-up (bench/bench_audit.c).
 *
 * Thread-safety: ld.so calls these with its load lock held, one at a time;
 * the mutex guards against la_objclose() from exit() on another thread.
 */
#include "config.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <signet/error.h>
#include <signet/policy.h>
#include <signet/signature.h>

#include "audit/judge.h"
#include "core/error_internal.h"
#include "imagelog/imagelog.h"
#include "registry/image_internal.h"

/* What ld.so looks up by name (-fvisibility=hidden hides everything else; audit.map agrees). */
#define LA_EXPORT __attribute__((visibility("default")))

/* Exit statuses when the module ends the process (docs/audit.md). */
#define EXIT_PROGRAM_REFUSED 126
#define EXIT_UNJUDGED 127

/* An image ld.so mapped, or a candidate handed to ld.so that it has not mapped yet. */
typedef struct audited {
	struct audited *next;
	char *name;                /* its real name: what l_name shows once mapped (see la_objopen()) */
	char *ld_name;             /* the name ld.so gives the object (l_name when mapped), to find it again */
	char open_path[PATH_MAX];  /* what ld.so was told to open */
	dev_t dev;                 /* the file judged, to reuse a snapshot for another name of it */
	ino_t ino;
	int memfd;                 /* the sealed snapshot, or -1 */
	dev_t memfd_dev;           /* the snapshot's own identity, checked before the number is reused */
	ino_t memfd_ino;
	sg_verdict_kind kind;
	signet_identity *identity;
	bool identity_shared;      /* another record has the same identity (alias_of()) */
	signet_error *why;         /* log-only: why it would have been refused */
	/* Once mapped: */
	struct link_map *map;
	unsigned long long id;
	signet_arrival arrival;
	char build_id[2 * 64 + 1];
} audited;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static signet_policy *policy;
static signet_error *policy_error;  /* the policy could not be made: the program is refused */
static bool log_only;
static int log_fd = -1;
static bool startup_done;           /* the base namespace was consistent once */
static audited *closing;            /* closed since the last LA_ACT_CONSISTENT, oldest first */
static unsigned long long next_id = 1;
static audited *images;             /* mapped and pending, newest first */
static char asked[NAME_MAX + 1];    /* the last name asked for (LA_SER_ORIG): a soname for the platform list */

/* ---- reporting ------------------------------------------------------------ */

static void log_line(const char *line, size_t len)
{
	if (log_fd >= 0)
		sg_imagelog_write(log_fd, line, len);
}

/*
 * A refusal goes to the image log and, so that nobody has to know about
 * the log to learn why a program will not start, to standard error as a
 * sentence (unless the log already is standard error).
 */
static void report_refusal(const char *what, const char *path, int code, const signet_error *why)
{
	char line[SG_IMAGELOG_LINE_MAX];
	log_line(line, sg_imagelog_format_refusal(line, sizeof line, log_only ? "would-refuse" : "refuse", path,
		code, why));
	if (log_only || log_fd == STDERR_FILENO)
		return;
	const char *name = signet_code_name(code);
	int n = snprintf(line, sizeof line, "signet-audit: refused %s %s: %s (%s, check %s)\n", what, path,
		why ? sg_error_reason(why) : signet_code_description(code), name ? name : "-",
		why && signet_error_check(why) ? signet_error_check(why) : "-");
	if (n > 0)
		sg_imagelog_write(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void log_image(const char *event, const audited *a)
{
	if (log_fd < 0)
		return;
	sg_imagelog_entry e = { .event = event, .base = (unsigned long long)a->map->l_addr, .id = a->id,
		.build_id_hex = a->build_id, .arrival = signet_arrival_name(a->arrival), .path = a->name,
		.platform = a->kind == SG_VERDICT_PLATFORM };
	if (a->identity)
		e.status = SIGNET_SIGNATURE_VERIFIED;
	e.identity = a->identity;
	char line[SG_IMAGELOG_LINE_MAX];
	log_line(line, sg_imagelog_format_entry(line, sizeof line, &e));
}

/* The build-id, read from the mapped headers (no file is opened). */
static void read_build_id(audited *a)
{
	Dl_info info;
	a->build_id[0] = '\0';
	if (!a->map->l_ld || !dladdr(a->map->l_ld, &info) || !info.dli_fbase)
		return;
	const ElfW(Ehdr) *eh = info.dli_fbase;
	/* The first page holds the ELF header; the program headers must be inside it too. */
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_phentsize != sizeof(ElfW(Phdr)) ||
	    eh->e_phoff > page || (size_t)eh->e_phnum * sizeof(ElfW(Phdr)) > page - eh->e_phoff)
		return;
	sg_mapped_build_id_hex(a->map->l_addr, (const ElfW(Phdr) *)((const char *)eh + eh->e_phoff), eh->e_phnum,
		a->build_id, sizeof a->build_id);
}

/* ---- the table of judged files ---------------------------------------------- */

static void audited_free(audited *a)
{
	if (a->memfd >= 0)
		close(a->memfd);
	if (!a->identity_shared)
		signet_identity_free(a->identity);
	signet_error_free(a->why);
	free(a->name);
	free(a->ld_name);
	free(a);
}

static void unlink_audited(audited *a)
{
	for (audited **p = &images; *p; p = &(*p)->next)
		if (*p == a) {
			*p = a->next;
			return;
		}
}

/* Candidates ld.so was given but did not map (it found another, or failed): their snapshots go. */
static void drop_pending(void)
{
	for (audited **p = &images; *p;) {
		audited *a = *p;
		if (a->map) {
			p = &a->next;
			continue;
		}
		*p = a->next;
		audited_free(a);
	}
}

/*
 * A snapshot already mapped for the same file, asked for under another
 * name (a symlink, a path after a soname): ld.so recognizes an object by
 * its file's device and inode, so it must be handed the same memfd, not a
 * second copy. The descriptor is checked to still be that memfd: a program
 * may have closed it and reused the number.
 */
static audited *mapped_snapshot_of(const struct stat *st)
{
	for (audited *a = images; a; a = a->next) {
		struct stat m;
		if (a->map && a->memfd >= 0 && a->dev == st->st_dev && a->ino == st->st_ino &&
		    fstat(a->memfd, &m) == 0 && m.st_dev == a->memfd_dev && m.st_ino == a->memfd_ino)
			return a;
	}
	return NULL;
}

static audited *find_pending(const char *ld_name)
{
	for (audited *a = images; a; a = a->next)
		if (!a->map && a->ld_name && strcmp(a->ld_name, ld_name) == 0)
			return a;
	return NULL;
}

/* The directory part of `path` (up to its last '/', exclusive; "/" for "/x"), into `out`. */
static size_t directory_length(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return 0;
	return slash == path ? 1 : (size_t)(slash - path);
}

/* ---- ld.so's questions -------------------------------------------------------- */

LA_EXPORT unsigned int la_version(unsigned int version)
{
	/*
	 * Never 0: that would make ld.so ignore the module and run the program
	 * unchecked. A policy that cannot be made is remembered and refuses
	 * the program in la_objopen(), before any of its code runs.
	 */
	const char *mode = secure_getenv("SIGNET_AUDIT_LOG_ONLY");
	log_only = mode && strcmp(mode, "1") == 0;
	log_fd = sg_imagelog_open_from_env();
	if (log_only && log_fd < 0)
		log_fd = STDERR_FILENO; /* log-only exists to print what would happen */
	if (sg_audit_policy(&policy, &policy_error) != 0)
		policy = NULL;
	return version < LAV_CURRENT ? version : LAV_CURRENT;
}

static const char *last_component(const char *name)
{
	const char *slash = strrchr(name, '/');
	return slash ? slash + 1 : name;
}

/*
 * "/proc/self/fd/" + padding + N, for a snapshot ld.so will name after the
 * path it opens (a name with a '/': ld.so asks about it only once, before
 * choosing it, and keeps what it was told). The padding, extra slashes,
 * makes the name at least as long as the real one, and its directory at
 * least as long as the real directory, so la_objopen() can write the real
 * name into ld.so's own buffer, and the dependencies found through
 * $ORIGIN (whose names ld.so builds on that directory) fit too.
 */
static void padded_snapshot_path(char out[PATH_MAX], int memfd, const char *real)
{
	size_t pad = strlen(real);
	if (pad > PATH_MAX - 64)
		pad = PATH_MAX - 64;
	int n = snprintf(out, PATH_MAX, "/proc/self/fd/");
	memset(out + n, '/', pad);
	snprintf(out + n + pad, PATH_MAX - (size_t)n - pad, "%d", memfd);
}

/*
 * Where a name with a '/' (as asked: a DT_NEEDED entry, an LD_PRELOAD entry,
 * a dlopen() argument) really leads: $ORIGIN and ${ORIGIN} are the asking
 * object's real directory. Other dynamic string tokens ($LIB, $PLATFORM)
 * are not expanded here; such a name is refused rather than guessed at.
 */
static bool expand_origin(const char *name, const audited *loader, char out[PATH_MAX])
{
	size_t used = 0;
	for (const char *p = name; *p;) {
		const char *rest = NULL;
		if (strncmp(p, "$ORIGIN", 7) == 0 && !(p[7] == '_' || (p[7] >= 'A' && p[7] <= 'Z') ||
		    (p[7] >= 'a' && p[7] <= 'z') || (p[7] >= '0' && p[7] <= '9')))
			rest = p + 7;
		else if (strncmp(p, "${ORIGIN}", 9) == 0)
			rest = p + 9;
		else if (*p == '$')
			return false;
		if (rest) {
			if (!loader || !loader->name || loader->name[0] != '/')
				return false;
			size_t dl = directory_length(loader->name);
			if (used + dl >= PATH_MAX)
				return false;
			memcpy(out + used, loader->name, dl);
			used += dl;
			p = rest;
			continue;
		}
		if (used + 1 >= PATH_MAX)
			return false;
		out[used++] = *p++;
	}
	out[used] = '\0';
	return true;
}

/*
 * A candidate built on the directory of an object ld.so knows by a
 * snapshot's name ("$ORIGIN/.." of a library dlopen()ed by path) is turned
 * back into the real path it stands for: the asking object (`loader`,
 * la_objsearch()'s cookie) is the one whose directory ld.so used.
 */
static void translate_candidate(const char *name, const audited *loader, char out[PATH_MAX])
{
	snprintf(out, PATH_MAX, "%s", name);
	if (!loader || !loader->ld_name || !loader->name || strcmp(loader->ld_name, loader->name) == 0)
		return;
	size_t fake = directory_length(loader->ld_name), real = directory_length(loader->name);
	if (fake && strncmp(name, loader->ld_name, fake) == 0 && name[fake] == '/')
		snprintf(out, PATH_MAX, "%.*s%s", (int)real, loader->name, name + fake);
}

/*
 * The snapshot `same` (already mapped) handed to ld.so for another name of
 * its file. In the same namespace ld.so recognizes the file and maps
 * nothing; in another (dlmopen()) it maps the verified bytes again, and
 * this record, pending under the name ld.so will give it, is what
 * la_objopen() finds. The identity is shared from then on, and so never
 * freed: a few hundred bytes, once per such file.
 */
static char *alias_of(audited *same, const char *ld_name, const char *real)
{
	audited *a = calloc(1, sizeof *a);
	if (!a || !(a->name = strdup(real)) || !(a->ld_name = strdup(ld_name))) {
		if (a) {
			a->memfd = -1;
			audited_free(a);
		}
		report_refusal("library", real, SIGNET_E_NOMEM, NULL);
		return NULL;
	}
	a->memfd = -1;
	a->dev = same->dev;
	a->ino = same->ino;
	a->kind = same->kind;
	a->identity = same->identity;
	a->identity_shared = same->identity_shared = true;
	snprintf(a->open_path, sizeof a->open_path, "%s", same->open_path);
	a->next = images;
	images = a;
	return a->open_path;
}

/*
 * The verdict on `path`. Without a policy (it could not be made) every file
 * is refused, with the reason the policy could not be made.
 */
static sg_verdict_kind judge(const char *path, const char *soname, unsigned flags, sg_verdict *v)
{
	if (policy)
		return sg_judge_file(policy, path, soname, flags, v);
	*v = (sg_verdict){ .memfd = -1, .kind = SG_VERDICT_REFUSED, .code = signet_error_code(policy_error),
		.why = sg_error_copy(policy_error) };
	return v->kind;
}

/* Judges the file `real` for ld.so, which calls it `ld_name`; the answer for la_objsearch(). */
static char *judge_candidate(const char *ld_name, const char *real, bool asked_by_path)
{
	struct stat st;
	if (stat(real, &st) != 0)
		return NULL; /* nothing there: never let ld.so open what was not judged, even if it appears now */
	audited *same = log_only ? NULL : mapped_snapshot_of(&st);
	if (same)
		return alias_of(same, asked_by_path ? same->open_path : ld_name, real);
	audited *a = calloc(1, sizeof *a);
	if (!a || !(a->name = strdup(real))) {
		free(a);
		report_refusal("library", real, SIGNET_E_NOMEM, NULL);
		return NULL;
	}
	a->memfd = -1;
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	sg_verdict v;
	judge(real, asked[0] ? asked : NULL, log_only ? SG_JUDGE_NO_SNAPSHOT : 0, &v);
	a->kind = v.kind;
	a->identity = v.identity;
	v.identity = NULL;
	if (v.kind == SG_VERDICT_REFUSED) {
		report_refusal("library", real, v.code, v.why);
		if (!log_only) {
			sg_verdict_clear(&v);
			audited_free(a);
			return NULL;
		}
		a->why = v.why;
		v.why = NULL;
	}
	a->memfd = sg_verdict_take_fd(&v);
	sg_verdict_clear(&v);
	const char *ld_will_call_it = ld_name;
	if (log_only || a->memfd < 0) {
		/* Log-only changes nothing; a platform library is opened by the name judged. */
		snprintf(a->open_path, sizeof a->open_path, "%s", log_only ? ld_name : real);
		if (asked_by_path)
			ld_will_call_it = a->open_path;
	} else if (asked_by_path) {
		padded_snapshot_path(a->open_path, a->memfd, real);
		ld_will_call_it = a->open_path;
	} else {
		snprintf(a->open_path, sizeof a->open_path, "/proc/self/fd/%d", a->memfd);
	}
	struct stat m;
	if (a->memfd >= 0 && fstat(a->memfd, &m) == 0) {
		a->memfd_dev = m.st_dev;
		a->memfd_ino = m.st_ino;
	}
	if (!(a->ld_name = strdup(ld_will_call_it))) {
		audited_free(a);
		report_refusal("library", real, SIGNET_E_NOMEM, NULL);
		return NULL;
	}
	a->next = images;
	images = a;
	return a->open_path;
}

LA_EXPORT char *la_objsearch(const char *name, uintptr_t *cookie, unsigned int flag)
{
	const audited *loader = cookie ? (const audited *)*cookie : NULL;
	/*
	 * LA_SER_ORIG is the name as asked, before any file is chosen. A bare
	 * name is left alone (remembered as the soname the platform list is
	 * checked against): ld.so asks again for each candidate it finds. A
	 * name with a '/' is asked about only here (glibc skips the audit for
	 * the open that follows), so it is judged now.
	 */
	if (flag == LA_SER_ORIG)
		snprintf(asked, sizeof asked, "%s", last_component(name));
	if (flag == LA_SER_ORIG && !strchr(name, '/'))
		return (char *)(uintptr_t)name; /* the interface's type: ld.so never writes through it */

	pthread_mutex_lock(&lock);
	char real[PATH_MAX];
	char *answer = NULL;
	if (flag == LA_SER_ORIG && !expand_origin(name, loader, real)) {
		signet_error *why = NULL;
		sg_fail(&why, &(sg_error_info){ .code = SIGNET_E_NOT_FOUND, .path = name, .check = "audit.name" },
			"a dynamic string token other than $ORIGIN, or $ORIGIN of an object with no absolute path: "
			"not expanded by the audit module");
		report_refusal("library", name, SIGNET_E_NOT_FOUND, why);
		signet_error_free(why);
	} else {
		if (flag != LA_SER_ORIG)
			translate_candidate(name, loader, real);
		answer = judge_candidate(flag == LA_SER_ORIG ? real : name, real, flag == LA_SER_ORIG);
	}
	pthread_mutex_unlock(&lock);
	return answer;
}

/* The main program, which the kernel mapped: judged by its file, before any of its code runs. */
static void judge_program(audited *a)
{
	sg_verdict v;
	judge("/proc/self/exe", NULL, SG_JUDGE_PROGRAM, &v);
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = '\0';
	free(a->name);
	a->name = strdup(v.real_path[0] ? v.real_path : exe);
	a->kind = v.kind;
	a->identity = v.identity;
	v.identity = NULL;
	if (v.kind == SG_VERDICT_REFUSED) {
		report_refusal("program", a->name ? a->name : exe, v.code, v.why);
		if (!log_only)
			_exit(EXIT_PROGRAM_REFUSED);
	}
	sg_verdict_clear(&v);
}

/*
 * The first object of a new namespace (dlmopen(LM_ID_NEWLM, path)): glibc
 * opens it without asking la_objsearch() (it has no loader to ask for), so
 * it is judged here, mapped but before any of its code runs. Its file is
 * what is verified, not a snapshot (docs/audit.md, "Limits"); a refusal
 * cannot unmap it, so it ends the process, as a refused program does.
 */
static void judge_late(audited *a, const char *path)
{
	sg_verdict v;
	judge(path, last_component(path), SG_JUDGE_NO_SNAPSHOT, &v);
	a->kind = v.kind;
	a->identity = v.identity;
	v.identity = NULL;
	if (v.kind == SG_VERDICT_REFUSED) {
		report_refusal("library", path, v.code, v.why);
		if (!log_only)
			_exit(EXIT_UNJUDGED);
	}
	sg_verdict_clear(&v);
}

/* A verdict for the record only (ld.so itself): nothing is kept, nothing reported. */
static sg_verdict_kind judge_quietly(const char *path)
{
	sg_verdict v;
	sg_verdict_kind kind = judge(path, last_component(path), SG_JUDGE_NO_SNAPSHOT, &v);
	sg_verdict_clear(&v);
	return kind;
}

LA_EXPORT unsigned int la_objopen(struct link_map *map, Lmid_t lmid, uintptr_t *cookie)
{
	pthread_mutex_lock(&lock);
	const char *name = map->l_name ? map->l_name : "";
	audited *a = find_pending(name);
	if (!a) {
		a = calloc(1, sizeof *a);
		if (!a || !(a->name = strdup(name))) {
			static const char msg[] = "signet-audit: out of memory\n";
			sg_imagelog_write(STDERR_FILENO, msg, sizeof msg - 1);
			_exit(EXIT_UNJUDGED);
		}
		a->memfd = -1;
		a->next = images;
		images = a;
		if (next_id == 1) {
			/* The first object is the main program. */
			a->arrival = SIGNET_ARRIVAL_MAIN_PROGRAM;
			judge_program(a);
		} else if (next_id == 2) {
			/* ld.so itself: trusted (it is what runs this module), shown as what it is. */
			a->arrival = SIGNET_ARRIVAL_STARTUP;
			a->kind = judge_quietly(name);
		} else if (!startup_done && !strchr(name, '/')) {
			/* The vDSO: the kernel's, no file behind it. */
			a->arrival = SIGNET_ARRIVAL_VDSO;
		} else if (lmid != LM_ID_BASE && strchr(name, '/')) {
			judge_late(a, name);
		} else {
			/* Mapped, but never judged: it cannot be unmapped from here, so the process ends. */
			char line[PATH_MAX + 128];
			int n = snprintf(line, sizeof line, "signet-audit: %s was mapped without being judged; "
				"ending the process\n", name);
			sg_imagelog_write(STDERR_FILENO, line, n > 0 ? (size_t)n : 0);
			_exit(EXIT_UNJUDGED);
		}
	}
	if (!a->arrival)
		a->arrival = startup_done ? SIGNET_ARRIVAL_FOREIGN : SIGNET_ARRIVAL_STARTUP;
	/*
	 * Named after a snapshot (asked for by path) or after a snapshot's
	 * directory ($ORIGIN of one): the real name goes into ld.so's own
	 * buffer, which the padding made long enough (it is ld.so's to free,
	 * so it is written, not replaced). gdb, dladdr() and later dlopen()s
	 * of the same path then see the real name.
	 */
	if (a->ld_name && a->name && strcmp(name, a->name) != 0 && strlen(a->name) <= strlen(name))
		memcpy(map->l_name, a->name, strlen(a->name) + 1);
	a->map = map;
	a->id = next_id++;
	read_build_id(a);
	log_image("add", a);
	*cookie = (uintptr_t)a;
	pthread_mutex_unlock(&lock);
	/* No LA_FLG_BINDTO/BINDFROM: no symbol binding is audited, so calls stay at full speed. */
	return 0;
}

LA_EXPORT unsigned int la_objclose(uintptr_t *cookie)
{
	audited *a = (audited *)*cookie;
	if (!a)
		return 0;
	pthread_mutex_lock(&lock);
	unlink_audited(a);
	/* Reported when the namespace is consistent again: only then is it known whether this is an exit. */
	a->next = NULL;
	audited **tail = &closing;
	while (*tail)
		tail = &(*tail)->next;
	*tail = a;
	*cookie = 0;
	pthread_mutex_unlock(&lock);
	return 0;
}

/*
 * The objects closed since the last LA_ACT_CONSISTENT. At exit ld.so closes
 * every object, the main program among them, in the same way as dlclose()
 * closes one: a batch with the main program in it is the process ending,
 * not images going away, and is not logged (a Signet host's log has no
 * remove lines at exit either).
 */
static void finish_closing(void)
{
	bool exiting = false;
	for (audited *a = closing; a; a = a->next)
		exiting |= a->arrival == SIGNET_ARRIVAL_MAIN_PROGRAM;
	while (closing) {
		audited *a = closing;
		closing = a->next;
		if (!exiting)
			log_image("remove", a);
		audited_free(a);
	}
}

LA_EXPORT void la_activity(uintptr_t *cookie, unsigned int flag)
{
	(void)cookie;
	pthread_mutex_lock(&lock);
	if (flag == LA_ACT_CONSISTENT) {
		startup_done = true;
		finish_closing();
		drop_pending();
	}
	pthread_mutex_unlock(&lock);
}
