/* SPDX-License-Identifier: MIT */
/*
 * parser.c - tokens to a requirement tree, by recursive descent.
 *
 *   requirement = expr END
 *   expr        = conj { "or" conj }
 *   conj        = unary { "and" unary }
 *   unary       = "!" unary | "(" expr ")" | clause
 *
 * Recursion happens only at '!' and '(', and each of those first checks the
 * depth against SIGNET_REQUIREMENT_MAX_DEPTH, so no input can drive the
 * stack further than that: 100000 '(' fail at the 65th with SIGNET_E_LIMIT.
 * Chains of `and`/`or` are loops building one n-ary node.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "requirement/lexer.h"
#include "requirement/requirement_internal.h"

/* Room for a token's description and a clause label in messages. */
#define DESC_SIZE 64
#define LABEL_MAX 48

typedef struct parser {
	sg_lexer lx;
	sg_token tok;       /* the current token */
	signet_error **err;
} parser;

static int advance(parser *p)
{
	sg_token_clear(&p->tok);
	return sg_lexer_next(&p->lx, &p->tok, p->err);
}

static bool is_word(const sg_token *t, const char *word)
{
	return t->kind == SG_TOK_WORD && t->length == strlen(word) && memcmp(t->start, word, t->length) == 0;
}

static const char *const keywords[] = {
	"true", "false", "anchor", "trusted", "identifier", "team", "host", "cdhash",
	"certificate", "leaf", "root", "manifest", "entitlement", "exists", "and", "or",
};

static bool is_keyword(const sg_token *t)
{
	for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
		if (is_word(t, keywords[i]))
			return true;
	return false;
}

/* "column N: expected WHAT after AFTER, found TOKEN". */
static int expected(parser *p, const char *what, const char *after)
{
	char found[DESC_SIZE];
	sg_token_describe(&p->tok, found, sizeof found);
	if (after)
		return sg_req_syntax_error(p->err, p->tok.column, "expected %s after %s, found %s", what, after, found);
	return sg_req_syntax_error(p->err, p->tok.column, "expected %s, found %s", what, found);
}

static int nomem(parser *p)
{
	return sg_fail_code(p->err, SIGNET_E_NOMEM, "out of memory parsing a requirement");
}

static int new_node(parser *p, sg_req_kind kind, sg_req_node **out)
{
	*out = sg_req_node_new(kind);
	return *out ? 0 : nomem(p);
}

/* Takes the current string token's text into *dst. */
static void take_string(parser *p, char **dst)
{
	*dst = p->tok.string;
	p->tok.string = NULL;
}

static int parse_expr(parser *p, unsigned depth, const char *after, sg_req_node **out);

/* An optional '=' (identifier "x" and identifier = "x" mean the same). */
static int skip_optional_eq(parser *p, bool *had)
{
	*had = p->tok.kind == SG_TOK_EQ;
	return *had ? advance(p) : 0;
}

/* identifier ["="] STRING; team ["="] (STRING | host). */
static int parse_named_string(parser *p, sg_req_node *n, const char *name, bool host_allowed)
{
	bool had_eq;
	int rc = skip_optional_eq(p, &had_eq);
	if (rc)
		return rc;
	if (p->tok.kind == SG_TOK_STRING) {
		take_string(p, &n->value);
		return advance(p);
	}
	if (host_allowed && is_word(&p->tok, "host")) {
		n->kind = SG_REQ_TEAM_HOST;
		return advance(p);
	}
	char after[32];
	snprintf(after, sizeof after, "'%s%s'", name, had_eq ? " =" : "");
	return expected(p, host_allowed ? "a string or 'host'" : "a string", after);
}

/* cdhash ["="] HASH; anchor (trusted | ["="] HASH). */
static int parse_hash_clause(parser *p, sg_req_node *n, const char *name, bool trusted_allowed)
{
	if (trusted_allowed && is_word(&p->tok, "trusted")) {
		n->kind = SG_REQ_ANCHOR_TRUSTED;
		return advance(p);
	}
	bool had_eq;
	int rc = skip_optional_eq(p, &had_eq);
	if (rc)
		return rc;
	if (p->tok.kind == SG_TOK_HASH) {
		memcpy(n->hash, p->tok.hash, sizeof n->hash);
		return advance(p);
	}
	char after[32];
	snprintf(after, sizeof after, "'%s%s'", name, had_eq ? " =" : "");
	return expected(p, trusted_allowed && !had_eq ? "'trusted' or a hash H\"...\"" : "a hash H\"...\"", after);
}

