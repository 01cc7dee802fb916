# What the command-line tools share (cli/cli.h): one error style, option
# values, dates, JSON output. Linked into `signet` and `signet-host` only.
noinst_LTLIBRARIES += libsignet-cli.la
libsignet_cli_la_SOURCES = cli/cli.c cli/cli.h
libsignet_cli_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
libsignet_cli_la_LIBADD = $(JANSSON_LIBS)
