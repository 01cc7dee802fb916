# Verified loading: fixtures (signed, unsigned, tampered, other team, other
# CA, with dependencies, hostile variants) and the tests that load them.
F = tests/fixtures
LOAD_FIXTURES = \
	$(F)/libunsigned.so $(F)/libteamz.so $(F)/librogue.so $(F)/libtampered.so \
	$(F)/libmarker.so $(F)/libmarker-z.so $(F)/libmarker-unsigned.so $(F)/libmarker-tampered.so \
	$(F)/app/deps/libdep.so.1 $(F)/app/libapp.so $(F)/plant/libdep.so.1 \
	$(F)/missing/libapp.so $(F)/unsigneddep/deps/libdep.so.1 $(F)/unsigneddep/libapp.so \
	$(F)/librace-a.so $(F)/librace-z.so $(F)/libcxx.so $(F)/sqlite/libsqlite3.so.0
check_DATA += $(LOAD_FIXTURES)
EXTRA_DIST += $(F)/marker.c $(F)/dep.c $(F)/app.c $(F)/race.c $(F)/cxxplugin.cc $(F)/outer.c
FLIP = printf '\377' | dd bs=1 seek=4200 conv=notrunc status=none of=

$(F)/libunsigned.so: $(srcdir)/$(F)/fixture.c
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(FIXTURE_LINK) -DFIXTURE_ID=100 -Wl,-soname,libunsigned.so -o $@ $<
$(F)/libteamz.so: $(srcdir)/$(F)/fixture.c $(TEST_PKI)
	$(AM_V_CCLD)$(FIXTURE_LINK) -DFIXTURE_ID=101 -Wl,-soname,libteamz.so -o $@.tmp $< && \
	$(SIGN_Z) --identifier org.signet.test.teamz $@.tmp >/dev/null && mv $@.tmp $@
$(F)/librogue.so: $(srcdir)/$(F)/fixture.c $(TEST_PKI)
	$(AM_V_CCLD)$(FIXTURE_LINK) -DFIXTURE_ID=102 -Wl,-soname,librogue.so -o $@.tmp $< && \
	$(SIGN_ROGUE) --identifier org.signet.test.rogue $@.tmp >/dev/null && mv $@.tmp $@
$(F)/libtampered.so: $(srcdir)/$(F)/race.c $(TEST_PKI)
	$(AM_V_CCLD)$(FIXTURE_LINK) -DRACE_VALUE=9 -Wl,-soname,libtampered.so -o $@.tmp $< && \
	$(SIGN_A) --identifier org.signet.test.tampered $@.tmp >/dev/null && $(FLIP)$@.tmp && mv $@.tmp $@

$(F)/libmarker.so: $(srcdir)/$(F)/marker.c $(TEST_PKI)
	$(AM_V_CCLD)$(FIXTURE_LINK) -Wl,-soname,libmarker.so -o $@.tmp $< && \
	$(SIGN_A) --identifier org.signet.test.marker $@.tmp >/dev/null && mv $@.tmp $@
$(F)/libmarker-z.so: $(srcdir)/$(F)/marker.c $(TEST_PKI)
	$(AM_V_CCLD)$(FIXTURE_LINK) -Wl,-soname,libmarker.so -o $@.tmp $< && \
	$(SIGN_Z) --identifier org.signet.test.marker $@.tmp >/dev/null && mv $@.tmp $@
$(F)/libmarker-unsigned.so: $(srcdir)/$(F)/marker.c
	$(AM_V_CCLD)$(FIXTURE_LINK) -Wl,-soname,libmarker.so -o $@ $<
$(F)/libmarker-tampered.so: $(srcdir)/$(F)/marker.c $(TEST_PKI)
	$(AM_V_CCLD)$(FIXTURE_LINK) -Wl,-soname,libmarker.so -o $@.tmp $< && \
	$(SIGN_A) --identifier org.signet.test.marker $@.tmp >/dev/null && $(FLIP)$@.tmp && mv $@.tmp $@

# libapp.so needs libdep.so.1, found through RUNPATH $ORIGIN/deps.
$(F)/app/deps/libdep.so.1: $(srcdir)/$(F)/dep.c $(TEST_PKI)
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(FIXTURE_LINK) -DDEP_VALUE=42 -Wl,-soname,libdep.so.1 -o $@.tmp $< && \
	$(SIGN_A) --identifier org.signet.test.dep $@.tmp >/dev/null && mv $@.tmp $@
