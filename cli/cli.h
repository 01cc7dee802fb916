/* SPDX-License-Identifier: MIT */
/*
 * cli.h - what the command-line tools (`signet`, `signet-host`) share: one
 * error style, the usage exit code, option values, dates, JSON output.
 *
 * Every message on stderr reads "PROGRAM: COMMAND: MESSAGE" (or
 * "PROGRAM: MESSAGE" before a command is known), so scripts and users can
 * tell which tool and which command spoke. Usage errors exit 2 in both tools.
 *
 * Thread-safety: none needed; the tools call these from main's thread. The
 * program name given to cli_init() must outlive every other call (a string
 * literal).
 */
#ifndef SIGNET_CLI_H
#define SIGNET_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

/* Exit codes both tools share (each tool adds its own above 2). */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILED = 1, /* refused, invalid or failed */
	CLI_EXIT_USAGE = 2   /* a bad command line */
};

/* Sets the program name every message starts with ("signet", "signet-host"). */
void cli_init(const char *program);
const char *cli_program(void);

/* "PROGRAM: COMMAND: MESSAGE\n" on stderr; COMMAND NULL leaves it out. */
void cli_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A usage error: the message, then "(try 'PROGRAM [COMMAND] --help')".
 * Returns CLI_EXIT_USAGE, so a caller can `return cli_usage_error(...)`.
 */
int cli_usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * What getopt_long() returned '?' or ':' for, named: the whole argument for
 * an unknown option ("unknown option '--anchorz=x'"), the option for a
 * missing value ("option '--anchors' needs a value") or for a value given
 * to an option that takes none ("option '--json' takes no value"). Call with opterr = 0
 * and an optstring starting with ':'; `c` is getopt_long's return value.
 * Returns CLI_EXIT_USAGE.
 */
int cli_option_error(const char *command, int c, char *const *argv, const struct option *longopts);

/*
 * A whole decimal number from min to max: no sign, no spaces, no trailing
 * text, no overflow. False otherwise (*out untouched).
 */
bool cli_parse_ulong(const char *text, unsigned long min, unsigned long max, unsigned long *out);

/* "2026-12-07T04:03:50Z": ISO 8601, UTC, to the second. "?" if t cannot be shown. */
#define CLI_TIME_SIZE 32
const char *cli_format_time(time_t t, char buf[CLI_TIME_SIZE]);

/*
 * Writes a JSON document to stdout: two-space indent, keys in the order
 * they were added (the documented order), a final newline. Takes ownership
 * of `doc` (NULL: an allocation failed). Returns CLI_EXIT_OK, or
 * CLI_EXIT_FAILED after an error message when it could not be written.
 */
int cli_json_print(const char *command, json_t *doc);

/*
 * A point in time given on a command line (`--at`): Unix seconds (0 to
 * CLI_TIME_MAX, a whole number as cli_parse_ulong takes it) or ISO 8601 UTC
 * to the second, exactly "2026-12-07T04:03:50Z" (no other zone, no
 * fraction, no leap second, a real calendar day, from 1970). False for
 * anything else (*out untouched). The largest is 9999-12-31T23:59:59Z, the
 * last time cli_format_time() can show in that form.
 */
#define CLI_TIME_MAX 253402300799UL
bool cli_parse_time(const char *text, long long *out);

#endif /* SIGNET_CLI_H */
