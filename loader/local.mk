# libsignet: everything under loader/. Built twice over the same objects:
# libsignet-internal.la (static, for white-box tests) and libsignet.la (the
# installed shared+static library, exports limited by libsignet.map).
noinst_LTLIBRARIES += libsignet-internal.la
libsignet_internal_la_SOURCES = \
	loader/core/error.c \
	loader/core/error_internal.h \
	loader/core/export.h \
	loader/core/version.c \
	loader/core/file.c \
	loader/core/hex.c \
	loader/core/hex.h \
	loader/core/quote.c \
	loader/core/quote.h \
	loader/core/sha256.c \
	loader/core/sha256.h \
	loader/core/file.h \
	loader/core/statefile.c \
	loader/core/statefile.h \
	loader/core/text.c \
	loader/core/text.h \
	loader/core/array.c \
	loader/core/array.h \
	loader/core/utf8.c \
	loader/core/utf8.h \
	loader/core/parallel.c \
	loader/core/parallel.h \
	loader/core/namespace.c \
	loader/core/namespace.h \
	loader/audit/judge.c \
	loader/audit/judge.h \
	loader/elf/elf_image.c \
	loader/elf/elf_image.h \
	loader/registry/image.c \
	loader/registry/image_internal.h \
	loader/registry/discover.c \
	loader/registry/discover.h \
	loader/registry/registry.c \
	loader/registry/registry_internal.h \
	loader/registry/observers.c \
	loader/imagelog/imagelog.c \
	loader/imagelog/imagelog.h \
	loader/load/load.c \
	loader/load/load_internal.h \
	loader/load/many.c \
	loader/load/many_internal.h \
	loader/load/closure.c \
	loader/load/signature.c \
	loader/load/snapshot.c \
	loader/load/snapshot.h
# One section per function and object: the audit module (audit/local.mk)
# keeps only what judging a library needs (--gc-sections).
libsignet_internal_la_CFLAGS = $(AM_CFLAGS) $(LIBELF_CFLAGS) $(LIBCRYPTO_CFLAGS) $(LIBFFI_CFLAGS) $(JANSSON_CFLAGS) \
	$(LIBSYSTEMD_CFLAGS) -ffunction-sections -fdata-sections
libsignet_internal_la_LIBADD = $(LIBELF_LIBS) $(LIBCRYPTO_LIBS) $(LIBFFI_LIBS) $(JANSSON_LIBS) $(LIBSYSTEMD_LIBS)

lib_LTLIBRARIES += libsignet.la
libsignet_la_SOURCES =
nodist_EXTRA_libsignet_la_SOURCES = dummy.c
libsignet_la_LIBADD = libsignet-internal.la
libsignet_la_LDFLAGS = -version-info $(SIGNET_LT_VERSION) -no-undefined \
	-Wl,--version-script=$(srcdir)/loader/libsignet.map
EXTRA_libsignet_la_DEPENDENCIES = $(srcdir)/loader/libsignet.map
EXTRA_DIST += loader/libsignet.map

signetinclude_HEADERS += \
	include/signet/common.h \
	include/signet/error.h \
	include/signet/image.h \
	include/signet/loader.h \
	include/signet/bundle.h \
	include/signet/guest.h \
	include/signet/plugin.h \
	include/signet/value.h \
	include/signet/registry.h \
	include/signet/signature.h \
	include/signet/process.h \
	include/signet/signet.h

include $(srcdir)/loader/codesign/local.mk
include $(srcdir)/loader/cms/local.mk
include $(srcdir)/loader/requirement/local.mk
include $(srcdir)/loader/policy/local.mk
include $(srcdir)/loader/elf/local.mk
include $(srcdir)/loader/bundle/local.mk
include $(srcdir)/loader/plugin/local.mk
include $(srcdir)/loader/guest/local.mk
include $(srcdir)/loader/process/local.mk
include $(srcdir)/loader/connection/local.mk
include $(srcdir)/loader/isolation/local.mk
include $(srcdir)/loader/sandbox/local.mk
include $(srcdir)/loader/quarantine/local.mk
include $(srcdir)/loader/prefcache/local.mk
