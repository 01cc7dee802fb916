/* SPDX-License-Identifier: MIT */
/* version.c - the library's version string. */
#include "config.h"

#include <signet/signet.h>

const char *signet_version(void) { return PACKAGE_VERSION; }
