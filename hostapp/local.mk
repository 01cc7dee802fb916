# signet-host: the plugin host.
bin_PROGRAMS += signet-host
signet_host_SOURCES = hostapp/main.c hostapp/host.h hostapp/cmd_images.c
signet_host_LDADD = libsignet.la
