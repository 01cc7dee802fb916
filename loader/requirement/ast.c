/* SPDX-License-Identifier: MIT */
/* ast.c - building and freeing the requirement tree. */
#include "config.h"

#include <stdlib.h>

#include <signet/requirement.h>

#include "requirement/requirement_internal.h"

sg_req_node *sg_req_node_new(sg_req_kind kind)
{
	sg_req_node *n = calloc(1, sizeof *n);
	if (n)
		n->kind = kind;
	return n;
}

int sg_req_node_add(sg_req_node *parent, sg_req_node *child)
{
	if (parent->nchildren == parent->children_cap) {
		/* Doubling keeps a chain of N alternatives O(N) to build. */
		size_t cap = parent->children_cap ? parent->children_cap * 2 : 4;
		sg_req_node **grown = reallocarray(parent->children, cap, sizeof *grown);
		if (!grown)
			return -1;
		parent->children = grown;
		parent->children_cap = cap;
	}
	parent->children[parent->nchildren++] = child;
	return 0;
}

void sg_req_node_free(sg_req_node *node)
{
	if (!node)
		return;
	/* Recursion is bounded: the parser caps the tree's depth (ast.h). */
	for (size_t i = 0; i < node->nchildren; i++)
		sg_req_node_free(node->children[i]);
	free(node->children);
	free(node->key);
	free(node->value);
	free(node);
}

const char *sg_req_op_text(sg_req_op op)
{
	switch (op) {
	case SG_REQ_OP_EQ: return "=";
	case SG_REQ_OP_NE: return "!=";
	case SG_REQ_OP_LT: return "<";
	case SG_REQ_OP_LE: return "<=";
	case SG_REQ_OP_GT: return ">";
	case SG_REQ_OP_GE: return ">=";
	case SG_REQ_OP_EXISTS: return "exists";
	}
	return "?";
}

void signet_requirement_free(signet_requirement *req)
{
	if (!req)
		return;
	sg_req_node_free(req->root);
	free(req);
}
