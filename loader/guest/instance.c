/* SPDX-License-Identifier: MIT */
/*
 * instance.c - instances of a guest's class, and calls by name.
 *
 * The guest's status is read before every call into its code: a killed
 * guest's code never runs again through the host (no init, no method, no
 * fini), and an invalid one gets no new instances. The host lock is never
 * held while guest code runs.
 *
 * Instance arguments ('@') are resolved here, not in the invoke layer:
 * each must be a live instance of the called instance's own host, found in
 * the host's live set by comparing pointers, and only then is its instance
 * memory read and handed to sg_invoke (loader/plugin/invoke.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "guest/guest_internal.h"
#include "isolation/isolation.h"
#include "plugin/invoke.h"

/*
 * An instance. Owned by the caller from signet_instance_create() to
 * signet_instance_destroy(); its guest stays loaded meanwhile (the
 * instance is counted in the guest's `instances`). Not locked: one
 * instance is used by one thread at a time (guest.h).
 */
struct signet_instance {
	void *self;              /* instance_size bytes (at least one), zeroed, then init; NULL when isolated */
	uint64_t remote;         /* an isolated guest's instance: its handle in the guest's process */
	sg_guest *guest;         /* pinned while the instance lives */
	const signet_class *cls; /* validated; inside the guest's image */
};

/* The refusal for a guest killed or no longer valid. Reads `g`: hold the host lock or a pin. */
static int not_runnable(signet_error **err, const sg_guest *g, uint32_t status, const char *what)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_GUEST_INVALID, .path = sg_guest_path(g),
		.check = "guest.status" }, "guest %u is %s: %s refused", g->id,
		(status & SIGNET_GUEST_KILL) ? "killed" : "no longer valid", what);
}

static bool killed(const sg_guest *g)
{
	return (atomic_load(&g->status) & SIGNET_GUEST_KILL) != 0;
}

/* ---- pins and the live set, all under the host lock ---- */

/*
 * Makes room in the live set for every pinned instance plus one, so that
 * publishing an instance after its init (live_add_locked) cannot fail and
 * need not undo the init.
 */
static bool live_reserve_locked(signet_host *h)
{
	/* live.n <= pinned always: room for pinned + 1 past what is in use. */
	return sg_array_reserve(&h->live, h->pinned + 1 - h->live.n) == 0;
}

static void pin_locked(sg_guest *g)
{
	g->instances++; /* the guest cannot be removed under the instance */
	g->host->pinned++;
}

static void unpin_locked(sg_guest *g)
{
	g->instances--;
	g->host->pinned--;
}

static void live_add_locked(signet_host *h, signet_instance *inst)
{
	h->live.items[h->live.n++] = inst; /* within the room live_reserve_locked() made */
}

static void live_remove_locked(signet_host *h, const signet_instance *inst)
{
	for (size_t i = 0; i < h->live.n; i++)
		if (h->live.items[i] == inst) {
			h->live.items[i] = h->live.items[--h->live.n];
			return;
		}
}

/*
 * `candidate` when it is a live instance of `h`, else NULL. Compares
 * pointers only: the candidate may be freed memory (a destroyed instance)
 * or another host's, and is read only once found here. Linear in the
 * host's live instances.
 */
static const signet_instance *live_find_locked(const signet_host *h, const signet_instance *candidate)
{
	for (size_t i = 0; i < h->live.n; i++)
		if (h->live.items[i] == candidate)
			return candidate;
	return NULL;
}

/* ---- instances ---- */

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
	else if (!live_reserve_locked(h))
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory creating an instance of guest %u", id);
	else
		pin_locked(g);
	pthread_mutex_unlock(h->lock);
	if (rc)
		return rc;
	const signet_class *cls = g->cls.desc;
	signet_instance *inst = calloc(1, sizeof *inst);
	uint64_t remote = 0;
	/* At least one byte, so every instance has a distinct self (an isolated one's lives in its process). */
	void *self = g->remote ? NULL : calloc(1, cls->instance_size ? (size_t)cls->instance_size : 1);
	if (!inst || (!self && !g->remote)) {
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory creating an instance of %s", cls->name);
	} else if (g->remote) {
		rc = sg_remote_new_instance(&remote, g->remote, cls->name, err);
		if (rc)
			sg_guest_after_failure(g);
	} else if (cls->init) {
		int r = cls->init(self);
		if (r != 0)
			rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INSTANCE_INIT,
				.path = signet_image_path(g->image), .check = "class.init" },
				"%s's init returned %d", cls->name, r);
	}
	pthread_mutex_lock(h->lock);
	if (rc) {
		unpin_locked(g);
	} else {
		*inst = (signet_instance){ .self = self, .remote = remote, .guest = g, .cls = cls };
		/* Live, and so acceptable as an argument, only once init has succeeded. */
		live_add_locked(h, inst);
	}
	pthread_mutex_unlock(h->lock);
	if (rc) {
		free(self);
		free(inst);
		return rc;
	}
	*out = inst;
	return 0;
}

