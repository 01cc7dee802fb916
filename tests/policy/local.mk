# SPDX-License-Identifier: MIT
# Tests of the load policy. libsignet-internal.la carries the library's
# internals and the writing side (pki.c makes certificates at run time).
check_PROGRAMS += tests/policy/test_policy
tests_policy_test_policy_SOURCES = tests/policy/test_policy.c tests/test_pki.c tests/test_pki.h
tests_policy_test_policy_CFLAGS = $(TEST_CFLAGS) $(LIBCRYPTO_CFLAGS) -I$(top_srcdir)/signing
tests_policy_test_policy_LDADD = tests/libharness.la libsignet-internal.la $(CUNIT_LIBS) $(LIBCRYPTO_LIBS)
TESTS += tests/policy/test_policy

# The entitlements a signature carries, and what the policy grants of them.
check_PROGRAMS += tests/policy/test_entitlements
tests_policy_test_entitlements_SOURCES = tests/policy/test_entitlements.c tests/test_pki.c tests/test_pki.h
tests_policy_test_entitlements_CFLAGS = $(TEST_CFLAGS) $(LIBCRYPTO_CFLAGS) -I$(top_srcdir)/signing
tests_policy_test_entitlements_LDADD = tests/libharness.la libsignet-internal.la $(CUNIT_LIBS) $(LIBCRYPTO_LIBS)
TESTS += tests/policy/test_entitlements

# Offline revocation: signed revocation lists and CRLs (docs/revocation.md).
check_PROGRAMS += tests/policy/test_revocation
tests_policy_test_revocation_SOURCES = tests/policy/test_revocation.c tests/test_pki.c tests/test_pki.h
tests_policy_test_revocation_CFLAGS = $(TEST_CFLAGS) $(LIBCRYPTO_CFLAGS) $(JANSSON_CFLAGS) -I$(top_srcdir)/signing
tests_policy_test_revocation_LDADD = tests/libharness.la libsignet-internal.la $(CUNIT_LIBS) $(LIBCRYPTO_LIBS) $(JANSSON_LIBS)
TESTS += tests/policy/test_revocation
TESTS += tests/policy/test_revoke_cli.sh tests/policy/test_trust_bundle.sh
EXTRA_DIST += tests/policy/test_revoke_cli.sh tests/policy/test_trust_bundle.sh
