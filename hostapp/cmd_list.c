/* SPDX-License-Identifier: MIT */
/*
 * cmd_list.c - `signet-host list DIR`: every bundle in DIR, preflighted
 * (nothing of them runs), one row each with the verdict and, when refused,
 * the first reason; a bundle that would pass but whose cdhash is
 * quarantined is marked so. Verdicts come from the preflight cache when it
 * has them (host_cache.c; --no-cache bypasses it).
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

static void usage(FILE *to)
{
	fputs("Usage: signet-host [--anchors P] [--requirement R] [--policy F] [--no-cache] list [--stats] DIR\n"
	      "\n"
	      "Preflights every bundle (every *.bundle directory) in DIR, without running any\n"
	      "of them, and prints one row each: name, identifier, version, team, principal\n"
	      "class, verdict and, for a refused bundle, the first reason (its code and\n"
	      "message). A bundle whose build (cdhash) is quarantined, for its isolated\n"
	      "guests crashed too often, says so: verdict quarantined, with the last crash\n"
	      "('signet-host quarantine --help'). Exit code 0 when every bundle would load,\n"
	      "1 when any would be refused or the quarantine store cannot be read, 2 for\n"
	      "a usage error or a DIR that cannot be read.\n"
	      "\n"
	      "Verdicts are kept in this user's preflight cache and read back while nothing\n"
	      "they depend on changed (docs/preflight-cache.md); --no-cache (before list)\n"
	      "preflights every bundle afresh. Loading never uses the cache. --stats prints\n"
	      "the cache's hits and misses to stderr.\n", to);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The reason without the bundle directory's own path in front: rows stay short. */
static const char *short_reason(const signet_error *e, const char *bundle_path)
{
	const char *m = signet_error_message(e);
	size_t n = bundle_path ? strlen(bundle_path) : 0;
	if (n && strncmp(m, bundle_path, n) == 0) {
		m += n;
		while (*m == '/' || *m == ':' || *m == ' ')
			m++;
	}
	return m;
}

static const char *dash(const char *s)
{
	return s ? s : "-";
}

int cmd_list(int argc, char **argv)
{
	bool stats = argc > 2 && strcmp(argv[1], "--stats") == 0;
	if (stats) {
		argc--;
		argv++;
	}
	int one = host_one_operand(argc, argv, usage);
	if (one >= 0)
		return one;
	DIR *d = opendir(argv[1]);
	if (!d) {
		perror(argv[1]);
		return HOST_EXIT_USAGE;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l <= 7 || strcmp(de->d_name + l - 7, ".bundle") != 0)
			continue;
		char **grown = realloc(names, (n + 1) * sizeof *names);
		if (!grown || !(grown[n] = strdup(de->d_name))) {
			free(grown ? grown : names);
			closedir(d);
			fputs("signet-host list: out of memory\n", stderr);
			return HOST_EXIT_REFUSED;
		}
		names = grown;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	signet_policy *policy = NULL;
	signet_quarantine *q = NULL;
	signet_preflight_cache *cache = NULL;
	/* The cache keys on paths made absolute: one realpath() here, not a getcwd() per bundle. */
	char *dir = realpath(argv[1], NULL);
	int rc = host_make_policy(&policy);
	if (!rc)
		cache = host_cache_open(policy);
	if (rc)
		goto out;
	/*
	 * This user's quarantine, as an isolated load would see it. A store
	 * that cannot be read marks nothing but fails the listing: loads
	 * would fail closed on it.
	 */
	signet_error *qerr = NULL;
	if (signet_quarantine_open(&q, NULL, &qerr) != 0 || signet_quarantine_reload(q, &qerr) != 0) {
		fprintf(stderr, "signet-host: list: quarantine: %s\n", signet_error_message(qerr));
		signet_error_free(qerr);
		signet_quarantine_free(q);
		q = NULL;
		rc = HOST_EXIT_REFUSED;
	}
	printf("%-20s %-32s %-8s %-11s %-16s %-8s %s\n", "BUNDLE", "IDENTIFIER", "VERSION", "TEAM", "CLASS",
		"VERDICT", "REASON");
	/*
	 * Verdicts the preflight cache holds first, the rest preflighted in
	 * parallel (--jobs) and stored; the rows printed in name order.
	 */
	char **paths = calloc(n ? n : 1, sizeof *paths);
	signet_preflight_result *pre = calloc(n ? n : 1, sizeof *pre);
	signet_many_options mo = host_many_options(false);
	for (size_t i = 0; paths && i < n; i++)
		if (asprintf(&paths[i], "%s/%s", dir ? dir : argv[1], names[i]) < 0)
			paths[i] = NULL; /* refused for that one alone */
	bool ok = paths && pre;
	if (!ok) {
		fputs("signet-host list: out of memory\n", stderr);
		rc = HOST_EXIT_REFUSED;
	} else if (host_preflight_many(cache, pre, (const char *const *)paths, n, policy, &mo)) {
		rc = HOST_EXIT_REFUSED;
	}
	for (size_t i = 0; ok && i < n; i++) {
		signet_bundle_info *info = pre[i].info;
		signet_error *err = pre[i].error;
		int prc = pre[i].code;
		const signet_error *why = info && signet_bundle_info_reason_count(info)
			? signet_bundle_info_reason(info, 0) : err;
		uint8_t cdhash[SIGNET_QUARANTINE_CDHASH_SIZE];
		const char *verdict = prc ? "refused" : "accepted";
		if (!prc && q && host_parse_cdhash(cdhash, signet_bundle_info_cdhash_hex(info)) == 0 &&
		    (prc = signet_quarantine_check(q, cdhash, &err)) != 0) {
			why = err;
			verdict = prc == SIGNET_E_QUARANTINED ? "quarantined" : "refused";
		}
		printf("%-20s %-32s %-8s %-11s %-16s %-8s", names[i], dash(signet_bundle_info_identifier(info)),
			dash(signet_bundle_info_version(info)), dash(signet_bundle_info_team(info)),
			dash(signet_bundle_info_principal_class(info)), verdict);
		if (prc)
			printf(" %s: %s", signet_code_name(signet_error_code(why)),
				short_reason(why, signet_bundle_info_path(info)));
		putchar('\n');
		if (prc)
			rc = HOST_EXIT_REFUSED;
		signet_error_free(err);
		signet_bundle_info_free(info);
	}
	for (size_t i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
	free(pre);
out:
	host_cache_close(cache, stats);
	free(dir);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	signet_quarantine_free(q);
	signet_policy_free(policy);
	return rc;
}
