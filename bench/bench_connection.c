/* SPDX-License-Identifier: MIT */
/*
 * bench_connection.c - a Signet call round trip (one int32 argument, one
 * int32 result) against a raw AF_UNIX socketpair ping-pong, in the same
 * run, both with client and server pinned to one CPU and not; and what
 * setting up a connection costs, step by step.
 *
 * Peers must be valid signed processes, so the program makes a CA with the
 * build's `signet`, signs a copy of itself, and re-executes that copy (with
 * --signed ANCHORS), which then forks its server. Linked statically with
 * the library (a build-tree libsignet.so would make it invalid to peers).
 * Figures and ratios only; never a verdict (docs/benchmarks.md).
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <signet/signet.h>

#include <systemd/sd-bus.h>

#include "bench_util.h"
#include "bench_pingpong.h"
#include "connection/service.h"
#include "process/process_internal.h"

#define NAME "BENCHTEAM1.org.signet.bench.echo"

static int iterations = 20000;

/* ---- sd-bus alone, peer to peer: the library's own floor ---- */

static int sdbus_echo(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	(void)userdata;
	(void)ret_error;
	int32_t v = 0;
	if (sd_bus_message_is_method_call(m, NULL, "Ping") <= 0 || sd_bus_message_read(m, "i", &v) < 0)
		return 0;
	(void)sd_bus_reply_method_return(m, "i", ~v);
	return 1;
}

/* The same round trip (an int32 each way) through sd-bus without Signet: what the wire itself costs. */
static double sdbus_round_trip_us(placement where)
{
	int sv[2];
	pid_t pid = pingpong_fork(&sv[0], &sv[1], where);
	if (pid == 0) {
		sd_bus *bus = NULL;
		sd_id128_t id;
		if (sd_bus_new(&bus) < 0 || sd_id128_randomize(&id) < 0 || sd_bus_set_fd(bus, sv[1], sv[1]) < 0 ||
		    sd_bus_set_server(bus, 1, id) < 0 || sd_bus_add_filter(bus, NULL, sdbus_echo, NULL) < 0 ||
		    sd_bus_start(bus) < 0)
			_exit(1);
		for (;;) {
			int r = sd_bus_process(bus, NULL);
			if (r < 0)
				break;
			if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
				break;
		}
		sd_bus_flush_close_unref(bus);
		_exit(0);
	}
	sd_bus *bus = NULL;
	if (sd_bus_new(&bus) < 0 || sd_bus_set_fd(bus, sv[0], sv[0]) < 0 || sd_bus_start(bus) < 0)
		exit(1);
	double t0 = 0;
	for (int i = -200; i < iterations; i++) { /* 200 to warm */
		if (i == 0)
			t0 = bench_now();
		sd_bus_message *reply = NULL;
		int32_t v = 0;
		if (sd_bus_call_method(bus, NULL, "/org/signet", "org.signet.Bench", "Ping", NULL, &reply, "i", i) < 0 ||
		    sd_bus_message_read(reply, "i", &v) < 0 || v != ~i)
			exit(1);
		sd_bus_message_unref(reply);
	}
	double t = bench_now() - t0;
	sd_bus_flush_close_unref(bus);
	waitpid(pid, NULL, 0);
	return t / iterations * 1e6;
}

/* ---- the Signet service ---- */

static void on_message(signet_connection *c, signet_message *m, void *payload)
{
	(void)c;
	(void)payload;
	const signet_value *a = signet_message_arg(m, 0);
	signet_value r = SIGNET_INT32(a && a->type == SIGNET_TYPE_INT32 ? ~a->as.i32 : 0);
	if (signet_message_reply(m, &r, NULL) != 0)
		abort();
}

