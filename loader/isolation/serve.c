/* SPDX-License-Identifier: MIT */
/*
 * serve.c - the guest helper's side: one bundle, loaded under the host's
 * policy inside a sandbox, its principal class served to the host.
 *
 * Order matters, and each step says why:
 *  1. the connection to the parent (connection/pair.h), before anything;
 *  2. the load request: the host's policy (policy/transfer.c), the bundle,
 *     the sandbox;
 *  3. the sandbox (sandbox/sandbox.h), BEFORE the bundle is opened: its
 *     constructors are the first plugin code to run, and they must already
 *     run confined;
 *  4. the full verified load, exactly as an in-process host does it
 *     (signet_host_load_bundle: examination, sealed snapshot, class
 *     validation), then the class described to the host;
 *  5. calls, until the host goes away (its end of the socket closes, or a
 *     watchdog thread sees its pidfd: a plugin spinning in a call never
 *     returns to the loop).
 * The helper leaves with _exit() once sandboxed: exit handlers (a
 * sanitizer's leak checker among them) may need system calls the sandbox
 * forbids, and nothing is left to flush.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <signet/connection.h>
#include <signet/guest.h>

#include "connection/pair.h"
#include "core/array.h"
#include "core/error_internal.h"
#include "guest/guest_internal.h"
#include "isolation/isolation.h"
#include "policy/policy_internal.h"
#include "sandbox/sandbox.h"

/* Instances one guest may hold at once. */
#define MAX_INSTANCES 4096

typedef struct held {
	uint64_t handle;
	signet_instance *instance;
} held;

typedef struct helper {
	signet_connection *conn;
	signet_policy *policy;
	signet_host *host;
	signet_guest_id guest;
	SG_ARRAY(held) instances;
	uint64_t next_handle;
	int parent_pidfd;
	bool sandboxed;
} helper;

static void reply_error(signet_message *m, int code, const char *text)
{
	char name[96];
	const char *code_name = signet_code_name(code);
	snprintf(name, sizeof name, "org.signet.Error.%s", code_name ? code_name : "Failed");
	signet_error *e = NULL;
	if (signet_message_expects_reply(m) && signet_message_reply_error(m, name, text, &e) != 0)
		signet_error_free(e);
}

static void reply_failure(signet_message *m, signet_error *why)
{
	reply_error(m, signet_error_code(why), signet_error_message(why));
	signet_error_free(why);
}

static void reply_value(signet_message *m, const signet_value *v)
{
	signet_error *e = NULL;
	if (signet_message_reply(m, v, &e) != 0)
		reply_failure(m, e);
}

/* The watchdog: when the host is gone, so is the guest, even in the middle of a call that never returns. */
static void *watch_parent(void *arg)
{
	struct pollfd p = { *(int *)arg, POLLIN, 0 };
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static const signet_value *arg_of(signet_message *m, size_t i, signet_type type)
{
	const signet_value *v = i < signet_message_arg_count(m) ? signet_message_arg(m, i) : NULL;
	return v && v->type == type ? v : NULL;
}

static const signet_value *dict_get(const signet_value *d, const char *key, signet_type type)
{
	for (size_t i = 0; i < d->as.dictionary.count; i++)
		if (strcmp(d->as.dictionary.keys[i], key) == 0)
			return d->as.dictionary.values[i].type == type ? &d->as.dictionary.values[i] : NULL;
	return NULL;
}

/* The sandbox the host asked for, in force before the bundle is touched. */
static int sandbox_self(helper *h, const signet_value *d, signet_error **err)
{
	const signet_value *dirs = dict_get(d, "read_dirs", SIGNET_TYPE_ARRAY);
	const signet_value *net = dict_get(d, "network_client", SIGNET_TYPE_BOOL);
	const signet_value *mem = dict_get(d, "memory_bytes", SIGNET_TYPE_UINT64);
	const signet_value *cpu = dict_get(d, "cpu_seconds", SIGNET_TYPE_UINT64);
	const signet_value *weaker = dict_get(d, "accept_weaker", SIGNET_TYPE_BOOL);
	if (!dirs || !net || !mem || !cpu || !weaker)
		return sg_fail_code(err, SIGNET_E_PROTOCOL, "the sandbox request lacks a field");
	size_t n = dirs->as.array.count;
	const char **paths = calloc(n ? n : 1, sizeof *paths);
	if (!paths)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		if (dirs->as.array.items[i].type != SIGNET_TYPE_STRING || !dirs->as.array.items[i].as.string)
			rc = sg_fail_code(err, SIGNET_E_PROTOCOL, "a readable directory is not a string");
		else
			paths[i] = dirs->as.array.items[i].as.string;
	}
	sg_sandbox_spec spec = { .read_paths = paths, .n_read_paths = n, .network_client = net->as.boolean,
		.memory_budget = mem->as.u64, .cpu_seconds = cpu->as.u64, .report_fd = SG_GUEST_FD_REPORT,
		.accept_weaker = weaker->as.boolean };
	sg_sandbox_state state;
	if (!rc)
		rc = sg_sandbox_apply(&state, &spec, err);
	free(paths);
	if (!rc)
		h->sandboxed = true;
	return rc;
}

