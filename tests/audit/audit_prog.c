/* SPDX-License-Identifier: MIT */
/*
 * audit_prog.c - an ordinary program, linked against libauditlib.so.1,
 * that knows nothing of Signet: what tests/audit/test_audit.sh runs under
 * signet-run.
 *
 *   audit_prog                  prints "answer N", whether a new pthread key
 *                               is empty, and "lib PATH" (dladdr)
 *   audit_prog dlopen PATH...   then dlopen()s each PATH, calls its
 *                               auditlib_answer, prints "dlopen ok PATH N"
 *                               or "dlopen failed PATH: dlerror()", and
 *                               dlclose()s it
 *   audit_prog dlmopen PATH...  dlmopen()s each PATH into a new namespace,
 *                               then dlopen()s it, prints "dlmopen ok PATH A B"
 *   audit_prog maps             then prints each line of /proc/self/maps
 *                               that maps libauditlib's code
 *   audit_prog loop N           calls auditlib_answer N times, prints the sum
 *                               and the nanoseconds it took (bench_audit)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int auditlib_answer(void);

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "loop") == 0) {
		/* N calls through the PLT into the library, timed from inside. */
		long n = strtol(argv[2], NULL, 10), sum = 0;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (long i = 0; i < n; i++)
			sum += auditlib_answer();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("sum %ld ns %lld\n", sum,
			(long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
		return 0;
	}
	printf("answer %d\n", auditlib_answer());
	/* A new key holds no value, whatever the audit module's own libraries did with theirs. */
	pthread_key_t key;
	if (pthread_key_create(&key, NULL) == 0)
		printf("new key %s\n", pthread_getspecific(key) ? "holds a value" : "is empty");
	Dl_info info;
	if (dladdr((void *)auditlib_answer, &info) && info.dli_fname)
		printf("lib %s\n", info.dli_fname);
	if (argc == 2 && strcmp(argv[1], "maps") == 0) {
		FILE *maps = fopen("/proc/self/maps", "r");
		char line[4096];
		while (maps && fgets(line, sizeof line, maps))
			if (strstr(line, "auditlib") && strstr(line, " r-xp "))
				printf("maps %s", line);
		if (maps)
			fclose(maps);
	}
	for (int i = 2; argc > 1 && strcmp(argv[1], "dlopen") == 0 && i < argc; i++) {
		void *h = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			printf("dlopen failed %s: %s\n", argv[i], dlerror());
			continue;
		}
		int (*answer)(void) = (int (*)(void))dlsym(h, "auditlib_answer");
		printf("dlopen ok %s %d\n", argv[i], answer ? answer() : -1);
		dlclose(h);
	}
	/* The same path in a new namespace and in this one: ld.so maps the file once per namespace. */
	for (int i = 2; argc > 1 && strcmp(argv[1], "dlmopen") == 0 && i < argc; i++) {
		void *m = dlmopen(LM_ID_NEWLM, argv[i], RTLD_NOW | RTLD_LOCAL);
		void *h = m ? dlopen(argv[i], RTLD_NOW | RTLD_LOCAL) : NULL;
		int (*a)(void) = h ? (int (*)(void))dlsym(h, "auditlib_answer") : NULL;
		int (*b)(void) = m ? (int (*)(void))dlsym(m, "auditlib_answer") : NULL;
		if (a && b)
			printf("dlmopen ok %s %d %d\n", argv[i], a(), b());
		else
			printf("dlmopen failed %s: %s\n", argv[i], dlerror());
	}
	fflush(stdout);
	return 0;
}
