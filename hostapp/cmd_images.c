/* SPDX-License-Identifier: MIT */
/* cmd_images.c - `signet-host images`: the process's image table. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

static void usage(FILE *to)
{
	fputs("Usage: signet-host [--anchors P] [--requirement R] [--policy F] images [BUNDLE...]\n"
	      "\n"
	      "Loads each BUNDLE as a guest (verified in parallel, added in order; a\n"
	      "refusal is reported and the rest go on), then prints every image in this\n"
	      "process, in load order: id, load bias, how it arrived, its signature\n"
	      "(verified, invalid, unsigned or platform; a verified one's identity and an\n"
	      "invalid one's reason on the line below), its build-id and its path, then\n"
	      "the image log of this run:\n"
	      "the images Signet loaded, with identifier, team and cdhash. Exit code 1\n"
	      "when a BUNDLE was refused.\n", to);
}

int cmd_images(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return HOST_EXIT_OK;
		}
		usage(stderr);
		return HOST_EXIT_USAGE;
	}
	host_session s = { 0 };
	int rc = HOST_EXIT_OK;
	if (optind < argc) {
		rc = host_open(&s);
		if (rc)
			return rc;
		size_t n = (size_t)(argc - optind);
		signet_guest_id *guests = calloc(n, sizeof *guests);
		rc = guests ? host_load_guests(&s, argv + optind, n, false, guests) : HOST_EXIT_REFUSED;
		free(guests);
	}

	signet_error *err = NULL;
	signet_image_list *list = NULL;
	if (signet_registry_snapshot(&list, &err) != 0) {
		host_close(&s);
		return host_report("images", err);
	}
	printf("%-4s %-18s %-8s %-9s %-40s %s\n", "ID", "BASE", "ARRIVAL", "IDENTITY", "BUILD-ID", "PATH");
	for (size_t i = 0; i < signet_image_list_count(list); i++) {
		const signet_image *img = signet_image_list_get(list, i);
		char build_id[129];
		if (signet_image_build_id_hex(img, build_id, sizeof build_id) == 0)
			strcpy(build_id, "-");
		const signet_identity *id = NULL;
		const signet_error *why = NULL;
		/* verified, invalid (the reason on the next line), unsigned, or platform (unsigned, admitted). */
		signet_signature_status status = signet_image_signature(img, &id, &why);
		const char *shown = status == SIGNET_SIGNATURE_UNSIGNED && signet_image_is_platform(img) ? "platform"
			: signet_signature_status_name(status);
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
	signet_image_list_free(list);
	host_close(&s);
	return rc;
}
