/* SPDX-License-Identifier: MIT */
/*
 * host.c - signet_host: loading bundles as guests, their status, lookups.
 *
 * A bundle becomes a guest in one transaction: the examination preflight
 * uses (stopping at the first reason), the verified load of the very
 * snapshot examined, then the principal class validated against the
 * mapped image. Any failure unloads what was loaded; a guest is only ever
 * published complete.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bundle/examine.h"
#include "bundle/report.h"
#include "codesign/identity_internal.h"
#include "core/error_internal.h"
#include "guest/guest_internal.h"
#include "guest/quarantine_glue.h"
#include "isolation/isolation.h"
#include "process/process_internal.h"
#include "load/load_internal.h"
#include "load/many_internal.h"
#include "policy/entitlements.h"
#include "policy/policy_internal.h"
#include "requirement/requirement_internal.h"

#define ALL_FLAGS (SIGNET_GUEST_VALID | SIGNET_GUEST_HARD | SIGNET_GUEST_KILL)

static void host_fields_free(signet_host *h)
{
	free(h->guest_helper);
	free(h->quarantine_path);
	free(h->lock);
	free(h);
}

int signet_host_new(signet_host **out, const signet_host_options *opts, signet_error **err)
{
	/* Version 1 callers pass the shorter structure: nothing past api_version is read from them. */
	if (!out || (opts && opts->version != 1 && opts->version != SIGNET_HOST_OPTIONS_VERSION))
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_host_new needs an output and options of "
			"version 1 or %d", SIGNET_HOST_OPTIONS_VERSION);
	bool v2 = opts && opts->version >= 2;
	if (v2 && (unsigned)opts->isolation > SIGNET_ISOLATION_PROCESS)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_host_new: isolation %d is none of "
			"signet_isolation's values", (int)opts->isolation);
	signet_host *h = calloc(1, sizeof *h);
	if (!h || !(h->lock = malloc(sizeof *h->lock)) ||
	    (v2 && opts->guest_helper && !(h->guest_helper = strdup(opts->guest_helper))) ||
	    (v2 && opts->quarantine_path && !(h->quarantine_path = strdup(opts->quarantine_path)))) {
		if (h)
			host_fields_free(h);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory creating a host");
	}
	h->policy = opts ? opts->policy : NULL;
	h->isolation = v2 && opts->isolation == SIGNET_ISOLATION_PROCESS ? SIGNET_ISOLATION_PROCESS
		: SIGNET_ISOLATION_IN_PROCESS;
	int rc = sg_host_api_parse(opts ? opts->api_version : NULL, &h->api, err);
	if (!rc)
		rc = sg_policy_or_default(&h->policy, NULL, err);
	if (rc) {
		host_fields_free(h);
		return rc;
	}
	pthread_mutex_init(h->lock, NULL);
	*out = h;
	return 0;
}

static void guest_free(sg_guest *g)
{
	if (!g)
		return;
	/*
	 * The guest holds one load, so this fails only where unloading is
	 * refused (signet_host_free() from an observer or an initializer):
	 * then the image stays loaded rather than unmapped under its caller.
	 */
	if (g->image && signet_unload(g->image, NULL) != 0)
		g->image = NULL;
	sg_remote_free(g->remote);
	signet_identity_free(g->identity);
	sg_class_clear(&g->cls);
	signet_bundle_info_free(g->info);
	free(g->root);
	free(g);
}

void signet_host_free(signet_host *h)
{
	if (!h)
		return;
	for (size_t i = h->guests.n; i-- > 0;)
		if (h->guests.items[i]->instances == 0)
			guest_free(h->guests.items[i]);
	/* A guest with live instances is leaked: their memory must stay valid. */
	sg_array_clear(&h->guests);
	sg_array_clear(&h->live);
	pthread_mutex_destroy(h->lock);
	host_fields_free(h);
}

sg_guest *sg_host_find_locked(const signet_host *h, signet_guest_id id)
{
	for (size_t i = 0; i < h->guests.n; i++)
		if (h->guests.items[i]->id == id)
			return h->guests.items[i];
	return NULL;
}

int sg_no_guest(signet_error **err, signet_guest_id id)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOT_FOUND, .check = "guest.lookup" },
		"no guest %u in this host", id);
}

