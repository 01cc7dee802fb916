/* SPDX-License-Identifier: MIT */
/* report.c - signet_bundle_info: what preflight found, as data. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bundle/report.h"
#include "codesign/identity_internal.h"

/* strdup that tolerates NULL and records failure. */
static char *dup(const char *s, bool *failed)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*failed = true;
	return d;
}

int sg_bundle_info_build(signet_bundle_info **out, sg_examination *x)
{
	signet_bundle_info *info = calloc(1, sizeof *info);
	if (!info)
		return SIGNET_E_NOMEM;
	bool failed = false;
	info->path = dup(x->bundle.tree.root, &failed);
	if (x->opened) {
		const sg_manifest *m = &x->bundle.manifest;
		info->identifier = dup(m->identifier, &failed);
		info->version = dup(m->version, &failed);
		info->executable = dup(m->executable, &failed);
		info->principal_class = dup(m->principal_class, &failed);
		info->host_api = dup(m->host_api, &failed);
		if (m->nprotocols) {
			info->protocol_names = calloc(m->nprotocols, sizeof *info->protocol_names);
			info->protocol_versions = calloc(m->nprotocols, sizeof *info->protocol_versions);
			failed |= !info->protocol_names || !info->protocol_versions;
			for (size_t i = 0; !failed && i < m->nprotocols; i++, info->nprotocols++) {
				info->protocol_names[i] = dup(m->protocols[i].name, &failed);
				info->protocol_versions[i] = m->protocols[i].version;
			}
		}
		if (m->nlibraries && !failed) {
			info->libraries = calloc(m->nlibraries, sizeof *info->libraries);
			failed |= !info->libraries;
			for (size_t i = 0; !failed && i < m->nlibraries; i++, info->nlibraries++)
				info->libraries[i] = dup(m->libraries[i], &failed);
		}
	}
	if (x->exe.identity) {
		const signet_identity *id = x->exe.identity;
		info->team = dup(id->team, &failed);
		info->signing_identifier = dup(id->identifier, &failed);
		info->cdhash_hex = dup(id->cdhash_hex, &failed);
	}
	if (failed) {
		signet_bundle_info_free(info);
		return SIGNET_E_NOMEM;
	}
	info->deps = x->deps;
	x->deps = (sg_dependencies){ 0 };
	info->reasons = x->reasons.list;
	x->reasons.list = (sg_error_list){ 0 };
	if (x->prov && x->deps_failed)
		x->prov->complete = false;
	info->prov = x->prov;
	x->prov = NULL;
	*out = info;
	return 0;
}

void signet_bundle_info_free(signet_bundle_info *info)
{
	if (!info)
		return;
	free(info->path);
	free(info->identifier);
	free(info->version);
	free(info->executable);
	free(info->principal_class);
	free(info->host_api);
	for (size_t i = 0; i < info->nprotocols; i++)
		free(info->protocol_names[i]);
	free(info->protocol_names);
	free(info->protocol_versions);
	for (size_t i = 0; i < info->nlibraries; i++)
		free(info->libraries[i]);
	free(info->libraries);
	free(info->team);
	free(info->signing_identifier);
	free(info->cdhash_hex);
	sg_dependencies_clear(&info->deps);
	sg_provenance_free(info->prov);
	for (size_t i = 0; i < info->reasons.n; i++)
		signet_error_free(info->reasons.items[i]);
	sg_array_clear(&info->reasons);
	free(info);
}

bool signet_bundle_info_ok(const signet_bundle_info *i) { return i && i->reasons.n == 0; }
const char *signet_bundle_info_path(const signet_bundle_info *i) { return i ? i->path : NULL; }
const char *signet_bundle_info_identifier(const signet_bundle_info *i) { return i ? i->identifier : NULL; }
const char *signet_bundle_info_version(const signet_bundle_info *i) { return i ? i->version : NULL; }
const char *signet_bundle_info_executable(const signet_bundle_info *i) { return i ? i->executable : NULL; }
const char *signet_bundle_info_principal_class(const signet_bundle_info *i) { return i ? i->principal_class : NULL; }
const char *signet_bundle_info_host_api(const signet_bundle_info *i) { return i ? i->host_api : NULL; }
size_t signet_bundle_info_protocol_count(const signet_bundle_info *i) { return i ? i->nprotocols : 0; }
size_t signet_bundle_info_library_count(const signet_bundle_info *i) { return i ? i->nlibraries : 0; }
const char *signet_bundle_info_team(const signet_bundle_info *i) { return i ? i->team : NULL; }
const char *signet_bundle_info_signing_identifier(const signet_bundle_info *i) { return i ? i->signing_identifier : NULL; }
const char *signet_bundle_info_cdhash_hex(const signet_bundle_info *i) { return i ? i->cdhash_hex : NULL; }
size_t signet_bundle_info_dependency_count(const signet_bundle_info *i) { return i ? i->deps.n : 0; }
size_t signet_bundle_info_reason_count(const signet_bundle_info *i) { return i ? i->reasons.n : 0; }

const char *signet_bundle_info_protocol_name(const signet_bundle_info *i, size_t k)
{
	return i && k < i->nprotocols ? i->protocol_names[k] : NULL;
}

unsigned signet_bundle_info_protocol_version(const signet_bundle_info *i, size_t k)
{
	return i && k < i->nprotocols ? i->protocol_versions[k] : 0;
}

const char *signet_bundle_info_library(const signet_bundle_info *i, size_t k)
{
	return i && k < i->nlibraries ? i->libraries[k] : NULL;
}

const char *signet_bundle_info_dependency_name(const signet_bundle_info *i, size_t k)
{
	return i && k < i->deps.n ? i->deps.items[k].name : NULL;
}

const char *signet_bundle_info_dependency_path(const signet_bundle_info *i, size_t k)
{
	return i && k < i->deps.n ? i->deps.items[k].path : NULL;
}

const char *signet_bundle_info_dependency_needed_by(const signet_bundle_info *i, size_t k)
{
	return i && k < i->deps.n ? i->deps.items[k].needed_by : NULL;
}

const char *signet_bundle_info_dependency_kind(const signet_bundle_info *i, size_t k)
{
	return i && k < i->deps.n ? sg_dep_kind_name(i->deps.items[k].kind) : NULL;
}

const signet_error *signet_bundle_info_reason(const signet_bundle_info *i, size_t k)
{
	return i && k < i->reasons.n ? i->reasons.items[k] : NULL;
}
