/* SPDX-License-Identifier: MIT */
/*
 * signet/signet.h - everything public in libsignet, in one include.
 *
 * Link with `pkg-config --cflags --libs signet`. Each module header states
 * its own ownership and thread-safety rules.
 */
#ifndef SIGNET_SIGNET_H
#define SIGNET_SIGNET_H

#include <signet/common.h>
#include <signet/error.h>
#include <signet/image.h>
#include <signet/registry.h>
#include <signet/loader.h>
#include <signet/signature.h>
#include <signet/requirement.h>
#include <signet/policy.h>
#include <signet/bundle.h>
#include <signet/value.h>
#include <signet/guest.h>
#include <signet/process.h>
#include <signet/connection.h>
#include <signet/quarantine.h>
#include <signet/preflight_cache.h>

SIGNET_BEGIN_DECLS

/* The library's version, "MAJOR.MINOR.PATCH". */
SIGNET_EXPORT const char *signet_version(void);

SIGNET_END_DECLS

#endif /* SIGNET_SIGNET_H */
