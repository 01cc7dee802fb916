/* SPDX-License-Identifier: MIT */
/*
 * signet/image.h - one image (ELF object) in the process, as the registry
 * knows it.
 *
 * A `signet_image` is an immutable, reference-counted record: path, soname,
 * load bias, PT_LOAD ranges, build-id, how it arrived and its signing
 * identity. Every call that hands out a `signet_image *` through an `out`
 * parameter gives the caller one reference, released with signet_image_free().
 * Observers receive a borrowed pointer that is valid for the duration of the
 * callback; call signet_image_retain() to keep it longer.
 *
 * A record outlives the mapping it describes: after the image is unloaded the
 * record stays readable for as long as references exist, and
 * signet_image_is_mapped() turns false. Addresses in it then describe memory
 * that is gone; never dereference them.
 *
 * The one fact computed after the record is made is the signature of an
 * image Signet did not load (signet_image_signature()): judged from its
 * file on the first ask, then fixed for the record's life.
 *
 * Thread-safety: all accessors may be called from any thread concurrently;
 * retain/free are atomic.
 */
#ifndef SIGNET_IMAGE_H
#define SIGNET_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include <signet/common.h>
#include <signet/error.h>

SIGNET_BEGIN_DECLS

typedef struct signet_image signet_image;

/* How an image came into the process. Values are stable. */
typedef enum signet_arrival {
	SIGNET_ARRIVAL_MAIN_PROGRAM = 1, /* the executable itself */
	SIGNET_ARRIVAL_STARTUP = 2,      /* loaded by ld.so before main: DT_NEEDED closure, LD_PRELOAD, ld.so */
	SIGNET_ARRIVAL_VDSO = 3,         /* the kernel's virtual DSO: no file behind it */
	SIGNET_ARRIVAL_SIGNET = 4,       /* loaded through signet_load() */
	SIGNET_ARRIVAL_FOREIGN = 5       /* loaded behind Signet's back (plain dlopen, a dependency of one) */
} signet_arrival;

/* "main", "startup", "vdso", "signet", "foreign"; "unknown" otherwise. */
SIGNET_EXPORT const char *signet_arrival_name(signet_arrival arrival);

/* One PT_LOAD segment as mapped: [start, end) and PF_R/PF_W/PF_X flags. */
typedef struct signet_segment {
	uintptr_t start;
	uintptr_t end;
	unsigned int flags;
} signet_segment;

/* Takes one more reference; returns `image`. */
SIGNET_EXPORT signet_image *signet_image_retain(const signet_image *image);

/* Drops one reference. signet_image_free(NULL) does nothing. */
SIGNET_EXPORT void signet_image_free(signet_image *image);

/*
 * Process-unique serial number of this record, never reused. An image that
 * is unloaded and loaded again gets a new record and a new id.
 */
SIGNET_EXPORT uint64_t signet_image_id(const signet_image *image);

/*
 * The path as the user knows it: the absolute path given to signet_load(),
 * the executable's real path for the main program, the name ld.so recorded
 * for the others ("linux-vdso.so.1" for the vDSO). Never /proc/self/fd/N.
 */
SIGNET_EXPORT const char *signet_image_path(const signet_image *image);

/* DT_SONAME, or NULL when the image has none. */
SIGNET_EXPORT const char *signet_image_soname(const signet_image *image);

/* Load bias (the difference between run-time and link-time addresses). */
SIGNET_EXPORT uintptr_t signet_image_base(const signet_image *image);

SIGNET_EXPORT signet_arrival signet_image_arrival(const signet_image *image);

/* Number of PT_LOAD segments, and the one at `index` (NULL when out of range). */
SIGNET_EXPORT size_t signet_image_segment_count(const signet_image *image);
SIGNET_EXPORT const signet_segment *signet_image_segment(const signet_image *image, size_t index);

/* True when `address` lies inside one of the image's PT_LOAD segments. */
SIGNET_EXPORT bool signet_image_contains(const signet_image *image, const void *address);

