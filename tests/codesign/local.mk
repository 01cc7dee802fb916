# Tests of the signature format, signing and verification.
check_PROGRAMS += tests/codesign/test_format
tests_codesign_test_format_SOURCES = tests/codesign/test_format.c
tests_codesign_test_format_CFLAGS = $(TEST_CFLAGS)
tests_codesign_test_format_LDADD = $(TEST_INTERNAL_LIBS)
TESTS += tests/codesign/test_format

# libsignet-internal.la carries the library's internals and the signer.
check_PROGRAMS += tests/codesign/test_signing
tests_codesign_test_signing_SOURCES = tests/codesign/test_signing.c tests/test_pki.c tests/test_pki.h
tests_codesign_test_signing_CFLAGS = $(TEST_CFLAGS) $(LIBCRYPTO_CFLAGS) -I$(top_srcdir)/signing
tests_codesign_test_signing_LDADD = tests/libharness.la libsignet-internal.la $(CUNIT_LIBS) $(LIBCRYPTO_LIBS)
TESTS += tests/codesign/test_signing

TESTS += tests/codesign/test_cli.sh
EXTRA_DIST += tests/codesign/test_cli.sh
