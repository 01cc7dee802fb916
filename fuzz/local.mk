# SPDX-License-Identifier: MIT
# Fuzz targets (libFuzzer) and their seed-corpus replay under make check.
#
# Each target is fuzz/fuzz_NAME.c defining LLVMFuzzerTestOneInput, with its
# seeds in fuzz/corpus/NAME/. Under `make check` it is linked with
# fuzz/replay_main.c (a main() that feeds every seed to the target) and run
# as a test; fuzz/run.sh NAME SECONDS builds the same file with clang's
# libFuzzer and fuzzes for real (fuzz/README.md). To add a target, copy the
# four lines below and the corpus directory.
FUZZ_REPLAY_CFLAGS = $(AM_CFLAGS)

check_PROGRAMS += fuzz/replay_requirement
fuzz_replay_requirement_SOURCES = fuzz/fuzz_requirement.c fuzz/replay_main.c
fuzz_replay_requirement_CFLAGS = $(FUZZ_REPLAY_CFLAGS) -DFUZZ_TARGET='"requirement"'
fuzz_replay_requirement_LDADD = libsignet-internal.la
TESTS += fuzz/replay_requirement

EXTRA_DIST += fuzz/README.md fuzz/run.sh fuzz/corpus fuzz/requirement.dict

check_PROGRAMS += fuzz/replay_signature
fuzz_replay_signature_SOURCES = fuzz/fuzz_signature.c fuzz/replay_main.c
fuzz_replay_signature_CFLAGS = $(FUZZ_REPLAY_CFLAGS) -DFUZZ_TARGET='"signature"'
fuzz_replay_signature_LDADD = libsignet-internal.la
TESTS += fuzz/replay_signature

check_PROGRAMS += fuzz/replay_elf
fuzz_replay_elf_SOURCES = fuzz/fuzz_elf.c fuzz/replay_main.c
fuzz_replay_elf_CFLAGS = $(FUZZ_REPLAY_CFLAGS) -DFUZZ_TARGET='"elf"'
fuzz_replay_elf_LDADD = libsignet-internal.la
TESTS += fuzz/replay_elf

check_PROGRAMS += fuzz/replay_manifest
fuzz_replay_manifest_SOURCES = fuzz/fuzz_manifest.c fuzz/replay_main.c
fuzz_replay_manifest_CFLAGS = $(FUZZ_REPLAY_CFLAGS) -DFUZZ_TARGET='"manifest"'
fuzz_replay_manifest_LDADD = libsignet-internal.la
TESTS += fuzz/replay_manifest

check_PROGRAMS += fuzz/replay_seal
fuzz_replay_seal_SOURCES = fuzz/fuzz_seal.c fuzz/replay_main.c
fuzz_replay_seal_CFLAGS = $(FUZZ_REPLAY_CFLAGS) -DFUZZ_TARGET='"seal"'
fuzz_replay_seal_LDADD = libsignet-internal.la
TESTS += fuzz/replay_seal

check_PROGRAMS += fuzz/replay_maps
fuzz_replay_maps_SOURCES = fuzz/fuzz_maps.c fuzz/replay_main.c
fuzz_replay_maps_CFLAGS = $(FUZZ_REPLAY_CFLAGS) -DFUZZ_TARGET='"maps"'
fuzz_replay_maps_LDADD = libsignet-internal.la
TESTS += fuzz/replay_maps

check_PROGRAMS += fuzz/replay_quarantine
fuzz_replay_quarantine_SOURCES = fuzz/fuzz_quarantine.c fuzz/replay_main.c
fuzz_replay_quarantine_CFLAGS = $(FUZZ_REPLAY_CFLAGS) -DFUZZ_TARGET='"quarantine"'
fuzz_replay_quarantine_LDADD = libsignet-internal.la
TESTS += fuzz/replay_quarantine

# wire: sd-bus itself reads the bytes (fuzz/README.md), so it links libsystemd.
check_PROGRAMS += fuzz/replay_wire
fuzz_replay_wire_SOURCES = fuzz/fuzz_wire.c fuzz/wire_palette.h fuzz/replay_main.c
fuzz_replay_wire_CFLAGS = $(FUZZ_REPLAY_CFLAGS) $(LIBSYSTEMD_CFLAGS) -DFUZZ_TARGET='"wire"'
fuzz_replay_wire_LDADD = libsignet-internal.la $(LIBSYSTEMD_LIBS)
TESTS += fuzz/replay_wire

# Writes fuzz/corpus/wire/ (run by hand: fuzz/README.md); built with the
# tests so that it keeps compiling.
check_PROGRAMS += fuzz/make_wire_seeds
fuzz_make_wire_seeds_SOURCES = fuzz/make_wire_seeds.c fuzz/wire_palette.h
fuzz_make_wire_seeds_CFLAGS = $(AM_CFLAGS) $(LIBSYSTEMD_CFLAGS)
fuzz_make_wire_seeds_LDADD = libsignet-internal.la $(LIBSYSTEMD_LIBS)

check_PROGRAMS += fuzz/replay_sandbox_report
fuzz_replay_sandbox_report_SOURCES = fuzz/fuzz_sandbox_report.c fuzz/replay_main.c
fuzz_replay_sandbox_report_CFLAGS = $(FUZZ_REPLAY_CFLAGS) -DFUZZ_TARGET='"sandbox_report"'
fuzz_replay_sandbox_report_LDADD = libsignet-internal.la
TESTS += fuzz/replay_sandbox_report

check_PROGRAMS += fuzz/replay_revlist
fuzz_replay_revlist_SOURCES = fuzz/fuzz_revlist.c fuzz/revlist_check.h fuzz/replay_main.c
fuzz_replay_revlist_CFLAGS = $(FUZZ_REPLAY_CFLAGS) -DFUZZ_TARGET='"revlist"'
fuzz_replay_revlist_LDADD = libsignet-internal.la
TESTS += fuzz/replay_revlist

check_PROGRAMS += fuzz/replay_trust_bundle
fuzz_replay_trust_bundle_SOURCES = fuzz/fuzz_trust_bundle.c fuzz/revlist_check.h fuzz/replay_main.c
fuzz_replay_trust_bundle_CFLAGS = $(FUZZ_REPLAY_CFLAGS) $(LIBCRYPTO_CFLAGS) -DFUZZ_TARGET='"trust_bundle"'
fuzz_replay_trust_bundle_LDADD = libsignet-internal.la $(LIBCRYPTO_LIBS)
TESTS += fuzz/replay_trust_bundle
