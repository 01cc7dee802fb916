/* SPDX-License-Identifier: MIT */
/* cmd_images.c - `signet-host images`: the process's image table. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "host.h"

static void usage(FILE *to)
{
	fputs("Usage: signet-host images [--help]\n"
	      "\n"
	      "Prints every image in this process, in load order: id, load bias,\n"
	      "how it arrived, its signing identity, its build-id and its path.\n", to);
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
	if (optind != argc) {
		fprintf(stderr, "signet-host images: unexpected argument '%s'\n", argv[optind]);
		return HOST_EXIT_USAGE;
	}

	signet_error *err = NULL;
	signet_image_list *list = NULL;
	if (signet_registry_snapshot(&list, &err) != 0)
		return host_report("images", err);
	printf("%-4s %-18s %-8s %-9s %-40s %s\n", "ID", "BASE", "ARRIVAL", "IDENTITY", "BUILD-ID", "PATH");
	for (size_t i = 0; i < signet_image_list_count(list); i++) {
		const signet_image *img = signet_image_list_get(list, i);
		char build_id[129];
		if (signet_image_build_id_hex(img, build_id, sizeof build_id) == 0)
			strcpy(build_id, "-");
		printf("%-4llu 0x%016llx %-8s %-9s %-40s %s\n", (unsigned long long)signet_image_id(img),
			(unsigned long long)signet_image_base(img), signet_arrival_name(signet_image_arrival(img)),
			signet_image_is_signed(img) ? "signed" : "unsigned", build_id, signet_image_path(img));
	}
	signet_image_list_free(list);
	return HOST_EXIT_OK;
}
