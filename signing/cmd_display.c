/* SPDX-License-Identifier: MIT */
/*
 * cmd_display.c - `signet display`: what a signature says, without judging
 * it (the structure is parsed strictly; nothing is verified or trusted).
 * A bundle directory shows its manifest's identity and its executable's
 * signature. Names are shown as the library shows them (sg_cms_name_line:
 * RFC 2253, UTF-8 kept) and dates as ISO 8601 UTC (cli_format_time), the
 * way `signet verify -v` prints an identity.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "bundle/bundle.h"
#include "cli/cli.h"
#include "cms/cms_util.h"
#include "cms/timestamp.h"
#include "codesign/blob.h"
#include "codesign/codedirectory.h"
#include "codesign/identity_internal.h"
#include "commands.h"
#include "core/error_internal.h"
#include "core/hex.h"
#include "core/file.h"
#include "core/sha256.h"
#include "elf/elf_image.h"
#include "policy/revlist.h"
#include "policy/trust_bundle.h"
#include "verify_common.h"

#define VERB "display"

static void usage(FILE *to)
{
	fputs("Usage: signet display [-v] [--json] FILE|BUNDLE...\n"
	      "       signet display [-v] [--extract-cms OUT] [--extract-cd OUT] FILE|BUNDLE\n"
	      "       signet display [--anchors FILE|DIR] [--json] --pid PID\n"
	      "\n"
	      "Shows the signature of FILE: format version, identifier, team, cdhash,\n"
	      "hash type, page size and count, code limit, special slots, entitlements\n"
	      "(bytes other than printable ASCII, tab and line break as \\xNN) and the\n"
	      "certificate chain. Shows; does not verify (use `signet verify`). For a\n"
	      "bundle directory, its manifest's identifier, version and executable, then\n"
	      "the executable's signature. For a revocation list (signet revoke), its\n"
	      "name, sequence, issue and expiry times and every entry.\n"
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
	      "  --json               print one JSON document (docs/signet.md)\n"
	      "  --extract-cms OUT    write the CMS SignedData (DER) to OUT\n"
	      "  --extract-cd OUT     write the CodeDirectory bytes (what the CMS signs) to OUT\n"
	      "\n"
	      "The two extracts verify with stock OpenSSL:\n"
	      "  openssl cms -verify -binary -inform DER -in CMS -content CD -CAfile ROOT.pem -purpose any\n"
	      "\n"
	      "Exit codes: 0 shown (a process: whatever its verdict), 1 unsigned or\n"
	      "malformed (a process: gone, or no such process), 2 usage error.\n", to);
}

static int display_pid(pid_t pid, const char *anchors, bool json)
{
	signet_policy *policy = NULL;
	int rc = sg_process_policy_open(&policy, anchors, NULL, false, VERB);
	if (rc)
		return rc;
	signet_process *p = NULL;
	signet_error *why = NULL;
	rc = sg_inspect_pid(&p, pid, policy, VERB, &why);
	if (json) {
		json_t *results = json_array();
		bool ok = true;
		sg_json_append(results, sg_process_json(pid, p, why), &ok);
		if (!ok) {
			json_decref(results);
			results = NULL;
		}
		if (cli_json_print(VERB, sg_json_document(VERB, rc, results)) != CLI_EXIT_OK)
			rc = SIGNET_EXIT_INVALID;
	} else if (!rc) {
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
	signet_error_free(why);
	signet_process_free(p);
	signet_policy_free(policy);
	return rc;
}

static void hex_of(char out[2 * SG_HASH_SIZE + 1], const uint8_t *h)
{
	sg_hex_encode(out, h, SG_HASH_SIZE, false);
}

static int write_file(const char *path, const uint8_t *bytes, size_t n)
{
	/* O_NOFOLLOW | O_EXCL: never write through a planted link or over a file. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		cli_error(VERB, "%s: %s", path, strerror(errno));
		return -1;
	}
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(fd, bytes + done, n - done);
		if (w <= 0) {
			cli_error(VERB, "%s: %s", path, w < 0 ? strerror(errno) : "nothing written");
			close(fd);
			return -1;
		}
		done += (size_t)w;
	}
	if (close(fd) != 0) {
		cli_error(VERB, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The entitlements as the signer wrote them, but safe for a terminal: they
 * are bytes from the file (nothing checks that they are JSON), so every
 * byte that is not printable ASCII, a tab or a line break is shown as \xNN,
 * an escape sequence included. `indent` follows each line break that is
 * not the last byte (text output indents; JSON keeps the line breaks).
 * Returns a malloc'd string, NULL when out of memory.
 */
