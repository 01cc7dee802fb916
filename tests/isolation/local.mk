# Isolated guests through the public API, over the sample bundles and the
# signed guest helper the build makes in plugins/ (docs/isolation.md).
check_PROGRAMS += tests/isolation/test_isolation
tests_isolation_test_isolation_SOURCES = tests/isolation/test_isolation.c
tests_isolation_test_isolation_CFLAGS = $(TEST_CFLAGS)
tests_isolation_test_isolation_LDADD = $(TEST_LDADD)
TESTS += tests/isolation/test_isolation

# Helpers that are the helper in name only (evil_guest.c), one program per
# misbehaviour, linked like the real helper and signed by the sample team
# as org.signet.guest, so that a host starts them and meets the misdeed.
TI = tests/isolation
check_PROGRAMS += tests/isolation/evil_garbage tests/isolation/evil_wrongreply tests/isolation/evil_flood \
	tests/isolation/evil_silent
tests_isolation_evil_garbage_SOURCES = tests/isolation/evil_guest.c
tests_isolation_evil_garbage_CPPFLAGS = $(AM_CPPFLAGS) -DEVIL_MODE=1
tests_isolation_evil_garbage_LDADD = libsignet-internal.la
tests_isolation_evil_wrongreply_SOURCES = tests/isolation/evil_guest.c
tests_isolation_evil_wrongreply_CPPFLAGS = $(AM_CPPFLAGS) -DEVIL_MODE=2
tests_isolation_evil_wrongreply_LDADD = libsignet-internal.la
tests_isolation_evil_flood_SOURCES = tests/isolation/evil_guest.c
tests_isolation_evil_flood_CPPFLAGS = $(AM_CPPFLAGS) -DEVIL_MODE=3
tests_isolation_evil_flood_LDADD = libsignet-internal.la
tests_isolation_evil_silent_SOURCES = tests/isolation/evil_guest.c
tests_isolation_evil_silent_CPPFLAGS = $(AM_CPPFLAGS) -DEVIL_MODE=4
tests_isolation_evil_silent_LDADD = libsignet-internal.la
$(TI)/evil-%: $(TI)/evil_%$(EXEEXT) $(SP_PKI) | signet$(EXEEXT)
	$(AM_V_GEN)rm -f $@.tmp && cp $(TI)/evil_$*$(EXEEXT) $@.tmp && \
	./signet sign $(SP_SIGN_A) --identifier org.signet.guest $@.tmp >/dev/null && mv $@.tmp $@
check_DATA += $(TI)/evil-garbage $(TI)/evil-wrongreply $(TI)/evil-flood $(TI)/evil-silent
CLEANFILES += $(TI)/evil-garbage $(TI)/evil-wrongreply $(TI)/evil-flood $(TI)/evil-silent

# docs/isolation.md's C block ("From C, per host or per load"), built as it
# stands inside a small program (doc_snippet_main.c gives it a policy, a
# host, a guest and fail()); tests/hostapp/test_isolate.sh runs it.
check_PROGRAMS += tests/isolation/doc_snippet
tests_isolation_doc_snippet_SOURCES = tests/isolation/doc_snippet_main.c
tests_isolation_doc_snippet_CFLAGS = $(AM_CFLAGS) -I$(top_builddir)/tests/isolation
tests_isolation_doc_snippet_LDADD = libsignet.la
tests/isolation/doc_snippet.inc: $(srcdir)/docs/isolation.md
	$(AM_V_GEN)$(MKDIR_P) tests/isolation && awk '/^From C, per host or per load/ { want = 1 } \
		want && /^```c$$/ { inside = 1; next } inside && /^```$$/ { exit } inside' \
		$(srcdir)/docs/isolation.md >$@.tmp && test -s $@.tmp && mv $@.tmp $@
tests/isolation/tests_isolation_doc_snippet-doc_snippet_main.$(OBJEXT): tests/isolation/doc_snippet.inc
CLEANFILES += tests/isolation/doc_snippet.inc
