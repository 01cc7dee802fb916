/* SPDX-License-Identifier: MIT */
/*
 * cmd_revoke.c - `signet revoke` and `signet trust-bundle`: make a signed
 * revocation list, or a trust bundle (a list with the fleet's anchors, TSA
 * anchors, requirement and CRLs), docs/revocation.md. One command line
 * serves both, as one reader serves both in the library.
 */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cms/cms.h"
#include "codesign/codedirectory.h"
#include "commands.h"
#include "policy/policy_internal.h"
#include "sign_revlist.h"

#define VERB "revoke"

static void usage(FILE *to, bool bundle)
{
	if (bundle)
		fputs("Usage: signet trust-bundle --name NAME --sequence N (--expires TIME | --valid-for DURATION)\n"
		      "                     --anchors FILE [--tsa-anchors FILE] [--requirement TEXT] [--crl FILE]...\n"
		      "                     [--issued TIME] [--cdhash HEX]... [--team ID]... [--serial HEX]...\n"
		      "                     --key KEY.pem --cert CERT.pem [--chain CHAIN.pem] -o BUNDLE\n"
		      "\n"
		      "Writes a signed trust bundle (docs/revocation.md): the anchors, TSA anchors,\n"
		      "requirement, revocation entries and CRLs a fleet's hosts read from one file\n"
		      "their policy names with the anchors that sign it. The file is replaced\n"
		      "atomically.\n"
		      "\n"
		      "  --name NAME          the bundle's identity: rollback is tracked per name\n"
		      "  --sequence N         1 to 2^53-1; a host refuses a lower one than it has seen\n"
		      "  --issued TIME        Unix seconds or 2026-12-07T04:03:50Z (default: now)\n"
		      "  --expires TIME       when hosts stop trusting this bundle (after --issued)\n"
		      "  --valid-for DURATION --issued plus N seconds, or Nm, Nh, Nd\n"
		      "  --anchors FILE       PEM code-signing anchors (1 to 64 certificates)\n"
		      "  --tsa-anchors FILE   PEM anchors of time-stamping authorities\n"
		      "  --requirement TEXT   the requirement every image must meet\n"
		      "  --crl FILE           an X.509 CRL (PEM or DER); repeatable\n"
		      "  --cdhash HEX         a cdhash (64 hex digits) to revoke; repeatable\n"
		      "  --team ID            a team to revoke; repeatable\n"
		      "  --serial HEX         a signing certificate serial to revoke; repeatable\n"
		      "  --key, --cert, --chain  the bundle signer (as for `signet sign`)\n"
		      "  -o, --output FILE    the bundle to write\n"
		      "\n"
		      "Exit codes: 0 written, 1 could not be written, 2 usage error.\n", to);
	else
		fputs("Usage: signet revoke --name NAME --sequence N (--expires TIME | --valid-for DURATION)\n"
		      "                     [--issued TIME] [--cdhash HEX]... [--team ID]... [--serial HEX]...\n"
		      "                     --key KEY.pem --cert CERT.pem [--chain CHAIN.pem] -o LIST.sig\n"
		      "\n"
		      "Writes a signed revocation list (docs/revocation.md): every image whose\n"
		      "cdhash, team or signing certificate serial it names is refused by a host\n"
		      "whose policy reads it. The file is replaced atomically.\n"
		      "\n"
		      "  --name NAME          the list's identity: rollback is tracked per name\n"
		      "  --sequence N         1 to 2^53-1; a host refuses a lower one than it has seen\n"
		      "  --issued TIME        Unix seconds or 2026-12-07T04:03:50Z (default: now)\n"
		      "  --expires TIME       when hosts stop trusting this list (after --issued)\n"
		      "  --valid-for DURATION --issued plus N seconds, or Nm, Nh, Nd\n"
		      "  --cdhash HEX         a cdhash (64 hex digits) to revoke; repeatable\n"
		      "  --team ID            a team to revoke; repeatable\n"
		      "  --serial HEX         a signing certificate serial to revoke; repeatable\n"
		      "  --key, --cert, --chain  the list signer (as for `signet sign`)\n"
		      "  -o, --output FILE    the list to write\n"
		      "\n"
		      "Exit codes: 0 written, 1 could not be written, 2 usage error.\n", to);
}

