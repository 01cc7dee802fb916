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

void host_print_image(const signet_image *img)
{
	char bid[129];
	if (signet_image_build_id_hex(img, bid, sizeof bid) == 0)
		strcpy(bid, "-");
	printf("image %llu: %s\n", (unsigned long long)signet_image_id(img), signet_image_path(img));
	printf("  base: 0x%016llx\n", (unsigned long long)signet_image_base(img));
	printf("  arrival: %s\n", signet_arrival_name(signet_image_arrival(img)));
	printf("  build-id: %s\n", bid);
	const signet_identity *id = signet_image_identity(img);
	if (!id) {
		printf("  identity: %s\n", signet_image_is_platform(img) ? "platform library" : "unsigned");
		return;
	}
	const char *team = signet_identity_team(id);
	printf("  identifier: %s\n", signet_identity_identifier(id));
	printf("  team: %s\n", team ? team : "(none)");
	printf("  cdhash: %s\n", signet_identity_cdhash_hex(id));
	printf("  signer: %s\n", signet_identity_leaf_subject(id));
	printf("  anchor: %s\n", signet_identity_anchor_subject(id));
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
		fprintf(stderr, "signet-host: refused: %s\n", signet_error_message(err));
		if (signet_error_check(err))
			fprintf(stderr, "  check: %s (%s)\n", signet_error_check(err),
				signet_code_name(signet_error_code(err)));
		if (signet_error_expected(err) && signet_error_actual(err))
			fprintf(stderr, "  expected: %s\n  actual: %s\n", signet_error_expected(err), signet_error_actual(err));
		signet_error_free(err);
		signet_policy_free(policy);
		return HOST_EXIT_REFUSED;
	}
	host_print_image(img);
	rc = symbol ? call(img, symbol, type) : HOST_EXIT_OK;
	fflush(stdout);
	signet_unload(img, NULL);
	signet_policy_free(policy);
	return rc;
}
