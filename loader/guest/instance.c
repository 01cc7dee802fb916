/* SPDX-License-Identifier: MIT */
/*
 * instance.c - instances of a guest's class, and calls by name.
 *
 * The guest's status is read before every call into its code: a killed
 * guest's code never runs again through the host (no init, no method, no
 * fini), and an invalid one gets no new instances. The host lock is never
 * held while guest code runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "guest/guest_internal.h"
#include "plugin/instance.h"

/* The refusal for a guest killed or no longer valid. Reads `g`: hold the host lock or a pin. */
static int not_runnable(signet_error **err, const sg_guest *g, uint32_t status, const char *what)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_GUEST_INVALID, .path = signet_image_path(g->image),
		.check = "guest.status" }, "guest %u is %s: %s refused", g->id,
		(status & SIGNET_GUEST_KILL) ? "killed" : "no longer valid", what);
}

static bool killed(const sg_guest *g)
{
	return (atomic_load(&g->status) & SIGNET_GUEST_KILL) != 0;
}

int signet_instance_create(signet_instance **out, signet_host *h, signet_guest_id id, signet_error **err)
{
	if (!out || !h)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "creating an instance needs an output and a host");
	pthread_mutex_lock(h->lock);
	sg_guest *g = sg_host_find_locked(h, id);
	uint32_t st = g ? atomic_load(&g->status) : 0;
	int rc = 0;
	if (!g)
		rc = sg_no_guest(err, id);
	else if (!(st & SIGNET_GUEST_VALID) || (st & SIGNET_GUEST_KILL))
		/* Refused before unlocking: unpinned, the guest may be removed and freed as soon as we unlock. */
		rc = not_runnable(err, g, st, "a new instance");
	else
		g->instances++; /* pins the guest: it cannot be removed under us */
	pthread_mutex_unlock(h->lock);
	if (rc)
		return rc;
	const signet_class *cls = g->cls.desc;
	signet_instance *inst = calloc(1, sizeof *inst);
	/* At least one byte, so every instance has a distinct self. */
	void *self = calloc(1, cls->instance_size ? (size_t)cls->instance_size : 1);
	if (!inst || !self) {
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory creating an instance of %s", cls->name);
	} else if (cls->init) {
		int r = cls->init(self);
		if (r != 0)
			rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INSTANCE_INIT,
				.path = signet_image_path(g->image), .check = "class.init" },
				"%s's init returned %d", cls->name, r);
	}
	if (rc) {
		free(self);
		free(inst);
		pthread_mutex_lock(h->lock);
		g->instances--;
		pthread_mutex_unlock(h->lock);
		return rc;
	}
	*inst = (signet_instance){ .self = self, .guest = g, .cls = cls };
	*out = inst;
	return 0;
}

void signet_instance_destroy(signet_instance *inst)
{
	if (!inst)
		return;
	sg_guest *g = inst->guest;
	if (inst->cls->fini && !killed(g))
		inst->cls->fini(inst->self);
	free(inst->self);
	pthread_mutex_lock(g->host->lock);
	g->instances--;
	pthread_mutex_unlock(g->host->lock);
	free(inst);
}

signet_guest_id signet_instance_guest(const signet_instance *inst)
{
	return inst ? inst->guest->id : 0;
}

const char *signet_instance_method_types(const signet_instance *inst, const char *method)
{
	if (!inst || !method)
		return NULL;
	long k = sg_class_find_method(&inst->guest->cls, method);
	return k < 0 ? NULL : inst->cls->methods[k].types;
}

int signet_instance_invoke(signet_instance *inst, const char *method, const signet_value *args, size_t nargs,
	signet_value *result, signet_error **err)
{
	if (!inst || !method || !result || (nargs && !args))
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "a call needs an instance, a method and a result");
	sg_guest *g = inst->guest;
	long k = sg_class_find_method(&g->cls, method);
	if (k < 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NO_METHOD, .path = signet_image_path(g->image),
			.check = "invoke.method", .expected = method, .actual = inst->cls->name },
			"class %s has no method %s", inst->cls->name, method);
	uint32_t st = atomic_load(&g->status);
	if (st & SIGNET_GUEST_KILL)
		return not_runnable(err, g, st, "a call");
	char what[SG_CLASS_MAX_NAME * 2 + 32];
	snprintf(what, sizeof what, "method %s of %s", method, inst->cls->name);
	return sg_invoke(inst->cls->methods[k].function, &g->cls.sigs[k], inst->self, args, nargs, result, what, err);
}
