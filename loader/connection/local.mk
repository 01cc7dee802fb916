# Connections between processes: service names, values on the wire
# (sd-bus), connections and listeners with per-connection code identity.
libsignet_internal_la_SOURCES += \
	loader/connection/service.c loader/connection/service.h \
	loader/connection/wire.c loader/connection/wire.h \
	loader/connection/connection_internal.h loader/connection/connection.c \
	loader/connection/listener.c \
	loader/connection/after_auth.c loader/connection/after_auth.h \
	loader/connection/pair.h

signetinclude_HEADERS += include/signet/connection.h
