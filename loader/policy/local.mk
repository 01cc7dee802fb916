# SPDX-License-Identifier: MIT
# The load policy: anchors, requirement, allow/deny lists, platform libraries,
# isolated guests and the entitlements granted to them.
libsignet_internal_la_SOURCES += \
	loader/policy/policy_internal.h \
	loader/policy/policy.c \
	loader/policy/default.c \
	loader/policy/values.c \
	loader/policy/host.c \
	loader/policy/policy_file.c \
	loader/policy/transfer.c \
	loader/policy/admit.c \
	loader/policy/platform.c \
	loader/policy/entitlements.h \
	loader/policy/entitlements.c \
	loader/policy/revlist.h \
	loader/policy/revlist.c \
	loader/policy/trust_bundle.h \
	loader/policy/trust_bundle.c \
	loader/policy/revocation.c

signetinclude_HEADERS += include/signet/policy.h
