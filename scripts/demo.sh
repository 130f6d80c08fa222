#!/usr/bin/env bash
# The main job of 2nex, from a clean clone: set up, check the manifests, build the
# example packages (and GNU Hello from its upstream tarball, taken from Debian's
# source package, on the bootstrap's tcc chain) into this workspace's repository,
# then run what was built.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

twonex() { deno task --quiet 2nex "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "lint: every manifest of the workspace"
twonex lint

step "graph: the build order"
twonex graph

step "build the examples (host mode, then a hermetic build that sees only its dependencies)"
twonex build greeting hermetic-hello

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

step "run what was built"
twonex checkout hello-c "$scratch/hello-c"
"$scratch/hello-c/bootstrap/tools/bin/hello-c" "2nex demo"
twonex checkout greeting "$scratch/greeting"
cat "$scratch/greeting/share/greeting/greeting.txt"
twonex checkout hermetic-hello "$scratch/hermetic"
cat "$scratch/hermetic/share/hermetic-hello/greeting.txt"
echo "the hermetic build's / held only: $(tr '\n' ' ' <"$scratch/hermetic/share/hermetic-hello/root.txt")"

step "the output hash is ostree's content checksum: 2nex hash of a checkout equals the commit's"
twonex hash "$scratch/hermetic"
ostree show --repo=.2nex/repo x86_64/hermetic-hello/1.0/examples/tree | grep ContentChecksum

step "a second build is cached"
twonex build greeting hermetic-hello

step "GNU Hello 2.10 from its upstream tarball (from Debian's source package), hermetic on the tcc chain"
# The chain from the host's compiler: phase0 (host mode) builds musl, busybox, make,
# bash and tcc; phase1 (hermetic) rebuilds musl and tcc with tcc, then hello. A few
# minutes on two CPUs; phase1's hello has the same hash on any host.
if [ "$(id -u)" -eq 0 ] && bash scripts/vendor-debian.sh vendor manifests/bootstrap/phase0/*.yaml \
  manifests/bootstrap/phase1/*.yaml >"$scratch/vendor.log" 2>&1; then
  twonex build --offline manifests/bootstrap/phase1/hello.yaml
  twonex checkout --flavor bootstrap/phase1 hello:default "$scratch/hello"
  "$scratch/hello/usr/bin/hello"
  "$scratch/hello/usr/bin/hello" --greeting="built reproducibly by 2nex"
else
  echo "skipped: the sources could not be vendored from Debian here (see $scratch/vendor.log)"
  tail -n 5 "$scratch/vendor.log" || true
fi

step "done: the repository is .2nex/repo"
ostree refs --repo=.2nex/repo | sort
