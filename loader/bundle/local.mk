# Bundles: manifest.json (the rest of issue 5 grows here).
libsignet_internal_la_SOURCES += loader/bundle/manifest.c loader/bundle/manifest.h
