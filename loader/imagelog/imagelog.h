/* SPDX-License-Identifier: MIT */
/*
 * imagelog.h - SIGNET_PRINT_IMAGES: one line per image event, for debugging.
 *
 * Read once, with secure_getenv() (ignored in setuid/setgid processes), when
 * libsignet is loaded: "1" logs to stderr, a value starting with '/' appends
 * to that file, anything else (or unset) logs nothing. The line format is
 * specified in docs/image-log.md. This is the only place the library writes
 * anything, and only because the user asked for it.
 */
#ifndef SIGNET_IMAGELOG_H
#define SIGNET_IMAGELOG_H

#include <stdbool.h>

#include <signet/error.h>
#include <signet/image.h>
#include <signet/signature.h>


/* Starts logging if the environment asks for it. Idempotent. */
void sg_imagelog_start(void);

/* Room for the longest line: a 4,096-byte escaped path and a 1,024-byte reason escaped. */
#define SG_IMAGELOG_LINE_MAX (4096 + 4 * 1024 + 1024)

/*
 * Formats one log line for `event` ("add", "remove") into buf; returns its
 * length. The image's signature is asked for (signet_image_signature()),
 * so the first line of an image may verify its file.
 */
size_t sg_imagelog_format(char *buf, size_t size, const char *event, const signet_image *image);

/*
 * Formats a refusal line for `path`, refused with `code` and `why` (may be
 * NULL); `event` is "refuse", or "would-refuse" for the audit module's
 * log-only mode.
 */
size_t sg_imagelog_format_refusal(char *buf, size_t size, const char *event, const char *path,
	int code, const signet_error *why);

/* The fields of an add or remove line, for images that have no registry record (the audit module's). */
typedef struct sg_imagelog_entry {
	const char *event;             /* "add", "remove" */
	unsigned long long base, id;
	const char *build_id_hex;      /* NULL or "": "-" */
	const char *arrival;           /* signet_arrival_name() */
	signet_signature_status status;
	const signet_identity *identity; /* SIGNET_SIGNATURE_VERIFIED */
	const signet_error *why;       /* SIGNET_SIGNATURE_INVALID */
	bool platform;                 /* otherwise: "platform" rather than "unsigned" */
	const char *path;
} sg_imagelog_entry;

/* Formats one add or remove line from its fields; returns its length. */
size_t sg_imagelog_format_entry(char *buf, size_t size, const sg_imagelog_entry *e);

/*
 * The log's destination as $SIGNET_PRINT_IMAGES names it (read with
 * secure_getenv()): STDERR_FILENO, a regular file opened O_APPEND without
 * blocking, or -1 for no log. The caller owns a file's descriptor.
 */
int sg_imagelog_open_from_env(void);

/* Writes one formatted line with one write() (EINTR retried, errors ignored). */
void sg_imagelog_write(int fd, const char *line, size_t len);

/* Logs that loading `path` was refused with `code`, and why (if logging). */
void sg_imagelog_refusal(const char *path, int code, const signet_error *why);

#endif /* SIGNET_IMAGELOG_H */
