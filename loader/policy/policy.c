/* SPDX-License-Identifier: MIT */
/* policy.c - the policy object: defaults, setters, accessors. */
#include "config.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cms/cms.h"
#include "codesign/identity_internal.h"
#include "core/error_internal.h"
#include "core/sha256.h"
#include "policy/entitlements.h"
#include "policy/policy_internal.h"
#include "policy/trust_bundle.h"

static int null_argument(signet_error **err, const char *fn)
{
	return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "%s: NULL argument", fn);
}

/* A setting that is not acceptable: the value is quoted, cut to a sane length. */
static int bad_setting(signet_error **err, const char *what, const char *value, const char *rule)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_INVALID, .check = "policy.setting",
		.expected = rule, .actual = value }, "%s \"%.80s%s\": expected %s", what, value,
		strlen(value) > 80 ? "..." : "", rule);
}

/* Isolated guests by default: quarantine after 3 crashes, nothing granted, Landlock required. */
static const sg_isolation default_isolation = {
	.crash_limit = SIGNET_POLICY_DEFAULT_CRASH_LIMIT,
	.memory_mb = SIGNET_POLICY_DEFAULT_MEMORY_MB,
	.cpu_seconds = SIGNET_POLICY_DEFAULT_CPU_SECONDS,
	.call_timeout_ms = SIGNET_POLICY_DEFAULT_CALL_TIMEOUT_MS,
};

