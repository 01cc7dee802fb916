# Guest hosting: hosts, guests (status, lookups, identity), instances and calls.
libsignet_internal_la_SOURCES += \
	loader/guest/guest_internal.h \
	loader/guest/host.c \
	loader/guest/instance.c \
	loader/guest/quarantine_glue.h \
	loader/guest/quarantine_glue.c
