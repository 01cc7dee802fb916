/* SPDX-License-Identifier: MIT */
/* bench_util.h - the clock, the median, scratch trees and setup commands every benchmark uses. */
#ifndef SIGNET_BENCH_UTIL_H
#define SIGNET_BENCH_UTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Runs a shell command for setup; says so on stderr when it fails. */
static inline int bench_run(const char *who, const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "%s: failed (status %d): %s\n", who, rc, cmd);
	return rc;
}

#endif /* SIGNET_BENCH_UTIL_H */
