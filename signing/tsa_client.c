/* SPDX-License-Identifier: MIT */
/* tsa_client.c - asking a time-stamping authority (tsa_client.h). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/ts.h>

#include "cms/cms.h"
#include "core/error_internal.h"
#include "core/file.h"
#include "tsa_client.h"

bool sg_tsa_url_ok(const char *url)
{
	return url && (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0);
}

/* ---- the request ---- */

/* A TimeStampReq: version 1, SHA-256 imprint, a random 64-bit nonce, certReq. */
static TS_REQ *make_request(const uint8_t imprint[32])
{
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	BIGNUM *bn = BN_new();
	ASN1_INTEGER *nonce = NULL;
	unsigned char digest[32];
	memcpy(digest, imprint, sizeof digest);
	bool ok = req && mi && alg && bn
		&& X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) == 1
		&& TS_MSG_IMPRINT_set_algo(mi, alg) == 1
		&& TS_MSG_IMPRINT_set_msg(mi, digest, 32) == 1
		&& TS_REQ_set_version(req, 1) == 1
		&& TS_REQ_set_msg_imprint(req, mi) == 1
		/* The nonce ties the reply to this request: a replayed reply is refused. */
		&& BN_rand(bn, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1
		&& (nonce = BN_to_ASN1_INTEGER(bn, NULL)) != NULL
		&& TS_REQ_set_nonce(req, nonce) == 1
		/* The TSA's certificate in the token: a verifier has only its anchors. */
		&& TS_REQ_set_cert_req(req, 1) == 1;
	ASN1_INTEGER_free(nonce);
	BN_free(bn);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	if (!ok) {
		TS_REQ_free(req);
		return NULL;
	}
	return req;
}

/* ---- the transfer ---- */

typedef struct body {
	uint8_t *bytes;
	size_t len;
	bool too_big;
} body;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	body *b = userdata;
	size_t n = size * nmemb;
	/* Bounded before it is stored: a TSA cannot make the signer hold more. */
	if (n > SG_TSA_MAX_RESPONSE - b->len) {
		b->too_big = true;
		return 0; /* curl ends the transfer with CURLE_WRITE_ERROR */
	}
	uint8_t *grown = realloc(b->bytes, b->len + n);
	if (!grown)
		return 0;
	memcpy(grown + b->len, ptr, n);
	b->bytes = grown;
	b->len += n;
	return n;
}

/* "timestamp authority URL: WHAT", WHAT naming `detail` (the error's actual). */
static int fail_tsa(signet_error **err, int code, const char *check, const char *url, const char *what,
	const char *detail)
{
	return sg_fail(err, &(sg_error_info){ .code = code, .check = check, .actual = detail },
		"timestamp authority %s: %s%s%s", url, what, detail ? " " : "", detail ? detail : "");
}

