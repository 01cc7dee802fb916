# signet-host end to end on the sample bundles (plugins/), with golden output.
TESTS += tests/hostapp/test_host_cli.sh tests/hostapp/test_serve.sh tests/hostapp/test_isolate.sh \
	tests/hostapp/test_host_doc.sh tests/hostapp/test_host_json.sh tests/hostapp/test_readme_quickstart.sh
EXTRA_DIST += tests/hostapp/test_host_cli.sh tests/hostapp/test_serve.sh tests/hostapp/test_isolate.sh tests/hostapp/list.golden \
	tests/hostapp/test_host_doc.sh tests/hostapp/test_host_json.sh tests/hostapp/test_readme_quickstart.sh
