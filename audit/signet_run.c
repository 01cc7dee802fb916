/* SPDX-License-Identifier: MIT */
/*
 * signet_run.c - signet-run: runs an unmodified program under the audit
 * module (libsignet-audit.so), so that every library it maps is validated
 * (docs/audit.md).
 *
 * It replaces itself with the program (exec), so the program keeps the pid,
 * the terminal, the signals and the exit status it would have had. Before
 * that it refuses whatever ld.so would run unaudited without a word, since
 * a library validator that can be skipped silently protects nothing:
 *  - a set-user-ID, set-group-ID or file-capability program (secure
 *    execution: ld.so ignores LD_AUDIT);
 *  - a statically linked program (no ld.so at all);
 *  - a program for another ELF class or machine (its ld.so cannot load
 *    this build's module);
 *  - a module that is missing or cannot be loaded (ld.so prints a warning
 *    and goes on without it): it is loaded once here, in a namespace of its
 *    own, to prove that it can be.
 *
 * Thread-safety: single-threaded program.
 */
#include "config.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cli/cli.h"

/* Exit statuses of signet-run itself, as a shell's: the program could not run, or was not found. */
enum { EXIT_CANNOT_RUN = 126, EXIT_NOT_FOUND = 127 };

#ifndef SIGNET_AUDIT_MODULE
#  define SIGNET_AUDIT_MODULE "/usr/local/lib/signet/libsignet-audit.so"
#endif

static void usage(FILE *to)
{
	fputs("Usage: signet-run [OPTIONS] [--] PROGRAM [ARGS...]\n"
	      "\n"
	      "Runs PROGRAM with library validation: every library it maps (start-up\n"
	      "dependencies, LD_PRELOAD entries, dlopen() later) must be signed and\n"
	      "admitted by the policy, or a platform library the policy trusts by\n"
	      "location; so must PROGRAM itself. A refused library is never mapped.\n"
	      "\n"
	      "Options:\n"
	      "  --policy FILE        the policy (default: as every Signet program, docs/policy.md)\n"
	      "  --anchors PATH       trust anchors replacing the policy's (PEM file or directory)\n"
	      "  --requirement TEXT   the requirement replacing the policy's\n"
	      "  --log-only           enforce nothing: print each image's identity and every\n"
	      "                       refusal that would have happened (would-refuse lines)\n"
	      "  --log FILE           append the image log to FILE (an absolute path) instead of\n"
	      "                       standard error\n"
	      "  -h, --help           this text\n"
	      "      --version        the version\n"
	      "\n"
	      "Exit status: PROGRAM's own; 126 when PROGRAM cannot run audited or is refused,\n"
	      "127 when it is not found (or a library it needs has no acceptable candidate,\n"
	      "as ld.so reports), 2 for a bad command line. docs/audit.md has the details.\n", to);
}

enum { OPT_POLICY = 0x100, OPT_ANCHORS, OPT_REQUIREMENT, OPT_LOG_ONLY, OPT_LOG, OPT_VERSION };

static const struct option options[] = {
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "anchors", required_argument, NULL, OPT_ANCHORS },
	{ "requirement", required_argument, NULL, OPT_REQUIREMENT },
	{ "log-only", no_argument, NULL, OPT_LOG_ONLY },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* PROGRAM as execvp() would find it: a name with a '/' as is, else the first executable file on $PATH. */
static bool find_program(const char *name, char out[PATH_MAX])
{
	if (strchr(name, '/'))
		return snprintf(out, PATH_MAX, "%s", name) < PATH_MAX;
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *end = strchr(path, ':');
		size_t len = end ? (size_t)(end - path) : strlen(path);
		struct stat st;
		int n = len ? snprintf(out, PATH_MAX, "%.*s/%s", (int)len, path, name)
			: snprintf(out, PATH_MAX, "%s", name);
		if (n > 0 && n < PATH_MAX && stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return true;
		path += len + (end ? 1 : 0);
	}
	return false;
}

