/* SPDX-License-Identifier: MIT */
/*
 * bench_preflight.c - signet_preflight() of N signed bundles against
 * discovering the same N libraries the way Qt and GStreamer do: dlopen()
 * each one and look up a symbol. Both in one run, alternating.
 *
 * Setup (not timed), in a scratch directory under /tmp removed at the end:
 * a development CA and a team certificate made with this build's `signet
 * ca`; one small plugin compiled once (a `const signet_class BenchClass`
 * made with SIGNET_CLASS, one method); N bundles, each a directory with a
 * manifest.json (org.signet.bench.pI, 1.0.0, lib/plugin.so, BenchClass,
 * host_api ">=1.0 <2.0") and its own copy of the plugin. Every copy is made
 * distinct before signing by overwriting a 16-byte marker, "BENCHUNIQUE00000",
 * with "BENCH" and the index in 11 digits: the marker is both a string in
 * .rodata (which the class's one method formats with snprintf, so that the
 * plugin needs libc.so.6 as every real one does) and part of the soname,
 * so each copy has its own bytes, its own cdhash and its own soname. The
 * bundles are then signed with `signet sign --bundle`, several bundles per
 * run of the tool, one run per core at a time (xargs -P).
 *
 * Timed, per round, over all N:
 *  (a) preflight: signet_preflight(&info, dir, policy, "1.0.0", &err) and
 *      signet_bundle_info_free(), under a policy whose anchors are the CA's
 *      root and whose requirement is 'anchor trusted and team "ABCDE12345"'.
 *      Every bundle must be accepted, every round (otherwise the benchmark
 *      stops with the reason: a refusal is a bug, not a figure);
 *  (b) the scan: dlopen(lib/plugin.so, RTLD_NOW | RTLD_LOCAL) and
 *      dlsym("BenchClass") for each, all kept open as Qt keeps its plugins
 *      (GStreamer's scanner child does the same until it exits); the
 *      descriptor's magic is checked, and that N new objects were mapped.
 *      Then every handle is closed, timed apart as "dlclose": the scan's
 *      figure and the ratio are dlopen + dlsym only;
 *  (c) the same preflights through an empty preflight cache in a fresh
 *      directory, as a first `signet-host list` does: the handle opened,
 *      every bundle a miss (preflighted, then stored), the cache saved
 *      (its key made, written, synced, renamed), the handle freed;
 *  (d) through the warm cache, as every later `list` does: the handle
 *      opened (the file read, its MAC checked, its JSON parsed), every
 *      bundle a hit (each recorded file stat()ed, the report rebuilt), the
 *      handle freed. Every answer must be a hit.
 * Rounds alternate which of (a) and (b) goes first; (c) and (d) follow. Before the rounds, every
 * file of every bundle is read once and one untimed pass of each is made
 * (which also checks that the N cdhashes are distinct), so both find the
 * page cache and their code warm.
 *
 * Prints the medians over the rounds (with the fastest and slowest round):
 * total and per-bundle time of each, the ratio preflight/scan (and each
 * round's own ratio), and whether the goal (at most 0.5) is met;
 * then the cache's: (d)/(b) against its goal (at most 0.1), and (c)/(a),
 * what keeping the results costs a first listing.
 * Figures, never a verdict on speed: the exit status only says whether
 * the benchmark could run. docs/benchmarks.md has the figures measured and
 * where preflight's time goes.
 *
 * Usage: bench_preflight [BUNDLES] [ROUNDS] [SIGNET]
 *        (default 1000, 5, and the `signet` of the build tree)
 */
#include "config.h"

#define BENCH_WHO "bench_preflight"
#include "bench_bundles.h"
#include "bench_util.h"

#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <signet/bundle.h>
#include <signet/error.h>
#include <signet/plugin.h>
#include <signet/policy.h>
#include <signet/preflight_cache.h>

#ifndef SIGNET_BUILDDIR
#define SIGNET_BUILDDIR "."
#endif

#define HOST_API "1.0.0"
#define MAX_BUNDLES 10000 /* each keeps about 5 mappings open during the scan */
#define MAX_ROUNDS 99
#define GOAL 0.5
#define CACHE_GOAL 0.1