/* {"class", "cdhash", "methods", "protocols"}: what the host rebuilds the class from. */
static void describe(helper *h, signet_message *m)
{
	const signet_host *host = h->host;
	pthread_mutex_lock(host->lock);
	sg_guest *g = sg_host_find_locked(host, h->guest);
	pthread_mutex_unlock(host->lock);
	const signet_class *cls = g->cls.desc;
	size_t nm = cls->nmethods, np = cls->nprotocols;
	const char **mkeys = calloc(nm ? nm : 1, sizeof *mkeys), **pkeys = calloc(np ? np : 1, sizeof *pkeys);
	signet_value *mvals = calloc(nm ? nm : 1, sizeof *mvals), *pvals = calloc(np ? np : 1, sizeof *pvals);
	if (!mkeys || !pkeys || !mvals || !pvals) {
		reply_error(m, SIGNET_E_NOMEM, "out of memory describing the class");
	} else {
		for (size_t i = 0; i < nm; i++) {
			mkeys[i] = cls->methods[i].name;
			mvals[i] = SIGNET_STRING(cls->methods[i].types);
		}
		for (size_t i = 0; i < np; i++) {
			pkeys[i] = cls->protocols[i].name;
			pvals[i] = SIGNET_UINT64(cls->protocols[i].version);
		}
		static const char *const keys[] = { "class", "cdhash", "methods", "protocols" };
		const signet_identity *id = signet_guest_identity(host, h->guest);
		signet_value values[] = { SIGNET_STRING(cls->name), SIGNET_BUFFER(signet_identity_cdhash(id), 32),
			SIGNET_DICTIONARY(mkeys, mvals, nm), SIGNET_DICTIONARY(pkeys, pvals, np) };
		signet_value d = SIGNET_DICTIONARY(keys, values, 4);
		reply_value(m, &d);
	}
	free(mkeys);
	free(pkeys);
	free(mvals);
	free(pvals);
}

static void load(helper *h, signet_message *m)
{
	const signet_value *policy = arg_of(m, 0, SIGNET_TYPE_STRING), *bundle = arg_of(m, 1, SIGNET_TYPE_STRING);
	const signet_value *sandbox = arg_of(m, 2, SIGNET_TYPE_DICTIONARY);
	signet_error *e = NULL;
	if (h->host || !policy || !policy->as.string || !bundle || !bundle->as.string || !sandbox) {
		reply_error(m, SIGNET_E_PROTOCOL, h->host ? "already loaded" : "a load takes (policy, bundle, sandbox)");
		return;
	}
	int rc = sg_policy_import(&h->policy, policy->as.string, strlen(policy->as.string), "the host's policy", &e);
	if (!rc)
		rc = sandbox_self(h, sandbox, &e);
	pthread_t watchdog;
	/* After the sandbox: Landlock and seccomp bind the calling thread, and threads made later inherit them. */
	if (!rc && pthread_create(&watchdog, NULL, watch_parent, &h->parent_pidfd) != 0)
		rc = sg_fail_code(&e, SIGNET_E_NOMEM, "cannot start the watchdog thread");
	if (!rc)
		pthread_detach(watchdog);
	signet_host_options ho = SIGNET_HOST_OPTIONS_INIT;
	ho.policy = h->policy;
	ho.isolation = SIGNET_ISOLATION_IN_PROCESS; /* the guest's own host loads in process: no recursion */
	if (!rc)
		rc = signet_host_new(&h->host, &ho, &e);
	if (!rc)
		rc = signet_host_load_bundle(&h->guest, h->host, bundle->as.string, &e);
	if (rc) {
		reply_failure(m, e);
		return;
	}
	describe(h, m);
}