static char *escaped_entitlements(const uint8_t *bytes, size_t n, const char *indent)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint8_t b = bytes[i];
		if (b == '\n') {
			if (i + 1 < n)
				fprintf(f, "\n%s", indent);
		} else if (b == '\t' || (b >= 0x20 && b < 0x7f)) {
			fputc(b, f);
		} else {
			fprintf(f, "\\x%02x", b);
		}
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* One certificate of the CMS, shown the way the library names certificates. */
typedef struct cert_view {
	char *subject, *issuer, *serial;
	char not_before[CLI_TIME_SIZE], not_after[CLI_TIME_SIZE];
} cert_view;

static void cert_view_of(cert_view *v, X509 *x)
{
	time_t t;
	v->subject = sg_cms_name_line(X509_get_subject_name(x));
	v->issuer = sg_cms_name_line(X509_get_issuer_name(x));
	v->serial = sg_cms_serial_hex(x);
	strcpy(v->not_before, "?");
	strcpy(v->not_after, "?");
	if (sg_cms_asn1_time(X509_get0_notBefore(x), &t) == 0)
		cli_format_time(t, v->not_before);
	if (sg_cms_asn1_time(X509_get0_notAfter(x), &t) == 0)
		cli_format_time(t, v->not_after);
}

static void cert_view_clear(cert_view *v)
{
	free(v->subject);
	free(v->issuer);
	free(v->serial);
}

static const char *or_q(const char *s)
{
	return s ? s : "?";
}

/* The certificates the CMS carries; NULL (and *parsed false) when it does not parse. */
static STACK_OF(X509) *cms_certificates(const sg_blob *blob, bool *parsed)
{
	const unsigned char *p = blob->cms;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, blob->cms_length);
	STACK_OF(X509) *certs = cms ? CMS_get1_certs(cms) : NULL;
	*parsed = cms != NULL;
	CMS_ContentInfo_free(cms);
	ERR_clear_error();
	return certs;
}

static void print_certificates(const sg_blob *blob)
{
	bool parsed;
	STACK_OF(X509) *certs = cms_certificates(blob, &parsed);
	printf("certificates: %d\n", certs ? sk_X509_num(certs) : 0);
	for (int i = 0; certs && i < sk_X509_num(certs); i++) {
		cert_view v;
		cert_view_of(&v, sk_X509_value(certs, i));
		printf("  [%d] subject: %s\n      issuer: %s\n      serial: %s\n      valid: %s .. %s\n", i,
			or_q(v.subject), or_q(v.issuer), or_q(v.serial), v.not_before, v.not_after);
		cert_view_clear(&v);
	}
	if (!parsed)
		printf("  (the CMS does not parse)\n");
	sk_X509_pop_free(certs, X509_free);
}

static const char *const slot_names[SG_SLOT_MAX] = { "manifest", "resources", "entitlements" };

