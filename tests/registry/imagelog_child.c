/* SPDX-License-Identifier: MIT */
/*
 * imagelog_child.c - run by test_imagelog with SIGNET_PRINT_IMAGES set:
 * loads and unloads the library named by argv[1] through Signet.
 */
#include <stdio.h>

#include <signet/signet.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: imagelog_child LIBRARY\n");
		return 2;
	}
	signet_image *img = NULL;
	signet_error *err = NULL;
	if (signet_load(&img, argv[1], &err) != 0 || signet_unload(img, &err) != 0) {
		fprintf(stderr, "imagelog_child: %s\n", signet_error_message(err));
		signet_error_free(err);
		return 1;
	}
	return 0;
}
