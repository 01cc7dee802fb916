/* SPDX-License-Identifier: MIT */
/*
 * deps.c - the Deps sample plugin (org.signet.sample.deps): class
 * DepsFilter, protocol Filter 1. The work is done by its own bundled
 * library, lib/libsampledep.so.1 (DT_NEEDED, found through
 * RUNPATH $ORIGIN), which the manifest lists so it is signed and verified
 * as part of the bundle.
 *
 *   filter   "**"  the text in title case ("hello world" -> "Hello World")
 *   name     "*"   "deps"
 *   library  "*"   what the bundled library says it is
 */
#include <string.h>

#include <signet/plugin.h>

#include "sample_buffer.h"
#include "sampledep.h"

struct deps {
	sample_buffer out;
};

static const char *deps_filter(void *self, const char *text)
{
	struct deps *d = self;
	if (!text)
		return NULL;
	char *out = sample_buffer_reserve(&d->out, strlen(text));
	if (!out)
		return NULL;
	sampledep_title_case(text, out);
	return out;
}

static const char *deps_name(void *self)
{
	(void)self;
	return "deps";
}

static const char *deps_library(void *self)
{
	(void)self;
	return sampledep_version();
}

static void deps_fini(void *self)
{
	struct deps *d = self;
	sample_buffer_free(&d->out);
}

static const signet_method deps_methods[] = {
	SIGNET_METHOD("filter", "**", deps_filter),
	SIGNET_METHOD("name", "*", deps_name),
	SIGNET_METHOD("library", "*", deps_library),
};
static const signet_protocol_ref deps_protocols[] = { { "Filter", 1 } };

SIGNET_CLASS(DepsFilter, struct deps, NULL, deps_fini, deps_protocols, deps_methods);
