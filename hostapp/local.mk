# signet-host: the plugin host.
bin_PROGRAMS += signet-host
signet_host_SOURCES = hostapp/main.c hostapp/host.h hostapp/host_args.c hostapp/cmd_images.c hostapp/cmd_load.c \
	hostapp/host_policy.c hostapp/cmd_preflight.c hostapp/print.c hostapp/host_guest.c \
	hostapp/cmd_list.c hostapp/cmd_info.c hostapp/cmd_run.c hostapp/cmd_pipe.c hostapp/host_values.c \
	hostapp/cmd_serve.c hostapp/cmd_call.c hostapp/cmd_quarantine.c hostapp/host_cache.c
signet_host_CFLAGS = $(AM_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(JANSSON_CFLAGS)
signet_host_LDADD = libsignet-cli.la libsignet.la $(LIBSYSTEMD_LIBS) $(JANSSON_LIBS)
dist_man_MANS += man/signet-host.1
