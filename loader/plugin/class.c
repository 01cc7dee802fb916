/* SPDX-License-Identifier: MIT */
/* class.c - validating a class descriptor; conformance; method lookup. */
#include "config.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error_internal.h"
#include "plugin/class.h"

typedef struct ctx {
	const signet_image *img;
	const char *path;
	signet_error **err;
} ctx;

static int bad(const ctx *c, const char *field, const char *fmt, const char *detail)
{
	return sg_fail(c->err, &(sg_error_info){ .code = SIGNET_E_CLASS_INVALID, .path = c->path,
		.check = "class.descriptor", .actual = field }, "class descriptor: %s %s%s%s", field,
		fmt, detail ? ": " : "", detail ? detail : "");
}

/*
 * A description received from an isolated guest (sg_class_from_description)
 * lives in the host's own heap, copied and NUL-terminated by the host:
 * there is no image to bound it, and no code pointer in it.
 */
static const signet_segment host_heap = { 0, UINTPTR_MAX, PF_R | PF_X };

/* The segment of the image holding [p, p + n) with `need` flags, or NULL. */
static const signet_segment *segment_of(const ctx *c, const void *p, size_t n, unsigned need)
{
	if (!c->img)
		return p ? &host_heap : NULL;
	uintptr_t a = (uintptr_t)p;
	size_t count = signet_image_segment_count(c->img);
	for (size_t i = 0; i < count; i++) {
		const signet_segment *s = signet_image_segment(c->img, i);
		if (a >= s->start && a < s->end && n <= s->end - a && (s->flags & need) == need)
			return s;
	}
	return NULL;
}

/* A string inside a readable segment of the image, NUL-terminated within it and `max` bytes. */
static bool string_ok(const ctx *c, const char *s, size_t max)
{
	const signet_segment *seg = s ? segment_of(c, s, 1, PF_R) : NULL;
	if (!seg)
		return false;
	size_t room = seg->end - (uintptr_t)s;
	return memchr(s, '\0', room < max ? room : max) != NULL;
}

static bool code_ok(const ctx *c, signet_imp fn)
{
	if (!c->img)
		return fn == NULL;
	/* A function pointer as an address: compared, never dereferenced here. */
	const void *p;
	memcpy(&p, &fn, sizeof p);
	return segment_of(c, p, 1, PF_X) != NULL;
}

static bool is_identifier(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static int check_protocols(const ctx *c, const signet_class *d)
{
	if (d->nprotocols > SG_CLASS_MAX_PROTOCOLS)
		return bad(c, "nprotocols", "is over the limit of 64", NULL);
	if (d->nprotocols && !segment_of(c, d->protocols, (size_t)d->nprotocols * sizeof *d->protocols, PF_R))
		return bad(c, "protocols", "points outside the image's own segments", NULL);
	for (uint32_t i = 0; i < d->nprotocols; i++) {
		const signet_protocol_ref *p = &d->protocols[i];
		if (!string_ok(c, p->name, SG_CLASS_MAX_NAME))
			return bad(c, "protocols[].name", "points outside the image or is unterminated", NULL);
		if (!is_identifier(p->name) || p->version == 0)
			return bad(c, "protocols[]", "needs a C identifier and a version of at least 1", p->name);
	}
	return 0;
}

static int check_methods(const ctx *c, const signet_class *d, sg_signature *sigs)
{
	if (d->nmethods && !segment_of(c, d->methods, (size_t)d->nmethods * sizeof *d->methods, PF_R))
		return bad(c, "methods", "points outside the image's own segments", NULL);
	for (uint32_t i = 0; i < d->nmethods; i++) {
		const signet_method *m = &d->methods[i];
		if (!string_ok(c, m->name, SG_CLASS_MAX_NAME) || !string_ok(c, m->types, SIGNET_MAX_METHOD_ARGS + 2))
			return bad(c, "methods[].name/types", "point outside the image or are unterminated", NULL);
		if (!is_identifier(m->name))
			return bad(c, "methods[].name", "is not a C identifier", m->name);
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(d->methods[j].name, m->name))
				return bad(c, "methods[].name", "appears twice", m->name);
		if (!code_ok(c, m->function))
			return bad(c, "methods[].function", "is not code of the image itself", m->name);
		char what[SG_CLASS_MAX_NAME + 32];
		snprintf(what, sizeof what, "method '%s'", m->name);
		int rc = sg_signature_parse(&sigs[i], m->types, what, c->err);
		if (rc)
			return rc;
	}
	return 0;
}

