#!/usr/bin/env bash
# Builds the real packages of manifests/packages with 2nex, then checks out what
# each built and runs it (hello greets, m4 expands a macro, sed substitutes, …;
# libraries: a small C program is compiled against the checked-out `dev`
# bundle and run).
#
# Usage: scripts/build-all.sh [--vendor DIR] [PKG…] [-- BUILD-OPTION…]
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

vendor_dir=""
selected=()
build_options=()
while [ $# -gt 0 ]; do
  case $1 in
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
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
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
for slug in "${selected[@]}"; do
  [ -f "$packages_dir/$slug.yaml" ] || {
    echo "build-all: no manifest manifests/packages/$slug.yaml" >&2
    exit 2
  }
done

cd "$repo_dir"
if [ -n "$vendor_dir" ]; then
  # The packages and the tcc bootstrap chain (which CI's proof builds next), named
  # file by file: the GNU chain in manifests/bootstrap/phaseN/gnu/ needs some 400 MB
  # of sources that CI never builds; scripts/prove-gnu-toolchain.sh vendors those.
  "$script_dir/vendor-debian.sh" "$vendor_dir" "$repo_dir/manifests/packages" \
    "$repo_dir"/manifests/bootstrap/phase*/*.yaml
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# checkout SLUG:BUNDLE → prints the directory it was written to
checkout() {
  local dir
  dir="$tmp/checkout/${1//:/-}"
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  # --flavor: the bootstrap phases have packages with the same slugs
  "${twonex[@]}" checkout "$1" "$dir" --flavor main >/dev/null
  echo "$dir"
}

# expect WHAT EXPECTED ACTUAL
expect() {
  if [ "$2" != "$3" ]; then
    echo "  $1: expected '$2', got '$3'" >&2
    return 1
  fi
}

# Compiles C source (stdin) against the given dev checkouts and runs it.
run_c() {
  local -a flags=() libpath=()
  local root prefix
  for root in "$@"; do
    for prefix in "$root"/opt/*; do
      flags+=("-I$prefix/include" "-L$prefix/lib")
      libpath+=("$prefix/lib")
    done
  done
  local link_libs=${LIBS:-} library_path lib resolved
  cat >"$tmp/check.c"
  # shellcheck disable=SC2086 # link_libs is a list of -l flags
  gcc -o "$tmp/check" "$tmp/check.c" "${flags[@]}" $link_libs
  library_path=$(IFS=:; echo "${libpath[*]}")
  # The host may have the same library (Debian ships these very versions): make
  # sure the program loads the one 2nex built.
  for lib in ${OURS:-}; do
    resolved=$(LD_LIBRARY_PATH=$library_path ldd "$tmp/check" | awk -v l="lib$lib.so" 'index($1, l) == 1 { print $3 }')
    if [[ $resolved != "$tmp/checkout/"* ]]; then
      echo "  lib$lib resolves to '$resolved', not to the checkout" >&2
      return 1
    fi
  done
  LD_LIBRARY_PATH=$library_path "$tmp/check"
}

check_hello() {
  local d
  d=$(checkout hello:default)
  expect "hello" "Hello, world!" "$("$d/usr/bin/hello")"
}

check_m4() {
  local d
  d=$(checkout m4:default)
  expect "m4" "hello 2nex" "$(printf "define(\`greet', \`hello \$1')greet(2nex)\n" | "$d/usr/bin/m4")"
}

check_sed() {
  local d
  d=$(checkout sed:default)
  expect "sed" "hello 2nex" "$(echo "hello world" | "$d/usr/bin/sed" 's/world/2nex/')"
}

check_patch() {
  local d
  d=$(checkout patch:default)
  printf 'one\ntwo\n' >"$tmp/a"
  printf 'one\nthree\n' >"$tmp/b"
  diff -u "$tmp/a" "$tmp/b" >"$tmp/a.diff" || true
  "$d/usr/bin/patch" --quiet "$tmp/a" "$tmp/a.diff"
  expect "patch" "$(cat "$tmp/b")" "$(cat "$tmp/a")"
}

check_findutils() {
  local d
  d=$(checkout findutils:default)
  expect "find" "$d/usr/bin/find" "$("$d/usr/bin/find" "$d/usr/bin" -name find -type f)"
  expect "xargs" "3" "$(printf '1 2 3' | "$d/usr/bin/xargs" -n 1 echo | wc -l)"
}

check_gdbm() {
  local d
  d=$(checkout gdbm:default)
  local tool="$d/opt/gdbm/bin/gdbmtool"
  LD_LIBRARY_PATH="$d/opt/gdbm/lib" "$tool" -n "$tmp/test.gdbm" store key 2nex
  expect "gdbmtool" "2nex" "$(LD_LIBRARY_PATH="$d/opt/gdbm/lib" "$tool" "$tmp/test.gdbm" fetch key)"
}

check_readline() {
  local d
  d=$(checkout readline:dev)
  # libreadline leaves the termcap library to the program: the host's libtinfo here.
  expect "readline" "8.2" "$(LIBS="-lreadline -ltinfo" OURS=readline run_c "$d" <<'EOF'
#include <stdio.h>
#include <readline/readline.h>
int main(void) { puts(rl_library_version); return 0; }
EOF
)"
}

check_gmp() {
  local d
  d=$(checkout gmp:dev)
  expect "gmp" "1267650600228229401496703205376" "$(LIBS=-lgmp OURS=gmp run_c "$d" <<'EOF'
#include <gmp.h>
int main(void) {
  mpz_t x;
  mpz_init(x);
  mpz_ui_pow_ui(x, 2, 100);
  gmp_printf("%Zd\n", x);
  return 0;
}
EOF
)"
}

check_mpfr() {
  local g m
  g=$(checkout gmp:dev)
  m=$(checkout mpfr:dev)
  expect "mpfr" "4.2.0 3.14159265358979323846" "$(LIBS="-lmpfr -lgmp" OURS="mpfr gmp" run_c "$g" "$m" <<'EOF'
#include <stdio.h>
#include <mpfr.h>
int main(void) {
  mpfr_t pi;
  mpfr_init2(pi, 200);
  mpfr_const_pi(pi, MPFR_RNDN);
  mpfr_printf("%s %.20Rf\n", mpfr_get_version(), pi);
  return 0;
}
EOF
)"
}

check_mpc() {
  local g m c
  g=$(checkout gmp:dev)
  m=$(checkout mpfr:dev)
  c=$(checkout mpc:dev)
  expect "mpc" "1.3.1 (+0 1.00000000000000000000)" "$(LIBS="-lmpc -lmpfr -lgmp" OURS="mpc mpfr gmp" run_c "$g" "$m" "$c" <<'EOF'
#include <stdio.h>
#include <mpc.h>
int main(void) {
  mpc_t z;
  mpc_init2(z, 64);
  mpc_set_si_si(z, -1, 0, MPC_RNDNN);
  mpc_sqrt(z, z, MPC_RNDNN);
  char *text = mpc_get_str(10, 0, z, MPC_RNDNN);
  printf("%s %s\n", mpc_get_version(), text);
  mpc_free_str(text);
  return 0;
}
EOF
)"
}

failures=0
summary=()
for slug in "${selected[@]}"; do
  echo "== $slug" >&2
  start=$(date +%s.%N)
  if "${twonex[@]}" build "${build_options[@]}" "manifests/packages/$slug.yaml"; then
    seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    if ! declare -F "check_$slug" >/dev/null; then
      result="built, no run check"
    elif "check_$slug"; then
      result="built, runs"
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
