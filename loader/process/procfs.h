/* SPDX-License-Identifier: MIT */
/*
 * procfs.h - the text of /proc files, parsed: a process's memory map
 * (/proc/PID/maps), the pid a pidfd names (/proc/self/fdinfo/N) and a
 * process's real uid (/proc/PID/status).
 *
 * Pure functions over bytes, so that hostile inputs can be unit-tested and
 * fuzzed: no system call, no global state. The maps text is the kernel's,
 * but its path names are chosen by whoever named the files the target
 * mapped: they may hold any byte but '\n' (which the kernel writes as the
 * four characters "\012", as it writes nothing else escaped: a name that
 * holds those four characters itself reads the same) and may end in
 * " (deleted)" literally. So callers judge files by device and inode, and
 * use a path only to find the file again and to name it in messages.
 *
 * Ownership: sg_maps_parse() fills an array the caller clears with
 * sg_array_clear(); its paths point into the bytes parsed, which must
 * outlive it. Thread-safe.
 */
#ifndef SIGNET_PROCESS_PROCFS_H
#define SIGNET_PROCESS_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <signet/error.h>

#include "core/array.h"

/* Most bytes of /proc/PID/maps read, and most mappings parsed. */
#define SG_MAPS_MAX_BYTES ((size_t)8 << 20)
#define SG_MAPS_MAX_MAPPINGS 65536
/*
 * Longest line: the fixed fields (at most 107 bytes: 16 + 1 + 16 + 5 +
 * 16 + 1 + 8 + 1 + 8 + 1 + 20 + padding to column 73) and a path of at
 * most PATH_MAX bytes, each of which may be written as four ("\012"),
 * plus " (deleted)".
 */
#define SG_MAPS_MAX_LINE (4 * 4096 + 256)

typedef struct sg_mapping {
	uint64_t start, end;     /* [start, end) */
	uint64_t offset;         /* into the file */
	unsigned dev_major, dev_minor;
	uint64_t inode;          /* 0: no file (anonymous, [heap], [stack], [vdso], ...) */
	bool read, write, exec, shared;
	char perms[5];           /* as the kernel wrote them, "r-xp" */
	const char *path;        /* into the parsed bytes, not NUL-terminated; length 0 when none */
	size_t path_len;
} sg_mapping;

typedef SG_ARRAY(sg_mapping) sg_mappings;

/*
 * Parses `len` bytes of /proc/PID/maps text into `out` (empty on entry),
 * strictly: each line "START-END PERMS OFFSET MAJOR:MINOR INODE [PATH]\n"
 * with hex numbers of at most 16 digits (8 for the device numbers), a
 * decimal inode of at most 20, START < END, every line starting at or
 * after the previous one's END, no NUL byte, and a newline at the end of
 * every line (a text cut short could hide a mapping). `name` names the text
 * in errors ("/proc/42/maps"). Errors: SIGNET_E_PROCESS_INVALID, check
 * "process.maps", "line N: <what is wrong>" (also for a line longer than
 * SG_MAPS_MAX_LINE); SIGNET_E_LIMIT (more than `max_mappings` lines);
 * SIGNET_E_NOMEM. On failure `out` is left empty.
 */
int sg_maps_parse(sg_mappings *out, const char *bytes, size_t len, size_t max_mappings, const char *name,
	signet_error **err) __attribute__((warn_unused_result));

/* Is this mapping's path exactly `s`? */
bool sg_mapping_path_is(const sg_mapping *m, const char *s);

/* Does this mapping's path start with `prefix`? */
bool sg_mapping_path_starts(const sg_mapping *m, const char *prefix);

/*
 * The "Pid:" line of a pidfd's fdinfo text: true and *pid set (-1 when the
 * process has exited and been reaped, 0 when it is in a pid namespace the
 * reader's /proc cannot see) when there is exactly one such line with a
 * decimal number; false when there is none (not a pidfd) or it is malformed.
 */
bool sg_fdinfo_pid(const char *bytes, size_t len, long *pid) __attribute__((warn_unused_result));

/* The real uid, the first number of the "Uid:" line of /proc/PID/status text. */
bool sg_status_uid(const char *bytes, size_t len, uid_t *uid) __attribute__((warn_unused_result));

#endif /* SIGNET_PROCESS_PROCFS_H */