int sg_class_validate(sg_class *out, const signet_class *d, const signet_image *img, const char *expected_name,
	const char *path, signet_error **err)
{
	ctx c = { .img = img, .path = path, .err = err };
	/* The fixed part first: until it is known to be inside the image, not one field is read. */
	if (!segment_of(&c, d, sizeof *d, PF_R))
		return bad(&c, "itself", "is not inside a readable segment of its image", NULL);
	if (d->magic != SIGNET_CLASS_MAGIC)
		return bad(&c, "magic", "is wrong (not a Signet class descriptor)", NULL);
	if (d->version != SIGNET_CLASS_VERSION) {
		char v[64];
		snprintf(v, sizeof v, "version %u; this host reads version %u", d->version, SIGNET_CLASS_VERSION);
		return bad(&c, "version", "is not supported", v);
	}
	if (d->size != sizeof *d || d->method_size != sizeof(signet_method))
		return bad(&c, "size/method_size", "differ from this host's structures (built against another plugin.h?)",
			NULL);
	if (!string_ok(&c, d->name, SG_CLASS_MAX_NAME))
		return bad(&c, "name", "points outside the image or is unterminated", NULL);
	if (strcmp(d->name, expected_name) != 0)
		return bad(&c, "name", "differs from the principal class the manifest names", d->name);
	if (d->instance_size > SG_CLASS_MAX_INSTANCE_SIZE)
		return bad(&c, "instance_size", "is over the limit of 16 MiB", NULL);
	if ((d->init && !code_ok(&c, (signet_imp)d->init)) || (d->fini && !code_ok(&c, (signet_imp)d->fini)))
		return bad(&c, "init/fini", "is not code of the image itself", NULL);
	int rc = check_protocols(&c, d);
	if (rc)
		return rc;
	if (d->nmethods > SG_CLASS_MAX_METHODS)
		return bad(&c, "nmethods", "is over the limit of 1024", NULL);
	sg_signature *sigs = d->nmethods ? calloc(d->nmethods, sizeof *sigs) : NULL;
	if (d->nmethods && !sigs)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory validating a class");
	rc = check_methods(&c, d, sigs);
	if (rc) {
		free(sigs);
		return rc;
	}
	*out = (sg_class){ .desc = d, .sigs = sigs, .nmethods = d->nmethods };
	return 0;
}

/* One heap block: the descriptor, its arrays, then the strings. */
typedef struct described {
	signet_class desc;
	signet_method *methods;
	signet_protocol_ref *protocols;
	char *strings;
} described;

static char *put(char **at, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = memcpy(*at, s, n);
	*at += n;
	return p;
}

