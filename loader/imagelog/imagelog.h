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

/* Formats one log line for `event` ("add", "remove") into buf; returns its length. */
size_t sg_imagelog_format(char *buf, size_t size, const char *event, const signet_image *image);

/* Logs that loading `path` was refused with `code`, and why (if logging). */
void sg_imagelog_refusal(const char *path, int code, const signet_error *why);

#endif /* SIGNET_IMAGELOG_H */
