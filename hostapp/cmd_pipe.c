/* SPDX-License-Identifier: MIT */
/*
 * cmd_pipe.c - `signet-host pipe BUNDLE...`: text filters in a chain, from
 * standard input to standard output. Each bundle must conform to the
 * Filter protocol; the text goes through each filter in order.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

static const signet_protocol_method filter_methods[] = {
	{ "filter", "**", true },
};
const signet_protocol host_filter_protocol = { "Filter", 1, 1, filter_methods };

static void usage(FILE *to)
{
	fputs("Usage: signet-host [OPTIONS] pipe BUNDLE...\n"
	      "\n"
	      "Loads each BUNDLE as a guest (all of them before any text moves; they are\n"
	      "verified in parallel, and none is mapped unless all verify), checks\n"
	      "that each conforms to the Filter protocol (version 1: filter, \"**\"), reads\n"
	      "all of standard input (at most 64 MiB), passes it through each filter in\n"
	      "order, and writes the result to standard output.\n"
	      "\n"
	      "  -h, --help  this text\n"
	      "\n"
	      "Exit codes: 0 done, 1 a bundle refused or a filter failed, 2 usage error.\n", to);
}

int cmd_pipe(int argc, char **argv)
{
	const host_command_spec spec = { .name = "pipe", .usage = usage, .min_operands = 1, .max_operands = HOST_ANY,
		.operands = "BUNDLE" };
	int at = 0, rc = host_parse(&spec, argc, argv, &at);
	if (rc >= 0)
		return rc;
	host_session s;
	rc = host_open(&s);
	if (rc)
		return rc;
	size_t n = (size_t)(argc - at);
	signet_instance **chain = calloc(n, sizeof *chain);
	char *text = NULL;
	signet_error *err = NULL;
	if (!chain) {
		rc = HOST_EXIT_REFUSED;
		goto out;
	}
	/*
	 * Every filter is loaded and checked before any text moves; all or
	 * nothing: every bundle is verified (in parallel) before any is mapped,
	 * so a refused one means no filter's code ran at all.
	 */
	signet_guest_id *guests = calloc(n, sizeof *guests);
	rc = guests ? host_load_guests(&s, argv + at, n, true, guests) : HOST_EXIT_REFUSED;
	for (size_t i = 0; i < n && !rc; i++) {
		if (signet_guest_conforms(s.host, guests[i], &host_filter_protocol, &err) != 0 ||
		    signet_instance_create(&chain[i], s.host, guests[i], &err) != 0) {
			rc = host_report(err);
		}
	}
	free(guests);
	if (rc)
		goto out;
	size_t len = 0;
	text = host_read_stdin(&len);
	if (!text || strlen(text) != len) {
		cli_error(host_command, "standard input is over 64 MiB, contains a NUL byte, or cannot be read");
		rc = HOST_EXIT_REFUSED;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		signet_value arg = { .type = SIGNET_TYPE_STRING, .as.string = text }, out;
		if (signet_instance_invoke(chain[i], "filter", &arg, 1, &out, &err) != 0) {
			rc = host_report(err);
			goto out;
		}
		free(text);
		/* NULL from a filter means empty. */
		text = strdup(out.as.string ? out.as.string : "");
		signet_value_clear(&out);
		if (!text) {
			rc = HOST_EXIT_REFUSED;
			goto out;
		}
	}
	fputs(text, stdout);
	fflush(stdout);
out:
	free(text);
	for (size_t i = 0; chain && i < n; i++)
		signet_instance_destroy(chain[i]);
	free(chain);
	host_close(&s);
	return rc;
}
