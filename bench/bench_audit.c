/* SPDX-License-Identifier: MIT */
/*
 * bench_audit.c - what library validation for any program costs
 * (docs/audit.md, docs/benchmarks.md): start-up of real programs with many
 * libraries, run plainly and under signet-run (enforcing, the programs and
 * their libraries trusted by location), interleaved, medians of N runs; the
 * module alone (LD_AUDIT set by hand) to tell signet-run's own checks
 * apart; a signed program with a signed library (each verified in full);
 * and the cost after start-up: a loop of calls through the PLT into a
 * library, timed inside the program, plain against audited.
 *
 * Goals (issue 15): start-up at most 1.5x plain when the libraries are
 * platform libraries; no measurable cost after start-up.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

#define RUNS 21
#define LOOP_CALLS "200000000"

extern char **environ;

/* A writable copy of a string literal, for an argv. */
#define ARG(s) ((char[]){ s })

static const char *builddir = SIGNET_BUILDDIR;
static char module[4096], run_tool[4096], policy[4096], anchors[4096];

/* Seconds from spawn to exit of argv (stdout and stderr to /dev/null); -1 when it fails. */
static double time_run(char *const argv[], char *const envp[])
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	double t0 = bench_now();
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	double t = bench_now() - t0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? t : -1;
}

/* The environment plus LD_AUDIT and the module's settings (the module alone, no signet-run). */
static char **audit_environment(void)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 3, sizeof *env);
	static char ld_audit[4200], pol[4200];
	snprintf(ld_audit, sizeof ld_audit, "LD_AUDIT=%s", module);
	snprintf(pol, sizeof pol, "SIGNET_AUDIT_POLICY=%s", policy);
	size_t j = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_AUDIT=", 9) && strncmp(environ[i], "SIGNET_", 7))
			env[j++] = environ[i];
	env[j++] = ld_audit;
	env[j++] = pol;
	return env;
}

/*
 * One program three ways, interleaved run by run so that drift in the
 * machine's load hits all alike: plain, the module alone, signet-run.
 */
static int startup(const char *label, char *const plain[], int argc)
{
	char *under[16], **env = audit_environment();
	int k = 0;
	under[k++] = run_tool;
	under[k++] = ARG("--policy");
	under[k++] = policy;
	under[k++] = ARG("--");
	for (int i = 0; i < argc && k < 15; i++)
		under[k++] = plain[i];
	under[k] = NULL;
	double a[RUNS], m[RUNS], r[RUNS];
	/* Warm the page cache first. */
	if (time_run(plain, environ) < 0 || time_run(plain, env) < 0 || time_run(under, environ) < 0) {
		fprintf(stderr, "bench_audit: %s: a run failed (plainly, with LD_AUDIT, or under signet-run)\n", label);
		free(env);
		return -1;
	}
	for (int i = 0; i < RUNS; i++) {
		a[i] = time_run(plain, environ);
		m[i] = time_run(plain, env);
		r[i] = time_run(under, environ);
	}
	free(env);
	double pa = bench_median(a, RUNS), pm = bench_median(m, RUNS), pr = bench_median(r, RUNS);
	printf("%-34s plain %7.2f ms | module %7.2f ms (%.2fx) | signet-run %7.2f ms (%.2fx)\n", label,
		pa * 1e3, pm * 1e3, pm / pa, pr * 1e3, pr / pa);
	return 0;
}

/* The program's own figure: "sum S ns N" from audit_prog loop. */
static long long loop_ns(char *const argv[], char *const envp[])
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	char buf[256] = "";
	ssize_t got = rc == 0 ? read(fds[0], buf, sizeof buf - 1) : -1;
	close(fds[0]);
	if (rc == 0)
		waitpid(pid, NULL, 0);
	long long sum = 0, ns = -1;
	if (got <= 0 || sscanf(buf, "sum %lld ns %lld", &sum, &ns) != 2)
		return -1;
	return ns;
}

