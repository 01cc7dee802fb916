/* SPDX-License-Identifier: MIT */
/* host_guest.c - the guest host signet-host's commands share. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "host.h"

int host_open(host_session *s)
{
	*s = (host_session){ 0 };
	int rc = host_make_policy(&s->policy);
	if (rc)
		return rc;
	signet_host_options o = SIGNET_HOST_OPTIONS_INIT;
	o.policy = s->policy;
	o.api_version = HOST_API_VERSION;
	o.isolation = host_opts.isolate ? SIGNET_ISOLATION_PROCESS : SIGNET_ISOLATION_IN_PROCESS;
	o.guest_helper = host_opts.guest_helper;
	signet_error *err = NULL;
	if (signet_host_new(&s->host, &o, &err) != 0) {
		signet_policy_free(s->policy);
		s->policy = NULL;
		return host_report(err);
	}
	return HOST_EXIT_OK;
}

void host_close(host_session *s)
{
	signet_host_free(s->host);
	signet_policy_free(s->policy);
	*s = (host_session){ 0 };
}

int host_load_guest(host_session *s, const char *bundle, signet_guest_id *g)
{
	signet_error *err = NULL;
	signet_load_options lo = SIGNET_LOAD_OPTIONS_INIT;
	lo.call_timeout_ms = host_opts.call_timeout_ms;
	if (signet_host_load_bundle_with(g, s->host, bundle, &lo, &err) == 0)
		return HOST_EXIT_OK;
	host_report_refusal(err);
	signet_error_free(err);
	return HOST_EXIT_REFUSED;
}

signet_many_options host_many_options(bool all_or_nothing)
{
	signet_many_options o = SIGNET_MANY_OPTIONS_INIT;
	o.workers = host_opts.jobs;
	o.all_or_nothing = all_or_nothing;
	return o;
}

int host_load_guests(host_session *s, char *const *bundles, size_t n, bool all_or_nothing, signet_guest_id *guests)
{
	signet_guest_result *r = calloc(n ? n : 1, sizeof *r);
	if (!r) {
		cli_error(host_command, "out of memory");
		return HOST_EXIT_REFUSED;
	}
	signet_load_options lo = SIGNET_LOAD_OPTIONS_INIT;
	lo.call_timeout_ms = host_opts.call_timeout_ms;
	signet_many_options mo = host_many_options(all_or_nothing);
	int rc = signet_host_load_bundles(r, s->host, (const char *const *)bundles, n, &lo, &mo, NULL)
		? HOST_EXIT_REFUSED : HOST_EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		guests[i] = r[i].guest;
		/* All or nothing, the others only say that one was refused: that one says why. */
		if (r[i].code && !(all_or_nothing && r[i].code == SIGNET_E_BATCH_REFUSED))
			host_report_refusal(r[i].error);
		signet_error_free(r[i].error);
	}
	free(r);
	return rc;
}
