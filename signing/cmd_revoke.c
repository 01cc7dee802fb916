/* SPDX-License-Identifier: MIT */
/* cmd_revoke.c - `signet revoke`: make a signed revocation list (docs/revocation.md). */
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

static void usage(FILE *to)
{
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

int cmd_revoke(int argc, char **argv)
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
		{ NULL, 0, NULL, 0 },
	};
	sg_revlist l = { 0 };
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
		switch (c) {
		case 'n':
			if (!sg_cd_valid_name(optarg, 255)) {
				rc = cli_usage_error(VERB, "--name wants 1-255 characters of A-Z a-z 0-9 . - _, not '%s'", optarg);
				goto done;
			}
			l.name = optarg;
			break;
		case 's':
			if (!cli_parse_ulong(optarg, 1, 9007199254740991UL, &u)) {
				rc = cli_usage_error(VERB, "--sequence wants a whole number from 1 to 2^53-1, not '%s'", optarg);
				goto done;
			}
			l.sequence = (long long)u;
			have_seq = true;
			break;
		case 'i':
		case 'e':
			if (!cli_parse_time(optarg, c == 'i' ? &l.issued : &l.expires)) {
				rc = cli_usage_error(VERB, "--%s wants Unix seconds or an ISO 8601 UTC time such as "
					"2026-12-07T04:03:50Z, not '%s'", c == 'i' ? "issued" : "expires", optarg);
				goto done;
			}
			*(c == 'i' ? &have_issued : &have_expires) = true;
			break;
		case 'V':
			if (!parse_duration(optarg, &valid_for)) {
				rc = cli_usage_error(VERB, "--valid-for wants a duration such as 3600, 90m, 12h or 30d, not '%s'",
					optarg);
				goto done;
			}
			have_valid = true;
			break;
		case 'H': if (add_string(&hashes, &n_hashes, optarg)) goto nomem; break;
		case 't': if (add_string(&l.teams, &l.n_teams, optarg)) goto nomem; break;
		case 'S': if (add_string(&l.serials, &l.n_serials, optarg)) goto nomem; break;
		case 'k': key_path = optarg; break;
		case 'c': cert_path = optarg; break;
		case 'C': chain_path = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); rc = SIGNET_EXIT_OK; goto done;
		default: rc = cli_option_error(VERB, c, argv, opts); goto done;
		}
	}
	if (optind != argc) {
		rc = cli_usage_error(VERB, "unexpected operand '%s'", argv[optind]);
		goto done;
	}
	if (!l.name || !have_seq || !key_path || !cert_path || !out || have_expires == have_valid) {
		rc = cli_usage_error(VERB, "needs --name, --sequence, --key, --cert, -o and one of --expires or --valid-for");
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
			rc = cli_usage_error(VERB, "--cdhash wants 64 hex digits, not '%s'", hashes[i]);
			goto done;
		}

	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	STACK_OF(X509) *chain = NULL;
	signet_error *err = NULL;
	rc = SIGNET_EXIT_INVALID;
	if (sg_pem_load_key(&key, key_path, &err) == 0 && sg_pem_load_cert(&cert, cert_path, &err) == 0 &&
	    (!chain_path || sg_pem_load_chain(&chain, chain_path, &err) == 0) &&
	    sg_revlist_sign_file(out, &l, key, cert, chain, &err) == 0) {
		printf("%s: revocation list \"%s\" sequence %lld: %zu cdhashes, %zu teams, %zu serials\n", out, l.name,
			l.sequence, l.n_cdhashes, l.n_teams, l.n_serials);
		rc = SIGNET_EXIT_OK;
	} else {
		cli_error(VERB, "%s", signet_error_message(err));
	}
	signet_error_free(err);
	EVP_PKEY_free(key);
	X509_free(cert);
	sk_X509_pop_free(chain, X509_free);
	goto done;
nomem:
	cli_error(VERB, "out of memory");
	rc = SIGNET_EXIT_INVALID;
done:
	free(hashes);
	free(l.cdhashes);
	free(l.teams);
	free(l.serials);
	return rc;
}