/* "90", "15m", "12h", "30d" in seconds; false when not that. */
static bool parse_duration(const char *s, long long *out)
{
	size_t n = strlen(s);
	if (n == 0)
		return false;
	long long unit = 1;
	char last = s[n - 1];
	char digits[32];
	if (last == 'm' || last == 'h' || last == 'd') {
		unit = last == 'm' ? 60 : last == 'h' ? 3600 : 86400;
		n--;
	}
	unsigned long v;
	if (n == 0 || n >= sizeof digits)
		return false;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (!cli_parse_ulong(digits, 1, (unsigned long)(CLI_TIME_MAX / (unsigned long)unit), &v))
		return false;
	*out = (long long)v * unit;
	return true;
}

/* The growing arrays of one list being assembled from the command line. */
static int add_string(char ***items, size_t *n, char *s)
{
	char **grown = realloc(*items, (*n + 1) * sizeof **items);
	if (!grown)
		return -1;
	*items = grown;
	grown[(*n)++] = s; /* argv strings: not freed */
	return 0;
}

/* The pieces only a bundle has, loaded from the files the options name. */
typedef struct bundle_files {
	const char *anchors, *tsa, *requirement;
	char **crls;
	size_t n_crls;
} bundle_files;

/* Signs what the command line assembled, as a list or as a bundle. */
static int write_signed(const char *verb, bool bundle, const sg_revlist *l, const bundle_files *bf,
	const char *key_path, const char *cert_path, const char *chain_path, const char *out)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	STACK_OF(X509) *chain = NULL, *anchors = NULL, *tsa = NULL;
	X509_CRL **crls = bf->n_crls ? calloc(bf->n_crls, sizeof *crls) : NULL;
	signet_error *err = NULL;
	int rc = -1;
	if (bf->n_crls && !crls) {
		cli_error(verb, "out of memory");
		return SIGNET_EXIT_INVALID;
	}
	bool ok = sg_pem_load_key(&key, key_path, &err) == 0 && sg_pem_load_cert(&cert, cert_path, &err) == 0 &&
		(!chain_path || sg_pem_load_chain(&chain, chain_path, &err) == 0);
	if (ok && bundle) {
		ok = sg_pem_load_certs(&anchors, bf->anchors, &err) == 0 &&
			(!bf->tsa || sg_pem_load_certs(&tsa, bf->tsa, &err) == 0);
		for (size_t i = 0; ok && i < bf->n_crls; i++)
			ok = sg_revocation_read_crl(&crls[i], bf->crls[i], &err) == 0;
		sg_trust_bundle_parts parts = { .list = l, .anchors = anchors, .tsa = tsa,
			.requirement = bf->requirement, .crls = crls, .n_crls = bf->n_crls };
		ok = ok && (rc = sg_trust_bundle_sign_file(out, &parts, key, cert, chain, &err)) == 0;
	} else if (ok) {
		ok = (rc = sg_revlist_sign_file(out, l, key, cert, chain, &err)) == 0;
	}
	if (ok && bundle)
		printf("%s: trust bundle \"%s\" sequence %lld: %d anchors, %d TSA anchors, %s requirement, %zu CRLs, "
			"%zu cdhashes, %zu teams, %zu serials\n", out, l->name, l->sequence, sk_X509_num(anchors),
			tsa ? sk_X509_num(tsa) : 0, bf->requirement ? "a" : "no", bf->n_crls, l->n_cdhashes, l->n_teams,
			l->n_serials);
	else if (ok)
		printf("%s: revocation list \"%s\" sequence %lld: %zu cdhashes, %zu teams, %zu serials\n", out, l->name,
			l->sequence, l->n_cdhashes, l->n_teams, l->n_serials);
	else
		cli_error(verb, "%s", signet_error_message(err));
	signet_error_free(err);
	EVP_PKEY_free(key);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(anchors, X509_free);
	sk_X509_pop_free(tsa, X509_free);
	for (size_t i = 0; i < bf->n_crls; i++)
		X509_CRL_free(crls[i]);
	free(crls);
	return ok ? SIGNET_EXIT_OK : SIGNET_EXIT_INVALID;
}

