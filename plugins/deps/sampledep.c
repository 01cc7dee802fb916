/* SPDX-License-Identifier: MIT */
/* sampledep.c - libsampledep.so.1 (sampledep.h). */
#include "sampledep.h"

static int is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

void sampledep_title_case(const char *text, char *out)
{
	int in_word = 0;
	size_t i = 0;
	for (; text[i]; i++) {
		char c = text[i];
		if (is_letter(c)) {
			if (!in_word && c >= 'a' && c <= 'z')
				c = (char)(c - 'a' + 'A');
			else if (in_word && c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			in_word = 1;
		} else {
			in_word = c == '\'' && in_word;
		}
		out[i] = c;
	}
	out[i] = '\0';
}

const char *sampledep_version(void)
{
	return "libsampledep 1";
}