int sg_class_from_description(sg_class *out, const sg_class_text *t, const char *expected_name, const char *path,
	signet_error **err)
{
	ctx c = { .img = NULL, .path = path, .err = err };
	if (t->nmethods > SG_CLASS_MAX_METHODS)
		return bad(&c, "nmethods", "is over the limit of 1024", NULL);
	if (t->nprotocols > SG_CLASS_MAX_PROTOCOLS)
		return bad(&c, "nprotocols", "is over the limit of 64", NULL);
	/* Every string bounded before it is copied: the description came from another process. */
	size_t bytes = strnlen(t->name, SG_CLASS_MAX_NAME) + 1;
	bool too_long = bytes > SG_CLASS_MAX_NAME;
	for (size_t i = 0; i < t->nmethods && !too_long; i++) {
		size_t a = strnlen(t->method_names[i], SG_CLASS_MAX_NAME), b = strnlen(t->method_types[i],
			SIGNET_MAX_METHOD_ARGS + 2);
		too_long = a >= SG_CLASS_MAX_NAME || b >= SIGNET_MAX_METHOD_ARGS + 2;
		bytes += a + b + 2;
	}
	for (size_t i = 0; i < t->nprotocols && !too_long; i++) {
		size_t a = strnlen(t->protocol_names[i], SG_CLASS_MAX_NAME);
		too_long = a >= SG_CLASS_MAX_NAME;
		bytes += a + 1;
	}
	if (too_long)
		return bad(&c, "a name or an encoding", "is too long", NULL);
	described *d = calloc(1, sizeof *d);
	if (d) {
		d->methods = calloc(t->nmethods ? t->nmethods : 1, sizeof *d->methods);
		d->protocols = calloc(t->nprotocols ? t->nprotocols : 1, sizeof *d->protocols);
		d->strings = malloc(bytes);
	}
	if (!d || !d->methods || !d->protocols || !d->strings) {
		if (d) {
			free(d->methods);
			free(d->protocols);
			free(d->strings);
		}
		free(d);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory reading a class description");
	}
	char *at = d->strings;
	for (size_t i = 0; i < t->nmethods; i++) {
		d->methods[i].name = put(&at, t->method_names[i]);
		d->methods[i].types = put(&at, t->method_types[i]);
	}
	for (size_t i = 0; i < t->nprotocols; i++)
		d->protocols[i] = (signet_protocol_ref){ put(&at, t->protocol_names[i]), t->protocol_versions[i] };
	d->desc = (signet_class){ .magic = SIGNET_CLASS_MAGIC, .version = SIGNET_CLASS_VERSION,
		.size = sizeof(signet_class), .method_size = sizeof(signet_method), .name = put(&at, t->name),
		.protocols = d->protocols, .nprotocols = (uint32_t)t->nprotocols, .nmethods = (uint32_t)t->nmethods,
		.methods = d->methods };
	int rc = sg_class_validate(out, &d->desc, NULL, expected_name, path, err);
	if (rc) {
		free(d->methods);
		free(d->protocols);
		free(d->strings);
		free(d);
		return rc;
	}
	out->owned = d;
	return 0;
}

void sg_class_clear(sg_class *c)
{
	if (!c)
		return;
	described *d = c->owned;
	if (d) {
		free(d->methods);
		free(d->protocols);
		free(d->strings);
		free(d);
	}
	free(c->sigs);
	*c = (sg_class){ 0 };
}

long sg_class_find_method(const sg_class *c, const char *name)
{
	for (size_t i = 0; i < c->nmethods; i++)
		if (!strcmp(c->desc->methods[i].name, name))
			return (long)i;
	return -1;
}

bool sg_class_adopts(const sg_class *c, const char *name, uint32_t version)
{
	for (uint32_t i = 0; i < c->desc->nprotocols; i++)
		if (!strcmp(c->desc->protocols[i].name, name) && c->desc->protocols[i].version == version)
			return true;
	return false;
}

static int mismatch(const char *path, const char *expected, const char *actual, signet_error **err,
	const char *why, const char *method, const char *protocol)
{
	return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PROTOCOL_MISMATCH, .path = path,
		.check = "class.conformance", .expected = expected, .actual = actual }, "method %s %s %s", method, why,
		protocol);
}

int sg_class_conforms(const sg_class *c, const signet_protocol *p, const char *path, signet_error **err)
{
	if (!p || !p->name || (p->nmethods && !p->methods))
		return sg_fail_code(err, SIGNET_E_INVALID_ARGUMENT, "a protocol needs a name and its methods");
	char want[SG_CLASS_MAX_NAME + 16];
	snprintf(want, sizeof want, "%s %u", p->name, p->version);
	if (!sg_class_adopts(c, p->name, p->version))
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_PROTOCOL_MISMATCH, .path = path,
			.check = "class.conformance", .expected = want, .actual = c->desc->name },
			"class %s does not adopt protocol %s", c->desc->name, want);
	for (size_t i = 0; i < p->nmethods; i++) {
		const signet_protocol_method *m = &p->methods[i];
		long k = sg_class_find_method(c, m->name);
		if (k < 0) {
			if (!m->required)
				continue;
			return mismatch(path, m->name, "(missing)", err, "is missing, but required by protocol", m->name,
				want);
		}
		const char *has = c->desc->methods[k].types;
		if (strcmp(has, m->types) != 0)
			return mismatch(path, m->types, has, err, "has another type encoding than required by protocol",
				m->name, want);
	}
	return 0;
}
