# The signature format: CodeDirectory, blob, page hashes, verification, identity.
libsignet_internal_la_SOURCES += \
	loader/codesign/format.h \
	loader/codesign/codedirectory.c \
	loader/codesign/codedirectory.h \
	loader/codesign/blob.c \
	loader/codesign/blob.h \
	loader/codesign/pagehash.c \
	loader/codesign/pagehash.h \
	loader/codesign/verify.c \
	loader/codesign/identity.c \
	loader/codesign/identity_internal.h
