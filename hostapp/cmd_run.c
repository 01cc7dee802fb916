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
	fputs("Usage: signet-host [OPTIONS] run BUNDLE [METHOD ARGS...]\n"
	      "\n"
	      "Loads BUNDLE as a guest and creates an instance of its principal class.\n"
	      "Without METHOD, lists the methods and their type encodings. With METHOD,\n"
	      "parses each ARG by the method's encoding (int32, int64, uint64: decimal;\n"
	      "double; bool: true/false/1/0; string and buffer: the text; pointer: 0x-hex\n"
	      "or null; see docs/plugins.md), calls it, and prints the result. Options\n"
	      "end at BUNDLE: an ARG may start with '-'.\n"
	      "\n"
	      "  -h, --help  this text\n"
	      "\n"
	      "Exit codes: 0 called, 1 refused or the call failed, 2 usage error (wrong\n"
	      "number of ARGS, or an ARG that does not parse as its type).\n", to);
}

int cmd_run(int argc, char **argv)
{
	/* Options end at BUNDLE: what follows is METHOD and its ARGS, "-5" included. */
	const host_command_spec spec = { .name = "run", .usage = usage, .stop_at_operand = true,
		.min_operands = 1, .max_operands = HOST_ANY, .operands = "BUNDLE" };
	int at = 0, rc = host_parse(&spec, argc, argv, &at);
	if (rc >= 0)
		return rc;
	argc -= at - 1;
	argv += at - 1; /* argv[1] is BUNDLE, as below */
	host_session s;
	rc = host_open(&s);
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
		rc = host_report(err);
		goto out;
	}
	const char *method = argv[2];
	const char *types = signet_instance_method_types(inst, method);
	if (!types) {
		cli_error(host_command, "class %s has no method '%s'", signet_guest_class_name(s.host, g), method);
		rc = HOST_EXIT_USAGE;
		goto out;
	}
	size_t nargs = strlen(types) - 1, given = (size_t)argc - 3;
	if (given != nargs) {
		cli_error(host_command, "%s takes %zu argument%s (encoding \"%s\"), %zu given", method, nargs,
			nargs == 1 ? "" : "s", types, given);
		rc = HOST_EXIT_USAGE;
		goto out;
	}
	rc = host_parse_args(&args, types, argv + 3, nargs);
	if (rc)
		goto out;
	signet_value result;
	if (signet_instance_invoke(inst, method, args, nargs, &result, &err) != 0) {
		rc = host_report(err);
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
