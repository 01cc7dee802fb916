/* SPDX-License-Identifier: MIT */
/* service.c - service names, where their sockets live, binding and connecting safely. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cms/cms.h"
#include "connection/service.h"
#include "core/error_internal.h"

static bool label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool sg_service_name_parse(const char *name, char *team)
{
	if (!name)
		return false;
	size_t len = strlen(name);
	const char *dot = strchr(name, '.');
	if (len == 0 || len > SIGNET_SERVICE_NAME_MAX || !dot || dot == name)
		return false;
	char t[SIGNET_SERVICE_NAME_MAX + 1];
	memcpy(t, name, (size_t)(dot - name));
	t[dot - name] = '\0';
	if (!sg_team_id_valid(t))
		return false;
	/* At least two non-empty labels after the team: a reverse-DNS name. */
	size_t labels = 0, run = 0;
	for (const char *p = dot + 1;; p++) {
		if (*p == '.' || *p == '\0') {
			if (run == 0)
				return false;
			labels++;
			run = 0;
			if (*p == '\0')
				break;
		} else if (label_char(*p)) {
			run++;
		} else {
			return false;
		}
	}
	if (labels < 2)
		return false;
	if (team)
		memcpy(team, t, strlen(t) + 1);
	return true;
}

int sg_service_name_check(const char *name, char *team, signet_error **err)
{
	if (sg_service_name_parse(name, team))
		return 0;
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SERVICE_NAME, .check = "service.name",
		.expected = "TEAMID.reverse.dns.name", .actual = name ? name : "(null)" },
		"\"%.*s\" is not a service name: TEAMID.reverse.dns.name, a team ID without dots, then two or more "
		"labels of A-Z a-z 0-9 _ -, at most %d bytes", 80, name ? name : "(null)", SIGNET_SERVICE_NAME_MAX);
}

int signet_service_path(char **out, const char *name, signet_error **err)
{
	if (!out)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_service_path needs an output");
	int rc = sg_service_name_check(name, NULL, err);
	if (rc)
		return rc;
	/* secure_getenv: a setuid program must not be pointed at another user's directory. */
	const char *runtime = secure_getenv("XDG_RUNTIME_DIR");
	char *path = NULL;
	int n;
	if (runtime && runtime[0] == '/')
		n = asprintf(&path, "%s/signet/services/%s", runtime, name);
	else if (geteuid() == 0)
		n = asprintf(&path, "/run/signet/services/%s", name);
	else
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SERVICE_NAME, .check = "service.path",
			.expected = "$XDG_RUNTIME_DIR" }, "no place for service %s: $XDG_RUNTIME_DIR is not set "
			"(and only root uses /run/signet/services)", name);
	if (n < 0)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		free(path);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SERVICE_NAME, .check = "service.path" },
			"the socket path of %s is longer than a Unix socket address allows", name);
	}
	*out = path;
	return 0;
}

static int io_fail(signet_error **err, const char *path, const char *check, const char *what)
{
	int e = errno;
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = check, .os_errno = e },
		"%s: %s", what, strerror(e));
}

/*
 * One directory of the services path: created 0700 when missing; it must
 * be a real directory (not a symlink) of this user that no one else may
 * write, or someone else could swap the sockets inside.
 */
static int own_directory(const char *dir, signet_error **err)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return io_fail(err, dir, "service.directory", "cannot create the directory");
	struct stat st;
	if (lstat(dir, &st) != 0)
		return io_fail(err, dir, "service.directory", "cannot stat the directory");
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SERVICE_NAME, .path = dir,
			.check = "service.directory", .expected = "a directory of this user, not writable by others" },
			"not a directory of this user that only it may write: services cannot be published here");
	return 0;
}

/* The services directory of `path` (its parent, and the "signet" directory above it). */
static int prepare_directories(const char *path, signet_error **err)
{
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
		return sg_fail_code(err, SIGNET_E_SERVICE_NAME, "%s: path too long", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return sg_fail_code(err, SIGNET_E_SERVICE_NAME, "%s: not a path in a directory", path);
	*slash = '\0';
	/* ".../signet/services": make ".../signet" first when the layout is ours. */
	char *up = strrchr(dir, '/');
	if (up && up != dir && strcmp(up, "/services") == 0) {
		*up = '\0';
		const char *base = strrchr(dir, '/');
		int rc = base && strcmp(base, "/signet") == 0 ? own_directory(dir, err) : 0;
		*up = '/';
		if (rc)
			return rc;
	}
	return own_directory(dir, err);
}

static int unix_address(struct sockaddr_un *sa, const char *path, signet_error **err)
{
	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	size_t len = strlen(path);
	if (len >= sizeof sa->sun_path)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SERVICE_NAME, .path = path,
			.check = "service.path" }, "longer than a Unix socket address allows");
	memcpy(sa->sun_path, path, len + 1);
	return 0;
}

/* Is something listening on the socket at `sa`? */
static bool live(const struct sockaddr_un *sa)
{
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return true; /* cannot tell: do not replace it */
	bool yes = connect(s, (const struct sockaddr *)sa, sizeof *sa) == 0 || errno != ECONNREFUSED;
	close(s);
	return yes;
}

int sg_service_bind(int *fd_out, const char *path, signet_error **err)
{
	struct sockaddr_un sa;
	int rc = unix_address(&sa, path, err);
	if (!rc)
		rc = prepare_directories(path, err);
	if (rc)
		return rc;
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode) || st.st_uid != geteuid())
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SERVICE_NAME, .path = path,
				.check = "service.path", .expected = "no file, or a stale socket of this user" },
				"something else is at the service's path (%s): not replaced",
				S_ISLNK(st.st_mode) ? "a symlink" : S_ISSOCK(st.st_mode) ? "another user's socket" : "not a socket");
		if (live(&sa))
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SERVICE_NAME, .path = path,
				.check = "service.path" }, "the service is already published by a live process");
		if (unlink(path) != 0 && errno != ENOENT)
			return io_fail(err, path, "service.path", "cannot remove the stale socket");
	}
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return io_fail(err, path, "service.bind", "cannot create a socket");
	/* 0600 from birth: only this user connects by path; the identity check does the rest. */
	mode_t old = umask(0177);
	int bound = bind(s, (const struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (bound != 0 || listen(s, SOMAXCONN) != 0) {
		rc = io_fail(err, path, "service.bind", bound != 0 ? "cannot bind" : "cannot listen");
		close(s);
		return rc;
	}
	*fd_out = s;
	return 0;
}

int sg_service_connect(int *fd_out, const char *path, signet_error **err)
{
	struct sockaddr_un sa;
	int rc = unix_address(&sa, path, err);
	if (rc)
		return rc;
	/*
	 * connect() follows a symlink: a squatter could point the name at any
	 * socket. The identity check would still refuse a foreign server, but
	 * refusing here says what is wrong.
	 */
	struct stat st;
	if (lstat(path, &st) != 0)
		return io_fail(err, path, "service.connect", "no such service");
	if (!S_ISSOCK(st.st_mode))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SERVICE_NAME, .path = path,
			.check = "service.path", .expected = "a socket", .actual = S_ISLNK(st.st_mode) ? "a symlink"
			: "not a socket" }, "the service's path is %s, not a socket: refused",
			S_ISLNK(st.st_mode) ? "a symlink" : "not a socket");
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return io_fail(err, path, "service.connect", "cannot create a socket");
	if (connect(s, (const struct sockaddr *)&sa, sizeof sa) != 0) {
		rc = io_fail(err, path, "service.connect", "cannot connect");
		close(s);
		return rc;
	}
	*fd_out = s;
	return 0;
}
