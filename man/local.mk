# Manual pages, in mdoc. Each tool's fragment adds its own page to
# dist_man_MANS (hostapp/local.mk, signing/local.mk); libsignet(3), an
# overview, and one page per public header are here. tests/man/ lints every
# page in dist_man_MANS and checks that the pages cover every public header
# and every exported function.
LIBSIGNET_MANS = \
	man/libsignet.3 \
	man/signet_error.3 \
	man/signet_image.3 \
	man/signet_registry.3 \
	man/signet_load.3 \
	man/signet_signature.3 \
	man/signet_requirement.3 \
	man/signet_policy.3 \
	man/signet_preflight.3 \
	man/signet_plugin.3 \
	man/signet_value.3 \
	man/signet_guest.3 \
	man/signet_process.3 \
	man/signet_connection.3 \
	man/signet_quarantine.3 \
	man/signet_preflight_cache.3
dist_man_MANS += $(LIBSIGNET_MANS)
EXTRA_DIST += man/so-links.sh

# `man signet_load_many` must find signet_load(3): a link page
# (".so man3/signet_load.3") for every name in a section 3 page's NAME,
# generated from the pages at install time, never kept by hand, and removed
# again by uninstall (distcheck checks that nothing is left).
SO_LINKS = $(SHELL) $(srcdir)/man/so-links.sh
install-data-local: install-man-links
install-man-links:
	@$(SO_LINKS) install '$(DESTDIR)$(mandir)' $(addprefix $(srcdir)/,$(filter %.3,$(dist_man_MANS)))
uninstall-local: uninstall-man-links
uninstall-man-links:
	@$(SO_LINKS) uninstall '$(DESTDIR)$(mandir)' $(addprefix $(srcdir)/,$(filter %.3,$(dist_man_MANS)))
.PHONY: install-man-links uninstall-man-links

# The lint and coverage test gets the list of pages from here, so a page
# another fragment adds is linted too.
TESTS += tests/man/test_man_lint.sh
EXTRA_DIST += tests/man/test_man_lint.sh
AM_TESTS_ENVIRONMENT += SIGNET_MAN_PAGES='$(dist_man_MANS)'; export SIGNET_MAN_PAGES;
