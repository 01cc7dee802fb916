/* SPDX-License-Identifier: MIT */
/*
 * test_quarantine.c - the quarantine store (signet/quarantine.h): crashes
 * counted to the limit, the refusal and its words, persistence, clearing,
 * concurrent recorders in real processes losing nothing, and every kind of
 * damaged store refused with its reason while failing closed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define ID "org.signet.test.crash"
#define TEAM "ABCDE12345"
#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define REPAIR "signet-host quarantine clear --all rewrites it"

/* A cdhash whose every byte is `b`. */
static const uint8_t *cdhash(uint8_t b)
{
	static uint8_t ring[8][SIGNET_QUARANTINE_CDHASH_SIZE];
	static unsigned next;
	uint8_t *h = ring[next++ % 8];
	memset(h, b, SIGNET_QUARANTINE_CDHASH_SIZE);
	return h;
}

/* "<fresh sandbox>/state/signet/quarantine.json": a store whose directory does not exist yet. */
static const char *fresh_store(void)
{
	static char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/state/signet/quarantine.json", sg_sandbox());
	return path;
}

/* A store in a fresh sandbox directory holding `text`. */
static const char *store_with(const char *text)
{
	static char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/quarantine.json", sg_sandbox());
	sg_write_file(path, text, strlen(text), 0600);
	return path;
}

static signet_quarantine *open_store(const char *path)
{
	signet_quarantine *q = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_quarantine_open(&q, path, &err), &err);
	return q;
}

static bool record(signet_quarantine *q, uint8_t which, unsigned limit)
{
	bool quarantined = true;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_quarantine_record_crash(q, cdhash(which), ID, TEAM, "killed by SIGSEGV during 'crash'",
		limit, &quarantined, &err), &err);
	return quarantined;
}

/* The entry for cdhash `which` as last read, or NULL. */
static const signet_quarantine_entry *entry_of(signet_quarantine *q, uint8_t which)
{
	static signet_quarantine_entry e;
	for (size_t i = 0; i < signet_quarantine_count(q); i++) {
		signet_error *err = NULL;
		SG_ASSERT_OK(signet_quarantine_get(&e, q, i, &err), &err);
		if (!memcmp(e.cdhash, cdhash(which), sizeof e.cdhash))
			return &e;
	}
	return NULL;
}

