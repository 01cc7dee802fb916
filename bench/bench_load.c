/* SPDX-License-Identifier: MIT */
/*
 * bench_load.c - signet_load()+signet_unload() against a plain
 * dlopen()+dlclose() of the same signed file, alternating in one run.
 *
 * Three libraries: a small one (4 KiB of data, about 20 KiB signed, the
 * size of a typical plugin), a signed copy of the system
 * libsqlite3.so.0 (about 1.4 MB) and one of MEGABYTES (default 64), the
 * first and last of pseudo-random .rodata that the benchmark compiles
 * itself, so the data neither compresses nor dedups. For each, every round
 * does (a) signet_load + signet_unload, then (b) dlopen(RTLD_NOW |
 * RTLD_LOCAL) + dlclose of the same signed file by path (a signed file is
 * an ordinary ELF: the signature is a non-allocated section), then (c)
 * signet_verify_file() of that file: the structure, CMS and chain checks
 * and every page hash, without the load. Prints the medians (and the
 * unload's share), the ratio (a)/((b)+(c)) next to the goal (issue 13: at
 * most 1.25x), (a)/(b) for context, and the median resident memory (RSS,
 * /proc/self/statm) one loaded image adds each way, plus the sealed copy
 * Signet keeps in a memfd: shared memory, counted in RSS only for the pages
 * mapped and touched. RSS is read once a large snapshot's background
 * release is over (the thread count is back where it was).
 *
 * Then the fixed cost of a verification: signet_verify_file() of the 16 KiB
 * library, whose signer this process has seen (the chain cache serves it),
 * against the same in a child process with SIGNET_SIGNATURE_CACHE=0 (every
 * chain verified in full). Goal (issue 13): at most 100 us from a known
 * signer.
 * The two ways never overlap: each unloads fully before the other loads
 * (both would claim the same soname), and the count of mapped objects is
 * checked to be back to where it was.
 *
 * Setup happens here, in a scratch directory under /tmp removed at the end:
 * a development CA and a team certificate made with `signet ca`, both
 * libraries signed with `signet sign`, and a policy with that root as
 * anchor and `anchor trusted and team "ABCDE12345"`. libm stays open for
 * the whole run, as in any real host, so the figures are the image's own
 * and not its dependency's.
 *
 * Usage: bench_load [ROUNDS] [MEGABYTES] [SIGNET]
 *        (default 31, 64, and the `signet` of the build tree)
 */
#include "config.h"

#include "bench_util.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <ftw.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <signet/error.h>
#include <signet/loader.h>
#include <signet/policy.h>
#include <signet/signature.h>

#ifndef SIGNET_BUILDDIR
#define SIGNET_BUILDDIR "."
#endif
#ifndef SIGNET_BENCH_CC
#define SIGNET_BENCH_CC "cc"
#endif

#define TEAM "ABCDE12345"
#define SQLITE_SYSTEM "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0"
#define BIG_SONAME "libsignet-bench-big.so"
#define TINY_SONAME "libsignet-bench-tiny.so"
#define MAX_ROUNDS 1000

static char scratch_dir[] = "/tmp/signet-bench-load.XXXXXX";

/* Resident set size in bytes, from /proc/self/statm (pages, field 2). */
static double rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "re");
	unsigned long size = 0, resident = 0;
	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

/* Bytes allocated to the memfds this process holds open (Signet's sealed copies). */
static double memfd_bytes(void)
{
	DIR *d = opendir("/proc/self/fd");
	double total = 0;
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char link[300], target[256];
		snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(link, target, sizeof target - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		struct stat st;
		if (strncmp(target, "/memfd:", 7) == 0 && stat(link, &st) == 0)
			total += (double)st.st_blocks * 512;
	}
	closedir(d);
	return total;
}

