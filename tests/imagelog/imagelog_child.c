/* SPDX-License-Identifier: MIT */
/*
 * imagelog_child.c - run by test_imagelog with SIGNET_PRINT_IMAGES set:
 * loads and unloads the library named by argv[1] through Signet, trusting
 * the anchors in argv[2], then tries two files that do not exist (one with
 * a name the log must escape).
 */
#include <stdio.h>

#include <signet/signet.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: imagelog_child LIBRARY ANCHORS\n");
		return 2;
	}
	signet_image *img = NULL;
	signet_error *err = NULL;
	signet_policy *policy = NULL;
	if (signet_policy_new(&policy, &err) != 0 || signet_policy_set_anchors(policy, argv[2], &err) != 0 ||
	    signet_policy_set_requirement(policy, "anchor trusted", &err) != 0 ||
	    signet_load(&img, argv[1], policy, &err) != 0 || signet_unload(img, &err) != 0) {
		fprintf(stderr, "imagelog_child: %s\n", signet_error_message(err));
		signet_error_free(err);
		signet_policy_free(policy);
		return 1;
	}
	/* And one refusal: the log says why. */
	if (signet_load(&img, "/nonexistent/librefused.so", policy, NULL) == 0)
		return 1;
	/* And a path the log must escape: a space, quotes, a backslash, a newline. */
	if (signet_load(&img, "/nonexistent/odd \"name\"\\\n.so", policy, NULL) == 0)
		return 1;
	signet_policy_free(policy);
	return 0;
}
