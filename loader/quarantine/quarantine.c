/* SPDX-License-Identifier: MIT */
/*
 * quarantine.c - the public quarantine API (signet/quarantine.h): where the
 * store lives, counting crashes, the verdict for a load, clearing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <signet/quarantine.h>

#include "codesign/codedirectory.h"
#include "core/error_internal.h"
#include "core/hex.h"
#include "core/statefile.h"
#include "core/utf8.h"
#include "quarantine/store.h"

struct signet_quarantine {
	char *path;
	char *dir;       /* the store's directory */
	char *lock_path; /* "<path>.lock", beside it */
	sg_qentries entries; /* as last read or written */
};

/* $XDG_STATE_HOME/signet/quarantine.json, else $HOME/.local/state/signet/quarantine.json. */
static int default_path(char **out, signet_error **err)
{
	return sg_state_xdg_path(out, "XDG_STATE_HOME", ".local/state", "signet/quarantine.json", "quarantine.path",
		"the quarantine store", "give the store's path instead", err);
}

int signet_quarantine_open(signet_quarantine **out, const char *path, signet_error **err)
{
	if (!out)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_quarantine_open needs an output");
	size_t len = path ? strlen(path) : 0;
	if (path && (len == 0 || path[len - 1] == '/'))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "quarantine.path",
			.actual = path }, "\"%s\" does not name a file for the quarantine store", path);
	signet_quarantine *q = calloc(1, sizeof *q);
	if (!q)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
	int rc = 0;
	if (path && !(q->path = strdup(path)))
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
	else if (!path)
		rc = default_path(&q->path, err);
	if (!rc) {
		const char *slash = strrchr(q->path, '/');
		q->dir = !slash ? strdup(".") : slash == q->path ? strdup("/") :
			strndup(q->path, (size_t)(slash - q->path));
		if (!q->dir || asprintf(&q->lock_path, "%s.lock", q->path) < 0) {
			q->lock_path = NULL;
			rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
		}
	}
	if (rc) {
		signet_quarantine_free(q);
		return rc;
	}
	*out = q;
	return 0;
}

void signet_quarantine_free(signet_quarantine *q)
{
	if (!q)
		return;
	sg_qentries_clear(&q->entries);
	free(q->path);
	free(q->dir);
	free(q->lock_path);
	free(q);
}

const char *signet_quarantine_path(const signet_quarantine *q)
{
	return q ? q->path : NULL;
}

/* The handle now describes `fresh` (moved in). */
static void take_entries(signet_quarantine *q, sg_qentries *fresh)
{
	sg_qentries_clear(&q->entries);
	q->entries = *fresh;
	*fresh = (sg_qentries){ 0 };
}

int signet_quarantine_reload(signet_quarantine *q, signet_error **err)
{
	if (!q)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_quarantine_reload needs a store");
	sg_qentries fresh = { 0 };
	int rc = sg_qstore_read(&fresh, q->path, q->dir, err);
	take_entries(q, &fresh); /* empty on failure: a damaged store is described by no entry */
	return rc;
}

size_t signet_quarantine_count(const signet_quarantine *q)
{
	return q ? q->entries.n : 0;
}

static void describe(signet_quarantine_entry *out, const sg_qentry *e)
{
	memcpy(out->cdhash, e->cdhash, sizeof out->cdhash);
	out->identifier = e->identifier;
	out->team = e->team;
	out->crashes = e->crashes;
	out->quarantined = e->quarantined;
	out->last_crash = e->last_crash;
	out->last_reason = e->last_reason;
}

int signet_quarantine_get(signet_quarantine_entry *out, const signet_quarantine *q, size_t index,
	signet_error **err)
{
	if (!out || !q)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_quarantine_get needs a store and an output");
	if (index >= q->entries.n)
		return sg_fail_code(err, SIGNET_E_NOT_FOUND, "no quarantine entry %zu: the store has %zu", index,
			q->entries.n);
	describe(out, &q->entries.items[index]);
	return 0;
}

static size_t find(const sg_qentries *entries, const uint8_t *cdhash)
{
	for (size_t i = 0; i < entries->n; i++)
		if (memcmp(entries->items[i].cdhash, cdhash, SIGNET_QUARANTINE_CDHASH_SIZE) == 0)
			return i;
	return SIZE_MAX;
}

/* ---- updates ------------------------------------------------------------ */

/*
 * One change to the entries. Sets *changed when there is something to
 * write and *keep to an index that must survive trimming (SIZE_MAX: none).
 */
