#!/usr/bin/env bash
# Builds the real packages of manifests/packages with 2nex, then checks out what
# each built and runs it (hello greets, m4 expands a macro, sed substitutes, …;
# libraries are checked in their own builds: a program linked with the freshly
# built library must print the right thing, or the build fails).
#
# Usage: scripts/build-all.sh [--chain gnu|tcc] [--vendor DIR] [PKG…] [-- BUILD-OPTION…]
#   --chain gnu    (default) manifests/packages/SLUG.yaml, flavor main: hermetic on the
#                  bootstrapped GNU system (phase1's toolchain, phase2's tools). Builds
#                  the GNU chain first where it is not built: hours on two CPUs.
#   --chain tcc    the CI-sized copies, hermetic on the tcc chain: the tcc chain's own
#                  phase1 hello, m4 and sed (manifests/bootstrap/phase1/), and
#                  manifests/packages/tcc/SLUG.yaml (flavor tcc) for the others.
#   --vendor DIR   first fill DIR with sources from Debian (scripts/vendor-debian.sh);
#                  DIR should be a mirror listed in 2nex.yaml (this repository's is vendor/)
#   PKG…           slugs of manifests/packages (default: all of them)
#   BUILD-OPTION…  passed to `2nex build`, e.g. -- --rounds 2, -- --rebuild, -- --offline
# Environment: TWONEX, the command that runs 2nex (default: "deno task --quiet 2nex").
#
# Prints one line per package with the build's wall time and the run check, and
# exits non-zero when any build or check failed.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$script_dir")
packages_dir="$repo_dir/manifests/packages"
read -r -a twonex <<<"${TWONEX:-deno task --quiet 2nex}"

# Dependencies before their dependents, so that each build's time is its own.
preferred_order=(hello m4 sed patch findutils gdbm readline gmp mpfr mpc)

chain=gnu
vendor_dir=""
selected=()
build_options=()
while [ $# -gt 0 ]; do
  case $1 in
  --chain)
    [ $# -ge 2 ] || { echo "build-all: --chain needs gnu or tcc" >&2; exit 2; }
    case $2 in
    gnu | tcc) chain=$2 ;;
    *) echo "build-all: unknown chain $2 (gnu or tcc)" >&2; exit 2 ;;
    esac
    shift 2
    ;;
  --vendor)
    [ $# -ge 2 ] || { echo "build-all: --vendor needs a directory" >&2; exit 2; }
    vendor_dir=$2
    shift 2
    ;;
  --)
    shift
    build_options=("$@")
    break
    ;;
  -h | --help)
    sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  -*)
    echo "build-all: unknown option $1 (build options go after --)" >&2
    exit 2
    ;;
  *)
    selected+=("$1")
    shift
    ;;
  esac
done