/* Threads of this process (/proc/self/stat, field 20). */
static int thread_count(void)
{
	FILE *f = fopen("/proc/self/stat", "re");
	char buf[1024];
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
	int field = 2, threads = -1;
	for (; p && *p && field < 20; p++)
		if (*p == ' ')
			field++;
	if (p && field == 20)
		threads = atoi(p);
	return threads;
}

/* Waits (at most a second) until the thread count is `want` again. */
static void settle(int want)
{
	for (int i = 0; i < 1000 && thread_count() != want; i++)
		usleep(1000);
}

static int run(const char *cmd)
{
	return bench_run("bench_load", cmd);
}

static int copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rbe"), *out = fopen(to, "wbe");
	int rc = in && out ? 0 : -1;
	char buf[1 << 16];
	size_t n;
	while (!rc && (n = fread(buf, 1, sizeof buf, in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	if (in && ferror(in))
		rc = -1;
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		rc = -1;
	if (rc)
		fprintf(stderr, "bench_load: cannot copy %s to %s: %s\n", from, to, strerror(errno));
	return rc;
}

/*
 * Builds DIR/SONAME: KIB KiB of xorshift64* output in .rodata through
 * .incbin, so neither the file system nor the page cache can make it
 * cheaper than its size.
 */
static int build_lib(const char *dir, const char *soname, size_t kib, char *out, size_t outlen)
{
	char blob[4200], src[4200], cmd[13000];
	snprintf(blob, sizeof blob, "%s/blob.bin", dir);
	snprintf(src, sizeof src, "%s/%s.c", dir, soname);
	snprintf(out, outlen, "%s/%s", dir, soname);
	FILE *f = fopen(blob, "wbe");
	if (!f)
		return -1;
	uint64_t x = 0x9e3779b97f4a7c15u, buf[8192];
	for (size_t done = 0; done < kib << 10; done += sizeof buf) {
		for (size_t i = 0; i < sizeof buf / sizeof buf[0]; i++) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			buf[i] = x * 0x2545f4914f6cdd1du;
		}
		size_t want = (kib << 10) - done < sizeof buf ? (kib << 10) - done : sizeof buf;
		if (fwrite(buf, want, 1, f) != 1) {
			fclose(f);
			return -1;
		}
	}
	if (fclose(f) != 0)
		return -1;
	f = fopen(src, "we");
	if (!f)
		return -1;
	fprintf(f,
		"/* Generated by bench_load: %zu KiB of pseudo-random read-only data. */\n"
		"__asm__(\".section .rodata.bench_blob,\\\"a\\\",@progbits\\n\"\n"
		"\t\".balign 4096\\n\"\n"
		"\t\".globl bench_blob\\n\"\n"
		"\t\".type bench_blob,@object\\n\"\n"
		"\t\"bench_blob:\\n\"\n"
		"\t\".incbin \\\"%s\\\"\\n\"\n"
		"\t\".size bench_blob,.-bench_blob\\n\"\n"
		"\t\".previous\\n\");\n"
		"extern const unsigned char bench_blob[];\n"
		"const unsigned char *bench_big_data(void);\n"
		"const unsigned char *bench_big_data(void) { return bench_blob; }\n",
		kib, blob);
	if (fclose(f) != 0)
		return -1;
	snprintf(cmd, sizeof cmd, "%s -shared -fPIC -O2 -Wl,-soname,%s -o '%s' '%s'",
		SIGNET_BENCH_CC, soname, out, src);
	if (run(cmd) != 0)
		return -1;
	remove(blob);
	return 0;
}

static int sign(const char *signet, const char *dir, const char *name, const char *file)
{
	char cmd[17000];
	snprintf(cmd, sizeof cmd, "'%s' sign --key '%s/ca/" TEAM ".key' --cert '%s/ca/" TEAM ".pem' "
		"--identifier org.signet.bench.%s '%s' >/dev/null", signet, dir, dir, name, file);
	return run(cmd);
}

static void report_error(const char *what, const char *path, signet_error *err)
{
	fprintf(stderr, "bench_load: %s %s: %s\n", what, path, err ? signet_error_message(err) : "failed");
	signet_error_free(err);
}

struct figures {
	double t_signet[MAX_ROUNDS], t_dlopen[MAX_ROUNDS], t_verify[MAX_ROUNDS];
	double u_signet[MAX_ROUNDS], u_dlopen[MAX_ROUNDS];
	double rss_signet[MAX_ROUNDS], rss_dlopen[MAX_ROUNDS], memfd_signet[MAX_ROUNDS];
};

/* One round: (a), (b), (c) in that order. Index -1 is the warm-up. */
static int round_once(struct figures *fg, int r, const char *path, const signet_policy *policy,
	const signet_trust *trust, int baseline)
{
	signet_error *err = NULL;
	signet_image *img = NULL;

	/* (a) Signet: the verified load and its unload. */
	int threads = thread_count();
	double rss0 = rss_bytes(), mfd0 = memfd_bytes();
	double t0 = bench_now();
	if (signet_load(&img, path, policy, &err) != 0) {
		report_error("signet_load", path, err);
		return -1;
	}
	double t1 = bench_now();
	settle(threads); /* a large snapshot's mapping is released in the background */
	double rss1 = rss_bytes(), mfd1 = memfd_bytes();
	double t2 = bench_now();
	if (signet_unload(img, &err) != 0) {
		report_error("signet_unload", path, err);
		return -1;
	}
	double t3 = bench_now();
	settle(threads);
	/* Fully gone before (b) maps the same soname: never both at once. */
	if (bench_loaded_objects() != baseline) {
		fprintf(stderr, "bench_load: %s stayed mapped after signet_unload\n", path);
		return -1;
	}
	if (r >= 0) {
		fg->t_signet[r] = (t1 - t0) + (t3 - t2);
		fg->u_signet[r] = t3 - t2;
		fg->rss_signet[r] = rss1 - rss0;
		fg->memfd_signet[r] = mfd1 - mfd0;
	}

	/* (b) plain ld.so: the same signed file, by path. */
	rss0 = rss_bytes();
	t0 = bench_now();
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "bench_load: dlopen %s: %s\n", path, dlerror());
		return -1;
	}
	t1 = bench_now();
	rss1 = rss_bytes();
	t2 = bench_now();
	if (dlclose(h) != 0) {
		fprintf(stderr, "bench_load: dlclose %s: %s\n", path, dlerror());
		return -1;
	}
	t3 = bench_now();
	if (bench_loaded_objects() != baseline) {
		fprintf(stderr, "bench_load: %s stayed mapped after dlclose\n", path);
		return -1;
	}
	if (r >= 0) {
		fg->t_dlopen[r] = (t1 - t0) + (t3 - t2);
		fg->u_dlopen[r] = t3 - t2;
		fg->rss_dlopen[r] = rss1 - rss0;
	}

	/* (c) verification alone: structure, CMS, chain and every page hash. */
	signet_identity *id = NULL;
	t0 = bench_now();
	if (signet_verify_file(&id, path, trust, NULL, &err) != 0) {
		report_error("signet_verify_file", path, err);
		return -1;
	}
	t1 = bench_now();
	signet_identity_free(id);

	if (r >= 0)
		fg->t_verify[r] = t1 - t0;
	return 0;
}

