/* SPDX-License-Identifier: MIT */
/*
 * bench_isolation - what isolation costs (docs/benchmarks.md).
 *
 * 1. A call round trip to an isolated guest (Rot13's filter on 4 bytes)
 *    against the same call in process and against a raw AF_UNIX
 *    socketpair ping-pong of 4 bytes, in the same run, pinned to one CPU
 *    and unpinned (the guest inherits the host's CPU set when it starts).
 *    Goal: isolated <= 2x the raw ping-pong.
 * 2. From "load isolated" to the first call's result, against an
 *    in-process load plus a posix_spawn() and wait of /bin/true (what any
 *    process costs), with the share of each step.
 *
 * Uses the public API, the sample bundles, the sample PKI and the signed
 * guest helper the build makes in plugins/ (run `make` first).
 */
#include "config.h"

#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <signet/signet.h>

#include "bench_util.h"
#include "bench_pingpong.h"

extern char **environ;

static int iterations = 20000;
static char plugins[PATH_MAX];

static void die(const char *what, signet_error *err)
{
	fprintf(stderr, "bench_isolation: %s: %s\n", what, err ? signet_error_message(err) : "failed");
	exit(1);
}

static signet_host *new_host(signet_policy *policy)
{
	signet_host_options o = SIGNET_HOST_OPTIONS_INIT;
	char helper[PATH_MAX + 32];
	snprintf(helper, sizeof helper, "%s/signet-guest", plugins);
	o.policy = policy;
	o.api_version = "1.0.0";
	o.guest_helper = helper;
	signet_host *h = NULL;
	signet_error *err = NULL;
	if (signet_host_new(&h, &o, &err) != 0)
		die("host", err);
	return h;
}

static signet_guest_id load(signet_host *h, signet_isolation iso)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/Rot13.bundle", plugins);
	signet_load_options lo = SIGNET_LOAD_OPTIONS_INIT;
	lo.isolation = iso;
	signet_guest_id g = 0;
	signet_error *err = NULL;
	if (signet_host_load_bundle_with(&g, h, path, &lo, &err) != 0)
		die("load", err);
	return g;
}

static void call(signet_instance *i)
{
	signet_value arg = SIGNET_STRING("abcd"), r;
	signet_error *err = NULL;
	if (signet_instance_invoke(i, "filter", &arg, 1, &r, &err) != 0)
		die("call", err);
	signet_value_clear(&r);
}

/* Mean microseconds per call on a fresh guest of `iso`, the host (and so the guest) placed `where`. */
static double call_us(signet_policy *policy, signet_isolation iso, placement where)
{
	pin(where, false);
	signet_host *h = new_host(policy);
	signet_guest_id g = load(h, iso);
	signet_instance *i = NULL;
	signet_error *err = NULL;
	if (signet_instance_create(&i, h, g, &err) != 0)
		die("instance", err);
	for (int k = 0; k < 100; k++)
		call(i);
	double t0 = bench_now();
	for (int k = 0; k < iterations; k++)
		call(i);
	double t = bench_now() - t0;
	signet_instance_destroy(i);
	signet_host_free(h);
	return t / iterations * 1e6;
}

typedef struct startup {
	double load, instance, first_call, total;
} startup;

static startup isolated_startup(signet_policy *policy)
{
	signet_host *h = new_host(policy);
	startup s;
	double t0 = bench_now();
	signet_guest_id g = load(h, SIGNET_ISOLATION_PROCESS);
	double t1 = bench_now();
	signet_instance *i = NULL;
	signet_error *err = NULL;
	if (signet_instance_create(&i, h, g, &err) != 0)
		die("instance", err);
	double t2 = bench_now();
	call(i);
	double t3 = bench_now();
	s = (startup){ t1 - t0, t2 - t1, t3 - t2, t3 - t0 };
	signet_instance_destroy(i);
	signet_host_free(h);
	return s;
}