static void iso(char out[32], long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void test_counts_to_the_limit(void)
{
	signet_quarantine *q = open_store(fresh_store());
	signet_error *err = NULL;
	CU_ASSERT_FALSE(record(q, 0xab, 3));
	CU_ASSERT_FALSE(record(q, 0xab, 3));
	SG_ASSERT_OK(signet_quarantine_check(q, cdhash(0xab), &err), &err);
	const signet_quarantine_entry *e = entry_of(q, 0xab);
	CU_ASSERT_FATAL(e != NULL);
	CU_ASSERT_EQUAL(e->crashes, 2);
	CU_ASSERT_FALSE(e->quarantined);
	CU_ASSERT_TRUE(record(q, 0xab, 3)); /* the third crash of three */
	e = entry_of(q, 0xab);
	CU_ASSERT_FATAL(e != NULL);
	CU_ASSERT_EQUAL(e->crashes, 3);
	CU_ASSERT_TRUE(e->quarantined);
	CU_ASSERT_STRING_EQUAL(e->identifier, ID);
	CU_ASSERT_STRING_EQUAL(e->team, TEAM);
	CU_ASSERT_STRING_EQUAL(e->last_reason, "killed by SIGSEGV during 'crash'");
	long long now = (long long)time(NULL);
	CU_ASSERT(e->last_crash <= now && e->last_crash > now - 3600);
	char when[32], want[512];
	iso(when, e->last_crash);
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", 0xab);
	snprintf(want, sizeof want, "quarantined: " ID " (team " TEAM ") crashed 3 times, last: killed by SIGSEGV "
		"during 'crash' (%s); a new build starts afresh, or: signet-host quarantine clear %s", when, hex);
	CU_ASSERT_EQUAL(signet_quarantine_check(q, cdhash(0xab), &err), SIGNET_E_QUARANTINED);
	CU_ASSERT_FATAL(err != NULL);
	CU_ASSERT_STRING_EQUAL(signet_error_message(err), want);
	CU_ASSERT_STRING_EQUAL(signet_error_check(err), "quarantine.cdhash");
	CU_ASSERT_STRING_EQUAL(signet_error_actual(err), hex);
	signet_error_free(err);
	err = NULL;
	/* Another build of the same bundle starts afresh. */
	SG_ASSERT_OK(signet_quarantine_check(q, cdhash(0xac), &err), &err);
	CU_ASSERT_FALSE(record(q, 0xac, 3));
	SG_ASSERT_FAILS(signet_quarantine_check(q, cdhash(0xab), &err), &err, SIGNET_E_QUARANTINED,
		"crashed 3 times");
	/* Crashes after the quarantine still count; a raised limit does not free it. */
	CU_ASSERT_TRUE(record(q, 0xab, 10));
	CU_ASSERT_EQUAL(entry_of(q, 0xab)->crashes, 4);
	SG_ASSERT_FAILS(signet_quarantine_check(q, cdhash(0xab), &err), &err, SIGNET_E_QUARANTINED,
		"crashed 4 times");
	signet_quarantine_free(q);
}

static void test_limit_zero_and_one(void)
{
	signet_quarantine *q = open_store(fresh_store());
	signet_error *err = NULL;
	for (int i = 0; i < 20; i++)
		CU_ASSERT_FALSE(record(q, 1, 0));
	CU_ASSERT_EQUAL(entry_of(q, 1)->crashes, 20);
	SG_ASSERT_OK(signet_quarantine_check(q, cdhash(1), &err), &err);
	/* Limit 1: the first crash quarantines; "1 time", and no team said so. */
	bool quarantined = false;
	SG_ASSERT_OK(signet_quarantine_record_crash(q, cdhash(2), "org.x", NULL, "exited with status 3", 1,
		&quarantined, &err), &err);
	CU_ASSERT_TRUE(quarantined);
	CU_ASSERT_PTR_NULL(entry_of(q, 2)->team);
	SG_ASSERT_FAILS(signet_quarantine_check(q, cdhash(2), &err), &err, SIGNET_E_QUARANTINED,
		"quarantined: org.x (no team) crashed 1 time, last: exited with status 3 (");
	signet_quarantine_free(q);
}

static void test_persists_across_handles(void)
{
	const char *path = fresh_store();
	signet_quarantine *q = open_store(path);
	signet_error *err = NULL;
	CU_ASSERT_EQUAL(signet_quarantine_count(q), 0);
	record(q, 7, 2);
	record(q, 7, 2);
	record(q, 8, 2);
	signet_quarantine_free(q);
	q = open_store(path);
	CU_ASSERT_STRING_EQUAL(signet_quarantine_path(q), path);
	CU_ASSERT_EQUAL(signet_quarantine_count(q), 0); /* open reads nothing */
	SG_ASSERT_OK(signet_quarantine_reload(q, &err), &err);
	CU_ASSERT_EQUAL(signet_quarantine_count(q), 2);
	signet_quarantine_entry e;
	SG_ASSERT_OK(signet_quarantine_get(&e, q, 0, &err), &err); /* in the order they first crashed */
	CU_ASSERT(!memcmp(e.cdhash, cdhash(7), 32) && e.crashes == 2 && e.quarantined);
	SG_ASSERT_OK(signet_quarantine_get(&e, q, 1, &err), &err);
	CU_ASSERT(!memcmp(e.cdhash, cdhash(8), 32) && e.crashes == 1 && !e.quarantined);
	SG_ASSERT_FAILS(signet_quarantine_get(&e, q, 2, &err), &err, SIGNET_E_NOT_FOUND,
		"no quarantine entry 2: the store has 2");
	SG_ASSERT_FAILS(signet_quarantine_check(q, cdhash(7), &err), &err, SIGNET_E_QUARANTINED, "crashed 2 times");
	SG_ASSERT_OK(signet_quarantine_check(q, cdhash(8), &err), &err);
	signet_quarantine_free(q);
}

/* check() reads afresh: what another handle (another host) did counts at once. */
static void test_check_sees_other_handles(void)
{
	const char *path = fresh_store();
	signet_quarantine *a = open_store(path), *b = open_store(path);
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_quarantine_check(a, cdhash(3), &err), &err);
	record(b, 3, 1);
	SG_ASSERT_FAILS(signet_quarantine_check(a, cdhash(3), &err), &err, SIGNET_E_QUARANTINED, "crashed 1 time,");
	size_t cleared = 9;
	SG_ASSERT_OK(signet_quarantine_clear(b, cdhash(3), &cleared, &err), &err);
	CU_ASSERT_EQUAL(cleared, 1);
	SG_ASSERT_OK(signet_quarantine_check(a, cdhash(3), &err), &err);
	signet_quarantine_free(a);
	signet_quarantine_free(b);
}

static void test_clear_one_and_all(void)
{
	signet_quarantine *q = open_store(fresh_store());
	signet_error *err = NULL;
	for (uint8_t i = 1; i <= 3; i++) {
		record(q, i, 1);
		record(q, i, 1);
	}
	record(q, 4, 5);
	size_t cleared = 99;
	SG_ASSERT_OK(signet_quarantine_clear(q, cdhash(2), &cleared, &err), &err);
	CU_ASSERT_EQUAL(cleared, 1);
	CU_ASSERT_EQUAL(signet_quarantine_count(q), 3);
	CU_ASSERT_PTR_NULL(entry_of(q, 2));
	SG_ASSERT_OK(signet_quarantine_check(q, cdhash(2), &err), &err);
	/* Another cdhash is unaffected. */
	SG_ASSERT_FAILS(signet_quarantine_check(q, cdhash(1), &err), &err, SIGNET_E_QUARANTINED, "crashed 2 times");
	SG_ASSERT_FAILS(signet_quarantine_check(q, cdhash(3), &err), &err, SIGNET_E_QUARANTINED, "crashed 2 times");
	/* Clearing what is not there is no error, and clears nothing. */
	SG_ASSERT_OK(signet_quarantine_clear(q, cdhash(2), &cleared, &err), &err);
	CU_ASSERT_EQUAL(cleared, 0);
	/* Cleared starts from zero: one more crash is one. */
	record(q, 2, 3);
	CU_ASSERT_EQUAL(entry_of(q, 2)->crashes, 1);
	SG_ASSERT_OK(signet_quarantine_clear(q, NULL, &cleared, &err), &err);
	CU_ASSERT_EQUAL(cleared, 4);
	CU_ASSERT_EQUAL(signet_quarantine_count(q), 0);
	SG_ASSERT_OK(signet_quarantine_reload(q, &err), &err);
	CU_ASSERT_EQUAL(signet_quarantine_count(q), 0);
	SG_ASSERT_OK(signet_quarantine_check(q, cdhash(1), &err), &err);
	signet_quarantine_free(q);
}

