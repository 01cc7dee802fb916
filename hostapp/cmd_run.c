/* SPDX-License-Identifier: MIT */
/*
 * cmd_run.c - `signet-host run BUNDLE [METHOD ARGS...]`: load a bundle as
 * a guest, make an instance of its principal class, and call METHOD with
 * ARGS parsed by the method's type encoding.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

static void usage(FILE *to)
{
	fputs("Usage: signet-host [--anchors P] [--requirement R] [--policy F] run BUNDLE [METHOD ARGS...]\n"
	      "\n"
	      "Loads BUNDLE as a guest and creates an instance of its principal class.\n"
	      "Without METHOD, lists the methods and their type encodings. With METHOD,\n"
	      "parses each ARG by the method's encoding (int32, int64, uint64: decimal;\n"
	      "double; bool: true/false/1/0; string and buffer: the text; pointer: 0x-hex\n"
	      "or null; see docs/plugins.md), calls it, and prints the result.\n"
	      "Exit codes: 0 called, 1 refused or the call failed, 2 usage error (wrong\n"
	      "number of ARGS, or an ARG that does not parse as its type).\n", to);
}

int cmd_run(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return HOST_EXIT_OK;
	}
	if (argc < 2 || argv[1][0] == '-') {
		usage(stderr);
		return HOST_EXIT_USAGE;
	}
	host_session s;
	int rc = host_open(&s);
	if (rc)
		return rc;
	signet_guest_id g = 0;
	signet_instance *inst = NULL;
	signet_value *args = NULL;
	signet_error *err = NULL;
	rc = host_load_guest(&s, argv[1], &g);
	if (rc)
		goto out;
	if (argc == 2) {
		printf("class %s:\n", signet_guest_class_name(s.host, g));
		for (size_t i = 0; i < signet_guest_method_count(s.host, g); i++)
			printf("  %s \"%s\"\n", signet_guest_method_name(s.host, g, i), signet_guest_method_types(s.host, g, i));
		goto out;
	}
	if (signet_instance_create(&inst, s.host, g, &err) != 0) {
		rc = host_report("run", err);
		goto out;
	}
	const char *method = argv[2];
	const char *types = signet_instance_method_types(inst, method);
	if (!types) {
		fprintf(stderr, "signet-host run: class %s has no method '%s'\n", signet_guest_class_name(s.host, g), method);
		rc = HOST_EXIT_USAGE;
		goto out;
	}
	size_t nargs = strlen(types) - 1, given = (size_t)argc - 3;
	if (given != nargs) {
		fprintf(stderr, "signet-host run: %s takes %zu argument%s (encoding \"%s\"), %zu given\n", method, nargs,
			nargs == 1 ? "" : "s", types, given);
		rc = HOST_EXIT_USAGE;
		goto out;
	}
	rc = host_parse_args(&args, types, argv + 3, nargs, "run");
	if (rc)
		goto out;
	signet_value result;
	if (signet_instance_invoke(inst, method, args, nargs, &result, &err) != 0) {
		rc = host_report("run", err);
		goto out;
	}
	host_print_value(&result);
	signet_value_clear(&result);
out:
	free(args);
	signet_instance_destroy(inst);
	host_close(&s);
	return rc;
}