static volatile sig_atomic_t stop;
static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static pid_t serve(const char *path, signet_policy *policy, placement where)
{
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) != 0)
		exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		pin(where, true);
		signal(SIGTERM, on_term);
		signet_listener_options o = SIGNET_LISTENER_OPTIONS_INIT;
		o.policy = policy;
		o.on_message = on_message;
		signet_listener *l = NULL;
		signet_error *err = NULL;
		if (signet_listen_path(&l, path, NAME, &o, &err) != 0) {
			fprintf(stderr, "bench_connection: listen: %s\n", signet_error_message(err));
			_exit(1);
		}
		(void)!write(ready[1], "r", 1);
		while (!stop) {
			struct pollfd p = { signet_listener_fd(l), POLLIN, 0 };
			if (poll(&p, 1, 100) < 0 && errno != EINTR)
				break;
			while (signet_listener_process(l, NULL) > 0)
				;
		}
		signet_listener_free(l);
		_exit(0);
	}
	char r;
	if (read(ready[0], &r, 1) != 1)
		exit(1);
	close(ready[0]);
	close(ready[1]);
	return pid;
}

static signet_connection *connect_to(const char *path, signet_policy *policy)
{
	signet_connection_options o = SIGNET_CONNECTION_OPTIONS_INIT;
	o.policy = policy;
	signet_connection *c = NULL;
	signet_error *err = NULL;
	if (signet_connect_path(&c, path, NAME, &o, &err) != 0) {
		fprintf(stderr, "bench_connection: connect: %s\n", signet_error_message(err));
		exit(1);
	}
	return c;
}

static double signet_round_trip_us(const char *path, signet_policy *policy, placement where)
{
	pid_t server = serve(path, policy, where);
	pin(where, false);
	signet_connection *c = connect_to(path, policy);
	signet_value r;
	for (int i = 0; i < 200; i++) /* warm */
		if (signet_connection_call(&r, c, "ping", &SIGNET_INT32(i), 1, NULL) != 0)
			exit(1);
	double t0 = bench_now();
	for (int i = 0; i < iterations; i++) {
		if (signet_connection_call(&r, c, "ping", &SIGNET_INT32(i), 1, NULL) != 0 || r.as.i32 != ~i)
			exit(1);
	}
	double t = bench_now() - t0;
	signet_connection_free(c);
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	return t / iterations * 1e6;
}

/* What each message pays to know the peer is still who was checked (sg_process_exe_changed()). */
static void peer_check_cost(signet_policy *policy)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		exit(1);
	signet_process *self = NULL;
	if (signet_code_for_peer(&self, sv[0], policy, NULL) != 0)
		exit(1);
	enum { N = 100000 };
	double t0 = bench_now();
	for (int i = 0; i < N; i++)
		if (sg_process_exe_changed(self))
			exit(1);
	double each = (bench_now() - t0) / N * 1e6;
	printf("per message, is the peer still who was checked (sg_process_exe_changed): %.2f us\n", each);
	signet_process_free(self);
	close(sv[0]);
	close(sv[1]);
}

/* Connection setup: the whole, and its steps as the client sees them. */
static void setup_costs(const char *path, signet_policy *policy)
{
	enum { N = 200 };
	pid_t server = serve(path, policy, UNPINNED);
	double connect_t[N], inspect_t[N], whole_t[N];
	for (int i = 0; i < N; i++) {
		int fd = -1;
		double t0 = bench_now();
		if (sg_service_connect(&fd, path, NULL) != 0)
			exit(1);
		double t1 = bench_now();
		signet_process *p = NULL;
		if (signet_code_for_peer(&p, fd, policy, NULL) != 0)
			exit(1);
		double t2 = bench_now();
		signet_process_free(p);
		close(fd);
		double t3 = bench_now();
		signet_connection *c = connect_to(path, policy);
		double t4 = bench_now();
		signet_connection_free(c);
		connect_t[i] = (t1 - t0) * 1e6;
		inspect_t[i] = (t2 - t1) * 1e6;
		whole_t[i] = (t4 - t3) * 1e6;
	}
	double conn = bench_median(connect_t, N), insp = bench_median(inspect_t, N), whole = bench_median(whole_t, N);
	double rest = whole - conn - insp;
	printf("connection setup (median of %d): %.0f us in all\n", N, whole);
	printf("  connect():                          %8.1f us  %5.1f%%\n", conn, 100 * conn / whole);
	printf("  inspect and check the server:       %8.1f us  %5.1f%%\n", insp, 100 * insp / whole);
	printf("  sd-bus start, the server inspecting\n"
	       "  this client, challenge and answer:  %8.1f us  %5.1f%%\n", rest, 100 * rest / whole);
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
}

