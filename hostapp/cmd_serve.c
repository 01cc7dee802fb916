/* SPDX-License-Identifier: MIT */
/*
 * cmd_serve.c - `signet-host serve [--requirement R] NAME BUNDLE`: loads a
 * bundle as a guest and publishes its principal class as the service NAME.
 * Each client is checked (its code identity, R) before any of its calls
 * reaches the class; each call becomes an instance method call. Under
 * systemd socket activation it serves the socket it was given.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "host.h"

/* What a client must satisfy unless --requirement says otherwise. */
#define SERVE_DEFAULT_REQUIREMENT "anchor trusted and team = host"

static void usage(FILE *to)
{
	fputs("Usage: signet-host [OPTIONS] serve [--requirement R] [--socket PATH] [--once] NAME BUNDLE\n"
	      "\n"
	      "Loads BUNDLE as a guest and publishes its principal class as the service\n"
	      "NAME (TEAMID.reverse.dns.name, TEAMID being this host's own team), at\n"
	      "$XDG_RUNTIME_DIR/signet/services/NAME. Each client must be a valid signed\n"
	      "process satisfying R before any of its calls is read; each call runs the\n"
	      "class's method of that name on one instance. The method _methods lists\n"
	      "the methods and their type encodings (what `signet-host call` uses).\n"
	      "Started by systemd with a socket (LISTEN_FDS), it serves that socket.\n"
	      "Stops on SIGINT or SIGTERM. Clients accepted and refused are logged to\n"
	      "standard error.\n"
	      "\n"
	      "  --requirement R  what clients must satisfy (default: " SERVE_DEFAULT_REQUIREMENT ");\n"
	      "                   after the command name this option is serve's own: the\n"
	      "                   global --requirement (for BUNDLE) goes before it\n"
	      "  --socket PATH    publish at PATH instead of the name's usual place\n"
	      "  --once           stop after the first client has gone\n"
	      "  -h, --help       this text\n"
	      "\n"
	      "Exit codes: 0 stopped, 1 could not load the bundle or publish, 2 usage error.\n"
	      "See docs/connections.md.\n", to);
}

typedef struct service {
	signet_host *host;
	signet_instance *instance;
	signet_listener *listener;
	bool once, stop;
	bool activated;          /* serving the socket systemd passed */
	size_t served;
} service;

static void reply_error(signet_message *m, const char *name, signet_error *why)
{
	signet_error *e = NULL;
	if (signet_message_reply_error(m, name, signet_error_message(why), &e) != 0)
		signet_error_free(e);
}

/* "_methods": each method of the class and its encoding, as a dictionary. */
static void list_methods(service *s, signet_message *m)
{
	signet_guest_id g = signet_instance_guest(s->instance);
	size_t n = signet_guest_method_count(s->host, g);
	const char **keys = calloc(n ? n : 1, sizeof *keys);
	signet_value *values = calloc(n ? n : 1, sizeof *values);
	signet_error *e = NULL;
	if (keys && values) {
		for (size_t i = 0; i < n; i++) {
			keys[i] = signet_guest_method_name(s->host, g, i);
			values[i] = SIGNET_STRING(signet_guest_method_types(s->host, g, i));
		}
		signet_value dict = SIGNET_DICTIONARY(keys, values, n);
		if (signet_message_reply(m, &dict, &e) != 0)
			signet_error_free(e);
	}
	free(keys);
	free(values);
}

static void on_message(signet_connection *c, signet_message *m, void *payload)
{
	(void)c;
	service *s = payload;
	const char *method = signet_message_method(m);
	if (strcmp(method, "_methods") == 0) {
		list_methods(s, m);
		return;
	}
	size_t n = signet_message_arg_count(m);
	signet_value *args = calloc(n ? n : 1, sizeof *args);
	for (size_t i = 0; args && i < n; i++)
		args[i] = *signet_message_arg(m, i);
	signet_value result;
	signet_error *err = NULL;
	if (!args) {
		if (signet_message_expects_reply(m) && signet_message_reply_error(m, "org.signet.Error.Failed",
				"out of memory", &err) != 0)
			signet_error_free(err);
	} else if (signet_instance_invoke(s->instance, method, args, n, &result, &err) != 0) {
		const char *name = signet_error_code(err) == SIGNET_E_NO_METHOD ? "org.signet.Error.NoMethod"
			: signet_error_code(err) == SIGNET_E_ARGUMENT_MISMATCH ? "org.signet.Error.ArgumentMismatch"
			: "org.signet.Error.Failed";
		if (signet_message_expects_reply(m))
			reply_error(m, name, err);
		signet_error_free(err);
	} else {
		if (signet_message_expects_reply(m) && signet_message_reply(m, &result, &err) != 0) {
			reply_error(m, "org.signet.Error.Failed", err);
			signet_error_free(err);
		}
		signet_value_clear(&result);
	}
	free(args);
}

static void log_pid(const signet_connection *c, const char *what)
{
	const signet_process *p = signet_connection_peer(c);
	const signet_identity *id = p ? signet_process_identity(p) : NULL;
	cli_error(host_command, "%s pid %d (%s, team %s)", what, p ? (int)signet_process_pid(p) : -1,
		id ? signet_identity_identifier(id) : "no identity", id && signet_identity_team(id)
		? signet_identity_team(id) : "-");
}

