/* SPDX-License-Identifier: MIT */
/*
 * manifest.h - a bundle's manifest.json: strict parsing and validation.
 *
 * The schema and its limits are in docs/bundle-format.md. Parsing takes
 * bytes (the caller reads the file, refusing it over SG_MANIFEST_MAX_SIZE
 * first) and yields a validated struct; nothing here touches the file
 * system, so path rules are checked as text: relative, no `..` or `.`
 * components, no empty components, no backslashes, a restricted alphabet.
 * That every path also stays inside the bundle on disk (symlinks) is the
 * bundle reader's job. Pure; thread-safe.
 */
#ifndef SIGNET_BUNDLE_MANIFEST_H
#define SIGNET_BUNDLE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include <signet/error.h>

#define SG_MANIFEST_MAX_SIZE (64u * 1024u)
#define SG_MANIFEST_MAX_STRING 1024u
#define SG_MANIFEST_MAX_PROTOCOLS 64u
#define SG_MANIFEST_MAX_LIBRARIES 64u
#define SG_MANIFEST_MAX_NAME 128u

typedef struct sg_semver {
	unsigned major, minor, patch;
} sg_semver;

typedef struct sg_protocol_ref {
	char *name;
	unsigned version;
} sg_protocol_ref;

/* One comparator of host_api: op is one of "=", ">=", ">", "<=", "<". */
typedef struct sg_api_bound {
	char op[3];
	sg_semver version;
} sg_api_bound;

typedef struct sg_manifest {
	char *identifier;
	char *version;          /* as written; parsed into `semver` */
	sg_semver semver;
	char *executable;       /* a path inside the bundle */
	char *principal_class;  /* a C identifier: the exported descriptor's name */
	sg_protocol_ref *protocols;
	size_t nprotocols;
	char *host_api;         /* as written; parsed into `bounds` */
	sg_api_bound bounds[2];
	size_t nbounds;
	char **libraries;       /* paths inside the bundle */
	size_t nlibraries;
} sg_manifest;

/*
 * Parses and validates `len` bytes of manifest.json. Errors:
 * SIGNET_E_MANIFEST_INVALID (naming `path`, the field and the rule, with
 * line and column for JSON syntax), SIGNET_E_LIMIT (over a limit),
 * SIGNET_E_NOMEM. `out` is written only on success.
 */
int sg_manifest_parse(sg_manifest *out, const char *bytes, size_t len, const char *path, signet_error **err);
void sg_manifest_clear(sg_manifest *m);

/* A relative path that names something inside the bundle, textually. */
bool sg_manifest_path_is_safe(const char *path);

/* Parses exactly "MAJOR.MINOR.PATCH" (each 0..65535, no leading zeros). */
bool sg_semver_parse(const char *s, sg_semver *v);

/* Does the manifest's host_api range admit host API `v`? */
bool sg_manifest_accepts_host_api(const sg_manifest *m, sg_semver v);

#endif /* SIGNET_BUNDLE_MANIFEST_H */
