/* SPDX-License-Identifier: MIT */
/* cmd_images.c - `signet-host images [--json] [BUNDLE...]`: the process's image table. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

static void usage(FILE *to)
{
	fputs("Usage: signet-host [OPTIONS] images [--json] [BUNDLE...]\n"
	      "\n"
	      "Loads each BUNDLE as a guest (verified in parallel, added in order; a\n"
	      "refusal is reported and the rest go on), then prints every image in this\n"
	      "process, in load order: id, load bias, how it arrived, its signature\n"
	      "(verified, invalid, unsigned or platform; a verified one's identity and an\n"
	      "invalid one's reason on the line below), its build-id and its path, then\n"
	      "the image log of this run: the images Signet loaded, with identifier,\n"
	      "team and cdhash.\n"
	      "\n"
	      "  --json      one JSON object: every image, with its signature and identity\n"
	      "  -h, --help  this text\n"
	      "\n"
	      "Exit codes: 0 done, 1 a BUNDLE was refused, 2 usage error.\n", to);
}

static const struct option options[] = {
	{ "json", no_argument, NULL, HOST_OPT_JSON },
	{ NULL, 0, NULL, 0 },
};

/*
 * One image as `images --json` shows it (docs/signet-host.md): the
 * table's columns, then the identity's fields. Every field of an image
 * goes through here, so a new one is one line.
 */
/*
 * An image's signature as both outputs name it: verified, invalid (with
 * the reason), unsigned, or platform (unsigned, admitted as a platform
 * library). The identity is the verified one's, NULL otherwise.
 */
static const char *image_signature(const signet_image *img, const signet_identity **id, const signet_error **why)
{
	*id = NULL;
	*why = NULL;
	signet_signature_status status = signet_image_signature(img, id, why);
	return status == SIGNET_SIGNATURE_UNSIGNED && signet_image_is_platform(img) ? "platform"
		: signet_signature_status_name(status);
}

/* A string for a NULL-able C string: JSON null when absent, so every key is always there. */
static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/*
 * One image as `images --json` shows it (docs/signet-host.md): the
 * table's columns, then the signature's identity or reason. Every field
 * of an image goes through here, so a new one is one line.
 */
static json_t *image_json(const signet_image *img)
{
	char build_id[129], base[32];
	bool has_build_id = signet_image_build_id_hex(img, build_id, sizeof build_id) != 0;
	/* A string, not a number: JSON readers lose integers past 2^53. */
	snprintf(base, sizeof base, "0x%016llx", (unsigned long long)signet_image_base(img));
	const signet_identity *id = NULL;
	const signet_error *why = NULL;
	const char *signature = image_signature(img, &id, &why);
	json_t *reason = NULL;
	if (why) {
		char *text = NULL;
		signet_error *e = NULL;
		if (signet_error_to_json(&text, why, &e) != 0) {
			signet_error_free(e);
			return NULL;
		}
		reason = json_loads(text, 0, NULL);
		free(text);
		if (!reason)
			return NULL;
	}
	return json_pack("{s:I, s:s, s:s, s:s, s:b, s:b, s:o, s:s, s:o, s:o, s:o, s:o, s:o}",
		"id", (json_int_t)signet_image_id(img),
		"base", base,
		"arrival", signet_arrival_name(signet_image_arrival(img)),
		"signature", signature,
		"signed", signet_image_is_signed(img),
		"platform", signet_image_is_platform(img),
		"build_id", string_or_null(has_build_id ? build_id : NULL),
		"path", signet_image_path(img),
		"soname", string_or_null(signet_image_soname(img)),
		"identifier", string_or_null(id ? signet_identity_identifier(id) : NULL),
		"team", string_or_null(id ? signet_identity_team(id) : NULL),
		"cdhash", string_or_null(id ? signet_identity_cdhash_hex(id) : NULL),
		"reason", reason ? reason : json_null());
}

static int print_json(const signet_image_list *list)
{
	json_t *images = json_array();
	for (size_t i = 0; images && i < signet_image_list_count(list); i++)
		if (json_array_append_new(images, image_json(signet_image_list_get(list, i))) != 0) {
			json_decref(images);
			images = NULL;
		}
	return cli_json_print(host_command, images ? json_pack("{s:o}", "images", images) : NULL);
}

static void print_text(const signet_image_list *list)
{
	printf("%-4s %-18s %-8s %-9s %-40s %s\n", "ID", "BASE", "ARRIVAL", "IDENTITY", "BUILD-ID", "PATH");
	for (size_t i = 0; i < signet_image_list_count(list); i++) {
		const signet_image *img = signet_image_list_get(list, i);
		char build_id[129];
		if (signet_image_build_id_hex(img, build_id, sizeof build_id) == 0)
			strcpy(build_id, "-");
		const signet_identity *id = NULL;
		const signet_error *why = NULL;
		const char *shown = image_signature(img, &id, &why);
		printf("%-4llu 0x%016llx %-8s %-9s %-40s %s\n", (unsigned long long)signet_image_id(img),
			(unsigned long long)signet_image_base(img), signet_arrival_name(signet_image_arrival(img)),
			shown, build_id, signet_image_path(img));
		if (id)
			printf("     identifier=%s team=%s cdhash=%s\n", signet_identity_identifier(id),
				signet_identity_team(id) ? signet_identity_team(id) : "-", signet_identity_cdhash_hex(id));
		if (why)
			printf("     invalid: %s\n", signet_error_message(why));
	}
	printf("\nloaded by this run:\n");
	size_t loaded = 0;
	for (size_t i = 0; i < signet_image_list_count(list); i++) {
		const signet_image *img = signet_image_list_get(list, i);
		const signet_identity *id = signet_image_identity(img);
		if (signet_image_arrival(img) != SIGNET_ARRIVAL_SIGNET)
			continue;
		loaded++;
		printf("  %s: %s", signet_image_path(img), id ? signet_identity_identifier(id) : "platform library");
		if (id)
			printf(" team=%s cdhash=%s", signet_identity_team(id) ? signet_identity_team(id) : "-",
				signet_identity_cdhash_hex(id));
		putchar('\n');
	}
	if (!loaded)
		printf("  (nothing)\n");
}

int cmd_images(int argc, char **argv)
{
	host_flags flags = { 0 };
	const host_command_spec spec = { .name = "images", .usage = usage, .options = options,
		.on_option = host_flag_option, .payload = &flags, .max_operands = HOST_ANY };
	int at = 0, rc = host_parse(&spec, argc, argv, &at);
	if (rc >= 0)
		return rc;
	host_session s = { 0 };
	if (at < argc) {
		rc = host_open(&s);
		if (rc)
			return rc;
		size_t n = (size_t)(argc - at);
		signet_guest_id *guests = calloc(n, sizeof *guests);
		rc = guests ? host_load_guests(&s, argv + at, n, false, guests) : HOST_EXIT_REFUSED;
		free(guests);
	} else {
		rc = HOST_EXIT_OK;
	}
	signet_error *err = NULL;
	signet_image_list *list = NULL;
	if (signet_registry_snapshot(&list, &err) != 0) {
		host_close(&s);
		return host_report(err);
	}
	if (flags.json) {
		if (print_json(list) != 0)
			rc = HOST_EXIT_REFUSED;
	} else {
		print_text(list);
	}
	signet_image_list_free(list);
	host_close(&s);
	return rc;
}
