/* SPDX-License-Identifier: MIT */
/*
 * evaluate.c - a requirement against an identity: the verdict, and on
 * refusal an explanation a person can act on.
 *
 * Explanation rules (docs/requirements.md shows them with examples):
 *  - a failing clause says "<clause>: wanted <X>, image has <Y>" ("peer
 *    has" when the subject says its holder is a peer);
 *  - `and` fails with its first failing operand's explanation;
 *  - `or` fails with every alternative's, "no alternative holds: A; B";
 *    an `or` met again further down is parenthesized, except a direct
 *    `or` operand, whose alternatives simply join the list;
 *  - `!X` fails with "excluded: the image satisfies X".
 * expected/actual come from the first clause that failed, in evaluation
 * order, among those the explanation names.
 *
 * Every value read from the identity is printed escaped and cut (it comes
 * from a file an attacker may have written), and the whole explanation is
 * capped, so a requirement with thousands of alternatives cannot produce a
 * megabyte message or quadratic work.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/error_internal.h"
#include "core/hex.h"
#include "requirement/lexer.h"
#include "requirement/requirement_internal.h"
#include "requirement/version.h"

/* Cap on an explanation, and on one value quoted inside it. */
#define EXPLAIN_MAX 2048
#define VALUE_MAX 128
/* Cap on the canonical text kept in expected/actual for a `!` clause. */
#define CLAUSE_MAX 512

/* How an `or` writes its explanation, given where it sits. */
typedef enum list_mode {
	LIST_ALONE,  /* nothing above lists alternatives: "no alternative holds: ..." */
	LIST_FLAT,   /* a direct operand of an `or`: add our alternatives to its list */
	LIST_NESTED  /* somewhere inside an alternative: "(no alternative holds: ...)" */
} list_mode;

typedef struct eval_ctx {
	const sg_req_subject *s;
	sg_text why;
	char *expected, *actual; /* of the clause the explanation starts with; owned */
	bool have_clause;
	bool nomem;
} eval_ctx;

typedef struct snapshot {
	sg_text_mark mark;
	bool had_clause;
} snapshot;

/*
 * `s` for a human reading a message: as is when it is a plain word,
 * otherwise quoted, with \xNN for bytes that are control characters or not
 * UTF-8 (values come from the signed image: no terminal escapes may pass),
 * cut after `max` bytes of `s` (then followed by "...").
 */