/* POSTs `req` to `url`; the reply's body in *out. */
static int post(const char *url, const uint8_t *req, size_t req_len, body *out, signet_error **err)
{
	CURL *curl = curl_easy_init();
	if (!curl)
		return fail_tsa(err, SIGNET_E_NOMEM, "timestamp.request", url, "cannot start libcurl", NULL);
	char curl_err[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/timestamp-query");
	struct curl_slist *h2 = headers ? curl_slist_append(headers, "Accept: application/timestamp-reply") : NULL;
	if (!h2) {
		curl_slist_free_all(headers);
		curl_easy_cleanup(curl);
		return fail_tsa(err, SIGNET_E_NOMEM, "timestamp.request", url, "out of memory", NULL);
	}
	headers = h2;
	/*
	 * Every option must take: a libcurl that ignored the protocol list or
	 * a limit would run the request without the restriction. http and
	 * https only, never redirected (to file:// or anywhere else).
	 */
	CURLcode cc = CURLE_OK;
#define SET(opt, value) do { if (cc == CURLE_OK) cc = curl_easy_setopt(curl, opt, value); } while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, (long)SG_TSA_CONNECT_TIMEOUT);
	SET(CURLOPT_TIMEOUT, (long)SG_TSA_TOTAL_TIMEOUT);
	SET(CURLOPT_MAXFILESIZE, (long)SG_TSA_MAX_RESPONSE);
	SET(CURLOPT_ERRORBUFFER, curl_err);
	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_POSTFIELDS, (const char *)req);
	SET(CURLOPT_POSTFIELDSIZE, (long)req_len);
	SET(CURLOPT_WRITEFUNCTION, on_data);
	SET(CURLOPT_WRITEDATA, out);
#undef SET
	if (cc != CURLE_OK) {
		curl_slist_free_all(headers);
		curl_easy_cleanup(curl);
		return fail_tsa(err, SIGNET_E_INTERNAL, "timestamp.request", url, "libcurl refused an option:",
			curl_easy_strerror(cc));
	}
	cc = curl_easy_perform(curl);
	long status = 0;
	char *type = NULL;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
	int rc = 0;
	char detail[CURL_ERROR_SIZE + 64];
	if (out->too_big || cc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(detail, sizeof detail, "more than %d bytes", SG_TSA_MAX_RESPONSE);
		rc = fail_tsa(err, SIGNET_E_LIMIT, "timestamp.response", url, "the reply is", detail);
	} else if (cc != CURLE_OK) {
		snprintf(detail, sizeof detail, "%s", curl_err[0] ? curl_err : curl_easy_strerror(cc));
		rc = fail_tsa(err, SIGNET_E_IO, "timestamp.request", url, "the request failed:", detail);
	} else if (status != 200) {
		snprintf(detail, sizeof detail, "HTTP status %ld", status);
		rc = fail_tsa(err, SIGNET_E_IO, "timestamp.request", url, "the TSA answered", detail);
	} else if (!type || strncasecmp(type, "application/timestamp-reply", 27) != 0
		|| (type[27] != '\0' && type[27] != ';')) {
		snprintf(detail, sizeof detail, "%s", type ? type : "no Content-Type");
		rc = fail_tsa(err, SIGNET_E_TIMESTAMP_INVALID, "timestamp.response", url,
			"the reply is not application/timestamp-reply but", detail);
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return rc;
}

/* ---- the reply ---- */

/* The token of a granted TimeStampResp in `b`, DER in *token. */
static int response_token(TS_RESP *resp, const char *origin, uint8_t **token, size_t *len, signet_error **err)
{
	PKCS7 *p7 = TS_RESP_get_token(resp);
	unsigned char *der = NULL;
	int n = p7 ? i2d_PKCS7(p7, &der) : -1;
	if (n <= 0) {
		ERR_clear_error();
		return fail_tsa(err, SIGNET_E_TIMESTAMP_INVALID, "timestamp.response", origin,
			"the reply carries no token", NULL);
	}
	*token = malloc((size_t)n);
	if (*token)
		memcpy(*token, der, (size_t)n);
	OPENSSL_free(der);
	if (!*token)
		return fail_tsa(err, SIGNET_E_NOMEM, "timestamp.response", origin, "out of memory", NULL);
	*len = (size_t)n;
	return 0;
}

static TS_RESP *parse_response(const uint8_t *bytes, size_t len)
{
	const unsigned char *p = bytes;
	TS_RESP *resp = len ? d2i_TS_RESP(NULL, &p, (long)len) : NULL;
	if (resp && p != bytes + len) {
		TS_RESP_free(resp);
		resp = NULL;
	}
	ERR_clear_error();
	return resp;
}

static int from_url(const char *url, const uint8_t imprint[32], uint8_t **token, size_t *len,
	signet_error **err)
{
	TS_REQ *req = make_request(imprint);
	unsigned char *req_der = NULL;
	int req_len = req ? i2d_TS_REQ(req, &req_der) : -1;
	if (req_len <= 0) {
		TS_REQ_free(req);
		ERR_clear_error();
		return fail_tsa(err, SIGNET_E_NOMEM, "timestamp.request", url, "cannot make the request", NULL);
	}
	body b = { 0 };
	int rc = post(url, req_der, (size_t)req_len, &b, err);
	OPENSSL_free(req_der);
	TS_RESP *resp = rc ? NULL : parse_response(b.bytes, b.len);
	if (!rc && !resp)
		rc = fail_tsa(err, SIGNET_E_TIMESTAMP_INVALID, "timestamp.response", url,
			"the reply is not a DER TimeStampResp", NULL);
	if (!rc) {
		/*
		 * Granted, version 1, over the imprint and nonce just sent: the
		 * request's own checks (TS_VFY_IMPRINT, TS_VFY_NONCE); the TSA's
		 * signature is judged by verifiers against their TSA anchors.
		 */
		TS_VERIFY_CTX *vctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL);
		if (vctx)
			TS_VERIFY_CTX_set_flags(vctx, TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE);
		if (!vctx || TS_RESP_verify_response(vctx, resp) != 1) {
			char reason[SG_OSSL_REASON_MAX];
			sg_ossl_reason(reason, sizeof reason);
			rc = fail_tsa(err, SIGNET_E_TIMESTAMP_INVALID, "timestamp.response", url,
				"the reply does not answer the request:", reason);
		}
		TS_VERIFY_CTX_free(vctx);
	}
	if (!rc)
		rc = response_token(resp, url, token, len, err);
	TS_RESP_free(resp);
	TS_REQ_free(req);
	free(b.bytes);
	ERR_clear_error();
	return rc;
}

