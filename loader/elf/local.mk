# SPDX-License-Identifier: MIT
# loader/elf: the dynamic-section reader (elf_image.c is listed in loader/local.mk).
libsignet_internal_la_SOURCES += loader/elf/elf_dynamic.c loader/elf/elf_dynamic.h
