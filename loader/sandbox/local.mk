# SPDX-License-Identifier: MIT
# The sandbox of isolated guests: no_new_privs, namespaces, capabilities,
# Landlock, a seccomp filter (libseccomp) and rlimits, applied by the guest
# helper before it loads a bundle (docs/isolation.md).
libsignet_internal_la_SOURCES += \
	loader/sandbox/sandbox.h loader/sandbox/sandbox_internal.h \
	loader/sandbox/sandbox.c loader/sandbox/landlock.c loader/sandbox/filter.c \
	loader/sandbox/report.c
libsignet_internal_la_CFLAGS += $(LIBSECCOMP_CFLAGS)
libsignet_internal_la_LIBADD += $(LIBSECCOMP_LIBS)
