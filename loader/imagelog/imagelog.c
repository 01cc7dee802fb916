/* SPDX-License-Identifier: MIT */
/*
 * imagelog.c - the SIGNET_PRINT_IMAGES image log: a plain client of the
 * public observer API (signet/registry.h), started by its own constructor.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <signet/registry.h>
#include <signet/signature.h>

#include "imagelog/imagelog.h"

static int log_fd = -1;

/* Control characters and backslashes in paths are escaped: one event, one line. */
static size_t escape_path(char *out, size_t size, const char *path)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)path; *p && n + 5 < size; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			n += (size_t)snprintf(out + n, size - n, "\\x%02x", *p);
		else
			out[n++] = (char)*p;
	}
	out[n] = '\0';
	return n;
}

size_t sg_imagelog_format(char *buf, size_t size, const char *event, const signet_image *image)
{
	char build_id[2 * 64 + 1];
	char path[4096 + 1]; /* longer escaped paths are cut */
	char identity[512];
	if (signet_image_build_id_hex(image, build_id, sizeof build_id) == 0)
		strcpy(build_id, "-");
	escape_path(path, sizeof path, signet_image_path(image));
	const signet_identity *id = signet_image_identity(image);
	if (id) {
		/* Identifiers and teams are restricted to [A-Za-z0-9._-]: no escaping needed. */
		const char *team = signet_identity_team(id);
		snprintf(identity, sizeof identity, "signed team=%s identifier=%s cdhash=%s", team ? team : "-",
			signet_identity_identifier(id), signet_identity_cdhash_hex(id));
	} else {
		snprintf(identity, sizeof identity, "%s", signet_image_is_platform(image) ? "platform" : "unsigned");
	}
	int n = snprintf(buf, size, "signet-image: %s base=0x%016llx id=%llu build-id=%s arrival=%s identity=%s path=%s\n",
		event, (unsigned long long)signet_image_base(image), (unsigned long long)signet_image_id(image),
		build_id, signet_arrival_name(signet_image_arrival(image)), identity, path);
	if (n < 0)
		return 0;
	if ((size_t)n >= size) { /* cut, but still one line */
		buf[size - 2] = '\n';
		return size - 1;
	}
	return (size_t)n;
}

static void emit(const char *event, const signet_image *image)
{
	char line[4096 + 512];
	size_t len = sg_imagelog_format(line, sizeof line, event, image);
	/* One write() per line: with O_APPEND, lines of concurrent writers never interleave. */
	while (len > 0 && write(log_fd, line, len) < 0 && errno == EINTR)
		;
}

void sg_imagelog_refusal(const char *path, int code, const signet_error *why)
{
	if (log_fd < 0)
		return;
	char escaped[4096 + 1], line[4096 * 2 + 512];
	escape_path(escaped, sizeof escaped, path);
	/* The reason is last and free text; it is one line already. */
	const char *name = signet_code_name(code);
	int n = snprintf(line, sizeof line, "signet-image: refuse code=%s check=%s path=%s reason=%s\n",
		name ? name : "?", why && signet_error_check(why) ? signet_error_check(why) : "-", escaped,
		why ? signet_error_message(why) : signet_code_description(code));
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
	line[len - 1] = '\n';
	while (write(log_fd, line, len) < 0 && errno == EINTR)
		;
}

static void on_add(const signet_image *image, void *payload) { (void)payload; emit("add", image); }
static void on_remove(const signet_image *image, void *payload) { (void)payload; emit("remove", image); }

/*
 * The log file: a regular file only, opened without blocking. This runs
 * before main() of every program linking libsignet, so a FIFO without a
 * reader (which a blocking open would wait on forever), a device or a
 * directory at the path must cost nothing but the log.
 */
static int open_log(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0644);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void start_once(void)
{
	const char *value = secure_getenv("SIGNET_PRINT_IMAGES");
	if (!value)
		return;
	if (strcmp(value, "1") == 0)
		log_fd = STDERR_FILENO;
	else if (value[0] == '/')
		log_fd = open_log(value);
	if (log_fd < 0)
		return; /* a library does not print about failing to print */
	signet_observer_token token;
	if (signet_registry_add_observer(&token, on_add, on_remove, NULL, NULL) != 0 && log_fd != STDERR_FILENO) {
		close(log_fd);
		log_fd = -1;
	}
}

void sg_imagelog_start(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, start_once);
}

/*
 * When libsignet is loaded, before main(): registering the observer replays
 * the startup set, so the log has every image from the first line. (The
 * registry initializes itself on first use, whichever constructor runs first.)
 */
__attribute__((constructor)) static void imagelog_at_load(void)
{
	sg_imagelog_start();
}
