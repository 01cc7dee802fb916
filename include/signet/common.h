/* SPDX-License-Identifier: MIT */
/*
 * signet/common.h - export macro and attributes shared by every public header.
 *
 * Nothing here allocates or has state. Safe to include from C11 and C++.
 */
#ifndef SIGNET_COMMON_H
#define SIGNET_COMMON_H

#if defined(__GNUC__) || defined(__clang__)
#  define SIGNET_EXPORT __attribute__((visibility("default")))
#  define SIGNET_WARN_UNUSED __attribute__((warn_unused_result))
#  define SIGNET_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#else
#  define SIGNET_EXPORT
#  define SIGNET_WARN_UNUSED
#  define SIGNET_NONNULL(...)
#endif

#ifdef __cplusplus
#  define SIGNET_BEGIN_DECLS extern "C" {
#  define SIGNET_END_DECLS }
#else
#  define SIGNET_BEGIN_DECLS
#  define SIGNET_END_DECLS
#endif

#endif /* SIGNET_COMMON_H */
