/* SPDX-License-Identifier: MIT */
/* host_values.c - values from the command line and for the terminal, shared by run and call. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

#define HOST_MAX_INPUT (64u << 20)

char *host_read_stdin(size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 >= cap) {
			char *g = cap >= HOST_MAX_INPUT ? NULL : realloc(buf, cap * 2);
			if (!g) {
				free(buf);
				return NULL;
			}
			buf = g;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - 1 - n, stdin);
		n += got;
		if (got == 0)
			break;
	}
	if (buf && (ferror(stdin) || memchr(buf, '\0', n))) {
		free(buf);
		return NULL;
	}
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

int host_parse_args(signet_value **out, const char *types, char **texts, size_t n)
{
	signet_value *args = calloc(n ? n : 1, sizeof *args);
	if (!args)
		return HOST_EXIT_REFUSED;
	static char *input; /* standard input, read once for every "-"; lives until exit */
	for (size_t i = 0; i < n; i++) {
		char letter = types[i + 1];
		const char *text = texts[i];
		if (strcmp(text, "-") == 0 && (letter == SIGNET_TYPE_STRING || letter == SIGNET_TYPE_BUFFER)) {
			size_t len = 0;
			if (!input && !(input = host_read_stdin(&len))) {
				cli_error(host_command, "standard input is over 64 MiB, contains a NUL byte, or cannot be read");
				free(args);
				return HOST_EXIT_USAGE;
			}
			text = input;
		}
		signet_error *err = NULL;
		if (signet_value_parse(&args[i], letter, text, &err) != 0) {
			cli_error(host_command, "argument %zu: %s", i + 1, signet_error_message(err));
			signet_error_free(err);
			free(args);
			return HOST_EXIT_USAGE;
		}
	}
	*out = args;
	return HOST_EXIT_OK;
}

void host_print_value(const signet_value *v)
{
	if (v->type == SIGNET_TYPE_STRING && v->as.string) {
		size_t len = strlen(v->as.string);
		fputs(v->as.string, stdout);
		if (len == 0 || v->as.string[len - 1] != '\n')
			putchar('\n');
		return;
	}
	char small[256];
	size_t need = signet_value_format(v, small, sizeof small);
	if (need >= sizeof small) {
		char *big = malloc(need + 1);
		if (big) {
			signet_value_format(v, big, need + 1);
			fputs(big, stdout);
			free(big);
		}
	} else {
		fputs(small, stdout);
	}
	putchar('\n');
}
