/* SPDX-License-Identifier: MIT */
/*
 * remote.c - an isolated guest from the host's side: starting it, calls,
 * and what a host learns when the guest's process ends (isolation.h).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "connection/pair.h"
#include "core/error_internal.h"
#include "core/hex.h"
#include "isolation/isolation.h"
#include "isolation/spawn.h"
#include "policy/policy_internal.h"
#include "sandbox/sandbox.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* How long a guest whose connection broke gets to finish exiting before it is killed. */
#define EXIT_GRACE_MS 2000
/*
 * The start's own default deadline (handshake, the load: verifying a large
 * bundle, in a sanitizer build too), apart from each call's, which may be
 * short.
 */
#define START_TIMEOUT_USEC (120ull * 1000u * 1000u)

struct sg_remote {
	pthread_mutex_t lock;       /* one call at a time on the connection */
	signet_connection *conn;
	sg_spawned proc;
	char *bundle;               /* for messages */
	uint64_t timeout_usec;
	_Atomic bool dead;
	bool reaped;
	bool crash_taken;
	bool stopped_by_host;
	bool had_to_kill;           /* it outlived its connection's end by the grace period */
	bool in_start;              /* starting: the start's deadline applies, not a call's */
	uint64_t start_usec;        /* the start's deadline; 0: START_TIMEOUT_USEC */
	signet_requirement *conn_requirement; /* the connection's (rechecks use it): exactly the verified helper */
	signet_error *why;          /* how it ended; NULL while alive */
	int why_code;
};

/* Why a remote is being settled. */
typedef enum ending {
	ENDED,      /* the connection broke: the process ended, or is ending */
	TIMED_OUT,  /* no reply by the deadline: killed */
	MISBEHAVED  /* it broke the protocol: killed */
} ending;

static int settle(sg_remote *r, const char *during, ending how, signet_error *cause);

static uint64_t start_timeout(const sg_remote *r)
{
	return r->start_usec ? r->start_usec : START_TIMEOUT_USEC;
}

int sg_remote_pidfd(const sg_remote *r)
{
	return r ? r->proc.pidfd : -1;
}

pid_t sg_remote_pid(const sg_remote *r)
{
	return r ? r->proc.pid : 0;
}

bool sg_remote_dead(const sg_remote *r)
{
	return r && atomic_load(&r->dead);
}

bool sg_remote_poll(sg_remote *r)
{
	if (!r)
		return false;
	if (atomic_load(&r->dead))
		return true;
	struct pollfd p = { r->proc.pidfd, POLLIN, 0 };
	if (poll(&p, 1, 0) <= 0)
		return false;
	/* A call in flight will settle it itself; otherwise say now how it ended. */
	if (pthread_mutex_trylock(&r->lock) == 0) {
		if (!atomic_load(&r->dead))
			(void)settle(r, "no call (between calls)", ENDED, NULL);
		pthread_mutex_unlock(&r->lock);
	}
	return true;
}

bool sg_remote_take_crash(sg_remote *r, const signet_error **why)
{
	if (!r || !atomic_load(&r->dead))
		return false;
	/* Two threads whose calls failed together: exactly one counts the crash. */
	pthread_mutex_lock(&r->lock);
	bool take = !r->crash_taken && !r->stopped_by_host;
	r->crash_taken = true;
	pthread_mutex_unlock(&r->lock);
	if (take && why)
		*why = r->why;
	return take;
}

/* Waits (at most `ms`, -1: for ever) for the process to exit; true when it has. */
static bool wait_exit(const sg_remote *r, int ms)
{
	struct pollfd p = { r->proc.pidfd, POLLIN, 0 };
	int n;
	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	return n > 0;
}

static void kill_child(const sg_remote *r)
{
	(void)syscall(SYS_pidfd_send_signal, r->proc.pidfd, SIGKILL, NULL, 0);
}

