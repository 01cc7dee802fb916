# `make installcheck` (and so `make distcheck`, after its install): the
# plugin walkthrough (docs/writing-a-plugin.md), the audit walkthrough
# (docs/audit.md) and the README's library program, each extracted from its page and run against what `make install`
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
# A sanitized libsignet can only be loaded by programs linked with the
# sanitizer's runtime: the README's plain `cc` command cannot make one, so a
# sanitized build checks the walkthrough (whose host is the sanitized
# signet-host) and says why the README program is left out.
installcheck-docs:
	$(INSTALLCHECK_ENV) $(SHELL) $(srcdir)/tests/install/test_writing_a_plugin.sh
if SANITIZED
	@echo "installcheck: README program skipped: a plain cc build cannot load a sanitized libsignet"
	@echo "installcheck: docs/audit.md skipped: an LD_AUDIT module cannot carry a sanitizer runtime"
else
	$(INSTALLCHECK_ENV) $(SHELL) $(srcdir)/tests/install/test_readme_program.sh
	$(INSTALLCHECK_ENV) $(SHELL) $(srcdir)/tests/install/test_audit_doc.sh
endif
.PHONY: installcheck-docs
EXTRA_DIST += tests/install/test_writing_a_plugin.sh tests/install/test_readme_program.sh \
	tests/install/walkthrough.sh tests/install/test_audit_doc.sh