int signet_policy_new(signet_policy **out, signet_error **err)
{
	if (!out)
		return null_argument(err, "signet_policy_new");
	signet_policy *p = calloc(1, sizeof *p);
	if (!p)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory making a policy");
	p->crash_limit = default_isolation.crash_limit;
	p->memory_mb = default_isolation.memory_mb;
	p->cpu_seconds = default_isolation.cpu_seconds;
	p->call_timeout_ms = default_isolation.call_timeout_ms;
	int rc = signet_requirement_parse(&p->requirement, SG_POLICY_DEFAULT_REQUIREMENT, err);
	for (const char *const *d = sg_policy_default_platform_directories(); rc == 0 && *d; d++)
		rc = sg_strings_add(&p->platform_dirs, *d, SIGNET_POLICY_MAX_DIRECTORIES, err);
	if (rc != 0) {
		signet_policy_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

void signet_policy_free(signet_policy *p)
{
	if (!p)
		return;
	signet_trust_free(p->trust);
	free(p->anchors_path);
	sg_trust_free(p->tsa);
	free(p->tsa_path);
	signet_requirement_free(p->requirement);
	sg_strings_clear(&p->allow_identifiers);
	sg_hashes_clear(&p->allow_cdhashes);
	sg_hashes_clear(&p->deny_cdhashes);
	sg_strings_clear(&p->deny_serials);
	sg_strings_clear(&p->platform_dirs);
	sg_strings_clear(&p->platform_sonames);
	sg_array_clear(&p->uninspectable_uids);
	sg_strings_clear(&p->read_paths);
	sg_revocation_free(p->revocation);
	free(p->trust_bundle_path);
	free(p->host_team);
	free(p->host_status);
	free(p);
}

/* Makes `trust` the policy's anchors, read from `path_copy`, with the host found against them (all taken). */
static void commit_anchors(signet_policy *p, signet_trust *trust, char *path_copy, char *team, char *status)
{
	signet_trust_free(p->trust);
	free(p->anchors_path);
	free(p->host_team);
	free(p->host_status);
	trust->tsa = p->tsa;
	p->trust = trust;
	p->anchors_path = path_copy;
	p->host_team = team;
	p->host_status = status;
}

/*
 * Makes `trust` (taken, freed on failure) the policy's anchors, read from
 * `path`. The host's team is fixed here, once, against these anchors:
 * `team = host` then means "signed by whoever signed the code now
 * running", and nothing a plugin does later can change the answer.
 */
static int install_anchors(signet_policy *p, signet_trust *trust, const char *path, signet_error **err)
{
	char *team = NULL, *status = NULL, *copy = strdup(path);
	if (!copy) {
		signet_trust_free(trust);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory setting anchors");
	}
	int rc = sg_policy_find_host(trust, &team, &status, err);
	if (rc != 0) {
		signet_trust_free(trust);
		free(copy);
		return rc;
	}
	commit_anchors(p, trust, copy, team, status);
	return 0;
}

int signet_policy_set_anchors(signet_policy *p, const char *path, signet_error **err)
{
	if (!p || !path)
		return null_argument(err, "signet_policy_set_anchors");
	signet_trust *trust = NULL;
	int rc = signet_trust_load(&trust, path, err);
	return rc != 0 ? rc : install_anchors(p, trust, path, err);
}

/* Makes `tsa` (NULL: none) the policy's TSA anchors, read from `path_copy` (both taken; NULL with NULL). */
static void commit_tsa(signet_policy *p, sg_trust *tsa, char *path_copy)
{
	sg_trust_free(p->tsa);
	free(p->tsa_path);
	p->tsa = tsa;
	p->tsa_path = path_copy;
	if (p->trust)
		p->trust->tsa = tsa;
}

int signet_policy_set_tsa_anchors(signet_policy *p, const char *path, signet_error **err)
{
	if (!p || !path)
		return null_argument(err, "signet_policy_set_tsa_anchors");
	/*
	 * A store of their own: a TSA root vouches for times, never for code,
	 * and a code-signing root never for times (docs/certificates.md).
	 */
	sg_trust *tsa = NULL;
	char *copy = strdup(path);
	if (!copy)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory setting TSA anchors");
	int rc = sg_trust_load(&tsa, path, err);
	if (rc != 0) {
		free(copy);
		return rc;
	}
	commit_tsa(p, tsa, copy);
	return 0;
}

int signet_policy_set_trust_bundle(signet_policy *p, const char *path, const char *signers, signet_error **err)
{
	if (!p || !path || !signers)
		return null_argument(err, "signet_policy_set_trust_bundle");
	/* One source of anchors a host can name: a second bundle would leave "which one" to call order. */
	if (p->trust_bundle_path)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_INVALID, .path = path,
			.check = "policy.setting", .actual = p->trust_bundle_path }, "the policy already reads the trust "
			"bundle %s: one per policy", p->trust_bundle_path);
	/*
	 * The signers are the one thing a bundle cannot carry: anchors it
	 * brought with it could vouch for anything. They come from the host
	 * (a package, the image), installed once.
	 */
	signet_trust *by = NULL;
	int rc = signet_trust_load(&by, signers, err);
	if (rc != 0)
		return rc;
	uint8_t *content = NULL, digest[SG_SHA256_SIZE];
	size_t clen = 0;
	rc = sg_revocation_read_signed(&content, &clen, digest, NULL, &sg_trust_bundle_kind, path, by, 0, err);
	signet_trust_free(by);
	sg_trust_bundle *b = NULL;
	if (rc == 0)
		rc = sg_trust_bundle_parse(&b, content, clen, path, err);
	free(content);
	/*
	 * Everything that can fail, before anything changes: a refused bundle
	 * leaves the policy as it was (out of memory aside). The rollback check
	 * comes last, since it records the bundle's sequence.
	 */
	signet_trust *trust = NULL;
	char *team = NULL, *status = NULL, *anchors_copy = NULL, *tsa_copy = NULL, *bundle_copy = NULL, *list_copy = NULL;
	char **labels = NULL;
	size_t n_labels = 0;
	if (rc == 0 && (!(trust = calloc(1, sizeof *trust)) || !(anchors_copy = strdup(path)) ||
	    !(tsa_copy = strdup(path)) || !(bundle_copy = strdup(path)) || !(list_copy = strdup(path)) ||
	    (b->n_crls && !(labels = calloc(b->n_crls, sizeof *labels)))))
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory setting a trust bundle");
	for (; rc == 0 && n_labels < b->n_crls; n_labels++) {
		char label[PATH_MAX + 32];
		snprintf(label, sizeof label, "%s (crls[%zu])", path, n_labels);
		if (!(labels[n_labels] = strdup(label)))
			rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory setting a trust bundle");
	}
	if (rc == 0) {
		trust->anchors = b->anchors;
		b->anchors = NULL;
		rc = sg_policy_find_host(trust, &team, &status, err);
	}
	/* No requirement in the bundle: the default one, not whatever the policy had before. */
	if (rc == 0 && !b->requirement)
		rc = signet_requirement_parse(&b->requirement, SG_POLICY_DEFAULT_REQUIREMENT, err);
	if (rc == 0)
		rc = sg_revocation_reserve(p, &sg_trust_bundle_kind, b->list->name, b->n_crls, path, err);
	if (rc == 0)
		rc = sg_revocation_check_rollback(&sg_trust_bundle_kind, b->list, path, err);
	if (rc != 0) {
		signet_trust_free(trust);
		free(team);
		free(status);
		free(anchors_copy);
		free(tsa_copy);
		free(bundle_copy);
		free(list_copy);
		for (size_t i = 0; i < n_labels; i++)
			free(labels[i]);
		free(labels);
		sg_trust_bundle_free(b);
		return rc;
	}
	/* From here on nothing fails: every pointer moves into the policy. */
	commit_anchors(p, trust, anchors_copy, team, status);
	if (!b->tsa) {
		free(tsa_copy);
		tsa_copy = NULL;
	}
	commit_tsa(p, b->tsa, tsa_copy);
	b->tsa = NULL;
	signet_requirement_free(p->requirement);
	p->requirement = b->requirement;
	b->requirement = NULL;
	p->trust_bundle_path = bundle_copy;
	sg_revocation_adopt_reserved(p, &sg_trust_bundle_kind, b->list, digest, list_copy, b->crls, labels, b->n_crls);
	b->list = NULL;
	b->n_crls = 0;
	free(labels);
	sg_trust_bundle_free(b);
	return 0;
}

