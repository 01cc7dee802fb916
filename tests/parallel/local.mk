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

# docs/loading.md's C block ("Many at once"), built as it stands inside a
# small program; test_host_many.sh runs it.
check_PROGRAMS += tests/parallel/doc_many
tests_parallel_doc_many_SOURCES = tests/parallel/doc_many_main.c
tests_parallel_doc_many_CFLAGS = $(AM_CFLAGS) -I$(top_builddir)/tests/parallel
tests_parallel_doc_many_LDADD = libsignet.la
tests/parallel/doc_many.inc: $(srcdir)/docs/loading.md
	$(AM_V_GEN)$(MKDIR_P) tests/parallel && awk '/^## Many at once/ { want = 1 } \
		want && /^```c$$/ { inside = 1; next } inside && /^```$$/ { exit } inside' \
		$(srcdir)/docs/loading.md >$@.tmp && test -s $@.tmp && mv $@.tmp $@
tests/parallel/doc_many-doc_many_main.$(OBJEXT): tests/parallel/doc_many.inc
CLEANFILES += tests/parallel/doc_many.inc
