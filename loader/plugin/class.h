/* SPDX-License-Identifier: MIT */
/*
 * class.h - a principal class descriptor, validated against its image.
 *
 * The descriptor is plugin data, so nothing in it is trusted until checked:
 * magic, version and struct sizes; every data pointer (names, encodings,
 * the protocol and method arrays) inside a readable segment of the image
 * itself, with each string NUL-terminated inside that segment; every code
 * pointer (init, fini, each method) inside an executable segment of it;
 * counts and the instance size under caps; method names unique C
 * identifiers; encodings that parse. A host reads nothing the checks did
 * not bound. Then conformance to a host's protocol and method lookup.
 * Pure over the mapped image; thread-safe once built.
 */
#ifndef SIGNET_PLUGIN_CLASS_H
#define SIGNET_PLUGIN_CLASS_H

#include <stddef.h>

#include <signet/guest.h>
#include <signet/image.h>
#include <signet/plugin.h>

#include "plugin/invoke.h"

#define SG_CLASS_MAX_METHODS 1024u
#define SG_CLASS_MAX_PROTOCOLS 64u
#define SG_CLASS_MAX_NAME 128u
#define SG_CLASS_MAX_INSTANCE_SIZE (16u * 1024u * 1024u)

typedef struct sg_class {
	const signet_class *desc;
	sg_signature *sigs;   /* one per method, parsed */
	size_t nmethods;
	void *owned;          /* a described class's heap copy (sg_class_from_description); NULL otherwise */
} sg_class;

/* A class as an isolated guest describes it: names and encodings only. */
typedef struct sg_class_text {
	const char *name;
	size_t nmethods;
	const char *const *method_names;
	const char *const *method_types;
	size_t nprotocols;
	const char *const *protocol_names;
	const uint32_t *protocol_versions;
} sg_class_text;

/*
 * A class from a description received from an isolated guest's process:
 * copied into the host's heap (every string bounded first) and held to
 * every rule sg_class_validate() applies that does not concern addresses
 * (names, uniqueness, encodings, caps); it has no code pointers, and a
 * call goes to the guest's process. SIGNET_E_CLASS_INVALID, SIGNET_E_NOMEM.
 */
int sg_class_from_description(sg_class *out, const sg_class_text *t, const char *expected_name, const char *path,
	signet_error **err);

/*
 * Validates `desc` (an address dlsym() gave for `expected_name` in `img`).
 * SIGNET_E_CLASS_INVALID naming `path`, the field and the rule;
 * SIGNET_E_NOMEM. `out` is written only on success.
 */
int sg_class_validate(sg_class *out, const signet_class *desc, const signet_image *img, const char *expected_name,
	const char *path, signet_error **err);
void sg_class_clear(sg_class *c);

/* The method's index, or -1. */
long sg_class_find_method(const sg_class *c, const char *name);

/* Does the class adopt `name` at `version`? */
bool sg_class_adopts(const sg_class *c, const char *name, uint32_t version);

/* signet_guest_conforms(), over a validated class. */
int sg_class_conforms(const sg_class *c, const signet_protocol *p, const char *path, signet_error **err);

#endif /* SIGNET_PLUGIN_CLASS_H */
