/* SPDX-License-Identifier: MIT */
/*
 * service.h - service names and their sockets: `TEAMID.reverse.dns.name`
 * under $XDG_RUNTIME_DIR/signet/services/, who may publish one, and the
 * checks on the path before it is bound or connected to.
 *
 * The team is everything before the first '.', a team ID without dots
 * (cms.h's alphabet); the rest is two or more labels of [A-Za-z0-9_-]. The
 * whole name is at most SIGNET_SERVICE_NAME_MAX bytes, so it is always one
 * path component. Pure functions plus file system calls; thread-safe.
 */
#ifndef SIGNET_CONNECTION_SERVICE_H
#define SIGNET_CONNECTION_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include <signet/connection.h>

/* True for a valid name; `team` (SIGNET_SERVICE_NAME_MAX + 1 bytes, may be NULL) gets its team. */
bool sg_service_name_parse(const char *name, char *team);

/* SIGNET_E_SERVICE_NAME naming the rule the name breaks. */
int sg_service_name_check(const char *name, char *team, signet_error **err)
	__attribute__((warn_unused_result));

/*
 * Binds and listens on `path` for a service: its directory is created
 * (0700) when missing and must be a directory this user owns that no one
 * else may write; a stale socket there (nobody listening) is replaced; a
 * live one, a symlink or any other file is refused. *fd gets the
 * listening socket (nonblocking, close-on-exec). SIGNET_E_SERVICE_NAME,
 * SIGNET_E_IO.
 */
int sg_service_bind(int *fd, const char *path, signet_error **err) __attribute__((warn_unused_result));

/*
 * Connects to `path` (blocking, close-on-exec). A path that is not a
 * socket (a symlink planted there included) is refused before connect():
 * SIGNET_E_SERVICE_NAME; nothing there or nobody listening: SIGNET_E_IO.
 */
int sg_service_connect(int *fd, const char *path, signet_error **err) __attribute__((warn_unused_result));

#endif /* SIGNET_CONNECTION_SERVICE_H */