static char scratch_dir[] = "/tmp/signet-bench-preflight.XXXXXX";

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct bench {
	int n;
	char **bundle; /* DIR/bundles/pI.bundle */
	char **exe;    /* its lib/plugin.so */
	void **handle;
	const signet_policy *policy;
	int baseline;  /* objects mapped with no plugin open */
	char deps[256]; /* the first bundle's dependency closure, as preflight reported it */
};

/* (a) Preflight of every bundle; each must be accepted. `ids` (optional) gets the cdhashes. */
static int pass_preflight(struct bench *bn, double *elapsed, char **ids)
{
	double t0 = bench_now();
	for (int i = 0; i < bn->n; i++) {
		signet_bundle_info *info = NULL;
		signet_error *err = NULL;
		int rc = signet_preflight(&info, bn->bundle[i], bn->policy, HOST_API, &err);
		if (rc != 0 || !info || !signet_bundle_info_ok(info)) {
			fprintf(stderr, "bench_preflight: %s refused (%d): %s\n", bn->bundle[i], rc,
				err ? signet_error_message(err) : "no reason given");
			signet_error_free(err);
			signet_bundle_info_free(info);
			return -1;
		}
		if (ids && !(ids[i] = strdup(signet_bundle_info_cdhash_hex(info)))) {
			signet_bundle_info_free(info);
			return -1;
		}
		if (ids && i == 0) {
			size_t nd = signet_bundle_info_dependency_count(info), at = 0;
			bn->deps[0] = '\0';
			for (size_t d = 0; d < nd && at < sizeof bn->deps; d++)
				at += (size_t)snprintf(bn->deps + at, sizeof bn->deps - at, "%s%s (%s)", d ? ", " : "",
					signet_bundle_info_dependency_name(info, d), signet_bundle_info_dependency_kind(info, d));
		}
		signet_bundle_info_free(info);
	}
	*elapsed = bench_now() - t0;
	return 0;
}

/* (b) The Qt/GStreamer scan: dlopen + dlsym of each, kept open; then dlclose of all, timed apart. */
static int pass_scan(struct bench *bn, double *opened, double *closed)
{
	double t0 = bench_now();
	for (int i = 0; i < bn->n; i++) {
		void *h = dlopen(bn->exe[i], RTLD_NOW | RTLD_LOCAL);
		const signet_class *cls = h ? dlsym(h, "BenchClass") : NULL;
		if (!cls || cls->magic != SIGNET_CLASS_MAGIC) {
			fprintf(stderr, "bench_preflight: %s: %s\n", bn->exe[i], h ? "BenchClass missing or wrong"
				: dlerror());
			if (h)
				dlclose(h);
			for (int j = 0; j < i; j++)
				dlclose(bn->handle[j]);
			return -1;
		}
		bn->handle[i] = h;
	}
	double t1 = bench_now();
	/* N distinct objects: ld.so matched none of them to another. */
	int mapped = bench_loaded_objects() - bn->baseline;
	double t2 = bench_now();
	int bad = 0;
	for (int i = 0; i < bn->n; i++)
		bad |= dlclose(bn->handle[i]) != 0;
	double t3 = bench_now();
	if (mapped != bn->n || bad || bench_loaded_objects() != bn->baseline) {
		fprintf(stderr, "bench_preflight: the scan mapped %d new objects for %d libraries%s\n", mapped,
			bn->n, bad ? ", and a dlclose failed" : "");
		return -1;
	}
	*opened = t1 - t0;
	*closed = t3 - t2;
	return 0;
}

/*
 * (c) with an empty cache directory `dir` (want_hits false), (d) with a
 * warm one: open, every bundle through the cache, save, free. Every
 * answer must be an acceptance, and a hit exactly when `want_hits`.
 */
static int pass_cached(struct bench *bn, const char *dir, bool want_hits, double *elapsed)
{
	double t0 = bench_now();
	signet_preflight_cache *c = NULL;
	signet_error *err = NULL;
	int rc = signet_preflight_cache_open(&c, dir, bn->policy, HOST_API, &err);
	for (int i = 0; !rc && i < bn->n; i++) {
		signet_bundle_info *info = NULL;
		rc = signet_preflight_cached(&info, c, bn->bundle[i], &err);
		if (!rc && signet_preflight_cache_last_hit(c) != want_hits) {
			fprintf(stderr, "bench_preflight: %s: a %s, wanted a %s\n", bn->bundle[i], want_hits ? "miss" : "hit",
				want_hits ? "hit" : "miss");
			rc = -1;
		}
		signet_bundle_info_free(info);
	}
	if (!rc)
		rc = signet_preflight_cache_save(c, &err);
	signet_preflight_cache_free(c);
	*elapsed = bench_now() - t0;
	if (rc && err)
		fprintf(stderr, "bench_preflight: through the cache in %s: %s\n", dir, signet_error_message(err));
	signet_error_free(err);
	return rc ? -1 : 0;
}

