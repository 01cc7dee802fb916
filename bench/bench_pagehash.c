/* SPDX-License-Identifier: MIT */
/*
 * bench_pagehash.c - page-hash verification throughput against OpenSSL's
 * EVP SHA-256 over the same bytes, in the same run.
 *
 * Prints MB/s for: EVP SHA-256 over the whole buffer in one call on one
 * core (the baseline), Signet's page hashing on one worker, and on every
 * core; then the ratio per core used. Goal (issue 3): at least 0.9 of
 * single-core EVP throughput per core, with all cores busy.
 * Usage: bench_pagehash [MEGABYTES] [ROUNDS]   (default 256, 7)
 */
#include "config.h"

#include "bench_util.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codesign/format.h"
#include "codesign/pagehash.h"

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
	int rounds = argc > 2 ? atoi(argv[2]) : 7;
	if (mb == 0 || rounds <= 0 || rounds > 100) {
		fprintf(stderr, "usage: bench_pagehash [MEGABYTES] [ROUNDS]\n");
		return 2;
	}
	size_t len = mb << 20;
	uint8_t *data = malloc(len);
	uint64_t pages = sg_page_count(len, 12);
	uint8_t *hashes = malloc(pages * SG_HASH_SIZE);
	if (!data || !hashes)
		return 1;
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)(i * 2654435761u >> 13);
	unsigned cores = sg_pagehash_workers(pages, SG_PAGEHASH_ALL_CORES);
	if (sg_pagehash_compute(hashes, data, len, 12, 1, NULL) != 0)
		return 1;

	double t_evp[100], t_one[100], t_all[100];
	for (int r = 0; r < rounds; r++) {
		uint8_t md[32];
		unsigned n;
		double t0 = bench_now();
		EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
		t_evp[r] = bench_now() - t0;
		t0 = bench_now();
		if (sg_pagehash_verify(hashes, data, len, 12, 1, "bench", NULL) != 0)
			return 1;
		t_one[r] = bench_now() - t0;
		t0 = bench_now();
		if (sg_pagehash_verify(hashes, data, len, 12, SG_PAGEHASH_ALL_CORES, "bench", NULL) != 0)
			return 1;
		t_all[r] = bench_now() - t0;
	}
	double evp = (double)mb / bench_median(t_evp, rounds);
	double one = (double)mb / bench_median(t_one, rounds);
	double all = (double)mb / bench_median(t_all, rounds);
	printf("page-hash verification, %zu MiB in 4 KiB pages, median of %d rounds\n", mb, rounds);
	printf("  EVP SHA-256, one call, 1 core     %8.1f MiB/s\n", evp);
	printf("  Signet page hashes, 1 worker      %8.1f MiB/s  (%.2f of EVP)\n", one, one / evp);
	printf("  Signet page hashes, %u workers     %8.1f MiB/s  (%.2fx EVP)\n", cores, all, all / evp);
	printf("  per core used: %.2f of single-core EVP throughput (goal >= 0.90)\n", all / cores / evp);
	free(data);
	free(hashes);
	return 0;
}