if [ ${#selected[@]} -eq 0 ]; then
  for slug in "${preferred_order[@]}"; do
    [ -f "$packages_dir/$slug.yaml" ] && selected+=("$slug")
  done
  for manifest in "$packages_dir"/*.yaml; do
    slug=$(basename "$manifest" .yaml)
    [[ " ${selected[*]} " == *" $slug "* ]] || selected+=("$slug")
  done
fi
# The manifest (relative to the repository) and flavor that build SLUG on the chosen chain.
manifest_of() {
  if [ "$chain" = gnu ]; then
    echo "manifests/packages/$1.yaml"
  elif [ -f "$repo_dir/manifests/packages/tcc/$1.yaml" ]; then
    echo "manifests/packages/tcc/$1.yaml"
  else
    # hello, m4 and sed: the tcc chain builds them itself, in phase1
    echo "manifests/bootstrap/phase1/$1.yaml"
  fi
}
flavor_of() {
  case $(manifest_of "$1") in
  manifests/packages/tcc/*) echo tcc ;;
  manifests/bootstrap/phase1/*) echo bootstrap/phase1 ;;
  *) echo main ;;
  esac
}
for slug in "${selected[@]}"; do
  [ -f "$packages_dir/$slug.yaml" ] || {
    echo "build-all: no manifest manifests/packages/$slug.yaml" >&2
    exit 2
  }
  [ -f "$repo_dir/$(manifest_of "$slug")" ] || {
    echo "build-all: no manifest builds $slug on the $chain chain ($(manifest_of "$slug"))" >&2
    exit 2
  }
done

cd "$repo_dir"
if [ -n "$vendor_dir" ]; then
  if [ "$chain" = tcc ]; then
    # The packages and the tcc bootstrap chain, named file by file: the GNU chain in
    # manifests/bootstrap/phaseN/gnu/ needs some 400 MB of sources that CI never builds.
    "$script_dir/vendor-debian.sh" "$vendor_dir" "$repo_dir/manifests/packages" \
      "$repo_dir"/manifests/bootstrap/phase*/*.yaml
  else
    # The GNU chain's phase1 runs on the tcc chain's phase0 busybox, make and bash.
    "$script_dir/vendor-debian.sh" "$vendor_dir" "$repo_dir/manifests/packages" \
      "$repo_dir/manifests/bootstrap"
  fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# checkout SLUG:BUNDLE [FLAVOR] → prints the directory it was written to
checkout() {
  local dir flavor=${2:-$(flavor_of "${1%%:*}")}
  dir="$tmp/checkout/${flavor//\//-}/${1//:/-}"
  if [ ! -d "$dir" ]; then
    mkdir -p "$(dirname "$dir")"
    # --flavor: the same slugs exist in several flavors (bootstrap phases, tcc, main)
    "${twonex[@]}" checkout "$1" "$dir" --flavor "$flavor" >/dev/null
  fi
  echo "$dir"
}

# run_program ROOT PROGRAM [ARG…]: runs PROGRAM (a path in ROOT, a checkout). The
# tcc chain's programs are static; the GNU chain's are linked against the
# bootstrapped glibc, so they run with its loader and libraries, not the host's.
run_program() {
  local root=$1 program=$2
  shift 2
  if [ "$chain" = tcc ]; then
    "$program" "$@"
  else
    local libc
    libc=$(checkout glibc:runtime bootstrap/phase1)
    "$libc/lib64/ld-linux-x86-64.so.2" --library-path "$root/usr/lib:$libc/usr/lib" "$program" "$@"
  fi
}

# check_library SLUG HEADER LIBRARY: the dev bundle holds the header and the library;
# that a program linked with it runs is checked by the build itself.
check_library() {
  local d
  d=$(checkout "$1:dev")
  [ -f "$d/usr/include/$2" ] || { echo "  $1: no /usr/include/$2 in its dev bundle" >&2; return 1; }
  compgen -G "$d/usr/lib/$3*" >/dev/null ||
    { echo "  $1: no /usr/lib/$3* in its dev bundle" >&2; return 1; }
}

# expect WHAT EXPECTED ACTUAL
expect() {
  if [ "$2" != "$3" ]; then
    echo "  $1: expected '$2', got '$3'" >&2
    return 1
  fi
}

check_hello() {
  local d
  d=$(checkout hello:default)
  expect "hello" "Hello, world!" "$(run_program "$d" "$d/usr/bin/hello")"
}

check_m4() {
  local d
  d=$(checkout m4:default)
  expect "m4" "hello 2nex" \
    "$(printf "define(\`greet', \`hello \$1')greet(2nex)\n" | run_program "$d" "$d/usr/bin/m4")"
}

check_sed() {
  local d
  d=$(checkout sed:default)
  expect "sed" "hello 2nex" "$(echo "hello world" | run_program "$d" "$d/usr/bin/sed" 's/world/2nex/')"
}

check_patch() {
  local d
  d=$(checkout patch:default)
  printf 'one\ntwo\n' >"$tmp/a"
  printf 'one\nthree\n' >"$tmp/b"
  diff -u "$tmp/a" "$tmp/b" >"$tmp/a.diff" || true
  run_program "$d" "$d/usr/bin/patch" --quiet "$tmp/a" "$tmp/a.diff"
  expect "patch" "$(cat "$tmp/b")" "$(cat "$tmp/a")"
}

check_findutils() {
  local d
  d=$(checkout findutils:default)
  expect "find" "$d/usr/bin/find" "$(run_program "$d" "$d/usr/bin/find" "$d/usr/bin" -name find -type f)"
  expect "xargs" "3" "$(printf '1 2 3' | run_program "$d" "$d/usr/bin/xargs" -n 1 echo | wc -l)"
}

check_gdbm() {
  local d
  d=$(checkout gdbm:default)
  run_program "$d" "$d/usr/bin/gdbmtool" -n "$tmp/test.gdbm" store key 2nex
  expect "gdbmtool" "2nex" "$(run_program "$d" "$d/usr/bin/gdbmtool" "$tmp/test.gdbm" fetch key)"
}

check_readline() { check_library readline readline/readline.h libreadline.; }
check_gmp() { check_library gmp gmp.h libgmp.; }
check_mpfr() { check_library mpfr mpfr.h libmpfr.; }
check_mpc() { check_library mpc mpc.h libmpc.; }

failures=0
summary=()
# The chain first, so that each package's time below is its own.
if [ "$chain" = tcc ]; then
  chain_manifests=(manifests/bootstrap/phase0/{busybox,make,bash}.yaml
    manifests/bootstrap/phase1/tcc.yaml)
else
  chain_manifests=(manifests/bootstrap/phase2/gnu/*.yaml)
fi
echo "== the $chain chain" >&2
start=$(date +%s.%N)
if "${twonex[@]}" build "${build_options[@]}" "${chain_manifests[@]}"; then
  result="built"
else
  result="BUILD FAILED"
  failures=$((failures + 1))
fi
seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
summary+=("$(printf '%-10s %8ss  %s' "($chain)" "$seconds" "$result")")

for slug in "${selected[@]}"; do
  echo "== $slug" >&2
  start=$(date +%s.%N)
  if "${twonex[@]}" build "${build_options[@]}" "$(manifest_of "$slug")"; then
    seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    if ! declare -F "check_$slug" >/dev/null; then
      result="built, no run check"
    elif "check_$slug"; then
      case $slug in
      readline | gmp | mpfr | mpc) result="built, ran its check in the build" ;;
      *) result="built, runs" ;;
      esac
    else
      result="built, RUN CHECK FAILED"
      failures=$((failures + 1))
    fi
  else
    seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    result="BUILD FAILED"
    failures=$((failures + 1))
  fi
  summary+=("$(printf '%-10s %8ss  %s' "$slug" "$seconds" "$result")")
done

echo
printf '%s\n' "${summary[@]}"
echo "build-all: ${#selected[@]} packages, $failures failed"
[ "$failures" -eq 0 ]
