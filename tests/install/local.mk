# `make installcheck` (and so `make distcheck`, after its install): the
# plugin walkthrough (docs/writing-a-plugin.md) and the README's library
# program, each extracted from its page and run against what `make install`
# put under $(prefix): the tools from $(bindir), the library from $(libdir),
# the header and flags through $(pkgconfigdir)/signet.pc. The README program
# runs on the sample bundles this build made (plugins/).
INSTALLCHECK_ENV = \
	PATH='$(bindir)':"$$PATH" \
	LD_LIBRARY_PATH='$(libdir)' \
	PKG_CONFIG_PATH='$(pkgconfigdir)' \
	SIGNET_TEST_SRCDIR='$(abs_top_srcdir)' \
	SIGNET_TEST_BUILDDIR='$(abs_top_builddir)'
installcheck-local: installcheck-docs
installcheck-docs:
	$(INSTALLCHECK_ENV) $(SHELL) $(srcdir)/tests/install/test_writing_a_plugin.sh
	$(INSTALLCHECK_ENV) $(SHELL) $(srcdir)/tests/install/test_readme_program.sh
.PHONY: installcheck-docs
EXTRA_DIST += tests/install/test_writing_a_plugin.sh tests/install/test_readme_program.sh
