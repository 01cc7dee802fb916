# The `signet` tool and the writing side of the format. The writing side
# (CodeDirectory writer, CMS signing, bundles, the PKI of `signet ca`) is
# compiled into libsignet itself, and `signet` links libsignet.so.0 like any
# client: a library fix needs no rebuilt tool. What the tool calls beyond
# the public API is exported under SIGNET_PRIVATE (loader/libsignet.map,
# loader/core/export.h), not an API.
libsignet_internal_la_SOURCES += signing/sign_elf.c signing/sign_elf.h \
	signing/sign_bundle.c signing/sign_bundle.h \
	signing/sign_revlist.c signing/sign_revlist.h
include $(srcdir)/signing/pki.mk

bin_PROGRAMS += signet
signet_SOURCES = signing/main.c signing/commands.h signing/verify_common.c signing/verify_common.h \
	signing/cmd_sign.c signing/tsa_client.c signing/tsa_client.h signing/cmd_verify.c signing/cmd_display.c \
	signing/cmd_req.c signing/cmd_ca.c signing/cmd_revoke.c
signet_CFLAGS = $(AM_CFLAGS) $(LIBCRYPTO_CFLAGS) $(JANSSON_CFLAGS) $(LIBCURL_CFLAGS)
signet_LDADD = libsignet-cli.la libsignet.la $(LIBCRYPTO_LIBS) $(JANSSON_LIBS) $(LIBCURL_LIBS)
dist_man_MANS += man/signet.1