typedef int (*edit_fn)(sg_qentries *entries, void *arg, bool *changed, size_t *keep, signet_error **err);

/*
 * Read, change, write, as one step under the store's lock: two hosts that
 * record a crash at once both count. `repair` (clearing all) goes on when
 * the store cannot be read, which is then rewritten; anything else stops
 * there, because writing would forget what the damaged store holds.
 */
static int update(signet_quarantine *q, bool repair, edit_fn edit, void *arg, signet_error **err)
{
	int rc = sg_qstore_directory(q->dir, true, NULL, err);
	int lock = -1;
	if (!rc)
		rc = sg_qstore_lock(&lock, q->lock_path, err);
	if (rc)
		return rc;
	sg_qentries entries = { 0 };
	bool changed = false;
	size_t keep = SIZE_MAX;
	signet_error *why = NULL;
	rc = sg_qstore_read(&entries, q->path, q->dir, &why);
	if (rc && repair && rc != SIGNET_E_NOMEM) {
		signet_error_free(why);
		rc = 0;
		changed = true; /* whatever is there is replaced */
	} else if (rc) {
		if (err)
			*err = why;
		else
			signet_error_free(why);
	}
	if (!rc)
		rc = edit(&entries, arg, &changed, &keep, err);
	char *text = NULL;
	size_t len = 0;
	if (!rc && changed)
		rc = sg_qstore_format(&text, &len, &entries, keep, err);
	if (!rc && changed)
		rc = sg_qstore_write(q->path, q->dir, text, len, err);
	free(text);
	sg_qstore_unlock(lock);
	if (!rc)
		take_entries(q, &entries);
	sg_qentries_clear(&entries);
	return rc;
}

typedef struct crash {
	const uint8_t *cdhash;
	const char *identifier, *team;
	char reason[SIGNET_QUARANTINE_MAX_REASON + 1];
	unsigned limit;
	bool quarantined; /* out */
} crash;

static char *dup_or_null(const char *s, bool *failed)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*failed = true;
	return d;
}

static int record_edit(sg_qentries *entries, void *arg, bool *changed, size_t *keep, signet_error **err)
{
	crash *c = arg;
	size_t i = find(entries, c->cdhash);
	if (i == SIZE_MAX) {
		/* Full: forget the oldest crash that is not a quarantine. */
		if (entries->n >= SIGNET_QUARANTINE_MAX_ENTRIES)
			(void)sg_qentries_drop_one(entries, SIZE_MAX);
		if (sg_array_push(entries, ((sg_qentry){ .crashes = 0 })) != 0)
			return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
		i = entries->n - 1;
		memcpy(entries->items[i].cdhash, c->cdhash, SIGNET_QUARANTINE_CDHASH_SIZE);
	}
	sg_qentry *e = &entries->items[i];
	bool failed = false;
	char *identifier = dup_or_null(c->identifier, &failed), *team = dup_or_null(c->team, &failed),
		*reason = dup_or_null(c->reason, &failed);
	if (failed) {
		free(identifier);
		free(team);
		free(reason);
		if (e->crashes == 0) /* the entry just pushed: not written, not kept */
			entries->n--;
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
	}
	free(e->identifier);
	free(e->team);
	free(e->last_reason);
	e->identifier = identifier;
	e->team = team;
	e->last_reason = reason;
	if (e->crashes < SIGNET_QUARANTINE_MAX_CRASHES)
		e->crashes++;
	/* Once quarantined, always, until cleared: a raised limit does not free a build that crashed. */
	if (c->limit && e->crashes >= c->limit)
		e->quarantined = true;
	time_t now = time(NULL);
	e->last_crash = now < 0 ? 0 : (long long)now;
	c->quarantined = e->quarantined;
	*changed = true;
	*keep = i;
	return 0;
}

/*
 * `reason` as the store keeps it: control characters and bytes that are
 * not UTF-8 become '?' (it is printed to terminals and is one line), cut
 * with "..." at a character boundary past SIGNET_QUARANTINE_MAX_REASON bytes.
 */