static int bench(const char *label, const char *path, double goal, int rounds, const signet_policy *policy,
	const signet_trust *trust)
{
	static struct figures fg;
	struct stat st;
	if (stat(path, &st) != 0)
		return -1;
	int baseline = bench_loaded_objects();
	if (round_once(&fg, -1, path, policy, trust, baseline) != 0)
		return -1;
	for (int r = 0; r < rounds; r++)
		if (round_once(&fg, r, path, policy, trust, baseline) != 0)
			return -1;
	double a = bench_median(fg.t_signet, rounds), b = bench_median(fg.t_dlopen, rounds);
	double v = bench_median(fg.t_verify, rounds);
	const double ms = 1e3, kib = 1024.0;
	if (st.st_size < 1024 * 1024)
		printf("%s: %s, %.1f KiB signed, median of %d alternating rounds\n", label, path,
			(double)st.st_size / kib, rounds);
	else
		printf("%s: %s, %.1f MiB signed, median of %d alternating rounds\n", label, path,
			(double)st.st_size / kib / kib, rounds);
	printf("  (a) signet_load + signet_unload   %10.3f ms   (unload %.3f ms)\n", a * ms,
		bench_median(fg.u_signet, rounds) * ms);
	printf("  (b) dlopen + dlclose, same file   %10.3f ms   (dlclose %.3f ms)\n", b * ms,
		bench_median(fg.u_dlopen, rounds) * ms);
	printf("  (c) signet_verify_file            %10.3f ms\n", v * ms);
	printf("  ratio (a)/((b)+(c))               %10.2fx    (goal <= %.2fx)\n", a / (b + v), goal);
	printf("  ratio (a)/(b), for context        %10.2fx\n", a / b);
	printf("  RSS added while loaded, (a)       %10.0f KiB\n", bench_median(fg.rss_signet, rounds) / kib);
	printf("  RSS added while loaded, (b)       %10.0f KiB\n", bench_median(fg.rss_dlopen, rounds) / kib);
	printf("  sealed memfd held by (a)          %10.0f KiB   (shared memory, in RSS only where touched)\n",
		bench_median(fg.memfd_signet, rounds) / kib);
	return 0;
}

