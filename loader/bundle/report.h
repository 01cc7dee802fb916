/* SPDX-License-Identifier: MIT */
/*
 * report.h - the public bundle report (signet_bundle_info), built from an
 * examination: preflight returns one, and each guest keeps the one its
 * load produced; report_json.h reads and writes it as JSON. Immutable once
 * built; thread-safe to read.
 */
#ifndef SIGNET_BUNDLE_REPORT_H
#define SIGNET_BUNDLE_REPORT_H

#include <signet/bundle.h>

#include "bundle/examine.h"

struct signet_bundle_info {
	char *path, *identifier, *version, *executable, *principal_class, *host_api;
	char **protocol_names;
	unsigned *protocol_versions;
	size_t nprotocols;
	char **libraries;
	size_t nlibraries;
	char *team, *signing_identifier, *cdhash_hex;
	sg_dependencies deps;
	sg_error_list reasons;
	sg_provenance *prov;    /* a preflight's: what the verdict was made from; NULL otherwise */
};

/*
 * Builds a report from `x`, moving its reasons, dependencies and
 * provenance out.
 * SIGNET_E_NOMEM; `*out` untouched on failure.
 */
int sg_bundle_info_build(signet_bundle_info **out, sg_examination *x);

#endif /* SIGNET_BUNDLE_REPORT_H */
