# Sample plugin bundles (issue 6): built and signed by the build.
# docs/plugins-samples.md describes each bundle, the PKI and the sample host.
# Everything is made in the build directory under plugins/ by `make` and
# removed by `make clean`; nothing is ever written into $(srcdir).
SP = plugins
SP_SRC = $(srcdir)/plugins

# --- the development PKI (never committed), made only when absent ---
# A root CA with two teams, and an unrelated "rogue" CA whose leaf claims
# team A. The rogue CA has its own stamp, so each is made only when absent.
# Both roots get the same name on purpose (the default would give each its
# own): the rogue one is an impostor, refused by its key, not by its name.
SP_ROOT_NAME = --name "Signet Development Root CA"
SP_PKI = $(SP)/pki/stamp
SP_ROGUE = $(SP)/pki/rogue/stamp
$(SP_PKI): | signet$(EXEEXT)
	@$(MKDIR_P) $(SP)
	@rm -f $(SP)/pki/root.key $(SP)/pki/root.pem $(SP)/pki/ABCDE12345.* $(SP)/pki/ZZZZZ99999.*
	$(AM_V_GEN)./signet ca init $(SP_ROOT_NAME) $(SP)/pki >/dev/null && \
	./signet ca issue --team ABCDE12345 --name "Signet Sample Team" $(SP)/pki >/dev/null && \
	./signet ca issue --team ZZZZZ99999 --name "Signet Sample Team Z" $(SP)/pki >/dev/null && \
	touch $@
$(SP_ROGUE): | $(SP_PKI) signet$(EXEEXT)
	@rm -rf $(SP)/pki/rogue
	$(AM_V_GEN)./signet ca init $(SP_ROOT_NAME) $(SP)/pki/rogue >/dev/null && \
	./signet ca issue --team ABCDE12345 --name "Rogue" $(SP)/pki/rogue >/dev/null && \
	touch $@
SP_SIGN_A = --key $(SP)/pki/ABCDE12345.key --cert $(SP)/pki/ABCDE12345.pem
SP_SIGN_Z = --key $(SP)/pki/ZZZZZ99999.key --cert $(SP)/pki/ZZZZZ99999.pem
SP_SIGN_ROGUE = --key $(SP)/pki/rogue/ABCDE12345.key --cert $(SP)/pki/rogue/ABCDE12345.pem

# --- the plugins' executables and library, unsigned, in plugins/obj/ ---
# Plugins need only <signet/plugin.h>: no library, no config.h.
SP_HDRS = $(top_srcdir)/include/signet/plugin.h $(SP_SRC)/common/sample_buffer.h
SP_INCLUDES = $(CPPFLAGS) -I$(top_srcdir)/include -I$(SP_SRC)/common
SP_SHARED = -fPIC -shared $(LDFLAGS) -Wl,--build-id=sha1 -Wl,-z,now
SP_LINK = $(CC) $(SP_INCLUDES) $(SIGNET_CFLAGS) $(CFLAGS) $(SP_SHARED)
# SIGNET_CFLAGS is C-only (-std=c11, -Wstrict-prototypes...): C++ gets its
# own set, and -Werror exactly when configure put it into SIGNET_CFLAGS.
SP_CXXLINK = $(CXX) $(SP_INCLUDES) -std=c++17 -Wall -Wextra -Wshadow -fvisibility=hidden \
	$(filter -Werror,$(SIGNET_CFLAGS)) $(CXXFLAGS) $(SP_SHARED)

# automake defines no silent-rule variable for C++ links here: our own.
sp_v_CXXLD = $(sp__v_CXXLD_@AM_V@)
sp__v_CXXLD_ = $(sp__v_CXXLD_@AM_DEFAULT_V@)
sp__v_CXXLD_0 = @echo "  CXXLD   " $@;
sp__v_CXXLD_1 =

$(SP)/obj/rot13.so: $(SP_SRC)/rot13/rot13.c $(SP_HDRS)
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(SP_LINK) -Wl,-soname,rot13.so -o $@ $(SP_SRC)/rot13/rot13.c
$(SP)/obj/upper.so: $(SP_SRC)/upper/upper.c $(SP_HDRS)
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(SP_LINK) -Wl,-soname,upper.so -o $@ $(SP_SRC)/upper/upper.c
$(SP)/obj/wordcount.so: $(SP_SRC)/wordcount/wordcount.c $(SP_HDRS)
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(SP_LINK) -Wl,-soname,wordcount.so -o $@ $(SP_SRC)/wordcount/wordcount.c
$(SP)/obj/hello.so: $(SP_SRC)/hello/hello.c $(SP_HDRS)
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(SP_LINK) -Wl,-soname,hello.so -o $@ $(SP_SRC)/hello/hello.c
$(SP)/obj/crash.so: $(SP_SRC)/crash/crash.c $(SP_HDRS)
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(SP_LINK) -Wl,-soname,crash.so -o $@ $(SP_SRC)/crash/crash.c
# C++ through the C++ driver: libstdc++ and libgcc_s come from the platform.
$(SP)/obj/cpp.so: $(SP_SRC)/cpp/cpp.cc $(SP_HDRS)
	@$(MKDIR_P) $(@D)
	$(sp_v_CXXLD)$(SP_CXXLINK) -Wl,-soname,cpp.so -o $@ $(SP_SRC)/cpp/cpp.cc
