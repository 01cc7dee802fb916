# SPDX-License-Identifier: MIT
# CMS signing/verification, trust anchors, signer identity (OpenSSL).
libsignet_internal_la_SOURCES += \
	loader/cms/cms.h \
	loader/cms/cms_util.h \
	loader/cms/cms_util.c \
	loader/cms/chain_cache.h \
	loader/cms/chain_cache.c \
	loader/cms/pem.c \
	loader/cms/trust.c \
	loader/cms/signer.c \
	loader/cms/cms_sign.c \
	loader/cms/cms_shape.c \
	loader/cms/timestamp.h \
	loader/cms/timestamp.c \
	loader/cms/cms_verify.c \
	loader/cms/cms_attach.c
