# Tests: one CUnit program per module, plus shell checks. `make check`.
AM_TESTS_ENVIRONMENT = \
	SIGNET_TEST_BUILDDIR='$(abs_top_builddir)'; export SIGNET_TEST_BUILDDIR; \
	SIGNET_TEST_SRCDIR='$(abs_top_srcdir)'; export SIGNET_TEST_SRCDIR; \
	SIGNET_CORPUS='$(SIGNET_CORPUS)'; export SIGNET_CORPUS; \
	CC='$(CC)'; export CC; \
	unset SIGNET_PRINT_IMAGES;
if SANITIZED
# dlclose() drops symbols LeakSanitizer would need for reports; keep them.
AM_TESTS_ENVIRONMENT += \
	ASAN_OPTIONS=fast_unwind_on_malloc=0:detect_leaks=1:abort_on_error=1; export ASAN_OPTIONS; \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1; export UBSAN_OPTIONS;
endif

check_LTLIBRARIES += tests/libharness.la
tests_libharness_la_SOURCES = tests/harness.c tests/harness.h
tests_libharness_la_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_libharness_la_LIBADD = $(CUNIT_LIBS)

TEST_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS) -I$(top_srcdir)/tests
TEST_LDADD = tests/libharness.la libsignet.la $(CUNIT_LIBS)

# Fixture shared objects, built with plain rules: one source, N variants.
FIXTURES = \
	tests/fixtures/libfixture0.so tests/fixtures/libfixture1.so \
	tests/fixtures/libfixture2.so tests/fixtures/libfixture3.so \
	tests/fixtures/libfixture4.so tests/fixtures/libfixture5.so \
	tests/fixtures/libfixture6.so tests/fixtures/libfixture7.so \
	tests/fixtures/libreenter.so
check_DATA = $(FIXTURES)
CLEANFILES += $(FIXTURES)
EXTRA_DIST += tests/fixtures/fixture.c tests/fixtures/reenter.c
FIXTURE_LINK = $(CC) $(CFLAGS) -fPIC -shared -Wl,--build-id=sha1 -Wl,-z,now

tests/fixtures/libfixture%.so: $(srcdir)/tests/fixtures/fixture.c
	@$(MKDIR_P) tests/fixtures
	$(AM_V_CCLD)$(FIXTURE_LINK) -DFIXTURE_ID=$* -Wl,-soname,libfixture$*.so -o $@ $<

tests/fixtures/libreenter.so: $(srcdir)/tests/fixtures/reenter.c
	@$(MKDIR_P) tests/fixtures
	$(AM_V_CCLD)$(FIXTURE_LINK) -Wl,-soname,libreenter.so -o $@ $< -ldl

# --- core ---
check_PROGRAMS += tests/core/test_errors
tests_core_test_errors_SOURCES = tests/core/test_errors.c
tests_core_test_errors_CFLAGS = $(TEST_CFLAGS)
tests_core_test_errors_LDADD = $(TEST_LDADD)
TESTS += tests/core/test_errors tests/core/exports.sh tests/core/headers.sh
EXTRA_DIST += tests/core/exports.sh tests/core/headers.sh

# --- registry ---
check_PROGRAMS += tests/registry/test_registry tests/registry/test_observers \
	tests/registry/test_stress tests/registry/imagelog_child
tests_registry_test_registry_SOURCES = tests/registry/test_registry.c
tests_registry_test_registry_CFLAGS = $(TEST_CFLAGS)
tests_registry_test_registry_LDADD = $(TEST_LDADD)
tests_registry_test_observers_SOURCES = tests/registry/test_observers.c
tests_registry_test_observers_CFLAGS = $(TEST_CFLAGS)
tests_registry_test_observers_LDADD = $(TEST_LDADD)
tests_registry_test_stress_SOURCES = tests/registry/test_stress.c
tests_registry_test_stress_CFLAGS = $(TEST_CFLAGS)
tests_registry_test_stress_LDADD = $(TEST_LDADD)
tests_registry_imagelog_child_SOURCES = tests/registry/imagelog_child.c
tests_registry_imagelog_child_LDADD = libsignet.la
check_PROGRAMS += tests/registry/test_imagelog
tests_registry_test_imagelog_SOURCES = tests/registry/test_imagelog.c
tests_registry_test_imagelog_CFLAGS = $(TEST_CFLAGS)
tests_registry_test_imagelog_LDADD = $(TEST_LDADD)
TESTS += tests/registry/test_registry tests/registry/test_observers \
	tests/registry/test_stress tests/registry/test_imagelog

# --- host ---
TESTS += tests/hostapp/test_host.sh
EXTRA_DIST += tests/hostapp/test_host.sh tests/lib.sh

# internals: white-box tests link the static library directly
TEST_INTERNAL_LIBS = tests/libharness.la libsignet-internal.la $(CUNIT_LIBS)

include $(srcdir)/tests/codesign/local.mk
include $(srcdir)/tests/cms/local.mk
include $(srcdir)/tests/requirement/local.mk