/*
 * A file: a TimeStampResp (what a TSA returns, and `openssl ts -reply`
 * writes) whose status is granted, or a bare TimeStampToken (`-token_out`).
 * Which it is, is read from the DER itself: the two do not parse as each
 * other. Taken as given otherwise: a verifier judges its imprint.
 */
static int from_file(const char *path, uint8_t **token, size_t *len, signet_error **err)
{
	uint8_t *bytes = NULL;
	size_t n = 0;
	int rc = sg_file_read(&bytes, &n, path, SG_TSA_MAX_RESPONSE, "timestamp.response", err);
	if (rc)
		return rc;
	TS_RESP *resp = parse_response(bytes, n);
	if (resp) {
		TS_STATUS_INFO *si = TS_RESP_get_status_info(resp);
		long status = si ? ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si)) : -1;
		if (status != 0 && status != 1) /* granted, grantedWithMods */
			rc = fail_tsa(err, SIGNET_E_TIMESTAMP_INVALID, "timestamp.response", path,
				"the response's status is not granted", NULL);
		else
			rc = response_token(resp, path, token, len, err);
		TS_RESP_free(resp);
	} else {
		*token = bytes;
		*len = n;
		bytes = NULL;
	}
	free(bytes);
	ERR_clear_error();
	return rc;
}

/* Whether the token's message imprint is SHA-256 of exactly `imprint`'s bytes' signature (false when unreadable). */
static bool token_over(const uint8_t *der, size_t len, const uint8_t imprint[32])
{
	const unsigned char *p = der;
	PKCS7 *p7 = len <= (size_t)INT32_MAX ? d2i_PKCS7(NULL, &p, (long)len) : NULL;
	TS_TST_INFO *info = p7 ? PKCS7_to_TS_TST_INFO(p7) : NULL;
	TS_MSG_IMPRINT *mi = info ? TS_TST_INFO_get_msg_imprint(info) : NULL;
	ASN1_OCTET_STRING *got = mi ? TS_MSG_IMPRINT_get_msg(mi) : NULL;
	bool same = got && ASN1_STRING_length(got) == 32 && memcmp(ASN1_STRING_get0_data(got), imprint, 32) == 0;
	TS_TST_INFO_free(info);
	PKCS7_free(p7);
	ERR_clear_error();
	return same;
}

int sg_tsa_fetch(void *ctx, const uint8_t imprint[32], uint8_t **token, size_t *token_len,
	signet_error **err)
{
	const sg_tsa_source *src = ctx;
	if (src->token_file) {
		int rc = from_file(src->token_file, token, token_len, err);
		/*
		 * Stapled as given (a verifier must be testable against a replayed
		 * token), but never silently: a signature carrying it is refused by
		 * every host with TSA anchors and accepted by the others.
		 */
		if (rc == 0 && !token_over(*token, *token_len, imprint))
			fprintf(stderr, "signet: sign: warning: %s: the token is over other bytes than this signature: "
				"hosts with TSA anchors will refuse the signature (timestamp.imprint)\n", src->token_file);
		return rc;
	}
	if (!sg_tsa_url_ok(src->url))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_INVALID_ARGUMENT,
			.check = "timestamp.request" }, "timestamp authority %s: only http:// and https:// "
			"URLs are asked", src->url ? src->url : "(none)");
	return from_url(src->url, imprint, token, token_len, err);
}
