/* SPDX-License-Identifier: MIT */
/*
 * cmd_info.c - `signet-host info BUNDLE`: the preflight report, then (when
 * it would load) the bundle loaded as a guest: its class, methods and the
 * protocols it conforms to.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "host.h"

static void usage(FILE *to)
{
	fputs("Usage: signet-host [--anchors P] [--requirement R] [--policy F] info BUNDLE\n"
	      "\n"
	      "Prints what preflight finds (as `preflight`), then loads the bundle as a\n"
	      "guest and prints its guest handle, status, class, every method with its\n"
	      "type encoding, and whether it conforms to the Filter protocol (filter: \"**\").\n"
	      "Exit code 0 when it loaded, 1 when it was refused.\n", to);
}

/* The loaded guest: handle, status, class, methods, and whether it conforms to Filter 1. */
static int print_guest(const host_session *s, signet_guest_id g)
{
	uint32_t st = 0;
	signet_error *err = NULL;
	if (signet_guest_status(&st, s->host, g, &err) != 0)
		return host_report("info", err);
	printf("guest: %u (status 0x%x)\n", g, st);
	printf("class: %s\n", signet_guest_class_name(s->host, g));
	for (size_t i = 0; i < signet_guest_method_count(s->host, g); i++)
		printf("method: %s \"%s\"\n", signet_guest_method_name(s->host, g, i),
			signet_guest_method_types(s->host, g, i));
	if (signet_guest_conforms(s->host, g, &host_filter_protocol, &err) == 0)
		printf("conforms: Filter 1\n");
	else
		printf("conforms: not Filter 1 (%s)\n", signet_error_message(err));
	signet_error_free(err);
	return HOST_EXIT_OK;
}

int cmd_info(int argc, char **argv)
{
	int one = host_one_operand(argc, argv, usage);
	if (one >= 0)
		return one;
	host_session s;
	int rc = host_open(&s);
	if (rc)
		return rc;
	signet_bundle_info *info = NULL;
	signet_error *err = NULL;
	rc = signet_preflight(&info, argv[1], s.policy, HOST_API_VERSION, &err);
	if (info)
		host_print_bundle_info(stdout, info);
	else
		host_print_refusal(stderr, "signet-host: info: ", err);
	signet_error_free(err);
	signet_bundle_info_free(info);
	if (rc) {
		host_close(&s);
		return HOST_EXIT_REFUSED;
	}
	signet_guest_id g = 0;
	rc = host_load_guest(&s, argv[1], &g);
	if (!rc)
		rc = print_guest(&s, g);
	host_close(&s);
	return rc;
}
