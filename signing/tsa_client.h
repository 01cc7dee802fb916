/* SPDX-License-Identifier: MIT */
/*
 * tsa_client.h - getting an RFC 3161 timestamp token for `signet sign`:
 * from a time-stamping authority over HTTP(S) (libcurl, the tool only: the
 * library never talks to the network), or from a file.
 *
 * Everything the TSA sends is hostile until checked: the body is bounded
 * (SG_TSA_MAX_RESPONSE), the transfer by connect and total timeouts, the
 * URL to http and https without redirects; the reply must be a DER
 * TimeStampResp, granted, over the imprint and nonce asked for (OpenSSL's
 * TS_VERIFY_CTX). Whether its TSA is trusted is the verifier's question.
 *
 * Thread-safety: one sg_tsa_source per thread at a time.
 */
#ifndef SIGNET_TSA_CLIENT_H
#define SIGNET_TSA_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/error.h>

/* Bytes of a TSA's reply (a token of at most SG_TS_TOKEN_MAX and its status). */
#define SG_TSA_MAX_RESPONSE (32 * 1024)
#define SG_TSA_CONNECT_TIMEOUT 10 /* seconds */
#define SG_TSA_TOTAL_TIMEOUT 30   /* seconds, the whole exchange */

typedef struct sg_tsa_source {
	const char *url;        /* http:// or https://; or NULL */
	const char *token_file; /* a DER TimeStampResp or TimeStampToken; or NULL */
} sg_tsa_source;

/* True for a URL this client will ask: http:// or https://, case-insensitive. */
bool sg_tsa_url_ok(const char *url);

/* An sg_ts_fetch_fn (cms/timestamp.h) with ctx = const sg_tsa_source *. */
int sg_tsa_fetch(void *ctx, const uint8_t imprint[32], uint8_t **token, size_t *token_len,
	signet_error **err);

#endif /* SIGNET_TSA_CLIENT_H */