#if defined(__LP64__)
#  define OUR_CLASS ELFCLASS64
#else
#  define OUR_CLASS ELFCLASS32
#endif

#if defined(__x86_64__)
#  define OUR_MACHINE EM_X86_64
#elif defined(__aarch64__)
#  define OUR_MACHINE EM_AARCH64
#elif defined(__i386__)
#  define OUR_MACHINE EM_386
#elif defined(__arm__)
#  define OUR_MACHINE EM_ARM
#elif defined(__powerpc64__)
#  define OUR_MACHINE EM_PPC64
#elif defined(__s390x__)
#  define OUR_MACHINE EM_S390
#elif defined(__riscv)
#  define OUR_MACHINE EM_RISCV
#else
#  define OUR_MACHINE EM_NONE /* unknown: the class alone is checked */
#endif

/* Reads exactly `len` bytes at `off`, or fails. */
static bool read_at(int fd, void *buf, size_t len, off_t off)
{
	return pread(fd, buf, len, off) == (ssize_t)len;
}

/* Refuses what ld.so would run without auditing (see the top of this file). 0, or an exit status. */
static int check_program(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		cli_error(NULL, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
	}
	struct stat st;
	int rc = 0;
	unsigned char ident[EI_NIDENT] = { 0 };
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		cli_error(NULL, "%s: not a regular file", path);
		rc = EXIT_CANNOT_RUN;
	} else if (access(path, X_OK) != 0) {
		cli_error(NULL, "%s: not executable: %s", path, strerror(errno));
		rc = EXIT_CANNOT_RUN;
	} else if (st.st_mode & (S_ISUID | S_ISGID)) {
		cli_error(NULL, "%s: a set-user-ID or set-group-ID program: ld.so ignores LD_AUDIT in secure-execution "
			"mode, so its libraries could not be validated", path);
		rc = EXIT_CANNOT_RUN;
	} else if (fgetxattr(fd, "security.capability", NULL, 0) >= 0) {
		cli_error(NULL, "%s: a program with file capabilities: ld.so ignores LD_AUDIT in secure-execution "
			"mode, so its libraries could not be validated", path);
		rc = EXIT_CANNOT_RUN;
	} else if (!read_at(fd, ident, 2, 0)) {
		cli_error(NULL, "%s: cannot read it", path);
		rc = EXIT_CANNOT_RUN;
	} else if (ident[0] == '#' && ident[1] == '!') {
		rc = 0; /* a script: the kernel runs its interpreter, and that is what ld.so audits */
	} else {
		ElfW(Ehdr) eh;
		bool dynamic = false;
		if (!read_at(fd, &eh, sizeof eh, 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
			cli_error(NULL, "%s: neither an ELF program nor a script", path);
			rc = EXIT_CANNOT_RUN;
		} else if (eh.e_ident[EI_CLASS] != OUR_CLASS || (OUR_MACHINE != EM_NONE && eh.e_machine != OUR_MACHINE)) {
			cli_error(NULL, "%s: built for another ELF class or machine: its ld.so cannot load this build's "
				"audit module", path);
			rc = EXIT_CANNOT_RUN;
		} else {
			for (unsigned i = 0; i < eh.e_phnum && i < 4096; i++) {
				ElfW(Phdr) ph;
				if (eh.e_phentsize != sizeof ph ||
				    !read_at(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph)))
					break;
				if (ph.p_type == PT_INTERP)
					dynamic = true;
			}
			if (!dynamic) {
				cli_error(NULL, "%s: statically linked: no dynamic linker runs, so there is nothing to "
					"audit (sign it and check it with 'signet verify' instead)", path);
				rc = EXIT_CANNOT_RUN;
			}
		}
	}
	close(fd);
	return rc;
}

/*
 * The module must load, or ld.so would run the program without it (and only
 * warn). Lazily: what can fail is finding and mapping the module and its
 * libraries, and that is all done by then.
 */
