/* SPDX-License-Identifier: MIT */
/* cmd_ca.c - `signet ca`: a development root CA and team code-signing certificates. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <signet/signet.h>

#include "cli/cli.h"
#include "cms/cms.h"
#include "commands.h"
#include "pki.h"

#define ROOT_DAYS_DEFAULT 3650 /* ten years: a development root outlives its leaves */
#define LEAF_DAYS_DEFAULT 365
#define DAYS_MAX 3650
/* The default root name: this, a space and 8 random hex digits (one name per root). */
#define ROOT_NAME_BASE "Signet Development Root CA"

static const char ca_usage[] =
	"Usage: signet ca init [--name NAME] [--force] DIR\n"
	"       signet ca issue --team TEAM --name NAME [--rsa] [--days N] [--force] DIR\n"
	"\n"
	"Make a development certificate authority and team code-signing certificates.\n"
	"\n"
	"  init   create DIR (mode 0700) with a root CA: DIR/root.key, DIR/root.pem\n"
	"  issue  issue a team certificate signed by that root: DIR/TEAM.key,\n"
	"         DIR/TEAM.pem, DIR/TEAM.chain.pem\n"
	"\n"
	"Then: signet sign --key DIR/TEAM.key --cert DIR/TEAM.pem --identifier ID FILE\n"
	"and trust DIR/root.pem where the plugins are verified.\n"
	"'signet ca init --help' and 'signet ca issue --help' say more.\n"
	"Exit codes: 0 done, 1 failed, 2 usage error. See docs/certificates.md.\n";

static const char init_usage[] =
	"Usage: signet ca init [--name NAME] [--force] DIR\n"
	"\n"
	"Creates DIR (mode 0700) if needed and writes a new development root CA:\n"
	"  DIR/root.key  its private key (ECDSA P-256, PKCS#8 PEM, mode 0600)\n"
	"  DIR/root.pem  its self-signed certificate (mode 0644): the trust anchor\n"
	"The root is valid for ten years, basicConstraints CA:TRUE, keyCertSign.\n"
	"\n"
	"  --name NAME  the root's common name and organization; by default\n"
	"               \"" ROOT_NAME_BASE "\" and 8 random hex digits,\n"
	"               so that two roots are told apart by name\n"
	"  --force      replace an existing root; everything it issued stops verifying\n"
	"  -h, --help   this text\n"
	"\n"
	"Refuses (exit 1) when DIR/root.key or DIR/root.pem exists, unless --force.\n";

static const char issue_usage[] =
	"Usage: signet ca issue --team TEAM --name NAME [--rsa] [--days N] [--force] DIR\n"
	"\n"
	"Issues a team code-signing certificate signed by the root in DIR:\n"
	"  DIR/TEAM.key        private key (ECDSA P-256, or RSA-3072 with --rsa), mode 0600\n"
	"  DIR/TEAM.pem        certificate: CN=NAME, O=NAME, OU=TEAM, EKU codeSigning\n"
	"  DIR/TEAM.chain.pem  certificates to embed beside the leaf when signing\n"
	"                      (empty: this CA issues directly from its root)\n"
	"\n"
	"  --team TEAM  team ID: 1-64 characters of A-Z a-z 0-9 . _ -, the first a\n"
	"               letter or digit (Apple's are 10 uppercase letters and digits)\n"
	"  --name NAME  the team's name (UTF-8, at most 64 characters)\n"
	"  --rsa        RSA-3072 instead of ECDSA P-256\n"
	"  --days N     validity in days, 1-3650 (default 365; not past the root's)\n"
	"  --force      replace existing TEAM files\n"
	"  -h, --help   this text\n";

/* "ca init", "ca issue", or "ca" for the verb itself: what messages are prefixed with. */
static const char *cmd_name(const char *verb)
{
	return !verb ? "ca" : strcmp(verb, "init") == 0 ? "ca init" : "ca issue";
}

static int report(const char *verb, signet_error *err)
{
	cli_error(cmd_name(verb), "%s", signet_error_message(err));
	signet_error_free(err);
	return SIGNET_EXIT_INVALID;
}

static char *join(const char *dir, const char *name, const char *suffix)
{
	char *p = NULL;
	size_t len = strlen(dir);
	const char *sep = len && dir[len - 1] == '/' ? "" : "/";
	if (asprintf(&p, "%s%s%s%s", dir, sep, name, suffix) < 0)
		return NULL;
	return p;
}

/* Parses the options common to both subcommands; returns -1 to go on, else an exit code. */
typedef struct ca_args {
	const char *dir;
	const char *team;
	const char *name;
	long days;
	int rsa, force;
} ca_args;