void signet_instance_destroy(signet_instance *inst)
{
	if (!inst)
		return;
	sg_guest *g = inst->guest;
	signet_host *h = g->host;
	/* Out of the live set before fini: from here on no call accepts it as an argument. */
	pthread_mutex_lock(h->lock);
	live_remove_locked(h, inst);
	pthread_mutex_unlock(h->lock);
	if (g->remote && !killed(g))
		sg_remote_free_instance(g->remote, inst->remote);
	else if (inst->cls->fini && !killed(g))
		inst->cls->fini(inst->self);
	free(inst->self);
	pthread_mutex_lock(h->lock);
	unpin_locked(g);
	pthread_mutex_unlock(h->lock);
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

/* ---- calls ---- */

/*
 * Copies `args` into `out` (nargs entries), each instance argument
 * becoming its instance memory in `as.pointer`, as sg_invoke expects. A
 * non-NULL instance must be live in `h`; it is looked up before anything
 * is read through it. A NULL instance stays NULL, for sg_invoke to refuse
 * as a null instance. The host lock is taken only when there is an
 * instance argument.
 */
static int resolve_instances(signet_host *h, const signet_value *args, size_t nargs, signet_value *out,
	const char *what, signet_error **err)
{
	bool any = false;
	for (size_t i = 0; i < nargs; i++) {
		out[i] = args[i];
		any |= args[i].type == SIGNET_TYPE_INSTANCE;
	}
	if (!any)
		return 0;
	size_t refused = 0; /* 1-based position */
	pthread_mutex_lock(h->lock);
	for (size_t i = 0; i < nargs && !refused; i++) {
		if (args[i].type != SIGNET_TYPE_INSTANCE || !args[i].as.instance)
			continue;
		const signet_instance *live = live_find_locked(h, args[i].as.instance);
		if (live)
			out[i].as.pointer = live->self;
		else
			refused = i + 1;
	}
	pthread_mutex_unlock(h->lock);
	if (!refused)
		return 0;
	/* Another host's instance belongs to a guest admitted under another policy; a destroyed one is freed. */
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_ARGUMENT_MISMATCH, .check = "invoke.arguments",
		.expected = "instance", .actual = "not a live instance of this host" },
		"%s: argument %zu is not a live instance of this host", what, refused);
}

int signet_instance_invoke(signet_instance *inst, const char *method, const signet_value *args, size_t nargs,
	signet_value *result, signet_error **err)
{
	if (!inst || !method || !result || (nargs && !args))
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "a call needs an instance, a method and a result");
	sg_guest *g = inst->guest;
	long k = sg_class_find_method(&g->cls, method);
	if (k < 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NO_METHOD, .path = sg_guest_path(g),
			.check = "invoke.method", .expected = method, .actual = inst->cls->name },
			"class %s has no method %s", inst->cls->name, method);
	uint32_t st = atomic_load(&g->status);
	if (st & SIGNET_GUEST_KILL)
		return not_runnable(err, g, st, "a call");
	char what[SG_CLASS_MAX_NAME * 2 + 32];
	snprintf(what, sizeof what, "method %s of %s", method, inst->cls->name);
	const sg_signature *sig = &g->cls.sigs[k];
	/* The count first: it bounds the copy below (a parsed signature has at most SIGNET_MAX_METHOD_ARGS). */
	int rc = sg_invoke_check_count(sig, nargs, what, err);
	if (!rc && g->remote) {
		/* The guest's process checks the types against the same encoding, and runs the method. */
		rc = sg_remote_invoke(g->remote, inst->remote, method, args, nargs, result, err);
		if (rc)
			sg_guest_after_failure(g);
		return rc;
	}
	signet_value resolved[SIGNET_MAX_METHOD_ARGS];
	if (!rc)
		rc = resolve_instances(g->host, args, nargs, resolved, what, err);
	if (!rc)
		rc = sg_invoke(inst->cls->methods[k].function, sig, inst->self, resolved, nargs, result, what, err);
	return rc;
}
