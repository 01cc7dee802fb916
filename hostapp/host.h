/* SPDX-License-Identifier: MIT */
/* host.h - shared pieces of signet-host's commands. */
#ifndef SIGNET_HOST_H
#define SIGNET_HOST_H

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
} host_options;
extern host_options host_opts;

/* The policy from the global options (exit code; 0 on success). */
int host_make_policy(signet_policy **out);

/* One image record with its identity, as `load` prints it. */
void host_print_image(const signet_image *img);

int cmd_images(int argc, char **argv);
int cmd_load(int argc, char **argv);

#endif /* SIGNET_HOST_H */
