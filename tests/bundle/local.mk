# Tests of bundles: the manifest.
check_PROGRAMS += tests/bundle/test_manifest
tests_bundle_test_manifest_SOURCES = tests/bundle/test_manifest.c
tests_bundle_test_manifest_CFLAGS = $(TEST_CFLAGS)
tests_bundle_test_manifest_LDADD = $(TEST_INTERNAL_LIBS)
TESTS += tests/bundle/test_manifest