int main(void)
{
	char scratch[] = "/tmp/bench_audit.XXXXXX";
	if (bench_scratch(scratch, "bench_audit") != 0)
		return 1;
	snprintf(module, sizeof module, "%s/.libs/libsignet-audit.so", builddir);
	snprintf(run_tool, sizeof run_tool, "%s/signet-run", builddir);
	snprintf(policy, sizeof policy, "%s/policy.json", scratch);
	snprintf(anchors, sizeof anchors, "%s/ca/root.pem", scratch);
	setenv("SIGNET_AUDIT_MODULE", module, 1);

	/* A CA, and the test program with its library, both signed by its team. */
	char cmd[16384];
	snprintf(cmd, sizeof cmd,
		"'%1$s/signet' ca init '%2$s/ca' >/dev/null && "
		"'%1$s/signet' ca issue --team ABCDE12345 --name Bench '%2$s/ca' >/dev/null && "
		"mkdir -p '%2$s/app/lib' && "
		"%3$s -O2 -fPIC -shared -Wl,-soname,libauditlib.so.1 -DANSWER=1 -o '%2$s/app/lib/libauditlib.so.1' "
		"'%4$s/tests/audit/auditlib.c' && "
		"%3$s -O2 -o '%2$s/app/prog' '%4$s/tests/audit/audit_prog.c' -L'%2$s/app/lib' -l:libauditlib.so.1 "
		"-Wl,-rpath,'$ORIGIN/lib' -ldl -pthread && "
		"for f in '%2$s/app/lib/libauditlib.so.1' '%2$s/app/prog'; do '%1$s/signet' sign --key '%2$s/ca/ABCDE12345.key' "
		"--cert '%2$s/ca/ABCDE12345.pem' --identifier com.example.bench \"$f\" >/dev/null || exit 1; done && "
		"printf '{ \"anchors\": \"%%s\", \"requirement\": \"anchor trusted and team \\\\\"ABCDE12345\\\\\"\",\\n"
		"  \"platform\": { \"directories\": [\"/usr/bin\", \"/lib/%5$s\", \"/usr/lib/%5$s\", \"/lib64\", \"/usr/lib64\", "
		"\"/lib\", \"/usr/lib\"] } }\\n' '%6$s' >'%7$s'",
		builddir, scratch, SIGNET_BENCH_CC, SIGNET_SRCDIR, SIGNET_MULTIARCH, anchors, policy);
	if (bench_run("bench_audit", cmd) != 0)
		return 1;

	char load[64];
	printf("bench_audit: medians of %d runs each, interleaved; load average %s\n", RUNS,
		bench_loadavg(load, sizeof load));
	char *python[] = { ARG("/usr/bin/python3"), ARG("-c"), ARG("import ssl, sqlite3"), NULL };
	char *gdb[] = { ARG("/usr/bin/gdb"), ARG("--version"), NULL };
	char *truep[] = { ARG("/usr/bin/true"), NULL };
	char prog[4200];
	snprintf(prog, sizeof prog, "%s/app/prog", scratch);
	char *signed_prog[] = { prog, NULL };
	int rc = 0;
	if (access(python[0], X_OK) == 0)
		rc |= startup("python3 -c 'import ssl, sqlite3'", python, 3);
	else
		printf("python3 -c 'import ssl, sqlite3'   (no /usr/bin/python3)\n");
	if (access(gdb[0], X_OK) == 0)
		rc |= startup("gdb --version", gdb, 2);
	else
		printf("gdb --version                      (no /usr/bin/gdb)\n");
	rc |= startup("true", truep, 1);
	rc |= startup("signed program + signed library", signed_prog, 1);

	/*
	 * After start-up: the same calls, timed inside the program. A loop of
	 * calls swings between two speeds from run to run on this VM (seen
	 * plainly too), so both the best run and the median are shown.
	 */
	char *loop[] = { prog, ARG("loop"), ARG(LOOP_CALLS), NULL };
	char **env = audit_environment();
	enum { LOOPS = 11 };
	double p[LOOPS], a[LOOPS];
	for (int i = 0; i < LOOPS; i++) {
		p[i] = (double)loop_ns(loop, environ);
		a[i] = (double)loop_ns(loop, env);
		if (p[i] < 0 || a[i] < 0)
			rc = 1;
	}
	free(env);
	double mp = bench_median(p, LOOPS), ma = bench_median(a, LOOPS); /* sorts: [0] is the best */
	printf("%s PLT calls after start-up   best: plain %6.1f ms, audited %6.1f ms (%.3fx); "
	       "median: %6.1f ms, %6.1f ms (%.3fx)\n", LOOP_CALLS, p[0] / 1e6, a[0] / 1e6, a[0] / p[0], mp / 1e6,
		ma / 1e6, ma / mp);
	return rc ? 1 : 0;
}
