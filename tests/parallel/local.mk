# Many at once: the pipeline (white box), signet_load_many() over the load
# fixtures, signet_preflight_many() and signet_host_load_bundles() over
# bundles assembled at run time, and signet-host with several operands.
check_PROGRAMS += tests/parallel/test_pipeline tests/parallel/test_many tests/parallel/test_bundles_many
tests_parallel_test_pipeline_SOURCES = tests/parallel/test_pipeline.c
tests_parallel_test_pipeline_CFLAGS = $(TEST_CFLAGS)
tests_parallel_test_pipeline_LDADD = $(TEST_INTERNAL_LIBS) -lpthread
tests_parallel_test_many_SOURCES = tests/parallel/test_many.c
tests_parallel_test_many_CFLAGS = $(TEST_CFLAGS)
tests_parallel_test_many_LDADD = $(TEST_LDADD) -lpthread
tests_parallel_test_bundles_many_SOURCES = tests/parallel/test_bundles_many.c
tests_parallel_test_bundles_many_CFLAGS = $(TEST_CFLAGS) -I$(top_srcdir)/tests/bundle
tests_parallel_test_bundles_many_LDADD = tests/bundle/libbundlefixture.la $(TEST_LDADD)
TESTS += tests/parallel/test_pipeline tests/parallel/test_many tests/parallel/test_bundles_many
TESTS += tests/parallel/test_host_many.sh
EXTRA_DIST += tests/parallel/test_host_many.sh
