# Connections between processes. The test program is its own peer: it is
# linked with the library's objects (a build-tree libsignet.so would make
# its processes invalid to their peers) as connection_test (unsigned), and
# copied and signed here as test_connection (team ABCDE12345, the test that
# runs) and test_connection-z (team ZZZZZ99999). activate emulates systemd's
# socket activation for the serve tests.
TC = tests/connection
check_PROGRAMS += tests/connection/connection_test tests/connection/activate
tests_connection_connection_test_SOURCES = tests/connection/test_connection.c
tests_connection_connection_test_CFLAGS = $(TEST_CFLAGS) $(LIBSYSTEMD_CFLAGS)
tests_connection_connection_test_LDADD = $(TEST_INTERNAL_LIBS) $(LIBSYSTEMD_LIBS)
tests_connection_activate_SOURCES = tests/connection/activate.c

$(TC)/test_connection: $(TC)/connection_test$(EXEEXT) $(TEST_PKI)
	$(AM_V_GEN)rm -f $@.tmp && cp $(TC)/connection_test$(EXEEXT) $@.tmp && \
	$(SIGN_A) --identifier org.signet.test.connection $@.tmp >/dev/null && mv $@.tmp $@
$(TC)/test_connection-z: $(TC)/connection_test$(EXEEXT) $(TEST_PKI)
	$(AM_V_GEN)rm -f $@.tmp && cp $(TC)/connection_test$(EXEEXT) $@.tmp && \
	$(SIGN_Z) --identifier org.signet.test.connection $@.tmp >/dev/null && mv $@.tmp $@
check_DATA += $(TC)/test_connection $(TC)/test_connection-z
CLEANFILES += $(TC)/test_connection $(TC)/test_connection-z
TESTS += $(TC)/test_connection

# The C client shown in docs/connections.md, extracted from the page as it
# stands (the first ```c block after "## A client in C"), built against the
# library's objects and signed by the sample team so that
# tests/hostapp/test_serve.sh runs it against `signet-host serve`.
check_PROGRAMS += tests/connection/doc_client
nodist_tests_connection_doc_client_SOURCES = tests/connection/doc_client.c
tests_connection_doc_client_CFLAGS = $(AM_CFLAGS)
tests_connection_doc_client_LDADD = libsignet-internal.la $(LIBSYSTEMD_LIBS)
$(TC)/doc_client.c: $(srcdir)/docs/connections.md
	$(AM_V_GEN)$(MKDIR_P) $(TC) && awk '/^## A client in C/ { want = 1 } \
		want && /^```c$$/ { inside = 1; next } inside && /^```$$/ { exit } inside' \
		$(srcdir)/docs/connections.md >$@.tmp && test -s $@.tmp && mv $@.tmp $@
$(TC)/doc_client-signed: $(TC)/doc_client$(EXEEXT) $(SP_PKI) | signet$(EXEEXT)
	$(AM_V_GEN)rm -f $@.tmp && cp $(TC)/doc_client$(EXEEXT) $@.tmp && \
	./signet sign $(SP_SIGN_A) --identifier org.signet.example.rot13-client $@.tmp >/dev/null && mv $@.tmp $@
check_DATA += $(TC)/doc_client-signed
CLEANFILES += $(TC)/doc_client.c $(TC)/doc_client-signed
