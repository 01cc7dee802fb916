# SPDX-License-Identifier: MIT
# Process code identity: which signed code runs in a process, and is the
# process intact (docs/processes.md).
libsignet_internal_la_SOURCES += \
	loader/process/process_internal.h \
	loader/process/procfs.h \
	loader/process/procfs.c \
	loader/process/proc.c \
	loader/process/inspect.c \
	loader/process/mappings.c \
	loader/process/peer.c \
	loader/process/self.c \
	loader/process/process.c
