# SPDX-License-Identifier: MIT
# Certificate and key making (signing/pki.c): used by `signet ca` and by tests.
libsignet_internal_la_SOURCES += signing/pki.c signing/pki.h
