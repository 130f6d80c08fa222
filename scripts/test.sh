#!/usr/bin/env bash
# All of 2nex's checks: formatting, lint, types, unit tests, end-to-end tests
# with the real sandbox and ostree, then real packages built from their upstream
# tarballs (taken from Debian's source packages) and run. Installs what is
# missing first. TEST_PACKAGES=none skips the real-package stage (minutes long).
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP_EXTRA_PACKAGES="${SETUP_EXTRA_PACKAGES:-diffoscope-minimal disorderfs fuse3 faketime graphviz slurm-wlm slurmdbd munge mariadb-server}" bash scripts/setup.sh
deno task check
deno task test
deno task test:e2e
# A subset of manifests/packages that fits CI's time (about 7 minutes); each
# result must equal its manifest's hash, and each program runs from a checkout.
packages=${TEST_PACKAGES:-hello m4 sed patch gdbm readline gmp mpfr mpc}
if [ "$packages" != none ]; then
  # shellcheck disable=SC2086 # a list of slugs
  bash scripts/build-all.sh --vendor vendor $packages
fi