static void print_signature(const char *path, const sg_blob *blob, const uint8_t cdhash[SG_HASH_SIZE], bool verbose)
{
	const sg_code_directory *cd = &blob->cd;
	char hex[2 * SG_HASH_SIZE + 1];
	printf("path: %s\n", path);
	printf("format: signet blob v%u, CodeDirectory v%u\n", SG_BLOB_VERSION, cd->version);
	printf("identifier: %s\n", cd->identifier);
	printf("team: %s\n", cd->team ? cd->team : "(none)");
	hex_of(hex, cdhash);
	printf("cdhash: %s\n", hex);
	printf("hash-type: sha256\n");
	printf("page-size: %u\n", 1u << cd->page_shift);
	printf("pages: %u\n", cd->n_code_slots);
	printf("code-limit: %llu\n", (unsigned long long)cd->code_limit);
	printf("signature: offset %llu, %u bytes (CodeDirectory %u, CMS %u, entitlements %u)\n",
		(unsigned long long)blob->offset, blob->length, cd->length, blob->cms_length, blob->entitlements_length);
	printf("special-slots:\n");
	for (unsigned k = 1; k <= SG_SLOT_MAX; k++) {
		const uint8_t *h = sg_cd_special(cd, k);
		if (h)
			hex_of(hex, h);
		printf("  -%u %s: %s\n", k, slot_names[k - 1], h ? hex : "absent");
	}
	if (blob->entitlements) {
		char *e = escaped_entitlements(blob->entitlements, blob->entitlements_length, "  ");
		printf("entitlements: %s\n", e ? e : "(out of memory)");
		free(e);
	}
	print_certificates(blob);
	time_t gen;
	char *tsa = NULL, when[CLI_TIME_SIZE];
	/* What the token claims; `signet verify --tsa-anchors` says whether it holds. */
	if (sg_ts_peek(blob->cms, blob->cms_length, &gen, &tsa))
		printf("timestamp: %s by %s (not verified here)\n", cli_format_time(gen, when), or_q(tsa));
	free(tsa);
	if (verbose) {
		printf("page-hashes:\n");
		for (uint32_t i = 0; i < cd->n_code_slots; i++) {
			hex_of(hex, cd->code_hashes + (size_t)i * SG_HASH_SIZE);
			printf("  %u: %s\n", i, hex);
		}
	}
}

#define put sg_json_put
#define append sg_json_append
#define text_or_null sg_json_text

static json_t *signature_json(const char *path, const sg_blob *blob, const uint8_t cdhash[SG_HASH_SIZE], bool verbose)
{
	const sg_code_directory *cd = &blob->cd;
	char hex[2 * SG_HASH_SIZE + 1];
	json_t *o = json_object(), *slots = json_object(), *certs_json = json_array();
	bool ok = o != NULL;
	put(o, "path", json_string(path), &ok);
	put(o, "blob_version", json_integer(SG_BLOB_VERSION), &ok);
	put(o, "cd_version", json_integer(cd->version), &ok);
	put(o, "identifier", json_string(cd->identifier), &ok);
	put(o, "team", text_or_null(cd->team), &ok);
	hex_of(hex, cdhash);
	put(o, "cdhash", json_string(hex), &ok);
	put(o, "hash_type", json_string("sha256"), &ok);
	put(o, "page_size", json_integer(1u << cd->page_shift), &ok);
	put(o, "pages", json_integer(cd->n_code_slots), &ok);
	put(o, "code_limit", json_integer((json_int_t)cd->code_limit), &ok);
	put(o, "offset", json_integer((json_int_t)blob->offset), &ok);
	put(o, "length", json_integer(blob->length), &ok);
	put(o, "cd_length", json_integer(cd->length), &ok);
	put(o, "cms_length", json_integer(blob->cms_length), &ok);
	put(o, "entitlements_length", json_integer(blob->entitlements_length), &ok);
	for (unsigned k = 1; k <= SG_SLOT_MAX; k++) {
		const uint8_t *h = sg_cd_special(cd, k);
		if (h)
			hex_of(hex, h);
		put(slots, slot_names[k - 1], h ? json_string(hex) : json_null(), &ok);
	}
	put(o, "special_slots", slots, &ok);
	if (blob->entitlements) {
		char *e = escaped_entitlements(blob->entitlements, blob->entitlements_length, "");
		put(o, "entitlements", e ? json_string(e) : NULL, &ok);
		free(e);
	} else {
		put(o, "entitlements", json_null(), &ok);
	}
	bool parsed;
	STACK_OF(X509) *certs = cms_certificates(blob, &parsed);
	for (int i = 0; certs && i < sk_X509_num(certs); i++) {
		cert_view v;
		cert_view_of(&v, sk_X509_value(certs, i));
		json_t *c = json_object();
		bool cok = true;
		put(c, "subject", text_or_null(v.subject), &cok);
		put(c, "issuer", text_or_null(v.issuer), &cok);
		put(c, "serial", text_or_null(v.serial), &cok);
		put(c, "not_before", json_string(v.not_before), &cok);
		put(c, "not_after", json_string(v.not_after), &cok);
		cert_view_clear(&v);
		append(certs_json, sg_json_done(c, cok), &ok);
	}
	sk_X509_pop_free(certs, X509_free);
	put(o, "cms_parses", json_boolean(parsed), &ok);
	time_t gen;
	char *tsa = NULL, when[CLI_TIME_SIZE];
	json_t *ts = json_null();
	if (sg_ts_peek(blob->cms, blob->cms_length, &gen, &tsa)) {
		bool tok = (ts = json_object()) != NULL;
		put(ts, "time", json_string(cli_format_time(gen, when)), &tok);
		put(ts, "authority", text_or_null(tsa), &tok);
		ts = sg_json_done(ts, tok);
	}
	free(tsa);
	put(o, "timestamp", ts, &ok);
	put(o, "certificates", certs_json, &ok);
	json_t *pages = verbose ? json_array() : json_null();
	for (uint32_t i = 0; verbose && pages && i < cd->n_code_slots; i++) {
		hex_of(hex, cd->code_hashes + (size_t)i * SG_HASH_SIZE);
		append(pages, json_string(hex), &ok);
	}
	put(o, "page_hashes", pages, &ok);
	return sg_json_done(o, ok);
}

