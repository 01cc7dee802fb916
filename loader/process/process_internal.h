/* SPDX-License-Identifier: MIT */
/*
 * process_internal.h - the inspected process, and what the module's files
 * share.
 *
 * Layout of loader/process/: procfs.c (pure parsers of /proc text),
 * proc.c (a pidfd to its /proc directory, checked to be that process's),
 * inspect.c (the inspection: main executable, then every executable
 * mapping through mappings.c), peer.c (the process at the other end of a
 * Unix socket: SO_PEERPIDFD, or SO_PEERCRED and sock_diag), process.c
 * (accessors, signet_process_check(), the cheap exec check), self.c (the
 * signature of one image of this very process, from its file: what
 * signet_image_signature() reports for images Signet did not load).
 *
 * Layering (docs/conventions.md): core, codesign, cms, policy,
 * requirement; never the registry, the loader or guests.
 */
#ifndef SIGNET_PROCESS_INTERNAL_H
#define SIGNET_PROCESS_INTERNAL_H

#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <signet/image.h>
#include <signet/process.h>

#include "core/array.h"
#include "process/procfs.h"

/* Most problems kept per process; past that, one more says how many were not kept. */
#define SG_PROCESS_MAX_PROBLEMS 64
/* Most entries of /proc/PID/fd looked at when searching it (memfd snapshots, the peer socket). */
#define SG_PROCESS_MAX_FDS 65536
/* The seals a Signet snapshot carries (load/snapshot.c). */
#define SG_PROCESS_SNAPSHOT_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)
/* How a snapshot's memfd is named ("signet:" + the file's name) and how maps shows it. */
#define SG_PROCESS_SNAPSHOT_PREFIX "/memfd:signet:"

typedef SG_ARRAY(signet_error *) sg_errors;

struct signet_process {
	int pidfd;                       /* our own duplicate */
	int procdir;                     /* O_PATH /proc/PID: this process's, never a reused pid's; -1 if none */
	pid_t pid;
	uid_t uid;                       /* real uid; (uid_t)-1 when unknown */
	signet_process_verdict verdict;
	signet_identity *identity;       /* NULL: unsigned, not verifying, or unknown */
	char *executable;                /* /proc/PID/exe's text; NULL when unknown */
	bool have_exe;                   /* exe_dev/exe_ino are the main executable's */
	dev_t exe_dev;
	ino_t exe_ino;
	sg_errors problems;              /* SIGNET_E_PROCESS_INVALID each */
	size_t problems_dropped;         /* past SG_PROCESS_MAX_PROBLEMS */
	signet_error *unknown;           /* why it could not be inspected */
	/*
	 * /proc/PID/maps, opened before the inspection read anything: the open
	 * file holds the address space (mm) the process had then, and reads
	 * through it return nothing once that address space is gone, which an
	 * exec (of any file, the same one included) or an exit does. (auxv
	 * would not do: it reads a copy kept in the mm structure, readable
	 * after the address space is gone.) -1 when it could not be opened
	 * (an unknown process).
	 */
	int mm_fd;
};

/* ---- proc.c: from a pidfd to the process's /proc directory --------------- */

/* A process's /proc directory, opened for its pidfd. */
typedef struct sg_proc {
	pid_t pid;       /* as this process's /proc numbers it; 0: in a pid namespace it cannot see */
	int dir;         /* O_PATH /proc/PID, or -1 when there is none to see (pid 0, or hidden: dir_errno) */
	int dir_errno;   /* why /proc/PID could not be opened although the process lives (hidepid) */
} sg_proc;

/*
 * Reads the pid `pidfd` names from /proc/self/fdinfo, opens /proc/PID
 * (O_PATH | O_DIRECTORY) and then checks that the pidfd's process is still
 * alive: it was when the directory was opened, so the directory is that
 * process's and stays so (a /proc/PID directory refers to one process;
 * once it exits, nothing read through it can be another's). The caller
 * closes out->dir. SIGNET_E_INVALID_ARGUMENT (not a pidfd),
 * SIGNET_E_PROCESS_GONE, SIGNET_E_IO, SIGNET_E_NOMEM.
 */
int sg_proc_open(sg_proc *out, int pidfd, signet_error **err) __attribute__((warn_unused_result));

/*
 * Looks through /proc/PID/fd (at most SG_PROCESS_MAX_FDS entries) for a
 * descriptor whose file (stat() through the link) `match` accepts, and
 * writes its name ("7") to `name`. 1: found; 0: none; -1: the directory
 * cannot be read (*os_errno says why); -2: more entries than the cap.
 */
int sg_proc_find_fd(int procdir, bool (*match)(const struct stat *st, const void *ctx), const void *ctx,
	char name[32], int *os_errno) __attribute__((warn_unused_result));

/* The pid `pidfd` names (fdinfo), or -1 (not a pidfd, or its process was reaped), 0 (not visible here). */
pid_t sg_pidfd_pid(int pidfd);

