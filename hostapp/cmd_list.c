/* SPDX-License-Identifier: MIT */
/*
 * cmd_list.c - `signet-host list [--json] [--stats] DIR`: every bundle in
 * DIR, preflighted (nothing of them runs), one row each with the verdict
 * and, when refused, the first reason; a bundle that would pass but whose
 * cdhash is quarantined is marked so. Verdicts come from the preflight
 * cache when it has them (host_cache.c; --no-cache bypasses it). A DIR
 * that is itself a bundle, or holds none, is said so, not listed empty.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "host.h"

static void usage(FILE *to)
{
	fputs("Usage: signet-host [OPTIONS] list [--json] [--stats] DIR\n"
	      "\n"
	      "Preflights every bundle (every *.bundle directory) in DIR, without running any\n"
	      "of them, and prints one row each: name, identifier, version, team, principal\n"
	      "class, verdict and, for a refused bundle, the first reason (its code and\n"
	      "message). A bundle whose build (cdhash) is quarantined, for its isolated\n"
	      "guests crashed too often, says so: verdict quarantined, with the last crash\n"
	      "('signet-host quarantine --help').\n"
	      "\n"
	      "  --json      one JSON object: the directory and one entry per bundle\n"
	      "  --stats     the preflight cache's hits and misses, on stderr\n"
	      "  -h, --help  this text\n"
	      "\n"
	      "Verdicts are kept in this user's preflight cache and read back while nothing\n"
	      "they depend on changed (docs/preflight-cache.md); --no-cache preflights every\n"
	      "bundle afresh. Loading never uses the cache.\n"
	      "\n"
	      "Exit codes: 0 every bundle would load, 1 any would be refused, DIR holds no\n"
	      "bundle, or the quarantine store cannot be read, 2 usage error (DIR cannot be\n"
	      "read, or is a bundle itself: 'signet-host preflight' takes one).\n", to);
}

static const struct option options[] = {
	{ "json", no_argument, NULL, HOST_OPT_JSON },
	{ "stats", no_argument, NULL, HOST_OPT_STATS },
	{ NULL, 0, NULL, 0 },
};

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

static bool ends_with_bundle(const char *name)
{
	size_t l = strlen(name);
	while (l > 1 && name[l - 1] == '/')
		l--;
	return l > 7 && strncmp(name + l - 7, ".bundle", 7) == 0;
}

/*
 * The names of DIR's *.bundle entries, sorted, in *names (*n of them): 0,
 * or the exit code after saying why. DIR a bundle itself (named *.bundle,
 * or holding a manifest.json) is a usage error: the user meant preflight.
 */
static int bundle_names(const char *dir, char ***names, size_t *n)
{
	*names = NULL;
	*n = 0;
	struct stat st;
	char *manifest = NULL;
	bool is_bundle = ends_with_bundle(dir);
	if (!is_bundle && asprintf(&manifest, "%s/manifest.json", dir) >= 0)
		is_bundle = lstat(manifest, &st) == 0;
	free(manifest);
	DIR *d = opendir(dir);
	if (!d) {
		cli_error(host_command, "%s: %s", dir, strerror(errno));
		return HOST_EXIT_USAGE;
	}
	if (is_bundle) {
		closedir(d);
		cli_error(host_command, "%s is a bundle, not a directory of bundles; 'signet-host preflight %s' "
			"checks one bundle", dir, dir);
		return HOST_EXIT_USAGE;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!ends_with_bundle(de->d_name))
			continue;
		char **grown = realloc(*names, (*n + 1) * sizeof **names);
		if (!grown || !(grown[*n] = strdup(de->d_name))) {
			*names = grown ? grown : *names;
			closedir(d);
			cli_error(host_command, "out of memory");
			return HOST_EXIT_REFUSED;
		}
		*names = grown;
		(*n)++;
	}
	closedir(d);
	if (*n == 0) {
		cli_error(host_command, "%s holds no bundle (no *.bundle directory)", dir);
		return HOST_EXIT_REFUSED;
	}
	qsort(*names, *n, sizeof **names, by_name);
	return HOST_EXIT_OK;
}

