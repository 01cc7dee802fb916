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

#include "core/namespace.h"
#include "imagelog/imagelog.h"

static int log_fd = -1;

/* The longest reason written (bytes before escaping); longer ones are cut. */
#define REASON_MAX 1024

/*
 * Control characters and backslashes in paths are escaped: one event, one
 * line. A path is always the last field, so it may keep its spaces.
 */
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

/*
 * Free text (a reason) as one quoted field: "...", with '"', '\' and
 * control characters written \xHH, so it can hold spaces and still end
 * where its closing quote is (docs/image-log.md, "Parsing").
 */
static void quote_text(char *out, size_t size, const char *text)
{
	size_t n = 0;
	out[n++] = '"';
	size_t taken = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p && taken < REASON_MAX && n + 6 < size;
	     p++, taken++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\' || *p == '"')
			n += (size_t)snprintf(out + n, size - n, "\\x%02x", *p);
		else
			out[n++] = (char)*p;
	}
	out[n++] = '"';
	out[n] = '\0';
}

/* The identity fields of an add or remove line: "identity=..." and what that kind carries. */
static void format_identity(char *out, size_t size, const sg_imagelog_entry *e)
{
	const signet_identity *id = e->identity;
	const signet_error *why = e->why;
	if (e->status == SIGNET_SIGNATURE_VERIFIED && id) {
		/* Identifiers and teams are restricted to [A-Za-z0-9._-]: no escaping needed. */
		const char *team = signet_identity_team(id);
		snprintf(out, size, "identity=verified team=%s identifier=%s cdhash=%s", team ? team : "-",
			signet_identity_identifier(id), signet_identity_cdhash_hex(id));
	} else if (e->status == SIGNET_SIGNATURE_INVALID) {
		char reason[REASON_MAX * 4 + 3];
		quote_text(reason, sizeof reason, why ? signet_error_message(why) : "out of memory");
		const char *code = why ? signet_code_name(signet_error_code(why)) : "SIGNET_E_NOMEM";
		snprintf(out, size, "identity=invalid code=%s reason=%s", code ? code : "-", reason);
	} else {
		snprintf(out, size, "identity=%s", e->platform ? "platform" : "unsigned");
	}
}

/* The line is complete or cut, but always one line ending in '\n'. */
static size_t finish_line(char *buf, size_t size, int n)
{
	if (n < 0)
		return 0;
	if ((size_t)n >= size) {
		buf[size - 2] = '\n';
		return size - 1;
	}
	return (size_t)n;
}

size_t sg_imagelog_format_entry(char *buf, size_t size, const sg_imagelog_entry *e)
{
	char path[4096 + 1]; /* longer escaped paths are cut */
	char identity[REASON_MAX * 4 + 256];
	escape_path(path, sizeof path, e->path ? e->path : "");
	format_identity(identity, sizeof identity, e);
	/* The pid: several processes may append to one log file (SIGNET_PRINT_IMAGES=/path). */
	int n = snprintf(buf, size, "signet-image: %s pid=%ld base=0x%016llx id=%llu build-id=%s arrival=%s %s path=%s\n",
		e->event, (long)getpid(), e->base, e->id, e->build_id_hex && *e->build_id_hex ? e->build_id_hex : "-",
		e->arrival, identity, path);
	return finish_line(buf, size, n);
}

size_t sg_imagelog_format(char *buf, size_t size, const char *event, const signet_image *image)
{
	char build_id[2 * 64 + 1];
	if (signet_image_build_id_hex(image, build_id, sizeof build_id) == 0)
		build_id[0] = '\0';
	sg_imagelog_entry e = { .event = event, .base = (unsigned long long)signet_image_base(image),
		.id = (unsigned long long)signet_image_id(image), .build_id_hex = build_id,
		.arrival = signet_arrival_name(signet_image_arrival(image)), .path = signet_image_path(image),
		.platform = signet_image_is_platform(image) };
	/* Computed on the first ask and cached on the record: a remove line says what the add line said. */
	e.status = signet_image_signature(image, &e.identity, &e.why);
	return sg_imagelog_format_entry(buf, size, &e);
}

size_t sg_imagelog_format_refusal(char *buf, size_t size, const char *event, const char *path, int code,
	const signet_error *why)
{
	char escaped[4096 + 1], reason[REASON_MAX * 4 + 3];
	escape_path(escaped, sizeof escaped, path);
	quote_text(reason, sizeof reason, why ? signet_error_message(why) : signet_code_description(code));
	const char *name = signet_code_name(code);
	/* The path last, like every other event's: the reason is a quoted field before it. */
	int n = snprintf(buf, size, "signet-image: %s pid=%ld code=%s check=%s reason=%s path=%s\n",
		event, (long)getpid(), name ? name : "-", why && signet_error_check(why) ? signet_error_check(why) : "-",
		reason, escaped);
	return finish_line(buf, size, n);
}

/* One write() per line: with O_APPEND, lines of concurrent writers never interleave. */
void sg_imagelog_write(int fd, const char *line, size_t len)
{
	while (len > 0 && write(fd, line, len) < 0 && errno == EINTR)
		;
}

static void write_line(const char *line, size_t len)
{
	sg_imagelog_write(log_fd, line, len);
}

static void emit(const char *event, const signet_image *image)
{
	char line[SG_IMAGELOG_LINE_MAX];
	write_line(line, sg_imagelog_format(line, sizeof line, event, image));
}

void sg_imagelog_refusal(const char *path, int code, const signet_error *why)
{
	if (log_fd < 0)
		return;
	char line[SG_IMAGELOG_LINE_MAX];
	write_line(line, sg_imagelog_format_refusal(line, sizeof line, "refuse", path, code, why));
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

int sg_imagelog_open_from_env(void)
{
	const char *value = secure_getenv("SIGNET_PRINT_IMAGES");
	if (!value)
		return -1;
	if (strcmp(value, "1") == 0)
		return STDERR_FILENO;
	if (value[0] == '/')
		return open_log(value);
	return -1;
}

static void start_once(void)
{
	/* A copy in another namespace (the audit module's) sees only that namespace: not the process. */
	if (!sg_in_base_namespace())
		return;
	log_fd = sg_imagelog_open_from_env();
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
