/* SPDX-License-Identifier: MIT */
/* bench_util.h - what every benchmark uses: the clock, the median, the load
 * average, ld.so's object count, scratch directories and setup commands. */
#ifndef SIGNET_BENCH_UTIL_H
#define SIGNET_BENCH_UTIL_H

#include <errno.h>
#include <ftw.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Monotonic seconds. */
static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median of n samples (sorts them in place). */
static inline double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, bench_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The 1, 5 and 15 minute load averages, for the record next to the figures. */
static inline const char *bench_loadavg(char *buf, size_t len)
{
	double l1 = 0, l5 = 0, l15 = 0;
	FILE *f = fopen("/proc/loadavg", "re");
	if (!f || fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) != 3)
		snprintf(buf, len, "unknown");
	else
		snprintf(buf, len, "%.2f %.2f %.2f", l1, l5, l15);
	if (f)
		fclose(f);
	return buf;
}

static inline int bench_count_object_(struct dl_phdr_info *info, size_t size, void *payload)
{
	(void)info;
	(void)size;
	(*(int *)payload)++;
	return 0;
}

/* How many objects ld.so has mapped: back to the baseline after every unload. */
static inline int bench_loaded_objects(void)
{
	int n = 0;
	dl_iterate_phdr(bench_count_object_, &n);
	return n;
}

/* Removes a scratch tree (files and directories, symlinks not followed). */
static inline int bench_remove_entry_(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static inline void bench_remove_tree(const char *dir)
{
	nftw(dir, bench_remove_entry_, 16, FTW_DEPTH | FTW_PHYS);
}

static char *bench_scratch_;

static inline void bench_scratch_remove_(void)
{
	bench_remove_tree(bench_scratch_);
}

/*
 * Makes a scratch directory from `template` ("/tmp/name.XXXXXX", changed in
 * place) that is removed at exit. 0, or -1 after saying why.
 */
static inline int bench_scratch(char *template, const char *who)
{
	if (!mkdtemp(template)) {
		fprintf(stderr, "%s: mkdtemp: %s\n", who, strerror(errno));
		return -1;
	}
	bench_scratch_ = template;
	atexit(bench_scratch_remove_);
	return 0;
}

/* Runs a shell command for setup; says so on stderr when it fails. */
static inline int bench_run(const char *who, const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "%s: failed (status %d): %s\n", who, rc, cmd);
	return rc;
}

#endif /* SIGNET_BENCH_UTIL_H */
