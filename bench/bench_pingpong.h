/* SPDX-License-Identifier: MIT */
/*
 * bench_pingpong.h - the floor every cross-process benchmark compares
 * against: a raw AF_UNIX socketpair ping-pong of 4 bytes between two
 * processes, and where the two run (pinned to one CPU, apart, or where the
 * scheduler likes). Include after bench_util.h.
 */
#ifndef SIGNET_BENCH_PINGPONG_H
#define SIGNET_BENCH_PINGPONG_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Where the two processes run: both on CPU 0, apart (client 0, server 1), or where the scheduler likes. */
typedef enum placement { SAME_CPU, CPUS_APART, UNPINNED, PLACEMENTS } placement;
static const char *const placement_names[PLACEMENTS] = { "same CPU", "CPUs apart", "unpinned" };

static inline void pin(placement where, bool server)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (where == SAME_CPU || (where == CPUS_APART && (!server || n < 2))) {
		CPU_SET(0, &set);
	} else if (where == CPUS_APART) {
		CPU_SET(1, &set);
	} else {
		for (long i = 0; i < n && i < CPU_SETSIZE; i++)
			CPU_SET((int)i, &set);
	}
	(void)sched_setaffinity(0, sizeof set, &set);
}

/*
 * A socketpair and a child placed `where` as the server: returns the
 * child's pid, 0 in the child; *mine is this side's end, *theirs the
 * child's (each side's other end is closed).
 */
static inline pid_t pingpong_fork(int *mine, int *theirs, placement where)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		exit(1);
	pid_t pid = fork();
	if (pid < 0)
		exit(1);
	pin(where, pid == 0);
	close(sv[pid == 0 ? 0 : 1]);
	*mine = sv[0];
	*theirs = sv[1];
	return pid;
}

/* ---- raw socketpair ping-pong ---- */

/* One round trip, in microseconds: the mean over `iterations`. */
static inline double raw_round_trip_us(placement where, int iterations)
{
	int sv[2];
	pid_t pid = pingpong_fork(&sv[0], &sv[1], where);
	if (pid == 0) {
		int32_t v;
		while (read(sv[1], &v, sizeof v) == sizeof v) {
			v = ~v;
			if (write(sv[1], &v, sizeof v) != sizeof v)
				break;
		}
		_exit(0);
	}
	int32_t v = 0;
	double t0 = bench_now();
	for (int i = 0; i < iterations; i++) {
		if (write(sv[0], &v, sizeof v) != sizeof v || read(sv[0], &v, sizeof v) != sizeof v)
			exit(1);
	}
	double t = bench_now() - t0;
	close(sv[0]);
	waitpid(pid, NULL, 0);
	return t / iterations * 1e6;
}

#endif /* SIGNET_BENCH_PINGPONG_H */