static void report_error(const char *what, const char *path, signet_error *err)
{
	fprintf(stderr, "bench_preflight: %s %s: %s\n", what, path, err ? signet_error_message(err) : "failed");
	signet_error_free(err);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	const char *signet = argc > 3 ? argv[3] : SIGNET_BUILDDIR "/signet";
	if (n < 1 || n > MAX_BUNDLES || rounds < 1 || rounds > MAX_ROUNDS || strchr(signet, '\'')) {
		fprintf(stderr, "usage: bench_preflight [BUNDLES (1..%d)] [ROUNDS (1..%d)] [SIGNET]\n", MAX_BUNDLES,
			MAX_ROUNDS);
		return 2;
	}
	if (access(signet, X_OK) != 0) {
		fprintf(stderr, "bench_preflight: no signet tool at %s (pass its path as the third argument)\n",
			signet);
		return 1;
	}
	if (bench_scratch(scratch_dir, "bench_preflight") != 0)
		return 1;
	const char *dir = scratch_dir;

	/* Setup, not timed. */
	char cmd[9000], plugin[4200], anchors[4200];
	double s0 = bench_now();
	snprintf(cmd, sizeof cmd, "'%s' ca init '%s/ca' >/dev/null && '%s' ca issue --team " TEAM
		" --name Bench '%s/ca' >/dev/null", signet, dir, signet, dir);
	if (run(cmd) != 0 || build_plugin(dir, plugin, sizeof plugin) != 0 || make_bundles(dir, plugin, n) != 0 ||
		sign_bundles(signet, dir) != 0)
		return 1;
	double s1 = bench_now();
	snprintf(anchors, sizeof anchors, "%s/ca/root.pem", dir);

	signet_policy *policy = NULL;
	signet_error *err = NULL;
	if (signet_policy_new(&policy, &err) != 0 || signet_policy_set_anchors(policy, anchors, &err) != 0 ||
		signet_policy_set_requirement(policy, "anchor trusted and team \"" TEAM "\"", &err) != 0) {
		report_error("policy from", anchors, err);
		return 1;
	}

	struct bench bn = { .n = n, .policy = policy };
	bn.bundle = calloc((size_t)n, sizeof *bn.bundle);
	bn.exe = calloc((size_t)n, sizeof *bn.exe);
	bn.handle = calloc((size_t)n, sizeof *bn.handle);
	char **ids = calloc((size_t)n, sizeof *ids);
	if (!bn.bundle || !bn.exe || !bn.handle || !ids)
		return 1;
	for (int i = 0; i < n; i++)
		if (asprintf(&bn.bundle[i], "%s/bundles/p%d.bundle", dir, i) < 0 ||
			asprintf(&bn.exe[i], "%s/lib/plugin.so", bn.bundle[i]) < 0)
			return 1;

	/* Warm-up: every file read once, then one untimed pass of each side. */
	double unused, unused2;
	snprintf(cmd, sizeof cmd, "find '%s/bundles' -type f -exec cat {} + >/dev/null", dir);
	if (run(cmd) != 0)
		return 1;
	bn.baseline = bench_loaded_objects();
	if (pass_preflight(&bn, &unused, ids) != 0 || pass_scan(&bn, &unused, &unused2) != 0)
		return 1;
	qsort(ids, (size_t)n, sizeof *ids, cmp_str);
	for (int i = 1; i < n; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0) {
			fprintf(stderr, "bench_preflight: two bundles share the cdhash %s\n", ids[i]);
			return 1;
		}

	char load[64];
	printf("signet_preflight against a dlopen scan, %d bundles, %ld online CPUs, load average %s\n", n,
		sysconf(_SC_NPROCESSORS_ONLN), bench_loadavg(load, sizeof load));
	printf("setup (not timed): CA, compile, %d distinct copies, signing: %.1f s\n", n, s1 - s0);
	printf("each plugin: %s, depends on %s\n", plugin_size(bn.exe[0], load, sizeof load),
		bn.deps[0] ? bn.deps : "nothing");

	/* The warm cache (d) reads, made once, untimed; each round's (c) gets a directory of its own. */
	char warm[4300], cold[4300];
	double tk[MAX_ROUNDS], tw[MAX_ROUNDS];
	snprintf(warm, sizeof warm, "%s/cache-warm", dir);
	if (pass_cached(&bn, warm, false, &unused) != 0)
		return 1;
	double tp[MAX_ROUNDS], ts[MAX_ROUNDS], tc[MAX_ROUNDS];
	for (int r = 0; r < rounds; r++) {
		int rc = r % 2 == 0 ? pass_preflight(&bn, &tp[r], NULL) || pass_scan(&bn, &ts[r], &tc[r])
			: pass_scan(&bn, &ts[r], &tc[r]) || pass_preflight(&bn, &tp[r], NULL);
		snprintf(cold, sizeof cold, "%s/cache-cold-%d", dir, r);
		if (rc || pass_cached(&bn, cold, false, &tk[r]) != 0 || pass_cached(&bn, warm, true, &tw[r]) != 0)
			return 1;
	}
	double wr[MAX_ROUNDS];
	for (int r = 0; r < rounds; r++)
		wr[r] = tw[r] / ts[r];
	/* Each round's own ratio, before the medians sort the samples. */
	double rr[MAX_ROUNDS];
	for (int r = 0; r < rounds; r++)
		rr[r] = tp[r] / ts[r];
	double p = bench_median(tp, rounds), s = bench_median(ts, rounds), c = bench_median(tc, rounds);
	bench_median(rr, rounds); /* sorts them: the range below */
	const double ms = 1e3, us = 1e6;
	int last = rounds - 1; /* sorted now: [0] is the fastest round, [last] the slowest */
	printf("medians of %d rounds (fastest..slowest round), alternating which side goes first;\n"
		"every bundle accepted every round\n", rounds);
	printf("  (a) signet_preflight + info_free    %9.1f ms  %8.1f us per bundle   (%.1f..%.1f ms)\n", p * ms,
		p * us / n, tp[0] * ms, tp[last] * ms);
	printf("  (b) dlopen(RTLD_NOW) + dlsym, kept  %9.1f ms  %8.1f us per library  (%.1f..%.1f ms)\n", s * ms,
		s * us / n, ts[0] * ms, ts[last] * ms);
	printf("      then dlclose of all, apart      %9.1f ms  %8.1f us per library  (%.1f..%.1f ms)\n", c * ms,
		c * us / n, tc[0] * ms, tc[last] * ms);
	printf("  ratio (a)/(b)                       %9.2f   (each round's: %.2f..%.2f)   goal <= %.1f: %s\n",
		p / s, rr[0], rr[last], GOAL, p / s <= GOAL ? "met" : "not met");
	printf("  ratio (a)/(b + dlclose), context    %9.2f\n", p / (s + c));
	double k = bench_median(tk, rounds), w = bench_median(tw, rounds);
	bench_median(wr, rounds);
	printf("  (c) through an empty cache, saved    %9.1f ms  %8.1f us per bundle   (%.1f..%.1f ms)\n", k * ms,
		k * us / n, tk[0] * ms, tk[last] * ms);
	printf("  (d) through the warm cache, all hits %9.1f ms  %8.1f us per bundle   (%.1f..%.1f ms)\n", w * ms,
		w * us / n, tw[0] * ms, tw[last] * ms);
	printf("  ratio (d)/(b), warm list vs scan    %9.3f   (each round's: %.3f..%.3f)   goal <= %.1f: %s\n", w / s,
		wr[0], wr[last], CACHE_GOAL, w / s <= CACHE_GOAL ? "met" : "not met");
	printf("  ratio (c)/(a), keeping the results  %9.2f\n", k / p);
	printf("load average at the end: %s\n", bench_loadavg(load, sizeof load));

	for (int i = 0; i < n; i++) {
		free(bn.bundle[i]);
		free(bn.exe[i]);
		free(ids[i]);
	}
	free(bn.bundle);
	free(bn.exe);
	free(bn.handle);
	free(ids);
	signet_policy_free(policy);
	return 0;
}
