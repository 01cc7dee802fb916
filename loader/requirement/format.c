/* SPDX-License-Identifier: MIT */
/*
 * format.c - a requirement tree to its canonical text.
 *
 * Canonical: single spaces, `identifier "x"`/`team "x"` without '=',
 * `anchor = H"..."` and `team = host` with it, lower-case hex, keys bare
 * when they lex as a word and quoted otherwise, `!` glued to its operand,
 * and parentheses only where precedence needs them (an `or` inside an `and`,
 * an `and`/`or` under `!`). Same-operator nesting is written flat, which
 * means the same since `and` and `or` are associative.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <signet/requirement.h>

#include "requirement/lexer.h"
#include "requirement/requirement_internal.h"

/* Binding strength: or < and < ! < clause. */
/* `s` as a requirement string: "..." with \" and \\ escaped. */
static void put_string(sg_text *t, const char *s)
{
	sg_text_put(t, "\"", 1);
	for (const char *run = s;; ) {
		size_t n = strcspn(run, "\"\\");
		sg_text_put(t, run, n);
		if (!run[n])
			break;
		char esc[2] = { '\\', run[n] };
		sg_text_put(t, esc, 2);
		run += n + 1;
	}
	sg_text_put(t, "\"", 1);
}

static int precedence(const sg_req_node *n)
{
	switch (n->kind) {
	case SG_REQ_OR: return 1;
	case SG_REQ_AND: return 2;
	case SG_REQ_NOT: return 3;
	default: return 4;
	}
}

static void put_operand(sg_text *t, const sg_req_node *child, int parent_precedence)
{
	if (precedence(child) < parent_precedence) {
		sg_text_puts(t, "(");
		sg_req_format_node(t, child);
		sg_text_puts(t, ")");
	} else {
		sg_req_format_node(t, child);
	}
}

void sg_req_format_key(sg_text *t, const char *key)
{
	if (sg_req_is_word(key))
		sg_text_puts(t, key);
	else
		put_string(t, key);
}

static void put_hash(sg_text *t, const uint8_t *hash)
{
	sg_text_puts(t, "H\"");
	sg_text_put_hex(t, hash, SG_REQ_HASH_LEN);
	sg_text_puts(t, "\"");
}

static void put_match(sg_text *t, const sg_req_node *n)
{
	if (n->op == SG_REQ_OP_EXISTS) {
		sg_text_puts(t, " exists");
		return;
	}
	sg_text_puts(t, " ");
	sg_text_puts(t, sg_req_op_text(n->op));
	sg_text_puts(t, " ");
	put_string(t, n->value);
}

void sg_req_format_node(sg_text *t, const sg_req_node *n)
{
	/* Also ends the walk early when a capped text (an explanation) is full. */
	if (sg_text_full(t))
		return;
	switch (n->kind) {
	case SG_REQ_TRUE:
		sg_text_puts(t, "true");
		break;
	case SG_REQ_FALSE:
		sg_text_puts(t, "false");
		break;
	case SG_REQ_AND:
	case SG_REQ_OR:
		for (size_t i = 0; i < n->nchildren && !sg_text_full(t); i++) {
			if (i > 0)
				sg_text_puts(t, n->kind == SG_REQ_AND ? " and " : " or ");
			put_operand(t, n->children[i], precedence(n));
		}
		break;
	case SG_REQ_NOT:
		sg_text_puts(t, "!");
		put_operand(t, n->children[0], precedence(n));
		break;
	case SG_REQ_ANCHOR_TRUSTED:
		sg_text_puts(t, "anchor trusted");
		break;
	case SG_REQ_ANCHOR_HASH:
		sg_text_puts(t, "anchor = ");
		put_hash(t, n->hash);
		break;
	case SG_REQ_IDENTIFIER:
		sg_text_puts(t, "identifier ");
		put_string(t, n->value);
		break;
	case SG_REQ_TEAM:
		sg_text_puts(t, "team ");
		put_string(t, n->value);
		break;
	case SG_REQ_TEAM_HOST:
		sg_text_puts(t, "team = host");
		break;
	case SG_REQ_CDHASH:
		sg_text_puts(t, "cdhash ");
		put_hash(t, n->hash);
		break;
	case SG_REQ_CERTIFICATE:
		sg_text_puts(t, "certificate ");
		if (n->cert_index == 0) {
			sg_text_puts(t, "leaf");
		} else if (n->cert_index == SG_REQ_CERT_ROOT) {
			sg_text_puts(t, "root");
		} else {
			char index[16];
			snprintf(index, sizeof index, "%d", n->cert_index);
			sg_text_puts(t, index);
		}
		sg_text_puts(t, "[");
		sg_req_format_key(t, n->key);
		sg_text_puts(t, "]");
		put_match(t, n);
		break;
	case SG_REQ_MANIFEST:
		sg_text_puts(t, "manifest[");
		sg_req_format_key(t, n->key);
		sg_text_puts(t, "]");
		put_match(t, n);
		break;
	case SG_REQ_ENTITLEMENT:
		sg_text_puts(t, "entitlement[");
		sg_req_format_key(t, n->key);
		sg_text_puts(t, "] exists");
		break;
	}
}

char *signet_requirement_format(const signet_requirement *req)
{
	if (!req)
		return NULL;
	sg_text t = SG_TEXT_INIT(SIZE_MAX);
	sg_req_format_node(&t, req->root);
	return sg_text_finish(&t);
}