/* Reaps the child (it has exited or was killed); its status into *info. */
static bool reap(sg_remote *r, siginfo_t *info)
{
	memset(info, 0, sizeof *info);
	if (r->reaped)
		return false;
	if (!wait_exit(r, EXIT_GRACE_MS)) {
		kill_child(r);
		r->had_to_kill = true;
		(void)wait_exit(r, -1);
	}
	int rc;
	do
		rc = waitid((idtype_t)P_PIDFD, (id_t)r->proc.pidfd, info, WEXITED | __WALL);
	while (rc < 0 && errno == EINTR);
	r->reaped = true;
	return rc == 0;
}

static const char *signal_label(int sig, char buf[32])
{
	const char *abbrev = sigabbrev_np(sig);
	if (abbrev)
		snprintf(buf, 32, "SIG%s", abbrev);
	else
		snprintf(buf, 32, "signal %d", sig);
	return buf;
}

/*
 * The guest's process ended (or was killed for its deadline) during
 * `during`: reap it, and say how, once, into r->why. `cause` (taken over)
 * is what the connection reported. Returns the code.
 */
static int settle(sg_remote *r, const char *during, ending how, signet_error *cause)
{
	atomic_store(&r->dead, true);
	if (how != ENDED)
		kill_child(r);
	siginfo_t info;
	bool got = reap(r, &info);
	char label[32], what[160], name[32];
	long nr = -1;
	sg_error_info ei = { .path = r->bundle, .check = "isolation.crash", .cause = cause };
	if (how == MISBEHAVED) {
		ei.code = SIGNET_E_CONNECTION_INVALID;
		ei.check = "isolation.protocol";
		sg_fail(&r->why, &ei, "the guest (pid %d) broke the protocol during %s (%s): it was killed",
			(int)r->proc.pid, during, cause ? signet_error_message(cause) : "?");
	} else if (how == TIMED_OUT) {
		ei.code = SIGNET_E_TIMEOUT;
		ei.check = "isolation.timeout";
		sg_fail(&r->why, &ei, "the guest (pid %d) did not answer %s within %llu ms: it was killed",
			(int)r->proc.pid, during, (unsigned long long)(r->in_start ? start_timeout(r) / 1000u
			: r->timeout_usec / 1000u));
	} else if (r->had_to_kill && how == ENDED) {
		ei.code = SIGNET_E_CONNECTION_INVALID;
		ei.check = "isolation.protocol";
		sg_fail(&r->why, &ei, "the guest (pid %d) broke its connection during %s (%s) and did not exit: "
			"it was killed", (int)r->proc.pid, during, cause ? signet_error_message(cause) : "closed");
	} else if (got && info.si_code != CLD_EXITED && info.si_status == SIGSYS &&
		   sg_sandbox_read_report(r->proc.report, &nr) == 0) {
		sg_sandbox_syscall_name(nr, name);
		ei.code = SIGNET_E_GUEST_SANDBOX;
		ei.check = "isolation.sandbox";
		ei.actual = name;
		sg_fail(&r->why, &ei, "the guest (pid %d) called %s during %s, which its sandbox forbids: it was ended",
			(int)r->proc.pid, name, during);
	} else if (got && info.si_code != CLD_EXITED) {
		ei.code = SIGNET_E_GUEST_CRASHED;
		ei.actual = signal_label(info.si_status, label);
		sg_fail(&r->why, &ei, "the guest (pid %d) was killed by %s (%s) during %s", (int)r->proc.pid,
			label, strsignal(info.si_status), during);
	} else if (got) {
		ei.code = SIGNET_E_GUEST_CRASHED;
		snprintf(what, sizeof what, "exit status %d", info.si_status);
		ei.actual = what;
		sg_fail(&r->why, &ei, "the guest (pid %d) exited with status %d during %s", (int)r->proc.pid,
			info.si_status, during);
	} else {
		ei.code = SIGNET_E_GUEST_CRASHED;
		sg_fail(&r->why, &ei, "the guest (pid %d) went away during %s", (int)r->proc.pid, during);
	}
	signet_connection_free(r->conn);
	r->conn = NULL;
	r->why_code = signet_error_code(r->why);
	return r->why_code;
}