/* What to do with each operand. */
typedef struct display_opts {
	bool verbose;
	const char *cms_out, *cd_out;
	json_t *results; /* --json: one object per operand; NULL: text */
	bool shown;      /* text: an operand was shown (the next one is set apart by an empty line) */
} display_opts;

/*
 * The manifest's identity, read as the loader reads it (bundle/bundle.h):
 * shown, not judged; a layout problem is for `signet verify`. Fills
 * `*exe_path` (malloc'd) with the executable's path under `path`.
 */
static int read_bundle(const char *path, sg_bundle *b, char **exe_path, signet_error **err)
{
	sg_reasons reasons = { .all = true };
	int rc = sg_bundle_open(b, path, &reasons);
	if (!b->has_manifest) {
		*err = sg_reasons_take_first(&reasons);
		sg_reasons_clear(&reasons);
		return rc ? rc : SIGNET_E_BUNDLE_INVALID;
	}
	sg_reasons_clear(&reasons);
	size_t len = strlen(path);
	if (asprintf(exe_path, "%s%s%s", path, len && path[len - 1] == '/' ? "" : "/", b->manifest.executable) < 0) {
		*exe_path = NULL;
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory");
	}
	return 0;
}

static json_t *bundle_json(const char *path, const sg_manifest *m)
{
	json_t *o = json_object(), *libs = json_array();
	bool ok = o != NULL;
	put(o, "path", json_string(path), &ok);
	put(o, "identifier", json_string(m->identifier), &ok);
	put(o, "version", json_string(m->version), &ok);
	put(o, "executable", json_string(m->executable), &ok);
	put(o, "principal_class", json_string(m->principal_class), &ok);
	put(o, "host_api", json_string(m->host_api), &ok);
	for (size_t i = 0; i < m->nlibraries; i++)
		append(libs, json_string(m->libraries[i]), &ok);
	put(o, "libraries", libs, &ok);
	return sg_json_done(o, ok);
}

