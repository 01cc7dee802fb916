# SPDX-License-Identifier: MIT
# The requirement language: lexer, parser, tree, formatter, evaluator.
libsignet_internal_la_SOURCES += \
	loader/requirement/requirement_internal.h \
	loader/requirement/subject.h \
	loader/requirement/ast.h \
	loader/requirement/ast.c \
	loader/requirement/lexer.h \
	loader/requirement/lexer.c \
	loader/requirement/parser.c \
	loader/requirement/format.c \
	loader/requirement/evaluate.c \
	loader/requirement/version.h \
	loader/requirement/version.c

signetinclude_HEADERS += include/signet/requirement.h