/* A dead remote's refusal: the code says it cannot run; the cause says how it ended. */
static int refuse_dead(const sg_remote *r, signet_error **err)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_GUEST_INVALID, .path = r->bundle,
		.check = "guest.status", .cause = r->why ? sg_error_copy(r->why) : NULL },
		"the guest's process has ended: %s", r->why ? signet_error_message(r->why) : "stopped");
}

/*
 * Error names a guest may reply with, and the codes they stand for. Only
 * these: a guest cannot make its host report, say, a refused peer.
 */
static const int passed_codes[] = { SIGNET_E_NO_METHOD, SIGNET_E_ARGUMENT_MISMATCH, SIGNET_E_INSTANCE_INIT,
	SIGNET_E_NOMEM, SIGNET_E_LIMIT, SIGNET_E_NOT_FOUND };

/*
 * A call's outcome: the connection's error becomes the guest's story when
 * the process is gone or the deadline passed; an error the guest replied
 * with keeps its code when it is one a guest may give.
 */
static int call_failed(sg_remote *r, const char *during, int rc, signet_error **err, signet_error *e)
{
	if (rc == SIGNET_E_REMOTE_ERROR) {
		const char *name = signet_error_actual(e);
		const char *tail = name ? strrchr(name, '.') : NULL;
		for (size_t i = 0; tail && i < sizeof passed_codes / sizeof passed_codes[0]; i++) {
			const char *code = signet_code_name(passed_codes[i]);
			if (code && strcmp(tail + 1, code) == 0) {
				/* The guest's own text: what follows "NAME: " in the connection's message. */
				const char *msg = signet_error_message(e), *at = strstr(msg, name);
				const char *text = at && at[strlen(name)] == ':' ? at + strlen(name) + 2 : msg;
				int out = sg_fail(err, &(sg_error_info){ .code = passed_codes[i], .path = r->bundle,
					.check = "isolation.call", .expected = signet_error_expected(e) },
					"in the isolated guest: %s", text);
				signet_error_free(e);
				return out;
			}
		}
		if (err)
			*err = e;
		else
			signet_error_free(e);
		return rc;
	}
	if (rc == SIGNET_E_ARGUMENT_MISMATCH || rc == SIGNET_E_INVALID_ARGUMENT || rc == SIGNET_E_NOMEM) {
		/* Nothing was sent (an argument that cannot travel): the guest is fine. */
		if (err)
			*err = e;
		else
			signet_error_free(e);
		return rc;
	}
	/*
	 * The connection was invalidated by what the guest sent (malformed,
	 * over a limit, its executable changed): it is killed, and that is
	 * the reason. Otherwise it went away or missed its deadline.
	 */
	bool misbehaved = rc == SIGNET_E_CONNECTION_INVALID || rc == SIGNET_E_PROTOCOL ||
		rc == SIGNET_E_PEER_REFUSED || rc == SIGNET_E_PROCESS_INVALID;
	/*
	 * A process being killed loses its address space before it becomes a
	 * zombie: a message check in that window sees "no main executable"
	 * and calls it invalid. If it exits within a moment, it ended; the
	 * signal that ended it is the story.
	 */
	if (misbehaved && wait_exit(r, 200))
		misbehaved = false;
	int code = settle(r, during, rc == SIGNET_E_TIMEOUT ? TIMED_OUT : misbehaved ? MISBEHAVED : ENDED, e);
	if (err)
		*err = sg_error_copy(r->why);
	return code;
}

/* A call on the connection under the lock. */
static int remote_call(sg_remote *r, signet_value *result, const char *method, const char *during,
	const signet_value *args, size_t nargs, signet_error **err)
{
	pthread_mutex_lock(&r->lock);
	int rc;
	if (atomic_load(&r->dead)) {
		rc = refuse_dead(r, err);
	} else {
		signet_error *e = NULL;
		rc = signet_connection_call(result, r->conn, method, args, nargs, &e);
		if (rc)
			rc = call_failed(r, during, rc, err, e);
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

/* ---- the class description ---- */

static const signet_value *dict_get(const signet_value *d, const char *key, signet_type type)
{
	if (d->type != SIGNET_TYPE_DICTIONARY)
		return NULL;
	for (size_t i = 0; i < d->as.dictionary.count; i++)
		if (strcmp(d->as.dictionary.keys[i], key) == 0)
			return d->as.dictionary.values[i].type == type ? &d->as.dictionary.values[i] : NULL;
	return NULL;
}

static int bad_description(const sg_remote *r, signet_error **err, const char *what)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_CLASS_INVALID, .path = r->bundle,
		.check = "isolation.describe", .actual = what }, "the guest's class description is malformed: %s", what);
}

