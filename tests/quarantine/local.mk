# SPDX-License-Identifier: MIT
# The quarantine store (tests/quarantine/test_quarantine.c), and
# `signet-host quarantine` and the `list` marker on the sample bundles,
# quarantined through the public API by record_crash.
check_PROGRAMS += tests/quarantine/test_quarantine tests/quarantine/record_crash
tests_quarantine_test_quarantine_SOURCES = tests/quarantine/test_quarantine.c
tests_quarantine_test_quarantine_CFLAGS = $(TEST_CFLAGS)
tests_quarantine_test_quarantine_LDADD = $(TEST_LDADD)
tests_quarantine_record_crash_SOURCES = tests/quarantine/record_crash.c
tests_quarantine_record_crash_LDADD = libsignet.la
TESTS += tests/quarantine/test_quarantine tests/quarantine/test_quarantine_cli.sh
EXTRA_DIST += tests/quarantine/test_quarantine_cli.sh
