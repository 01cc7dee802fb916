# Principal classes: descriptor validation and conformance, type encodings,
# libffi calls, typed values.
libsignet_internal_la_SOURCES += \
	loader/plugin/class.c loader/plugin/class.h \
	loader/plugin/invoke.c loader/plugin/invoke.h \
	loader/plugin/value.c \
	loader/plugin/value_store.c loader/plugin/value_store.h
