/* SPDX-License-Identifier: MIT */
/*
 * doc_many_main.c - runs the C block of docs/loading.md ("Many at once"),
 * included as it stands, with a policy trusting the anchors in argv[1]
 * (any team) in a directory holding libx.so, liby.so and libz.so
 * (tests/parallel/test_host_many.sh makes them). Then prints which loaded
 * and gives every load back.
 */
#include "config.h"

#include <stdio.h>

#include <signet/signet.h>

int main(int argc, char **argv)
{
	signet_policy *policy = NULL;
	signet_error *err = NULL;
	if (argc != 2 || signet_policy_new(&policy, &err) != 0 || signet_policy_set_anchors(policy, argv[1], &err) != 0 ||
	    signet_policy_set_requirement(policy, "anchor trusted", &err) != 0) {
		fprintf(stderr, "doc_many: %s\n", err ? signet_error_message(err) : "usage: doc_many ANCHORS");
		return 2;
	}
#include "doc_many.inc"
	signet_error_free(err);
	int rc = 0;
	for (size_t i = 0; i < 3; i++) {
		printf("%s: %s\n", paths[i], r[i].image ? "loaded" : "refused");
		if (r[i].image && signet_unload(r[i].image, NULL) != 0)
			rc = 1;
	}
	signet_policy_free(policy);
	return rc;
}
