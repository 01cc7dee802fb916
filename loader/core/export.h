/* SPDX-License-Identifier: MIT */
/*
 * export.h - SG_PRIVATE: an internal function that libsignet.so exports
 * to Signet's own tools, as glibc does with GLIBC_PRIVATE.
 *
 * `signet` links libsignet.so.0 like any client, but signing needs the
 * writing side of the format and a few internals the public API does not
 * offer. Those functions are marked SG_PRIVATE here and listed by name in
 * the SIGNET_PRIVATE node of loader/libsignet.map: they are declared in no
 * public header, carry the sg_ prefix, and are no API: they may change in
 * any release, so whatever links them must come from the same build
 * (docs/conventions.md, "Private exports"). Everything else stays hidden
 * (-fvisibility=hidden); a name in the map without SG_PRIVATE on its
 * declaration is not exported, and tests/core/exports.sh fails.
 */
#ifndef SIGNET_CORE_EXPORT_H
#define SIGNET_CORE_EXPORT_H

#define SG_PRIVATE __attribute__((visibility("default")))

#endif /* SIGNET_CORE_EXPORT_H */
