/* SPDX-License-Identifier: MIT */
/*
 * report.c - the host's side of the SIGSYS report: reading it without
 * trusting it, and naming the system call.
 *
 * The record comes from the guest's own address space, where the plugin
 * ran: it may have written a record of its own to the pipe, or garbage, or
 * nothing. So the reader accepts exactly one well-formed record of this
 * architecture and nothing else, never blocks and never reads more than a
 * few records' worth. What it names is still only the guest's word; the
 * fact is how the process ended, which the host reads from waitid().
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "sandbox/sandbox.h"

#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH 0xc000003eu /* AUDIT_ARCH_X86_64 */
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH 0xc00000b7u /* AUDIT_ARCH_AARCH64 */
#else
#error "loader/sandbox/report.c: add this architecture's AUDIT_ARCH"
#endif

/* More than one record, so that a second record is seen and refused. */
#define REPORT_READ_MAX 64

int sg_sandbox_parse_report(const void *bytes, size_t len, long *syscall_nr)
{
	if (len == 0)
		return SIGNET_E_NOT_FOUND;
	sg_sandbox_report r;
	if (len != sizeof r)
		return SIGNET_E_PROTOCOL; /* short, or a record and more: which one would be true? */
	memcpy(&r, bytes, sizeof r);
	if (r.magic != SG_SANDBOX_REPORT_MAGIC || r.arch != NATIVE_AUDIT_ARCH || r.reserved != 0 || r.syscall < 0)
		return SIGNET_E_PROTOCOL;
	*syscall_nr = r.syscall;
	return 0;
}

int sg_sandbox_read_report(int fd, long *syscall_nr)
{
	unsigned char buf[REPORT_READ_MAX + 1];
	size_t len = 0;
	while (len < sizeof buf) {
		/* Never block: the guest may have left the write end open somewhere, or written nothing. */
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int pr = poll(&p, 1, 0);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0 || !(p.revents & (POLLIN | POLLHUP)))
			break;
		ssize_t n = read(fd, buf + len, sizeof buf - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (len > REPORT_READ_MAX)
		return SIGNET_E_PROTOCOL;
	return sg_sandbox_parse_report(buf, len, syscall_nr);
}

/* Calls libseccomp 2.5.4 cannot name (its table ends at 456); unified numbers. */
static const char *const newer_names[] = {
	[457 - 457] = "statmount", [458 - 457] = "listmount", [459 - 457] = "lsm_get_self_attr",
	[460 - 457] = "lsm_set_self_attr", [461 - 457] = "lsm_list_modules", [462 - 457] = "mseal",
	[463 - 457] = "setxattrat", [464 - 457] = "getxattrat", [465 - 457] = "listxattrat",
	[466 - 457] = "removexattrat", [467 - 457] = "open_tree_attr", [468 - 457] = "file_getattr",
	[469 - 457] = "file_setattr",
};

const char *sg_sandbox_syscall_name(long nr, char buf[32])
{
	if (nr >= 0 && nr <= INT32_MAX) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)nr);
		if (name) {
			snprintf(buf, 32, "%s", name);
			free(name);
			return buf;
		}
		if (nr >= 457 && (size_t)(nr - 457) < sizeof newer_names / sizeof newer_names[0]) {
			snprintf(buf, 32, "%s", newer_names[nr - 457]);
			return buf;
		}
	}
	snprintf(buf, 32, "syscall %ld", nr);
	return buf;
}