/* Has the process exited (a zombie included)? True too when poll() fails. */
bool sg_pidfd_exited(int pidfd);

/* SIGNET_E_PROCESS_GONE for `pid`, check "process.pidfd", `what` saying when. */
int sg_process_gone(signet_error **err, pid_t pid, const char *what);

/* ---- inspect.c ----------------------------------------------------------- */

/*
 * The policy an inspection uses: `*policy`, or the process default when
 * NULL; it must have trust anchors. SIGNET_E_POLICY_INVALID.
 */
int sg_process_policy(const signet_policy **policy, signet_error **err) __attribute__((warn_unused_result));

/*
 * Inspects the process whose /proc directory sg_proc_open() gave: the
 * object takes `proc->dir` (closed on failure too) and a duplicate of
 * `pidfd`. The rest is signet_code_for_pidfd(). `policy` is not NULL.
 */
int sg_process_inspect(signet_process **out, int pidfd, const sg_proc *proc, const signet_policy *policy,
	signet_error **err) __attribute__((warn_unused_result));

/* Adds a problem (kept up to SG_PROCESS_MAX_PROBLEMS); takes `problem`. SIGNET_E_NOMEM. */
int sg_process_add_problem(signet_process *p, signet_error *problem) __attribute__((warn_unused_result));

/* ---- mappings.c ---------------------------------------------------------- */

/*
 * Judges every executable mapping of `maps` (read from p->procdir's maps),
 * adding one problem per mapping that is not accounted for (docs/processes.md
 * lists the rules). Only out of memory is an error.
 */
int sg_process_judge_mappings(signet_process *p, const sg_mappings *maps, const signet_policy *policy,
	signet_error **err) __attribute__((warn_unused_result));

/* ---- self.c ------------------------------------------------------------- */

/*
 * The signature of one image of this process, from its file: the main
 * program through /proc/self/exe (the inode that runs), a library through
 * `path` after checking (device and inode, /proc/self/maps) that it is the
 * file mapped at `address` (a relative path is opened against the
 * working directory, and so checked too). UNSIGNED: no signature;
 * VERIFIED: *identity set (the caller's),
 * every page hash and the CMS chain to `policy`'s anchors checked under
 * its verification options; INVALID: *why says why (check "process.image",
 * with the verifier's error as its cause), including a signed file when
 * `policy` is NULL or has no anchors, and an image with no name. The
 * caller answers for the vDSO (no file) itself. Never fails otherwise; thread-safe.
 */
signet_signature_status sg_process_image_signature(signet_identity **identity, signet_error **why,
	const char *path, uintptr_t address, bool main_program, const signet_policy *policy);

/* ---- peer.c -------------------------------------------------------------- */

/* Where signet_code_for_peer() gets the peer's pidfd from. */
typedef enum sg_peer_source {
	SG_PEER_AUTO,        /* SO_PEERPIDFD, SO_PEERCRED where the kernel lacks it */
	SG_PEER_PIDFD,       /* SO_PEERPIDFD only (ENOPROTOOPT is then SIGNET_E_PROCESS_UNKNOWN) */
	SG_PEER_CREDENTIALS  /* the fallback: SO_PEERCRED, pidfd_open(), and the holder check */
} sg_peer_source;

/*
 * signet_code_for_peer() with the source chosen: tests run both paths on
 * one kernel. signet_code_for_peer() is SG_PEER_AUTO, or
 * SG_PEER_CREDENTIALS when $SIGNET_TEST_PEER_CREDENTIALS (read with
 * secure_getenv()) is "1": for hosts' own tests of the fallback.
 */
int sg_code_for_peer_from(signet_process **out, int sockfd, const signet_policy *policy, sg_peer_source source,
	signet_error **err) __attribute__((warn_unused_result));

/* ---- process.c ----------------------------------------------------------- */

/* Drops everything an inspection found (identity, executable, problems, why unknown); keeps the handles. */
void sg_process_forget(signet_process *p);

/*
 * The cheap check for each message of a connection (the connections code
 * calls it before delivering a message, and inspects the peer again only
 * when it says true): has the process exec'd since it was inspected, or
 * exited? A one-byte read through mm_fd (empty once the inspected address
 * space is gone: any exec, the same file with a new LD_PRELOAD included)
 * and one fstatat() of /proc/PID/exe (its device and inode against the
 * main executable's); no /proc parsing. For a process inspected as
 * unknown, only whether it exited. What it cannot see (docs/processes.md):
 * code mapped after the inspection, and an exec while another process
 * created with CLONE_VM keeps the old address space alive.
 */
bool sg_process_exe_changed(const signet_process *p);

/* Is the address space the inspection saw gone (mm_fd reads nothing)? False without mm_fd. */
bool sg_process_mm_replaced(const signet_process *p);

#endif /* SIGNET_PROCESS_INTERNAL_H */
