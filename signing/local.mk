# The `signet` tool and the writing side of the format. It links the
# library's internals statically (libsignet-internal.la): signing needs the
# CodeDirectory writer and CMS signing, which libsignet does not export.
noinst_LTLIBRARIES += libsignet-signing.la
libsignet_signing_la_SOURCES = signing/sign_elf.c signing/sign_elf.h \
	signing/sign_bundle.c signing/sign_bundle.h
libsignet_signing_la_CFLAGS = $(AM_CFLAGS) $(LIBELF_CFLAGS) $(LIBCRYPTO_CFLAGS) $(JANSSON_CFLAGS)
libsignet_signing_la_LIBADD = libsignet-internal.la $(LIBELF_LIBS) $(LIBCRYPTO_LIBS) $(JANSSON_LIBS)
nodist_EXTRA_libsignet_signing_la_SOURCES = dummy.c
include $(srcdir)/signing/pki.mk

bin_PROGRAMS += signet
signet_SOURCES = signing/main.c signing/commands.h signing/verify_common.c signing/verify_common.h \
	signing/cmd_sign.c signing/cmd_verify.c signing/cmd_display.c \
	signing/cmd_req.c signing/cmd_ca.c
signet_CFLAGS = $(AM_CFLAGS) $(LIBCRYPTO_CFLAGS) $(JANSSON_CFLAGS)
signet_LDADD = libsignet-cli.la libsignet-signing.la
dist_man_MANS += man/signet.1
