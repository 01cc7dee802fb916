# debian/ stays true to the library and to scripts/install-deps.sh: the
# symbols file lists exactly libsignet's public symbols, Build-Depends the
# packages install-deps.sh installs. The package build itself is
# scripts/debian-build.sh (CI's "Debian packages" stage).
TESTS += tests/debian/symbols.sh tests/debian/control.sh
EXTRA_DIST += tests/debian/symbols.sh tests/debian/control.sh
