/* SPDX-License-Identifier: MIT */
/*
 * report_json.h - a bundle report (signet_bundle_info) and the errors it
 * carries, as JSON and back: the schema docs/bundle-format.md gives ("The
 * report as JSON"). The preflight cache stores reports in it; tools that
 * print a report as JSON use the same writer, so there is one schema.
 *
 * Writing needs only the public accessors. Reading is strict, as for any
 * file a user can edit: every key present and known, each of its type,
 * strings and counts under hard limits, error codes by their names. The
 * report read back is field for field the one written, messages included.
 *
 * Ownership: the json_t and the report returned are the caller's. Pure;
 * thread-safe.
 */
#ifndef SIGNET_BUNDLE_REPORT_JSON_H
#define SIGNET_BUNDLE_REPORT_JSON_H

#include "core/export.h"
#include <jansson.h>

#include <signet/bundle.h>

/* Hard limits on what a report read back may hold. */
#define SG_REPORT_MAX_STRING (64u * 1024u) /* bytes of one string */
#define SG_REPORT_MAX_REASONS 8192u        /* an unsealed-file reason per entry of the largest bundle, and more */
#define SG_REPORT_MAX_DEPENDENCIES 4096u
#define SG_REPORT_MAX_CAUSES 16u           /* depth of an error's chain of causes */

/* The report as a JSON object; NULL when out of memory. */
SG_PRIVATE json_t *sg_bundle_info_to_json(const signet_bundle_info *info);

/* One error and its causes as a JSON object; NULL when out of memory. */
SG_PRIVATE json_t *sg_error_to_json(const signet_error *e);

/*
 * The report that `v` describes. `label` begins every message (the file
 * it came from). SIGNET_E_STATE_DAMAGED (check "bundle.report", the
 * message names the field, "reasons[1].cause.code", and the rule),
 * SIGNET_E_NOMEM. The report carries no provenance: it says what a
 * preflight found, not what from.
 */
int sg_bundle_info_from_json(signet_bundle_info **out, json_t *v, const char *label, signet_error **err)
	__attribute__((warn_unused_result));

/* The error that `v` describes; `where` names it in messages. Codes as above. */
int sg_error_from_json(signet_error **out, json_t *v, const char *label, const char *where,
	signet_error **err) __attribute__((warn_unused_result));

#endif /* SIGNET_BUNDLE_REPORT_JSON_H */