/*
 * {"class": s, "cdhash": b, "methods": {name: s types}, "protocols": {name: q version}}: bytes from the
 * guest's process, where the plugin's code has run. Checked in full.
 */
static int read_description(sg_class *cls, const sg_remote *r, const signet_value *d, const char *expected_class,
	const uint8_t *cdhash, signet_error **err)
{
	const signet_value *name = dict_get(d, "class", SIGNET_TYPE_STRING);
	const signet_value *hash = dict_get(d, "cdhash", SIGNET_TYPE_BUFFER);
	const signet_value *methods = dict_get(d, "methods", SIGNET_TYPE_DICTIONARY);
	const signet_value *protocols = dict_get(d, "protocols", SIGNET_TYPE_DICTIONARY);
	if (!name || !name->as.string || !hash || !methods || !protocols)
		return bad_description(r, err, "a field is missing or of the wrong type");
	if (hash->as.buffer.length != 32 || memcmp(hash->as.buffer.data, cdhash, 32) != 0) {
		char want[65], got[65] = "?";
		sg_hex_encode(want, cdhash, 32, false);
		if (hash->as.buffer.length == 32)
			sg_hex_encode(got, hash->as.buffer.data, 32, false);
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PEER_REFUSED, .path = r->bundle,
			.check = "isolation.cdhash", .expected = want, .actual = got },
			"the guest loaded another build than the host examined (cdhash %s, not %s): "
			"the bundle changed in between", got, want);
	}
	size_t nm = methods->as.dictionary.count, np = protocols->as.dictionary.count;
	const char **types = calloc(nm ? nm : 1, sizeof *types);
	uint32_t *versions = calloc(np ? np : 1, sizeof *versions);
	int rc = types && versions ? 0 : sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading a class");
	for (size_t i = 0; !rc && i < nm; i++) {
		const signet_value *v = &methods->as.dictionary.values[i];
		if (v->type != SIGNET_TYPE_STRING || !v->as.string)
			rc = bad_description(r, err, "a method's encoding is not a string");
		else
			types[i] = v->as.string;
	}
	for (size_t i = 0; !rc && i < np; i++) {
		const signet_value *v = &protocols->as.dictionary.values[i];
		if (v->type != SIGNET_TYPE_UINT64 || v->as.u64 == 0 || v->as.u64 > UINT32_MAX)
			rc = bad_description(r, err, "a protocol's version is not a number from 1 to 2^32-1");
		else
			versions[i] = (uint32_t)v->as.u64;
	}
	if (!rc) {
		sg_class_text t = { .name = name->as.string, .nmethods = nm, .method_names = methods->as.dictionary.keys,
			.method_types = types, .nprotocols = np, .protocol_names = protocols->as.dictionary.keys,
			.protocol_versions = versions };
		rc = sg_class_from_description(cls, &t, expected_class, r->bundle, err);
	}
	free(types);
	free(versions);
	return rc;
}

/* ---- life ---- */