static int parse(int argc, char **argv, const char *verb, const char *usage, bool issue,
	ca_args *a)
{
	static const struct option init_opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option issue_opts[] = {
		{ "team", required_argument, NULL, 't' },
		{ "name", required_argument, NULL, 'n' },
		{ "rsa", no_argument, NULL, 'r' },
		{ "days", required_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", issue ? issue_opts : init_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return SIGNET_EXIT_OK;
		case 'n':
			a->name = optarg;
			break;
		case 'f':
			a->force = 1;
			break;
		case 't':
			a->team = optarg;
			break;
		case 'r':
			a->rsa = 1;
			break;
		case 'd': {
			unsigned long v;
			if (!cli_parse_ulong(optarg, 1, DAYS_MAX, &v))
				return cli_usage_error(cmd_name(verb), "--days wants a number of days from 1 to 3650, not '%s'",
					optarg);
			a->days = (long)v;
			break;
		}
		default:
			return cli_option_error(cmd_name(verb), c, argv, issue ? issue_opts : init_opts);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(cmd_name(verb), "%s", optind >= argc ? "the CA directory is missing"
			: "exactly one directory, please");
	a->dir = argv[optind];
	if (!*a->dir)
		return cli_usage_error(cmd_name(verb), "%s", "the CA directory is empty");
	return -1;
}

/*
 * A name for a certificate: 1-64 characters (X.520's bound for CN and O),
 * no control characters. OpenSSL checks that the UTF-8 is well-formed.
 */
static bool name_ok(const char *s)
{
	size_t chars = 0;
	if (!s || !*s)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		if ((*p & 0xc0) != 0x80) /* not a continuation byte: a new character */
			chars++;
	}
	return chars <= 64;
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/*
 * "Signet Development Root CA 3f9a0c7e": every root gets its own name, so
 * that a refusal naming the signer's root and the trusted anchor does not
 * print the same name twice for two different roots.
 */
static int default_root_name(char *buf, size_t size)
{
	unsigned char r[4];
	if (RAND_bytes(r, sizeof r) != 1) {
		char reason[SG_OSSL_REASON_MAX];
		sg_ossl_reason(reason, sizeof reason);
		cli_error("ca init", "no random bytes for the root's name: %s", reason);
		return -1;
	}
	snprintf(buf, size, "%s %02x%02x%02x%02x", ROOT_NAME_BASE, r[0], r[1], r[2], r[3]);
	return 0;
}

static int ca_init(int argc, char **argv)
{
	ca_args a = { 0 };
	char default_name[64];
	int rc = parse(argc, argv, "init", init_usage, false, &a);
	if (rc >= 0)
		return rc;
	if (!a.name) {
		if (default_root_name(default_name, sizeof default_name) != 0)
			return SIGNET_EXIT_INVALID;
		a.name = default_name;
	}
	if (!name_ok(a.name))
		return cli_usage_error("ca init", "%s", "--name must be 1-64 characters without control characters");

	/* 0700: the directory holds the root's private key. */
	if (mkdir(a.dir, 0700) != 0) {
		struct stat st;
		if (errno != EEXIST || stat(a.dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			cli_error("ca init", "%s: cannot create the directory: %s",
				a.dir, strerror(errno == EEXIST ? ENOTDIR : errno));
			return SIGNET_EXIT_INVALID;
		}
	}

	char *key_path = join(a.dir, "root", ".key");
	char *cert_path = join(a.dir, "root", ".pem");
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	signet_error *err = NULL;
	rc = SIGNET_EXIT_INVALID;
	if (!key_path || !cert_path) {
		cli_error("ca init", "out of memory");
		goto out;
	}
	/* Before any work: a second init would silently orphan every certificate issued so far. */
	if (!a.force && (exists(key_path) || exists(cert_path))) {
		cli_error("ca init", "%s: a CA already exists here; not replacing it "
			"(--force replaces it, and what it issued stops verifying)",
			exists(key_path) ? key_path : cert_path);
		goto out;
	}

	sg_pki_spec spec = SG_PKI_SPEC_INIT;
	spec.common_name = a.name;
	spec.organization = a.name;
	spec.is_ca = true;
	spec.not_after = (long)ROOT_DAYS_DEFAULT * 24 * 3600;
	if (sg_pki_make(&key, &cert, &spec, &err) != 0) {
		rc = report("init", err);
		goto out;
	}
	/* Key first: a certificate without its key would be useless; on failure undo the key. */
	if (sg_pki_write_key(key_path, key, a.force, &err) != 0) {
		rc = report("init", err);
		goto out;
	}
	if (sg_pki_write_cert(cert_path, cert, a.force, &err) != 0) {
		unlink(key_path);
		rc = report("init", err);
		goto out;
	}
	printf("signet ca: wrote %s (root private key, mode 0600)\n"
	       "signet ca: wrote %s (root certificate: the trust anchor)\n"
	       "Next: signet ca issue --team TEAMID --name \"Your Team\" %s\n",
	       key_path, cert_path, a.dir);
	rc = SIGNET_EXIT_OK;
out:
	EVP_PKEY_free(key);
	X509_free(cert);
	free(key_path);
	free(cert_path);
	return rc;
}

static int ca_issue(int argc, char **argv)
{
	ca_args a = { .days = LEAF_DAYS_DEFAULT };
	int rc = parse(argc, argv, "issue", issue_usage, true, &a);
	if (rc >= 0)
		return rc;
	if (!a.team)
		return cli_usage_error("ca issue", "%s", "--team is required");
	if (!sg_team_id_valid(a.team))
		return cli_usage_error("ca issue", "invalid team ID '%s': use 1-64 characters "
			"of A-Z a-z 0-9 . _ -, the first a letter or digit", a.team);
	if (!a.name)
		return cli_usage_error("ca issue", "%s", "--name is required");
	if (!name_ok(a.name))
		return cli_usage_error("ca issue", "%s", "--name must be 1-64 characters without control characters");

	char *root_key_path = join(a.dir, "root", ".key");
	char *root_cert_path = join(a.dir, "root", ".pem");
	char *key_path = join(a.dir, a.team, ".key");
	char *cert_path = join(a.dir, a.team, ".pem");
	char *chain_path = join(a.dir, a.team, ".chain.pem");
	EVP_PKEY *root_key = NULL, *key = NULL;
	X509 *root = NULL, *cert = NULL;
	signet_error *err = NULL;
	rc = SIGNET_EXIT_INVALID;
	if (!root_key_path || !root_cert_path || !key_path || !cert_path || !chain_path) {
		cli_error("ca issue", "out of memory");
		goto out;
	}
	const char *existing = exists(key_path) ? key_path : exists(cert_path) ? cert_path
		: exists(chain_path) ? chain_path : NULL;
	if (!a.force && existing) {
		cli_error("ca issue", "%s: already exists; not replacing it (--force does)", existing);
		goto out;
	}
	if (sg_pem_load_cert(&root, root_cert_path, &err) != 0
		|| sg_pem_load_key(&root_key, root_key_path, &err) != 0) {
		cli_error("ca issue", "%s (run 'signet ca init %s' first?)", signet_error_message(err), a.dir);
		signet_error_free(err);
		goto out;
	}
	if (X509_check_ca(root) < 1) {
		cli_error("ca issue", "%s: not a CA certificate", root_cert_path);
		goto out;
	}
	if (X509_check_private_key(root, root_key) != 1) {
		cli_error("ca issue", "%s does not belong to %s", root_key_path, root_cert_path);
		goto out;
	}
	/* A leaf outliving its root would fail verification from that day on: say so now. */
	time_t leaf_end = time(NULL) + a.days * 24L * 3600;
	if (X509_cmp_time(X509_get0_notAfter(root), &leaf_end) < 0) {
		cli_error("ca issue", "%s: the root expires within %ld days; use a smaller --days or a new root",
			root_cert_path, a.days);
		goto out;
	}

	sg_pki_spec spec = SG_PKI_SPEC_INIT;
	spec.key_type = a.rsa ? SG_PKI_KEY_RSA_3072 : SG_PKI_KEY_EC_P256;
	spec.common_name = a.name;
	spec.organization = a.name;
	spec.org_units[0] = a.team; /* the team: the leaf's single subject OU */
	spec.n_org_units = 1;
	spec.code_signing = true;
	spec.not_after = a.days * 24L * 3600;
	spec.issuer_key = root_key;
	spec.issuer_cert = root;
	if (sg_pki_make(&key, &cert, &spec, &err) != 0) {
		rc = report("issue", err);
		goto out;
	}
	if (sg_pki_write_key(key_path, key, a.force, &err) != 0) {
		rc = report("issue", err);
		goto out;
	}
	if (sg_pki_write_cert(cert_path, cert, a.force, &err) != 0
		|| sg_pki_write_certs(chain_path, NULL, a.force, &err) != 0) {
		unlink(key_path);
		unlink(cert_path);
		rc = report("issue", err);
		goto out;
	}
	printf("signet ca: wrote %s (team private key, mode 0600)\n"
	       "signet ca: wrote %s (team certificate, OU=%s, codeSigning)\n"
	       "signet ca: wrote %s (intermediates to embed: none)\n"
	       "Next: signet sign --key %s --cert %s --identifier com.example.plugin FILE\n",
	       key_path, cert_path, a.team, chain_path, key_path, cert_path);
	rc = SIGNET_EXIT_OK;
out:
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(key);
	X509_free(root);
	X509_free(cert);
	free(root_key_path);
	free(root_cert_path);
	free(key_path);
	free(cert_path);
	free(chain_path);
	return rc;
}

int cmd_ca(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("ca", "%s", "init or issue?");
	const char *sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
		fputs(ca_usage, stdout);
		return SIGNET_EXIT_OK;
	}
	if (strcmp(sub, "init") == 0)
		return ca_init(argc - 1, argv + 1);
	if (strcmp(sub, "issue") == 0)
		return ca_issue(argc - 1, argv + 1);
	return cli_usage_error("ca", "unknown subcommand '%s'", sub);
}
