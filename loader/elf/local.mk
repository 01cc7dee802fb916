# SPDX-License-Identifier: MIT
# loader/elf: the dynamic-section reader and the dynamic symbol lookup
# (elf_image.c is listed in loader/local.mk).
libsignet_internal_la_SOURCES += loader/elf/elf_dynamic.c loader/elf/elf_dynamic.h
libsignet_internal_la_SOURCES += loader/elf/elf_symbol.c loader/elf/elf_symbol.h
