/* SPDX-License-Identifier: MIT */
/*
 * rot13.c - the Rot13 sample plugin (org.signet.sample.rot13): class
 * Rot13Filter, protocol Filter 1. Letters are rotated by 13 places, every
 * other byte is kept, so applying the filter twice gives the text back.
 *
 * The same object is reused by the hostile samples (docs/plugins-samples.md):
 * Tampered, OtherTeam, Untrusted, Unsigned, Escape and NoClass.
 */
#include <string.h>

#include <signet/plugin.h>

#include "sample_buffer.h"

struct rot13 {
	sample_buffer out;
};

static char rotate(char c)
{
	if (c >= 'a' && c <= 'z')
		return (char)('a' + (c - 'a' + 13) % 26);
	if (c >= 'A' && c <= 'Z')
		return (char)('A' + (c - 'A' + 13) % 26);
	return c;
}

static const char *rot13_filter(void *self, const char *text)
{
	struct rot13 *r = self;
	if (!text)
		return NULL;
	size_t len = strlen(text);
	char *out = sample_buffer_reserve(&r->out, len);
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++)
		out[i] = rotate(text[i]);
	out[len] = '\0';
	return out;
}

static const char *rot13_name(void *self)
{
	(void)self;
	return "rot13";
}

static void rot13_fini(void *self)
{
	struct rot13 *r = self;
	sample_buffer_free(&r->out);
}

static const signet_method rot13_methods[] = {
	SIGNET_METHOD("filter", "**", rot13_filter),
	SIGNET_METHOD("name", "*", rot13_name),
};
static const signet_protocol_ref rot13_protocols[] = { { "Filter", 1 } };

SIGNET_CLASS(Rot13Filter, struct rot13, NULL, rot13_fini, rot13_protocols, rot13_methods);
