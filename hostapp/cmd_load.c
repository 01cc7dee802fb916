/* SPDX-License-Identifier: MIT */
/*
 * cmd_load.c - `signet-host load FILE... [--call SYMBOL --returns TYPE]`:
 * signed shared objects through the verified pipeline; several are
 * verified in parallel (signet_load_many()) and mapped in order.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host.h"

static void usage(FILE *to)
{
	fputs("Usage: signet-host [OPTIONS] load FILE... [--call SYMBOL --returns int|long|double|string|void]\n"
	      "\n"
	      "Loads each FILE through Signet's verified pipeline and prints its image\n"
	      "record and identity, or the refusal and its reason. Several FILEs are\n"
	      "verified in parallel (--jobs) and mapped in the order given; a refusal\n"
	      "does not stop the others. With --call, calls SYMBOL in each FILE loaded, a\n"
	      "function without arguments returning TYPE, and prints what it returned.\n"
	      "\n"
	      "  --call SYMBOL   call SYMBOL in each FILE loaded\n"
	      "  --returns TYPE  what SYMBOL returns: int, long, double, string or void\n"
	      "  -h, --help      this text\n"
	      "\n"
	      "Exit codes: 0 all loaded (and called), 1 a FILE refused or a call failed,\n"
	      "2 usage error.\n", to);
}

static int call(signet_image *img, const char *symbol, const char *type)
{
	signet_error *err = NULL;
	void *fn = NULL;
	if (signet_image_symbol(&fn, img, symbol, &err) != 0)
		return host_report(err);
	/* The caller vouches for the type; Signet verified whose code this is. */
	uintptr_t f = (uintptr_t)fn;
	if (strcmp(type, "int") == 0)
		printf("%s() = %d\n", symbol, ((int (*)(void))f)());
	else if (strcmp(type, "long") == 0)
		printf("%s() = %ld\n", symbol, ((long (*)(void))f)());
	else if (strcmp(type, "double") == 0)
		printf("%s() = %g\n", symbol, ((double (*)(void))f)());
	else if (strcmp(type, "string") == 0) {
		const char *s = ((const char *(*)(void))f)();
		printf("%s() = %s%s%s\n", symbol, s ? "\"" : "", s ? s : "NULL", s ? "\"" : "");
	} else {
		((void (*)(void))f)();
		printf("%s() returned\n", symbol);
	}
	return HOST_EXIT_OK;
}

typedef struct load_options {
	const char *symbol, *type;
} load_options;

static int on_option(int c, const char *value, void *payload)
{
	load_options *o = payload;
	if (c == 'c')
		o->symbol = value;
	else if (c == 'r')
		o->type = value;
	else
		return -1;
	return 0;
}

int cmd_load(int argc, char **argv)
{
	static const struct option options[] = {
		{ "call", required_argument, NULL, 'c' },
		{ "returns", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	load_options lo = { 0 };
	const host_command_spec spec = { .name = "load", .usage = usage, .options = options, .on_option = on_option,
		.payload = &lo, .min_operands = 1, .max_operands = HOST_ANY, .operands = "FILE" };
	int first = 0, rc = host_parse(&spec, argc, argv, &first);
	if (rc >= 0)
		return rc;
	const char *symbol = lo.symbol, *type = lo.type;
	if ((symbol == NULL) != (type == NULL))
		return cli_usage_error(host_command, "--call and --returns go together");
	if (type && strcmp(type, "int") && strcmp(type, "long") && strcmp(type, "double") && strcmp(type, "string") &&
	    strcmp(type, "void"))
		return cli_usage_error(host_command, "--returns takes int, long, double, string or void, not '%s'", type);
	signet_policy *policy = NULL;
	rc = host_make_policy(&policy);
	if (rc)
		return rc;
	size_t n = (size_t)(argc - first);
	signet_load_result *r = calloc(n, sizeof *r);
	if (!r) {
		signet_policy_free(policy);
		cli_error(host_command, "out of memory");
		return HOST_EXIT_REFUSED;
	}
	signet_many_options mo = host_many_options(false);
	if (signet_load_many(r, (const char *const *)argv + first, n, policy, &mo, NULL) != 0)
		rc = HOST_EXIT_REFUSED;
	for (size_t i = 0; i < n; i++) {
		if (r[i].code) {
			host_report_refusal(r[i].error);
			signet_error_free(r[i].error);
			continue;
		}
		host_print_image(r[i].image);
		if (symbol && call(r[i].image, symbol, type) != HOST_EXIT_OK)
			rc = HOST_EXIT_REFUSED;
	}
	fflush(stdout);
	/* Last loaded, first given back: what a later file needs goes after it. */
	for (size_t i = n; i-- > 0;) {
		signet_error *err = NULL;
		if (r[i].image && signet_unload(r[i].image, &err) != 0) {
			rc = host_report(err);
		}
	}
	free(r);
	signet_policy_free(policy);
	return rc;
}