int signet_host_set_dedicated(signet_host *h, signet_error **err)
{
	if (!h)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "no host");
	pthread_mutex_lock(h->lock);
	size_t n = h->guests.n;
	bool ok = n == 1 || (h->dedicated && n <= 1);
	if (ok)
		h->dedicated = true;
	pthread_mutex_unlock(h->lock);
	if (!ok)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_HOST_DEDICATED, .check = "guest.dedicated" },
			"a host can only dedicate itself to exactly one guest; it has %zu", n);
	return 0;
}

bool signet_host_is_dedicated(const signet_host *h)
{
	if (!h)
		return false;
	pthread_mutex_lock(h->lock);
	bool d = h->dedicated;
	pthread_mutex_unlock(h->lock);
	return d;
}

static int dedicated_refusal(const char *path, signet_error **err)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_HOST_DEDICATED, .path = path,
		.check = "guest.dedicated" }, "the host is dedicated to one guest and accepts no other");
}

/* Validates the loaded image's principal class and the manifest's protocols against it. */
static int adopt_class(sg_guest *g, const sg_examination *x, signet_error **err)
{
	const sg_manifest *m = &x->bundle.manifest;
	const char *path = signet_image_path(g->image);
	void *sym = NULL;
	int rc = signet_image_symbol(&sym, g->image, m->principal_class, err);
	if (rc)
		return rc == SIGNET_E_NOT_FOUND ? sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PRINCIPAL_CLASS,
			.path = path, .check = "bundle.principal_class", .expected = m->principal_class },
			"dlsym() does not find the principal class %s", m->principal_class) : rc;
	rc = sg_class_validate(&g->cls, sym, g->image, m->principal_class, path, err);
	if (rc)
		return rc;
	/* What the manifest promises (and preflight reported) must be true of the class. */
	for (size_t i = 0; i < m->nprotocols; i++) {
		if (sg_class_adopts(&g->cls, m->protocols[i].name, m->protocols[i].version))
			continue;
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_CLASS_INVALID, .path = path,
			.check = "class.protocols", .expected = m->protocols[i].name, .actual = g->cls.desc->name },
			"the manifest lists protocol %s %u, which class %s does not adopt", m->protocols[i].name,
			m->protocols[i].version, g->cls.desc->name);
	}
	return 0;
}

static int add_guest(signet_host *h, sg_guest *g, signet_guest_id *out, signet_error **err)
{
	pthread_mutex_lock(h->lock);
	int rc = 0;
	if (h->dedicated) {
		rc = dedicated_refusal(g->root, err);
	} else if (h->next_id == UINT32_MAX) {
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .check = "guest.handle" },
			"this host has used every guest handle");
	} else if (sg_array_reserve(&h->guests, 1) != 0) {
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory adding a guest");
	}
	if (!rc) {
		/* Handles are never reused: a stale handle can never name a newer guest. */
		g->id = ++h->next_id;
		h->guests.items[h->guests.n++] = g;
		*out = g->id;
	}
	pthread_mutex_unlock(h->lock);
	return rc;
}

/* The directories an isolated guest may read: its bundle, the platform's libraries, and what it is entitled to. */
static int read_dirs(const char ***out, size_t *n, const sg_guest *g, const signet_host *h,
	const sg_grants *grants, signet_error **err)
{
	size_t np = 0;
	const char *const *platform = sg_policy_platform_directories(h->policy, &np);
	size_t nr = (grants->bits & SG_ENTITLEMENT_FILES_READ) ? grants->read_paths.n : 0;
	/* A network client resolves names: the resolver's files, each granted alone (a missing one is skipped). */
	static const char *const resolver[] = { "/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf",
		"/etc/gai.conf", "/etc/host.conf" };
	size_t nn = (grants->bits & SG_ENTITLEMENT_NETWORK_CLIENT) ? sizeof resolver / sizeof resolver[0] : 0;
	const char **dirs = calloc(1 + np + nr + nn, sizeof *dirs);
	if (!dirs)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory starting a guest");
	size_t k = 0;
	dirs[k++] = g->root;
	for (size_t i = 0; i < np; i++)
		dirs[k++] = platform[i];
	for (size_t i = 0; i < nr; i++)
		dirs[k++] = grants->read_paths.items[i];
	for (size_t i = 0; i < nn; i++)
		dirs[k++] = resolver[i];
	*out = dirs;
	*n = k;
	return 0;
}

