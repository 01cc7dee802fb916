/* SPDX-License-Identifier: MIT */
/*
 * cmd_display.c - `signet display`: what a signature says, without judging
 * it (the structure is parsed strictly; nothing is verified or trusted).
 */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "codesign/blob.h"
#include "codesign/codedirectory.h"
#include "codesign/identity_internal.h"
#include "commands.h"
#include "core/error_internal.h"
#include "core/hex.h"
#include "core/file.h"
#include "core/sha256.h"
#include "elf/elf_image.h"
#include "verify_common.h"

static void usage(FILE *to)
{
	fputs("Usage: signet display [-v] [--extract-cms OUT] [--extract-cd OUT] FILE\n"
	      "       signet display [--anchors FILE|DIR] --pid PID\n"
	      "\n"
	      "Shows the signature of FILE: format version, identifier, team, cdhash,\n"
	      "hash type, page size and count, code limit, special slots, entitlements\n"
	      "(bytes other than printable ASCII, tab and line break as \\xNN) and the\n"
	      "certificate chain. Shows; does not verify (use `signet verify`). For a\n"
	      "bundle, give its executable (BUNDLE/lib/x.so: the manifest's \"executable\").\n"
	      "\n"
	      "With --pid, shows what Signet knows of a running process\n"
	      "(docs/processes.md): its executable, uid, the identity of its main\n"
	      "executable as verified under the anchors, the verdict and every problem\n"
	      "(or why it cannot be inspected).\n"
	      "\n"
	      "  --anchors PATH       with --pid: trust anchors (default: $SIGNET_ANCHORS,\n"
	      "                       else " SIGNET_DEFAULT_ANCHORS ")\n"
	      "  --pid PID            show the process PID instead of a file\n"
	      "  -v, --verbose        also list every page hash\n"
	      "  --extract-cms OUT    write the CMS SignedData (DER) to OUT\n"
	      "  --extract-cd OUT     write the CodeDirectory bytes (what the CMS signs) to OUT\n"
	      "\n"
	      "The two extracts verify with stock OpenSSL:\n"
	      "  openssl cms -verify -binary -inform DER -in CMS -content CD -CAfile ROOT.pem -purpose any\n"
	      "\n"
	      "Exit codes: 0 shown (a process: whatever its verdict), 1 unsigned or\n"
	      "malformed (a process: gone, or no such process), 2 usage error.\n", to);
}

static int display_pid(pid_t pid, const char *anchors)
{
	signet_policy *policy = NULL;
	int rc = sg_process_policy_open(&policy, anchors, false, "signet display");
	signet_process *p = NULL;
	if (!rc)
		rc = sg_inspect_pid(&p, pid, policy, "signet display");
	if (!rc) {
		printf("pid: %ld\n", (long)pid);
		printf("verdict: %s\n", sg_verdict_name(signet_process_get_verdict(p)));
		sg_print_process(stdout, p);
		printf("problems: %zu\n", signet_process_problem_count(p));
		for (size_t i = 0; i < signet_process_problem_count(p); i++) {
			const signet_error *e = signet_process_problem(p, i);
			printf("  [%s] %s\n", signet_error_check(e), signet_error_message(e));
		}
		if (signet_process_unknown_reason(p))
			printf("unknown: %s\n", signet_error_message(signet_process_unknown_reason(p)));
	}
	signet_process_free(p);
	signet_policy_free(policy);
	return rc;
}

static void hex_line(FILE *to, const uint8_t *h)
{
	char hex[2 * SG_HASH_SIZE + 1];
	sg_hex_encode(hex, h, SG_HASH_SIZE, false);
	fputs(hex, to);
}

static int write_file(const char *path, const uint8_t *bytes, size_t n)
{
	/* O_NOFOLLOW | O_EXCL: never write through a planted link or over a file. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(fd, bytes + done, n - done);
		if (w <= 0) {
			perror(path);
			close(fd);
			return -1;
		}
		done += (size_t)w;
	}
	return close(fd);
}

static void print_time(FILE *to, const ASN1_TIME *t)
{
	BIO *b = BIO_new_fp(to, BIO_NOCLOSE);
	if (b) {
		ASN1_TIME_print(b, t);
		BIO_free(b);
	}
}

/*
 * The entitlements as the signer wrote them, but safe for a terminal: they
 * are bytes from the file (nothing checks that they are JSON), so every
 * byte that is not printable ASCII, a tab or a line break is shown as \xNN,
 * an escape sequence included. Each line after the first is indented; a
 * final line break is not shown.
 */
static void print_entitlements(const uint8_t *bytes, size_t n)
{
	fputs("entitlements: ", stdout);
	for (size_t i = 0; i < n; i++) {
		uint8_t b = bytes[i];
		if (b == '\n')
			fputs(i + 1 < n ? "\n  " : "", stdout);
		else if (b == '\t' || (b >= 0x20 && b < 0x7f))
			putchar(b);
		else
			printf("\\x%02x", b);
	}
	putchar('\n');
}

static void print_certificates(const sg_blob *blob)
{
	const unsigned char *p = blob->cms;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, blob->cms_length);
	STACK_OF(X509) *certs = cms ? CMS_get1_certs(cms) : NULL;
	printf("certificates: %d\n", certs ? sk_X509_num(certs) : 0);
	for (int i = 0; certs && i < sk_X509_num(certs); i++) {
		X509 *x = sk_X509_value(certs, i);
		char subject[512], issuer[512];
		X509_NAME_oneline(X509_get_subject_name(x), subject, sizeof subject);
		X509_NAME_oneline(X509_get_issuer_name(x), issuer, sizeof issuer);
		BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
		char *serial = bn ? BN_bn2hex(bn) : NULL;
		printf("  [%d] subject: %s\n      issuer: %s\n      serial: %s\n      valid: ", i, subject, issuer,
			serial ? serial : "?");
		fflush(stdout);
		print_time(stdout, X509_get0_notBefore(x));
		fputs(" .. ", stdout);
		fflush(stdout);
		print_time(stdout, X509_get0_notAfter(x));
		putchar('\n');
		OPENSSL_free(serial);
		BN_free(bn);
	}
	if (!cms)
		printf("  (the CMS does not parse)\n");
	sk_X509_pop_free(certs, X509_free);
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
}

