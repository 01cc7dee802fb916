/* SPDX-License-Identifier: MIT */
/*
 * verify.c - verifying a signed ELF image, in this order:
 *   1. ELF structure and the blob's place (last, alone, nothing mapped in it);
 *   2. the blob and CodeDirectory, strictly;
 *   3. the CMS signature over the CodeDirectory, the chain, EKU and team;
 *   4. the CodeDirectory's team against the certificate's;
 *   5. the entitlements against their special slot;
 *   6. every page hash, over all cores.
 * Cheap structural checks first, the signature before the expensive page
 * hashing, so a forgery is refused before we spend time on its pages.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codesign/blob.h"
#include "codesign/codedirectory.h"
#include "codesign/identity_internal.h"
#include "codesign/pagehash.h"
#include "core/error_internal.h"
#include "core/hex.h"
#include "core/file.h"
#include "core/sha256.h"
#include "elf/elf_image.h"

static bool same_team(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int check_entitlements(const sg_blob *blob, const char *path, signet_error **err)
{
	const uint8_t *sealed = sg_cd_special(&blob->cd, SG_SLOT_ENTITLEMENTS);
	if (!sealed && !blob->entitlements)
		return 0;
	uint8_t actual[SG_HASH_SIZE];
	if (!sealed || !blob->entitlements || sg_sha256(actual, blob->entitlements, blob->entitlements_length) != 0 ||
	    memcmp(actual, sealed, SG_HASH_SIZE) != 0)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_SEAL_MISMATCH, .path = path,
			.check = "signature.entitlements" }, "%s", !sealed ? "entitlements are present but not sealed"
			: !blob->entitlements ? "sealed entitlements are missing" : "entitlements do not match their seal");
	return 0;
}

static int fill_identity(signet_identity *id, const sg_blob *blob, const char *path)
{
	id->path = strdup(path);
	id->identifier = strdup(blob->cd.identifier);
	id->team = id->signer.team ? strdup(id->signer.team) : NULL;
	if (!id->path || !id->identifier || (id->signer.team && !id->team))
		return -1;
	if (sg_sha256(id->cdhash, blob->cd.bytes, blob->cd.length) != 0)
		return -1;
	sg_hex_encode(id->cdhash_hex, id->cdhash, SG_HASH_SIZE, false);
	sg_hex_encode(id->anchor_hex, id->signer.anchor_sha256, SG_HASH_SIZE, false);
	id->page_shift = blob->cd.page_shift;
	id->page_count = blob->cd.n_code_slots;
	id->code_limit = blob->cd.code_limit;
	for (unsigned k = 1; k <= SG_SLOT_MAX; k++) {
		const uint8_t *h = sg_cd_special(&blob->cd, k);
		if (h) {
			id->has_special[k - 1] = true;
			memcpy(id->special[k - 1], h, SG_HASH_SIZE);
		}
	}
	if (blob->entitlements) {
		id->entitlements = malloc(blob->entitlements_length + 1);
		if (!id->entitlements)
			return -1;
		memcpy(id->entitlements, blob->entitlements, blob->entitlements_length);
		id->entitlements[blob->entitlements_length] = '\0';
		id->entitlements_length = blob->entitlements_length;
	}
	return 0;
}

int signet_verify_bytes(signet_identity **out, const void *bytes, size_t length, const char *path,
	const signet_trust *trust, const signet_verify_options *opts, signet_error **err)
{
	return sg_verify_bytes_known(out, bytes, length, path, trust, opts, NULL, err);
}

int sg_verify_bytes_known(signet_identity **out, const void *bytes, size_t length, const char *path,
	const signet_trust *trust, const signet_verify_options *opts, const sg_known_hashes *known,
	signet_error **err)
{
	static const signet_verify_options defaults = SIGNET_VERIFY_OPTIONS_INIT;
	if (!out || (!bytes && length) || !path || !trust)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "verification needs an output, bytes, a path and trust anchors");
	if (!opts)
		opts = &defaults;
	if (opts->version != SIGNET_VERIFY_OPTIONS_VERSION)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_verify_options version %u is not %u",
			opts->version, SIGNET_VERIFY_OPTIONS_VERSION);
	if (length > SG_MAX_FILE_SIZE)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .path = path, .check = "file.size" },
			"%zu bytes exceed the limit of %llu", length, (unsigned long long)SG_MAX_FILE_SIZE);
	const uint8_t *file = bytes;

	sg_elf_layout layout;
	int rc = sg_elf_layout_read(&layout, file, length, path, err);
	if (rc)
		return rc;
	if (!layout.has_signature)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_UNSIGNED, .path = path, .check = "signature.present" },
			"not signed (no %s section)", SG_SIG_SECTION_NAME);
	sg_blob blob;
	rc = sg_blob_parse(&blob, file, layout.signature_offset, layout.signature_size, path, err);
	if (rc)
		return rc;

	signet_identity *id = calloc(1, sizeof *id);
	if (!id)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory verifying %s", path);
	sg_verify_options vo = { .at = (time_t)opts->at, .allow_no_team = opts->allow_no_team,
		.tsa = trust->tsa };
	rc = sg_cms_verify(&id->signer, blob.cms, blob.cms_length, blob.cd.bytes, blob.cd.length,
		trust->anchors, &vo, path, err);
	if (rc)
		goto fail;
	/* The CodeDirectory's team claim must be the certificate's: the team a
	 * policy sees is the one a CA vouched for, and the one that was hashed. */
	if (!same_team(blob.cd.team, id->signer.team)) {
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_CMS_MISMATCH, .path = path,
			.check = "signature.team", .expected = id->signer.team ? id->signer.team : "(none)",
			.actual = blob.cd.team ? blob.cd.team : "(none)" },
			"the CodeDirectory names team %s but the signing certificate's team is %s",
			blob.cd.team ? blob.cd.team : "(none)", id->signer.team ? id->signer.team : "(none)");
		goto fail;
	}
	rc = check_entitlements(&blob, path, err);
	if (rc)
		goto fail;
	/* Hashes of the same pages, computed over these bytes as they were sealed. */
	bool usable = known && known->hashes && known->shift == blob.cd.page_shift && known->length == length;
	rc = sg_pagehash_verify_known(blob.cd.code_hashes, file, blob.cd.code_limit, blob.cd.page_shift,
		usable ? known->hashes : NULL, usable ? known->length : 0, opts->threads, path, err);
	if (rc)
		goto fail;
	if (fill_identity(id, &blob, path) != 0) {
		rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory verifying %s", path);
		goto fail;
	}
	*out = id;
	return 0;
