/* SPDX-License-Identifier: MIT */
/* cmd_sign.c - `signet sign`: sign ELF files in place. */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cli/cli.h"
#include "cms/cms.h"
#include "codesign/codedirectory.h"
#include "commands.h"
#include "core/file.h"
#include "sign_bundle.h"
#include "sign_elf.h"
#include "tsa_client.h"

#define VERB "sign"

static void usage(FILE *to)
{
	fputs("Usage: signet sign --key KEY.pem --cert CERT.pem [--chain CHAIN.pem]\n"
	      "                   --identifier ID [--page-size 4k|16k|64k]\n"
	      "                   [--entitlements FILE.json] [--timestamp URL] FILE...\n"
	      "       signet sign --key KEY.pem --cert CERT.pem [--chain CHAIN.pem]\n"
	      "                   [--page-size ...] [--entitlements FILE.json] --bundle DIR...\n"
	      "\n"
	      "Signs each ELF shared object or executable in place (atomically: a\n"
	      "temporary file renamed over the original). A signed file is re-signed.\n"
	      "\n"
	      "With --bundle, each DIR is a bundle (docs/bundle-format.md): the libraries\n"
	      "its manifest lists are signed first, then the resource seal _signet/seal\n"
	      "is written over every other file, then the executable is signed under the\n"
	      "manifest's identifier, sealing manifest.json and the resource seal.\n"
	      "\n"
	      "  --key FILE           PEM private key (ECDSA P-256 or RSA)\n"
	      "  --cert FILE          PEM signing certificate (the team's leaf)\n"
	      "  --chain FILE         PEM intermediates to embed (optional)\n"
	      "  --identifier ID      1-255 characters of A-Z a-z 0-9 . - _\n"
	      "  --page-size SIZE     4k (default), 16k or 64k\n"
	      "  --entitlements FILE  a JSON object sealed into the signature\n"
	      "  --bundle             the operands are bundle directories (no --identifier)\n"
	      "  --timestamp URL      staple an RFC 3161 timestamp from this TSA (http or https)\n"
	      "  --timestamp-token FILE  staple this token (a DER TimeStampResp or token) as given\n"
	      "\n"
	      "Exit codes: 0 all signed, 1 a file could not be signed, 2 usage error.\n", to);
}

static int page_shift_of(const char *s)
{
	if (!strcmp(s, "4k") || !strcmp(s, "4096")) return 12;
	if (!strcmp(s, "16k") || !strcmp(s, "16384")) return 14;
	if (!strcmp(s, "64k") || !strcmp(s, "65536")) return 16;
	return -1;
}

static int fail(signet_error *err)
{
	cli_error(VERB, "%s", signet_error_message(err));
	signet_error_free(err);
	return SIGNET_EXIT_INVALID;
}

struct bundle_ctx {
	const char *team;
	unsigned page_shift;
};

static void report_signed(void *p, const char *path, const char *identifier)
{
	const struct bundle_ctx *ctx = p;
	printf("%s: signed as %s (team %s, %u-byte pages)\n", path, identifier, ctx->team ? ctx->team : "none",
		1u << ctx->page_shift);
}

int cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "chain", required_argument, NULL, 'C' },
		{ "identifier", required_argument, NULL, 'i' },
		{ "page-size", required_argument, NULL, 'p' },
		{ "entitlements", required_argument, NULL, 'e' },
		{ "bundle", no_argument, NULL, 'b' },
		{ "timestamp", required_argument, NULL, 't' },
		{ "timestamp-token", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key_path = NULL, *cert_path = NULL, *chain_path = NULL, *ent_path = NULL;
	sg_sign_params sp = { .page_shift = 12 };
	bool bundle = false;
	sg_tsa_source tsa = { 0 };
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:c:C:i:p:e:t:T:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key_path = optarg; break;
		case 'c': cert_path = optarg; break;
		case 'C': chain_path = optarg; break;
		case 'i':
			/* A malformed value is a usage error, found before any key is read or file touched. */
			if (!sg_cd_valid_name(optarg, SG_MAX_IDENTIFIER))
				return cli_usage_error(VERB, "--identifier wants 1-255 characters of A-Z a-z 0-9 . - _, "
					"not '%s'", optarg);
			sp.identifier = optarg;
			break;
		case 'e': ent_path = optarg; break;
		case 'b': bundle = true; break;
		case 't':
			/* Only http and https: a file:// or other scheme is a usage error, before any signing. */
			if (!sg_tsa_url_ok(optarg))
				return cli_usage_error(VERB, "--timestamp wants an http:// or https:// URL, not '%s'", optarg);
			tsa.url = optarg;
			break;
		case 'T': tsa.token_file = optarg; break;
		case 'p':
			if (page_shift_of(optarg) < 0)
				return cli_usage_error(VERB, "--page-size wants 4k, 16k or 64k, not '%s'", optarg);
			sp.page_shift = (unsigned)page_shift_of(optarg);
			break;
		case 'h': usage(stdout); return SIGNET_EXIT_OK;
		default: return cli_option_error(VERB, c, argv, opts);
		}
	}
	if (tsa.url && tsa.token_file)
		return cli_usage_error(VERB, "--timestamp and --timestamp-token do not mix");
	if (tsa.url || tsa.token_file) {
		sp.timestamp = sg_tsa_fetch;
		sp.timestamp_ctx = &tsa;
	}
	if (bundle && sp.identifier)
		return cli_usage_error(VERB, "--identifier and --bundle do not mix: a bundle's manifest names it");
	if (!key_path)
		return cli_usage_error(VERB, "--key is required");
	if (!cert_path)
		return cli_usage_error(VERB, "--cert is required");
	if (!sp.identifier && !bundle)
		return cli_usage_error(VERB, "--identifier (or --bundle) is required");
	if (optind == argc)
		return cli_usage_error(VERB, "no %s given", bundle ? "bundle DIR" : "FILE");

	signet_error *err = NULL;
	sg_mapped_file ent = { 0 };
	int rc = SIGNET_EXIT_OK;
	if (sg_pem_load_key(&sp.key, key_path, &err) != 0 || sg_pem_load_cert(&sp.cert, cert_path, &err) != 0 ||
	    (chain_path && sg_pem_load_chain(&sp.chain, chain_path, &err) != 0) ||
	    (ent_path && sg_mapped_file_open(&ent, ent_path, SG_MAX_ENTITLEMENTS_SIZE, &err) != 0)) {
		rc = fail(err);
		goto out;
	}
	sp.entitlements = ent.bytes;
	sp.entitlements_length = ent.length;
	char *team = NULL;
	if (sg_certificate_team(sp.cert, &team, NULL) != 0) {
		cli_error(VERB, "out of memory");
		rc = SIGNET_EXIT_INVALID;
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		if (bundle) {
			struct bundle_ctx ctx = { .team = team, .page_shift = sp.page_shift };
			if (sg_sign_bundle(argv[i], &sp, report_signed, &ctx, &err) != 0) {
				rc = fail(err);
				err = NULL;
				continue;
			}
			printf("%s: bundle signed and sealed\n", argv[i]);
			continue;
		}
		if (sg_sign_elf_file(argv[i], &sp, &err) != 0) {
			rc = fail(err);
			err = NULL;
			continue;
		}
		printf("%s: signed as %s (team %s, %u-byte pages)\n", argv[i], sp.identifier, team ? team : "none",
			1u << sp.page_shift);
	}
	free(team);
out:
	sg_mapped_file_close(&ent);
	EVP_PKEY_free(sp.key); /* frees (and clears) the private key */
	X509_free(sp.cert);
	sk_X509_pop_free(sp.chain, X509_free);
	return rc;
}
