#!/usr/bin/env bash
# The host-independence proof of the GNU bootstrap chain (manifests/bootstrap/phaseN/gnu/):
# scripts/prove-host-independence.sh --chain gnu --rounds, its report written to
# docs/gnu-toolchain-proof.txt. Hours on two cores; resumes from its caches in
# .2nex/proof-gnu when run again. Other options are passed on (see that script's --help).
set -euo pipefail
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec "$script_dir/prove-host-independence.sh" --chain gnu --rounds \
  --output "$(dirname "$script_dir")/docs/gnu-toolchain-proof.txt" "$@"