/* An in-process load, an instance and a call, plus spawning and reaping /bin/true. */
static double in_process_plus_spawn(signet_policy *policy, double *spawn_part)
{
	signet_host *h = new_host(policy);
	double t0 = bench_now();
	signet_guest_id g = load(h, SIGNET_ISOLATION_IN_PROCESS);
	signet_instance *i = NULL;
	signet_error *err = NULL;
	if (signet_instance_create(&i, h, g, &err) != 0)
		die("instance", err);
	call(i);
	double t1 = bench_now();
	pid_t pid;
	static char name[] = "true";
	char *argv[] = { name, NULL };
	if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) != 0)
		die("posix_spawn", NULL);
	waitpid(pid, NULL, 0);
	double t2 = bench_now();
	*spawn_part = t2 - t1;
	signet_instance_destroy(i);
	signet_host_free(h);
	return t2 - t0;
}

int main(void)
{
	if (getenv("SIGNET_BENCH_ITERATIONS"))
		iterations = atoi(getenv("SIGNET_BENCH_ITERATIONS"));
	snprintf(plugins, sizeof plugins, "%s/plugins", SIGNET_BUILDDIR);
	char anchors[PATH_MAX + 32];
	snprintf(anchors, sizeof anchors, "%s/pki/root.pem", plugins);
	signet_policy *policy = NULL;
	signet_error *err = NULL;
	if (signet_policy_new(&policy, &err) != 0 || signet_policy_set_anchors(policy, anchors, &err) != 0 ||
	    signet_policy_set_requirement(policy, "anchor trusted and team \"ABCDE12345\"", &err) != 0)
		die("policy", err);
	char load_avg[64];
	printf("load average: %s; medians of 5 rounds of %d calls each (Rot13 filter, 4 bytes)\n",
		bench_loadavg(load_avg, sizeof load_avg), iterations);
	enum { ROUNDS = 5 };
	static const placement places[] = { SAME_CPU, UNPINNED };
	for (size_t p = 0; p < sizeof places / sizeof places[0]; p++) {
		double raw[ROUNDS], inproc[ROUNDS], iso[ROUNDS];
		for (int r = 0; r < ROUNDS; r++) {
			raw[r] = raw_round_trip_us(places[p], iterations);
			inproc[r] = call_us(policy, SIGNET_ISOLATION_IN_PROCESS, places[p]);
			iso[r] = call_us(policy, SIGNET_ISOLATION_PROCESS, places[p]);
		}
		double a = bench_median(raw, ROUNDS), b = bench_median(inproc, ROUNDS), c = bench_median(iso, ROUNDS);
		printf("%-10s raw socketpair %5.1f us | in process %6.2f us | isolated %5.1f us: %.2fx raw "
			"(goal <= 2x), %.0fx in process\n", placement_names[places[p]], a, b, c, c / a, c / b);
	}
	pin(UNPINNED, false);
	enum { STARTS = 21 };
	double total[STARTS], ld[STARTS], inst[STARTS], first[STARTS], ref[STARTS], spawn[STARTS];
	for (int k = 0; k < STARTS; k++) {
		startup s = isolated_startup(policy);
		total[k] = s.total * 1e3;
		ld[k] = s.load * 1e3;
		inst[k] = s.instance * 1e3;
		first[k] = s.first_call * 1e3;
		ref[k] = in_process_plus_spawn(policy, &spawn[k]) * 1e3;
		spawn[k] *= 1e3;
	}
	double t = bench_median(total, STARTS), r = bench_median(ref, STARTS);
	printf("load isolated -> first result: %.2f ms (load %.2f, instance %.3f, first call %.3f; medians of %d)\n",
		t, bench_median(ld, STARTS), bench_median(inst, STARTS), bench_median(first, STARTS), STARTS);
	printf("in-process load + call + posix_spawn(/bin/true): %.2f ms (the spawn %.2f): isolated is %.2fx\n", r,
		bench_median(spawn, STARTS), t / r);
	signet_policy_free(policy);
	return 0;
}