/* "[" KEY "]" into n->key; `label` is the clause so far, for messages. */
static int parse_key(parser *p, sg_req_node *n, const char *label)
{
	char after[DESC_SIZE];
	snprintf(after, sizeof after, "'%s'", label);
	if (p->tok.kind != SG_TOK_LBRACKET)
		return expected(p, "'['", after);
	int rc = advance(p);
	if (rc)
		return rc;
	if (p->tok.kind == SG_TOK_WORD || p->tok.kind == SG_TOK_NUMBER) {
		n->key = strndup(p->tok.start, p->tok.length);
		if (!n->key)
			return nomem(p);
	} else if (p->tok.kind == SG_TOK_STRING) {
		if (p->tok.string[0] == '\0')
			return sg_req_syntax_error(p->err, p->tok.column, "empty key");
		take_string(p, &n->key);
	} else {
		return expected(p, "a key (a word or a string)", "'['");
	}
	if ((rc = advance(p)))
		return rc;
	if (p->tok.kind != SG_TOK_RBRACKET)
		return expected(p, "']'", "the key");
	return advance(p);
}

/* "certificate leaf[subject.CN]", cut to fit a message. */
static void clause_label(const sg_req_node *n, const char *head, char *buf, size_t size)
{
	sg_text t = SG_TEXT_INIT(LABEL_MAX);
	sg_text_puts(&t, head);
	sg_text_puts(&t, "[");
	sg_req_format_key(&t, n->key);
	sg_text_puts(&t, "]");
	char *s = sg_text_finish(&t);
	snprintf(buf, size, "%s", s ? s : head);
	free(s);
}

static bool comparison(sg_tok_kind kind, sg_req_op *op)
{
	switch (kind) {
	case SG_TOK_EQ: *op = SG_REQ_OP_EQ; return true;
	case SG_TOK_NE: *op = SG_REQ_OP_NE; return true;
	case SG_TOK_LT: *op = SG_REQ_OP_LT; return true;
	case SG_TOK_LE: *op = SG_REQ_OP_LE; return true;
	case SG_TOK_GT: *op = SG_REQ_OP_GT; return true;
	case SG_TOK_GE: *op = SG_REQ_OP_GE; return true;
	default: return false;
	}
}

/* What follows a key: OP STRING or `exists`. Certificates take = and != only. */
static int parse_match(parser *p, sg_req_node *n, const char *label, bool ordering)
{
	if (is_word(&p->tok, "exists")) {
		n->op = SG_REQ_OP_EXISTS;
		return advance(p);
	}
	if (!comparison(p->tok.kind, &n->op))
		return expected(p, ordering ? "a comparison (=, !=, <, <=, >, >=) or 'exists'"
					    : "'=', '!=' or 'exists'", label);
	if (!ordering && n->op != SG_REQ_OP_EQ && n->op != SG_REQ_OP_NE)
		return sg_req_syntax_error(p->err, p->tok.column,
			"certificate fields compare with '=', '!=' or 'exists'; '%s' orders versions, for manifest values only",
			sg_req_op_text(n->op));
	char op_text[8];
	snprintf(op_text, sizeof op_text, "'%s'", sg_req_op_text(n->op));
	int rc = advance(p);
	if (rc)
		return rc;
	if (p->tok.kind != SG_TOK_STRING)
		return expected(p, "a string", op_text);
	take_string(p, &n->value);
	return advance(p);
}

/* certificate (leaf | root | N) "[" FIELD "]" match */
static int parse_certificate(parser *p, sg_req_node *n)
{
	char head[32];
	if (is_word(&p->tok, "leaf")) {
		n->cert_index = 0;
	} else if (is_word(&p->tok, "root")) {
		n->cert_index = SG_REQ_CERT_ROOT;
	} else if (p->tok.kind == SG_TOK_NUMBER) {
		/* At most two digits are converted: no overflow, whatever the length. */
		int index = SG_REQ_CERT_MAX_INDEX + 1;
		if (p->tok.length <= 2) {
			/* By hand, not atoi(): the input need not end in a NUL. */
			index = 0;
			for (size_t i = 0; i < p->tok.length; i++)
				index = index * 10 + (p->tok.start[i] - '0');
		}
		if (index > SG_REQ_CERT_MAX_INDEX) {
			char desc[DESC_SIZE];
			sg_token_describe(&p->tok, desc, sizeof desc);
			return sg_req_syntax_error(p->err, p->tok.column,
				"certificate index %s is out of range (0 to %d; 0 is the leaf)", desc, SG_REQ_CERT_MAX_INDEX);
		}
		n->cert_index = index;
	} else {
		return expected(p, "'leaf', 'root' or a certificate index", "'certificate'");
	}
	snprintf(head, sizeof head, "certificate %.*s", (int)p->tok.length, p->tok.start);
	int rc = advance(p);
	if (rc)
		return rc;
	if ((rc = parse_key(p, n, head)))
		return rc;
	char label[DESC_SIZE];
	clause_label(n, head, label, sizeof label);
	return parse_match(p, n, label, false);
}

