# SPDX-License-Identifier: MIT
# Tests of the requirement language.
check_PROGRAMS += tests/requirement/test_requirement
tests_requirement_test_requirement_SOURCES = tests/requirement/test_requirement.c
tests_requirement_test_requirement_CFLAGS = $(TEST_CFLAGS)
tests_requirement_test_requirement_LDADD = $(TEST_INTERNAL_LIBS)
TESTS += tests/requirement/test_requirement tests/requirement/test_req_cli.sh
EXTRA_DIST += tests/requirement/test_req_cli.sh
