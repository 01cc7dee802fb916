/* SPDX-License-Identifier: MIT */
/* host.h - shared pieces of signet-host's commands. */
#ifndef SIGNET_HOST_H
#define SIGNET_HOST_H

#include <stdbool.h>
#include <stdio.h>

#include <signet/signet.h>

/* Exit codes, documented in docs/signet-host.md. */
enum host_exit {
	HOST_EXIT_OK = 0,
	HOST_EXIT_REFUSED = 1, /* the library refused or failed the operation */
	HOST_EXIT_USAGE = 2    /* bad command line */
};

/* Prints "signet-host: <what>: <message>" to stderr and returns HOST_EXIT_REFUSED. */
int host_report(const char *what, signet_error *err);

/* Global options, before the command. */
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

/* How a command verifies several files or bundles at once (--jobs). */
signet_many_options host_many_options(bool all_or_nothing);

/* The policy from the global options (exit code; 0 on success). */
int host_make_policy(signet_policy **out);

/* The plugin API version this host offers bundles (their host_api must admit it). */
#define HOST_API_VERSION "1.0.0"

/* One image record with its identity, as `load` prints it. */
void host_print_image(const signet_image *img);

/* "<prefix><message>" then check, expected and actual lines, when present. */
void host_print_refusal(FILE *to, const char *prefix, const signet_error *err);

/* A preflight report: one "key: value" line per field, then the verdict and reasons. */
void host_print_bundle_info(FILE *to, const signet_bundle_info *info);

/*
 * For commands taking exactly one operand: prints usage for --help (exit
 * 0) or a bad command line (exit 2) and returns that code; returns -1 when
 * argv[1] is the operand.
 */
int host_one_operand(int argc, char **argv, void (*usage)(FILE *to));

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
 * code (usage error, reported as "signet-host CMD: argument K: ..."); *out
 * is malloc'd on success (strings borrow the texts, or a stdin copy that
 * lives until exit).
 */
int host_parse_args(signet_value **out, const char *types, char **texts, size_t n, const char *cmd);

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