static int parse_clause(parser *p, const char *after, sg_req_node **out)
{
	static const struct {
		const char *word;
		sg_req_kind kind;
	} heads[] = {
		{ "true", SG_REQ_TRUE }, { "false", SG_REQ_FALSE },
		{ "anchor", SG_REQ_ANCHOR_HASH }, { "identifier", SG_REQ_IDENTIFIER },
		{ "team", SG_REQ_TEAM }, { "cdhash", SG_REQ_CDHASH },
		{ "certificate", SG_REQ_CERTIFICATE }, { "manifest", SG_REQ_MANIFEST },
		{ "entitlement", SG_REQ_ENTITLEMENT },
	};
	size_t h = 0;
	while (h < sizeof heads / sizeof heads[0] && !is_word(&p->tok, heads[h].word))
		h++;
	if (h == sizeof heads / sizeof heads[0]) {
		if (p->tok.kind == SG_TOK_WORD && !is_keyword(&p->tok)) {
			char desc[DESC_SIZE];
			sg_token_describe(&p->tok, desc, sizeof desc);
			return sg_req_syntax_error(p->err, p->tok.column,
				"unknown word %s (a clause starts with anchor, identifier, team, cdhash, "
				"certificate, manifest, entitlement, true, false, '!' or '(')", desc);
		}
		if (p->tok.kind == SG_TOK_RPAREN && !after)
			return sg_req_syntax_error(p->err, p->tok.column, "')' without a matching '('");
		return expected(p, "a clause", after);
	}

	sg_req_node *n;
	int rc = new_node(p, heads[h].kind, &n);
	if (rc)
		return rc;
	if ((rc = advance(p)))
		goto fail;
	char label[DESC_SIZE];
	switch (n->kind) {
	case SG_REQ_ANCHOR_HASH:
		rc = parse_hash_clause(p, n, "anchor", true);
		break;
	case SG_REQ_CDHASH:
		rc = parse_hash_clause(p, n, "cdhash", false);
		break;
	case SG_REQ_IDENTIFIER:
		rc = parse_named_string(p, n, "identifier", false);
		break;
	case SG_REQ_TEAM:
		rc = parse_named_string(p, n, "team", true);
		break;
	case SG_REQ_CERTIFICATE:
		rc = parse_certificate(p, n);
		break;
	case SG_REQ_MANIFEST:
		if ((rc = parse_key(p, n, "manifest")))
			break;
		clause_label(n, "manifest", label, sizeof label);
		rc = parse_match(p, n, label, true);
		break;
	case SG_REQ_ENTITLEMENT:
		if ((rc = parse_key(p, n, "entitlement")))
			break;
		clause_label(n, "entitlement", label, sizeof label);
		n->op = SG_REQ_OP_EXISTS;
		if (!is_word(&p->tok, "exists"))
			rc = expected(p, "'exists'", label);
		else
			rc = advance(p);
		break;
	default: /* true, false: nothing follows */
		break;
	}
	if (rc)
		goto fail;
	*out = n;
	return 0;
fail:
	sg_req_node_free(n);
	return rc;
}

static int too_deep(parser *p)
{
	return sg_fail(p->err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .check = "requirement.limit",
		.has_column = true, .column = (long long)p->tok.column },
		"column %zu: nested deeper than %d levels of '(' and '!'",
		p->tok.column, SIGNET_REQUIREMENT_MAX_DEPTH);
}

