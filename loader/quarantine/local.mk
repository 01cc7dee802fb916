# SPDX-License-Identifier: MIT
# The quarantine of isolated guests: crashes counted per cdhash in a per-user store.
libsignet_internal_la_SOURCES += \
	loader/quarantine/store.h \
	loader/quarantine/store.c \
	loader/quarantine/quarantine.c

signetinclude_HEADERS += include/signet/quarantine.h