int signet_policy_set_requirement(signet_policy *p, const char *text, signet_error **err)
{
	if (!p || !text)
		return null_argument(err, "signet_policy_set_requirement");
	signet_requirement *req = NULL;
	int rc = signet_requirement_parse(&req, text, err);
	if (rc != 0)
		return rc;
	signet_requirement_free(p->requirement);
	p->requirement = req;
	return 0;
}

int signet_policy_allow_identifier(signet_policy *p, const char *identifier, signet_error **err)
{
	if (!p || !identifier)
		return null_argument(err, "signet_policy_allow_identifier");
	if (!sg_policy_valid_identifier(identifier))
		return bad_setting(err, "identifier", identifier, "1 to 255 characters of A-Z a-z 0-9 . - _");
	return sg_strings_add(&p->allow_identifiers, identifier, SIGNET_POLICY_MAX_ENTRIES, err);
}

static int add_cdhash(sg_hashes *list, const char *hex64, signet_error **err)
{
	uint8_t h[SG_POLICY_HASH_SIZE];
	if (!sg_policy_parse_hash(hex64, h))
		return bad_setting(err, "cdhash", hex64, "64 hex digits");
	return sg_hashes_add(list, h, SIGNET_POLICY_MAX_ENTRIES, err);
}

int signet_policy_allow_cdhash(signet_policy *p, const char *hex64, signet_error **err)
{
	if (!p || !hex64)
		return null_argument(err, "signet_policy_allow_cdhash");
	return add_cdhash(&p->allow_cdhashes, hex64, err);
}

int signet_policy_deny_cdhash(signet_policy *p, const char *hex64, signet_error **err)
{
	if (!p || !hex64)
		return null_argument(err, "signet_policy_deny_cdhash");
	return add_cdhash(&p->deny_cdhashes, hex64, err);
}

int signet_policy_deny_serial(signet_policy *p, const char *hex, signet_error **err)
{
	if (!p || !hex)
		return null_argument(err, "signet_policy_deny_serial");
	char norm[SG_POLICY_MAX_SERIAL_HEX + 1];
	if (!sg_policy_normalize_serial(hex, norm))
		return bad_setting(err, "serial", hex, "1 to 64 hex digits");
	return sg_strings_add(&p->deny_serials, norm, SIGNET_POLICY_MAX_ENTRIES, err);
}

/* Builds the new list aside and swaps it in, so a failure changes nothing. */
static int replace_list(sg_strings *target, const char *const *items, size_t n, size_t max,
	bool (*valid)(const char *), const char *what, const char *rule, signet_error **err)
{
	if (n > max)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .check = "policy.setting" },
			"at most %zu %ss, not %zu", max, what, n);
	sg_strings fresh = { 0 };
	for (size_t i = 0; i < n; i++) {
		int rc;
		if (!items[i])
			rc = sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "%s %zu is NULL", what, i);
		else if (!valid(items[i]))
			rc = bad_setting(err, what, items[i], rule);
		else
			rc = sg_strings_add(&fresh, items[i], max, err);
		if (rc != 0) {
			sg_strings_clear(&fresh);
			return rc;
		}
	}
	sg_strings_clear(target);
	*target = fresh;
	return 0;
}

