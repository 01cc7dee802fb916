/* SPDX-License-Identifier: MIT */
/*
 * test_imagelog.c - SIGNET_PRINT_IMAGES in real child processes: to stderr,
 * appended to a file, and off when unset.
 */
#include "config.h"

#include <fcntl.h>
#include <stdbool.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* Runs the child with SIGNET_PRINT_IMAGES=value (NULL: unset); its stderr
 * goes to `stderr_path`. Returns the exit status. */
static pid_t last_child;

static int run_child(const char *value, const char *stderr_path, const char *library)
{
	char child[PATH_MAX];
	snprintf(child, sizeof child, "%s/tests/imagelog/imagelog_child", sg_builddir());
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		int fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(98);
		if (value)
			setenv("SIGNET_PRINT_IMAGES", value, 1);
		else
			unsetenv("SIGNET_PRINT_IMAGES");
		execl(child, child, library, sg_test_pki("root.pem"), (char *)NULL);
		_exit(97);
	}
	last_child = pid;
	/* 20 s at most: a child that hangs (on a FIFO log, say) fails instead of hanging the suite. */
	int status = 0;
	for (int tenths = 0; waitpid(pid, &status, WNOHANG) == 0; tenths++) {
		if (tenths == 200) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return 124;
		}
		usleep(100 * 1000);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return strdup("");
	char *buf = calloc(1, 1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* ---- the parsing rule of docs/image-log.md ("Parsing") ---- */

#define MAX_FIELDS 16

typedef struct field {
	char key[32];
	char value[PATH_MAX + 8192];
} field;

typedef struct parsed {
	char event[16];
	size_t n;
	field f[MAX_FIELDS];
	char keys[512]; /* the keys in order, separated by spaces */
} parsed;

/*
 * Parses one line (without its newline) by the documented rule: the prefix,
 * the event, then KEY=VALUE fields separated by single spaces, a value
 * quoted ("...", no '"' inside) or bare (up to the next space), and path=
 * last, running to the end of the line. False when the line breaks it.
 */
static bool parse_line(const char *line, parsed *out)
{
	static const char prefix[] = "signet-image: ";
	memset(out, 0, sizeof *out);
	if (strncmp(line, prefix, sizeof prefix - 1) != 0 || strchr(line, '\n'))
		return false;
	const char *p = line + sizeof prefix - 1;
	const char *sp = strchr(p, ' ');
	if (!sp || sp == p || (size_t)(sp - p) >= sizeof out->event)
		return false;
	memcpy(out->event, p, (size_t)(sp - p));
	for (p = sp + 1; out->n < MAX_FIELDS;) {
		field *f = &out->f[out->n++];
		const char *eq = strchr(p, '=');
		if (!eq || eq == p || (size_t)(eq - p) >= sizeof f->key)
			return false;
		memcpy(f->key, p, (size_t)(eq - p));
		if (strspn(f->key, "abcdefghijklmnopqrstuvwxyz-") != strlen(f->key))
			return false;
		size_t used = strlen(out->keys);
		snprintf(out->keys + used, sizeof out->keys - used, "%s%s", used ? " " : "", f->key);
		const char *v = eq + 1, *end;
		if (strcmp(f->key, "path") == 0) {
			if (!*v || strlen(v) >= sizeof f->value)
				return false;
			strcpy(f->value, v);
			return true;
		}
		if (*v == '"') {
			end = strchr(v + 1, '"');
			if (!end)
				return false;
			end++;
		} else {
			end = strchr(v, ' ');
			if (!end || end == v)
				return false; /* a bare value, and path= must still follow */
		}
		if (*end != ' ' || (size_t)(end - v) >= sizeof f->value)
			return false;
		memcpy(f->value, v, (size_t)(end - v));
		p = end + 1;
	}
	return false;
}

/* The value of `key`, or "" when the line has no such field. */
static const char *get(const parsed *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->f[i].key, key) == 0)
			return l->f[i].value;
	return "";
}