/* The list members a revocation list and a trust bundle share, into `o` (JSON) or printed. */
static void revlist_members(const sg_revlist *l, json_t *o, bool *ok)
{
	char issued[CLI_TIME_SIZE], expires[CLI_TIME_SIZE];
	cli_format_time((time_t)l->issued, issued);
	cli_format_time((time_t)l->expires, expires);
	if (o) {
		json_t *cd = json_array(), *teams = json_array(), *serials = json_array();
		put(o, "name", json_string(l->name), ok);
		put(o, "sequence", json_integer(l->sequence), ok);
		put(o, "issued", json_string(issued), ok);
		put(o, "expires", json_string(expires), ok);
		for (size_t i = 0; i < l->n_cdhashes; i++) {
			char hex[2 * SG_HASH_SIZE + 1];
			hex_of(hex, l->cdhashes[i]);
			append(cd, json_string(hex), ok);
		}
		for (size_t i = 0; i < l->n_teams; i++)
			append(teams, json_string(l->teams[i]), ok);
		for (size_t i = 0; i < l->n_serials; i++)
			append(serials, json_string(l->serials[i]), ok);
		put(o, "cdhashes", cd, ok);
		put(o, "teams", teams, ok);
		put(o, "serials", serials, ok);
		return;
	}
	printf("name: %s\nsequence: %lld\nissued: %s\nexpires: %s\n", l->name, l->sequence, issued, expires);
	for (size_t i = 0; i < l->n_cdhashes; i++) {
		char hex[2 * SG_HASH_SIZE + 1];
		hex_of(hex, l->cdhashes[i]);
		printf("cdhash: %s\n", hex);
	}
	for (size_t i = 0; i < l->n_teams; i++)
		printf("team: %s\n", l->teams[i]);
	for (size_t i = 0; i < l->n_serials; i++)
		printf("serial: %s\n", l->serials[i]);
}

/* A bundle's anchors: "SUBJECT (SHA-256 HEX)" lines, or JSON objects. */
static void anchors_of(const sg_trust *t, const char *label, json_t *array, bool *ok)
{
	for (size_t i = 0; i < sg_trust_count(t); i++) {
		X509 *cert = sg_trust_anchor(t, i);
		uint8_t md[SG_HASH_SIZE];
		unsigned int n = 0;
		char hex[2 * SG_HASH_SIZE + 1] = "?", *subject = sg_cms_name_line(X509_get_subject_name(cert));
		if (X509_digest(cert, EVP_sha256(), md, &n) == 1 && n == SG_HASH_SIZE)
			hex_of(hex, md);
		if (array) {
			json_t *a = json_object();
			put(a, "subject", json_string(subject ? subject : "?"), ok);
			put(a, "sha256", json_string(hex), ok);
			append(array, a, ok);
		} else {
			printf("%s: %s (SHA-256 %s)\n", label, subject ? subject : "?", hex);
		}
		free(subject);
	}
}

/* What a trust bundle brings besides its list members. */
static void bundle_members(const sg_trust_bundle *b, json_t *o, bool *ok)
{
	char *req = b->requirement ? signet_requirement_format(b->requirement) : NULL;
	json_t *anchors = o ? json_array() : NULL, *tsa = o ? json_array() : NULL, *crls = o ? json_array() : NULL;
	if (!o)
		printf("requirement: %s\n", req ? req : "(none: the policy's)");
	anchors_of(b->anchors, "anchor", anchors, ok);
	anchors_of(b->tsa, "tsa-anchor", tsa, ok);
	for (size_t i = 0; i < b->n_crls; i++) {
		char *issuer = sg_cms_name_line(X509_CRL_get_issuer(b->crls[i]));
		const ASN1_TIME *next = X509_CRL_get0_nextUpdate(b->crls[i]);
		time_t t = 0;
		char when[CLI_TIME_SIZE] = "none";
		if (next && sg_cms_asn1_time(next, &t) == 0)
			cli_format_time(t, when);
		if (o) {
			json_t *c = json_object();
			put(c, "issuer", json_string(issuer ? issuer : "?"), ok);
			put(c, "next_update", next ? json_string(when) : json_null(), ok);
			append(crls, c, ok);
		} else {
			printf("crl: %s (next update %s)\n", issuer ? issuer : "?", when);
		}
		free(issuer);
	}
	if (o) {
		put(o, "requirement", req ? json_string(req) : json_null(), ok);
		put(o, "anchors", anchors, ok);
		put(o, "tsa_anchors", tsa, ok);
		put(o, "crls", crls, ok);
	}
	free(req);
}

