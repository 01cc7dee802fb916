# Tests of principal classes: encodings and libffi calls.
check_PROGRAMS += tests/plugin/test_invoke
tests_plugin_test_invoke_SOURCES = tests/plugin/test_invoke.c
tests_plugin_test_invoke_CFLAGS = $(TEST_CFLAGS)
tests_plugin_test_invoke_LDADD = $(TEST_INTERNAL_LIBS)
TESTS += tests/plugin/test_invoke
