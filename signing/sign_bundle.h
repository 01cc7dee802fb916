/* SPDX-License-Identifier: MIT */
/*
 * sign_bundle.h - `signet sign --bundle`: sign a bundle directory in place.
 *
 * Libraries the manifest lists are signed first (identifier: their file
 * name), then the resource seal is written to _signet/seal, then the main
 * executable is signed under the manifest's identifier with the manifest
 * and the seal in special slots -1 and -2 (docs/bundle-format.md). A
 * bundle the verifier would refuse for its layout (an escaping symlink, a
 * special file, a bad name, an invalid manifest) is refused here first.
 * Every file is replaced atomically; a failure part-way leaves each file
 * either as it was or fully signed, and the bundle unsealed until re-signed.
 */
#ifndef SIGNET_SIGN_BUNDLE_H
#define SIGNET_SIGN_BUNDLE_H

#include "core/export.h"

#include "sign_elf.h"

/* Told about each file signed, in order. */
typedef void (*sg_sign_bundle_report)(void *ctx, const char *path, const char *identifier);

/* `params->identifier` and `params->special` are ignored: the manifest decides. */
SG_PRIVATE int sg_sign_bundle(const char *dir, const sg_sign_params *params, sg_sign_bundle_report report, void *ctx,
	signet_error **err);

#endif /* SIGNET_SIGN_BUNDLE_H */