/* An isolated guest: quarantine, entitlements, then its own process loads what was examined here. */
static int load_isolated(signet_host *h, sg_guest *g, sg_examination *x, const signet_load_options *opts,
	signet_error **err)
{
	/* The host's own examination is the guest's identity: nothing the guest's process says replaces it. */
	g->identity = x->exe.identity;
	x->exe.identity = NULL;
	sg_isolation set;
	sg_policy_isolation(h->policy, &set);
	sg_grants grants = { 0 };
	int rc = sg_entitlements_grant(h->policy, g->identity, &grants, err);
	const char **dirs = NULL;
	size_t ndirs = 0;
	if (!rc)
		rc = read_dirs(&dirs, &ndirs, g, h, &grants, err);
	if (!rc) {
		uint64_t timeout_ms = opts && opts->call_timeout_ms ? opts->call_timeout_ms : set.call_timeout_ms;
		sg_remote_params p = { .policy = h->policy, .helper = h->guest_helper, .bundle = g->root,
			.expected_class = x->bundle.manifest.principal_class, .cdhash = signet_identity_cdhash(g->identity),
			.call_timeout_usec = timeout_ms * 1000u, .start_timeout_usec = opts ? opts->start_timeout_ms * 1000u : 0,
			.read_dirs = dirs, .n_read_dirs = ndirs,
			.network_client = (grants.bits & SG_ENTITLEMENT_NETWORK_CLIENT) != 0,
			.memory_bytes = (uint64_t)set.memory_mb << 20, .cpu_seconds = set.cpu_seconds,
			.accept_weaker = set.accept_weaker };
		bool crashed = false;
		rc = sg_remote_start(&g->remote, &g->cls, &crashed, &p, err);
		if (rc && crashed)
			sg_quarantine_count(h, g->identity, err ? *err : NULL);
	}
	if (!rc) {
		/* What the manifest promises must be true of the class the guest described. */
		const sg_manifest *m = &x->bundle.manifest;
		for (size_t i = 0; i < m->nprotocols && !rc; i++)
			if (!sg_class_adopts(&g->cls, m->protocols[i].name, m->protocols[i].version))
				rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_CLASS_INVALID, .path = g->root,
					.check = "class.protocols", .expected = m->protocols[i].name },
					"the manifest lists protocol %s %u, which class %s does not adopt",
					m->protocols[i].name, m->protocols[i].version, g->cls.desc->name);
	}
	free(dirs);
	sg_grants_clear(&grants);
	return rc;
}

/* The examination preflight also runs, stopping at the first reason (any thread: it maps and runs nothing). */
static int examine(sg_examination *x, const signet_host *h, const char *path, signet_error **local)
{
	int rc = sg_examine_bundle(x, path, h->policy, h->api, false);
	if (rc) {
		*local = sg_reasons_take_first(&x->reasons);
		if (!*local)
			sg_fail_code(local, rc, "%s: refused (%s)", path, signet_code_name(rc));
	}
	return rc;
}

/*
 * The rest of a load, for a bundle whose examination passed: the guest,
 * its report, the quarantine, then its image loaded from the very snapshot
 * examined (or its own process started), its class, its handle. On the
 * calling thread: this is where the bundle's code first runs. `x` stays
 * the caller's to clear; on failure nothing is left loaded.
 */
static int admit(signet_guest_id *out, signet_host *h, sg_examination *x, bool isolated,
	const signet_load_options *opts, signet_error **local)
{
	sg_guest *g = calloc(1, sizeof *g);
	int rc = 0;
	if (!g || !(g->root = strdup(x->bundle.tree.root))) {
		rc = sg_fail_code(local, SIGNET_E_NOMEM, "out of memory loading %s", x->bundle.tree.root);
		goto out;
	}
	g->host = h;
	atomic_init(&g->status, SIGNET_GUEST_VALID);
	/* The report first: loading moves the verified identity into the image record. */
	if (sg_bundle_info_build(&g->info, x) != 0) {
		rc = sg_fail_code(local, SIGNET_E_NOMEM, "out of memory loading %s", g->root);
		goto out;
	}
	/*
	 * A quarantined build does not load, isolated or not: in process it
	 * would take its host down with it, which is worse. Checked before
	 * any of its code runs.
	 */
	rc = sg_quarantine_refuse(h, x->exe.identity, g->root, local);
	if (!rc && isolated) {
		rc = load_isolated(h, g, x, opts, local);
	} else if (!rc) {
		/* Dependencies inside the bundle must be the sealed bytes, as mapped. */
		sg_txn t = { .policy = h->policy, .check_mapped = sg_bundle_check_mapped, .check_ctx = &x->bundle };
		rc = sg_load_inspected(&t, &x->exe, NULL, &g->image, local);
		if (!rc)
			rc = adopt_class(g, x, local);
	}
	if (!rc)
		rc = add_guest(h, g, out, local);
out:
	if (rc)
		guest_free(g);
	return rc;
}

