#!/usr/bin/env bash
# All of 2nex's checks: formatting, lint, types, unit tests, end-to-end tests
# with the real sandbox and ostree, then real packages built from their upstream
# tarballs (taken from Debian's source packages) on the bootstrap's tcc chain and
# run. Installs what is missing first. TEST_PACKAGES=none skips the real-package
# stage (minutes long).
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP_EXTRA_PACKAGES="${SETUP_EXTRA_PACKAGES:-diffoscope-minimal disorderfs fuse3 faketime graphviz slurm-wlm slurmdbd munge mariadb-server}" bash scripts/setup.sh
# A stock ostree that verifies ed25519 signatures, for the test that it accepts
# what `2nex publish --key` signs (Debian's ostree cannot): built once, in its
# own prefix: under a minute of CPU time (3 to 7 minutes on two shared cores).
bash scripts/ostree-ed25519.sh >/dev/null
deno task check
deno task test
deno task test:e2e
# The real packages, CI-sized: on the bootstrap's tcc chain (scripts/build-all.sh
# --chain tcc: the tcc chain's phase1 hello, m4 and sed, manifests/packages/tcc/ for
# the others), hermetic, so each hash is the manifest's on any host. CI cannot build
# the GNU chain that manifests/packages/*.yaml build on (hours). Each result must
# equal its manifest's hash, and each program runs from a checkout.
packages=${TEST_PACKAGES:-hello m4 sed patch findutils gdbm readline gmp mpfr mpc}
if [ "$packages" != none ]; then
  # shellcheck disable=SC2086 # a list of slugs
  bash scripts/build-all.sh --chain tcc --vendor vendor $packages
fi