/* One bundle's entry of `list --json` (docs/signet-host.md): the row's fields, the reason whole. */
static json_t *row_json(const char *name, const signet_bundle_info *info, const char *verdict,
	const signet_error *why)
{
	json_t *reason = NULL;
	if (why) {
		char *text = NULL;
		signet_error *err = NULL;
		if (signet_error_to_json(&text, why, &err) != 0) {
			signet_error_free(err);
			return NULL;
		}
		if (!(reason = host_json_parse(text)))
			return NULL;
	}
	json_t *o = json_object();
	bool ok = o && json_object_set_new(o, "name", json_string(name)) == 0;
#define TEXT(key, value) (ok = ok && json_object_set_new(o, key, (value) ? json_string(value) : json_null()) == 0)
	TEXT("path", signet_bundle_info_path(info));
	TEXT("identifier", signet_bundle_info_identifier(info));
	TEXT("version", signet_bundle_info_version(info));
	TEXT("team", signet_bundle_info_team(info));
	TEXT("principal_class", signet_bundle_info_principal_class(info));
	TEXT("cdhash", signet_bundle_info_cdhash_hex(info));
	TEXT("verdict", verdict);
#undef TEXT
	if (ok)
		ok = json_object_set_new(o, "reason", reason ? reason : json_null()) == 0;
	else
		json_decref(reason);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static void print_row(const char *name, const signet_bundle_info *info, const char *verdict,
	const signet_error *why)
{
	printf("%-20s %-32s %-8s %-11s %-16s %-8s", name, dash(signet_bundle_info_identifier(info)),
		dash(signet_bundle_info_version(info)), dash(signet_bundle_info_team(info)),
		dash(signet_bundle_info_principal_class(info)), verdict);
	if (why)
		printf(" %s: %s", signet_code_name(signet_error_code(why)), short_reason(why, signet_bundle_info_path(info)));
	putchar('\n');
}

int cmd_list(int argc, char **argv)
{
	host_flags flags = { 0 };
	const host_command_spec spec = { .name = "list", .usage = usage, .options = options,
		.on_option = host_flag_option, .payload = &flags, .min_operands = 1, .max_operands = 1,
		.operands = "DIR" };
	int at = 0, rc = host_parse(&spec, argc, argv, &at);
	if (rc >= 0)
		return rc;
	const char *arg = argv[at];
	char **names = NULL;
	size_t n = 0;
	rc = bundle_names(arg, &names, &n);
	signet_policy *policy = NULL;
	signet_quarantine *q = NULL;
	signet_preflight_cache *cache = NULL;
	char **paths = NULL;
	signet_preflight_result *pre = NULL;
	json_t *doc = NULL, *rows = NULL;
	/* The cache keys on paths made absolute: one realpath() here, not a getcwd() per bundle. */
	char *dir = rc ? NULL : realpath(arg, NULL);
	if (!rc)
		rc = host_make_policy(&policy);
	if (rc)
		goto out;
	cache = host_cache_open(policy);
	/*
	 * This user's quarantine, as an isolated load would see it. A store
	 * that cannot be read marks nothing but fails the listing: loads
	 * would fail closed on it.
	 */
	signet_error *qerr = NULL;
	if (signet_quarantine_open(&q, NULL, &qerr) != 0 || signet_quarantine_reload(q, &qerr) != 0) {
		cli_error(host_command, "quarantine: %s", signet_error_message(qerr));
		signet_error_free(qerr);
		signet_quarantine_free(q);
		q = NULL;
		rc = HOST_EXIT_REFUSED;
	}
	/*
	 * Verdicts the preflight cache holds first, the rest preflighted in
	 * parallel (--jobs) and stored; the rows printed in name order.
	 */
	paths = calloc(n, sizeof *paths);
	pre = calloc(n, sizeof *pre);
	signet_many_options mo = host_many_options(false);
	for (size_t i = 0; paths && i < n; i++)
		if (asprintf(&paths[i], "%s/%s", dir ? dir : arg, names[i]) < 0)
			paths[i] = NULL; /* refused for that one alone */
	if (flags.json) {
		doc = json_object();
		rows = json_array();
		if (!doc || !rows || json_object_set_new(doc, "directory", json_string(dir ? dir : arg)) != 0 ||
		    json_object_set(doc, "bundles", rows) != 0) {
			json_decref(doc);
			doc = NULL;
		}
	}
	if (!paths || !pre || (flags.json && !doc)) {
		cli_error(host_command, "out of memory");
		rc = HOST_EXIT_REFUSED;
		goto out;
	}
	if (host_preflight_many(cache, pre, (const char *const *)paths, n, policy, &mo))
		rc = HOST_EXIT_REFUSED;
	if (!flags.json)
		printf("%-20s %-32s %-8s %-11s %-16s %-8s %s\n", "BUNDLE", "IDENTIFIER", "VERSION", "TEAM", "CLASS",
			"VERDICT", "REASON");
	for (size_t i = 0; i < n; i++) {
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
		if (rows) {
			if (json_array_append_new(rows, row_json(names[i], info, verdict, prc ? why : NULL)) != 0) {
				cli_error(host_command, "out of memory");
				rc = HOST_EXIT_REFUSED;
			}
		} else {
			print_row(names[i], info, verdict, prc ? why : NULL);
		}
		if (prc)
			rc = HOST_EXIT_REFUSED;
		signet_error_free(err);
		signet_bundle_info_free(info);
	}
	if (doc) {
		if (cli_json_print(host_command, doc) != 0)
			rc = HOST_EXIT_REFUSED;
		doc = NULL;
	}
out:
	json_decref(doc);
	json_decref(rows);
	if (policy)
		host_cache_close(cache, flags.stats);
	for (size_t i = 0; paths && i < n; i++)
		free(paths[i]);
	free(paths);
	free(pre);
	free(dir);
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	signet_quarantine_free(q);
	signet_policy_free(policy);
	return rc;
}
