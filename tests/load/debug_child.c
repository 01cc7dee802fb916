/* SPDX-License-Identifier: MIT */
/*
 * debug_child.c - run by test_debug_names.sh: loads LIBRARY (a real path)
 * with the test policy and checks that the dynamic linker's own views name
 * it by that path, not /proc/PID/fd/N (docs/loading.md, "Debugging"):
 * dladdr()'s dli_fname, dl_iterate_phdr()'s dlpi_name, and a plain
 * dlopen(LIBRARY, RTLD_NOLOAD), which finds the verified image. Then prints
 * "ready ADDRESS" (trap_inner's address, for the debugger) and waits for
 * standard input to close, so a debugger can attach and dump a core.
 * Any failed check prints "error WHAT" and exits 1.
 */
#include "config.h"

#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

struct seek {
	const void *address;
	const char *name; /* dlpi_name of the object holding it */
};

static int find_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct seek *s = data;
	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_LOAD && (uintptr_t)s->address >= start && (uintptr_t)s->address - start < ph->p_memsz) {
			s->name = info->dlpi_name;
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: debug_child LIBRARY\n");
		return 2;
	}
	const char *lib = argv[1];
	signet_image *img = NULL;
	signet_error *err = NULL;
	void *fn = NULL;
	if (signet_load(&img, lib, sg_test_policy(), &err) != 0 ||
	    signet_image_symbol(&fn, img, "trap_inner", &err) != 0) {
		printf("error %s %s\n", signet_code_name(signet_error_code(err)), signet_error_message(err));
		return 1;
	}
	Dl_info info;
	if (dladdr(fn, &info) == 0 || strcmp(info.dli_fname, lib) != 0) {
		printf("error dladdr names %s\n", info.dli_fname ? info.dli_fname : "(nothing)");
		return 1;
	}
	struct seek s = { .address = fn };
	if (dl_iterate_phdr(find_object, &s) != 1 || strcmp(s.name, lib) != 0) {
		printf("error dl_iterate_phdr names %s\n", s.name ? s.name : "(nothing)");
		return 1;
	}
	/* glibc matches a plain dlopen() of the path against the new name: the verified image, not a second copy. */
	void *plain = dlopen(lib, RTLD_NOW | RTLD_NOLOAD);
	if (!plain || dlsym(plain, "trap_inner") != fn) {
		printf("error a plain dlopen of the path does not find the verified image\n");
		return 1;
	}
	dlclose(plain);
	printf("ready %p\n", fn);
	fflush(stdout);
	char c;
	while (read(0, &c, 1) > 0)
		;
	if (signet_unload(img, &err) != 0) {
		printf("error %s\n", signet_error_message(err));
		return 1;
	}
	/* Once Signet has closed it, nothing holds it: the name went with the link_map. */
	if (dlopen(lib, RTLD_NOW | RTLD_NOLOAD) != NULL) {
		printf("error the image is still loaded after signet_unload\n");
		return 1;
	}
	printf("done\n");
	return 0;
}