/*
 * NT_GNU_BUILD_ID bytes: returns their count and points *bytes at them
 * (owned by the record), or returns 0 when the image has none.
 */
SIGNET_EXPORT size_t signet_image_build_id(const signet_image *image, const uint8_t **bytes);

/*
 * The build-id as lowercase hex in `buf` (NUL-terminated, "" when none).
 * Returns the length written; a too-small buffer gets a truncated string.
 */
SIGNET_EXPORT size_t signet_image_build_id_hex(const signet_image *image, char *buf, size_t size);

/* True for an image signet_load() verified: it has a signing identity. */
SIGNET_EXPORT bool signet_image_is_signed(const signet_image *image);

/* True for an unsigned library Signet loaded because the policy accepts it
 * as a platform library (a dependency of a verified image). */
SIGNET_EXPORT bool signet_image_is_platform(const signet_image *image);

/*
 * The verified identity (identifier, team, cdhash, signer), owned by the
 * record and immutable: taken from the bytes that were verified and mapped,
 * never re-read from disk. NULL for unsigned images.
 */
SIGNET_EXPORT const struct signet_identity *signet_image_identity(const signet_image *image);

/* What an image's signature says (signet_image_signature()). Values are stable. */
typedef enum signet_signature_status {
	SIGNET_SIGNATURE_UNSIGNED = 1, /* no signature: the vDSO, a platform library, any unsigned file */
	SIGNET_SIGNATURE_VERIFIED = 2, /* signed, and verified: the identity is the signer's */
	SIGNET_SIGNATURE_INVALID = 3   /* signed, but it does not verify (or cannot be checked): the reason */
} signet_signature_status;

/* "unsigned", "verified", "invalid"; "unknown" otherwise. */
SIGNET_EXPORT const char *signet_signature_status_name(signet_signature_status status);

/*
 * The image's signature, for every image in the process (docs/registry.md,
 * "Signatures"). Images signet_load() loaded answer with what the load
 * verified (a platform library: UNSIGNED), the vDSO UNSIGNED. For the
 * main program, the libraries ld.so loaded before Signet and foreign
 * images, the answer is computed from the file on the first call for that
 * record and cached on it: the main program is read through
 * /proc/self/exe (the inode that runs), a library at its path once its
 * device and inode are checked to be the file mapped; every page hash is
 * checked against the file and the CMS chain against the anchors of the
 * process default policy ($SIGNET_POLICY, /etc/signet/policy.json,
 * $SIGNET_ANCHORS, /etc/signet/anchors: see signet/policy.h). A process
 * that never asks never pays for it. The first call may take as long as
 * verifying the file; concurrent first calls may both verify, and all
 * callers then see the same answer.
 *
 * *identity (optional) is set for VERIFIED, else NULL; *why (optional) for
 * INVALID, else NULL: an error naming the file, check "process.image",
 * whose cause is the verifier's error. Both are owned by the record.
 * Thread-safe. An image whose file could not be judged (removed, replaced)
 * is INVALID with that reason: never reported as unsigned. Out of memory:
 * INVALID with no reason, and nothing cached.
 */
SIGNET_EXPORT signet_signature_status signet_image_signature(const signet_image *image,
	const struct signet_identity **identity, const signet_error **why);

/* False once the image has been removed from the process. */
SIGNET_EXPORT bool signet_image_is_mapped(const signet_image *image);

/* A snapshot of the registry: a consistent list of images in load order. */
typedef struct signet_image_list signet_image_list;

SIGNET_EXPORT size_t signet_image_list_count(const signet_image_list *list);
/* Borrowed from the list: valid until signet_image_list_free(). */
SIGNET_EXPORT const signet_image *signet_image_list_get(const signet_image_list *list, size_t index);
SIGNET_EXPORT void signet_image_list_free(signet_image_list *list);

SIGNET_END_DECLS

#endif /* SIGNET_IMAGE_H */
