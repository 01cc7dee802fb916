/* SPDX-License-Identifier: MIT */
/*
 * signet/bundle.h - plugin bundles and preflight.
 *
 * A bundle is a directory with a manifest.json, a signed main executable
 * whose signature seals the manifest and a resource seal over every other
 * file, optional signed libraries, and resources (docs/bundle-format.md).
 *
 * signet_preflight() answers "would this bundle load, and what is it?"
 * without running one instruction of it: it never calls dlopen(), so no
 * constructor, IFUNC resolver or init_array of the plugin or its
 * dependencies runs. It checks the manifest (schema, limits, paths), the
 * layout (no symlink leaving the bundle, no unsealed file), the executable's
 * ELF structure, its full signature and the policy, the seals, each bundled
 * library, the dependency closure, that the principal class is an exported
 * data object of a class descriptor's size inside a loadable segment, and
 * that the bundle's host_api admits the host's version. Unlike loading, it
 * goes on after a refusal and reports every reason it can find.
 *
 * Ownership: a signet_bundle_info comes from signet_preflight() (or from a
 * guest, see signet/guest.h, which owns that one) and is freed with
 * signet_bundle_info_free(). Strings and errors returned by the accessors
 * belong to it. Thread-safety: preflights of different bundles may run
 * concurrently; a report is immutable. signet_preflight_many() starts and
 * joins its own worker threads (which block every signal); it runs none of
 * the bundles' code either.
 */
#ifndef SIGNET_BUNDLE_H
#define SIGNET_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/common.h>
#include <signet/error.h>
#include <signet/loader.h>
#include <signet/policy.h>

SIGNET_BEGIN_DECLS

/* The host API version assumed when a host names none. */
#define SIGNET_HOST_API_DEFAULT "1.0.0"

typedef struct signet_bundle_info signet_bundle_info;

/*
 * Preflights the bundle at `path` under `policy` (NULL: the process
 * default, as signet_load()) for a host whose plugin API version is
 * `host_api` ("MAJOR.MINOR.PATCH"; NULL: SIGNET_HOST_API_DEFAULT).
 *
 * Returns 0 when the bundle would load. Otherwise the code of the first
 * reason (every reason is in the report), and `*err` gets that reason:
 * SIGNET_E_BUNDLE_INVALID, SIGNET_E_MANIFEST_INVALID,
 * SIGNET_E_BUNDLE_UNSEALED, SIGNET_E_SEAL_MISMATCH,
 * SIGNET_E_PRINCIPAL_CLASS, SIGNET_E_HOST_API, any code signet_load()
 * returns before mapping (verification, policy, dependencies), or
 * SIGNET_E_INVALID_ARGUMENT, SIGNET_E_NOMEM. `*out` receives the report
 * whenever the bundle could be examined at all (it may be NULL to skip it).
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_preflight(signet_bundle_info **out, const char *path, const signet_policy *policy,
	const char *host_api, signet_error **err);

SIGNET_EXPORT void signet_bundle_info_free(signet_bundle_info *info);

/* One bundle's outcome in signet_preflight_many(). */
typedef struct signet_preflight_result {
	signet_bundle_info *info; /* the report, as signet_preflight() gives it (or NULL); the caller frees it */
	int code;                 /* what signet_preflight() would have returned */
	signet_error *error;      /* its first reason when `code` is not 0 (the caller frees it), else NULL */
} signet_preflight_result;

/*
 * Preflights the `count` bundles of `paths` on several threads (`opts`:
 * the worker count; NULL: one per online CPU; all_or_nothing is for loads
 * and refused here) and writes one result per bundle to `results[i]`, in
 * input order: exactly what signet_preflight(&info, paths[i], policy,
 * host_api, &error) would have given, field for field (a NULL or empty
 * path: SIGNET_E_INVALID_ARGUMENT for that index alone). Each verification
 * hashes on one core while the others run.
 *
 * Returns 0 when every bundle would load (also for count 0); otherwise the
 * code of the first refused index, with a copy of its error in `*err`.
 * When the call itself is refused (SIGNET_E_INVALID_ARGUMENT: a NULL
 * `results` or `paths` with a count, bad options or host_api;
 * SIGNET_E_POLICY_INVALID: no usable default policy; SIGNET_E_NOMEM),
 * `*err` gets the reason and every result carries that code, a copy of it
 * and no report.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_preflight_many(signet_preflight_result *results,
	const char *const *paths, size_t count, const signet_policy *policy, const char *host_api,
	const signet_many_options *opts, signet_error **err);

/* True when the bundle would load (no reasons). */
SIGNET_EXPORT bool signet_bundle_info_ok(const signet_bundle_info *info);