static held *find(helper *h, uint64_t handle)
{
	for (size_t i = 0; i < h->instances.n; i++)
		if (h->instances.items[i].handle == handle)
			return &h->instances.items[i];
	return NULL;
}

static void new_instance(helper *h, signet_message *m)
{
	signet_error *e = NULL;
	signet_instance *inst = NULL;
	if (!h->host) {
		reply_error(m, SIGNET_E_PROTOCOL, "nothing is loaded");
		return;
	}
	if (h->instances.n >= MAX_INSTANCES || sg_array_reserve(&h->instances, 1) != 0) {
		reply_error(m, SIGNET_E_LIMIT, "too many instances in this guest");
		return;
	}
	if (signet_instance_create(&inst, h->host, h->guest, &e) != 0) {
		reply_failure(m, e);
		return;
	}
	held x = { ++h->next_handle, inst };
	h->instances.items[h->instances.n++] = x;
	signet_value v = SIGNET_UINT64(x.handle);
	reply_value(m, &v);
}

static void free_instance(helper *h, signet_message *m)
{
	const signet_value *handle = arg_of(m, 0, SIGNET_TYPE_UINT64);
	held *x = handle ? find(h, handle->as.u64) : NULL;
	if (!x)
		return;
	signet_instance_destroy(x->instance);
	*x = h->instances.items[--h->instances.n];
}

static void call(helper *h, signet_message *m)
{
	const signet_value *handle = arg_of(m, 0, SIGNET_TYPE_UINT64), *method = arg_of(m, 1, SIGNET_TYPE_STRING);
	held *x = handle ? find(h, handle->as.u64) : NULL;
	if (!x || !method || !method->as.string) {
		reply_error(m, SIGNET_E_NOT_FOUND, "no such instance in this guest");
		return;
	}
	size_t n = signet_message_arg_count(m) - 2;
	signet_value args[SIGNET_MAX_METHOD_ARGS];
	if (n > SIGNET_MAX_METHOD_ARGS) {
		reply_error(m, SIGNET_E_ARGUMENT_MISMATCH, "too many arguments");
		return;
	}
	for (size_t i = 0; i < n; i++)
		args[i] = *signet_message_arg(m, i + 2);
	signet_value result;
	signet_error *e = NULL;
	if (signet_instance_invoke(x->instance, method->as.string, args, n, &result, &e) != 0) {
		reply_failure(m, e);
		return;
	}
	reply_value(m, &result);
	signet_value_clear(&result);
}

static void on_message(signet_connection *c, signet_message *m, void *payload)
{
	(void)c;
	helper *h = payload;
	const char *method = signet_message_method(m);
	if (strcmp(method, SG_GUEST_LOAD) == 0)
		load(h, m);
	else if (strcmp(method, SG_GUEST_NEW) == 0)
		new_instance(h, m);
	else if (strcmp(method, SG_GUEST_CALL) == 0)
		call(h, m);
	else if (strcmp(method, SG_GUEST_FREE) == 0)
		free_instance(h, m);
	else
		reply_error(m, SIGNET_E_NO_METHOD, "not a guest helper request");
}

int sg_guest_helper_main(void)
{
	helper h = { .parent_pidfd = -1 };
	signet_error *e = NULL;
	/* The parent's pidfd first, while the parent is certainly the one that started us. */
	pid_t parent = getppid();
	h.parent_pidfd = (int)syscall(SYS_pidfd_open, parent, 0);
	if (h.parent_pidfd < 0 || getppid() != parent) {
		fprintf(stderr, "signet-guest: the host (pid %d) is gone\n", (int)parent);
		return 1;
	}
	signet_connection_options o = SIGNET_CONNECTION_OPTIONS_INIT;
	o.on_message = on_message;
	o.payload = &h;
	if (sg_connection_pair_child(&h.conn, SG_GUEST_FD_CONNECTION, &o, &e) != 0) {
		fprintf(stderr, "signet-guest: %s\n", signet_error_message(e));
		signet_error_free(e);
		return 1;
	}
	int rc = sg_connection_run(h.conn, &e);
	signet_error_free(e);
	(void)rc;
	if (h.sandboxed)
		_exit(0);
	signet_connection_free(h.conn);
	signet_host_free(h.host);
	signet_policy_free(h.policy);
	sg_array_clear(&h.instances);
	close(h.parent_pidfd);
	return 0;
}
