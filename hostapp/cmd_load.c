/* SPDX-License-Identifier: MIT */
/*
 * cmd_load.c - `signet-host load FILE [--call SYMBOL --returns TYPE]`: one
 * signed shared object through the verified pipeline.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "host.h"

static void usage(FILE *to)
{
	fputs("Usage: signet-host [--anchors P] [--requirement R] [--policy F]\n"
	      "                   load FILE [--call SYMBOL --returns int|long|double|string|void]\n"
	      "\n"
	      "Loads FILE through Signet's verified pipeline and prints its image record\n"
	      "and identity, or the refusal and its reason. With --call, calls SYMBOL, a\n"
	      "function without arguments returning TYPE, and prints what it returned.\n", to);
}

static int call(signet_image *img, const char *symbol, const char *type)
{
	signet_error *err = NULL;
	void *fn = NULL;
	if (signet_image_symbol(&fn, img, symbol, &err) != 0)
		return host_report("load", err);
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

int cmd_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "call", required_argument, NULL, 'c' },
		{ "returns", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *symbol = NULL, *type = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': symbol = optarg; break;
		case 'r': type = optarg; break;
		case 'h': usage(stdout); return HOST_EXIT_OK;
		default: usage(stderr); return HOST_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "signet-host load: exactly one FILE is needed\n");
		return HOST_EXIT_USAGE;
	}
	if ((symbol == NULL) != (type == NULL) || (type && strcmp(type, "int") && strcmp(type, "long") &&
	    strcmp(type, "double") && strcmp(type, "string") && strcmp(type, "void"))) {
		fprintf(stderr, "signet-host load: --call and --returns go together; TYPE is int, long, double, string or void\n");
		return HOST_EXIT_USAGE;
	}
	signet_policy *policy = NULL;
	int rc = host_make_policy(&policy);
	if (rc)
		return rc;
	signet_error *err = NULL;
	signet_image *img = NULL;
	if (signet_load(&img, argv[optind], policy, &err) != 0) {
		host_print_refusal(stderr, "signet-host: refused: ", err);
		signet_error_free(err);
		signet_policy_free(policy);
		return HOST_EXIT_REFUSED;
	}
	host_print_image(img);
	rc = symbol ? call(img, symbol, type) : HOST_EXIT_OK;
	fflush(stdout);
	if (signet_unload(img, &err) != 0) {
		fprintf(stderr, "signet-host: load: %s\n", signet_error_message(err));
		signet_error_free(err);
		rc = HOST_EXIT_REFUSED;
	}
	signet_policy_free(policy);
	return rc;
}