/* Median seconds of `n` signet_verify_file() of `path` (after one untimed), or -1. */
static double verify_median(const char *path, const signet_trust *trust, int n)
{
	static double t[MAX_ROUNDS];
	for (int i = -1; i < n; i++) {
		signet_identity *id = NULL;
		signet_error *err = NULL;
		double t0 = bench_now();
		if (signet_verify_file(&id, path, trust, NULL, &err) != 0) {
			report_error("signet_verify_file", path, err);
			return -1;
		}
		double t1 = bench_now();
		signet_identity_free(id);
		if (i >= 0)
			t[i] = t1 - t0;
	}
	return bench_median(t, n);
}

/* The child of fixed_cost(): bench_load --verify-median PATH ANCHORS N prints the median. */
static int verify_median_child(const char *path, const char *anchors, int n)
{
	signet_trust *trust = NULL;
	signet_error *err = NULL;
	if (n < 1 || n > MAX_ROUNDS || signet_trust_load(&trust, anchors, &err) != 0) {
		report_error("anchors", anchors, err);
		return 1;
	}
	double m = verify_median(path, trust, n);
	signet_trust_free(trust);
	if (m < 0)
		return 1;
	printf("%.9f\n", m);
	return 0;
}

/* The fixed cost of verifying a small image: signer known (cache) against not. */
static int fixed_cost(const char *path, const char *anchors, const signet_trust *trust, int rounds)
{
	double warm = verify_median(path, trust, rounds);
	char cmd[9000];
	snprintf(cmd, sizeof cmd, "SIGNET_SIGNATURE_CACHE=0 /proc/%d/exe --verify-median '%s' '%s' %d",
		(int)getpid(), path, anchors, rounds);
	FILE *p = popen(cmd, "r");
	double cold = -1;
	if (!p || fscanf(p, "%lf", &cold) != 1)
		cold = -1;
	if (p && pclose(p) != 0)
		cold = -1;
	if (warm < 0 || cold < 0) {
		fprintf(stderr, "bench_load: the fixed-cost measurement failed\n");
		return -1;
	}
	const double us = 1e6;
	printf("fixed cost: signet_verify_file of %s, median of %d\n", path, rounds);
	printf("  signer known to this process      %10.1f us   (goal <= 100 us)\n", warm * us);
	printf("  every chain in full (no cache)    %10.1f us   (SIGNET_SIGNATURE_CACHE=0, another process)\n",
		cold * us);
	printf("  ratio known / in full             %10.2f\n", warm / cold);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "--verify-median") == 0)
		return verify_median_child(argv[2], argv[3], atoi(argv[4]));
	int rounds = argc > 1 ? atoi(argv[1]) : 31;
	size_t mb = argc > 2 ? strtoul(argv[2], NULL, 10) : 64;
	const char *signet = argc > 3 ? argv[3] : SIGNET_BUILDDIR "/signet";
	if (rounds < 1 || rounds > MAX_ROUNDS || mb == 0 || mb > 900 || strchr(signet, '\'')) {
		fprintf(stderr, "usage: bench_load [ROUNDS (1..%d)] [MEGABYTES (1..900)] [SIGNET]\n", MAX_ROUNDS);
		return 2;
	}
	if (access(signet, X_OK) != 0) {
		fprintf(stderr, "bench_load: no signet tool at %s (pass its path as the third argument)\n", signet);
		return 1;
	}
	/* Held for the whole run: libsqlite3's one dependency outside libc. */
	void *libm = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
	if (!libm) {
		fprintf(stderr, "bench_load: dlopen libm.so.6: %s\n", dlerror());
		return 1;
	}

	if (bench_scratch(scratch_dir, "bench_load") != 0)
		return 1;
	const char *dir = scratch_dir;

	char cmd[9000], tiny[4200], small[4200], big[4200], anchors[4200];
	snprintf(cmd, sizeof cmd, "'%s' ca init '%s/ca' >/dev/null && '%s' ca issue --team " TEAM
		" --name Bench '%s/ca' >/dev/null", signet, dir, signet, dir);
	if (run(cmd) != 0)
		return 1;
	snprintf(small, sizeof small, "%s/libsqlite3.so.0", dir);
	snprintf(anchors, sizeof anchors, "%s/ca/root.pem", dir);
	if (copy_file(SQLITE_SYSTEM, small) != 0 || sign(signet, dir, "sqlite", small) != 0)
		return 1;
	if (build_lib(dir, TINY_SONAME, 4, tiny, sizeof tiny) != 0 ||
	    build_lib(dir, BIG_SONAME, mb << 10, big, sizeof big) != 0) {
		fprintf(stderr, "bench_load: cannot build the libraries in %s\n", dir);
		return 1;
	}
	if (sign(signet, dir, "tiny", tiny) != 0 || sign(signet, dir, "big", big) != 0)
		return 1;

	signet_policy *policy = NULL;
	signet_trust *trust = NULL;
	signet_error *err = NULL;
	if (signet_policy_new(&policy, &err) != 0 || signet_policy_set_anchors(policy, anchors, &err) != 0 ||
		signet_policy_set_requirement(policy, "anchor trusted and team \"" TEAM "\"", &err) != 0 ||
		signet_trust_load(&trust, anchors, &err) != 0) {
		report_error("policy from", anchors, err);
		return 1;
	}

	char load[64];
	printf("signet_load against dlopen, %ld online CPUs, load average %s, libm held open\n",
		sysconf(_SC_NPROCESSORS_ONLN), bench_loadavg(load, sizeof load));
	int rc = bench("tiny", tiny, 1.25, rounds, policy, trust);
	if (!rc)
		rc = bench("small", small, 1.25, rounds, policy, trust);
	if (!rc)
		rc = bench("large", big, 1.25, rounds, policy, trust);
	if (!rc)
		rc = fixed_cost(tiny, anchors, trust, rounds);
	printf("load average at the end: %s\n", bench_loadavg(load, sizeof load));
	signet_trust_free(trust);
	signet_policy_free(policy);
	dlclose(libm);
	return rc ? 1 : 0;
}
