/* SPDX-License-Identifier: MIT */
/*
 * cmd_call.c - `signet-host call [--requirement R] NAME METHOD ARGS...`:
 * connects to the service NAME (checking that the server is a valid process
 * of the name's team satisfying R), asks it for METHOD's type encoding,
 * parses ARGS by it ("-" reads standard input), calls it and prints the
 * result.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

#define CALL_DEFAULT_REQUIREMENT "anchor trusted"

static void usage(FILE *to)
{
	fputs("Usage: signet-host [OPTIONS] call [--requirement R] [--socket PATH] [--timeout MS]\n"
	      "                   NAME METHOD [ARGS...]\n"
	      "\n"
	      "Connects to the service NAME (TEAMID.reverse.dns.name): the server must\n"
	      "be a valid signed process of team TEAMID satisfying R, and must accept\n"
	      "this client. Asks it for METHOD's type encoding, parses each ARG by it\n"
	      "(\"-\" for a string or buffer reads standard input), calls METHOD and\n"
	      "prints the result (a string as it is). Options end at NAME: an ARG may\n"
	      "start with '-'.\n"
	      "\n"
	      "  --requirement R  what the server must satisfy besides its team\n"
	      "                   (default: " CALL_DEFAULT_REQUIREMENT "); after the command\n"
	      "                   name this option is call's own\n"
	      "  --socket PATH    connect to PATH instead of the name's usual place\n"
	      "  --timeout MS     for the handshake and the call, 1 to 3600000 (default 25000)\n"
	      "  -h, --help       this text\n"
	      "\n"
	      "Example: echo hello | signet-host call ABCDE12345.org.signet.sample.rot13 filter -\n"
	      "Exit codes: 0 called, 1 refused, unreachable or the call failed, 2 usage\n"
	      "error (no such method, wrong number of ARGS, an ARG that does not parse).\n"
	      "See docs/connections.md.\n", to);
}

/*
 * The encoding of `method` from the service's _methods (return type first,
 * then one letter per parameter), into *types. The service's answer is
 * another process's: anything but a dictionary with a non-empty string for
 * the method is refused. Exit codes: HOST_EXIT_REFUSED when the service
 * could not be asked, HOST_EXIT_USAGE when it has no such method.
 */
static int method_types(char **types, signet_connection *c, const char *method)
{
	signet_value list;
	signet_error *err = NULL;
	if (signet_connection_call(&list, c, "_methods", NULL, 0, &err) != 0)
		return host_report(err);
	*types = NULL;
	if (list.type == SIGNET_TYPE_DICTIONARY)
		for (size_t i = 0; i < list.as.dictionary.count && !*types; i++)
			if (!strcmp(list.as.dictionary.keys[i], method) &&
			    list.as.dictionary.values[i].type == SIGNET_TYPE_STRING &&
			    list.as.dictionary.values[i].as.string[0])
				*types = strdup(list.as.dictionary.values[i].as.string);
	signet_value_clear(&list);
	if (*types)
		return HOST_EXIT_OK;
	cli_error(host_command, "the service has no method '%s'", method);
	return HOST_EXIT_USAGE;
}

typedef struct call_options {
	const char *requirement, *socket_path;
	unsigned long timeout_ms;
} call_options;

static int on_option(int c, const char *value, void *payload)
{
	call_options *o = payload;
	switch (c) {
	case 'r': o->requirement = value; return 0;
	case 's': o->socket_path = value; return 0;
	case 't':
		if (!cli_parse_ulong(value, 1, 3600000ul, &o->timeout_ms))
			return cli_usage_error(host_command, "option '--timeout' takes 1 to 3600000 milliseconds, not '%s'",
				value);
		return 0;
	default: return -1;
	}
}

int cmd_call(int argc, char **argv)
{
	static const struct option options[] = {
		{ "requirement", required_argument, NULL, 'r' },
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	call_options co = { .requirement = CALL_DEFAULT_REQUIREMENT, .timeout_ms = 25000 };
	/* Options end at NAME: the ARGS are the method's, "-5" included. */
	const host_command_spec spec = { .name = "call", .usage = usage, .options = options, .on_option = on_option,
		.payload = &co, .stop_at_operand = true, .min_operands = 2, .max_operands = HOST_ANY,
		.operands = "NAME and METHOD" };
	int first = 0;
	int rc = host_parse(&spec, argc, argv, &first);
	if (rc >= 0)
		return rc;
	const char *requirement = co.requirement, *socket_path = co.socket_path;
	unsigned long timeout_ms = co.timeout_ms;
	const char *name = argv[first], *method = argv[first + 1];
	signet_requirement *req = NULL;
	signet_policy *policy = NULL;
	signet_connection *conn = NULL;
	signet_value *args = NULL;
	char *types = NULL;
	signet_error *err = NULL;
	if (signet_requirement_parse(&req, requirement, &err) != 0) {
		rc = cli_usage_error(host_command, "--requirement: %s", signet_error_message(err));
		signet_error_free(err);
		return rc;
	}
	rc = host_make_policy(&policy);
	signet_connection_options o = SIGNET_CONNECTION_OPTIONS_INIT;
	o.policy = policy;
	o.requirement = req;
	o.timeout_usec = (uint64_t)timeout_ms * 1000u;
	if (!rc && (socket_path ? signet_connect_path(&conn, socket_path, name, &o, &err)
		: signet_connect(&conn, name, &o, &err)) != 0) {
		host_report_refusal(err);
		signet_error_free(err);
		rc = HOST_EXIT_REFUSED;
	}
	if (!rc)
		rc = method_types(&types, conn, method);
	size_t nargs = types ? strlen(types) - 1 : 0, given = (size_t)(argc - first - 2);
	if (!rc && given != nargs) {
		cli_error(host_command, "%s takes %zu argument%s (encoding \"%s\"), %zu given", method, nargs,
			nargs == 1 ? "" : "s", types, given);
		rc = HOST_EXIT_USAGE;
	}
	if (!rc)
		rc = host_parse_args(&args, types, argv + first + 2, nargs);
	signet_value result;
	if (!rc && signet_connection_call(&result, conn, method, args, nargs, &err) != 0)
		rc = host_report(err);
	else if (!rc) {
		host_print_value(&result);
		signet_value_clear(&result);
	}
	free(args);
	free(types);
	signet_connection_free(conn);
	signet_policy_free(policy);
	signet_requirement_free(req);
	return rc;
}
