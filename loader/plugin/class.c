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

/* The segment of the image holding [p, p + n) with `need` flags, or NULL. */
static const signet_segment *segment_of(const ctx *c, const void *p, size_t n, unsigned need)
{
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

void sg_class_clear(sg_class *c)
{
	if (!c)
		return;
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
