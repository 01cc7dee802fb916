# SPDX-License-Identifier: MIT
# Process code identity (docs/processes.md). peer_child is the process the
# tests inspect: unsigned as built, and copied signed by team A (peer-a) and
# team Z (peer-z). It links the library statically, so that every file it
# maps is a platform library or itself.
check_PROGRAMS += tests/process/peer_child
tests_process_peer_child_SOURCES = tests/process/peer_child.c
tests_process_peer_child_LDADD = libsignet-internal.la

tests/process/peer-a: tests/process/peer_child$(EXEEXT) $(TEST_PKI)
	$(AM_V_GEN)rm -f $@.tmp && cp tests/process/peer_child$(EXEEXT) $@.tmp && \
	$(SIGN_A) --identifier org.signet.test.peer $@.tmp >/dev/null && mv $@.tmp $@
tests/process/peer-z: tests/process/peer_child$(EXEEXT) $(TEST_PKI)
	$(AM_V_GEN)rm -f $@.tmp && cp tests/process/peer_child$(EXEEXT) $@.tmp && \
	$(SIGN_Z) --identifier org.signet.test.peer-z $@.tmp >/dev/null && mv $@.tmp $@
check_DATA += tests/process/peer-a tests/process/peer-z
CLEANFILES += tests/process/peer-a tests/process/peer-z

check_PROGRAMS += tests/process/test_process
tests_process_test_process_SOURCES = tests/process/test_process.c
tests_process_test_process_CFLAGS = $(TEST_CFLAGS)
tests_process_test_process_LDADD = $(TEST_INTERNAL_LIBS)
TESTS += tests/process/test_process

TESTS += tests/process/test_cli_pid.sh
EXTRA_DIST += tests/process/test_cli_pid.sh