static int parse_unary(parser *p, unsigned depth, const char *after, sg_req_node **out)
{
	if (p->tok.kind != SG_TOK_NOT && p->tok.kind != SG_TOK_LPAREN)
		return parse_clause(p, after, out);
	/* Checked before recursing: this is what bounds the parser's stack. */
	if (depth >= SIGNET_REQUIREMENT_MAX_DEPTH)
		return too_deep(p);

	int rc;
	if (p->tok.kind == SG_TOK_NOT) {
		sg_req_node *n, *child = NULL;
		if ((rc = new_node(p, SG_REQ_NOT, &n)))
			return rc;
		if ((rc = advance(p)) || (rc = parse_unary(p, depth + 1, "'!'", &child))) {
			sg_req_node_free(n);
			return rc;
		}
		if (sg_req_node_add(n, child) != 0) {
			sg_req_node_free(child);
			sg_req_node_free(n);
			return nomem(p);
		}
		*out = n;
		return 0;
	}

	size_t open_column = p->tok.column;
	sg_req_node *inner = NULL;
	if ((rc = advance(p)) || (rc = parse_expr(p, depth + 1, "'('", &inner)))
		return rc;
	if (p->tok.kind != SG_TOK_RPAREN) {
		char what[64];
		snprintf(what, sizeof what, "')' to close the '(' at column %zu", open_column);
		rc = expected(p, what, NULL);
		sg_req_node_free(inner);
		return rc;
	}
	if ((rc = advance(p))) {
		sg_req_node_free(inner);
		return rc;
	}
	*out = inner;
	return 0;
}

/*
 * One level of the binary operators: operands joined by `op_word`, built
 * into a single n-ary node (or the lone operand when there is no operator).
 */
static int parse_chain(parser *p, unsigned depth, const char *after, sg_req_kind kind,
	const char *op_word, sg_req_node **out)
{
	sg_req_node *first = NULL;
	int rc = kind == SG_REQ_OR ? parse_chain(p, depth, after, SG_REQ_AND, "and", &first)
				   : parse_unary(p, depth, after, &first);
	if (rc)
		return rc;
	if (!is_word(&p->tok, op_word)) {
		*out = first;
		return 0;
	}
	sg_req_node *n = sg_req_node_new(kind);
	if (!n || sg_req_node_add(n, first) != 0) {
		sg_req_node_free(n);
		sg_req_node_free(first);
		return nomem(p);
	}
	char after_op[8];
	snprintf(after_op, sizeof after_op, "'%s'", op_word);
	while (is_word(&p->tok, op_word)) {
		sg_req_node *next = NULL;
		if ((rc = advance(p)))
			goto fail;
		rc = kind == SG_REQ_OR ? parse_chain(p, depth, after_op, SG_REQ_AND, "and", &next)
				       : parse_unary(p, depth, after_op, &next);
		if (rc)
			goto fail;
		if (sg_req_node_add(n, next) != 0) {
			sg_req_node_free(next);
			rc = nomem(p);
			goto fail;
		}
	}
	*out = n;
	return 0;
fail:
	sg_req_node_free(n);
	return rc;
}

static int parse_expr(parser *p, unsigned depth, const char *after, sg_req_node **out)
{
	return parse_chain(p, depth, after, SG_REQ_OR, "or", out);
}

int sg_requirement_parse_buffer(signet_requirement **out, const char *text, size_t length,
	signet_error **err)
{
	if (!out || !text)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_requirement_parse: NULL argument");
	if (length > SIGNET_REQUIREMENT_MAX_LENGTH)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .check = "requirement.limit" },
			"requirement longer than %d bytes", SIGNET_REQUIREMENT_MAX_LENGTH);

	parser p = { .err = err };
	sg_lexer_init(&p.lx, text, length);
	int rc = advance(&p);
	if (rc)
		return rc;
	if (p.tok.kind == SG_TOK_END)
		return sg_req_syntax_error(err, 1, "empty requirement");

	sg_req_node *root = NULL;
	if ((rc = parse_expr(&p, 0, NULL, &root)))
		goto fail;
	if (p.tok.kind != SG_TOK_END) {
		if (p.tok.kind == SG_TOK_RPAREN)
			rc = sg_req_syntax_error(err, p.tok.column, "')' without a matching '('");
		else
			rc = expected(&p, "'and', 'or' or the end of the requirement", NULL);
		goto fail;
	}
	signet_requirement *req = malloc(sizeof *req);
	if (!req) {
		rc = nomem(&p);
		goto fail;
	}
	req->root = root;
	*out = req;
	return 0;
fail:
	sg_token_clear(&p.tok);
	sg_req_node_free(root);
	return rc;
}

int signet_requirement_parse(signet_requirement **out, const char *text, signet_error **err)
{
	if (!out || !text)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "signet_requirement_parse: NULL argument");
	/* strnlen: never walk further than one byte past the limit. */
	return sg_requirement_parse_buffer(out, text, strnlen(text, SIGNET_REQUIREMENT_MAX_LENGTH + 1), err);
}
