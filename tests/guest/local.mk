# Tests of guest hosting, principal classes and calls, over real bundles
# (assembled at run time by tests/bundle/bundle_fixture.c).
check_PROGRAMS += tests/guest/test_guest
tests_guest_test_guest_SOURCES = tests/guest/test_guest.c
tests_guest_test_guest_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/tests/bundle
tests_guest_test_guest_LDADD = tests/bundle/libbundlefixture.la $(TEST_LDADD)
TESTS += tests/guest/test_guest
