/* SPDX-License-Identifier: MIT */
/*
 * sampledep.h - libsampledep.so.1, the library the Deps sample bundles
 * next to its executable (lib/libsampledep.so.1, found through
 * RUNPATH $ORIGIN and signed by `signet sign --bundle`).
 */
#ifndef SAMPLEDEP_H
#define SAMPLEDEP_H

#include <stddef.h>

#define SAMPLEDEP_EXPORT __attribute__((visibility("default")))

/*
 * Title case: the first ASCII letter of every word upper case, the other
 * letters lower case; every other byte as it is. Writes strlen(text) + 1
 * bytes to `out`, which must have room for them.
 */
SAMPLEDEP_EXPORT void sampledep_title_case(const char *text, char *out);

/* "libsampledep 1": which library answered. */
SAMPLEDEP_EXPORT const char *sampledep_version(void);

#endif /* SAMPLEDEP_H */
