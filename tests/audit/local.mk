# --- the audit module and signet-run (docs/audit.md) ---
# test_audit.sh builds its program and libraries with $(CC) and signs them
# with the test PKI; it needs the module and both tools built.
TESTS += tests/audit/test_audit.sh
EXTRA_DIST += tests/audit/test_audit.sh tests/audit/auditlib.c tests/audit/audit_prog.c
# The judge, called directly: runs under the sanitizers too.
check_PROGRAMS += tests/audit/test_judge
tests_audit_test_judge_SOURCES = tests/audit/test_judge.c
tests_audit_test_judge_CFLAGS = $(TEST_CFLAGS)
tests_audit_test_judge_LDADD = $(TEST_INTERNAL_LIBS) -ldl
TESTS += tests/audit/test_judge
