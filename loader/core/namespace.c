/* SPDX-License-Identifier: MIT */
/*
 * namespace.c - which link-map namespace this copy of libsignet lives in.
 */
#include "config.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>

#include "core/namespace.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool in_base = true;

static void find_namespace(void)
{
	Dl_info info;
	struct link_map *self = NULL;
	Lmid_t id = LM_ID_BASE;
	/* glibc's handles are link maps: dlinfo() takes our own. Unknown means base (the common case). */
	if (dladdr1((void *)&find_namespace, &info, (void **)&self, RTLD_DL_LINKMAP) && self &&
	    dlinfo(self, RTLD_DI_LMID, &id) == 0)
		in_base = id == LM_ID_BASE;
}

bool sg_in_base_namespace(void)
{
	pthread_once(&once, find_namespace);
	return in_base;
}
