/* SPDX-License-Identifier: MIT */
/*
 * bench_many.c - N signed bundles at once against one by one, in the same
 * run: the batch calls of docs/loading.md ("Many at once") against the
 * loops a host would write without them.
 *
 * Setup (not timed), in a scratch directory under /tmp removed at the end:
 * a CA, a team certificate and N distinct signed bundles, as bench_preflight
 * makes them (bench_bundles.h: each with its own bytes, cdhash and soname).
 *
 * Timed, per round, over all N, each pair alternating which goes first:
 *  (a) preflight: signet_preflight() of each, one by one, against
 *      signet_preflight_many() (every report freed);
 *  (b) bundles as guests: signet_host_load_bundle() of each into a new host,
 *      one by one, against signet_host_load_bundles(); the host is then
 *      freed (every guest unloaded), timed apart;
 *  (c) the bundles' libraries: signet_load() of each lib/plugin.so, one by
 *      one, against signet_load_many(); then every load given back, timed
 *      apart.
 * Every bundle and library must be accepted every round, and each side must
 * leave the process as it found it (ld.so's object count): otherwise the
 * benchmark stops with the reason. Batches use the default worker count
 * (one per online CPU, at most N and 64).
 *
 * Prints the medians over the rounds (fastest..slowest round) of wall time
 * and of this process's CPU time (all its threads: the batch should spend
 * about the same CPU in less wall time; when it spends more, something is
 * serialized or contended), the speedup (one by one / at once) and the
 * worker count, with the machine and the load average before and after. Figures, never a verdict: the exit status
 * only says whether the benchmark could run.
 *
 * Usage: bench_many [BUNDLES] [ROUNDS] [SIGNET]
 *        (default 100, 7, and the `signet` of the build tree)
 */
#include "config.h"

#define BENCH_WHO "bench_many"
#include "bench_bundles.h"
#include "bench_util.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <signet/signet.h>

#ifndef SIGNET_BUILDDIR
#define SIGNET_BUILDDIR "."
#endif

#define HOST_API "1.0.0"
#define MAX_BUNDLES 1000
#define MAX_ROUNDS 99

static char scratch_dir[] = "/tmp/signet-bench-many.XXXXXX";

/* One side's run: wall time, this process's CPU time (all threads), and the unload after it, timed apart. */
typedef struct span {
	double wall, cpu, freed;
} span;

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts `sp`'s clocks; span_stop() ends them. */
static void span_start(span *sp)
{
	sp->wall = -bench_now();
	sp->cpu = -cpu_now();
}

static void span_stop(span *sp)
{
	sp->wall += bench_now();
	sp->cpu += cpu_now();
}

struct bench {
	int n;
	const char *const *bundle; /* DIR/bundles/pI.bundle */
	const char *const *exe;    /* its lib/plugin.so */
	const signet_policy *policy;
	int baseline;        /* objects ld.so has mapped with none of them loaded */
};

static int refused(const char *what, const char *path, int rc, const signet_error *err)
{
	fprintf(stderr, BENCH_WHO ": %s %s refused (%d): %s\n", what, path, rc,
		err ? signet_error_message(err) : "no reason given");
	return -1;
}

static int left_behind(const struct bench *bn, const char *what)
{
	int now = bench_loaded_objects();
	if (now == bn->baseline)
		return 0;
	fprintf(stderr, BENCH_WHO ": %s left %d objects mapped\n", what, now - bn->baseline);
	return -1;
}

/* (a) */
static int preflight_one_by_one(struct bench *bn, span *t)
{
	span_start(t);
	for (int i = 0; i < bn->n; i++) {
		signet_bundle_info *info = NULL;
		signet_error *err = NULL;
		int rc = signet_preflight(&info, bn->bundle[i], bn->policy, HOST_API, &err);
		signet_bundle_info_free(info);
		if (rc)
			return refused("preflight of", bn->bundle[i], rc, err);
	}
	span_stop(t);
	return 0;
}

