/* SPDX-License-Identifier: MIT */
/*
 * report.h - the public bundle report (signet_bundle_info), built from an
 * examination: preflight returns one, and each guest keeps the one its
 * load produced. Immutable once built; thread-safe to read.
 */
#ifndef SIGNET_BUNDLE_REPORT_H
#define SIGNET_BUNDLE_REPORT_H

#include <signet/bundle.h>

#include "bundle/examine.h"

/*
 * Builds a report from `x`, moving its reasons and dependencies out.
 * SIGNET_E_NOMEM; `*out` untouched on failure.
 */
int sg_bundle_info_build(signet_bundle_info **out, sg_examination *x);

/* The host's API version from text (NULL: SIGNET_HOST_API_DEFAULT);
 * SIGNET_E_INVALID_ARGUMENT unless MAJOR.MINOR.PATCH. */
int sg_host_api_parse(const char *text, sg_semver *out, signet_error **err);

#endif /* SIGNET_BUNDLE_REPORT_H */
