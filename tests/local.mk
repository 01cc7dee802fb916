# Tests: one CUnit program per module, plus shell checks. `make check`.
# signet-host list keeps preflight results in $XDG_CACHE_HOME/signet: a
# directory of the build's, never the user's own.
AM_TESTS_ENVIRONMENT = \
	SIGNET_TEST_BUILDDIR='$(abs_top_builddir)'; export SIGNET_TEST_BUILDDIR; \
	SIGNET_TEST_SRCDIR='$(abs_top_srcdir)'; export SIGNET_TEST_SRCDIR; \
	SIGNET_CORPUS='$(SIGNET_CORPUS)'; export SIGNET_CORPUS; \
	SIGNET_TEST_CONFDIR='$(sysconfdir)/signet'; export SIGNET_TEST_CONFDIR; \
	CC='$(CC)'; export CC; \
	XDG_CACHE_HOME='$(abs_top_builddir)/tests/cache-home'; export XDG_CACHE_HOME; \
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

# Test PKI, made by the build (never committed): a root CA with two teams,
# and an unrelated "rogue" CA whose leaf claims team A.
TEST_PKI = tests/pki/stamp
$(TEST_PKI): | signet$(EXEEXT)
	@rm -rf tests/pki
	$(AM_V_GEN)./signet ca init tests/pki >/dev/null && \
	./signet ca issue --team ABCDE12345 --name "Signet Test Team A" tests/pki >/dev/null && \
	./signet ca issue --team ZZZZZ99999 --name "Signet Test Team Z" tests/pki >/dev/null && \
	./signet ca init tests/pki/rogue >/dev/null && \
	./signet ca issue --team ABCDE12345 --name "Rogue" tests/pki/rogue >/dev/null && \
	touch $@
SIGN_A = ./signet sign --key tests/pki/ABCDE12345.key --cert tests/pki/ABCDE12345.pem
SIGN_Z = ./signet sign --key tests/pki/ZZZZZ99999.key --cert tests/pki/ZZZZZ99999.pem
SIGN_ROGUE = ./signet sign --key tests/pki/rogue/ABCDE12345.key --cert tests/pki/rogue/ABCDE12345.pem

# Fixture shared objects, built with plain rules from a few sources and
# signed here (tests/README.md lists them all).
FIXTURES = \
	tests/fixtures/libfixture0.so tests/fixtures/libfixture1.so \
	tests/fixtures/libfixture2.so tests/fixtures/libfixture3.so \
	tests/fixtures/libfixture4.so tests/fixtures/libfixture5.so \
	tests/fixtures/libfixture6.so tests/fixtures/libfixture7.so \
	tests/fixtures/libreenter.so
check_DATA = $(TEST_PKI) $(FIXTURES)
CLEANFILES += $(FIXTURES)
EXTRA_DIST += tests/fixtures/fixture.c tests/fixtures/reenter.c
FIXTURE_LINK = $(CC) $(CFLAGS) -fPIC -shared -Wl,--build-id=sha1 -Wl,-z,now

tests/fixtures/libfixture%.so: $(srcdir)/tests/fixtures/fixture.c $(TEST_PKI)
	@$(MKDIR_P) tests/fixtures
	$(AM_V_CCLD)$(FIXTURE_LINK) -DFIXTURE_ID=$* -Wl,-soname,libfixture$*.so -o $@.tmp $< && \
	$(SIGN_A) --identifier org.signet.test.fixture$* $@.tmp >/dev/null && mv $@.tmp $@

tests/fixtures/libreenter.so: $(srcdir)/tests/fixtures/reenter.c $(TEST_PKI)
	@$(MKDIR_P) tests/fixtures
	$(AM_V_CCLD)$(FIXTURE_LINK) -Wl,-soname,libreenter.so -o $@.tmp $< -ldl && \
	$(SIGN_A) --identifier org.signet.test.reenter $@.tmp >/dev/null && mv $@.tmp $@

clean-local: clean-test-pki
clean-test-pki:
	rm -rf tests/pki tests/fixtures tests/cache-home
.PHONY: clean-test-pki