static void clean_reason(char out[SIGNET_QUARANTINE_MAX_REASON + 1], const char *reason)
{
	const unsigned char *p = (const unsigned char *)reason;
	size_t len = strlen(reason), n = 0;
	/* Cleaning never lengthens: a reason that fits is kept whole. */
	size_t room = len <= SIGNET_QUARANTINE_MAX_REASON ? SIGNET_QUARANTINE_MAX_REASON
		: SIGNET_QUARANTINE_MAX_REASON - 3;
	for (size_t i = 0; i < len;) {
		uint32_t cp = 0;
		size_t k = sg_utf8_decode(p + i, len - i, &cp);
		bool bad = k == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
		size_t w = bad ? 1 : k;
		if (n + w > room)
			break;
		if (bad)
			out[n] = '?';
		else
			memcpy(out + n, p + i, k);
		n += w;
		i += k ? k : 1;
	}
	if (len > SIGNET_QUARANTINE_MAX_REASON) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

int signet_quarantine_record_crash(signet_quarantine *q, const uint8_t cdhash[SIGNET_QUARANTINE_CDHASH_SIZE],
	const char *identifier, const char *team, const char *reason, unsigned limit, bool *quarantined,
	signet_error **err)
{
	if (!q || !cdhash || !reason || !reason[0])
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT,
			"signet_quarantine_record_crash needs a store, a cdhash and a reason");
	if (!identifier || !sg_cd_valid_name(identifier, SG_MAX_IDENTIFIER))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "quarantine.record",
			.actual = identifier }, "the identifier must be 1 to %u characters of A-Z a-z 0-9 . - _",
			SG_MAX_IDENTIFIER);
	if (team && !sg_cd_valid_name(team, SG_MAX_TEAM))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT, .check = "quarantine.record",
			.actual = team }, "the team must be NULL or 1 to %u characters of A-Z a-z 0-9 . - _", SG_MAX_TEAM);
	crash c = { .cdhash = cdhash, .identifier = identifier, .team = team, .limit = limit };
	clean_reason(c.reason, reason);
	int rc = update(q, false, record_edit, &c, err);
	if (!rc && quarantined)
		*quarantined = c.quarantined;
	return rc;
}

typedef struct clearing {
	const uint8_t *cdhash; /* NULL: all */
	size_t cleared;        /* out */
} clearing;

static int clear_edit(sg_qentries *entries, void *arg, bool *changed, size_t *keep, signet_error **err)
{
	(void)keep;
	(void)err;
	clearing *c = arg;
	if (!c->cdhash) {
		c->cleared = entries->n;
		*changed = *changed || entries->n > 0;
		sg_qentries_clear(entries);
		return 0;
	}
	size_t i = find(entries, c->cdhash);
	if (i == SIZE_MAX)
		return 0;
	sg_qentry_clear(&entries->items[i]);
	memmove(&entries->items[i], &entries->items[i + 1], (entries->n - i - 1) * sizeof entries->items[0]);
	entries->n--;
	c->cleared = 1;
	*changed = true;
	return 0;
}

int signet_quarantine_clear(signet_quarantine *q, const uint8_t *cdhash, size_t *cleared, signet_error **err)
{
	if (!q)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_quarantine_clear needs a store");
	clearing c = { .cdhash = cdhash };
	int rc = update(q, cdhash == NULL, clear_edit, &c, err);
	if (!rc && cleared)
		*cleared = c.cleared;
	return rc;
}

/* ---- the verdict -------------------------------------------------------- */

int signet_quarantine_check(signet_quarantine *q, const uint8_t cdhash[SIGNET_QUARANTINE_CDHASH_SIZE],
	signet_error **err)
{
	if (!q || !cdhash)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_quarantine_check needs a store and a cdhash");
	/*
	 * Afresh every time: another host may have quarantined this build, or
	 * a person cleared it, since. A store that cannot be read fails the
	 * check (with its own code and the repair): taking it for empty would
	 * let every quarantined build load again.
	 */
	int rc = signet_quarantine_reload(q, err);
	if (rc)
		return rc;
	size_t i = find(&q->entries, cdhash);
	if (i == SIZE_MAX || !q->entries.items[i].quarantined)
		return 0;
	const sg_qentry *e = &q->entries.items[i];
	char hex[2 * SIGNET_QUARANTINE_CDHASH_SIZE + 1], when[32] = "?";
	sg_hex_encode(hex, e->cdhash, sizeof e->cdhash, false);
	time_t t = (time_t)e->last_crash;
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	char team[SG_MAX_TEAM + 16] = "no team";
	if (e->team)
		snprintf(team, sizeof team, "team %s", e->team);
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_QUARANTINED, .check = "quarantine.cdhash",
		.actual = hex }, "quarantined: %s (%s) crashed %u time%s, last: %s (%s); a new build starts afresh, "
		"or: signet-host quarantine clear %s", e->identifier, team, e->crashes, e->crashes == 1 ? "" : "s",
		e->last_reason, when, hex);
}