static int preflight_at_once(struct bench *bn, span *t)
{
	signet_preflight_result *r = calloc((size_t)bn->n, sizeof *r);
	if (!r)
		return -1;
	span_start(t);
	int rc = signet_preflight_many(r, bn->bundle, (size_t)bn->n, bn->policy, HOST_API, NULL, NULL);
	for (int i = 0; i < bn->n; i++)
		signet_bundle_info_free(r[i].info);
	span_stop(t);
	for (int i = 0; i < bn->n && rc; i++)
		if (r[i].code && refused("preflight_many of", bn->bundle[i], r[i].code, r[i].error))
			break;
	for (int i = 0; i < bn->n; i++)
		signet_error_free(r[i].error);
	free(r);
	return rc ? -1 : 0;
}

/* (b) */
static int new_host(struct bench *bn, signet_host **h)
{
	signet_host_options o = SIGNET_HOST_OPTIONS_INIT;
	o.policy = bn->policy;
	o.api_version = HOST_API;
	signet_error *err = NULL;
	if (signet_host_new(h, &o, &err) == 0)
		return 0;
	return refused("a host for", "the bundles", -1, err);
}

static int guests_one_by_one(struct bench *bn, span *t)
{
	signet_host *h = NULL;
	if (new_host(bn, &h))
		return -1;
	span_start(t);
	for (int i = 0; i < bn->n; i++) {
		signet_guest_id g = 0;
		signet_error *err = NULL;
		int rc = signet_host_load_bundle(&g, h, bn->bundle[i], &err);
		if (rc) {
			signet_host_free(h);
			return refused("guest", bn->bundle[i], rc, err);
		}
	}
	span_stop(t);
	double t1 = bench_now();
	signet_host_free(h);
	t->freed = bench_now() - t1;
	return left_behind(bn, "signet_host_free");
}

static int guests_at_once(struct bench *bn, span *t)
{
	signet_host *h = NULL;
	signet_guest_result *r = calloc((size_t)bn->n, sizeof *r);
	if (!r || new_host(bn, &h)) {
		free(r);
		return -1;
	}
	span_start(t);
	int rc = signet_host_load_bundles(r, h, bn->bundle, (size_t)bn->n, NULL, NULL, NULL);
	span_stop(t);
	for (int i = 0; i < bn->n && rc; i++)
		if (r[i].code && refused("guest (batch)", bn->bundle[i], r[i].code, r[i].error))
			break;
	for (int i = 0; i < bn->n; i++)
		signet_error_free(r[i].error);
	free(r);
	double t2 = bench_now();
	signet_host_free(h);
	t->freed = bench_now() - t2;
	return rc ? -1 : left_behind(bn, "signet_host_free");
}

/* (c) */
static int unload_all(struct bench *bn, signet_image **img, double *freed)
{
	double t0 = bench_now();
	int bad = 0;
	for (int i = bn->n; i-- > 0;)
		bad |= img[i] && signet_unload(img[i], NULL) != 0;
	*freed = bench_now() - t0;
	if (bad)
		fprintf(stderr, BENCH_WHO ": an unload failed\n");
	return bad ? -1 : left_behind(bn, "signet_unload");
}

static int images_one_by_one(struct bench *bn, signet_image **img, span *t)
{
	span_start(t);
	for (int i = 0; i < bn->n; i++) {
		signet_error *err = NULL;
		int rc = signet_load(&img[i], bn->exe[i], bn->policy, &err);
		if (rc) {
			refused("signet_load of", bn->exe[i], rc, err);
			signet_error_free(err);
			double unused;
			unload_all(bn, img, &unused);
			return -1;
		}
	}
	span_stop(t);
	return unload_all(bn, img, &t->freed);
}

static int images_at_once(struct bench *bn, signet_image **img, span *t)
{
	signet_load_result *r = calloc((size_t)bn->n, sizeof *r);
	if (!r)
		return -1;
	span_start(t);
	int rc = signet_load_many(r, bn->exe, (size_t)bn->n, bn->policy, NULL, NULL);
	span_stop(t);
	bool told = false;
	for (int i = 0; i < bn->n; i++) {
		img[i] = r[i].image;
		if (r[i].code && !told)
			told = refused("signet_load_many of", bn->exe[i], r[i].code, r[i].error) != 0;
		signet_error_free(r[i].error);
	}
	free(r);
	int urc = unload_all(bn, img, &t->freed);
	return rc || urc ? -1 : 0;
}