# deps.so needs libsampledep.so.1, found next to it through RUNPATH $ORIGIN.
$(SP)/obj/libsampledep.so.1: $(SP_SRC)/deps/sampledep.c $(SP_SRC)/deps/sampledep.h
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(SP_LINK) -Wl,-soname,libsampledep.so.1 -o $@ $(SP_SRC)/deps/sampledep.c
$(SP)/obj/deps.so: $(SP_SRC)/deps/deps.c $(SP_SRC)/deps/sampledep.h $(SP_HDRS) $(SP)/obj/libsampledep.so.1
	@$(MKDIR_P) $(@D)
	$(AM_V_CCLD)$(SP_LINK) -I$(SP_SRC)/deps -Wl,-soname,deps.so -Wl,--enable-new-dtags -Wl,-rpath,'$$ORIGIN' \
		-o $@ $(SP_SRC)/deps/deps.c $(SP)/obj/libsampledep.so.1

# --- the bundles (make-bundle.sh: assemble in OUT.tmp, sign, rename) ---
SP_MAKE_BUNDLE = $(SHELL) $(SP_SRC)/make-bundle.sh --signet ./signet$(EXEEXT)
SP_DEPS = $(SP_SRC)/make-bundle.sh $(SP_PKI)

SP_GOOD = $(SP)/Rot13.bundle $(SP)/Upper.bundle $(SP)/WordCount.bundle $(SP)/Cpp.bundle \
	$(SP)/Deps.bundle $(SP)/Hello.bundle
# The misbehaving guest, and the same executable signed with entitlements:
# each loads in process; isolation is what tells them apart.
SP_CRASH = $(SP)/Crash.bundle $(SP)/Crash-net.bundle $(SP)/Crash-files.bundle $(SP)/Crash-unknown.bundle
SP_HOSTILE = $(SP)/Tampered.bundle $(SP)/OtherTeam.bundle $(SP)/Untrusted.bundle \
	$(SP)/Unsigned.bundle $(SP)/Escape.bundle $(SP)/NoClass.bundle

$(SP)/Rot13.bundle: $(SP_SRC)/rot13/manifest.json $(SP)/obj/rot13.so $(SP_DEPS) | signet$(EXEEXT)
	$(AM_V_GEN)$(SP_MAKE_BUNDLE) $(SP_SIGN_A) --manifest $(SP_SRC)/rot13/manifest.json \
		--file $(SP)/obj/rot13.so=lib/rot13.so $@
$(SP)/Upper.bundle: $(SP_SRC)/upper/manifest.json $(SP)/obj/upper.so $(SP_DEPS) | signet$(EXEEXT)
	$(AM_V_GEN)$(SP_MAKE_BUNDLE) $(SP_SIGN_A) --manifest $(SP_SRC)/upper/manifest.json \
		--file $(SP)/obj/upper.so=lib/upper.so $@
$(SP)/WordCount.bundle: $(SP_SRC)/wordcount/manifest.json $(SP)/obj/wordcount.so $(SP_DEPS) | signet$(EXEEXT)
	$(AM_V_GEN)$(SP_MAKE_BUNDLE) $(SP_SIGN_A) --manifest $(SP_SRC)/wordcount/manifest.json \
		--file $(SP)/obj/wordcount.so=lib/wordcount.so $@
$(SP)/Cpp.bundle: $(SP_SRC)/cpp/manifest.json $(SP)/obj/cpp.so $(SP_DEPS) | signet$(EXEEXT)
	$(AM_V_GEN)$(SP_MAKE_BUNDLE) $(SP_SIGN_A) --manifest $(SP_SRC)/cpp/manifest.json \
		--file $(SP)/obj/cpp.so=lib/cpp.so $@
