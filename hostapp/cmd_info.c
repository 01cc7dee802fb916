/* SPDX-License-Identifier: MIT */
/*
 * cmd_info.c - `signet-host info [--json] BUNDLE`: the preflight report,
 * then (when it would load) the bundle loaded as a guest: its class,
 * methods and the protocols it conforms to.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "host.h"

static void usage(FILE *to)
{
	fputs("Usage: signet-host [OPTIONS] info [--json] BUNDLE\n"
	      "\n"
	      "Prints what preflight finds (as `preflight`), then loads the bundle as a\n"
	      "guest and prints its guest handle, status, class, every method with its\n"
	      "type encoding, and whether it conforms to the Filter protocol (filter: \"**\").\n"
	      "\n"
	      "  --json      one JSON object: the report, and the guest (null when refused)\n"
	      "  -h, --help  this text\n"
	      "\n"
	      "Exit codes: 0 it loaded, 1 it was refused, 2 usage error.\n", to);
}

static const struct option options[] = {
	{ "json", no_argument, NULL, HOST_OPT_JSON },
	{ NULL, 0, NULL, 0 },
};

/* The loaded guest as text: handle, status, class, methods, and whether it conforms to Filter 1. */
static void print_guest(const host_session *s, signet_guest_id g, uint32_t st)
{
	signet_error *err = NULL;
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
}

/* The same as a JSON object (docs/signet-host.md, "info --json"). */
static json_t *guest_json(const host_session *s, signet_guest_id g, uint32_t st)
{
	json_t *o = json_object(), *methods = json_array();
	signet_error *err = NULL;
	bool ok = o && methods;
	for (size_t i = 0; ok && i < signet_guest_method_count(s->host, g); i++)
		ok = json_array_append_new(methods, json_pack("{s:s, s:s}", "name",
			signet_guest_method_name(s->host, g, i), "types", signet_guest_method_types(s->host, g, i))) == 0;
	bool filter = signet_guest_conforms(s->host, g, &host_filter_protocol, &err) == 0;
	ok = ok && json_object_set_new(o, "handle", json_integer(g)) == 0 &&
		json_object_set_new(o, "status", json_integer(st)) == 0 &&
		json_object_set_new(o, "class", json_string(signet_guest_class_name(s->host, g))) == 0 &&
		json_object_set(o, "methods", methods) == 0 &&
		json_object_set_new(o, "filter", json_boolean(filter)) == 0 &&
		json_object_set_new(o, "filter_reason", filter ? json_null() : json_string(signet_error_message(err))) == 0;
	signet_error_free(err);
	json_decref(methods);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int cmd_info(int argc, char **argv)
{
	host_flags flags = { 0 };
	const host_command_spec spec = { .name = "info", .usage = usage, .options = options,
		.on_option = host_flag_option, .payload = &flags, .min_operands = 1, .max_operands = 1,
		.operands = "BUNDLE" };
	int at = 0, rc = host_parse(&spec, argc, argv, &at);
	if (rc >= 0)
		return rc;
	const char *bundle = argv[at];
	host_session s;
	rc = host_open(&s);
	if (rc)
		return rc;
	signet_bundle_info *info = NULL;
	signet_error *err = NULL;
	json_t *doc = NULL;
	rc = signet_preflight(&info, bundle, s.policy, HOST_API_VERSION, &err) ? HOST_EXIT_REFUSED : HOST_EXIT_OK;
	if (info && flags.json) {
		char *text = NULL;
		signet_error *jerr = NULL;
		doc = json_object();
		if (signet_bundle_info_to_json(&text, info, &jerr) != 0) {
			json_decref(doc);
			signet_bundle_info_free(info);
			signet_error_free(err);
			host_close(&s);
			return host_report(jerr);
		}
		json_object_set_new(doc, "report", host_json_parse(text));
	} else if (info) {
		host_print_bundle_info(stdout, info);
	} else {
		host_report_refusal(err);
	}
	signet_error_free(err);
	signet_bundle_info_free(info);
	signet_guest_id g = 0;
	uint32_t st = 0;
	/* Loading verifies again: the preflight's verdict is advice, the load's is the one that counts. */
	if (!rc)
		rc = host_load_guest(&s, bundle, &g);
	if (!rc && signet_guest_status(&st, s.host, g, &err) != 0)
		rc = host_report(err);
	if (doc) {
		json_object_set_new(doc, "guest", rc ? json_null() : guest_json(&s, g, st));
		if (cli_json_print(host_command, doc) != 0 && !rc)
			rc = HOST_EXIT_REFUSED;
	} else if (!rc) {
		print_guest(&s, g, st);
	}
	host_close(&s);
	return rc;
}