typedef struct pair {
	const char *name;
	span one[MAX_ROUNDS], many[MAX_ROUNDS];
	bool has_freed;
} pair;

/* The median over the rounds of one field of the spans. */
static double median_of(const span *sp, size_t field, int rounds)
{
	double v[MAX_ROUNDS];
	for (int r = 0; r < rounds; r++)
		v[r] = *(const double *)(const void *)((const char *)&sp[r] + field);
	return bench_median(v, rounds);
}

static void print_pair(const pair *p, int rounds, int n)
{
	double ratio[MAX_ROUNDS], one_w[MAX_ROUNDS], many_w[MAX_ROUNDS];
	for (int r = 0; r < rounds; r++) {
		ratio[r] = p->one[r].wall / p->many[r].wall;
		one_w[r] = p->one[r].wall;
		many_w[r] = p->many[r].wall;
	}
	double one = bench_median(one_w, rounds), many = bench_median(many_w, rounds);
	bench_median(ratio, rounds); /* sorted: the range below */
	int last = rounds - 1;
	printf("  %s\n", p->name);
	printf("    one by one   %9.1f ms  %7.1f us each  (%.1f..%.1f ms), CPU %.1f ms\n", one * 1e3, one * 1e6 / n,
		one_w[0] * 1e3, one_w[last] * 1e3, median_of(p->one, offsetof(span, cpu), rounds) * 1e3);
	printf("    at once      %9.1f ms  %7.1f us each  (%.1f..%.1f ms), CPU %.1f ms\n", many * 1e3, many * 1e6 / n,
		many_w[0] * 1e3, many_w[last] * 1e3, median_of(p->many, offsetof(span, cpu), rounds) * 1e3);
	printf("    speedup      %9.2fx  (each round's: %.2f..%.2f)\n", one / many, ratio[0], ratio[last]);
	if (p->has_freed)
		printf("    then unloading all, apart: %.1f ms after one by one, %.1f ms after the batch\n",
			median_of(p->one, offsetof(span, freed), rounds) * 1e3,
			median_of(p->many, offsetof(span, freed), rounds) * 1e3);
}

