# SPDX-License-Identifier: MIT
# The sandbox of isolated guests (docs/isolation.md): children that apply a
# spec and try one thing each, on the real kernel.
check_PROGRAMS += tests/sandbox/test_sandbox
tests_sandbox_test_sandbox_SOURCES = tests/sandbox/test_sandbox.c
tests_sandbox_test_sandbox_CFLAGS = $(TEST_CFLAGS)
tests_sandbox_test_sandbox_LDADD = $(TEST_INTERNAL_LIBS)
TESTS += tests/sandbox/test_sandbox