static int check_load_options(const signet_load_options *opts, signet_error **err)
{
	if (opts && (opts->version != SIGNET_LOAD_OPTIONS_VERSION || (unsigned)opts->isolation > SIGNET_ISOLATION_PROCESS))
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "load options of version %d, with a signet_isolation "
			"value, are expected", SIGNET_LOAD_OPTIONS_VERSION);
	return 0;
}

static bool isolated_load(const signet_host *h, const signet_load_options *opts)
{
	return (opts && opts->isolation != SIGNET_ISOLATION_DEFAULT ? opts->isolation : h->isolation)
		== SIGNET_ISOLATION_PROCESS;
}

int signet_host_load_bundle_with(signet_guest_id *out, signet_host *h, const char *path,
	const signet_load_options *opts, signet_error **err)
{
	if (!h || !path || !*path || !out)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "loading a bundle needs a host, a path and an output");
	int rc = check_load_options(opts, err);
	if (!rc)
		rc = sg_load_enter("signet_host_load_bundle", path, err);
	if (rc)
		return rc;
	if (signet_host_is_dedicated(h))
		return dedicated_refusal(path, err);
	signet_error *local = NULL;
	sg_examination x;
	rc = examine(&x, h, path, &local);
	if (!rc)
		rc = admit(out, h, &x, isolated_load(h, opts), opts, &local);
	sg_examination_clear(&x);
	if (rc)
		sg_load_refused(path, rc, local, err);
	return rc;
}

/* ---- many bundles at once ---- */

typedef struct bundle_item {
	sg_many_item base;
	sg_examination x;
	signet_guest_id guest;
} bundle_item;

typedef struct bundle_batch {
	signet_host *host;
	const signet_load_options *opts;
	bool isolated;
} bundle_batch;

/* On a worker: the examination (nothing mapped, nothing run). */
static void bundles_prepare(void *ctx, sg_many_item *base)
{
	bundle_batch *b = ctx;
	bundle_item *it = (bundle_item *)base;
	base->rc = examine(&it->x, b->host, base->path, &base->err);
	if (base->rc)
		sg_examination_clear(&it->x); /* nothing of a refused bundle is kept while the batch goes on */
}

/*
 * On the calling thread, in input order: the load itself. Isolated guests
 * were examined in parallel like the others; their processes start here,
 * one after another (each start waits for its helper to verify and load
 * the bundle).
 */
static void bundles_commit(void *ctx, sg_many_item *base, bool load)
{
	bundle_batch *b = ctx;
	bundle_item *it = (bundle_item *)base;
	if (load) {
		base->rc = admit(&it->guest, b->host, &it->x, b->isolated, b->opts, &base->err);
		base->loaded = !base->rc;
	}
	sg_examination_clear(&it->x);
}

static bool bundles_give_back(void *ctx, sg_many_item *base)
{
	bundle_batch *b = ctx;
	bundle_item *it = (bundle_item *)base;
	/*
	 * The handle was never returned, but handles are predictable: a
	 * thread that guessed it and made an instance keeps the guest
	 * (removal is refused while instances live), and so does its result.
	 */
	if (signet_host_remove_guest(b->host, it->guest, NULL) != 0)
		return false;
	it->guest = 0;
	return true;
}

