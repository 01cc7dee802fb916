/* SPDX-License-Identifier: MIT */
/*
 * judge.h - may ld.so map this file, and from which bytes? The verdict the
 * LD_AUDIT module (audit/, docs/audit.md) gives each candidate ld.so finds.
 *
 * A candidate is admitted in one of two ways, cheapest first:
 *  - a platform library (or program) the policy trusts by location: the
 *    rules of sg_policy_platform_library() (policy/policy_internal.h), no
 *    byte read; ld.so opens the judged real path, which only root can
 *    change;
 *  - signed and admitted: a sealed snapshot (load/snapshot.h) verified and
 *    judged by the policy exactly as signet_load() judges a file
 *    (sg_inspect()); ld.so opens the snapshot, so the bytes mapped are the
 *    bytes verified.
 * Anything else is refused with the reason of the signature check (the
 * platform check's reason rides along as the cause, so a refusal of an
 * unsigned library says why it is not a platform library either).
 *
 * The audit module links the library's objects (not libsignet.so): it
 * lives in its own link-map namespace and shares no state with a libsignet
 * the audited program may load itself.
 *
 * Ownership: a verdict owns its memfd, identity and error until
 * sg_verdict_clear(); sg_verdict_take_fd() hands the memfd over.
 * Thread-safety: reentrant; a verdict belongs to one thread. No thread is
 * ever started (the module runs inside ld.so, before the program's libc is
 * set up), so large files are hashed on the calling thread.
 */
#ifndef SIGNET_AUDIT_JUDGE_H
#define SIGNET_AUDIT_JUDGE_H

#include <limits.h>
#include <stdbool.h>

#include <signet/error.h>
#include <signet/policy.h>
#include <signet/signature.h>


typedef enum sg_verdict_kind {
	SG_VERDICT_REFUSED = 0,
	SG_VERDICT_PLATFORM,  /* trusted by location: open `open_path` (the judged real path) */
	SG_VERDICT_SIGNED     /* verified and admitted: open `open_path` ("/proc/self/fd/N", the snapshot) */
} sg_verdict_kind;

/* How to judge. */
enum {
	/* The main program: the loadable-object checks and the platform soname
	 * list do not apply (it is an executable, and has no soname). */
	SG_JUDGE_PROGRAM = 1u << 0,
	/* Verify for the record, but keep no snapshot (log-only: ld.so maps the
	 * file itself, so nothing is sealed, and open_path is the real path). */
	SG_JUDGE_NO_SNAPSHOT = 1u << 1,
};

typedef struct sg_verdict {
	sg_verdict_kind kind;
	char real_path[PATH_MAX];  /* the file judged, symlinks resolved ("" when it could not be opened) */
	char open_path[PATH_MAX];  /* what ld.so must open when admitted */
	int memfd;                 /* SG_VERDICT_SIGNED with a snapshot: the sealed memfd, else -1 */
	signet_identity *identity; /* set whenever the signature verified (even if the policy refused) */
	signet_error *why;         /* SG_VERDICT_REFUSED: the reason */
	int code;                  /* SG_VERDICT_REFUSED: its code (0 otherwise) */
} sg_verdict;

/*
 * Judges the file at `path` under `policy`. `soname` is the name ld.so was
 * asked for (for the platform soname list; NULL when none applies). Fills
 * `out` (zeroed first) and returns its kind; a refusal is a verdict, not a
 * failure. Never blocks on a FIFO or a device, never reads a file over
 * 1 GiB.
 */
sg_verdict_kind sg_judge_file(const signet_policy *policy, const char *path, const char *soname,
	unsigned flags, sg_verdict *out);

/* The memfd, handed over (-1 when none); the verdict no longer closes it. */
int sg_verdict_take_fd(sg_verdict *v);

/* Releases what the verdict holds. Safe on a zeroed verdict with memfd -1. */
void sg_verdict_clear(sg_verdict *v);

/*
 * The policy the audit module enforces: the file named by
 * $SIGNET_AUDIT_POLICY if set, else the process default policy's sources
 * ($SIGNET_POLICY, the configuration directory, $SIGNET_ANCHORS); then
 * $SIGNET_AUDIT_ANCHORS replaces the anchors and $SIGNET_AUDIT_REQUIREMENT
 * the requirement (signet-run's --policy, --anchors, --requirement). Every
 * variable is read with secure_getenv(). Errors: those of the policy calls;
 * the message names the variable.
 */
int sg_audit_policy(signet_policy **out, signet_error **err);

#endif /* SIGNET_AUDIT_JUDGE_H */