static void on_connection(signet_listener *l, signet_connection *c, void *payload)
{
	(void)l;
	(void)payload;
	log_pid(c, "accepted client");
}

static void on_refused(signet_listener *l, const signet_error *why, void *payload)
{
	(void)l;
	(void)payload;
	cli_error(host_command, "refused a client: %s", signet_error_message(why));
}

static void on_gone(signet_connection *c, const signet_error *why, void *payload)
{
	service *s = payload;
	cli_error(host_command, "client gone: %s", why ? signet_error_message(why) : "closed");
	(void)c;
	s->served++;
	if (s->once)
		s->stop = true;
}

/* Serves until SIGINT/SIGTERM (or, with --once, the first client's end): the listener's poll descriptor. */
static int serve_loop(service *s)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		cli_error(host_command, "signalfd: %s", strerror(errno));
		return HOST_EXIT_REFUSED;
	}
	int rc = HOST_EXIT_OK;
	while (!s->stop) {
		struct pollfd p[2] = { { signet_listener_fd(s->listener), POLLIN, 0 }, { sfd, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		signet_error *err = NULL;
		int r;
		while ((r = signet_listener_process(s->listener, &err)) > 0 && !s->stop)
			;
		if (r < 0) {
			rc = host_report(err);
			break;
		}
	}
	close(sfd);
	return rc;
}

static int publish(service *s, const signet_listener_options *o, const char *name, const char *socket_path)
{
	signet_error *err = NULL;
	int rc;
	/* systemd socket activation: the socket is descriptor 3 (sd_listen_fds). */
	int n = sd_listen_fds(1);
	if (n > 1) {
		return cli_usage_error(host_command, "systemd passed %d sockets; one is expected", n);
	}
	if (n == 1)
		rc = signet_listen_fd(&s->listener, SD_LISTEN_FDS_START, name, o, &err);
	else if (socket_path)
		rc = signet_listen_path(&s->listener, socket_path, name, o, &err);
	else
		rc = signet_listen(&s->listener, name, o, &err);
	if (rc)
		return host_report(err);
	s->activated = n == 1;
	return HOST_EXIT_OK;
}

static void say_serving(const service *s, const char *name, const char *socket_path)
{
	char *path = NULL;
	if (!socket_path && !s->activated && signet_service_path(&path, name, NULL) == 0)
		socket_path = path;
	cli_error(host_command, "serving %s at %s", name,
		s->activated ? "the socket systemd passed" : socket_path ? socket_path : "?");
	free(path);
}

typedef struct serve_options {
	const char *requirement, *socket_path;
	bool once;
} serve_options;

static int on_option(int c, const char *value, void *payload)
{
	serve_options *o = payload;
	switch (c) {
	case 'r': o->requirement = value; return 0;
	case 's': o->socket_path = value; return 0;
	case 'o': o->once = true; return 0;
	default: return -1;
	}
}

int cmd_serve(int argc, char **argv)
{
	static const struct option options[] = {
		{ "requirement", required_argument, NULL, 'r' },
		{ "socket", required_argument, NULL, 's' },
		{ "once", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	serve_options so = { .requirement = SERVE_DEFAULT_REQUIREMENT };
	const host_command_spec spec = { .name = "serve", .usage = usage, .options = options, .on_option = on_option,
		.payload = &so, .min_operands = 2, .max_operands = 2, .operands = "NAME and BUNDLE" };
	int at = 0, rc = host_parse(&spec, argc, argv, &at);
	if (rc >= 0)
		return rc;
	const char *requirement = so.requirement, *socket_path = so.socket_path;
	service s = { .once = so.once };
	const char *name = argv[at], *bundle = argv[at + 1];
	signet_requirement *req = NULL;
	signet_error *err = NULL;
	if (signet_requirement_parse(&req, requirement, &err) != 0) {
		rc = cli_usage_error(host_command, "--requirement: %s", signet_error_message(err));
		signet_error_free(err);
		return rc;
	}
	host_session hs;
	rc = host_open(&hs);
	signet_listener_options o = SIGNET_LISTENER_OPTIONS_INIT;
	o.policy = hs.policy;
	o.requirement = req;
	o.on_message = on_message;
	o.on_connection = on_connection;
	o.on_refused = on_refused;
	o.on_invalidated = on_gone;
	o.on_interrupted = on_gone;
	o.payload = &s;
	/*
	 * The name first (may this host publish it at all?), then the bundle:
	 * clients that connect meanwhile wait in the socket's backlog, and a
	 * bundle that does not load takes the socket away again.
	 */
	if (!rc)
		rc = publish(&s, &o, name, socket_path);
	signet_guest_id g = 0;
	if (!rc)
		rc = host_load_guest(&hs, bundle, &g);
	if (!rc && signet_instance_create(&s.instance, hs.host, g, &err) != 0)
		rc = host_report(err);
	s.host = hs.host;
	if (!rc) {
		say_serving(&s, name, socket_path);
		rc = serve_loop(&s);
	}
	signet_listener_free(s.listener);
	signet_instance_destroy(s.instance);
	if (hs.host)
		host_close(&hs);
	signet_requirement_free(req);
	return rc;
}
