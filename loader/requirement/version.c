/* SPDX-License-Identifier: MIT */
/* version.c - ordering dotted versions for manifest comparisons. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "requirement/version.h"

typedef struct component {
	const char *start;
	size_t length;
} component;

/* Takes the component at *p; *p becomes the next one, or NULL after the last. */
static component take(const char **p)
{
	if (!*p)
		return (component){ "0", 1 }; /* padding */
	component c = { *p, strcspn(*p, ".") };
	*p = c.start[c.length] == '.' ? c.start + c.length + 1 : NULL;
	return c;
}

static bool numeric(component c)
{
	if (c.length == 0)
		return false;
	for (size_t i = 0; i < c.length; i++)
		if (c.start[i] < '0' || c.start[i] > '9')
			return false;
	return true;
}

static int compare_bytes(component a, component b)
{
	size_t n = a.length < b.length ? a.length : b.length;
	int c = memcmp(a.start, b.start, n);
	if (c != 0)
		return c;
	return (a.length > b.length) - (a.length < b.length);
}

static int compare_component(component a, component b)
{
	if (!numeric(a) || !numeric(b))
		return compare_bytes(a, b);
	/* Numbers of any length: drop leading zeros, then longer is larger. */
	while (a.length > 0 && a.start[0] == '0')
		a.start++, a.length--;
	while (b.length > 0 && b.start[0] == '0')
		b.start++, b.length--;
	if (a.length != b.length)
		return a.length < b.length ? -1 : 1;
	return memcmp(a.start, b.start, a.length);
}

int sg_req_version_compare(const char *a, const char *b)
{
	while (a || b) {
		int c = compare_component(take(&a), take(&b));
		if (c != 0)
			return c;
	}
	return 0;
}