int signet_policy_set_platform_directories(signet_policy *p, const char *const *dirs, size_t n,
	signet_error **err)
{
	if (!p || (!dirs && n > 0))
		return null_argument(err, "signet_policy_set_platform_directories");
	return replace_list(&p->platform_dirs, dirs, n, SIGNET_POLICY_MAX_DIRECTORIES,
		sg_policy_valid_directory, "platform directory", "an absolute path", err);
}

int signet_policy_set_platform_sonames(signet_policy *p, const char *const *sonames, size_t n,
	signet_error **err)
{
	if (!p || (!sonames && n > 0))
		return null_argument(err, "signet_policy_set_platform_sonames");
	if (!sonames) {
		sg_strings_clear(&p->platform_sonames);
		p->sonames_restricted = false;
		return 0;
	}
	int rc = replace_list(&p->platform_sonames, sonames, n, SIGNET_POLICY_MAX_SONAMES,
		sg_policy_valid_soname, "soname", "a file name (no '/', not \".\" or \"..\", at most 255 bytes)", err);
	if (rc == 0)
		p->sonames_restricted = true;
	return rc;
}

int signet_policy_set_allow_no_team(signet_policy *p, bool allow, signet_error **err)
{
	if (!p)
		return null_argument(err, "signet_policy_set_allow_no_team");
	p->allow_no_team = allow;
	return 0;
}

int signet_policy_accept_uninspectable_uid(signet_policy *p, uid_t uid, signet_error **err)
{
	if (!p)
		return null_argument(err, "signet_policy_accept_uninspectable_uid");
	/* (uid_t)-1 is what setresuid() reads as "unchanged": no process runs as it. */
	if (uid == (uid_t)-1)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_INVALID, .check = "policy.setting",
			.expected = "a uid other than 4294967295", .actual = "4294967295" },
			"uid %lu names no user", (unsigned long)uid);
	if (sg_policy_accepts_uninspectable_uid(p, uid))
		return 0;
	if (p->uninspectable_uids.n >= SIGNET_POLICY_MAX_UIDS)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .check = "policy.setting" },
			"at most %d uids accepted without an identity", SIGNET_POLICY_MAX_UIDS);
	if (sg_array_push(&p->uninspectable_uids, uid) != 0)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory adding a uid to the policy");
	return 0;
}

/* ---- isolated guests ---------------------------------------------------- */

/* A number outside [min, max]: the rule and the value in expected/actual. */
static int bad_number(signet_error **err, const char *what, unsigned value, unsigned min, unsigned max)
{
	char rule[64], actual[16];
	snprintf(rule, sizeof rule, "%u to %u", min, max);
	snprintf(actual, sizeof actual, "%u", value);
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_POLICY_INVALID, .check = "policy.setting",
		.expected = rule, .actual = actual }, "%s %u: expected %s", what, value, rule);
}

/* One of the isolation numbers, at `offset` in the policy, within [min, max]. */
static int set_number(signet_policy *p, size_t offset, const char *fn, const char *what, unsigned value,
	unsigned min, unsigned max, signet_error **err)
{
	if (!p)
		return null_argument(err, fn);
	if (value < min || value > max)
		return bad_number(err, what, value, min, max);
	memcpy((char *)p + offset, &value, sizeof value);
	return 0;
}

int signet_policy_set_isolation_crash_limit(signet_policy *p, unsigned crashes, signet_error **err)
{
	return set_number(p, offsetof(signet_policy, crash_limit), __func__, "crash limit", crashes, 0,
		SIGNET_POLICY_MAX_CRASH_LIMIT, err);
}

int signet_policy_set_isolation_accept_weaker(signet_policy *p, bool accept, signet_error **err)
{
	if (!p)
		return null_argument(err, "signet_policy_set_isolation_accept_weaker");
	p->accept_weaker = accept;
	return 0;
}

