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

#endif /* SIGNET_BUNDLE_REPORT_H */