/* Is this one of the documented shapes: the keys in order for its event and identity? */
static bool shape_ok(const parsed *l)
{
	static const char image[] = "pid base id build-id arrival identity";
	if (strcmp(l->event, "refuse") == 0)
		return strcmp(l->keys, "pid code check reason path") == 0;
	if (strcmp(l->event, "add") != 0 && strcmp(l->event, "remove") != 0)
		return false;
	const char *identity = get(l, "identity");
	const char *tail = strcmp(identity, "verified") == 0 ? " team identifier cdhash path"
		: strcmp(identity, "invalid") == 0 ? " code reason path"
		: strcmp(identity, "unsigned") == 0 || strcmp(identity, "platform") == 0 ? " path" : NULL;
	if (!tail)
		return false;
	char want[256];
	snprintf(want, sizeof want, "%s%s", image, tail);
	return strcmp(l->keys, want) == 0;
}

/* Each line of `text` in turn (copied into `line`, without its newline); NULL at the end. */
static const char *next_line(const char *text, char *line, size_t size)
{
	const char *nl = strchr(text, '\n');
	if (!nl)
		return NULL;
	size_t len = (size_t)(nl - text);
	if (len >= size)
		len = size - 1;
	memcpy(line, text, len);
	line[len] = '\0';
	return nl + 1;
}

/* The first line of `text` with this event, arrival and path, parsed into `out`; false when none. */
static bool find(const char *text, const char *event, const char *arrival, const char *path, parsed *out)
{
	char line[PATH_MAX + 16384];
	for (const char *at = text; (at = next_line(at, line, sizeof line));) {
		if (!parse_line(line, out) || strcmp(out->event, event) != 0 || strcmp(get(out, "path"), path) != 0)
			continue;
		if (!arrival || strcmp(get(out, "arrival"), arrival) == 0)
			return true;
	}
	return false;
}

/* Every line of `text` after `skip` bytes parses, has a documented shape and the child's pid. */
static void assert_every_line(const char *text, pid_t pid)
{
	char line[PATH_MAX + 16384], want_pid[32];
	snprintf(want_pid, sizeof want_pid, "%ld", (long)pid);
	size_t lines = 0;
	parsed *l = malloc(sizeof *l);
	for (const char *at = text; (at = next_line(at, line, sizeof line)); lines++) {
		bool ok = parse_line(line, l) && shape_ok(l) && strcmp(get(l, "pid"), want_pid) == 0;
		if (!ok)
			fprintf(stderr, "bad line: %s\n", line);
		CU_ASSERT(ok);
	}
	CU_ASSERT(lines > 3);
	free(l);
}

/* A fixture's line: verified, signed by the test team, with its identifier. */
static bool find_signed(const char *text, const char *event, const char *path, const char *identifier)
{
	parsed *l = malloc(sizeof *l);
	bool ok = find(text, event, "signet", path, l) && strcmp(get(l, "identity"), "verified") == 0 &&
		strcmp(get(l, "team"), "ABCDE12345") == 0 && strcmp(get(l, "identifier"), identifier) == 0 &&
		strlen(get(l, "cdhash")) >= 40 && strspn(get(l, "cdhash"), "0123456789abcdef") == strlen(get(l, "cdhash"));
	free(l);
	return ok;
}