# --- core ---
check_PROGRAMS += tests/core/test_errors
tests_core_test_errors_SOURCES = tests/core/test_errors.c
tests_core_test_errors_CFLAGS = $(TEST_CFLAGS)
tests_core_test_errors_LDADD = $(TEST_LDADD)
check_PROGRAMS += tests/core/test_files
tests_core_test_files_SOURCES = tests/core/test_files.c
tests_core_test_files_CFLAGS = $(TEST_CFLAGS) $(LIBCRYPTO_CFLAGS)
tests_core_test_files_LDADD = $(TEST_INTERNAL_LIBS)
check_PROGRAMS += tests/core/mksocket tests/core/errors_md
tests_core_mksocket_SOURCES = tests/core/mksocket.c
tests_core_errors_md_SOURCES = tests/core/errors_md.c
TESTS += tests/core/test_errors tests/core/test_files tests/core/exports.sh tests/core/headers.sh \
	tests/core/test_special_files.sh tests/core/test_errors_doc.sh tests/core/confdir.sh
EXTRA_DIST += tests/core/exports.sh tests/core/headers.sh tests/core/test_special_files.sh \
	tests/core/test_errors_doc.sh tests/core/confdir.sh

# docs/errors.md's table of codes is made from SIGNET_ERROR_CODES.
update-errors-md: tests/core/errors_md$(EXEEXT)
	$(AM_V_GEN)tests/core/errors_md >errors-table.tmp && \
	awk 'FNR == NR { t = t $$0 "\n"; next } /^<!-- codes: begin/ { print; printf "%s", t; skip = 1; next } \
		/^<!-- codes: end/ { skip = 0 } !skip' errors-table.tmp $(srcdir)/docs/errors.md >errors-md.tmp && \
	mv errors-md.tmp $(srcdir)/docs/errors.md && rm -f errors-table.tmp
.PHONY: update-errors-md

# --- registry ---
check_PROGRAMS += tests/registry/test_registry tests/registry/test_observers \
	tests/registry/test_stress tests/imagelog/imagelog_child
tests_registry_test_registry_SOURCES = tests/registry/test_registry.c
tests_registry_test_registry_CFLAGS = $(TEST_CFLAGS)
tests_registry_test_registry_LDADD = $(TEST_LDADD)
tests_registry_test_observers_SOURCES = tests/registry/test_observers.c
tests_registry_test_observers_CFLAGS = $(TEST_CFLAGS)
tests_registry_test_observers_LDADD = $(TEST_LDADD)
tests_registry_test_stress_SOURCES = tests/registry/test_stress.c
tests_registry_test_stress_CFLAGS = $(TEST_CFLAGS)
tests_registry_test_stress_LDADD = $(TEST_LDADD)
TESTS += tests/registry/test_registry tests/registry/test_observers tests/registry/test_stress

# --- image log ---
tests_imagelog_imagelog_child_SOURCES = tests/imagelog/imagelog_child.c
tests_imagelog_imagelog_child_LDADD = libsignet.la
check_PROGRAMS += tests/imagelog/test_imagelog
tests_imagelog_test_imagelog_SOURCES = tests/imagelog/test_imagelog.c
tests_imagelog_test_imagelog_CFLAGS = $(TEST_CFLAGS)
tests_imagelog_test_imagelog_LDADD = $(TEST_LDADD)
TESTS += tests/imagelog/test_imagelog

# --- host ---
TESTS += tests/hostapp/test_host.sh
EXTRA_DIST += tests/hostapp/test_host.sh tests/lib.sh

# internals: white-box tests link the static library directly
TEST_INTERNAL_LIBS = tests/libharness.la libsignet-internal.la $(CUNIT_LIBS)

include $(srcdir)/tests/codesign/local.mk
include $(srcdir)/tests/cms/local.mk
include $(srcdir)/tests/requirement/local.mk
include $(srcdir)/tests/policy/local.mk
include $(srcdir)/tests/elf/local.mk
include $(srcdir)/tests/load/local.mk
include $(srcdir)/tests/bundle/local.mk
include $(srcdir)/tests/plugin/local.mk
include $(srcdir)/tests/guest/local.mk
include $(srcdir)/tests/parallel/local.mk
include $(srcdir)/tests/connection/local.mk
include $(srcdir)/tests/hostapp/local.mk
include $(srcdir)/tests/process/local.mk
include $(srcdir)/tests/isolation/local.mk
include $(srcdir)/tests/sandbox/local.mk
include $(srcdir)/tests/quarantine/local.mk
include $(srcdir)/tests/prefcache/local.mk
include $(srcdir)/tests/debian/local.mk
include $(srcdir)/tests/audit/local.mk