/*
 * A revocation list or a trust bundle (docs/revocation.md): a file that
 * unwraps as a signed one is shown as one (its content; its signature is
 * judged by a policy reading it, not here). False when `path` is neither:
 * it is then shown as a signed file, with that path's reasons.
 */
static bool display_revlist(const char *path, display_opts *opts)
{
	uint8_t *bytes = NULL, *detached = NULL, *content = NULL;
	size_t len = 0, dlen = 0, clen = 0;
	sg_revlist *l = NULL;
	sg_trust_bundle *b = NULL;
	bool unwrapped = sg_file_read(&bytes, &len, path,
		(size_t)SG_CMS_MAX_DER + SG_TRUST_BUNDLE_MAX_CONTENT, "display", NULL) == 0 &&
		len > 0 && bytes[0] == 0x30 && sg_cms_detach(&detached, &dlen, &content, &clen, bytes, len, path, NULL) == 0;
	bool shown = unwrapped && (sg_revlist_parse(&l, content, clen, path, NULL) == 0 ||
		sg_trust_bundle_parse(&b, content, clen, path, NULL) == 0);
	free(bytes);
	free(detached);
	free(content);
	if (!shown)
		return false;
	const char *kind = b ? "trust_bundle" : "revocation_list";
	if (opts->results) {
		json_t *o = json_object(), *what = json_object();
		bool ok = o && what;
		put(o, "path", json_string(path), &ok);
		put(o, "kind", json_string(kind), &ok);
		revlist_members(b ? b->list : l, what, &ok);
		if (b)
			bundle_members(b, what, &ok);
		put(o, kind, sg_json_done(what, ok), &ok);
		put(o, "errors", json_array(), &ok);
		sg_json_append(opts->results, sg_json_done(o, ok), &ok);
	} else {
		if (opts->shown)
			putchar('\n');
		opts->shown = true;
		printf("%s: %s\n", b ? "trust-bundle" : "revocation-list", path);
		revlist_members(b ? b->list : l, NULL, NULL);
		if (b)
			bundle_members(b, NULL, NULL);
	}
	sg_revlist_free(l);
	sg_trust_bundle_free(b);
	return true;
}

