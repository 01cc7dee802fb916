/* SPDX-License-Identifier: MIT */
/* host.h - shared pieces of signet-host's commands. */
#ifndef SIGNET_HOST_H
#define SIGNET_HOST_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <signet/signet.h>

#include "cli/cli.h"

/* Exit codes, documented in docs/signet-host.md (the tools' shared ones, cli/cli.h). */
enum host_exit {
	HOST_EXIT_OK = CLI_EXIT_OK,
	HOST_EXIT_REFUSED = CLI_EXIT_FAILED, /* the library refused or failed the operation */
	HOST_EXIT_USAGE = CLI_EXIT_USAGE,    /* bad command line */
	/* Never an exit code: what host_parse_global() found instead of a command. */
	HOST_EXIT_HELP = 100,
	HOST_EXIT_VERSION = 101
};

/* The command running ("list"), for every message: "signet-host: list: ...". NULL before one is known. */
extern const char *host_command;

/*
 * Prints "signet-host: COMMAND: MESSAGE" (the error's message alone) to
 * stderr, frees `err` and returns HOST_EXIT_REFUSED.
 */
int host_report(signet_error *err);

/*
 * A refusal on stderr: "signet-host: COMMAND: refused: MESSAGE", then the
 * check, expected and actual values as indented continuation lines.
 */
void host_report_refusal(const signet_error *err);

/* Global options: before or after the command (host_args.c). */
typedef struct host_options {
	const char *anchors;
	const char *requirement;
	const char *policy;
	bool isolate;              /* --isolate: every guest in its own process */
	const char *guest_helper;  /* --guest-helper */
	unsigned long call_timeout_ms; /* --call-timeout: an isolated guest's deadline per call; 0: the policy's */
	unsigned jobs;             /* --jobs: files or bundles verified at once; 0: one per online CPU */
	bool no_cache;             /* --no-cache: preflight without the preflight cache */
} host_options;
extern host_options host_opts;

/*
 * How a command is parsed: its own long options (their `val` handed to
 * on_option with the value; 0 to go on, an exit code after reporting, -1
 * for "not mine"), besides the global ones and -h/--help, which print
 * `usage` to stdout. `operands` names them for "missing ..." messages.
 */
typedef struct host_command_spec {
	const char *name;
	void (*usage)(FILE *to);
	const struct option *options; /* NULL-terminated; NULL: none of its own */
	int (*on_option)(int c, const char *value, void *payload);
	void *payload;
	bool stop_at_operand; /* options end at the first operand (what follows is handed on) */
	size_t min_operands, max_operands;
	const char *operands; /* "BUNDLE", "DIR", ... */
} host_command_spec;
#define HOST_ANY SIZE_MAX

/*
 * Parses a command's argv (argv[0] is its name) by `spec`, global options
 * anywhere (before the first operand only with stop_at_operand), `--`
 * ending them. Returns -1 and the first operand's index in *first, or the
 * exit code to end with: 0 after --help, 2 after a usage error (reported
 * as "signet-host: COMMAND: ...", with the option named).
 */
int host_parse(const host_command_spec *spec, int argc, char **argv, int *first);

/* The flags some commands take (--json, list's --stats): on_option for them, payload a host_flags. */
typedef struct host_flags {
	bool json, stats;
} host_flags;
#define HOST_OPT_JSON 'j'
#define HOST_OPT_STATS 's'
int host_flag_option(int c, const char *value, void *payload);

/*
 * main's options before the command: -1 and the command's index in
 * *command_at, HOST_EXIT_HELP or HOST_EXIT_VERSION, or a usage error's exit
 * code (reported).
 */
int host_parse_global(int argc, char **argv, int *command_at);

/* How a command verifies several files or bundles at once (--jobs). */
signet_many_options host_many_options(bool all_or_nothing);

/* The policy from the global options (exit code; 0 on success). */
int host_make_policy(signet_policy **out);

/* The plugin API version this host offers bundles (their host_api must admit it). */
#define HOST_API_VERSION "1.0.0"

/* One image record with its identity, as `load` prints it. */
void host_print_image(const signet_image *img);

/* "<prefix><message>" then check, expected and actual lines, indented, when present. */
void host_print_refusal(FILE *to, const char *prefix, const signet_error *err);

/* JSON text a library call made (signet_bundle_info_to_json()...) as a json_t; NULL when out of memory. */
json_t *host_json_parse(char *text);

/* A preflight report: one "key: value" line per field, then the verdict and reasons. */
void host_print_bundle_info(FILE *to, const signet_bundle_info *info);

/* A guest host made from the global options. */
typedef struct host_session {
	signet_policy *policy;
	signet_host *host;
} host_session;

/* Exit code: 0, or the failure already reported on stderr. */
int host_open(host_session *s);
void host_close(host_session *s);

/* Loads a bundle as a guest; a refusal is printed with its reason (exit code 1). */
int host_load_guest(host_session *s, const char *bundle, signet_guest_id *g);

/*
 * Loads `n` bundles as guests (signet_host_load_bundles(): examined in
 * parallel, added in order), guests[i] getting each handle (0 when
 * refused). Each refusal is printed with its reason, in order; all or
 * nothing, only the refusals that caused it. Exit code 1 when any was
 * refused.
 */
int host_load_guests(host_session *s, char *const *bundles, size_t n, bool all_or_nothing, signet_guest_id *guests);

/* Standard input whole (at most 64 MiB, NUL-terminated, *len without the NUL), or NULL. */
char *host_read_stdin(size_t *len);

/*
 * Parses `n` texts by the parameter letters of `types` (its first letter is
 * the return type); "-" for a string or buffer reads standard input. Exit
 * code (usage error, reported as "signet-host: COMMAND: argument K: ..."); *out
 * is malloc'd on success (strings borrow the texts, or a stdin copy that
 * lives until exit).
 */
int host_parse_args(signet_value **out, const char *types, char **texts, size_t n);

/* A result as people read it: a string as it is (plus a newline unless it ends in one), else formatted. */
void host_print_value(const signet_value *v);

/* The Filter protocol text filters adopt: filter(string) -> string. */
extern const signet_protocol host_filter_protocol;

int cmd_images(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_pipe(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_preflight(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_call(int argc, char **argv);
int cmd_quarantine(int argc, char **argv);

/*
 * The preflight cache for `list` (host_cache.c): NULL with --no-cache or
 * when it cannot be opened (one warning on stderr, once).
 * host_preflight_many() preflights through it (the misses in parallel,
 * `opts`), or without it when NULL; host_cache_close() saves
 * it (a failure is the same one warning), prints its counts to stderr with
 * `stats`, and frees it.
 */
signet_preflight_cache *host_cache_open(const signet_policy *policy);
int host_preflight_many(signet_preflight_cache *c, signet_preflight_result *results, const char *const *paths,
	size_t n, const signet_policy *policy, const signet_many_options *opts);
void host_cache_close(signet_preflight_cache *c, bool stats);

/* 64 hex digits (either case) into a cdhash: 0, or -1 when `hex` is not that. */
int host_parse_cdhash(uint8_t out[SIGNET_QUARANTINE_CDHASH_SIZE], const char *hex);

#endif /* SIGNET_HOST_H */
