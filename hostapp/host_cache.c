/* SPDX-License-Identifier: MIT */
/*
 * host_cache.c - the preflight cache as `list` uses it (docs/signet-host.md):
 * on unless --no-cache, advisory (nothing loads from it), and never a
 * reason to fail: a cache that cannot be opened or saved is one warning on
 * stderr, and the listing goes on without it.
 */
#include "config.h"

#include <stdio.h>

#include "host.h"

static void warn_once(const char *what, signet_error *err)
{
	static bool warned;
	if (!warned)
		cli_error(host_command, "warning: preflight cache: %s: %s", what, signet_error_message(err));
	warned = true;
	signet_error_free(err);
}

signet_preflight_cache *host_cache_open(const signet_policy *policy)
{
	signet_preflight_cache *c = NULL;
	signet_error *err = NULL;
	if (host_opts.no_cache)
		return NULL;
	/* A damaged cache file is not worth a word: the cache rebuilds it (its status says why, for callers). */
	if (signet_preflight_cache_open(&c, NULL, policy, HOST_API_VERSION, &err) != 0) {
		warn_once("not used", err);
		return NULL;
	}
	return c;
}

int host_preflight_many(signet_preflight_cache *c, signet_preflight_result *results, const char *const *paths,
	size_t n, const signet_policy *policy, const signet_many_options *opts)
{
	return c ? signet_preflight_cached_many(results, c, paths, n, opts, NULL)
		: signet_preflight_many(results, paths, n, policy, HOST_API_VERSION, opts, NULL);
}

void host_cache_close(signet_preflight_cache *c, bool stats)
{
	signet_error *err = NULL;
	if (c && signet_preflight_cache_save(c, &err) != 0)
		warn_once("not saved", err);
	signet_preflight_cache_stats s = SIGNET_PREFLIGHT_CACHE_STATS_INIT;
	signet_preflight_cache_get_stats(c, &s);
	if (stats && c)
		cli_error(host_command, "preflight cache: %zu hits, %zu misses, %zu stored (%s)", s.hits, s.misses, s.stored,
			signet_preflight_cache_path(c));
	else if (stats)
		cli_error(host_command, "preflight cache: not used");
	signet_preflight_cache_free(c);
}
