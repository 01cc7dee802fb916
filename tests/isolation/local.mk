# Isolated guests through the public API, over the sample bundles and the
# signed guest helper the build makes in plugins/ (docs/isolation.md).
check_PROGRAMS += tests/isolation/test_isolation
tests_isolation_test_isolation_SOURCES = tests/isolation/test_isolation.c
tests_isolation_test_isolation_CFLAGS = $(TEST_CFLAGS)
tests_isolation_test_isolation_LDADD = $(TEST_LDADD)
TESTS += tests/isolation/test_isolation
