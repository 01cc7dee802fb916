/* SPDX-License-Identifier: MIT */
/* provenance.c - what a preflight's verdict is made from, recorded as it goes (provenance.h). */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "bundle/provenance.h"
#include "codesign/identity_internal.h"

static void paths_clear(sg_path_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	sg_array_clear(l);
}

void sg_provenance_free(sg_provenance *p)
{
	if (!p)
		return;
	free(p->key);
	paths_clear(&p->members);
	paths_clear(&p->outside);
	paths_clear(&p->windowed);
	free(p);
}

/* Appends a copy of `path`; a failure makes the provenance incomplete (nothing is cached from it). */
static void paths_add(sg_provenance *p, sg_path_list *l, const char *path)
{
	char *copy = strdup(path);
	if (!copy || sg_array_push(l, copy) != 0) {
		free(copy);
		p->complete = false;
	}
}

sg_provenance *sg_provenance_start(const char *path, const signet_policy *policy, sg_semver host_api)
{
	sg_provenance *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	/* Before anything is read: a file changed after this instant may be newer than the verdict. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	*p = (sg_provenance){ .policy = policy, .host_api = host_api,
		.started_ns = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec };
	p->key = sg_provenance_key(path);
	p->complete = p->key != NULL;
	return p;
}

char *sg_provenance_key(const char *path)
{
	char cwd[PATH_MAX], *out = NULL;
	if (path[0] == '/')
		return strdup(path);
	return getcwd(cwd, sizeof cwd) && asprintf(&out, "%s/%s", cwd, path) >= 0 ? out : NULL;
}

void sg_provenance_note_members(sg_provenance *p, const sg_tree *t)
{
	/* Without a whole walk there is nothing to key on. */
	if (!t->root) {
		p->complete = false;
		return;
	}
	paths_add(p, &p->members, "");
	for (size_t i = 0; i < t->entries.n; i++)
		paths_add(p, &p->members, t->entries.items[i].path);
}

void sg_provenance_note_outside(sg_provenance *p, const char *path)
{
	for (size_t i = 0; i < p->outside.n; i++)
		if (strcmp(p->outside.items[i], path) == 0)
			return;
	paths_add(p, &p->outside, path);
}

static bool asn1_seconds(const ASN1_TIME *t, long long *out)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return false;
	*out = (long long)timegm(&tm);
	return true;
}

bool sg_identity_window(const signet_identity *id, bool *has, long long *not_before, long long *not_after)
{
	const STACK_OF(X509) *chain = id->signer.chain;
	int n = chain ? sk_X509_num(chain) : 0;
	for (int i = 0; i < n; i++) {
		X509 *cert = sk_X509_value(chain, i);
		long long from, until;
		if (!asn1_seconds(X509_get0_notBefore(cert), &from) || !asn1_seconds(X509_get0_notAfter(cert), &until))
			return false;
		if (!*has || from > *not_before)
			*not_before = from;
		if (!*has || until < *not_after)
			*not_after = until;
		*has = true;
	}
	return n > 0;
}

void sg_provenance_note_window(sg_provenance *p, const signet_identity *id, const char *real_path)
{
	/* A time OpenSSL accepted but that cannot be converted: no window to trust. */
	if (!sg_identity_window(id, &p->has_window, &p->not_before, &p->not_after))
		p->complete = false;
	paths_add(p, &p->windowed, real_path);
}