static int measure(const char *anchors)
{
	signet_policy *policy = NULL;
	signet_error *err = NULL;
	if (signet_policy_new(&policy, &err) != 0 || signet_policy_set_anchors(policy, anchors, &err) != 0) {
		fprintf(stderr, "bench_connection: policy: %s\n", signet_error_message(err));
		return 1;
	}
	char dir[PATH_MAX], path[PATH_MAX + 16];
	snprintf(dir, sizeof dir, "%s", anchors);
	*strrchr(dir, '/') = '\0';
	snprintf(path, sizeof path, "%s/svc", dir);
	char load[64];
	printf("load average: %s; medians of 5 rounds of %d round trips each\n", bench_loadavg(load, sizeof load),
		iterations);
	/* Rounds alternate the three kinds so that a noisy moment hits all of them; medians are shown. */
	enum { ROUNDS = 5 };
	for (placement where = 0; where < PLACEMENTS; where++) {
		double raw[ROUNDS], bus[ROUNDS], sig[ROUNDS];
		for (int r = 0; r < ROUNDS; r++) {
			raw[r] = raw_round_trip_us(where, iterations);
			bus[r] = sdbus_round_trip_us(where);
			sig[r] = signet_round_trip_us(path, policy, where);
		}
		double a = bench_median(raw, ROUNDS), b = bench_median(bus, ROUNDS), c = bench_median(sig, ROUNDS);
		printf("%-11s raw socketpair %5.1f us | sd-bus alone %5.1f us (%.2fx raw) | signet call %5.1f us: "
			"%.2fx raw (goal <= 2x), %.2fx sd-bus\n", placement_names[where], a, b, b / a, c, c / a, c / b);
	}
	peer_check_cost(policy);
	setup_costs(path, policy);
	signet_policy_free(policy);
	return 0;
}

/* Makes a CA and a signed copy of this program in a scratch directory, and runs the copy. */
int main(int argc, char **argv)
{
	if (getenv("SIGNET_BENCH_ITERATIONS"))
		iterations = atoi(getenv("SIGNET_BENCH_ITERATIONS"));
	if (argc == 3 && strcmp(argv[1], "--signed") == 0)
		return measure(argv[2]);
	char dir[] = "/tmp/bench-connection.XXXXXX";
	if (bench_scratch(dir, "bench_connection") != 0)
		return 1;
	char cmd[4 * PATH_MAX];
	snprintf(cmd, sizeof cmd, "%s/signet ca init %s/ca >/dev/null && %s/signet ca issue --team BENCHTEAM1 "
		"--name Bench %s/ca >/dev/null && cp /proc/%d/exe %s/bench && %s/signet sign --key %s/ca/BENCHTEAM1.key "
		"--cert %s/ca/BENCHTEAM1.pem --identifier org.signet.bench.connection %s/bench >/dev/null",
		SIGNET_BUILDDIR, dir, SIGNET_BUILDDIR, dir, (int)getpid(), dir, SIGNET_BUILDDIR, dir, dir, dir);
	if (bench_run("bench_connection", cmd) != 0)
		return 1;
	char exe[PATH_MAX + 16], anchors[PATH_MAX + 16];
	snprintf(exe, sizeof exe, "%s/bench", dir);
	snprintf(anchors, sizeof anchors, "%s/ca/root.pem", dir);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execl(exe, exe, "--signed", anchors, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
