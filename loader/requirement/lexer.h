/* SPDX-License-Identifier: MIT */
/*
 * lexer.h - requirement text to tokens, one token at a time.
 *
 * The lexer owns the lexical rules: words, numbers, strings (with their
 * escapes, UTF-8 and control-character checks), H"..." hashes, operators
 * and punctuation, and the 1-based byte column of each token. It never
 * reads past `length`, so the input needs no NUL terminator.
 */
#ifndef SIGNET_REQUIREMENT_LEXER_H
#define SIGNET_REQUIREMENT_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <signet/error.h>

#include "requirement/ast.h"

typedef enum sg_tok_kind {
	SG_TOK_END,
	SG_TOK_WORD,     /* [A-Za-z0-9_][A-Za-z0-9_.-]*, not all digits */
	SG_TOK_NUMBER,   /* [0-9]+ */
	SG_TOK_STRING,   /* "..." */
	SG_TOK_HASH,     /* H"<64 hex digits>" */
	SG_TOK_LPAREN,
	SG_TOK_RPAREN,
	SG_TOK_LBRACKET,
	SG_TOK_RBRACKET,
	SG_TOK_NOT,      /* ! */
	SG_TOK_EQ,
	SG_TOK_NE,
	SG_TOK_LT,
	SG_TOK_LE,
	SG_TOK_GT,
	SG_TOK_GE
} sg_tok_kind;

typedef struct sg_token {
	sg_tok_kind kind;
	size_t column;                 /* 1-based byte position of its first byte */
	const char *start;             /* the raw bytes in the input */
	size_t length;
	char *string;                  /* SG_TOK_STRING: decoded, owned by the token */
	uint8_t hash[SG_REQ_HASH_LEN]; /* SG_TOK_HASH: decoded */
} sg_token;

typedef struct sg_lexer {
	const char *input;
	size_t length;
	size_t pos;
} sg_lexer;

void sg_lexer_init(sg_lexer *lx, const char *input, size_t length);

/*
 * Reads the next token into *tok (which must be cleared). Returns 0, or
 * SIGNET_E_REQUIREMENT_SYNTAX / SIGNET_E_NOMEM with *tok left empty.
 */
int sg_lexer_next(sg_lexer *lx, sg_token *tok, signet_error **err);

/* Frees what the token owns and empties it. */
void sg_token_clear(sg_token *tok);

/* How a message names the token: "'and'", "a string", "the end of the requirement". */
void sg_token_describe(const sg_token *tok, char *buf, size_t size);

/* True when `s` would lex as one word or number (so a key needs no quotes). */
bool sg_req_is_word(const char *s);

/*
 * Length of the UTF-8 character at p (at most n bytes available) when it is
 * well-formed (no overlong forms, surrogates or values past U+10FFFF) and
 * not a control character (C0, DEL, C1); 0 otherwise.
 */
size_t sg_req_utf8_printable(const unsigned char *p, size_t n);

/* Builds a SIGNET_E_REQUIREMENT_SYNTAX error: "column N: <fmt>". */
int sg_req_syntax_error(signet_error **err, size_t column, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* SIGNET_REQUIREMENT_LEXER_H */
