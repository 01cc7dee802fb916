# Library validation for any program (docs/audit.md): the LD_AUDIT module
# and signet-run, which runs a program under it.

# The module, installed as $(pkglibdir)/libsignet-audit.so. It links the
# library's objects, not libsignet.so: it runs in a link-map namespace of
# its own, and a program that uses libsignet itself gets its own copy.
# Exports la_* only (audit.map). Its dependencies come through DT_RPATH
# (--disable-new-dtags), which ld.so searches before LD_LIBRARY_PATH.
# Start-up of every audited program pays for loading and relocating them,
# so the module takes only the objects it reaches, drops unused functions
# (--gc-sections), and needs no sd-bus, libffi or libseccomp.
pkglib_LTLIBRARIES = libsignet-audit.la
libsignet_audit_la_SOURCES = audit/rtld_audit.c audit/thread_keys.c
# The archive of the library's objects, not the convenience .la: that would
# bring every object (whole-archive) and every library libsignet needs.
# From the archive the linker takes only the objects the module reaches,
# and they need only these three.
libsignet_audit_la_LIBADD = .libs/libsignet-internal.a $(LIBELF_LIBS) $(LIBCRYPTO_LIBS) $(JANSSON_LIBS)
libsignet_audit_la_LDFLAGS = -module -avoid-version -shared -no-undefined \
	-Wl,--version-script=$(srcdir)/audit/audit.map -Wl,--disable-new-dtags \
	-Wl,-rpath,$(SIGNET_AUDIT_RPATH) -Wl,--gc-sections
EXTRA_libsignet_audit_la_DEPENDENCIES = $(srcdir)/audit/audit.map
# libtool writes the archive when it makes the convenience library.
.libs/libsignet-internal.a: libsignet-internal.la
	@:
EXTRA_DIST += audit/audit.map

bin_PROGRAMS += signet-run
signet_run_SOURCES = audit/signet_run.c
signet_run_CPPFLAGS = $(AM_CPPFLAGS) -DSIGNET_AUDIT_MODULE='"$(pkglibdir)/libsignet-audit.so"'
signet_run_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
signet_run_LDADD = libsignet-cli.la $(JANSSON_LIBS)
dist_man_MANS += man/signet-run.1