static void test_directory_and_file_modes(void)
{
	mode_t old = umask(0); /* the modes are Signet's, not the umask's */
	const char *path = fresh_store();
	signet_quarantine *q = open_store(path);
	struct stat st;
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	*strrchr(dir, '/') = '\0';
	CU_ASSERT(stat(dir, &st) != 0 && errno == ENOENT); /* open creates nothing */
	record(q, 1, 3);
	umask(old);
	CU_ASSERT(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	CU_ASSERT(stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600);
	char lock[PATH_MAX + 8];
	snprintf(lock, sizeof lock, "%s.lock", path);
	CU_ASSERT(stat(lock, &st) == 0 && (st.st_mode & 0777) == 0600);
	*strrchr(dir, '/') = '\0'; /* the "state" directory above, made by mkdir -p */
	CU_ASSERT(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	/* The file is what docs/quarantine.md says: one entry per line. */
	size_t len = 0;
	char *text = (char *)sg_read_file(path, &len);
	char want[1024];
	snprintf(want, sizeof want, "{\"version\":1,\"entries\":[\n{\"cdhash\":\"%s\",\"identifier\":\"" ID
		"\",\"team\":\"" TEAM "\",\"crashes\":1,\"quarantined\":false,\"last_crash\":%lld,"
		"\"last_reason\":\"killed by SIGSEGV during 'crash'\"}\n]}\n",
		"0101010101010101010101010101010101010101010101010101010101010101", entry_of(q, 1)->last_crash);
	CU_ASSERT_STRING_EQUAL(text, want);
	free(text);
	signet_quarantine_free(q);
}

/* Eight processes record 50 crashes each at once: every one counts, and readers never see a torn file. */
static void test_concurrent_recorders_lose_nothing(void)
{
	sg_watchdog(300);
	const char *path = fresh_store();
	enum { WRITERS = 8, EACH = 50 };
	pid_t pids[WRITERS + 1];
	int stop[2];
	CU_ASSERT_FATAL(pipe(stop) == 0);
	/* A reader, reloading until the writers are done: any failure is a torn or half-written store. */
	pids[WRITERS] = fork();
	CU_ASSERT_FATAL(pids[WRITERS] >= 0);
	if (pids[WRITERS] == 0) {
		close(stop[1]);
		fcntl(stop[0], F_SETFL, O_NONBLOCK);
		signet_quarantine *q = NULL;
		int bad = signet_quarantine_open(&q, path, NULL) != 0;
		char c;
		unsigned reads = 0;
		while (!bad && (read(stop[0], &c, 1) < 0 && errno == EAGAIN)) {
			signet_error *err = NULL;
			if (signet_quarantine_reload(q, &err) != 0) {
				fprintf(stderr, "  reader: %s\n", signet_error_message(err));
				bad = 1;
			}
			signet_error_free(err);
			reads++;
		}
		signet_quarantine_free(q);
		_exit(bad ? 1 : reads > 0 ? 0 : 2); /* _exit: the parent's atexit would remove the sandbox */
	}
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		CU_ASSERT_FATAL(pids[w] >= 0);
		if (pids[w] == 0) {
			signet_quarantine *q = NULL;
			int bad = signet_quarantine_open(&q, path, NULL) != 0;
			for (int i = 0; i < EACH && !bad; i++) {
				signet_error *err = NULL;
				/* One shared build, and one of this writer's own. */
				if (signet_quarantine_record_crash(q, cdhash(0xee), ID, TEAM, "shared", 0, NULL, &err) != 0 ||
				    signet_quarantine_record_crash(q, cdhash((uint8_t)w), ID, NULL, "own", 0, NULL, &err) != 0) {
					fprintf(stderr, "  writer %d: %s\n", w, signet_error_message(err));
					bad = 1;
				}
				signet_error_free(err);
			}
			signet_quarantine_free(q);
			_exit(bad);
		}
	}
	int failed = 0;
	for (int w = 0; w < WRITERS; w++) {
		int status = 0;
		CU_ASSERT(waitpid(pids[w], &status, 0) == pids[w]);
		failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	close(stop[1]);
	close(stop[0]);
	int status = 0;
	CU_ASSERT(waitpid(pids[WRITERS], &status, 0) == pids[WRITERS]);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CU_ASSERT_EQUAL(failed, 0);
	signet_quarantine *q = open_store(path);
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_quarantine_reload(q, &err), &err);
	CU_ASSERT_EQUAL(signet_quarantine_count(q), WRITERS + 1);
	const signet_quarantine_entry *e = entry_of(q, 0xee);
	CU_ASSERT_FATAL(e != NULL);
	CU_ASSERT_EQUAL(e->crashes, WRITERS * EACH);
	for (int w = 0; w < WRITERS; w++) {
		e = entry_of(q, (uint8_t)w);
		CU_ASSERT(e && e->crashes == EACH);
	}
	signet_quarantine_free(q);
	alarm(0);
}

/*
 * A damaged store: reload() and check() fail with `code` and `reason`
 * (check fails closed), record_crash() and clearing one cdhash fail the same
 * way without touching the file, and clearing all rewrites it empty.
 */
static void expect_damaged(const char *path, int code, const char *reason)
{
	signet_quarantine *q = open_store(path);
	signet_error *err = NULL;
	char want[PATH_MAX + 512];
	snprintf(want, sizeof want, "%s: %s", path, reason);
	struct stat before, after;
	CU_ASSERT_FATAL(lstat(path, &before) == 0);
	SG_ASSERT_FAILS(signet_quarantine_reload(q, &err), &err, code, want);
	CU_ASSERT_EQUAL(signet_quarantine_count(q), 0);
	CU_ASSERT_EQUAL(signet_quarantine_check(q, cdhash(9), &err), code);
	CU_ASSERT_FATAL(err != NULL);
	if (!strstr(signet_error_message(err), want) || !strstr(signet_error_message(err), REPAIR)) {
		fprintf(stderr, "  message \"%s\" lacks \"%s\" or the repair\n", signet_error_message(err), want);
		CU_FAIL("check() on a damaged store");
	}
	signet_error_free(err);
	err = NULL;
	SG_ASSERT_FAILS(signet_quarantine_record_crash(q, cdhash(9), ID, TEAM, "x", 3, NULL, &err), &err, code,
		want);
	SG_ASSERT_FAILS(signet_quarantine_clear(q, cdhash(9), NULL, &err), &err, code, want);
	CU_ASSERT(lstat(path, &after) == 0 && after.st_ino == before.st_ino && after.st_size == before.st_size &&
		after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
	if (S_ISDIR(before.st_mode)) {
		/* rename() cannot replace a directory: clearing says so, and nothing loads meanwhile. */
		SG_ASSERT_FAILS(signet_quarantine_clear(q, NULL, NULL, &err), &err, SIGNET_E_IO,
			"cannot replace the store: Is a directory");
	} else {
		size_t cleared = 5;
		SG_ASSERT_OK(signet_quarantine_clear(q, NULL, &cleared, &err), &err);
		CU_ASSERT_EQUAL(cleared, 0);
		SG_ASSERT_OK(signet_quarantine_check(q, cdhash(9), &err), &err);
		CU_ASSERT_FALSE(record(q, 9, 3));
	}
	signet_quarantine_free(q);
}

#define ENTRY(cdhash, identifier, team, crashes, quarantined, last, reason) \
	"{\"cdhash\":" cdhash ",\"identifier\":" identifier ",\"team\":" team ",\"crashes\":" crashes \
	",\"quarantined\":" quarantined ",\"last_crash\":" last ",\"last_reason\":" reason "}"
#define GOOD_ENTRY ENTRY("\"" HEX_A "\"", "\"" ID "\"", "\"" TEAM "\"", "2", "false", "1765060867", "\"why\"")
#define STORE(entries) "{\"version\":1,\"entries\":[" entries "]}"

static void test_damaged_text(void)
{
	static const struct {
		const char *text;
		int code;
		const char *reason;
	} cases[] = {
		{ "{\"version\":1,\"entries\":[", SIGNET_E_STATE_DAMAGED,
		  "not JSON: line 1, column 24: ']' expected near end of file" },
		{ "", SIGNET_E_STATE_DAMAGED, "not JSON: line 1, column 0: '[' or '{' expected near end of file" },
		{ STORE(GOOD_ENTRY) " x", SIGNET_E_STATE_DAMAGED, "not JSON: line 1, column " },
		{ "[]", SIGNET_E_STATE_DAMAGED, "top level: expected an object, got an array" },
		{ "{\"version\":1}", SIGNET_E_STATE_DAMAGED, "top level: no \"entries\"" },
		{ "{\"version\":1,\"entries\":[],\"more\":1}", SIGNET_E_STATE_DAMAGED, "top level: unknown key \"more\"" },
		{ "{\"version\":2,\"entries\":[]}", SIGNET_E_STATE_DAMAGED, "version: 2: this Signet reads version 1" },
		{ "{\"version\":\"1\",\"entries\":[]}", SIGNET_E_STATE_DAMAGED,
		  "top level.version: expected an integer, got a string" },
		{ "{\"version\":1,\"entries\":{}}", SIGNET_E_STATE_DAMAGED, "entries: expected an array, got an object" },
		{ "{\"version\":1,\"version\":1,\"entries\":[]}", SIGNET_E_STATE_DAMAGED,
		  "not JSON: line 1, column 22: duplicate object key near '\"version\"'" },
		{ STORE("3"), SIGNET_E_STATE_DAMAGED, "entries[0]: expected an object, got an integer" },
		{ STORE(GOOD_ENTRY ",{}"), SIGNET_E_STATE_DAMAGED, "entries[1]: no \"cdhash\"" },
		{ STORE(ENTRY("\"" HEX_A "\"", "\"" ID "\"", "\"" TEAM "\"", "\"3\"", "false", "1", "\"why\"")),
		  SIGNET_E_STATE_DAMAGED, "entries[0].crashes: expected an integer, got a string" },
		{ STORE(ENTRY("\"" HEX_A "\"", "\"" ID "\"", "\"" TEAM "\"", "-1", "false", "1", "\"why\"")),
		  SIGNET_E_STATE_DAMAGED, "entries[0].crashes: -1: expected 1 to 1000000" },
		{ STORE(ENTRY("\"" HEX_A "\"", "\"" ID "\"", "\"" TEAM "\"", "0", "false", "1", "\"why\"")),
		  SIGNET_E_STATE_DAMAGED, "entries[0].crashes: 0: expected 1 to 1000000" },
		{ STORE(ENTRY("\"" HEX_A "\"", "\"" ID "\"", "\"" TEAM "\"", "99999999999999999999", "false", "1",
		  "\"why\"")), SIGNET_E_STATE_DAMAGED, "not JSON: line 1, column " },
		{ STORE(ENTRY("\"" HEX_A "\"", "\"" ID "\"", "\"" TEAM "\"", "1000001", "false", "1", "\"why\"")),
		  SIGNET_E_STATE_DAMAGED, "entries[0].crashes: 1000001: expected 1 to 1000000" },
		{ STORE(ENTRY("\"" HEX_A "\"", "\"" ID "\"", "\"" TEAM "\"", "2.5", "false", "1", "\"why\"")),
		  SIGNET_E_STATE_DAMAGED, "entries[0].crashes: expected an integer, got a real number" },
		{ STORE(ENTRY("\"" HEX_A "\"", "\"" ID "\"", "\"" TEAM "\"", "2", "1", "1", "\"why\"")),
		  SIGNET_E_STATE_DAMAGED, "entries[0].quarantined: expected a boolean, got an integer" },
		{ STORE(ENTRY("\"" HEX_A "\"", "\"" ID "\"", "\"" TEAM "\"", "2", "true", "-5", "\"why\"")),
		  SIGNET_E_STATE_DAMAGED, "entries[0].last_crash: -5: expected 0 to 253402300799" },
		{ STORE(ENTRY("\"xyz\"", "\"" ID "\"", "\"" TEAM "\"", "2", "true", "1", "\"why\"")),
		  SIGNET_E_STATE_DAMAGED, "entries[0].cdhash: \"xyz\": expected 64 lowercase hex digits" },
		{ STORE(ENTRY("\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"", "\"" ID "\"",
		  "\"" TEAM "\"", "2", "true", "1", "\"why\"")), SIGNET_E_STATE_DAMAGED,
		  "entries[0].cdhash: \"AAAAAAAAAA" },
		{ STORE(ENTRY("\"" HEX_A "0\"", "\"" ID "\"", "\"" TEAM "\"", "2", "true", "1", "\"why\"")),
		  SIGNET_E_STATE_DAMAGED, "entries[0].cdhash: \"" HEX_A "0\": expected 64 lowercase hex digits" },
		{ STORE(ENTRY("1", "\"" ID "\"", "\"" TEAM "\"", "2", "true", "1", "\"why\"")),
		  SIGNET_E_STATE_DAMAGED, "entries[0].cdhash: expected a string, got an integer" },
		{ STORE(ENTRY("\"" HEX_A "\"", "\"org/x\"", "\"" TEAM "\"", "2", "true", "1", "\"why\"")),
		  SIGNET_E_STATE_DAMAGED, "entries[0].identifier: \"org/x\": expected 1 to 255 characters" },
		{ STORE(ENTRY("\"" HEX_A "\"", "\"" ID "\"", "1", "2", "true", "1", "\"why\"")),
		  SIGNET_E_STATE_DAMAGED, "entries[0].team: expected a string or null, got an integer" },
		{ STORE(ENTRY("\"" HEX_A "\"", "\"" ID "\"", "null", "2", "true", "1", "\"a\\u0007b\"")),
		  SIGNET_E_STATE_DAMAGED, "entries[0].last_reason: \"a\\x07b\": expected 1 to 256 bytes of text" },
		{ STORE(ENTRY("\"" HEX_A "\"", "\"" ID "\"", "null", "2", "true", "1", "\"\"")),
		  SIGNET_E_STATE_DAMAGED, "entries[0].last_reason: \"\": expected 1 to 256 bytes" },
		{ STORE(ENTRY("\"" HEX_A "\"", "\"" ID "\"", "null", "2", "true", "1", "\"a\\u0000b\"")),
		  SIGNET_E_STATE_DAMAGED, "not JSON: line 1, column 220: \\u0000 is not allowed without JSON_ALLOW_NUL" },
		{ STORE(GOOD_ENTRY "," GOOD_ENTRY), SIGNET_E_STATE_DAMAGED,
		  "entries[1].cdhash: " HEX_A " is also entries[0]" },
		{ STORE(ENTRY("\"" HEX_A "\"", "\"" ID "\"", "\"" TEAM "\"", "2", "false", "1", "\"why\"") "," 
		  "{\"cdhash\":\"" HEX_B "\",\"identifier\":\"" ID "\",\"team\":null,\"crashes\":1,\"quarantined\":false,"
		  "\"last_crash\":1,\"last_reason\":\"x\",\"extra\":true}"), SIGNET_E_STATE_DAMAGED,
		  "entries[1]: unknown key \"extra\"" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_damaged(store_with(cases[i].text), cases[i].code, cases[i].reason);
}

/* A store of `n` entries: entry i crashed at time 1000 + i, quarantined when `quarantined(i)`. */
static const char *store_of(int n, bool (*quarantined)(int))
{
	size_t cap = (size_t)n * 200 + 64, len = 0;
	char *text = malloc(cap);
	CU_ASSERT_FATAL(text != NULL);
	len += (size_t)snprintf(text, cap, "{\"version\":1,\"entries\":[");
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s{\"cdhash\":\"%064x\",\"identifier\":\"a\",\"team\":null,"
			"\"crashes\":1,\"quarantined\":%s,\"last_crash\":%d,\"last_reason\":\"x\"}", i ? "," : "",
			i + 0x100, quarantined(i) ? "true" : "false", 1000 + i);
	snprintf(text + len, cap - len, "]}");
	const char *path = store_with(text);
	free(text);
	return path;
}

static bool first_two(int i) { return i < 2; }
static bool all(int i) { (void)i; return true; }

static void test_damaged_sizes_and_counts(void)
{
	/* 2 MiB of spaces: refused from fstat(), before a byte is read. */
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/quarantine.json", sg_sandbox());
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(ftruncate(fd, 2 << 20) == 0);
	close(fd);
	expect_damaged(path, SIGNET_E_LIMIT, "too large: 2097152 bytes, the limit is 1048576");
	/* More entries than any writer keeps. */
	expect_damaged(store_of(SIGNET_QUARANTINE_MAX_ENTRIES + 1, all), SIGNET_E_LIMIT,
		"entries: 4097 entries, at most 4096");
}

static void test_special_files_at_the_store(void)
{
	sg_watchdog(30); /* a FIFO opened without O_NONBLOCK would wait here forever */
	const sg_special *files = sg_special_files();
	for (int i = 0; i < 3; i++) { /* the FIFO, the socket, the directory, each in a sandbox */
		char reason[64];
		snprintf(reason, sizeof reason, "not a regular file (%s)", files[i].kind);
		expect_damaged(files[i].path, SIGNET_E_IO, reason);
	}
	/* A symlink to a good store is not followed. */
	const char *good = store_with(STORE(ENTRY("\"" HEX_A "\"", "\"" ID "\"", "\"" TEAM "\"", "2", "true", "1",
		"\"why\"")));
	char link[PATH_MAX];
	snprintf(link, sizeof link, "%s/link.json", sg_sandbox());
	CU_ASSERT_FATAL(symlink(good, link) == 0);
	expect_damaged(link, SIGNET_E_IO, "not a regular file (a symlink)");
	alarm(0);
}

static void test_directory_others_may_write(void)
{
	const char *path = fresh_store();
	signet_quarantine *q = open_store(path);
	signet_error *err = NULL;
	record(q, 1, 1);
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	*strrchr(dir, '/') = '\0';
	char want[PATH_MAX + 128];
	snprintf(want, sizeof want, "%s: not a directory of this user that only it may write", dir);
	CU_ASSERT_FATAL(chmod(dir, 0770) == 0);
	/* Anyone in the group could have replaced the store: it is not believed, and the build stays refused. */
	SG_ASSERT_FAILS(signet_quarantine_reload(q, &err), &err, SIGNET_E_IO, want);
	SG_ASSERT_FAILS(signet_quarantine_check(q, cdhash(1), &err), &err, SIGNET_E_IO, want);
	SG_ASSERT_FAILS(signet_quarantine_check(q, cdhash(2), &err), &err, SIGNET_E_IO,
		"isolated guests are refused until only this user may write it");
	SG_ASSERT_FAILS(signet_quarantine_clear(q, NULL, NULL, &err), &err, SIGNET_E_IO, want);
	CU_ASSERT_FATAL(chmod(dir, 0700) == 0);
	SG_ASSERT_FAILS(signet_quarantine_check(q, cdhash(1), &err), &err, SIGNET_E_QUARANTINED, "crashed 1 time");
	signet_quarantine_free(q);
}

static void expect_default(const char *state, const char *home, const char *want)
{
	if (state)
		setenv("XDG_STATE_HOME", state, 1);
	else
		unsetenv("XDG_STATE_HOME");
	if (home)
		setenv("HOME", home, 1);
	else
		unsetenv("HOME");
	signet_quarantine *q = NULL;
	signet_error *err = NULL;
	if (want) {
		SG_ASSERT_OK(signet_quarantine_open(&q, NULL, &err), &err);
		CU_ASSERT_STRING_EQUAL(signet_quarantine_path(q), want);
		signet_quarantine_free(q);
	} else {
		SG_ASSERT_FAILS(signet_quarantine_open(&q, NULL, &err), &err, SIGNET_E_NOT_FOUND,
			"no place for the quarantine store: neither $XDG_STATE_HOME nor $HOME is set to an absolute path");
		CU_ASSERT_PTR_NULL(q);
	}
}

static void test_default_path(void)
{
	char *saved_state = getenv("XDG_STATE_HOME") ? strdup(getenv("XDG_STATE_HOME")) : NULL;
	char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	expect_default("/x/state", "/home/u", "/x/state/signet/quarantine.json");
	expect_default(NULL, "/home/u", "/home/u/.local/state/signet/quarantine.json");
	expect_default("", "/home/u", "/home/u/.local/state/signet/quarantine.json");
	expect_default("relative", "/home/u", "/home/u/.local/state/signet/quarantine.json"); /* the spec: ignored */
	expect_default(NULL, NULL, NULL);
	expect_default("relative", "also-relative", NULL);
	/* And it is used: a record lands there. */
	const char *dir = sg_sandbox();
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/signet/quarantine.json", dir);
	expect_default(dir, NULL, path);
	signet_quarantine *q = NULL;
	signet_error *err = NULL;
	SG_ASSERT_OK(signet_quarantine_open(&q, NULL, &err), &err);
	record(q, 1, 3);
	struct stat st;
	CU_ASSERT(stat(path, &st) == 0 && S_ISREG(st.st_mode));
	signet_quarantine_free(q);
	SG_ASSERT_FAILS(signet_quarantine_open(&q, "", &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"\"\" does not name a file for the quarantine store");
	SG_ASSERT_FAILS(signet_quarantine_open(&q, "/tmp/", &err), &err, SIGNET_E_INVALID_ARGUMENT,
		"\"/tmp/\" does not name a file");
	if (saved_state)
		setenv("XDG_STATE_HOME", saved_state, 1);
	else
		unsetenv("XDG_STATE_HOME");
	if (saved_home)
		setenv("HOME", saved_home, 1);
	else
		unsetenv("HOME");
	free(saved_state);
	free(saved_home);
}

static void test_arguments_and_reasons(void)
{
	signet_quarantine *q = open_store(fresh_store());
	signet_error *err = NULL;
	SG_ASSERT_FAILS(signet_quarantine_record_crash(q, cdhash(1), "org/x", TEAM, "r", 3, NULL, &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "the identifier must be 1 to 255 characters of A-Z a-z 0-9 . - _");
	SG_ASSERT_FAILS(signet_quarantine_record_crash(q, cdhash(1), ID, "", "r", 3, NULL, &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "the team must be NULL or 1 to 64 characters");
	SG_ASSERT_FAILS(signet_quarantine_record_crash(q, cdhash(1), ID, TEAM, NULL, 3, NULL, &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "needs a store, a cdhash and a reason");
	SG_ASSERT_FAILS(signet_quarantine_record_crash(q, NULL, ID, TEAM, "r", 3, NULL, &err), &err,
		SIGNET_E_INVALID_ARGUMENT, "needs a store, a cdhash and a reason");
	SG_ASSERT_FAILS(signet_quarantine_check(q, NULL, &err), &err, SIGNET_E_INVALID_ARGUMENT, "needs");
	/* Control characters and bytes that are not UTF-8 become '?'; UTF-8 stays. */
	SG_ASSERT_OK(signet_quarantine_record_crash(q, cdhash(1), ID, TEAM, "line\nbreak\x1b[31m \xff caf\xc3\xa9", 3,
		NULL, &err), &err);
	CU_ASSERT_STRING_EQUAL(entry_of(q, 1)->last_reason, "line?break?[31m ? caf\xc3\xa9");
	/* Too long: cut at a character boundary, with "...", within the limit. */
	char longer[600];
	memset(longer, 'x', 252);
	strcpy(longer + 252, "\xc3\xa9\xc3\xa9 and more after that");
	SG_ASSERT_OK(signet_quarantine_record_crash(q, cdhash(2), ID, TEAM, longer, 3, NULL, &err), &err);
	const char *kept = entry_of(q, 2)->last_reason;
	CU_ASSERT_EQUAL(strlen(kept), 252 + 3); /* 252 + é + ... would be 257 */
	CU_ASSERT(strncmp(kept, longer, 252) == 0 && strcmp(kept + 252, "...") == 0);
	/* Exactly the limit: kept whole. */
	memset(longer, 'y', SIGNET_QUARANTINE_MAX_REASON);
	longer[SIGNET_QUARANTINE_MAX_REASON] = '\0';
	SG_ASSERT_OK(signet_quarantine_record_crash(q, cdhash(3), ID, TEAM, longer, 3, NULL, &err), &err);
	CU_ASSERT_STRING_EQUAL(entry_of(q, 3)->last_reason, longer);
	/* And the store reads back what it wrote. */
	SG_ASSERT_OK(signet_quarantine_reload(q, &err), &err);
	CU_ASSERT_EQUAL(signet_quarantine_count(q), 3);
	signet_quarantine_free(q);
}

/* The cdhash of store_of()'s entry i. */
static bool is_entry(const signet_quarantine_entry *e, int i)
{
	uint8_t want[32] = { 0 };
	want[30] = (uint8_t)((i + 0x100) >> 8);
	want[31] = (uint8_t)(i + 0x100);
	return !memcmp(e->cdhash, want, 32);
}

static void test_full_store_forgets_oldest_crash(void)
{
	signet_quarantine *q = open_store(store_of(SIGNET_QUARANTINE_MAX_ENTRIES, first_two));
	signet_error *err = NULL;
	record(q, 0xf0, 3);
	CU_ASSERT_EQUAL(signet_quarantine_count(q), SIGNET_QUARANTINE_MAX_ENTRIES);
	signet_quarantine_entry e;
	/* Entries 0 and 1 are quarantines and stay; entry 2, the oldest other crash, went. */
	SG_ASSERT_OK(signet_quarantine_get(&e, q, 0, &err), &err);
	CU_ASSERT(is_entry(&e, 0) && e.quarantined);
	SG_ASSERT_OK(signet_quarantine_get(&e, q, 1, &err), &err);
	CU_ASSERT(is_entry(&e, 1) && e.quarantined);
	SG_ASSERT_OK(signet_quarantine_get(&e, q, 2, &err), &err);
	CU_ASSERT(is_entry(&e, 3));
	CU_ASSERT_PTR_NOT_NULL(entry_of(q, 0xf0));
	signet_quarantine_free(q);
	/* All quarantined: the oldest quarantine goes, never the new crash. */
	q = open_store(store_of(SIGNET_QUARANTINE_MAX_ENTRIES, all));
	record(q, 0xf1, 3);
	CU_ASSERT_EQUAL(signet_quarantine_count(q), SIGNET_QUARANTINE_MAX_ENTRIES);
	SG_ASSERT_OK(signet_quarantine_get(&e, q, 0, &err), &err);
	CU_ASSERT(is_entry(&e, 1));
	CU_ASSERT_PTR_NOT_NULL(entry_of(q, 0xf1));
	signet_quarantine_free(q);
}

/* Whatever is recorded, the file stays under the size its readers accept. */
static void test_store_stays_under_its_size_limit(void)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/quarantine.json", sg_sandbox());
	signet_quarantine *q = open_store(path);
	signet_error *err = NULL;
	/* The longest entries there can be: 255-character identifiers, 64-character teams, quoted reasons. */
	char identifier[256], team[65], reason[SIGNET_QUARANTINE_MAX_REASON + 1];
	memset(identifier, 'i', 255);
	identifier[255] = '\0';
	memset(team, 'T', 64);
	team[64] = '\0';
	memset(reason, '"', SIGNET_QUARANTINE_MAX_REASON); /* each written as \" */
	reason[SIGNET_QUARANTINE_MAX_REASON] = '\0';
	/* The store filled to the size limit with ~520-byte entries; each new one is ~1 KiB. */
	size_t n = SIGNET_QUARANTINE_MAX_FILE_SIZE / 400;
	char *text = malloc(n * 1200 + 64);
	CU_ASSERT_FATAL(text != NULL);
	size_t len = (size_t)sprintf(text, "{\"version\":1,\"entries\":[");
	size_t wanted = 0;
	for (size_t i = 0; i < n; i++) {
		char line[1400];
		int k = snprintf(line, sizeof line, "%s{\"cdhash\":\"%064zx\",\"identifier\":\"%s\",\"team\":\"%s\","
			"\"crashes\":1,\"quarantined\":false,\"last_crash\":%zu,\"last_reason\":\"%s\"}", i ? "," : "", i + 1,
			identifier, team, 1000 + i, "plain");
		if (len + (size_t)k + 3 > SIGNET_QUARANTINE_MAX_FILE_SIZE - 4096)
			break;
		memcpy(text + len, line, (size_t)k);
		len += (size_t)k;
		wanted++;
	}
	memcpy(text + len, "]}", 3);
	sg_write_file(path, text, len + 2, 0600);
	free(text);
	/* Each record adds an entry ~500 bytes longer than the ones in the store. */
	for (int i = 0; i < 20; i++) {
		uint8_t h[32] = { 0xcc, (uint8_t)i };
		SG_ASSERT_OK(signet_quarantine_record_crash(q, h, identifier, team, reason, 3, NULL, &err), &err);
		struct stat st;
		CU_ASSERT_FATAL(stat(path, &st) == 0);
		CU_ASSERT(st.st_size <= SIGNET_QUARANTINE_MAX_FILE_SIZE);
	}
	SG_ASSERT_OK(signet_quarantine_reload(q, &err), &err);
	size_t count = signet_quarantine_count(q);
	CU_ASSERT(count < wanted + 20 && count > wanted / 2);
	signet_quarantine_entry e;
	/* The oldest went first: the survivors are the newest of the old, then all 20 new. */
	SG_ASSERT_OK(signet_quarantine_get(&e, q, count - 1, &err), &err);
	CU_ASSERT(e.cdhash[0] == 0xcc && e.cdhash[1] == 19);
	SG_ASSERT_OK(signet_quarantine_get(&e, q, 0, &err), &err);
	CU_ASSERT(e.last_crash > 1000);
	signet_quarantine_free(q);
}

int main(void)
{
	static const sg_test tests[] = {
		{ "crashes count to the limit; the refusal says why and how to clear", test_counts_to_the_limit },
		{ "limit 0 never quarantines, limit 1 at the first crash", test_limit_zero_and_one },
		{ "the store persists across handles", test_persists_across_handles },
		{ "check() sees what other handles recorded and cleared", test_check_sees_other_handles },
		{ "clear one, clear all, other cdhashes unaffected", test_clear_one_and_all },
		{ "directory 0700, file 0600, the documented format", test_directory_and_file_modes },
		{ "8 processes x 50 records: no update lost, no torn read", test_concurrent_recorders_lose_nothing },
		{ "damaged text: the exact reason, fails closed, clear --all repairs", test_damaged_text },
		{ "a 2 MiB store, too many entries", test_damaged_sizes_and_counts },
		{ "a FIFO, socket, directory or symlink at the store", test_special_files_at_the_store },
		{ "a store directory others may write is not believed", test_directory_others_may_write },
		{ "the default path from XDG_STATE_HOME, HOME, neither", test_default_path },
		{ "arguments checked; reasons cleaned and cut", test_arguments_and_reasons },
		{ "a full store forgets the oldest crash, quarantines last", test_full_store_forgets_oldest_crash },
		{ "the store stays under its size limit", test_store_stays_under_its_size_limit },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "quarantine", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
