/* SPDX-License-Identifier: MIT */
/* host.c - the host's own identity: which team `team = host` means. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "policy/policy_internal.h"

#define SELF_EXE "/proc/self/exe"

/* The executable's path for messages; SELF_EXE itself when it cannot be read. */
static void exe_name(char *buf, size_t size)
{
	ssize_t n = readlink(SELF_EXE, buf, size - 1);
	if (n <= 0) {
		snprintf(buf, size, "%s", SELF_EXE);
		return;
	}
	buf[n] = '\0';
}

/* The reason without the "<path>: " prefix the verifier put in front. */
static const char *reason_of(const signet_error *e)
{
	const char *m = signet_error_message(e);
	size_t n = strlen(SELF_EXE);
	if (strncmp(m, SELF_EXE, n) == 0 && m[n] == ':' && m[n + 1] == ' ')
		return m + n + 2;
	return m;
}

int sg_policy_find_host(const signet_trust *trust, char **team, char **status, signet_error **err)
{
	char exe[PATH_MAX];
	exe_name(exe, sizeof exe);

	/*
	 * Verify through the magic link, not the name readlink() gave: it is
	 * the inode actually running, even if the file on disk was replaced
	 * or deleted since the process started. allow_no_team: a host signed
	 * without a team is still a verified host, it just has no team.
	 */
	signet_verify_options opts = SIGNET_VERIFY_OPTIONS_INIT;
	opts.allow_no_team = true;
	signet_identity *id = NULL;
	signet_error *verr = NULL;
	int rc = signet_verify_file(&id, SELF_EXE, trust, &opts, &verr);

	char *t = NULL, *s = NULL;
	int n;
	if (rc == 0 && signet_identity_team(id)) {
		t = strdup(signet_identity_team(id));
		n = asprintf(&s, "%s: signed by team %s", exe, signet_identity_team(id));
	} else if (rc == 0) {
		n = asprintf(&s, "%s: signed without a team", exe);
	} else if (rc == SIGNET_E_NOMEM) {
		signet_error_free(verr);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory verifying the host executable");
	} else {
		/* Unsigned, or signed but not acceptable: either way, no team. */
		n = asprintf(&s, "%s: %s", exe, reason_of(verr));
	}
	bool lost = (rc == 0 && signet_identity_team(id) && !t);
	signet_identity_free(id);
	signet_error_free(verr);
	if (n < 0 || lost) {
		free(t);
		if (n >= 0)
			free(s);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory recording the host identity");
	}
	*team = t;
	*status = s;
	return 0;
}
