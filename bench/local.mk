# Benchmarks: built by `make bench`, never run as tests (figures, not verdicts).
EXTRA_PROGRAMS += bench/bench_pagehash
bench_bench_pagehash_SOURCES = bench/bench_pagehash.c
bench_bench_pagehash_LDADD = libsignet-internal.la $(LIBCRYPTO_LIBS)
BENCHES = bench/bench_pagehash
CLEANFILES += $(BENCHES)

.PHONY: bench
bench: $(BENCHES)
	@for b in $(BENCHES); do echo "== $$b"; ./$$b || exit 1; done
