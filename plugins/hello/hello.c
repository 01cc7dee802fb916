/* SPDX-License-Identifier: MIT */
/*
 * hello.c - the Hello sample plugin (org.signet.sample.hello): class
 * HelloPlugin, adopting no protocol, with one method:
 *
 *   greet  "**"  "Hello, <name>!"
 *
 * It also has a constructor that writes one line to stderr when the image
 * is mapped. Preflight never runs it (nothing of a bundle runs before it
 * is loaded); loading does, once, which makes the difference visible.
 */
#include <stdio.h>
#include <string.h>

#include <signet/plugin.h>

#include "sample_buffer.h"

__attribute__((constructor)) static void hello_constructor(void)
{
	fputs("hello plugin: constructor ran\n", stderr);
}

struct hello {
	sample_buffer out;
};

static const char *hello_greet(void *self, const char *name)
{
	struct hello *h = self;
	if (!name)
		name = "world";
	size_t len = strlen(name);
	char *out = sample_buffer_reserve(&h->out, len + sizeof "Hello, !" - 1);
	if (!out)
		return NULL;
	memcpy(out, "Hello, ", 7);
	memcpy(out + 7, name, len);
	memcpy(out + 7 + len, "!", 2);
	return out;
}

static void hello_fini(void *self)
{
	struct hello *h = self;
	sample_buffer_free(&h->out);
}

static const signet_method hello_methods[] = {
	SIGNET_METHOD("greet", "**", hello_greet),
};

SIGNET_CLASS_NO_PROTOCOLS(HelloPlugin, struct hello, NULL, hello_fini, hello_methods);
