/* SPDX-License-Identifier: MIT */
/*
 * quarantine_glue.h - a host's isolated guests and the quarantine
 * (signet/quarantine.h): refusing a quarantined cdhash before any process
 * starts, and counting a crash against the cdhash that crashed.
 * Thread-safety: each call opens the store on its own; the store itself
 * serializes writers across processes.
 */
#ifndef SIGNET_GUEST_QUARANTINE_GLUE_H
#define SIGNET_GUEST_QUARANTINE_GLUE_H

#include <signet/guest.h>

/* 0, or SIGNET_E_QUARANTINED (the store's reason), or why the store cannot be read (fail closed). */
int sg_quarantine_refuse(const signet_host *h, const signet_identity *id, const char *path, signet_error **err)
	__attribute__((warn_unused_result));

/* Records one crash of `id`'s cdhash, `why` its reason, against the policy's crash limit. */
void sg_quarantine_count(const signet_host *h, const signet_identity *id, const signet_error *why);

#endif /* SIGNET_GUEST_QUARANTINE_GLUE_H */
