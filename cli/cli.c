/* SPDX-License-Identifier: MIT */
/* cli.c - the error style, option values, dates and JSON output both tools share. */
#include "config.h"

#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *program_name = "signet";

void cli_init(const char *program)
{
	program_name = program;
}

const char *cli_program(void)
{
	return program_name;
}

static void vreport(const char *command, const char *fmt, va_list ap)
{
	if (command)
		fprintf(stderr, "%s: %s: ", program_name, command);
	else
		fprintf(stderr, "%s: ", program_name);
	vfprintf(stderr, fmt, ap);
}

void cli_error(const char *command, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(command, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(command, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try '%s%s%s --help')\n", program_name, command ? " " : "", command ? command : "");
	return CLI_EXIT_USAGE;
}

int cli_option_error(const char *command, int c, char *const *argv, const struct option *longopts)
{
	/*
	 * getopt_long leaves optind past the offending argument, and optopt
	 * holding the short option (or a long option's `val`); a bad long
	 * option has optopt 0, so the argument itself is the best name.
	 */
	const char *arg = optind > 0 ? argv[optind - 1] : "?";
	if (c == ':') {
		if (optopt && optopt < 256 && (arg[0] != '-' || arg[1] != '-'))
			return cli_usage_error(command, "option '-%c' needs a value", optopt);
		for (const struct option *o = longopts; o && o->name; o++)
			if (o->val == optopt && !o->flag && o->has_arg != no_argument)
				return cli_usage_error(command, "option '--%s' needs a value", o->name);
		return cli_usage_error(command, "option '%s' needs a value", arg);
	}
	if (optopt && optopt < 256 && arg[0] == '-' && arg[1] != '-')
		return cli_usage_error(command, "unknown option '-%c'", optopt);
	/* A known flag given a value ("--json=1"): getopt_long says '?' with the flag's val in optopt. */
	for (const struct option *o = longopts; optopt && o && o->name; o++)
		if (o->val == optopt && !o->flag && o->has_arg == no_argument && strchr(arg, '='))
			return cli_usage_error(command, "option '--%s' takes no value", o->name);
	return cli_usage_error(command, "unknown option '%s'", arg);
}

bool cli_parse_ulong(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
	if (!text || text[0] < '0' || text[0] > '9')
		return false;
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno || !end || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

const char *cli_format_time(time_t t, char buf[CLI_TIME_SIZE])
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(buf, CLI_TIME_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(buf, "?");
	return buf;
}

int cli_json_print(const char *command, json_t *doc)
{
	if (!doc) {
		cli_error(command, "out of memory making the JSON output");
		return CLI_EXIT_FAILED;
	}
	int rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (rc != 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
		cli_error(command, "cannot write the JSON output: %s", strerror(errno));
		return CLI_EXIT_FAILED;
	}
	return CLI_EXIT_OK;
}

/* Days in `month` (1-12) of `year`, Gregorian. */
static int days_in_month(long year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

/* `n` decimal digits at `s`, nothing else. */
static bool digits(const char *s, int n, long *out)
{
	long v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool cli_parse_time(const char *text, long long *out)
{
	unsigned long secs;
	if (!text)
		return false;
	if (cli_parse_ulong(text, 0, CLI_TIME_MAX, &secs)) {
		*out = (long long)secs;
		return true;
	}
	/* Exactly YYYY-MM-DDTHH:MM:SSZ: no local time, no offset, no fraction to round. */
	long y, mo, d, h, mi, s;
	if (strlen(text) != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
	    text[16] != ':' || text[19] != 'Z' || !digits(text, 4, &y) || !digits(text + 5, 2, &mo) ||
	    !digits(text + 8, 2, &d) || !digits(text + 11, 2, &h) || !digits(text + 14, 2, &mi) ||
	    !digits(text + 17, 2, &s))
		return false;
	/* No leap seconds: Unix time has none, so :60 would silently become the next minute. */
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (int)mo) || h > 23 || mi > 59 || s > 59)
		return false;
	struct tm tm = { .tm_year = (int)(y - 1900), .tm_mon = (int)(mo - 1), .tm_mday = (int)d,
		.tm_hour = (int)h, .tm_min = (int)mi, .tm_sec = (int)s };
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || t < 0)
		return false;
	*out = (long long)t;
	return true;
}