$(SP)/Deps.bundle: $(SP_SRC)/deps/manifest.json $(SP)/obj/deps.so $(SP)/obj/libsampledep.so.1 $(SP_DEPS) \
		| signet$(EXEEXT)
	$(AM_V_GEN)$(SP_MAKE_BUNDLE) $(SP_SIGN_A) --manifest $(SP_SRC)/deps/manifest.json \
		--file $(SP)/obj/deps.so=lib/deps.so --file $(SP)/obj/libsampledep.so.1=lib/libsampledep.so.1 $@
$(SP)/Hello.bundle: $(SP_SRC)/hello/manifest.json $(SP)/obj/hello.so $(SP_DEPS) | signet$(EXEEXT)
	$(AM_V_GEN)$(SP_MAKE_BUNDLE) $(SP_SIGN_A) --manifest $(SP_SRC)/hello/manifest.json \
		--file $(SP)/obj/hello.so=lib/hello.so $@

$(SP)/Crash.bundle: $(SP_SRC)/crash/manifest.json $(SP)/obj/crash.so $(SP_DEPS) | signet$(EXEEXT)
	$(AM_V_GEN)$(SP_MAKE_BUNDLE) $(SP_SIGN_A) --manifest $(SP_SRC)/crash/manifest.json \
		--file $(SP)/obj/crash.so=lib/crash.so $@
# Crash-X.bundle: crash.so under identifier org.signet.sample.crashX, signed
# with the entitlements of crash/entitlements-X.json.
$(SP)/Crash-%.bundle: $(SP_SRC)/crash/manifest-%.json $(SP_SRC)/crash/entitlements-%.json $(SP)/obj/crash.so \
		$(SP_DEPS) | signet$(EXEEXT)
	$(AM_V_GEN)$(SP_MAKE_BUNDLE) $(SP_SIGN_A) --entitlements $(SP_SRC)/crash/entitlements-$*.json \
		--manifest $(SP_SRC)/crash/manifest-$*.json --file $(SP)/obj/crash.so=lib/crash.so $@

# Hostile variants: each must be refused, for the reason in its name.
# Tampered: the signed Rot13 bundle with one byte of its code flipped.
$(SP)/Tampered.bundle: $(SP)/Rot13.bundle $(SP_DEPS)
	$(AM_V_GEN)$(SP_MAKE_BUNDLE) --from $(SP)/Rot13.bundle --flip-code lib/rot13.so $@ >/dev/null
# OtherTeam: Rot13 under its own identifier, signed by team Z of the same CA.
$(SP)/OtherTeam.bundle: $(SP_SRC)/hostile/otherteam.json $(SP)/obj/rot13.so $(SP_DEPS) | signet$(EXEEXT)
	$(AM_V_GEN)$(SP_MAKE_BUNDLE) $(SP_SIGN_Z) --manifest $(SP_SRC)/hostile/otherteam.json \
		--file $(SP)/obj/rot13.so=lib/rot13.so $@
# Untrusted: Rot13 as it is, signed by the rogue CA's "team A".
$(SP)/Untrusted.bundle: $(SP_SRC)/rot13/manifest.json $(SP)/obj/rot13.so $(SP_DEPS) $(SP_ROGUE) \
		| signet$(EXEEXT)
	$(AM_V_GEN)$(SP_MAKE_BUNDLE) $(SP_SIGN_ROGUE) --manifest $(SP_SRC)/rot13/manifest.json \
		--file $(SP)/obj/rot13.so=lib/rot13.so $@
# Unsigned: Rot13's manifest and executable, never signed (no _signet/).
$(SP)/Unsigned.bundle: $(SP_SRC)/rot13/manifest.json $(SP)/obj/rot13.so $(SP_SRC)/make-bundle.sh
	$(AM_V_GEN)$(SP_MAKE_BUNDLE) --manifest $(SP_SRC)/rot13/manifest.json \
		--file $(SP)/obj/rot13.so=lib/rot13.so $@
# Escape: the signed Rot13 bundle with a manifest whose executable is
# ../Rot13.bundle/lib/rot13.so. `signet sign --bundle` would refuse to sign
# it, which is the point: the manifest itself is what must be refused.
$(SP)/Escape.bundle: $(SP_SRC)/hostile/escape.json $(SP)/Rot13.bundle $(SP_DEPS)
	$(AM_V_GEN)$(SP_MAKE_BUNDLE) --from $(SP)/Rot13.bundle --manifest $(SP_SRC)/hostile/escape.json $@
# NoClass: properly signed, but its principal class MissingClass is not in it.
$(SP)/NoClass.bundle: $(SP_SRC)/hostile/noclass.json $(SP)/obj/rot13.so $(SP_DEPS) | signet$(EXEEXT)
	$(AM_V_GEN)$(SP_MAKE_BUNDLE) $(SP_SIGN_A) --manifest $(SP_SRC)/hostile/noclass.json \
		--file $(SP)/obj/rot13.so=lib/noclass.so $@