int signet_host_load_bundles(signet_guest_result *results, signet_host *h, const char *const *paths, size_t count,
	const signet_load_options *load_opts, const signet_many_options *opts, signet_error **err)
{
	if (count == 0)
		return 0;
	signet_error *e = NULL;
	signet_many_options o = SIGNET_MANY_OPTIONS_INIT;
	int rc = !results || !paths || !h
		? sg_fail_code(&e, SIGNET_E_INVALID_ARGUMENT, "signet_host_load_bundles needs results, a host and paths "
			"for %zu bundles", count)
		: sg_many_options(opts, &o, "signet_host_load_bundles", &e);
	if (!rc)
		rc = check_load_options(load_opts, &e);
	if (!rc)
		rc = sg_load_enter("signet_host_load_bundles", NULL, &e);
	if (!rc && signet_host_is_dedicated(h))
		rc = dedicated_refusal(NULL, &e);
	bundle_item *items = rc ? NULL : calloc(count, sizeof *items);
	if (!rc && !items)
		rc = sg_fail_code(&e, SIGNET_E_NOMEM, "out of memory loading %zu bundles", count);
	if (rc) {
		SG_MANY_REFUSE_ALL(results, count, rc, e, err);
		return rc;
	}
	for (size_t i = 0; i < count; i++)
		items[i].x = (sg_examination)SG_EXAMINATION_INIT;
	bundle_batch b = { .host = h, .opts = load_opts, .isolated = isolated_load(h, load_opts) };
	sg_many m = { .what = "signet_host_load_bundles", .items = items, .item_size = sizeof *items, .count = count,
		.opts = o, .log = true, .prepare = bundles_prepare, .commit = bundles_commit,
		.give_back = bundles_give_back, .ctx = &b };
	rc = sg_many_run(&m, paths, err);
	for (size_t i = 0; i < count; i++)
		results[i] = (signet_guest_result){ .guest = items[i].guest, .code = items[i].base.rc,
			.error = items[i].base.err };
	free(items);
	return rc;
}

int signet_host_load_bundle(signet_guest_id *out, signet_host *h, const char *path, signet_error **err)
{
	return signet_host_load_bundle_with(out, h, path, NULL, err);
}

int signet_host_remove_guest(signet_host *h, signet_guest_id id, signet_error **err)
{
	if (!h)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "no host");
	int rc = sg_load_enter("signet_host_remove_guest", NULL, err);
	if (rc)
		return rc;
	pthread_mutex_lock(h->lock);
	sg_guest *g = NULL;
	size_t i = 0;
	for (; i < h->guests.n; i++)
		if (h->guests.items[i]->id == id)
			break;
	if (i == h->guests.n) {
		rc = sg_no_guest(err, id);
	} else if (h->guests.items[i]->instances) {
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "guest.instances" },
			"guest %u still has %zu instances; destroy them first", id, h->guests.items[i]->instances);
	} else {
		g = h->guests.items[i];
		memmove(h->guests.items + i, h->guests.items + i + 1, (h->guests.n - i - 1) * sizeof *h->guests.items);
		h->guests.n--;
	}
	pthread_mutex_unlock(h->lock);
	guest_free(g); /* unloads with no host lock held: destructors may call back in */
	return rc;
}

size_t signet_host_guests(const signet_host *h, signet_guest_id *ids, size_t max)
{
	if (!h)
		return 0;
	pthread_mutex_lock(h->lock);
	size_t n = h->guests.n;
	for (size_t i = 0; ids && i < n && i < max; i++)
		ids[i] = h->guests.items[i]->id;
	pthread_mutex_unlock(h->lock);
	return n;
}

/* ---- status ---- */

int signet_guest_status(uint32_t *status, const signet_host *h, signet_guest_id id, signet_error **err)
{
	if (!h || !status)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "no host or output");
	pthread_mutex_lock(h->lock);
	sg_guest *g = sg_host_find_locked(h, id);
	/* An isolated guest whose process has ended (a crash between calls included) is not valid. */
	if (g && g->remote && sg_remote_poll(g->remote)) {
		atomic_fetch_and(&g->status, ~SIGNET_GUEST_VALID);
		sg_guest_after_failure(g);
	}
	if (g)
		*status = atomic_load(&g->status);
	pthread_mutex_unlock(h->lock);
	return g ? 0 : sg_no_guest(err, id);
}

static int status_refusal(signet_error **err, signet_guest_id id, const char *flag, const char *why)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_GUEST_STATUS, .check = "guest.status",
		.actual = flag }, "guest %u: %s %s", id, flag, why);
}

