/* SPDX-License-Identifier: MIT */
/*
 * wire_palette.h - the descriptors the `wire` fuzz target passes along with
 * an input (fuzz_wire.c), and the seed generator's view of them
 * (make_wire_seeds.c).
 *
 * A D-Bus message refers to its descriptors by index; the descriptors
 * themselves travel beside the bytes (SCM_RIGHTS), so fuzz input bytes
 * alone cannot carry any. The target therefore sends the first
 * `data[0] % WIRE_MAX_SENT` descriptors of a fixed cycle with the input,
 * and the input's header decides what each index means: index i is
 * palette entry i % WIRE_PALETTE_N. The entries cover every branch of
 * wire.c's descriptor handling: a sealed buffer a sender would make, other
 * sealed sizes (small, empty, over SIGNET_SEALED_BUFFER_MAX), memfds that
 * are not sealed against every change, and a descriptor that is no memfd.
 */
#ifndef SIGNET_FUZZ_WIRE_PALETTE_H
#define SIGNET_FUZZ_WIRE_PALETTE_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <signet/connection.h>

/* What each index of a message means, on the receiving side. */
enum {
	WIRE_FD_SEALED_BIG,      /* WIRE_SEALED_BIG_SIZE bytes, all four seals: what sg_wire_append_args() makes */
	WIRE_FD_PIPE,            /* a pipe's read end: a plain descriptor, no memfd */
	WIRE_FD_SEALED_SMALL,    /* WIRE_SMALL_SIZE bytes, all seals */
	WIRE_FD_HALF_SEALED,     /* WIRE_SMALL_SIZE bytes, sealed against shrinking and growing only */
	WIRE_FD_SEALED_EMPTY,    /* 0 bytes, all seals */
	WIRE_FD_SEALED_HUGE,     /* SIGNET_SEALED_BUFFER_MAX + 1 bytes (sparse), all seals */
	WIRE_FD_NO_SEALING,      /* WIRE_SMALL_SIZE bytes, made without MFD_ALLOW_SEALING */
	WIRE_PALETTE_N
};

/* Over SG_WIRE_INLINE_MAX, so that the real encoder sends such a buffer as a memfd. */
#define WIRE_SEALED_BIG_SIZE 70000u
#define WIRE_SMALL_SIZE 16u
/* At most this many descriptors go with one input: more than a message may use. */
#define WIRE_MAX_SENT 32u

#define WIRE_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

/* A memfd of `size` bytes (byte i is i & 0xff, so mapped bytes are recognisable), then `seals`. -1 on failure. */
static inline int wire_memfd(uint64_t size, unsigned flags, int seals)
{
	int fd = memfd_create("fuzz-wire", MFD_CLOEXEC | flags);
	if (fd < 0)
		return -1;
	uint8_t page[4096];
	for (size_t i = 0; i < sizeof page; i++)
		page[i] = (uint8_t)i;
	/* Written only up to 1 MiB: the huge one stays sparse (it is refused before it is mapped). */
	for (uint64_t done = 0; done < size && done < (1u << 20);) {
		size_t n = size - done < sizeof page ? (size_t)(size - done) : sizeof page;
		ssize_t k = write(fd, page, n);
		if (k <= 0) {
			close(fd);
			return -1;
		}
		done += (uint64_t)k;
	}
	if (ftruncate(fd, (off_t)size) != 0 || (seals && fcntl(fd, F_ADD_SEALS, seals) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Opens the palette into fds[WIRE_PALETTE_N] (and the pipe's write end,
 * kept open so the read end stays a live pipe). 0, or -1 when any
 * descriptor cannot be made.
 */
static inline int wire_palette_open(int fds[WIRE_PALETTE_N], int *pipe_write)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	*pipe_write = p[1];
	fds[WIRE_FD_SEALED_BIG] = wire_memfd(WIRE_SEALED_BIG_SIZE, MFD_ALLOW_SEALING, WIRE_SEALS);
	fds[WIRE_FD_PIPE] = p[0];
	fds[WIRE_FD_SEALED_SMALL] = wire_memfd(WIRE_SMALL_SIZE, MFD_ALLOW_SEALING, WIRE_SEALS);
	fds[WIRE_FD_HALF_SEALED] = wire_memfd(WIRE_SMALL_SIZE, MFD_ALLOW_SEALING, F_SEAL_SHRINK | F_SEAL_GROW);
	fds[WIRE_FD_SEALED_EMPTY] = wire_memfd(0, MFD_ALLOW_SEALING, WIRE_SEALS);
	fds[WIRE_FD_SEALED_HUGE] = wire_memfd((uint64_t)SIGNET_SEALED_BUFFER_MAX + 1, MFD_ALLOW_SEALING, WIRE_SEALS);
	fds[WIRE_FD_NO_SEALING] = wire_memfd(WIRE_SMALL_SIZE, 0, 0);
	for (int i = 0; i < WIRE_PALETTE_N; i++)
		if (fds[i] < 0)
			return -1;
	return 0;
}

#endif /* SIGNET_FUZZ_WIRE_PALETTE_H */
