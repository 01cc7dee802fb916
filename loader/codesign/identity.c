/* SPDX-License-Identifier: MIT */
/* identity.c - the verified identity's accessors and its requirement view. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "codesign/identity_internal.h"

void signet_identity_free(signet_identity *id)
{
	if (!id)
		return;
	free(id->path);
	free(id->identifier);
	free(id->team);
	free(id->entitlements);
	sg_signer_clear(&id->signer);
	free(id);
}

const char *signet_identity_path(const signet_identity *id) { return id ? id->path : NULL; }
const char *signet_identity_identifier(const signet_identity *id) { return id ? id->identifier : NULL; }
const char *signet_identity_team(const signet_identity *id) { return id ? id->team : NULL; }
const uint8_t *signet_identity_cdhash(const signet_identity *id) { return id ? id->cdhash : NULL; }
const char *signet_identity_cdhash_hex(const signet_identity *id) { return id ? id->cdhash_hex : NULL; }
const char *signet_identity_leaf_subject(const signet_identity *id) { return id ? id->signer.leaf_subject : NULL; }
const char *signet_identity_leaf_serial(const signet_identity *id) { return id ? id->signer.leaf_serial_hex : NULL; }
long long signet_identity_leaf_not_before(const signet_identity *id) { return id ? (long long)id->signer.leaf_not_before : 0; }
long long signet_identity_leaf_not_after(const signet_identity *id) { return id ? (long long)id->signer.leaf_not_after : 0; }
long long signet_identity_timestamp(const signet_identity *id) { return id ? (long long)id->signer.timestamp : 0; }
const char *signet_identity_timestamp_authority(const signet_identity *id) { return id ? id->signer.timestamp_tsa : NULL; }
const char *signet_identity_anchor_sha256_hex(const signet_identity *id) { return id ? id->anchor_hex : NULL; }
const char *signet_identity_anchor_subject(const signet_identity *id) { return id ? id->signer.anchor_subject : NULL; }
unsigned signet_identity_page_size(const signet_identity *id) { return id ? 1u << id->page_shift : 0; }
uint64_t signet_identity_page_count(const signet_identity *id) { return id ? id->page_count : 0; }
uint64_t signet_identity_code_limit(const signet_identity *id) { return id ? id->code_limit : 0; }

const char *signet_identity_entitlements(const signet_identity *id, size_t *length)
{
	/* The copy verification made of the sealed bytes (verify.c): the file is never read again. */
	const char *text = id ? id->entitlements : NULL;
	if (length)
		*length = text ? id->entitlements_length : 0;
	return text;
}

static const char *certificate_field(void *ctx, int index, const char *field)
{
	signet_identity *id = ctx;
	return sg_signer_certificate_field(&id->signer, index, field);
}

/*
 * Entitlements are a flat JSON object; `entitlement["k"] exists` asks
 * whether key k is present. Parsed here with jansson.
 */
static bool has_entitlement(void *ctx, const char *key)
{
	const signet_identity *id = ctx;
	if (!id->entitlements)
		return false;
	json_t *root = json_loadb(id->entitlements, id->entitlements_length, JSON_REJECT_DUPLICATES, NULL);
	bool present = root && json_is_object(root) && json_object_get(root, key) != NULL;
	json_decref(root);
	return present;
}

void sg_identity_subject(const signet_identity *id, const char *host_team, sg_req_subject *s)
{
	*s = (sg_req_subject){
		.identifier = id->identifier,
		.team = id->team,
		.cdhash = id->cdhash,
		.anchor_trusted = true, /* verification only succeeds with a trusted anchor */
		.anchor_sha256 = id->signer.anchor_sha256,
		.host_team = host_team,
		.certificate_field = certificate_field,
		.has_entitlement = has_entitlement,
		.ctx = (void *)(uintptr_t)id,
	};
}