/* The CPU's name, for the record. */
static const char *cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	snprintf(buf, len, "unknown CPU");
	char line[512];
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
			snprintf(buf, len, "%s", strchr(line, ':') + 2);
			buf[strcspn(buf, "\n")] = '\0';
			break;
		}
	if (f)
		fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	int rounds = argc > 2 ? atoi(argv[2]) : 7;
	const char *signet = argc > 3 ? argv[3] : SIGNET_BUILDDIR "/signet";
	if (n < 1 || n > MAX_BUNDLES || rounds < 1 || rounds > MAX_ROUNDS || strchr(signet, '\'')) {
		fprintf(stderr, "usage: bench_many [BUNDLES (1..%d)] [ROUNDS (1..%d)] [SIGNET]\n", MAX_BUNDLES, MAX_ROUNDS);
		return 2;
	}
	if (access(signet, X_OK) != 0) {
		fprintf(stderr, BENCH_WHO ": no signet tool at %s (pass its path as the third argument)\n", signet);
		return 1;
	}
	if (bench_scratch(scratch_dir, BENCH_WHO) != 0)
		return 1;
	const char *dir = scratch_dir;
	char cmd[9000], plugin[4200], anchors[4200];
	snprintf(cmd, sizeof cmd, "'%s' ca init '%s/ca' >/dev/null && '%s' ca issue --team " TEAM
		" --name Bench '%s/ca' >/dev/null", signet, dir, signet, dir);
	if (run(cmd) != 0 || build_plugin(dir, plugin, sizeof plugin) != 0 || make_bundles(dir, plugin, n) != 0 ||
		sign_bundles(signet, dir) != 0)
		return 1;
	snprintf(anchors, sizeof anchors, "%s/ca/root.pem", dir);
	signet_policy *policy = NULL;
	signet_error *err = NULL;
	if (signet_policy_new(&policy, &err) != 0 || signet_policy_set_anchors(policy, anchors, &err) != 0 ||
		signet_policy_set_requirement(policy, "anchor trusted and team \"" TEAM "\"", &err) != 0) {
		fprintf(stderr, BENCH_WHO ": policy: %s\n", signet_error_message(err));
		return 1;
	}
	struct bench bn = { .n = n, .policy = policy };
	char **bundle = calloc((size_t)n, sizeof *bundle), **exe = calloc((size_t)n, sizeof *exe);
	signet_image **img = calloc((size_t)n, sizeof *img);
	if (!bundle || !exe || !img)
		return 1;
	for (int i = 0; i < n; i++)
		if (asprintf(&bundle[i], "%s/bundles/p%d.bundle", dir, i) < 0 ||
			asprintf(&exe[i], "%s/lib/plugin.so", bundle[i]) < 0)
			return 1;
	bn.bundle = (const char *const *)bundle;
	bn.exe = (const char *const *)exe;

	/* Warm-up: every file read once, one untimed pass of everything. */
	snprintf(cmd, sizeof cmd, "find '%s/bundles' -type f -exec cat {} + >/dev/null", dir);
	if (run(cmd) != 0)
		return 1;
	bn.baseline = bench_loaded_objects();
	static pair pre = { .name = "(a) preflight" };
	static pair gst = { .name = "(b) bundles loaded as guests", .has_freed = true };
	static pair ims = { .name = "(c) their libraries, signet_load", .has_freed = true };
	span u;
	if (preflight_one_by_one(&bn, &u) || preflight_at_once(&bn, &u) || guests_one_by_one(&bn, &u) ||
		guests_at_once(&bn, &u) || images_one_by_one(&bn, img, &u) || images_at_once(&bn, img, &u))
		return 1;

	char load[64], cpu[256];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	long workers = cpus < 1 ? 1 : cpus > 64 ? 64 : cpus;
	if (workers > n)
		workers = n;
	printf("%d signed bundles at once against one by one, %d rounds\n", n, rounds);
	printf("machine: %ld online CPUs, %s; batches use %ld workers\n", cpus, cpu_model(cpu, sizeof cpu), workers);
	printf("each plugin: %s; load average at the start: %s\n", plugin_size(exe[0], load, sizeof load),
		bench_loadavg(cpu, sizeof cpu));

	for (int r = 0; r < rounds; r++) {
		bool one_first = r % 2 == 0;
		int rc = one_first
			? preflight_one_by_one(&bn, &pre.one[r]) || preflight_at_once(&bn, &pre.many[r]) ||
			  guests_one_by_one(&bn, &gst.one[r]) || guests_at_once(&bn, &gst.many[r]) ||
			  images_one_by_one(&bn, img, &ims.one[r]) || images_at_once(&bn, img, &ims.many[r])
			: preflight_at_once(&bn, &pre.many[r]) || preflight_one_by_one(&bn, &pre.one[r]) ||
			  guests_at_once(&bn, &gst.many[r]) || guests_one_by_one(&bn, &gst.one[r]) ||
			  images_at_once(&bn, img, &ims.many[r]) || images_one_by_one(&bn, img, &ims.one[r]);
		if (rc)
			return 1;
	}
	printf("medians of %d rounds (fastest..slowest round), alternating which side goes first;\n"
		"every bundle and library accepted every round\n", rounds);
	print_pair(&pre, rounds, n);
	print_pair(&gst, rounds, n);
	print_pair(&ims, rounds, n);
	printf("load average at the end: %s\n", bench_loadavg(load, sizeof load));

	for (int i = 0; i < n; i++) {
		free(bundle[i]);
		free(exe[i]);
	}
	free(bundle);
	free(exe);
	free(img);
	signet_policy_free(policy);
	return 0;
}
