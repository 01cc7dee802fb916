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

int cmd_images(int argc, char **argv);

#endif /* SIGNET_HOST_H */
