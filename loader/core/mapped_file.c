/* SPDX-License-Identifier: MIT */
/* mapped_file.c - bounded read-only mappings of regular files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error_internal.h"
#include "core/mapped_file.h"

int sg_mapped_file_open(sg_mapped_file *out, const char *path, uint64_t max_size, signet_error **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = "file.open",
			.os_errno = errno }, "cannot open: %s", strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = "file.stat",
			.os_errno = e }, "cannot stat: %s", strerror(e));
	}
	/* Devices, FIFOs and directories could block, never end, or mean nothing. */
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_IO, .path = path, .check = "file.type" },
			"not a regular file");
	}
	/* Before reading a byte: a huge (possibly sparse) file is refused cheaply. */
	if ((uint64_t)st.st_size > max_size) {
		close(fd);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "file.size" },
			"%lld bytes exceed the limit of %llu", (long long)st.st_size, (unsigned long long)max_size);
	}
	sg_mapped_file m = { .length = (size_t)st.st_size };
	if (m.length) {
		void *p = mmap(NULL, m.length, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			int e = errno;
			close(fd);
			return sg_fail(err, &(sg_error_info){ .code = e == ENOMEM ? SIGNET_E_NOMEM : SIGNET_E_IO,
				.path = path, .check = "file.map", .os_errno = e }, "cannot map: %s", strerror(e));
		}
		m.bytes = p;
	}
	close(fd);
	*out = m;
	return 0;
}

void sg_mapped_file_close(sg_mapped_file *m)
{
	if (m->bytes)
		munmap((void *)(uintptr_t)m->bytes, m->length);
	*m = (sg_mapped_file){ 0 };
}
