/* SPDX-License-Identifier: MIT */
/*
 * fuzz_maps.c - libFuzzer target for the /proc text parsers of
 * loader/process/procfs.c: any bytes as /proc/PID/maps text
 * (sg_maps_parse()), as pidfd fdinfo (sg_fdinfo_pid()) and as
 * /proc/PID/status (sg_status_uid()). A process chooses the names of the
 * files it maps, so what the parser reads is partly an attacker's.
 *
 * The input is copied into a buffer of exactly its size with no NUL after
 * it, so a read past `len` is a sanitizer report. Checked, aborting on any
 * failure:
 * - sg_maps_parse() returns 0, SIGNET_E_PROCESS_INVALID or SIGNET_E_LIMIT
 *   (or SIGNET_E_NOMEM); a failure leaves the output empty and its error
 *   has check "process.maps" and a message starting with the name;
 * - on success: one mapping per line, every line ends with a newline,
 *   each range is non-empty and starts at or after the previous one's end,
 *   the permission flags are the perms text, and each path lies inside the
 *   input, holds no newline and does not start with a space;
 * - with a cap of 8 mappings: SIGNET_E_LIMIT when the uncapped parse
 *   succeeds with more than 8 or fails after the ninth line, else the same
 *   result;
 * - sg_fdinfo_pid() gives -1 or a pid from 0 to 2^22; sg_status_uid()
 *   never gives (uid_t)-1; neither writes its output when it says false.
 * Also replayed over fuzz/corpus/maps under `make check`.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "process/procfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what)
{
	fprintf(stderr, "fuzz_maps: %s\n", what);
	abort();
}

static void check_failure(int rc, const sg_mappings *m, const signet_error *err)
{
	if (rc != SIGNET_E_PROCESS_INVALID && rc != SIGNET_E_LIMIT && rc != SIGNET_E_NOMEM)
		die("an undocumented code");
	if (m->n != 0 || m->items)
		die("a failure left mappings");
	if (rc != SIGNET_E_NOMEM && (strcmp(signet_error_check(err), "process.maps") != 0 ||
	    strncmp(signet_error_message(err), "maps: ", 6) != 0))
		die("an error without its check or name");
}

static void check_success(const sg_mappings *m, const char *text, size_t len)
{
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	if (lines != m->n || (len && text[len - 1] != '\n'))
		die("not one mapping per newline-ended line");
	for (size_t i = 0; i < m->n; i++) {
		const sg_mapping *x = &m->items[i];
		if (x->start >= x->end || (i && x->start < m->items[i - 1].end))
			die("an empty, reversed or overlapping range");
		if (x->read != (x->perms[0] == 'r') || x->write != (x->perms[1] == 'w') ||
		    x->exec != (x->perms[2] == 'x') || x->shared != (x->perms[3] == 's'))
			die("flags that are not the perms");
		if (x->path_len && (x->path < text || x->path + x->path_len > text + len ||
		    memchr(x->path, '\n', x->path_len) || x->path[0] == ' '))
			die("a path outside the input, or with a newline, or a leading space");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);

	sg_mappings m = { 0 }, capped = { 0 };
	signet_error *err = NULL, *cerr = NULL;
	int rc = sg_maps_parse(&m, text, size, SG_MAPS_MAX_MAPPINGS, "maps", &err);
	if (rc)
		check_failure(rc, &m, err);
	else
		check_success(&m, text, size);
	int crc = sg_maps_parse(&capped, text, size, 8, "maps", &cerr);
	if (crc)
		check_failure(crc, &capped, cerr);
	/* The cap stops the parse at the ninth good line; before that, both parses agree. */
	if (crc == SIGNET_E_LIMIT) {
		if (!(rc == 0 && m.n > 8) && !(rc == SIGNET_E_PROCESS_INVALID && signet_error_index(err) > 9))
			die("the cap refused text the full parse refuses earlier, or accepts as short");
	} else if (crc != rc || (rc == 0 && m.n > 8) || (crc == 0 && capped.n != m.n)) {
		die("the cap changed more than the count");
	}
	sg_array_clear(&m);
	sg_array_clear(&capped);
	signet_error_free(err);
	signet_error_free(cerr);

	long pid = 12345;
	if (sg_fdinfo_pid(text, size, &pid)) {
		if (pid < -1 || pid > (1L << 22))
			die("a pid out of range");
	} else if (pid != 12345) {
		die("fdinfo output written on failure");
	}
	uid_t uid = 4242;
	if (sg_status_uid(text, size, &uid)) {
		if (uid == (uid_t)-1)
			die("uid -1");
	} else if (uid != 4242) {
		die("status output written on failure");
	}
	free(text);
	return 0;
}