$(F)/app/libapp.so: $(srcdir)/$(F)/app.c $(F)/app/deps/libdep.so.1 $(TEST_PKI)
	$(AM_V_CCLD)$(FIXTURE_LINK) -Wl,-soname,libapp.so -Wl,--enable-new-dtags -Wl,-rpath,'$$ORIGIN/deps' \
		-o $@.tmp $< -L$(F)/app/deps -l:libdep.so.1 && \
	$(SIGN_A) --identifier org.signet.test.app $@.tmp >/dev/null && mv $@.tmp $@
# An impostor for LD_LIBRARY_PATH and LD_PRELOAD: unsigned, returns 666.
$(F)/plant/libdep.so.1: $(srcdir)/$(F)/dep.c
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(FIXTURE_LINK) -DDEP_VALUE=666 -Wl,-soname,libdep.so.1 -o $@ $<
# The same app whose RUNPATH leads nowhere, and one whose dependency is unsigned.
$(F)/missing/libapp.so: $(srcdir)/$(F)/app.c $(F)/app/deps/libdep.so.1 $(TEST_PKI)
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(FIXTURE_LINK) -Wl,-soname,libapp.so -Wl,--enable-new-dtags \
		-Wl,-rpath,'$$ORIGIN/nowhere::relative/dir' -o $@.tmp $< -L$(F)/app/deps -l:libdep.so.1 && \
	$(SIGN_A) --identifier org.signet.test.app $@.tmp >/dev/null && mv $@.tmp $@
$(F)/unsigneddep/deps/libdep.so.1: $(srcdir)/$(F)/dep.c
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(FIXTURE_LINK) -DDEP_VALUE=7 -Wl,-soname,libdep.so.1 -o $@ $<
$(F)/unsigneddep/libapp.so: $(srcdir)/$(F)/app.c $(F)/unsigneddep/deps/libdep.so.1 $(TEST_PKI)
	$(AM_V_CCLD)$(FIXTURE_LINK) -Wl,-soname,libapp.so -Wl,--enable-new-dtags -Wl,-rpath,'$$ORIGIN/deps' \
		-o $@.tmp $< -L$(F)/unsigneddep/deps -l:libdep.so.1 && \
	$(SIGN_A) --identifier org.signet.test.app $@.tmp >/dev/null && mv $@.tmp $@

# Platform libraries with their own RUNPATH (test_platform_load copies them
# into a root-owned tree): libapp2.so (signed) needs libouter.so.1, which
# finds libinner.so.1 through RUNPATH $$ORIGIN/private. Both unsigned.
$(F)/plat/private/libinner.so.1: $(srcdir)/$(F)/dep.c
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(FIXTURE_LINK) -DDEP_VALUE=5 -Wl,-soname,libinner.so.1 -o $@ $<
$(F)/plat/libouter.so.1: $(srcdir)/$(F)/outer.c $(F)/plat/private/libinner.so.1
	$(AM_V_CCLD)$(FIXTURE_LINK) -Wl,-soname,libouter.so.1 -Wl,--enable-new-dtags -Wl,-rpath,'$$ORIGIN/private' \
		-o $@ $< -L$(F)/plat/private -l:libinner.so.1
$(F)/plat/libapp2.so: $(srcdir)/$(F)/app.c $(F)/plat/libouter.so.1 $(TEST_PKI)
	$(AM_V_CCLD)$(FIXTURE_LINK) -DAPP_CALLS=outer_value -Wl,-soname,libapp2.so -o $@.tmp $< \
		-L$(F)/plat -l:libouter.so.1 -Wl,-rpath-link,$(F)/plat/private && \
	$(SIGN_A) --identifier org.signet.test.app2 $@.tmp >/dev/null && mv $@.tmp $@
check_DATA += $(F)/plat/private/libinner.so.1 $(F)/plat/libouter.so.1 $(F)/plat/libapp2.so

$(F)/librace-a.so: $(srcdir)/$(F)/race.c $(TEST_PKI)
	$(AM_V_CCLD)$(FIXTURE_LINK) -DRACE_VALUE=1 -Wl,-soname,librace.so -o $@.tmp $< && \
	$(SIGN_A) --identifier org.signet.test.race $@.tmp >/dev/null && mv $@.tmp $@
$(F)/librace-z.so: $(srcdir)/$(F)/race.c $(TEST_PKI)
	$(AM_V_CCLD)$(FIXTURE_LINK) -DRACE_VALUE=2 -Wl,-soname,librace.so -o $@.tmp $< && \
	$(SIGN_Z) --identifier org.signet.test.race $@.tmp >/dev/null && mv $@.tmp $@
