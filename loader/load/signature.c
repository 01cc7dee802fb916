/* SPDX-License-Identifier: MIT */
/*
 * signature.c - signet_image_signature(): every image's signature, the
 * ones Signet did not load included.
 *
 * An image signet_load() mapped carries what the load verified. For the
 * others (the main program, the libraries ld.so loaded at startup, foreign
 * images), the file is judged on the first question about that record,
 * by the process inspector's check of one of its own images
 * (process/self.c), against the process default policy's anchors, and the
 * answer is cached on the record (registry/image_internal.h): lazily,
 * because hashing every startup library would slow every program that
 * links libsignet and never asks.
 */
#include "config.h"

#include <stdlib.h>

#include "load/load_internal.h"
#include "policy/policy_internal.h"
#include "process/process_internal.h"

/* The file's answer, computed now (the caller publishes it). NULL when out of memory. */
static sg_file_signature *judge_file(const signet_image *img)
{
	sg_file_signature *sig = calloc(1, sizeof *sig);
	if (!sig)
		return NULL;
	const signet_policy *policy = NULL;
	signet_error *no_policy = NULL;
	/* No usable default policy is judged like one without anchors: a signed file cannot be verified. */
	if (sg_policy_or_default(&policy, img->path, &no_policy) != 0)
		policy = NULL;
	signet_error_free(no_policy);
	uintptr_t address = img->nsegments ? img->segments[0].start : img->key.base;
	sig->status = sg_process_image_signature(&sig->identity, &sig->why, img->path, address,
		img->arrival == SIGNET_ARRIVAL_MAIN_PROGRAM, policy);
	return sig;
}

signet_signature_status signet_image_signature(const signet_image *image, const signet_identity **identity,
	const signet_error **why)
{
	if (identity)
		*identity = NULL;
	if (why)
		*why = NULL;
	if (!image)
		return SIGNET_SIGNATURE_UNSIGNED;
	signet_image *img = (signet_image *)(uintptr_t)image; /* the cache is not part of the value */
	/* What the load verified: never judged again from a file that may have changed since. */
	if (img->identity || img->platform || img->arrival == SIGNET_ARRIVAL_SIGNET ||
	    img->arrival == SIGNET_ARRIVAL_VDSO) {
		if (img->identity && identity)
			*identity = img->identity;
		return img->identity ? SIGNET_SIGNATURE_VERIFIED : SIGNET_SIGNATURE_UNSIGNED;
	}
	const sg_file_signature *sig = atomic_load_explicit(&img->file_signature, memory_order_acquire);
	if (!sig) {
		sg_file_signature *mine = judge_file(img);
		if (!mine)
			return SIGNET_SIGNATURE_INVALID; /* out of memory: nothing cached, no reason */
		sig = sg_image_publish_signature(img, mine);
	}
	if (identity)
		*identity = sig->identity;
	if (why)
		*why = sig->why;
	return sig->status;
}
