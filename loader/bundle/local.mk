# Bundles: manifest.json, the directory walk, the resource seal, the
# reader that ties them to the executable's signature, preflight, and the
# report as JSON.
libsignet_internal_la_SOURCES += \
	loader/bundle/manifest.c loader/bundle/manifest.h \
	loader/bundle/reasons.c loader/bundle/reasons.h \
	loader/bundle/tree.c loader/bundle/tree.h \
	loader/bundle/seal.c loader/bundle/seal.h \
	loader/bundle/bundle.c loader/bundle/bundle.h \
	loader/bundle/examine.c loader/bundle/examine.h \
	loader/bundle/provenance.c loader/bundle/provenance.h \
	loader/bundle/report.c loader/bundle/report.h \
	loader/bundle/report_json.c loader/bundle/report_json.h \
	loader/bundle/preflight.c loader/bundle/preflight_many.c