static int start_process(sg_remote *r, const sg_remote_params *p, signet_error **err)
{
	const char *helper = sg_helper_path(p->helper);
	int exec_fd = -1;
	uint8_t helper_cdhash[32];
	int rc = sg_helper_verify(&exec_fd, helper_cdhash, p->policy, helper, err);
	if (!rc) {
		rc = sg_helper_spawn(&r->proc, exec_fd, helper, err);
		close(exec_fd);
	}
	if (rc)
		return rc;
	/* The child must be exactly the helper verified above, and valid: nothing else mapped as code. */
	char hex[65], text[96];
	sg_hex_encode(hex, helper_cdhash, 32, false);
	snprintf(text, sizeof text, "cdhash H\"%s\"", hex);
	signet_requirement *req = NULL;
	rc = signet_requirement_parse(&req, text, err);
	signet_connection_options o = SIGNET_CONNECTION_OPTIONS_INIT;
	o.policy = p->policy;
	o.requirement = req;
	o.timeout_usec = start_timeout(r);
	int sock = r->proc.sock;
	r->proc.sock = -1;
	if (!rc)
		rc = sg_connection_pair_parent(&r->conn, sock, r->proc.pidfd, &o, err);
	else
		close(sock);
	/* The connection keeps no pointer to the requirement after the check... except for rechecks: */
	if (!rc)
		r->conn_requirement = req;
	else
		signet_requirement_free(req);
	return rc;
}

/* The load request: the policy, the bundle, the sandbox. */
static int request_load(sg_remote *r, signet_value *result, const sg_remote_params *p, signet_error **err)
{
	char *policy = NULL;
	int rc = sg_policy_export(&policy, p->policy, err);
	if (rc)
		return rc;
	signet_value *dirs = calloc(p->n_read_dirs ? p->n_read_dirs : 1, sizeof *dirs);
	if (!dirs) {
		free(policy);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory starting a guest");
	}
	for (size_t i = 0; i < p->n_read_dirs; i++)
		dirs[i] = SIGNET_STRING(p->read_dirs[i]);
	static const char *const keys[] = { "read_dirs", "network_client", "memory_bytes", "cpu_seconds",
		"accept_weaker" };
	signet_value values[] = { SIGNET_ARRAY(dirs, p->n_read_dirs), SIGNET_BOOL(p->network_client),
		SIGNET_UINT64(p->memory_bytes), SIGNET_UINT64(p->cpu_seconds), SIGNET_BOOL(p->accept_weaker) };
	signet_value args[] = { SIGNET_STRING(policy), SIGNET_STRING(p->bundle),
		SIGNET_DICTIONARY(keys, values, sizeof values / sizeof values[0]) };
	rc = remote_call(r, result, SG_GUEST_LOAD, "its load", args, 3, err);
	free(dirs);
	free(policy);
	return rc;
}