fail:
	signet_identity_free(id);
	return rc;
}

/* A file smaller than this is read and hashed in one pass rather than mapped. */
#define READ_RATHER_THAN_MAP (1u << 20)

/*
 * A small file read into private memory with its page hashes computed as
 * it is read: no mapping to make and tear down (an unmap costs a TLB
 * shootdown, most of a small verification's system time), one pass.
 */
static int verify_read(signet_identity **out, int fd, size_t length, const char *path,
	const signet_trust *trust, const signet_verify_options *opts, signet_error **err)
{
	unsigned shift = SG_PAGE_SHIFT_DEFAULT;
	uint8_t *bytes = malloc(length ? length : 1), *hashes = NULL;
	int rc = !bytes ? sg_fail_code(err, SIGNET_E_NOMEM, "out of memory verifying %s", path)
		: sg_pagehash_fill(&hashes, bytes, fd, length, shift, opts ? opts->threads : 0, path, err);
	if (!rc) {
		sg_known_hashes known = { .hashes = hashes, .length = length, .shift = shift };
		rc = sg_verify_bytes_known(out, bytes, length, path, trust, opts, &known, err);
	}
	free(hashes);
	free(bytes);
	return rc;
}

int sg_verify_fd(signet_identity **out, int fd, uint64_t size, const char *label, const signet_trust *trust,
	const signet_verify_options *opts, signet_error **err)
{
	if (size < READ_RATHER_THAN_MAP)
		return verify_read(out, fd, (size_t)size, label, trust, opts, err);
	sg_mapped_file m;
	int rc = sg_mapped_file_from_fd(&m, fd, size, label, err);
	if (rc)
		return rc;
	rc = signet_verify_bytes(out, m.bytes, m.length, label, trust, opts, err);
	sg_mapped_file_close(&m);
	return rc;
}

int signet_verify_file(signet_identity **out, const char *path, const signet_trust *trust,
	const signet_verify_options *opts, signet_error **err)
{
	if (!path)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "verification needs a path");
	int fd = -1;
	uint64_t size = 0;
	int rc = sg_file_open(&fd, &size, path, SG_MAX_FILE_SIZE, "file.open", err);
	if (rc)
		return rc;
	rc = sg_verify_fd(out, fd, size, path, trust, opts, err);
	close(fd);
	return rc;
}

/* ---- trust ---- */

int signet_trust_load(signet_trust **out, const char *path, signet_error **err)
{
	if (!out || !path)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "loading trust anchors needs an output and a path");
	signet_trust *t = calloc(1, sizeof *t);
	if (!t)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory loading trust anchors");
	int rc = sg_trust_load(&t->anchors, path, err);
	if (rc) {
		free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void signet_trust_free(signet_trust *trust)
{
	if (!trust)
		return;
	sg_trust_free(trust->anchors);
	sg_trust_free(trust->tsa_owned);
	free(trust);
}

int sg_trust_set_tsa(signet_trust *trust, const char *path, signet_error **err)
{
	sg_trust *tsa = NULL;
	if (!trust || !path)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "TSA anchors need a trust object and a path");
	int rc = sg_trust_load(&tsa, path, err);
	if (rc)
		return rc;
	sg_trust_free(trust->tsa_owned);
	trust->tsa_owned = tsa;
	trust->tsa = tsa;
	return 0;
}