static void put_value(sg_text *t, const char *s, size_t max)
{
	size_t len = strlen(s);
	if (len <= max && sg_req_is_word(s)) {
		sg_text_put(t, s, len);
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t end = len < max ? len : max;
	sg_text_put(t, "\"", 1);
	for (size_t i = 0; i < end && !sg_text_full(t); ) {
		size_t n = sg_req_utf8_printable(p + i, len - i);
		if (n > 0 && n <= end - i) {
			if (p[i] == '"' || p[i] == '\\')
				sg_text_put(t, "\\", 1);
			sg_text_put(t, s + i, n);
			i += n;
		} else if (n > 0) {
			break; /* a character the cut would split: stop before it */
		} else {
			char hex[5];
			snprintf(hex, sizeof hex, "\\x%02x", p[i]);
			sg_text_put(t, hex, 4);
			i++;
		}
	}
	sg_text_put(t, "\"", 1);
	if (len > max)
		sg_text_put(t, SG_TEXT_ELLIPSIS, strlen(SG_TEXT_ELLIPSIS));
}

static snapshot take_snapshot(const eval_ctx *c)
{
	return (snapshot){ sg_text_get_mark(&c->why), c->have_clause };
}

/* Forgets what was written since `s`: that subtree ended up satisfied. */
static void restore(eval_ctx *c, snapshot s)
{
	sg_text_rewind(&c->why, s.mark);
	if (!s.had_clause && c->have_clause) {
		free(c->expected);
		free(c->actual);
		c->expected = c->actual = NULL;
		c->have_clause = false;
	}
}

static char *dup_or_flag(eval_ctx *c, const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		c->nomem = true;
	return d;
}

/* Records expected ("<op> <want>" when op is given) and actual, once. */
static void record(eval_ctx *c, const char *op, const char *want, const char *have)
{
	if (c->have_clause)
		return;
	c->have_clause = true;
	if (op && want) {
		size_t n = strlen(op) + 1 + strlen(want) + 1;
		c->expected = malloc(n);
		if (c->expected)
			snprintf(c->expected, n, "%s %s", op, want);
		else
			c->nomem = true;
	} else {
		c->expected = dup_or_flag(c, want);
	}
	c->actual = dup_or_flag(c, have);
}

/* Who the identity belongs to, in explanations. */
static const char *holder(const eval_ctx *c)
{
	return c->s->holder ? c->s->holder : "image";
}

/* "<label>: wanted [op ]<want>, image has <have|none>" after the label. */
static void wanted(eval_ctx *c, const char *op, const char *want, const char *have)
{
	sg_text_puts(&c->why, ": wanted ");
	if (op) {
		sg_text_puts(&c->why, op);
		sg_text_puts(&c->why, " ");
	}
	put_value(&c->why, want, VALUE_MAX);
	sg_text_puts(&c->why, ", ");
	sg_text_puts(&c->why, holder(c));
	sg_text_puts(&c->why, " has ");
	if (have)
		put_value(&c->why, have, VALUE_MAX);
	else
		sg_text_puts(&c->why, "none");
	record(c, op, want, have);
}

static int string_clause(eval_ctx *c, const char *label, const char *want, const char *have)
{
	if (have && strcmp(want, have) == 0)
		return 1;
	sg_text_puts(&c->why, label);
	wanted(c, NULL, want, have);
	return 0;
}

static void hex(char out[2 * SG_REQ_HASH_LEN + 1], const uint8_t *bytes)
{
	sg_hex_encode(out, bytes, SG_REQ_HASH_LEN, false);
}

static int hash_clause(eval_ctx *c, const char *label, const uint8_t *want, const uint8_t *have)
{
	/*
	 * Constant time (signify's habit for digests): which byte differs must
	 * not show in the timing, so a caller that evaluates attacker-chosen
	 * images cannot learn a pinned hash a prefix at a time. A cdhash or
	 * anchor hash is rarely secret, but this costs nothing.
	 */
	if (have && CRYPTO_memcmp(want, have, SG_REQ_HASH_LEN) == 0)
		return 1;
	char want_hex[2 * SG_REQ_HASH_LEN + 1], have_hex[2 * SG_REQ_HASH_LEN + 1];
	hex(want_hex, want);
	if (have)
		hex(have_hex, have);
	sg_text_puts(&c->why, label);
	wanted(c, NULL, want_hex, have ? have_hex : NULL);
	return 0;
}

static bool matches(const sg_req_node *n, const char *have)
{
	if (!have)
		return false; /* absent fails every test, != included: fail closed */
	switch (n->op) {
	case SG_REQ_OP_EXISTS: return true;
	case SG_REQ_OP_EQ: return strcmp(have, n->value) == 0;
	case SG_REQ_OP_NE: return strcmp(have, n->value) != 0;
	case SG_REQ_OP_LT: return sg_req_version_compare(have, n->value) < 0;
	case SG_REQ_OP_LE: return sg_req_version_compare(have, n->value) <= 0;
	case SG_REQ_OP_GT: return sg_req_version_compare(have, n->value) > 0;
	case SG_REQ_OP_GE: return sg_req_version_compare(have, n->value) >= 0;
	}
	return false;
}

/* certificate/manifest/entitlement: "<head>[<key>]: wanted ..." */
static int keyed_clause(eval_ctx *c, const sg_req_node *n, const char *head, const char *have)
{
	if (matches(n, have))
		return 1;
	sg_text_puts(&c->why, head);
	sg_text_puts(&c->why, "[");
	sg_req_format_key(&c->why, n->key);
	sg_text_puts(&c->why, "]");
	if (n->op == SG_REQ_OP_EXISTS)
		wanted(c, NULL, "present", NULL);
	else
		wanted(c, n->op == SG_REQ_OP_EQ ? NULL : sg_req_op_text(n->op), n->value, have);
	return 0;
}

static int certificate_clause(eval_ctx *c, const sg_req_node *n)
{
	const sg_req_subject *s = c->s;
	const char *have = s->certificate_field ? s->certificate_field(s->ctx, n->cert_index, n->key) : NULL;
	char head[32];
	if (n->cert_index == 0)
		snprintf(head, sizeof head, "certificate leaf");
	else if (n->cert_index == SG_REQ_CERT_ROOT)
		snprintf(head, sizeof head, "certificate root");
	else
		snprintf(head, sizeof head, "certificate %d", n->cert_index);
	return keyed_clause(c, n, head, have);
}

static int team_host_clause(eval_ctx *c)
{
	const sg_req_subject *s = c->s;
	if (!s->host_team) {
		sg_text_puts(&c->why, "team = host: the host has no team");
		record(c, NULL, NULL, s->team);
		return 0;
	}
	return string_clause(c, "team = host", s->host_team, s->team);
}

static int excluded(eval_ctx *c, const sg_req_node *n)
{
	sg_text_puts(&c->why, "excluded: the ");
	sg_text_puts(&c->why, holder(c));
	sg_text_puts(&c->why, " satisfies ");
	sg_req_format_node(&c->why, n->children[0]);
	if (c->have_clause)
		return 0;
	sg_text whole = SG_TEXT_INIT(CLAUSE_MAX), inner = SG_TEXT_INIT(CLAUSE_MAX);
	sg_req_format_node(&whole, n);
	sg_req_format_node(&inner, n->children[0]);
	char *w = sg_text_finish(&whole), *i = sg_text_finish(&inner);
	if (!w || !i) {
		c->nomem = true;
		free(w);
		free(i);
		return 0;
	}
	c->have_clause = true;
	c->expected = w;
	c->actual = i;
	return 0;
}

/* 1 satisfied, 0 not (explained in c), or a negative code. */
static int eval(eval_ctx *c, const sg_req_node *n, unsigned depth, list_mode mode)
{
	/* The parser already bounds depth; this makes the bound local. */
	if (depth > SG_REQ_MAX_TREE_DEPTH)
		return SIGNET_E_LIMIT;
	const sg_req_subject *s = c->s;
	switch (n->kind) {
	case SG_REQ_TRUE:
		return 1;
	case SG_REQ_FALSE:
		sg_text_puts(&c->why, "false: never satisfied");
		record(c, NULL, NULL, NULL);
		return 0;
	case SG_REQ_AND:
		for (size_t i = 0; i < n->nchildren; i++) {
			int r = eval(c, n->children[i], depth + 1, mode == LIST_ALONE ? LIST_ALONE : LIST_NESTED);
			if (r <= 0)
				return r;
		}
		return 1;
	case SG_REQ_OR: {
		snapshot before = take_snapshot(c);
		if (mode == LIST_ALONE)
			sg_text_puts(&c->why, "no alternative holds: ");
		else if (mode == LIST_NESTED)
			sg_text_puts(&c->why, "(no alternative holds: ");
		for (size_t i = 0; i < n->nchildren; i++) {
			if (i > 0)
				sg_text_puts(&c->why, "; ");
			int r = eval(c, n->children[i], depth + 1, LIST_FLAT);
			if (r < 0)
				return r;
			if (r == 1) {
				restore(c, before);
				return 1;
			}
		}
		if (mode == LIST_NESTED)
			sg_text_puts(&c->why, ")");
		return 0;
	}
	case SG_REQ_NOT: {
		snapshot before = take_snapshot(c);
		int r = eval(c, n->children[0], depth + 1, LIST_ALONE);
		if (r < 0)
			return r;
		/* The operand's own story does not matter either way. */
		restore(c, before);
		return r == 0 ? 1 : excluded(c, n);
	}
	case SG_REQ_ANCHOR_TRUSTED:
		if (s->anchor_trusted)
			return 1;
		sg_text_puts(&c->why, "anchor trusted: the chain does not end at a trusted anchor");
		record(c, NULL, "trusted", "untrusted");
		return 0;
	case SG_REQ_ANCHOR_HASH:
		return hash_clause(c, "anchor", n->hash, s->anchor_sha256);
	case SG_REQ_IDENTIFIER:
		return string_clause(c, "identifier", n->value, s->identifier);
	case SG_REQ_TEAM:
		return string_clause(c, "team", n->value, s->team);
	case SG_REQ_TEAM_HOST:
		return team_host_clause(c);
	case SG_REQ_CDHASH:
		return hash_clause(c, "cdhash", n->hash, s->cdhash);
	case SG_REQ_CERTIFICATE:
		return certificate_clause(c, n);
	case SG_REQ_MANIFEST:
		return keyed_clause(c, n, "manifest", s->manifest_value ? s->manifest_value(s->ctx, n->key) : NULL);
	case SG_REQ_ENTITLEMENT: {
		bool has = s->has_entitlement && s->has_entitlement(s->ctx, n->key);
		return keyed_clause(c, n, "entitlement", has ? "" : NULL);
	}
	}
	return SIGNET_E_INTERNAL;
}

int sg_requirement_evaluate(const signet_requirement *req, const sg_req_subject *subject,
	signet_error **err)
{
	if (!req || !subject)
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "sg_requirement_evaluate: NULL argument");
	eval_ctx c = { .s = subject, .why = SG_TEXT_INIT(EXPLAIN_MAX) };
	int r = eval(&c, req->root, 0, LIST_ALONE);
	int rc = 0;
	if (r == 1) {
		rc = 0;
	} else if (r == SIGNET_E_LIMIT) {
		rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .check = "requirement.limit" },
			"requirement nested deeper than %d levels: not evaluated", SG_REQ_MAX_TREE_DEPTH);
	} else if (r < 0) {
		rc = sg_fail_code(err, r, "internal error evaluating a requirement");
	} else {
		char *why = sg_text_finish(&c.why);
		if (!why || c.nomem)
			rc = sg_fail_code(err, SIGNET_E_NOMEM, "out of memory explaining an unmet requirement");
		else
			rc = sg_fail(err, &(sg_error_info){ .code = SIGNET_E_REQUIREMENT_UNMET,
				.check = "requirement", .expected = c.expected, .actual = c.actual },
				"%s", why);
		free(why);
	}
	sg_text_dispose(&c.why);
	free(c.expected);
	free(c.actual);
	return rc;
}
