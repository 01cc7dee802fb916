# SPDX-License-Identifier: MIT
# The preflight cache (tests/prefcache/test_prefcache.c) on real signed
# bundles, and `signet-host list` through it (test_list_cache.sh), with
# forge_entry rewriting a cache file as its owner could.
check_PROGRAMS += tests/prefcache/test_prefcache tests/prefcache/forge_entry
tests_prefcache_test_prefcache_SOURCES = tests/prefcache/test_prefcache.c tests/prefcache/pc_forge.c \
	tests/prefcache/pc_forge.h
tests_prefcache_test_prefcache_CFLAGS = $(TEST_CFLAGS) $(JANSSON_CFLAGS) $(LIBCRYPTO_CFLAGS)
tests_prefcache_test_prefcache_LDADD = tests/bundle/libbundlefixture.la $(TEST_INTERNAL_LIBS) -lpthread
tests_prefcache_forge_entry_SOURCES = tests/prefcache/forge_entry.c tests/prefcache/pc_forge.c tests/prefcache/pc_forge.h
tests_prefcache_forge_entry_CFLAGS = $(TEST_CFLAGS) $(JANSSON_CFLAGS) $(LIBCRYPTO_CFLAGS)
tests_prefcache_forge_entry_LDADD = tests/libharness.la $(JANSSON_LIBS) $(LIBCRYPTO_LIBS) libsignet.la $(CUNIT_LIBS)
TESTS += tests/prefcache/test_prefcache tests/prefcache/test_list_cache.sh
EXTRA_DIST += tests/prefcache/test_list_cache.sh

# The test plugin needing libtestdep.so.1 from a directory outside any
# bundle (an absolute RUNPATH), which the test fills and signs.
PC_OUTSIDE_DIR = $(abs_builddir)/tests/prefcache/outside
check_DATA += $(TB)/testplugin-OUTSIDE_DEP.so
CLEANFILES += $(TB)/testplugin-OUTSIDE_DEP.so
$(TB)/testplugin-OUTSIDE_DEP.so: $(srcdir)/tests/bundle/fixtures/testplugin.c $(TB)/libtestdep.so.1
	@$(MKDIR_P) $(TB)
	$(AM_V_CCLD)$(TB_LINK) -DVARIANT_USES_DEP -Wl,-soname,testplugin.so -Wl,--enable-new-dtags \
		-Wl,-rpath,$(PC_OUTSIDE_DIR) -o $@ $< $(TB)/libtestdep.so.1

clean-local: clean-prefcache-outside
clean-prefcache-outside:
	-rm -rf tests/prefcache/outside
.PHONY: clean-prefcache-outside

# docs/preflight-cache.md's C block ("From C"), built as it stands inside a
# small program (doc_snippet_main.c gives it a policy, paths and fail());
# test_list_cache.sh runs it.
check_PROGRAMS += tests/prefcache/doc_snippet
tests_prefcache_doc_snippet_SOURCES = tests/prefcache/doc_snippet_main.c
tests_prefcache_doc_snippet_CFLAGS = $(AM_CFLAGS) -I$(top_builddir)/tests/prefcache
tests_prefcache_doc_snippet_LDADD = libsignet.la
tests/prefcache/doc_snippet.inc: $(srcdir)/docs/preflight-cache.md
	$(AM_V_GEN)$(MKDIR_P) tests/prefcache && awk '/^## From C/ { want = 1 } \
		want && /^```c$$/ { inside = 1; next } inside && /^```$$/ { exit } inside' \
		$(srcdir)/docs/preflight-cache.md >$@.tmp && test -s $@.tmp && mv $@.tmp $@
tests/prefcache/tests_prefcache_doc_snippet-doc_snippet_main.$(OBJEXT): tests/prefcache/doc_snippet.inc
CLEANFILES += tests/prefcache/doc_snippet.inc
