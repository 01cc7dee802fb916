/* SPDX-License-Identifier: MIT */
/*
 * timestamp.h - RFC 3161 secure timestamps stapled to a Signet signature
 * (private to libsignet and the `signet` tool; never installed).
 *
 * A timestamp is a TimeStampToken (a CMS SignedData from a time-stamping
 * authority, TSA) over SHA-256 of the SignerInfo's signature value, carried
 * as the one unsigned attribute id-smime-aa-timeStampToken
 * (1.2.840.113549.1.9.16.2.14) of that SignerInfo, as Authenticode and
 * Apple's codesign do. It proves the signature existed at the token's
 * genTime, so an expired leaf can still be accepted: docs/certificates.md,
 * "The time rule", says when. Everything cryptographic is OpenSSL's TS API.
 *
 * Ownership: outputs are the caller's (sg_ts_verdict_clear()).
 * Thread-safety: no shared state; a TSA sg_trust is only read.
 */
#ifndef SIGNET_CMS_TIMESTAMP_H
#define SIGNET_CMS_TIMESTAMP_H

#include "core/export.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/cms.h>

#include <signet/error.h>

#include "cms/cms.h"

/*
 * Room a signer reserves in the CMS for the timestamp attribute, before it
 * has the token (the blob's size is hashed, so it is fixed first). The
 * format allows at most 4096 bytes of zero padding after the blob's parts
 * (docs/signature-format.md), and the unused part of the reservation is
 * padding: so the reservation stays under 4096 bytes whatever the token's
 * size, and a token of any size up to SG_TS_TOKEN_MAX fits.
 */
#define SG_TS_RESERVE 4064
/*
 * Bytes of one TimeStampToken: the reservation less the attribute around
 * it (the unsigned-attribute [1] set, the Attribute SEQUENCE, its OID and
 * value SET: under 32 bytes). A token with the TSA's certificate (what a
 * signer asks for) is 1-3 KiB; a TSA that also sends a chain of RSA-4096
 * certificates can exceed it, and is refused at signing.
 */
#define SG_TS_TOKEN_MAX 4000

/*
 * How far a TSA's clock may run ahead of the verifier's: a token up to this
 * many seconds after the verification time is accepted (the chain is then
 * judged at the verification time). Without it, a file stamped by a
 * remote TSA would be refused for a few seconds after signing on any host
 * whose clock lags; five minutes is the tolerance Kerberos chose for the
 * same problem, and grants nothing a signer could use: the token's time
 * must still lie inside the leaf's validity.
 */
#define SG_TS_CLOCK_SKEW 300

/*
 * The unsigned attributes of `si`, checked for what verification allows:
 * none, or exactly one id-smime-aa-timeStampToken attribute with exactly one
 * value, a canonical DER TimeStampToken (SignedData of id-ct-TSTInfo) of at
 * most SG_TS_TOKEN_MAX bytes. 0, or -1 with the reason in `detail`.
 */
int sg_ts_check_attributes(CMS_SignerInfo *si, char *detail, size_t size);

/* The same check of one token's DER (what a signer is handed). */
int sg_ts_check_token(const uint8_t *der, size_t len, char *detail, size_t size);

typedef enum sg_ts_state {
	SG_TS_NONE,      /* no token, or no TSA anchors to judge one by */
	SG_TS_TRUSTED,   /* verified: the signature existed at gen_time */
	SG_TS_UNTRUSTED, /* well-formed and over this signature, but its TSA is not trusted */
} sg_ts_state;

typedef struct sg_ts_verdict {
	sg_ts_state state;
	time_t gen_time;   /* SG_TS_TRUSTED: the token's genTime */
	char *tsa;         /* SG_TS_TRUSTED: the TSA certificate's subject, one line */
	char why[SG_OSSL_REASON_MAX + 128]; /* SG_TS_UNTRUSTED: why the TSA is not trusted */
} sg_ts_verdict;

void sg_ts_verdict_clear(sg_ts_verdict *v);

/*
 * Judges the timestamp of `si` (its attributes already passed
 * sg_ts_check_attributes()) against the TSA anchors `tsa` (NULL: none, and
 * the verdict is SG_TS_NONE). In this order:
 *  - the token's imprint must be SHA-256 of this SignerInfo's signature
 *    value, else SIGNET_E_TIMESTAMP_INVALID ("timestamp.imprint"): a token
 *    replayed from another signature is refused, never ignored;
 *  - TSTInfo version 1 and a readable genTime, else ("timestamp.structure");
 *  - the token's signature with the certificate it names (ESS
 *    signingCertificate), that certificate chaining to a TSA anchor at
 *    genTime with the critical timeStamping EKU (OpenSSL's timestamp-sign
 *    purpose): a chain that does not hold is SG_TS_UNTRUSTED with the reason
 *    in v->why (the caller decides, see cms_verify.c); a token whose own
 *    signature is broken is SIGNET_E_TIMESTAMP_INVALID ("timestamp.signature").
 * Also SIGNET_E_NOMEM.
 */
int sg_ts_verify(sg_ts_verdict *v, CMS_SignerInfo *si, const sg_trust *tsa, const char *path,
	signet_error **err) __attribute__((warn_unused_result));

/*
 * What the CMS `cms` (DER) says its timestamp is, unverified, for
 * `signet display`: 1 with *gen (genTime) and *tsa (the subject of the
 * certificate that signed the token as it names it, malloc'd, or NULL); 0
 * when it carries no timestamp or it does not parse. Never a verdict.
 */
SG_PRIVATE int sg_ts_peek(const uint8_t *cms, size_t len, time_t *gen, char **tsa);

/*
 * Asks for a token over `imprint` (SHA-256 of a signature value) and hands
 * back its DER (malloc'd); 0 or a signet_code with *err set.
 */
typedef int (*sg_ts_fetch_fn)(void *ctx, const uint8_t imprint[32], uint8_t **token,
	size_t *token_len, signet_error **err);

/*
 * Staples a timestamp to the CMS `*der` (as sg_cms_sign() made it): calls
 * `fetch` with SHA-256 of its signature value, checks the token with
 * sg_ts_check_token(), adds it as the unsigned attribute and replaces *der
 * and *len with the new encoding. The imprint is not judged here (a
 * verifier does); `fetch` checks what it asked for. Codes: those of
 * `fetch`, SIGNET_E_TIMESTAMP_INVALID ("timestamp.structure"),
 * SIGNET_E_INTERNAL, SIGNET_E_NOMEM.
 */
int sg_cms_add_timestamp(uint8_t **der, size_t *len, sg_ts_fetch_fn fetch, void *ctx,
	signet_error **err) __attribute__((warn_unused_result));

#endif /* SIGNET_CMS_TIMESTAMP_H */