static void test_log_to_a_file(void)
{
	const char *dir = sg_sandbox();
	char log[PATH_MAX], err[PATH_MAX];
	snprintf(log, sizeof log, "%s/images.log", dir);
	snprintf(err, sizeof err, "%s/stderr", dir);
	const char *lib = sg_fixture("libfixture0.so");
	/* Appends: an existing first line stays. */
	FILE *f = fopen(log, "w");
	fputs("existing line\n", f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(run_child(log, err, lib), 0);
	char *text = slurp(log);
	CU_ASSERT(strncmp(text, "existing line\n", 14) == 0);

	assert_every_line(text + 14, last_child);
	parsed *l = malloc(sizeof *l);
	/* The executable's line: first after ours, arrival main, real path, unsigned. */
	char exe[PATH_MAX];
	snprintf(exe, sizeof exe, "signet-image: add pid=%ld base=0x", (long)last_child);
	CU_ASSERT(strncmp(text + 14, exe, strlen(exe)) == 0);
	char line[PATH_MAX + 16384];
	next_line(text + 14, line, sizeof line);
	CU_ASSERT(parse_line(line, l) && strcmp(get(l, "arrival"), "main") == 0 &&
		strcmp(get(l, "identity"), "unsigned") == 0 && strstr(get(l, "path"), "imagelog_child"));
	CU_ASSERT(find(text, "add", "startup", "/lib/x86_64-linux-gnu/libc.so.6", l) ||
		find(text, "add", "startup", "/usr/lib/x86_64-linux-gnu/libc.so.6", l));
	CU_ASSERT_STRING_EQUAL(get(l, "identity"), "unsigned");
	CU_ASSERT(find_signed(text, "add", lib, "org.signet.test.fixture0"));
	CU_ASSERT(find_signed(text, "remove", lib, "org.signet.test.fixture0"));
	/* add before remove, and the same record */
	CU_ASSERT_FATAL(find(text, "add", "signet", lib, l));
	char id[32];
	snprintf(id, sizeof id, "%s", get(l, "id"));
	/* The fixture has a 20-byte build-id: 40 hex digits. */
	CU_ASSERT_EQUAL(strlen(get(l, "build-id")), 40);
	CU_ASSERT_EQUAL(strspn(get(l, "build-id"), "0123456789abcdef"), 40);
	CU_ASSERT_FATAL(find(text, "remove", "signet", lib, l));
	CU_ASSERT_STRING_EQUAL(get(l, "id"), id);
	const char *add = strstr(text, " arrival=signet identity=verified");
	const char *rm = strstr(text, "signet-image: remove ");
	CU_ASSERT(add && rm && add < rm);
	/* The refusal, exactly: code, check, the quoted reason, and the path last. */
	char want[1024];
	snprintf(want, sizeof want, "signet-image: refuse pid=%ld code=SIGNET_E_IO check=load.open "
		"reason=\"/nonexistent/librefused.so: cannot open: No such file or directory\" "
		"path=/nonexistent/librefused.so\n", (long)last_child);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
	/* A path with a space, a quote, a backslash and a newline: escaped in the reason and the path alike. */
	CU_ASSERT(find(text, "refuse", NULL, "/nonexistent/odd \"name\"\\x5c\\x0a.so", l));
	CU_ASSERT_PTR_NOT_NULL(strstr(get(l, "reason"), "odd \\x22name\\x22\\x5c\\x0a.so"));
	CU_ASSERT_EQUAL(get(l, "reason")[0], '"');
	free(l);
	free(text);
	char *errtext = slurp(err);
	CU_ASSERT_STRING_EQUAL(errtext, ""); /* nothing on stderr */
	free(errtext);
}

static void test_log_to_stderr_and_off(void)
{
	const char *dir = sg_sandbox();
	char err[PATH_MAX];
	snprintf(err, sizeof err, "%s/stderr", dir);
	const char *lib = sg_fixture("libfixture1.so");
	CU_ASSERT_EQUAL_FATAL(run_child("1", err, lib), 0);
	char *text = slurp(err);
	assert_every_line(text, last_child);
	CU_ASSERT(find_signed(text, "add", lib, "org.signet.test.fixture1"));
	CU_ASSERT(find_signed(text, "remove", lib, "org.signet.test.fixture1"));
	free(text);

	CU_ASSERT_EQUAL_FATAL(run_child(NULL, err, lib), 0);
	text = slurp(err);
	CU_ASSERT_STRING_EQUAL(text, "");
	free(text);
	/* A relative path is not a log destination: nothing is written anywhere. */
	CU_ASSERT_EQUAL_FATAL(run_child("relative.log", err, lib), 0);
	text = slurp(err);
	CU_ASSERT_STRING_EQUAL(text, "");
	free(text);
	CU_ASSERT_EQUAL(access("relative.log", F_OK), -1);
}

/*
 * The log path is opened before main() of every program linking libsignet:
 * a FIFO with no reader, a socket, a directory or a device there must not
 * hang or break the program. It runs, logs nothing, and writes nothing.
 */
static void test_log_to_a_special_file(void)
{
	const sg_special *files = sg_special_files();
	char err[PATH_MAX];
	snprintf(err, sizeof err, "%s/stderr", sg_sandbox());
	for (int i = 0; i < SG_SPECIAL_COUNT; i++) {
		CU_ASSERT_EQUAL(run_child(files[i].path, err, sg_fixture("libfixture1.so")), 0);
		char *text = slurp(err);
		CU_ASSERT_STRING_EQUAL(text, "");
		free(text);
	}
}

/*
 * The example lines of docs/image-log.md parse by the same rule, in the
 * documented shapes, and show every event and identity kind.
 */
static void test_doc_examples_parse(void)
{
	char doc[PATH_MAX];
	snprintf(doc, sizeof doc, "%s/docs/image-log.md", sg_srcdir());
	char *text = slurp(doc);
	char line[PATH_MAX + 16384];
	parsed *l = malloc(sizeof *l);
	size_t examples = 0;
	bool seen_refuse = false, seen_remove = false, seen_verified = false, seen_invalid = false, seen_unsigned = false;
	for (const char *at = text; (at = next_line(at, line, sizeof line));) {
		/* Example lines, not the format's templates (which have PID for a pid). */
		if (strncmp(line, "signet-image: ", 14) != 0 || strstr(line, "pid=PID"))
			continue;
		examples++;
		bool ok = parse_line(line, l) && shape_ok(l) && strspn(get(l, "pid"), "0123456789") == strlen(get(l, "pid"));
		if (!ok)
			fprintf(stderr, "doc line breaks the rule: %s\n", line);
		CU_ASSERT(ok);
		seen_refuse |= strcmp(l->event, "refuse") == 0;
		seen_remove |= strcmp(l->event, "remove") == 0;
		const char *identity = get(l, "identity");
		seen_verified |= strcmp(identity, "verified") == 0;
		seen_invalid |= strcmp(identity, "invalid") == 0;
		seen_unsigned |= strcmp(identity, "unsigned") == 0;
	}
	CU_ASSERT(examples >= 5);
	CU_ASSERT(seen_refuse && seen_remove && seen_verified && seen_invalid && seen_unsigned);
	/* The rule itself refuses what it should: the old refuse line, with the path before the reason. */
	CU_ASSERT_FALSE(parse_line("signet-image: refuse code=SIGNET_E_IO check=load.open path=/x reason=/x: cannot open", l)
		&& shape_ok(l));
	CU_ASSERT_FALSE(parse_line("signet-image: add pid=1 base=0x0 id=1 build-id=- arrival=main identity=unsigned", l));
	free(l);
	free(text);
}

int main(void)
{
	static const sg_test tests[] = {
		{ "SIGNET_PRINT_IMAGES=/file appends add and remove lines", test_log_to_a_file },
		{ "SIGNET_PRINT_IMAGES=1 logs to stderr; unset logs nothing", test_log_to_stderr_and_off },
		{ "a FIFO, socket, directory or device as the log: no hang, no log", test_log_to_a_special_file },
		{ "docs/image-log.md's example lines parse by its rule", test_doc_examples_parse },
		{ NULL, NULL },
	};
	static const sg_suite suites[] = { { "imagelog", tests }, { NULL, NULL } };
	return sg_test_main(suites);
}
