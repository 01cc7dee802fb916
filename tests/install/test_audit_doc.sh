#!/bin/sh
# SPDX-License-Identifier: MIT
# docs/audit.md's walkthrough, followed literally against the installed
# Signet (tests/install/walkthrough.sh says how a page runs): the installed
# signet-run must find the installed module, $(pkglibdir)/libsignet-audit.so,
# by itself. `make installcheck` runs this as test_writing_a_plugin.sh.
. "$SIGNET_TEST_SRCDIR/tests/lib.sh"
. "$SIGNET_TEST_SRCDIR/tests/install/walkthrough.sh"

# Nothing from the caller's environment may choose the policy, the anchors or the module.
unset SIGNET_POLICY SIGNET_ANCHORS SIGNET_PRINT_IMAGES SIGNET_AUDIT_MODULE
walkthrough "$SIGNET_TEST_SRCDIR/docs/audit.md"
finish