/* Is old -> new a one-way move? */
static int check_move(uint32_t old, uint32_t new, signet_guest_id id, signet_error **err)
{
	if (new & ~ALL_FLAGS)
		return status_refusal(err, id, "unknown flags", "are not guest status bits");
	if (!(old & SIGNET_GUEST_VALID) && (new & SIGNET_GUEST_VALID))
		return status_refusal(err, id, "VALID", "can only be cleared: an invalid guest never becomes valid again");
	if ((old & SIGNET_GUEST_HARD) && !(new & SIGNET_GUEST_HARD))
		return status_refusal(err, id, "HARD", "can only be set");
	if ((old & SIGNET_GUEST_KILL) && !(new & SIGNET_GUEST_KILL))
		return status_refusal(err, id, "KILL", "can only be set: a killed guest stays killed");
	return 0;
}

int signet_guest_set_status(signet_host *h, signet_guest_id id, uint32_t status, signet_error **err)
{
	if (!h)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "no host");
	pthread_mutex_lock(h->lock);
	sg_guest *g = sg_host_find_locked(h, id);
	int rc = g ? 0 : sg_no_guest(err, id);
	if (g) {
		/* A CAS loop: instances read the flags without the host lock. */
		uint32_t old = atomic_load(&g->status);
		do {
			rc = check_move(old, status, id, err);
		} while (!rc && !atomic_compare_exchange_weak(&g->status, &old, status));
	}
	pthread_mutex_unlock(h->lock);
	return rc;
}

/* ---- what both kinds of guest have ---- */

const signet_identity *sg_guest_identity(const sg_guest *g)
{
	return g->image ? signet_image_identity(g->image) : g->identity;
}

const char *sg_guest_path(const sg_guest *g)
{
	return g->image ? signet_image_path(g->image) : g->root;
}

void sg_guest_after_failure(sg_guest *g)
{
	const signet_error *why = NULL;
	if (!g->remote || !sg_remote_dead(g->remote))
		return;
	/* One way only, like every status move: a guest whose process ended is never valid again. */
	atomic_fetch_and(&g->status, ~SIGNET_GUEST_VALID);
	if (sg_remote_take_crash(g->remote, &why))
		sg_quarantine_count(g->host, sg_guest_identity(g), why);
}

/* ---- lookups ---- */

static bool guest_owns(const sg_guest *g, const signet_image *img)
{
	if (!g->image)
		return false; /* an isolated guest has no code in this process */
	if (img == g->image)
		return true;
	/* A library loaded from inside the guest's bundle is the guest's code too. */
	const char *p = signet_image_path(img);
	size_t n = strlen(g->root);
	return p && strncmp(p, g->root, n) == 0 && p[n] == '/';
}

int signet_host_guest_by_address(signet_guest_id *out, const signet_host *h, const void *address,
	signet_error **err)
{
	if (!h || !out)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "no host or output");
	signet_address_info ai = { 0 };
	int rc = signet_registry_lookup_address(&ai, address, NULL);
	signet_guest_id found = 0;
	if (!rc) {
		pthread_mutex_lock(h->lock);
		for (size_t i = 0; i < h->guests.n && !found; i++)
			if (guest_owns(h->guests.items[i], ai.image))
				found = h->guests.items[i]->id;
		pthread_mutex_unlock(h->lock);
	}
	signet_address_info_clear(&ai);
	if (!found)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOT_FOUND, .check = "guest.lookup" },
			"address %p belongs to no guest of this host", address);
	*out = found;
	return 0;
}

int signet_host_guest_by_cdhash(signet_guest_id *out, const signet_host *h, const uint8_t *cdhash,
	signet_error **err)
{
	if (!h || !cdhash || !out)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "no host, cdhash or output");
	signet_guest_id found = 0;
	pthread_mutex_lock(h->lock);
	for (size_t i = 0; i < h->guests.n && !found; i++) {
		/* The identity verification produced, kept by the image record. */
		const signet_identity *id = sg_guest_identity(h->guests.items[i]);
		if (id && memcmp(signet_identity_cdhash(id), cdhash, 32) == 0)
			found = h->guests.items[i]->id;
	}
	pthread_mutex_unlock(h->lock);
	if (!found)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOT_FOUND, .check = "guest.lookup" },
			"no guest of this host has that cdhash");
	*out = found;
	return 0;
}

