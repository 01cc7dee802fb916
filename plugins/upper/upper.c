/* SPDX-License-Identifier: MIT */
/*
 * upper.c - the Upper sample plugin (org.signet.sample.upper): class
 * UpperFilter, protocol Filter 1, plus `repeat` ("**i": a string and an
 * int32 count) to show typed arguments from `signet-host`.
 */
#include <stdint.h>
#include <string.h>

#include <signet/plugin.h>

#include "sample_buffer.h"

/* The most `repeat` will build: a sample, not a memory exhaustion test. */
#define UPPER_REPEAT_MAX (1u << 20)

struct upper {
	sample_buffer out;
};

static const char *upper_filter(void *self, const char *text)
{
	struct upper *u = self;
	if (!text)
		return NULL;
	size_t len = strlen(text);
	char *out = sample_buffer_reserve(&u->out, len);
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		out[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
	}
	out[len] = '\0';
	return out;
}

/* `text` `count` times; a negative count is zero; NULL when it would be too long. */
static const char *upper_repeat(void *self, const char *text, int32_t count)
{
	struct upper *u = self;
	if (!text)
		return NULL;
	size_t len = strlen(text);
	size_t n = count > 0 ? (size_t)count : 0;
	if (len && n > UPPER_REPEAT_MAX / len)
		return NULL;
	char *out = sample_buffer_reserve(&u->out, len * n);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++)
		memcpy(out + i * len, text, len);
	out[len * n] = '\0';
	return out;
}

static const char *upper_name(void *self)
{
	(void)self;
	return "upper";
}

static void upper_fini(void *self)
{
	struct upper *u = self;
	sample_buffer_free(&u->out);
}

static const signet_method upper_methods[] = {
	SIGNET_METHOD("filter", "**", upper_filter),
	SIGNET_METHOD("name", "*", upper_name),
	SIGNET_METHOD("repeat", "**i", upper_repeat),
};
static const signet_protocol_ref upper_protocols[] = { { "Filter", 1 } };

SIGNET_CLASS(UpperFilter, struct upper, NULL, upper_fini, upper_protocols, upper_methods);
