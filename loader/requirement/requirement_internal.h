/* SPDX-License-Identifier: MIT */
/*
 * requirement_internal.h - the requirement module inside the library:
 * the parsed object, the length-aware parser and the evaluator.
 *
 * Layout of loader/requirement/: lexer.c (text -> tokens), parser.c
 * (tokens -> tree, limits), ast.c (the tree), format.c (tree -> canonical
 * text), evaluate.c (tree x subject -> verdict and explanation),
 * version.c (version ordering), text.c (bounded string building).
 */
#ifndef SIGNET_REQUIREMENT_INTERNAL_H
#define SIGNET_REQUIREMENT_INTERNAL_H

#include "core/export.h"

#include <stddef.h>

#include <signet/requirement.h>

#include "requirement/ast.h"
#include "requirement/subject.h"
#include "core/text.h"

/*
 * Deepest tree the evaluator walks. The parser allows
 * SIGNET_REQUIREMENT_MAX_DEPTH levels of '(' and '!'; each '(' level can add
 * an `or` node and an `and` node on top of its content, so no parsed tree is
 * deeper than this. The evaluator checks it anyway so that its recursion is
 * bounded by construction, not by trusting the parser.
 */
#define SG_REQ_MAX_TREE_DEPTH (3 * (SIGNET_REQUIREMENT_MAX_DEPTH + 1))

struct signet_requirement {
	sg_req_node *root;
};

/*
 * Parses `length` bytes at `text` (no NUL needed; a NUL byte inside is an
 * error like any other stray byte). Same contract as
 * signet_requirement_parse(). The fuzzer calls this with its exact buffer.
 */
int sg_requirement_parse_buffer(signet_requirement **out, const char *text, size_t length,
	signet_error **err);

/*
 * Evaluates `req` against `subject`. Returns 0 when satisfied, otherwise
 * SIGNET_E_REQUIREMENT_UNMET with an explanation (check "requirement",
 * expected/actual of the failing clause; see docs/requirements.md),
 * SIGNET_E_INVALID_ARGUMENT for NULL arguments, SIGNET_E_LIMIT for a tree
 * deeper than SG_REQ_MAX_TREE_DEPTH, or SIGNET_E_NOMEM.
 * Thread-safe: reads `req` and `subject` only (and calls its callbacks).
 */
SG_PRIVATE int sg_requirement_evaluate(const signet_requirement *req, const sg_req_subject *subject,
	signet_error **err);

/* Appends the canonical text of `node` to `t` (stops early once `t` is full). */
void sg_req_format_node(sg_text *t, const sg_req_node *node);

/* Appends a key in canonical form: bare when it lexes as a word, else quoted. */
void sg_req_format_key(sg_text *t, const char *key);

#endif /* SIGNET_REQUIREMENT_INTERNAL_H */