$(F)/libcxx.so: $(srcdir)/$(F)/cxxplugin.cc $(TEST_PKI)
	$(AM_V_CXXLD)$(CXX) $(CXXFLAGS) -std=c++17 -fPIC -shared -pthread -Wl,--build-id=sha1 -Wl,-soname,libcxx.so \
		-o $@.tmp $< && \
	$(SIGN_A) --identifier org.signet.test.cxx $@.tmp >/dev/null && mv $@.tmp $@
# A signed copy of a real Debian library.
$(F)/sqlite/libsqlite3.so.0: $(TEST_PKI)
	@$(MKDIR_P) $(@D)
	$(AM_V_GEN)cp /usr/lib/$(SIGNET_MULTIARCH)/libsqlite3.so.0 $@.tmp && \
	$(SIGN_A) --identifier org.sqlite.copy $@.tmp >/dev/null && mv $@.tmp $@

check_PROGRAMS += tests/load/test_load tests/load/load_child tests/load/test_snapshot tests/load/test_races
check_PROGRAMS += tests/load/test_platform_load
tests_load_test_platform_load_SOURCES = tests/load/test_platform_load.c
tests_load_test_platform_load_CFLAGS = $(TEST_CFLAGS)
tests_load_test_platform_load_LDADD = $(TEST_LDADD) -lpthread -ldl
TESTS += tests/load/test_platform_load
tests_load_test_races_SOURCES = tests/load/test_races.c
tests_load_test_races_CFLAGS = $(TEST_CFLAGS)
tests_load_test_races_LDADD = $(TEST_LDADD) -lpthread
tests_load_test_load_SOURCES = tests/load/test_load.c
tests_load_test_load_CFLAGS = $(TEST_CFLAGS)
tests_load_test_load_LDADD = $(TEST_LDADD) -lpthread
tests_load_load_child_SOURCES = tests/load/load_child.c
tests_load_load_child_CFLAGS = $(TEST_CFLAGS)
tests_load_load_child_LDADD = $(TEST_LDADD)
tests_load_test_snapshot_SOURCES = tests/load/test_snapshot.c
tests_load_test_snapshot_CFLAGS = $(TEST_CFLAGS)
tests_load_test_snapshot_LDADD = $(TEST_INTERNAL_LIBS)
TESTS += tests/load/test_load tests/load/test_snapshot tests/load/test_races

$(F)/libtrap.so: $(srcdir)/$(F)/trap.c $(TEST_PKI)
	$(AM_V_CCLD)$(FIXTURE_LINK) -g -O0 -Wl,-soname,libtrap.so -o $@.tmp $< && \
	$(SIGN_A) --identifier org.signet.test.trap $@.tmp >/dev/null && mv $@.tmp $@
check_DATA += $(F)/libtrap.so tests/signet-host
EXTRA_DIST += $(F)/trap.c tests/load/test_host_load.sh tests/load/test_built_host.sh

# A host signed by the test team, so `team = host` means ABCDE12345: a copy
# of the -no-install host (plugins/local.mk), never the built signet-host,
# which `make install` ships and which must stay the bytes the linker wrote.
tests/signet-host: plugins/signet-host-sample$(EXEEXT) $(TEST_PKI)
	$(AM_V_GEN)rm -f $@.tmp && cp plugins/signet-host-sample$(EXEEXT) $@.tmp && \
	$(SIGN_A) --identifier org.signet.host $@.tmp >/dev/null && mv $@.tmp $@
CLEANFILES += tests/signet-host
TESTS += tests/load/test_host_load.sh tests/load/test_built_host.sh
# Same soname (librace.so) as librace-a.so, another identifier: another image.
$(F)/librace-a2.so: $(srcdir)/$(F)/race.c $(TEST_PKI)
	$(AM_V_CCLD)$(FIXTURE_LINK) -DRACE_VALUE=1 -Wl,-soname,librace.so -o $@.tmp $< && \
	$(SIGN_A) --identifier org.signet.test.race2 $@.tmp >/dev/null && mv $@.tmp $@
check_DATA += $(F)/librace-a2.so

# Real names for debuggers (docs/loading.md, "Debugging"): a child that
# loads libtrap.so and waits, attached and dumped by gdb. -no-install: gdb
# must see the program itself, not libtool's wrapper script.
check_PROGRAMS += tests/load/debug_child
tests_load_debug_child_SOURCES = tests/load/debug_child.c
tests_load_debug_child_CFLAGS = $(TEST_CFLAGS)
tests_load_debug_child_LDADD = $(TEST_LDADD) -ldl
tests_load_debug_child_LDFLAGS = -no-install
TESTS += tests/load/test_debug_names.sh tests/load/test_startup_identity.sh
EXTRA_DIST += tests/load/test_debug_names.sh tests/load/test_startup_identity.sh
