/* SPDX-License-Identifier: MIT */
/*
 * wordcount.c - the WordCount sample plugin (org.signet.sample.wordcount):
 * class WordCountFilter, protocol Filter 1. Its filter answers like wc(1):
 * "<lines> <words> <bytes>\n", where a line is a '\n' and a word is a run
 * of bytes other than space, tab, newline, carriage return, vertical tab
 * and form feed.
 */
#include <stdio.h>
#include <string.h>

#include <signet/plugin.h>

#include "sample_buffer.h"

struct wordcount {
	sample_buffer out;
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static const char *wordcount_filter(void *self, const char *text)
{
	struct wordcount *w = self;
	if (!text)
		return NULL;
	unsigned long long lines = 0, words = 0, bytes = 0;
	int in_word = 0;
	for (const char *p = text; *p; p++) {
		bytes++;
		if (*p == '\n')
			lines++;
		if (is_blank(*p)) {
			in_word = 0;
		} else if (!in_word) {
			in_word = 1;
			words++;
		}
	}
	/* Three 20-digit numbers, two spaces, a newline. */
	char *out = sample_buffer_reserve(&w->out, 64);
	if (!out)
		return NULL;
	snprintf(out, 65, "%llu %llu %llu\n", lines, words, bytes);
	return out;
}

static const char *wordcount_name(void *self)
{
	(void)self;
	return "wordcount";
}

static void wordcount_fini(void *self)
{
	struct wordcount *w = self;
	sample_buffer_free(&w->out);
}

static const signet_method wordcount_methods[] = {
	SIGNET_METHOD("filter", "**", wordcount_filter),
	SIGNET_METHOD("name", "*", wordcount_name),
};
static const signet_protocol_ref wordcount_protocols[] = { { "Filter", 1 } };

SIGNET_CLASS(WordCountFilter, struct wordcount, NULL, wordcount_fini, wordcount_protocols, wordcount_methods);