# --- a host signed by the sample team, so `team = host` admits the samples ---
# .libs/signet-host (the real binary behind libtool's wrapper) has no
# RUNPATH and finds the uninstalled libsignet only through the wrapper's
# LD_LIBRARY_PATH; `make check` also signs it in place with the test PKI.
# So the samples get their own host: the same sources linked -no-install
# (a real executable whose RUNPATH names the build's .libs, no wrapper),
# copied to plugins/signet-host and signed there by team ABCDE12345.
noinst_PROGRAMS += plugins/signet-host-sample
plugins_signet_host_sample_SOURCES = $(signet_host_SOURCES)
plugins_signet_host_sample_CPPFLAGS = $(AM_CPPFLAGS) $(signet_host_CPPFLAGS)
plugins_signet_host_sample_CFLAGS = $(AM_CFLAGS) $(signet_host_CFLAGS)
# Linked with the library's objects, not against build/.libs/libsignet.so:
# a library in the build directory is no platform library, and a process
# that maps one is not valid to its peers (docs/processes.md).
plugins_signet_host_sample_LDADD = libsignet-cli.la libsignet-internal.la $(LIBSYSTEMD_LIBS)
plugins_signet_host_sample_LDFLAGS = -no-install
$(SP)/signet-host: $(SP)/signet-host-sample$(EXEEXT) $(SP_PKI) | signet$(EXEEXT)
	$(AM_V_GEN)rm -f $@.tmp && cp $(SP)/signet-host-sample$(EXEEXT) $@.tmp && \
	./signet sign $(SP_SIGN_A) --identifier org.signet.sample.host $@.tmp >/dev/null && mv $@.tmp $@

# The same host signed by team Z: a client (or a squatting server) of another team.
$(SP)/signet-host-z: $(SP)/signet-host-sample$(EXEEXT) $(SP_PKI) | signet$(EXEEXT)
	$(AM_V_GEN)rm -f $@.tmp && cp $(SP)/signet-host-sample$(EXEEXT) $@.tmp && \
	./signet sign $(SP_SIGN_Z) --identifier org.signet.sample.host $@.tmp >/dev/null && mv $@.tmp $@

# The guest helper signed by the sample team, identifier org.signet.guest:
# what the sample host runs isolated guests with (--guest-helper or
# $SIGNET_GUEST_HELPER; docs/isolation.md). The installed one is unsigned.
$(SP)/signet-guest: signet-guest$(EXEEXT) $(SP_PKI) | signet$(EXEEXT)
	$(AM_V_GEN)rm -f $@.tmp && cp signet-guest$(EXEEXT) $@.tmp && \
	./signet sign $(SP_SIGN_A) --identifier org.signet.guest $@.tmp >/dev/null && mv $@.tmp $@

noinst_DATA = $(SP_PKI) $(SP_ROGUE) $(SP_GOOD) $(SP_CRASH) $(SP_HOSTILE) $(SP)/signet-host $(SP)/signet-host-z $(SP)/signet-guest

# Installed for plugin authors (docs/writing-a-plugin.md): signet.pc's
# make_bundle variable names it.
pkgdata_SCRIPTS = plugins/make-bundle.sh

EXTRA_DIST += plugins/make-bundle.sh plugins/common/sample_buffer.h \
	plugins/rot13/rot13.c plugins/rot13/manifest.json \
	plugins/upper/upper.c plugins/upper/manifest.json \
	plugins/wordcount/wordcount.c plugins/wordcount/manifest.json \
	plugins/cpp/cpp.cc plugins/cpp/manifest.json \
	plugins/deps/deps.c plugins/deps/sampledep.c plugins/deps/sampledep.h plugins/deps/manifest.json \
	plugins/hello/hello.c plugins/hello/manifest.json \
	plugins/crash/crash.c plugins/crash/manifest.json \
	plugins/crash/manifest-net.json plugins/crash/entitlements-net.json \
	plugins/crash/manifest-files.json plugins/crash/entitlements-files.json \
	plugins/crash/manifest-unknown.json plugins/crash/entitlements-unknown.json \
	plugins/hostile/otherteam.json plugins/hostile/escape.json plugins/hostile/noclass.json

clean-local: clean-sample-plugins
clean-sample-plugins:
	rm -rf $(SP)/*.bundle $(SP)/*.bundle.tmp $(SP)/pki $(SP)/obj $(SP)/signet-host $(SP)/signet-host.tmp \
		$(SP)/signet-host-z $(SP)/signet-host-z.tmp $(SP)/signet-guest $(SP)/signet-guest.tmp
.PHONY: clean-sample-plugins