static int run(int argc, char **argv, bool bundle)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "sequence", required_argument, NULL, 's' },
		{ "issued", required_argument, NULL, 'i' },
		{ "expires", required_argument, NULL, 'e' },
		{ "valid-for", required_argument, NULL, 'V' },
		{ "cdhash", required_argument, NULL, 'H' },
		{ "team", required_argument, NULL, 't' },
		{ "serial", required_argument, NULL, 'S' },
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "chain", required_argument, NULL, 'C' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		/* trust-bundle only */
		{ "anchors", required_argument, NULL, 'A' },
		{ "tsa-anchors", required_argument, NULL, 'T' },
		{ "requirement", required_argument, NULL, 'R' },
		{ "crl", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	const char *verb = bundle ? "trust-bundle" : VERB;
	sg_revlist l = { 0 };
	bundle_files bf = { 0 };
	const char *key_path = NULL, *cert_path = NULL, *chain_path = NULL, *out = NULL;
	bool have_seq = false, have_issued = false, have_expires = false, have_valid = false;
	long long valid_for = 0;
	char **hashes = NULL;
	size_t n_hashes = 0;
	int c, rc = SIGNET_EXIT_USAGE;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		unsigned long u;
		if (!bundle && (c == 'A' || c == 'T' || c == 'R' || c == 'L')) {
			const struct option *o = opts;
			while (o->val != c)
				o++;
			rc = cli_usage_error(verb, "'--%s' is an option of 'signet trust-bundle'", o->name);
			goto done;
		}
		switch (c) {
		case 'n':
			if (!sg_cd_valid_name(optarg, 255)) {
				rc = cli_usage_error(verb, "--name wants 1-255 characters of A-Z a-z 0-9 . - _, not '%s'", optarg);
				goto done;
			}
			l.name = optarg;
			break;
		case 's':
			if (!cli_parse_ulong(optarg, 1, 9007199254740991UL, &u)) {
				rc = cli_usage_error(verb, "--sequence wants a whole number from 1 to 2^53-1, not '%s'", optarg);
				goto done;
			}
			l.sequence = (long long)u;
			have_seq = true;
			break;
		case 'i':
		case 'e':
			if (!cli_parse_time(optarg, c == 'i' ? &l.issued : &l.expires)) {
				rc = cli_usage_error(verb, "--%s wants Unix seconds or an ISO 8601 UTC time such as "
					"2026-12-07T04:03:50Z, not '%s'", c == 'i' ? "issued" : "expires", optarg);
				goto done;
			}
			*(c == 'i' ? &have_issued : &have_expires) = true;
			break;
		case 'V':
			if (!parse_duration(optarg, &valid_for)) {
				rc = cli_usage_error(verb, "--valid-for wants a duration such as 3600, 90m, 12h or 30d, not '%s'",
					optarg);
				goto done;
			}
			have_valid = true;
			break;
		case 'H': if (add_string(&hashes, &n_hashes, optarg)) goto nomem; break;
		case 't': if (add_string(&l.teams, &l.n_teams, optarg)) goto nomem; break;
		case 'S': if (add_string(&l.serials, &l.n_serials, optarg)) goto nomem; break;
		case 'L': if (add_string(&bf.crls, &bf.n_crls, optarg)) goto nomem; break;
		case 'A': bf.anchors = optarg; break;
		case 'T': bf.tsa = optarg; break;
		case 'R': bf.requirement = optarg; break;
		case 'k': key_path = optarg; break;
		case 'c': cert_path = optarg; break;
		case 'C': chain_path = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout, bundle); rc = SIGNET_EXIT_OK; goto done;
		default: rc = cli_option_error(verb, c, argv, opts); goto done;
		}
	}
	if (optind != argc) {
		rc = cli_usage_error(verb, "unexpected operand '%s'", argv[optind]);
		goto done;
	}
	if (!l.name || !have_seq || !key_path || !cert_path || !out || have_expires == have_valid) {
		rc = cli_usage_error(verb, "needs --name, --sequence, --key, --cert, -o and one of --expires or --valid-for");
		goto done;
	}
	if (bundle && !bf.anchors) {
		rc = cli_usage_error(verb, "needs --anchors: a trust bundle without anchors trusts nothing");
		goto done;
	}
	if (!have_issued)
		l.issued = (long long)time(NULL);
	if (have_valid)
		l.expires = l.issued + valid_for;
	if (n_hashes && !(l.cdhashes = calloc(n_hashes, sizeof *l.cdhashes)))
		goto nomem;
	for (size_t i = 0; i < n_hashes; i++, l.n_cdhashes++)
		if (!sg_policy_parse_hash(hashes[i], l.cdhashes[i])) {
			rc = cli_usage_error(verb, "--cdhash wants 64 hex digits, not '%s'", hashes[i]);
			goto done;
		}
	rc = write_signed(verb, bundle, &l, &bf, key_path, cert_path, chain_path, out);
	goto done;
nomem:
	cli_error(verb, "out of memory");
	rc = SIGNET_EXIT_INVALID;
done:
	free(hashes);
	free(l.cdhashes);
	free(l.teams);
	free(l.serials);
	free(bf.crls);
	return rc;
}

int cmd_revoke(int argc, char **argv)
{
	return run(argc, argv, false);
}

int cmd_trust_bundle(int argc, char **argv)
{
	return run(argc, argv, true);
}
