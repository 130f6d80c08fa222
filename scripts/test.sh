#!/usr/bin/env bash
# All of 2nex's checks: formatting, lint, types, unit tests, end-to-end tests
# with the real sandbox and ostree. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP_EXTRA_PACKAGES="${SETUP_EXTRA_PACKAGES:-diffoscope-minimal disorderfs fuse3 faketime}" bash scripts/setup.sh
deno task check
deno task test
deno task test:e2e
