/* SPDX-License-Identifier: MIT */
/*
 * version.h - the order `manifest[key] < "1.2"` and friends compare by.
 *
 * Both strings are split at '.' into components, compared left to right;
 * the first difference decides. Two components that are both non-empty
 * runs of digits compare as numbers of any length ("10" > "9", "007" = "7");
 * otherwise they compare as byte strings ("beta" > "alpha", "10" < "9a").
 * The shorter version is padded with "0" components, so "1.2" = "1.2.0".
 * Linear in the lengths; no overflow on long numbers.
 */
#ifndef SIGNET_REQUIREMENT_VERSION_H
#define SIGNET_REQUIREMENT_VERSION_H

/* <0, 0 or >0 as a orders before, with, or after b. */
int sg_req_version_compare(const char *a, const char *b);

#endif /* SIGNET_REQUIREMENT_VERSION_H */
