# SPDX-License-Identifier: MIT
# Benchmarks: built by `make bench`, never run as tests (figures, not verdicts).
EXTRA_PROGRAMS += bench/bench_pagehash
bench_bench_pagehash_SOURCES = bench/bench_pagehash.c bench/bench_util.h
bench_bench_pagehash_LDADD = libsignet-internal.la $(LIBCRYPTO_LIBS)

# bench_load uses only the public API, and the `signet` tool of this build
# tree to make its CA and sign its libraries (see docs/benchmarks.md).
EXTRA_PROGRAMS += bench/bench_load
bench_bench_load_SOURCES = bench/bench_load.c bench/bench_util.h
bench_bench_load_CPPFLAGS = $(AM_CPPFLAGS) -DSIGNET_BUILDDIR=\"$(abs_top_builddir)\" \
	-DSIGNET_BENCH_CC=\"$(CC)\"
bench_bench_load_LDADD = libsignet.la -ldl
EXTRA_bench_bench_load_DEPENDENCIES = signet$(EXEEXT)

# bench_preflight: signet_preflight of N generated, signed bundles against a
# Qt/GStreamer-style dlopen + dlsym scan of the same libraries (public API;
# the build's `signet` makes its CA and signs; the plugin includes
# signet/plugin.h from the source tree).
EXTRA_PROGRAMS += bench/bench_preflight
bench_bench_preflight_SOURCES = bench/bench_preflight.c bench/bench_util.h bench/bench_bundles.h
bench_bench_preflight_CPPFLAGS = $(AM_CPPFLAGS) -DSIGNET_BUILDDIR=\"$(abs_top_builddir)\" \
	-DSIGNET_SRCDIR=\"$(abs_top_srcdir)\" -DSIGNET_BENCH_CC=\"$(CC)\"
bench_bench_preflight_LDADD = libsignet.la -ldl
EXTRA_bench_bench_preflight_DEPENDENCIES = signet$(EXEEXT)

# bench_connection: a call round trip against a raw socketpair ping-pong, and
# connection setup step by step. Linked with the library's objects (peers
# must be valid processes; docs/processes.md) and signed at run time.
EXTRA_PROGRAMS += bench/bench_connection
bench_bench_connection_SOURCES = bench/bench_connection.c bench/bench_util.h bench/bench_pingpong.h
bench_bench_connection_CPPFLAGS = $(AM_CPPFLAGS) -DSIGNET_BUILDDIR=\"$(abs_top_builddir)\"
bench_bench_connection_CFLAGS = $(AM_CFLAGS) $(LIBSYSTEMD_CFLAGS)
bench_bench_connection_LDADD = libsignet-internal.la $(LIBSYSTEMD_LIBS)
EXTRA_bench_bench_connection_DEPENDENCIES = signet$(EXEEXT)

# bench_isolation: an isolated guest's call round trip against in process and
# a raw socketpair, and its start against an in-process load plus a spawn
# (public API; the sample bundles, PKI and signed helper in plugins/).
EXTRA_PROGRAMS += bench/bench_isolation
bench_bench_isolation_SOURCES = bench/bench_isolation.c bench/bench_util.h bench/bench_pingpong.h
bench_bench_isolation_CPPFLAGS = $(AM_CPPFLAGS) -DSIGNET_BUILDDIR=\"$(abs_top_builddir)\"
bench_bench_isolation_LDADD = libsignet.la
EXTRA_bench_bench_isolation_DEPENDENCIES = plugins/signet-guest

# bench_many: N signed bundles preflighted, loaded as guests and their
# libraries loaded, at once (the batch calls) against one by one (public
# API; the bundles made as bench_preflight makes them).
EXTRA_PROGRAMS += bench/bench_many
bench_bench_many_SOURCES = bench/bench_many.c bench/bench_util.h bench/bench_bundles.h
bench_bench_many_CPPFLAGS = $(AM_CPPFLAGS) -DSIGNET_BUILDDIR=\"$(abs_top_builddir)\" \
	-DSIGNET_SRCDIR=\"$(abs_top_srcdir)\" -DSIGNET_BENCH_CC=\"$(CC)\"
bench_bench_many_LDADD = libsignet.la
EXTRA_bench_bench_many_DEPENDENCIES = signet$(EXEEXT)

# bench_audit: start-up of real programs plainly, under the audit module
# alone and under signet-run; calls after start-up (docs/audit.md). Runs the
# build's module, signet-run and signet; compiles tests/audit's program.
EXTRA_PROGRAMS += bench/bench_audit
bench_bench_audit_SOURCES = bench/bench_audit.c bench/bench_util.h
bench_bench_audit_CPPFLAGS = $(AM_CPPFLAGS) -DSIGNET_BUILDDIR=\"$(abs_top_builddir)\" \
	-DSIGNET_SRCDIR=\"$(abs_top_srcdir)\" -DSIGNET_BENCH_CC=\"$(CC)\" -DSIGNET_MULTIARCH=\"$(SIGNET_MULTIARCH)\"
EXTRA_bench_bench_audit_DEPENDENCIES = signet$(EXEEXT) signet-run$(EXEEXT) libsignet-audit.la

BENCHES = bench/bench_pagehash bench/bench_load bench/bench_preflight bench/bench_connection \
	bench/bench_isolation bench/bench_many bench/bench_audit
CLEANFILES += $(BENCHES)

.PHONY: bench
bench: $(BENCHES)
	@for b in $(BENCHES); do echo "== $$b"; ./$$b || exit 1; done