/* The bundle directory's real path. */
SIGNET_EXPORT const char *signet_bundle_info_path(const signet_bundle_info *info);

/* Manifest fields; NULL when the manifest could not be read. */
SIGNET_EXPORT const char *signet_bundle_info_identifier(const signet_bundle_info *info);
SIGNET_EXPORT const char *signet_bundle_info_version(const signet_bundle_info *info);
SIGNET_EXPORT const char *signet_bundle_info_executable(const signet_bundle_info *info);
SIGNET_EXPORT const char *signet_bundle_info_principal_class(const signet_bundle_info *info);
SIGNET_EXPORT const char *signet_bundle_info_host_api(const signet_bundle_info *info);
SIGNET_EXPORT size_t signet_bundle_info_protocol_count(const signet_bundle_info *info);
SIGNET_EXPORT const char *signet_bundle_info_protocol_name(const signet_bundle_info *info, size_t index);
SIGNET_EXPORT unsigned signet_bundle_info_protocol_version(const signet_bundle_info *info, size_t index);
SIGNET_EXPORT size_t signet_bundle_info_library_count(const signet_bundle_info *info);
SIGNET_EXPORT const char *signet_bundle_info_library(const signet_bundle_info *info, size_t index);

/* The executable's verified identity; NULL when its signature did not verify. */
SIGNET_EXPORT const char *signet_bundle_info_team(const signet_bundle_info *info);
SIGNET_EXPORT const char *signet_bundle_info_signing_identifier(const signet_bundle_info *info);
SIGNET_EXPORT const char *signet_bundle_info_cdhash_hex(const signet_bundle_info *info);

/*
 * The dependency closure as resolved: for each DT_NEEDED met (the bundle's
 * and, transitively, its signed dependencies'), who needs it, the soname,
 * the file that satisfies it, and how: "loaded" (already in the process),
 * "signed" (found through RUNPATH/RPATH, verified) or "platform".
 */
SIGNET_EXPORT size_t signet_bundle_info_dependency_count(const signet_bundle_info *info);
SIGNET_EXPORT const char *signet_bundle_info_dependency_name(const signet_bundle_info *info, size_t index);
SIGNET_EXPORT const char *signet_bundle_info_dependency_path(const signet_bundle_info *info, size_t index);
SIGNET_EXPORT const char *signet_bundle_info_dependency_needed_by(const signet_bundle_info *info, size_t index);
SIGNET_EXPORT const char *signet_bundle_info_dependency_kind(const signet_bundle_info *info, size_t index);

/* Every reason the bundle would be refused, in the order found. */
SIGNET_EXPORT size_t signet_bundle_info_reason_count(const signet_bundle_info *info);
SIGNET_EXPORT const signet_error *signet_bundle_info_reason(const signet_bundle_info *info, size_t index);

/*
 * The report as JSON text: one object in the schema docs/bundle-format.md
 * gives ("The report as JSON"), the one the preflight cache stores and the
 * tools print (`signet-host preflight --json`); compact, UTF-8, without a
 * final newline. *out is malloc'd; the caller frees it with free().
 * SIGNET_E_INVALID_ARGUMENT (`info` NULL), SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_bundle_info_to_json(char **out, const signet_bundle_info *info,
	signet_error **err);

/* One error and its causes as JSON text, the schema of a report's reasons; as above. */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_error_to_json(char **out, const signet_error *e, signet_error **err);

SIGNET_END_DECLS

#endif /* SIGNET_BUNDLE_H */
