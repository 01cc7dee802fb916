# signet-host: the plugin host.
bin_PROGRAMS += signet-host
signet_host_SOURCES = hostapp/main.c hostapp/host.h hostapp/cmd_images.c hostapp/cmd_load.c hostapp/host_policy.c
signet_host_LDADD = libsignet.la
