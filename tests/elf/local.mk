# SPDX-License-Identifier: MIT
# Tests of ELF validation, loadability and the dynamic-section reader.
check_PROGRAMS += tests/elf/test_elf
tests_elf_test_elf_SOURCES = tests/elf/test_elf.c
tests_elf_test_elf_CFLAGS = $(TEST_CFLAGS)
tests_elf_test_elf_LDADD = $(TEST_INTERNAL_LIBS)
TESTS += tests/elf/test_elf
