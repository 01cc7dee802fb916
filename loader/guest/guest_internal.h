/* SPDX-License-Identifier: MIT */
/*
 * guest_internal.h - a host's guest record and the host itself, shared by
 * the host (host.c) and instances (instance.c).
 *
 * A guest is created complete (image loaded, class validated, report
 * built) and then only its status and instance count change. Its memory
 * lives until it is removed, which is refused while instances exist, so an
 * instance's guest pointer stays valid for the instance's whole life.
 *
 * Ownership and thread-safety: the host owns its guests; the list, each
 * guest's `instances` and the host's other fields are under `lock`;
 * `status` is atomic. A removal frees the guest (and unmaps its image)
 * right after unlisting it, so code holding neither the lock nor a pin (an
 * instance, counted in `instances`) must not touch a guest after
 * unlocking: whatever an answer needs is read, or the error built, while
 * the lock is held.
 *
 * The host also keeps its live instances (those whose init succeeded and
 * whose destroy has not begun) so that an instance argument can be checked
 * by pointer comparison before it is read: a linear search, so a call
 * costs O(live instances of the host) per instance argument, which is
 * small next to a libffi call for the few instances a host keeps.
 */
#ifndef SIGNET_GUEST_INTERNAL_H
#define SIGNET_GUEST_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <signet/guest.h>

#include "bundle/manifest.h"
#include "core/array.h"
#include "plugin/class.h"

struct sg_remote;

typedef struct sg_guest {
	signet_guest_id id;
	_Atomic uint32_t status;
	signet_image *image;        /* holds one Signet load; NULL for an isolated guest */
	struct sg_remote *remote;   /* an isolated guest's process (isolation/isolation.h); NULL in process */
	signet_identity *identity;  /* an isolated guest's verified identity (the host's own examination) */
	signet_bundle_info *info;   /* the examination that admitted it */
	sg_class cls;
	char *root;                 /* the bundle's real path: its libraries live below */
	size_t instances;           /* under the host lock */
	struct signet_host *host;
} sg_guest;

struct signet_host {
	pthread_mutex_t *lock;      /* a pointer, so const queries can lock it */
	const signet_policy *policy;
	signet_isolation isolation; /* the host's default: in process or isolated */
	char *guest_helper;         /* NULL: the default helper */
	char *quarantine_path;      /* NULL: the per-user store */
	sg_semver api;
	SG_ARRAY(sg_guest *) guests; /* oldest first */
	signet_guest_id next_id;
	bool dedicated;
	SG_ARRAY(struct signet_instance *) live; /* unordered; see above */
	size_t pinned;              /* every guest's `instances` added up; live.cap stays > it while creating */
};

/* The guest's verified identity, wherever it runs. */
const signet_identity *sg_guest_identity(const sg_guest *g);

/* The guest's path for messages: its image's, or its bundle's for an isolated guest. */
const char *sg_guest_path(const sg_guest *g);

/*
 * After a failed call into an isolated guest: when its process has ended,
 * the guest loses VALID for good and the crash is counted toward its
 * cdhash's quarantine (once). Reads `g`: hold a pin.
 */
void sg_guest_after_failure(sg_guest *g);

/* The guest with handle `id`, under the host lock; NULL when none. */
sg_guest *sg_host_find_locked(const signet_host *host, signet_guest_id id);

/* SIGNET_E_NOT_FOUND, check "guest.lookup": "no guest <id> in this host". */
int sg_no_guest(signet_error **err, signet_guest_id id);

#endif /* SIGNET_GUEST_INTERNAL_H */
