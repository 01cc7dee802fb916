# Isolated guests: the helper started from its verified bytes, calls over a
# connection, what a crash looks like to the host; and the helper itself.
libsignet_internal_la_SOURCES += \
	loader/isolation/isolation.h \
	loader/isolation/spawn.h loader/isolation/spawn.c \
	loader/isolation/remote.c \
	loader/isolation/serve.c

# The guest helper. Linked with the library's objects, not libsignet.so,
# so that nothing outside the platform's libraries and its own verified
# bytes is mapped as code in it: the host requires it to be valid
# (docs/processes.md). Installed unsigned: sign it with a key the hosts'
# policy admits, identifier org.signet.guest (docs/isolation.md).
libexec_PROGRAMS += signet-guest
signet_guest_SOURCES = loader/isolation/signet_guest.c
signet_guest_LDADD = libsignet-internal.la