int signet_policy_set_isolation_grant(signet_policy *p, const char *const *names, size_t n, signet_error **err)
{
	if (!p || (!names && n > 0))
		return null_argument(err, "signet_policy_set_isolation_grant");
	if (n > SIGNET_POLICY_MAX_GRANTS)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .check = "policy.setting" },
			"at most %d entitlements granted, not %zu", SIGNET_POLICY_MAX_GRANTS, n);
	unsigned bits = 0;
	for (size_t i = 0; i < n; i++) {
		if (!names[i])
			return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "entitlement %zu is NULL", i);
		/*
		 * Only names Signet defines: a misspelt grant would otherwise grant
		 * nothing, silently, and the host's author would not know why its
		 * guests are refused.
		 */
		unsigned bit = sg_entitlement_bit(names[i]);
		if (!bit)
			return bad_setting(err, "entitlement", names[i],
				"an entitlement Signet defines (" SG_ENTITLEMENT_NAMES ")");
		bits |= bit;
	}
	p->grants = bits;
	return 0;
}

int signet_policy_set_isolation_read_paths(signet_policy *p, const char *const *dirs, size_t n,
	signet_error **err)
{
	if (!p || (!dirs && n > 0))
		return null_argument(err, "signet_policy_set_isolation_read_paths");
	/*
	 * Normalized, not only absolute: the sandbox opens each one as a
	 * directory to grant, and a path with ".." in it reads as narrower than
	 * it is ("/srv/data/../.." is "/").
	 */
	return replace_list(&p->read_paths, dirs, n, SIGNET_POLICY_MAX_READ_PATHS,
		sg_policy_valid_normalized_directory, "read path",
		"an absolute, normalized path (no empty, \".\" or \"..\" component, no trailing '/')", err);
}

int signet_policy_set_isolation_memory_mb(signet_policy *p, unsigned mb, signet_error **err)
{
	return set_number(p, offsetof(signet_policy, memory_mb), __func__, "memory_mb", mb, 1,
		SIGNET_POLICY_MAX_MEMORY_MB, err);
}

int signet_policy_set_isolation_cpu_seconds(signet_policy *p, unsigned seconds, signet_error **err)
{
	return set_number(p, offsetof(signet_policy, cpu_seconds), __func__, "cpu_seconds", seconds, 1,
		SIGNET_POLICY_MAX_CPU_SECONDS, err);
}

int signet_policy_set_isolation_call_timeout_ms(signet_policy *p, unsigned ms, signet_error **err)
{
	return set_number(p, offsetof(signet_policy, call_timeout_ms), __func__, "call_timeout_ms", ms, 1,
		SIGNET_POLICY_MAX_CALL_TIMEOUT_MS, err);
}

void sg_policy_isolation(const signet_policy *p, sg_isolation *out)
{
	if (!p) {
		*out = default_isolation;
		return;
	}
	*out = (sg_isolation){
		.crash_limit = p->crash_limit,
		.accept_weaker = p->accept_weaker,
		.grants = p->grants,
		.read_paths = (const char *const *)p->read_paths.items,
		.read_path_count = p->read_paths.n,
		.memory_mb = p->memory_mb,
		.cpu_seconds = p->cpu_seconds,
		.call_timeout_ms = p->call_timeout_ms,
	};
}

/* ---- peers --------------------------------------------------------------- */

bool sg_policy_accepts_uninspectable_uid(const signet_policy *p, uid_t uid)
{
	for (size_t i = 0; p && i < p->uninspectable_uids.n; i++)
		if (p->uninspectable_uids.items[i] == uid)
			return true;
	return false;
}

const char *signet_policy_host_team(const signet_policy *p)
{
	return p ? p->host_team : NULL;
}

const signet_trust *sg_policy_trust(const signet_policy *p)
{
	return p ? p->trust : NULL;
}

void sg_policy_verify_options(const signet_policy *p, signet_verify_options *out)
{
	/* Certificates are checked at the time of the load ("now"): a policy has no clock of its own. */
	*out = (signet_verify_options)SIGNET_VERIFY_OPTIONS_INIT;
	out->allow_no_team = p ? p->allow_no_team : false;
}

const char *const *sg_policy_platform_directories(const signet_policy *p, size_t *count)
{
	if (!p) {
		if (count)
			*count = 0;
		return NULL;
	}
	if (count)
		*count = p->platform_dirs.n;
	return (const char *const *)p->platform_dirs.items;
}

const char *sg_policy_host_status(const signet_policy *p)
{
	return p ? p->host_status : NULL;
}
