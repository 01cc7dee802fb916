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

#include <signet/error.h>
#include <signet/image.h>

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

/* Formats the "refuse" line for `path`, refused with `code` and `why` (may be NULL). */
size_t sg_imagelog_format_refusal(char *buf, size_t size, const char *path, int code, const signet_error *why);

/* Logs that loading `path` was refused with `code`, and why (if logging). */
void sg_imagelog_refusal(const char *path, int code, const signet_error *why);

#endif /* SIGNET_IMAGELOG_H */
