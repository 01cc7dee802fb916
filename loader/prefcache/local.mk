# SPDX-License-Identifier: MIT
# The preflight cache: preflight results kept per user, keyed on the files
# they depend on, authenticated, advisory (docs/preflight-cache.md).
libsignet_internal_la_SOURCES += \
	loader/prefcache/prefcache_internal.h \
	loader/prefcache/cachefile.c \
	loader/prefcache/identity.c \
	loader/prefcache/prefcache.c

signetinclude_HEADERS += include/signet/preflight_cache.h
