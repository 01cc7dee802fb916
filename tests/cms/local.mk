# SPDX-License-Identifier: MIT
# Tests of CMS, certificates and trust (white-box: internal library + signing/pki.c).
CMS_TEST_CFLAGS = $(TEST_CFLAGS) $(LIBCRYPTO_CFLAGS) -I$(top_srcdir)/signing
CMS_TEST_LDADD = $(TEST_INTERNAL_LIBS) $(LIBCRYPTO_LIBS)

check_PROGRAMS += tests/cms/test_cms tests/cms/test_trust tests/cms/test_chain_cache tests/cms/test_timestamp
tests_cms_test_timestamp_SOURCES = tests/cms/test_timestamp.c tests/cms/cms_fixture.c tests/cms/cms_fixture.h
tests_cms_test_timestamp_CFLAGS = $(CMS_TEST_CFLAGS)
tests_cms_test_timestamp_LDADD = $(CMS_TEST_LDADD)
tests_cms_test_cms_SOURCES = tests/cms/test_cms.c tests/cms/cms_fixture.c tests/cms/cms_fixture.h \
	tests/test_pki.c tests/test_pki.h
tests_cms_test_cms_CFLAGS = $(CMS_TEST_CFLAGS)
tests_cms_test_cms_LDADD = $(CMS_TEST_LDADD)
tests_cms_test_trust_SOURCES = tests/cms/test_trust.c tests/cms/cms_fixture.c tests/cms/cms_fixture.h
tests_cms_test_trust_CFLAGS = $(CMS_TEST_CFLAGS)
tests_cms_test_trust_LDADD = $(CMS_TEST_LDADD)
tests_cms_test_chain_cache_SOURCES = tests/cms/test_chain_cache.c tests/cms/cms_fixture.c tests/cms/cms_fixture.h
tests_cms_test_chain_cache_CFLAGS = $(CMS_TEST_CFLAGS)
tests_cms_test_chain_cache_LDADD = $(CMS_TEST_LDADD) -lpthread
TESTS += tests/cms/test_cms tests/cms/test_trust tests/cms/test_chain_cache tests/cms/test_ca.sh
EXTRA_DIST += tests/cms/test_ca.sh
# RFC 3161 timestamps end to end, with a local TSA (openssl ts behind tsa_server.py)
TESTS += tests/cms/test_timestamp tests/cms/test_timestamp.sh
EXTRA_DIST += tests/cms/test_timestamp.sh tests/cms/tsa_server.py