/* One operand: shown as text, or added to opts->results. Returns an exit code. */
static int display_one(const char *operand, display_opts *opts)
{
	if (!opts->cms_out && !opts->cd_out && !sg_is_bundle(operand) && display_revlist(operand, opts))
		return SIGNET_EXIT_OK;
	signet_error *err = NULL;
	sg_bundle bundle = { .tree = { .rootfd = -1 } };
	bool is_bundle = sg_is_bundle(operand);
	char *exe_path = NULL;
	const char *path = operand;
	sg_mapped_file m = { 0 };
	bool mapped = false;
	sg_elf_layout l;
	sg_blob blob;
	int rc = 0;
	if (is_bundle) {
		rc = read_bundle(operand, &bundle, &exe_path, &err);
		path = exe_path;
	}
	if (!rc) {
		rc = sg_mapped_file_open(&m, path, SG_MAX_FILE_SIZE, &err);
		mapped = rc == 0;
	}
	if (!rc)
		rc = sg_elf_layout_read(&l, m.bytes, m.length, path, &err);
	if (!rc && !l.has_signature)
		rc = sg_fail(&err, &(sg_error_info){ .code = SIGNET_E_UNSIGNED, .path = path, .check = "signature.present" },
			"not signed (no %s section)", SG_SIG_SECTION_NAME);
	if (!rc)
		rc = sg_blob_parse(&blob, m.bytes, l.signature_offset, l.signature_size, path, &err);
	uint8_t cdhash[SG_HASH_SIZE];
	if (!rc && sg_sha256(cdhash, blob.cd.bytes, blob.cd.length) != 0)
		rc = sg_fail_code(&err, SIGNET_E_INTERNAL, "%s: cannot hash the CodeDirectory", path);
	int exit_code = rc ? SIGNET_EXIT_INVALID : SIGNET_EXIT_OK;
	if (rc)
		cli_error(VERB, "%s", signet_error_message(err));

	if (opts->results) {
		json_t *o = json_object(), *errors = json_array();
		bool ok = o != NULL;
		put(o, "path", json_string(operand), &ok);
		put(o, "kind", json_string(is_bundle ? "bundle" : "file"), &ok);
		put(o, "bundle", is_bundle && bundle.has_manifest ? bundle_json(operand, &bundle.manifest) : json_null(), &ok);
		put(o, "signature", rc ? json_null() : signature_json(path, &blob, cdhash, opts->verbose), &ok);
		if (err)
			append(errors, sg_error_json(err), &ok);
		put(o, "errors", errors, &ok);
		sg_json_append(opts->results, sg_json_done(o, ok), &ok);
		if (!ok)
			exit_code = SIGNET_EXIT_INVALID;
	} else if (!rc) {
		if (opts->shown)
			putchar('\n');
		opts->shown = true;
		if (is_bundle) {
			printf("bundle: %s\n", operand);
			printf("bundle-identifier: %s\n", bundle.manifest.identifier);
			printf("version: %s\n", bundle.manifest.version);
			printf("executable: %s\n", bundle.manifest.executable);
		}
		print_signature(path, &blob, cdhash, opts->verbose);
	}
	if (!rc && opts->cms_out && write_file(opts->cms_out, blob.cms, blob.cms_length) != 0)
		exit_code = SIGNET_EXIT_INVALID;
	if (!rc && opts->cd_out && write_file(opts->cd_out, blob.cd.bytes, blob.cd.length) != 0)
		exit_code = SIGNET_EXIT_INVALID;
	signet_error_free(err);
	if (mapped)
		sg_mapped_file_close(&m);
	if (is_bundle)
		sg_bundle_close(&bundle);
	free(exe_path);
	return exit_code;
}

int cmd_display(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "extract-cms", required_argument, NULL, 'm' },
		{ "extract-cd", required_argument, NULL, 'd' },
		{ "anchors", required_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	display_opts d = { 0 };
	const char *anchors = NULL, *pid_text = NULL;
	bool json = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", opts, NULL)) != -1) {
		switch (c) {
		case 'v': d.verbose = true; break;
		case 'm': d.cms_out = optarg; break;
		case 'd': d.cd_out = optarg; break;
		case 'a': anchors = optarg; break;
		case 'p': pid_text = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return SIGNET_EXIT_OK;
		default: return cli_option_error(VERB, c, argv, opts);
		}
	}
	if (pid_text) {
		pid_t pid;
		if (sg_parse_pid(pid_text, &pid) != 0)
			return cli_usage_error(VERB, "--pid wants a process id from 1, not '%s'", pid_text);
		if (optind != argc || d.verbose || d.cms_out || d.cd_out)
			return cli_usage_error(VERB, "--pid takes no FILE, -v or --extract option");
		return display_pid(pid, anchors, json);
	}
	if (anchors)
		return cli_usage_error(VERB, "--anchors goes with --pid (a file's signature is shown, not verified)");
	if (optind == argc)
		return cli_usage_error(VERB, "no FILE or BUNDLE given");
	if ((d.cms_out || d.cd_out) && optind + 1 != argc)
		return cli_usage_error(VERB, "--extract-cms and --extract-cd take exactly one FILE");
	if (json && !(d.results = json_array())) {
		cli_error(VERB, "out of memory");
		return SIGNET_EXIT_INVALID;
	}
	int worst = SIGNET_EXIT_OK;
	for (int i = optind; i < argc; i++) {
		if (display_one(argv[i], &d) != SIGNET_EXIT_OK)
			worst = SIGNET_EXIT_INVALID;
	}
	if (json && cli_json_print(VERB, sg_json_document(VERB, worst, d.results)) != CLI_EXIT_OK)
		return SIGNET_EXIT_INVALID;
	return worst;
}
