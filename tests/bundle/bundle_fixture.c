/* SPDX-License-Identifier: MIT */
/* bundle_fixture.c - test bundles, made with the real signing tool. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bundle_fixture.h"
#include "harness.h"

int tb_sh(const char *fmt, ...)
{
	char *cmd = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	int st = system(cmd);
	free(cmd);
	return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *tb_path(const char *bundle, const char *rel)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", bundle, rel) < 0)
		abort();
	return p;
}

/*
 * Gives the copied plugin a soname of its own ("tp<8 digits>.so", the same
 * length as "testplugin.so"): Signet refuses two different images with one
 * soname, and every test bundle is a different image.
 */
static void unique_soname(const char *so)
{
	static unsigned counter;
	size_t len = 0;
	uint8_t *bytes = sg_read_file(so, &len);
	static const char from[] = "testplugin.so";
	char to[sizeof from];
	snprintf(to, sizeof to, "tp%02u%06u.so", (unsigned)getpid() % 100, ++counter);
	for (size_t i = 0; bytes && i + sizeof from <= len; i++)
		if (!memcmp(bytes + i, from, sizeof from)) /* with its NUL: the DT_SONAME string */
			memcpy(bytes + i, to, sizeof from);
	sg_write_file(so, bytes, len, 0755);
	free(bytes);
}

static const char *key_of(tb_signer s)
{
	return s == TB_TEAM_Z ? "ZZZZZ99999" : s == TB_ROGUE ? "rogue/ABCDE12345" : "ABCDE12345";
}

char *tb_make(const char *name, const tb_spec *spec)
{
	const char *b = sg_builddir();
	char *dir = NULL;
	if (asprintf(&dir, "%s/%s.bundle", sg_sandbox(), name) < 0)
		abort();
	const char *variant = spec->variant ? spec->variant : "testplugin.so";
	if (tb_sh("mkdir -p '%s/lib' '%s/resources/data' && cp '%s/tests/bundle/plugins/%s' '%s/lib/plugin.so' && "
	          "echo 'some words' > '%s/resources/words.txt' && head -c 3000 /dev/zero > '%s/resources/data/blob.bin' && "
	          "ln -s plugin.so '%s/lib/alias.so'", dir, dir, b, variant, dir, dir, dir, dir) != 0)
		abort();
	char *so = tb_path(dir, "lib/plugin.so");
	unique_soname(so);
	free(so);
	if (spec->with_dep &&
	    tb_sh("cp '%s/tests/bundle/plugins/libtestdep.so.1' '%s/lib/libtestdep.so.1'", b, dir) != 0)
		abort();
	char *manifest = NULL;
	if (asprintf(&manifest,
	    "{\n  \"identifier\": \"org.signet.test.%s\",\n  \"version\": \"1.0.0\",\n"
	    "  \"executable\": \"lib/plugin.so\",\n  \"principal_class\": \"%s\",\n"
	    "  \"protocols\": %s,\n  \"host_api\": \"%s\"%s\n}\n", name,
	    spec->principal_class ? spec->principal_class : "TestClass",
	    spec->protocols ? spec->protocols : "[ { \"name\": \"Filter\", \"version\": 1 }, "
	                                        "{ \"name\": \"Counter\", \"version\": 2 } ]",
	    spec->host_api ? spec->host_api : ">=1.0 <2.0",
	    spec->with_dep ? ",\n  \"libraries\": [ \"lib/libtestdep.so.1\" ]" : "") < 0)
		abort();
	char *mpath = tb_path(dir, "manifest.json");
	sg_write_file(mpath, manifest, strlen(manifest), 0644);
	free(mpath);
	free(manifest);
	int rc = 0;
	const char *key = key_of(spec->signer);
	if (spec->signer == TB_PLAIN)
		rc = tb_sh("'%s/signet' sign --key '%s/tests/pki/%s.key' --cert '%s/tests/pki/%s.pem' "
		           "--identifier org.signet.test.plain '%s/lib/plugin.so' >/dev/null", b, b, key, b, key, dir);
	else if (spec->signer != TB_UNSIGNED)
		rc = tb_sh("'%s/signet' sign --key '%s/tests/pki/%s.key' --cert '%s/tests/pki/%s.pem' --bundle '%s' "
		           ">/dev/null", b, b, key, b, key, dir);
	if (rc != 0) {
		fprintf(stderr, "tb_make: signing %s failed\n", dir);
		abort();
	}
	return dir;
}