static int check_module(const char *module)
{
	void *h = dlmopen(LM_ID_NEWLM, module, RTLD_LAZY | RTLD_LOCAL);
	if (!h || !dlsym(h, "la_version") || !dlsym(h, "la_objsearch")) {
		const char *why = dlerror();
		cli_error(NULL, "the audit module %s cannot be loaded: %s", module, why ? why : "no la_version");
		return EXIT_CANNOT_RUN;
	}
	return 0; /* left loaded: the exec replaces this process anyway */
}

/* An absolute path for a file the program may look for after changing directory. */
static int absolute(const char *option, const char *value, char out[PATH_MAX])
{
	if (!realpath(value, out)) {
		cli_error(NULL, "%s %s: %s", option, value, strerror(errno));
		return CLI_EXIT_USAGE;
	}
	return 0;
}

static int set(const char *name, const char *value)
{
	if ((value ? setenv(name, value, 1) : unsetenv(name)) != 0) {
		cli_error(NULL, "cannot set %s: %s", name, strerror(errno));
		return EXIT_CANNOT_RUN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	cli_init("signet-run");
	const char *policy = NULL, *anchors = NULL, *requirement = NULL, *log = NULL;
	bool log_only = false;
	opterr = 0;
	int c;
	/* '+': options end at PROGRAM, so its own options are its own. */
	while ((c = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
		switch (c) {
		case OPT_POLICY: policy = optarg; break;
		case OPT_ANCHORS: anchors = optarg; break;
		case OPT_REQUIREMENT: requirement = optarg; break;
		case OPT_LOG_ONLY: log_only = true; break;
		case OPT_LOG: log = optarg; break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		case OPT_VERSION: printf("signet-run %s\n", PACKAGE_VERSION); return CLI_EXIT_OK;
		default: return cli_option_error(NULL, c, argv, options);
		}
	}
	if (optind >= argc)
		return cli_usage_error(NULL, "no PROGRAM to run");
	if (log && log[0] != '/')
		return cli_usage_error(NULL, "option '--log' takes an absolute path, not '%s'", log);
	if (requirement && !*requirement)
		return cli_usage_error(NULL, "option '--requirement' needs a requirement");

	char program[PATH_MAX];
	if (!find_program(argv[optind], program)) {
		cli_error(NULL, "%s: not found", argv[optind]);
		return EXIT_NOT_FOUND;
	}
	char policy_abs[PATH_MAX], anchors_abs[PATH_MAX];
	int rc = 0;
	if (policy)
		rc = absolute("--policy", policy, policy_abs);
	if (!rc && anchors)
		rc = absolute("--anchors", anchors, anchors_abs);
	if (!rc)
		rc = check_program(program);
	/* An override names where to look (tests, a relocated install); what is there must still load. */
	const char *module = secure_getenv("SIGNET_AUDIT_MODULE");
	if (!module || !*module)
		module = SIGNET_AUDIT_MODULE;
	if (!rc)
		rc = check_module(module);
	/*
	 * The module reads only these; each is set or cleared, so a setting
	 * left in the environment by an outer signet-run does not leak in.
	 * LD_AUDIT is replaced, not appended to: another auditor could rename
	 * what this one answers.
	 */
	if (!rc)
		rc = set("LD_AUDIT", module);
	if (!rc)
		rc = set("SIGNET_AUDIT_POLICY", policy ? policy_abs : NULL);
	if (!rc)
		rc = set("SIGNET_AUDIT_ANCHORS", anchors ? anchors_abs : NULL);
	if (!rc)
		rc = set("SIGNET_AUDIT_REQUIREMENT", requirement);
	if (!rc)
		rc = set("SIGNET_AUDIT_LOG_ONLY", log_only ? "1" : NULL);
	if (!rc && log)
		rc = set("SIGNET_PRINT_IMAGES", log);
	if (rc)
		return rc;
	execv(program, argv + optind);
	int e = errno;
	cli_error(NULL, "%s: %s", program, strerror(e));
	return e == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
}
