# Tests of guest hosting, principal classes and calls, over real bundles
# (assembled at run time by tests/bundle/bundle_fixture.c).
check_PROGRAMS += tests/guest/test_guest
tests_guest_test_guest_SOURCES = tests/guest/test_guest.c
tests_guest_test_guest_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/tests/bundle
tests_guest_test_guest_LDADD = tests/bundle/libbundlefixture.la $(TEST_LDADD)
TESTS += tests/guest/test_guest

# The Crash sample bundle (plugins/crash) run in process: what each method
# does to a host without isolation. Uses the bundles and the sample host the
# build makes in plugins/.
check_PROGRAMS += tests/guest/test_crash_sample
tests_guest_test_crash_sample_SOURCES = tests/guest/test_crash_sample.c
tests_guest_test_crash_sample_CFLAGS = $(TEST_CFLAGS)
tests_guest_test_crash_sample_LDADD = $(TEST_LDADD)
TESTS += tests/guest/test_crash_sample