int signet_host_guest_by_pidfd(signet_guest_id *out, const signet_host *h, int pidfd, signet_error **err)
{
	if (!h || !out)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "no host or output");
	/* By the process the descriptor names, read from the kernel: two pidfds of one process are different fds. */
	pid_t pid = sg_pidfd_pid(pidfd);
	if (pid <= 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "guest.lookup" },
			"descriptor %d is not a pidfd of a live process", pidfd);
	signet_guest_id found = 0;
	pthread_mutex_lock(h->lock);
	for (size_t i = 0; i < h->guests.n && !found; i++) {
		sg_guest *g = h->guests.items[i];
		if (g->remote && sg_remote_pid(g->remote) == pid && !sg_remote_dead(g->remote))
			found = g->id;
	}
	pthread_mutex_unlock(h->lock);
	if (!found)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_NOT_FOUND, .check = "guest.lookup" },
			"process %d is no isolated guest of this host", (int)pid);
	*out = found;
	return 0;
}

/* ---- identity ---- */

int signet_guest_check_requirement(const signet_host *h, signet_guest_id id, const signet_requirement *req,
	signet_error **err)
{
	if (!h || !req)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "no host or requirement");
	pthread_mutex_lock(h->lock);
	sg_guest *g = sg_host_find_locked(h, id);
	int rc;
	if (!g) {
		rc = sg_no_guest(err, id);
	} else {
		/*
		 * Evaluated under the lock: the identity belongs to the guest's
		 * image record, which a removal on another thread frees as soon
		 * as the guest is unlisted. Evaluation runs no guest code and
		 * takes no other lock.
		 */
		sg_req_subject subject;
		sg_identity_subject(sg_guest_identity(g), signet_policy_host_team(h->policy), &subject);
		rc = sg_requirement_evaluate(req, &subject, err);
	}
	pthread_mutex_unlock(h->lock);
	return rc;
}

/*
 * The accessors read under the lock and return what the guest owns (its
 * image record, report, or strings in its mapped image): valid until the
 * guest is removed, which the caller controls (guest.h).
 */
#define GUEST_FIELD(type, name, expr, none) \
	type name(const signet_host *h, signet_guest_id id) \
	{ \
		if (!h) \
			return none; \
		pthread_mutex_lock(h->lock); \
		sg_guest *g = sg_host_find_locked(h, id); \
		type v = g ? (expr) : none; \
		pthread_mutex_unlock(h->lock); \
		return v; \
	}

GUEST_FIELD(const signet_identity *, signet_guest_identity, sg_guest_identity(g), NULL)
GUEST_FIELD(bool, signet_guest_is_isolated, g->remote != NULL, false)
GUEST_FIELD(int, signet_guest_pidfd, g->remote ? sg_remote_pidfd(g->remote) : -1, -1)
GUEST_FIELD(const signet_image *, signet_guest_image, g->image, NULL)
GUEST_FIELD(const signet_bundle_info *, signet_guest_bundle_info, g->info, NULL)
GUEST_FIELD(const char *, signet_guest_class_name, g->cls.desc->name, NULL)
GUEST_FIELD(size_t, signet_guest_method_count, g->cls.nmethods, 0)

/* The name (or, with `types`, the encoding) of method `index` of guest `id`'s class, or NULL. */
static const char *method_field(const signet_host *h, signet_guest_id id, size_t index, bool types)
{
	if (!h)
		return NULL;
	pthread_mutex_lock(h->lock);
	sg_guest *g = sg_host_find_locked(h, id);
	const signet_method *m = g && index < g->cls.nmethods ? &g->cls.desc->methods[index] : NULL;
	const char *v = m ? (types ? m->types : m->name) : NULL;
	pthread_mutex_unlock(h->lock);
	return v;
}

const char *signet_guest_method_name(const signet_host *h, signet_guest_id id, size_t index)
{
	return method_field(h, id, index, false);
}

const char *signet_guest_method_types(const signet_host *h, signet_guest_id id, size_t index)
{
	return method_field(h, id, index, true);
}

int signet_guest_conforms(const signet_host *h, signet_guest_id id, const signet_protocol *p, signet_error **err)
{
	if (!h)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "no host");
	pthread_mutex_lock(h->lock);
	sg_guest *g = sg_host_find_locked(h, id);
	/* Under the lock: the class lives in the guest's image, which a concurrent removal unmaps. */
	int rc = g ? sg_class_conforms(&g->cls, p, signet_image_path(g->image), err) : sg_no_guest(err, id);
	pthread_mutex_unlock(h->lock);
	return rc;
}
