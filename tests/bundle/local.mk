# Tests of bundles: the manifest, the walk and seal, signing, preflight.
check_PROGRAMS += tests/bundle/test_manifest
tests_bundle_test_manifest_SOURCES = tests/bundle/test_manifest.c
tests_bundle_test_manifest_CFLAGS = $(TEST_CFLAGS)
tests_bundle_test_manifest_LDADD = $(TEST_INTERNAL_LIBS)
TESTS += tests/bundle/test_manifest

# The test plugin in variants that each break one thing (fixtures/testplugin.c).
# They are left unsigned: the tests assemble and sign bundles at run time,
# then damage them, one case each.
TB = tests/bundle/plugins
TB_VARIANTS = FUNCTION_CLASS SMALL_CLASS HIDDEN_CLASS BAD_VERSION FOREIGN_NAME FOREIGN_CODE \
	BAD_ENCODING INIT_FAILS USES_DEP
TB_PLUGINS = $(TB)/testplugin.so $(TB)/libtestdep.so.1 $(TB_VARIANTS:%=$(TB)/testplugin-%.so)
check_DATA += $(TB_PLUGINS)
CLEANFILES += $(TB_PLUGINS)
EXTRA_DIST += tests/bundle/fixtures/testplugin.c tests/bundle/fixtures/testdep.c
TB_LINK = $(CC) $(CFLAGS) -std=gnu11 -fPIC -shared -I$(top_srcdir)/include -Wl,--build-id=sha1 -Wl,-z,now

$(TB)/testplugin.so: $(srcdir)/tests/bundle/fixtures/testplugin.c $(top_srcdir)/include/signet/plugin.h
	@$(MKDIR_P) $(TB)
	$(AM_V_CCLD)$(TB_LINK) -Wl,-soname,testplugin.so -o $@ $<

$(TB)/testplugin-USES_DEP.so: $(srcdir)/tests/bundle/fixtures/testplugin.c $(TB)/libtestdep.so.1
	@$(MKDIR_P) $(TB)
	$(AM_V_CCLD)$(TB_LINK) -DVARIANT_USES_DEP -Wl,-soname,testplugin.so -Wl,--enable-new-dtags \
		-Wl,-rpath,'$$ORIGIN' -o $@ $< $(TB)/libtestdep.so.1

$(TB)/testplugin-%.so: $(srcdir)/tests/bundle/fixtures/testplugin.c $(top_srcdir)/include/signet/plugin.h
	@$(MKDIR_P) $(TB)
	$(AM_V_CCLD)$(TB_LINK) -DVARIANT_$* -Wl,-soname,testplugin.so -o $@ $<

$(TB)/libtestdep.so.1: $(srcdir)/tests/bundle/fixtures/testdep.c
	@$(MKDIR_P) $(TB)
	$(AM_V_CCLD)$(TB_LINK) -Wl,-soname,libtestdep.so.1 -o $@ $<

# Shared by the bundle and guest tests: assembling and signing bundles.
check_LTLIBRARIES += tests/bundle/libbundlefixture.la
tests_bundle_libbundlefixture_la_SOURCES = tests/bundle/bundle_fixture.c tests/bundle/bundle_fixture.h
tests_bundle_libbundlefixture_la_CFLAGS = $(TEST_CFLAGS)

check_PROGRAMS += tests/bundle/test_bundle
tests_bundle_test_bundle_SOURCES = tests/bundle/test_bundle.c
tests_bundle_test_bundle_CFLAGS = $(TEST_CFLAGS)
tests_bundle_test_bundle_LDADD = tests/bundle/libbundlefixture.la $(TEST_INTERNAL_LIBS) -lpthread
TESTS += tests/bundle/test_bundle

# A report and its errors as JSON and back (loader/bundle/report_json.c).
check_PROGRAMS += tests/bundle/test_report_json
tests_bundle_test_report_json_SOURCES = tests/bundle/test_report_json.c
tests_bundle_test_report_json_CFLAGS = $(TEST_CFLAGS) $(JANSSON_CFLAGS)
tests_bundle_test_report_json_LDADD = tests/bundle/libbundlefixture.la $(TEST_INTERNAL_LIBS)
TESTS += tests/bundle/test_report_json
