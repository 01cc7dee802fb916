/* SPDX-License-Identifier: MIT */
/* lexer.c - requirement text to tokens: words, strings, hashes, operators. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/error_internal.h"
#include "core/utf8.h"
#include "requirement/lexer.h"

/* Longest piece of a token quoted back in a message. */
#define DESCRIBE_MAX 32

int sg_req_syntax_error(signet_error **err, size_t column, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory while reporting a requirement syntax error");
	int rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_REQUIREMENT_SYNTAX,
		.check = "requirement.syntax", .has_column = true, .column = (long long)column },
		"column %zu: %s", column, text);
	free(text);
	return rc;
}

void sg_lexer_init(sg_lexer *lx, const char *input, size_t length)
{
	lx->input = input;
	lx->length = length;
	lx->pos = 0;
}

void sg_token_clear(sg_token *tok)
{
	free(tok->string);
	memset(tok, 0, sizeof *tok);
}

static bool word_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool word_char(unsigned char c)
{
	return word_start(c) || c == '.' || c == '-';
}

bool sg_req_is_word(const char *s)
{
	if (!word_start((unsigned char)s[0]))
		return false;
	for (const char *p = s + 1; *p; p++)
		if (!word_char((unsigned char)*p))
			return false;
	return true;
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

size_t sg_req_utf8_printable(const unsigned char *p, size_t n)
{
	uint32_t cp = 0;
	size_t len = sg_utf8_decode(p, n, &cp);
	return (len && !is_control(cp)) ? len : 0;
}

void sg_token_describe(const sg_token *tok, char *buf, size_t size)
{
	switch (tok->kind) {
	case SG_TOK_END:
		snprintf(buf, size, "the end of the requirement");
		return;
	case SG_TOK_STRING:
		snprintf(buf, size, "a string");
		return;
	case SG_TOK_HASH:
		snprintf(buf, size, "a hash");
		return;
	default:
		break;
	}
	/* Words, numbers and operators are plain ASCII: safe to echo. */
	if (tok->length > DESCRIBE_MAX)
		snprintf(buf, size, "'%.*s...'", DESCRIBE_MAX, tok->start);
	else
		snprintf(buf, size, "'%.*s'", (int)tok->length, tok->start);
}

/* "unexpected character '@'" for the byte(s) at pos. */
static int stray(sg_lexer *lx, signet_error **err)
{
	const unsigned char *p = (const unsigned char *)lx->input + lx->pos;
	size_t left = lx->length - lx->pos;
	size_t column = lx->pos + 1;
	size_t n = sg_req_utf8_printable(p, left);
	if (n == 0)
		return sg_req_syntax_error(err, column, "unexpected byte 0x%02x", p[0]);
	uint32_t cp = 0;
	(void)sg_utf8_decode(p, left, &cp);
	if (cp == 0x201c || cp == 0x201d || cp == 0x201e)
		return sg_req_syntax_error(err, column,
			"unexpected character '%.*s' (strings take straight double quotes \")", (int)n, (const char *)p);
	return sg_req_syntax_error(err, column, "unexpected character '%.*s'", (int)n, (const char *)p);
}

/*
 * A string: lx->pos is on the opening quote. First pass validates and finds
 * the end (so the allocation is exact), second pass copies and unescapes.
 */
static int lex_string(sg_lexer *lx, sg_token *tok, signet_error **err)
{
	const unsigned char *in = (const unsigned char *)lx->input;
	size_t open = lx->pos;
	size_t i = open + 1;
	size_t decoded = 0;
	for (;;) {
		if (i >= lx->length)
			return sg_req_syntax_error(err, open + 1, "unterminated string");
		unsigned char c = in[i];
		if (c == '"')
			break;
		if (c == '\\') {
			if (i + 1 >= lx->length)
				return sg_req_syntax_error(err, open + 1, "unterminated string");
			unsigned char e = in[i + 1];
			if (e != '"' && e != '\\') {
				if (e > 0x20 && e < 0x7f)
					return sg_req_syntax_error(err, i + 1,
						"unknown escape '\\%c' in a string (only \\\" and \\\\ are escapes)", e);
				return sg_req_syntax_error(err, i + 1,
					"unknown escape: '\\' followed by byte 0x%02x (only \\\" and \\\\ are escapes)", e);
			}
			i += 2;
			decoded++;
			continue;
		}
		uint32_t cp = 0;
		size_t n = sg_utf8_decode(in + i, lx->length - i, &cp);
		if (n == 0)
			return sg_req_syntax_error(err, i + 1, "invalid UTF-8 in a string (byte 0x%02x)", c);
		if (is_control(cp))
			return sg_req_syntax_error(err, i + 1, "control character U+%04lX in a string", (unsigned long)cp);
		i += n;
		decoded += n;
	}
	char *s = malloc(decoded + 1);
	if (!s)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading a requirement string");
	size_t o = 0;
	for (size_t j = open + 1; j < i; j++) {
		if (in[j] == '\\')
			j++;
		s[o++] = (char)in[j];
	}
	s[o] = '\0';
	tok->kind = SG_TOK_STRING;
	tok->string = s;
	tok->length = i + 1 - open;
	lx->pos = i + 1;
	return 0;
}

/* H"<hex>": lx->pos is on the 'H', the quote follows. */
static int lex_hash(sg_lexer *lx, sg_token *tok, signet_error **err)
{
	const unsigned char *in = (const unsigned char *)lx->input;
	size_t open = lx->pos;
	size_t i = open + 2;
	size_t digits = 0;
	for (;; i++) {
		if (i >= lx->length)
			return sg_req_syntax_error(err, open + 1, "unterminated hash (H\"...\")");
		if (in[i] == '"')
			break;
		int v = OPENSSL_hexchar2int(in[i]);
		if (v < 0) {
			if (in[i] > 0x20 && in[i] < 0x7f)
				return sg_req_syntax_error(err, i + 1, "'%c' is not a hex digit", in[i]);
			return sg_req_syntax_error(err, i + 1, "byte 0x%02x is not a hex digit", in[i]);
		}
		if (digits < 2 * SG_REQ_HASH_LEN) {
			if (digits % 2 == 0)
				tok->hash[digits / 2] = (uint8_t)(v << 4);
			else
				tok->hash[digits / 2] |= (uint8_t)v;
		}
		digits++;
	}
	if (digits != 2 * SG_REQ_HASH_LEN)
		return sg_req_syntax_error(err, open + 1,
			"a hash takes %d hex digits (SHA-256), this one has %zu", 2 * SG_REQ_HASH_LEN, digits);
	tok->kind = SG_TOK_HASH;
	tok->length = i + 1 - open;
	lx->pos = i + 1;
	return 0;
}

static int lex_word(sg_lexer *lx, sg_token *tok, signet_error **err)
{
	const unsigned char *in = (const unsigned char *)lx->input;
	size_t start = lx->pos;
	size_t i = start;
	bool digits_only = true;
	while (i < lx->length && word_char(in[i])) {
		if (in[i] < '0' || in[i] > '9')
			digits_only = false;
		i++;
	}
	/* H"..." is a hash, as in csreq; an H alone is an ordinary word. */
	if (i - start == 1 && in[start] == 'H' && i < lx->length && in[i] == '"')
		return lex_hash(lx, tok, err);
	tok->kind = digits_only ? SG_TOK_NUMBER : SG_TOK_WORD;
	tok->length = i - start;
	lx->pos = i;
	return 0;
}

int sg_lexer_next(sg_lexer *lx, sg_token *tok, signet_error **err)
{
	const char *in = lx->input;
	while (lx->pos < lx->length &&
		(in[lx->pos] == ' ' || in[lx->pos] == '\t' || in[lx->pos] == '\n' || in[lx->pos] == '\r'))
		lx->pos++;
	tok->column = lx->pos + 1;
	tok->start = in + lx->pos;
	tok->length = 0;
	if (lx->pos >= lx->length) {
		tok->kind = SG_TOK_END;
		return 0;
	}

	unsigned char c = (unsigned char)in[lx->pos];
	unsigned char next = lx->pos + 1 < lx->length ? (unsigned char)in[lx->pos + 1] : 0;
	int rc = 0;
	size_t len = 1;
	switch (c) {
	case '(': tok->kind = SG_TOK_LPAREN; break;
	case ')': tok->kind = SG_TOK_RPAREN; break;
	case '[': tok->kind = SG_TOK_LBRACKET; break;
	case ']': tok->kind = SG_TOK_RBRACKET; break;
	case '=': tok->kind = SG_TOK_EQ; break;
	case '!':
		if (next == '=')
			tok->kind = SG_TOK_NE, len = 2;
		else
			tok->kind = SG_TOK_NOT;
		break;
	case '<':
		if (next == '=')
			tok->kind = SG_TOK_LE, len = 2;
		else
			tok->kind = SG_TOK_LT;
		break;
	case '>':
		if (next == '=')
			tok->kind = SG_TOK_GE, len = 2;
		else
			tok->kind = SG_TOK_GT;
		break;
	case '"':
		rc = lex_string(lx, tok, err);
		goto done;
	default:
		if (word_start(c)) {
			rc = lex_word(lx, tok, err);
			goto done;
		}
		rc = stray(lx, err);
		goto done;
	}
	tok->length = len;
	lx->pos += len;
done:
	if (rc != 0)
		sg_token_clear(tok);
	return rc;
}
