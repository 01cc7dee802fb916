/* SPDX-License-Identifier: MIT */
/*
 * ast.h - the parsed form of a requirement: a tree of clauses and operators.
 *
 * `and` and `or` are n-ary: a chain "a or b or c" is one node with three
 * children, so a long chain costs no depth. Depth only comes from '(' and
 * '!', which the parser bounds (SIGNET_REQUIREMENT_MAX_DEPTH), so every walk
 * over the tree (evaluate, format, free) may recurse.
 */
#ifndef SIGNET_REQUIREMENT_AST_H
#define SIGNET_REQUIREMENT_AST_H

#include <stddef.h>
#include <stdint.h>

/* Length of the hashes the language compares (SHA-256). */
#define SG_REQ_HASH_LEN 32

/* certificate root[...]: the anchor, as sg_req_subject numbers it. */
#define SG_REQ_CERT_ROOT (-1)
/* certificate N[...]: highest N accepted (0 is the leaf). */
#define SG_REQ_CERT_MAX_INDEX 15

typedef enum sg_req_kind {
	SG_REQ_TRUE,
	SG_REQ_FALSE,
	SG_REQ_AND,             /* children */
	SG_REQ_OR,              /* children */
	SG_REQ_NOT,             /* children[0] */
	SG_REQ_ANCHOR_TRUSTED,
	SG_REQ_ANCHOR_HASH,     /* hash */
	SG_REQ_IDENTIFIER,      /* value */
	SG_REQ_TEAM,            /* value */
	SG_REQ_TEAM_HOST,
	SG_REQ_CDHASH,          /* hash */
	SG_REQ_CERTIFICATE,     /* cert_index, key (the field), op, value */
	SG_REQ_MANIFEST,        /* key, op, value */
	SG_REQ_ENTITLEMENT      /* key (op is always EXISTS) */
} sg_req_kind;

typedef enum sg_req_op {
	SG_REQ_OP_EQ,     /* exact string equality */
	SG_REQ_OP_NE,     /* present and different */
	SG_REQ_OP_LT,     /* version order (see version.h) */
	SG_REQ_OP_LE,
	SG_REQ_OP_GT,
	SG_REQ_OP_GE,
	SG_REQ_OP_EXISTS  /* present */
} sg_req_op;

typedef struct sg_req_node {
	sg_req_kind kind;
	sg_req_op op;
	int cert_index;                /* 0 leaf, 1.. issuers, SG_REQ_CERT_ROOT */
	char *key;                     /* field, manifest key or entitlement; owned */
	char *value;                   /* compared string; owned; NULL for EXISTS */
	uint8_t hash[SG_REQ_HASH_LEN];
	struct sg_req_node **children; /* owned */
	size_t nchildren, children_cap;
} sg_req_node;

/* A zeroed node of `kind`, or NULL when memory runs out. */
sg_req_node *sg_req_node_new(sg_req_kind kind);

/* Appends `child` (ownership moves in). -1 when memory runs out, and then
 * the child is still the caller's. Amortized O(1). */
int sg_req_node_add(sg_req_node *parent, sg_req_node *child);

/* Frees the node and its subtree. NULL is a no-op. */
void sg_req_node_free(sg_req_node *node);

/* The operator as written ("=", "!=", "<", ..., "exists"). */
const char *sg_req_op_text(sg_req_op op);

#endif /* SIGNET_REQUIREMENT_AST_H */
