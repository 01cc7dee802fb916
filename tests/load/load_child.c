/* SPDX-License-Identifier: MIT */
/*
 * load_child.c - run by test_load in a fresh process (so LD_LIBRARY_PATH
 * and LD_PRELOAD take effect): loads LIBRARY with the test policy and calls
 * SYMBOL, a function returning int. Prints "ok VALUE" or
 * "error CODE_NAME MESSAGE".
 */
#include "config.h"

#include <stdio.h>

#include "harness.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: load_child LIBRARY SYMBOL\n");
		return 2;
	}
	signet_image *img = NULL;
	signet_error *err = NULL;
	void *fn = NULL;
	if (signet_load(&img, argv[1], sg_test_policy(), &err) != 0 ||
	    signet_image_symbol(&fn, img, argv[2], &err) != 0) {
		printf("error %s %s\n", signet_code_name(signet_error_code(err)), signet_error_message(err));
		signet_error_free(err);
		return 1;
	}
	printf("ok %d\n", ((int (*)(void))(uintptr_t)fn)());
	return signet_unload(img, NULL) == 0 ? 0 : 1;
}
