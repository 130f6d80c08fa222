#!/usr/bin/env bash
# Benchmark: wall and CPU time (user + sys of the process tree, GNU time) of a trivial
# `build --rebuild` and of building a chain of 1 and of N trivial packages from scratch (the
# cost per extra package is (N - 1)'s over N - 1), the rows of issue 19 that compare.sh
# measures against Nix. Runs are interleaved round by round so that the load of a busy machine
# falls on all alike; prints medians. With BASE set to another checkout of 2nex (e.g.
# /work/main), it runs in the same rounds on its own copy of the workspace.
#
# Usage: scripts/bench/rebuild-cpu.sh [ROUNDS]   (CHAIN=50; WORK=/tmp/2nex-bench-rebuild; BASE=)
# shellcheck source=scripts/bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require_gnu_time

ROUNDS="${1:-7}"
CHAIN="${CHAIN:-50}"
WORK="${WORK:-${TMPDIR:-/tmp}/2nex-bench-rebuild}"
BASE="${BASE:-}"
last="lib-$(printf %05d $((CHAIN - 1)))"

checksum="$(trivial_checksum "$WORK")"
declare -A TWONEX_OF=([this]="$TWONEX")
variants=(this)
[[ -n "$BASE" ]] && TWONEX_OF[base]="$(twonex_of "$BASE")" && variants=(base this)
for v in "${variants[@]}"; do
  rm -rf "$WORK/$v"
  deno run --quiet --allow-read --allow-write "$REPO/scripts/bench/gen-workspace.ts" "$CHAIN" \
    --chain --out "$WORK/$v" --checksum "$checksum" >/dev/null
done

measure() { # wall, then user + sys seconds of one run of the command
  local log
  log="$(mktemp)"
  /usr/bin/time -o "$log" -f '%e %U %S' "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; exit 1; }
  awk '{print $1, $2 + $3}' "$log"
  rm -f "$log"
}
declare -A wall=() cpu=()
record() { # KEY CMD…
  local key="$1" w c
  shift
  read -r w c < <(measure "$@")
  wall[$key]+="$w " cpu[$key]+="$c "
}
for ((i = 0; i < ROUNDS; i++)); do
  for v in "${variants[@]}"; do
    read -r -a cmd <<<"${TWONEX_OF[$v]}"
    ws="$WORK/$v"
    rm -rf "$ws/.2nex"
    record "$v-1" "${cmd[@]}" -C "$ws" build -q lib-00000
    record "$v-rebuild" "${cmd[@]}" -C "$ws" build -q --rebuild lib-00000
    rm -rf "$ws/.2nex"
    record "$v-$CHAIN" "${cmd[@]}" -C "$ws" build -q "$last"
  done
done
machine_line
echo "| checkout | rebuild wall | rebuild CPU | 1 from scratch wall / CPU | $CHAIN from scratch wall / CPU | per extra package wall / CPU |"
echo "|---|---|---|---|---|---|"
for v in "${variants[@]}"; do
  # shellcheck disable=SC2086 # lists of numbers
  rw="$(median ${wall[$v-rebuild]})" rc="$(median ${cpu[$v-rebuild]})"
  # shellcheck disable=SC2086
  w1="$(median ${wall[$v-1]})" c1="$(median ${cpu[$v-1]})"
  # shellcheck disable=SC2086
  wn="$(median ${wall[$v-$CHAIN]})" cn="$(median ${cpu[$v-$CHAIN]})"
  name="this checkout"
  [[ "$v" == base ]] && name="base ($BASE)"
  awk -v name="$name" -v rw="$rw" -v rc="$rc" -v w1="$w1" -v c1="$c1" -v wn="$wn" -v cn="$cn" \
    -v n="$CHAIN" 'BEGIN {
      printf "| %s | %.0f ms | %.0f ms | %.0f / %.0f ms | %.2f / %.2f s | %.1f / %.1f ms |\n",
        name, rw * 1000, rc * 1000, w1 * 1000, c1 * 1000, wn, cn,
        (wn - w1) / (n - 1) * 1000, (cn - c1) / (n - 1) * 1000
    }'
done
echo "(medians of $ROUNDS rounds; GNU time: 10 ms resolution per run)"