int sg_remote_start(sg_remote **out, sg_class *cls, bool *crashed, const sg_remote_params *p, signet_error **err)
{
	*crashed = false;
	sg_remote *r = calloc(1, sizeof *r);
	if (!r || !(r->bundle = strdup(p->bundle))) {
		free(r);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory starting a guest");
	}
	pthread_mutex_init(&r->lock, NULL);
	r->proc = (sg_spawned){ .pidfd = -1, .sock = -1, .report = -1 };
	r->timeout_usec = p->call_timeout_usec;
	r->start_usec = p->start_timeout_usec;
	/* Fail closed before anything runs: a kernel without what the sandbox needs gets no guest. */
	sg_sandbox_spec spec = { .read_paths = p->read_dirs, .n_read_paths = p->n_read_dirs,
		.network_client = p->network_client, .memory_budget = p->memory_bytes, .cpu_seconds = p->cpu_seconds,
		.report_fd = -1, .accept_weaker = p->accept_weaker };
	sg_sandbox_state state;
	int rc = sg_sandbox_probe(&state, &spec, err);
	if (!rc)
		rc = start_process(r, p, err);
	signet_value result = { .type = SIGNET_TYPE_VOID };
	r->in_start = true;
	if (!rc)
		rc = request_load(r, &result, p, err);
	if (!rc) {
		/* The plugin's code is mapped now: the process must still be valid, every mapping accounted for. */
		signet_process *now = NULL;
		rc = signet_code_for_pidfd(&now, r->proc.pidfd, p->policy, err);
		if (!rc)
			rc = signet_process_check(now, NULL, p->policy, err);
		signet_process_free(now);
	}
	if (!rc)
		rc = read_description(cls, r, &result, p->expected_class, p->cdhash, err);
	if (!rc)
		sg_connection_set_timeout(r->conn, r->timeout_usec); /* from now on, each call's deadline */
	r->in_start = false;
	signet_value_clear(&result);
	if (rc) {
		/*
		 * Its process ended (or was killed) while it loaded the bundle:
		 * the plugin's constructors ran there, so this is the bundle's
		 * crash as much as one during a call.
		 */
		*crashed = atomic_load(&r->dead);
		r->stopped_by_host = true;
		sg_remote_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void sg_remote_free(sg_remote *r)
{
	if (!r)
		return;
	signet_connection_free(r->conn);
	if (r->proc.pidfd >= 0) {
		if (!atomic_load(&r->dead))
			r->stopped_by_host = true;
		/* Closing the connection asks the helper to exit; it gets EXIT_GRACE_MS before SIGKILL. */
		siginfo_t info;
		(void)reap(r, &info);
		close(r->proc.pidfd);
	}
	if (r->proc.sock >= 0)
		close(r->proc.sock);
	if (r->proc.report >= 0)
		close(r->proc.report);
	signet_requirement_free(r->conn_requirement);
	signet_error_free(r->why);
	pthread_mutex_destroy(&r->lock);
	free(r->bundle);
	free(r);
}

/* ---- instances and calls ---- */

int sg_remote_new_instance(uint64_t *handle, sg_remote *r, const char *class_name, signet_error **err)
{
	signet_value result = { .type = SIGNET_TYPE_VOID };
	char during[SG_CLASS_MAX_NAME + 32];
	snprintf(during, sizeof during, "a new instance of %s", class_name);
	int rc = remote_call(r, &result, SG_GUEST_NEW, during, NULL, 0, err);
	if (!rc && result.type != SIGNET_TYPE_UINT64)
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PROTOCOL, .path = r->bundle,
			.check = "isolation.call" }, "the guest answered %s with a '%c', not an instance handle", during,
			(char)result.type);
	if (!rc)
		*handle = result.as.u64;
	signet_value_clear(&result);
	return rc;
}

void sg_remote_free_instance(sg_remote *r, uint64_t handle)
{
	pthread_mutex_lock(&r->lock);
	if (!atomic_load(&r->dead)) {
		signet_value arg = SIGNET_UINT64(handle);
		signet_error *e = NULL;
		if (signet_connection_send(r->conn, SG_GUEST_FREE, &arg, 1, &e) != 0)
			signet_error_free(e);
	}
	pthread_mutex_unlock(&r->lock);
}

int sg_remote_invoke(sg_remote *r, uint64_t handle, const char *method, const signet_value *args, size_t nargs,
	signet_value *result, signet_error **err)
{
	signet_value all[SIGNET_MAX_METHOD_ARGS + 2];
	if (nargs > SIGNET_MAX_METHOD_ARGS)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_ARGUMENT_MISMATCH, .check = "invoke.arguments" },
			"%zu arguments; a method takes at most %u", nargs, SIGNET_MAX_METHOD_ARGS);
	all[0] = SIGNET_UINT64(handle);
	all[1] = SIGNET_STRING(method);
	for (size_t i = 0; i < nargs; i++) {
		if (args[i].type == SIGNET_TYPE_INSTANCE || args[i].type == SIGNET_TYPE_POINTER)
			return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_ARGUMENT_MISMATCH,
				.check = "invoke.arguments", .expected = "a value that can travel",
				.actual = args[i].type == SIGNET_TYPE_INSTANCE ? "instance" : "pointer" },
				"method %s: argument %zu is %s, which cannot be passed to an isolated guest", method, i + 1,
				args[i].type == SIGNET_TYPE_INSTANCE ? "an instance" : "a pointer");
		all[i + 2] = args[i];
	}
	char during[SG_CLASS_MAX_NAME + 32];
	snprintf(during, sizeof during, "'%s'", method);
	return remote_call(r, result, SG_GUEST_CALL, during, all, nargs + 2, err);
}