int cmd_display(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "extract-cms", required_argument, NULL, 'm' },
		{ "extract-cd", required_argument, NULL, 'd' },
		{ "anchors", required_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cms_out = NULL, *cd_out = NULL, *anchors = NULL, *pid_text = NULL;
	bool verbose = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "vm:d:a:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'v': verbose = true; break;
		case 'm': cms_out = optarg; break;
		case 'd': cd_out = optarg; break;
		case 'a': anchors = optarg; break;
		case 'p': pid_text = optarg; break;
		case 'h': usage(stdout); return SIGNET_EXIT_OK;
		default: usage(stderr); return SIGNET_EXIT_USAGE;
		}
	}
	if (pid_text) {
		pid_t pid;
		if (optind != argc || verbose || cms_out || cd_out || sg_parse_pid(pid_text, &pid) != 0) {
			fprintf(stderr, "signet display: --pid wants one process id, and no FILE or file options\n");
			return SIGNET_EXIT_USAGE;
		}
		return display_pid(pid, anchors);
	}
	if (anchors) {
		fprintf(stderr, "signet display: --anchors goes with --pid (a file's signature is shown, not verified)\n");
		return SIGNET_EXIT_USAGE;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "signet display: exactly one FILE is needed\n");
		return SIGNET_EXIT_USAGE;
	}
	const char *path = argv[optind];
	signet_error *err = NULL;
	sg_mapped_file m;
	sg_elf_layout l;
	sg_blob blob;
	if (sg_mapped_file_open(&m, path, SG_MAX_FILE_SIZE, &err) != 0) {
		fprintf(stderr, "signet display: %s\n", signet_error_message(err));
		signet_error_free(err);
		return SIGNET_EXIT_INVALID;
	}
	int rc = sg_elf_layout_read(&l, m.bytes, m.length, path, &err);
	if (!rc && !l.has_signature)
		rc = sg_fail(&err, &(sg_error_info){ .code = SIGNET_E_UNSIGNED, .path = path },
			"not signed (no %s section)", SG_SIG_SECTION_NAME);
	if (!rc)
		rc = sg_blob_parse(&blob, m.bytes, l.signature_offset, l.signature_size, path, &err);
	if (rc) {
		fprintf(stderr, "signet display: %s\n", signet_error_message(err));
		signet_error_free(err);
		sg_mapped_file_close(&m);
		return SIGNET_EXIT_INVALID;
	}

	const sg_code_directory *cd = &blob.cd;
	uint8_t cdhash[SG_HASH_SIZE];
	if (sg_sha256(cdhash, cd->bytes, cd->length) != 0)
		memset(cdhash, 0, sizeof cdhash);
	printf("path: %s\n", path);
	printf("format: signet blob v%u, CodeDirectory v%u\n", SG_BLOB_VERSION, cd->version);
	printf("identifier: %s\n", cd->identifier);
	printf("team: %s\n", cd->team ? cd->team : "(none)");
	printf("cdhash: ");
	hex_line(stdout, cdhash);
	printf("\nhash-type: sha256\n");
	printf("page-size: %u\n", 1u << cd->page_shift);
	printf("pages: %u\n", cd->n_code_slots);
	printf("code-limit: %llu\n", (unsigned long long)cd->code_limit);
	printf("signature: offset %llu, %u bytes (CodeDirectory %u, CMS %u, entitlements %u)\n",
		(unsigned long long)blob.offset, blob.length, cd->length, blob.cms_length, blob.entitlements_length);
	static const char *slot_names[SG_SLOT_MAX] = { "manifest", "resources", "entitlements" };
	printf("special-slots:\n");
	for (unsigned k = 1; k <= SG_SLOT_MAX; k++) {
		const uint8_t *h = sg_cd_special(cd, k);
		printf("  -%u %s: ", k, slot_names[k - 1]);
		if (h)
			hex_line(stdout, h);
		else
			fputs("absent", stdout);
		putchar('\n');
	}
	if (blob.entitlements)
		print_entitlements(blob.entitlements, blob.entitlements_length);
	print_certificates(&blob);
	if (verbose) {
		printf("page-hashes:\n");
		for (uint32_t i = 0; i < cd->n_code_slots; i++) {
			printf("  %u: ", i);
			hex_line(stdout, cd->code_hashes + (size_t)i * SG_HASH_SIZE);
			putchar('\n');
		}
	}
	rc = SIGNET_EXIT_OK;
	if (cms_out && write_file(cms_out, blob.cms, blob.cms_length) != 0)
		rc = SIGNET_EXIT_INVALID;
	if (cd_out && write_file(cd_out, cd->bytes, cd->length) != 0)
		rc = SIGNET_EXIT_INVALID;
	sg_mapped_file_close(&m);
	return rc;
}
