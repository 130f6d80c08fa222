#!/usr/bin/env bash
# Benchmark: CPU time (user + sys, GNU time) of a no-op `build` of a cached chain and of
# `graph` on the same workspace, interleaved round by round so that the load of a busy machine
# falls on both alike; prints each median and their ratio (issue 19: ≤ 1.3×). With BASE set to
# another checkout of 2nex (e.g. /work/main), its build and graph run in the same rounds, on a
# copy of the workspace (each checkout keeps its own manifest cache).
#
# Usage: scripts/bench/noop-cpu.sh [ROUNDS]   (CHAIN=1000; WORK=/tmp/2nex-bench-noop; BASE=)
# shellcheck source=scripts/bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require_gnu_time

ROUNDS="${1:-15}"
CHAIN="${CHAIN:-1000}"
WORK="${WORK:-${TMPDIR:-/tmp}/2nex-bench-noop}"
BASE="${BASE:-}"
ws="$WORK/chain-$CHAIN"
last="lib-$(printf %05d $((CHAIN - 1)))"

checksum="$(trivial_checksum "$WORK")"
if [[ ! -d "$ws/.2nex/repo" ]]; then
  deno run --quiet --allow-read --allow-write "$REPO/scripts/bench/gen-workspace.ts" "$CHAIN" \
    --chain --out "$ws" --checksum "$checksum" >/dev/null
  echo "building the $CHAIN-chain once…"
  "${TWONEX_ARGV[@]}" -C "$ws" build -q "$last" >/dev/null
fi
if [[ -n "$BASE" ]]; then
  base_ws="$WORK/chain-$CHAIN-base"
  [[ -d "$base_ws" ]] || cp -a "$ws" "$base_ws"
  BASE_TWONEX="$(twonex_of "$BASE")"
fi
# A no-op saves its ref snapshot once the last ref write is 2 s old; then the next ones use it.
sleep 2
"${TWONEX_ARGV[@]}" -C "$ws" build -q "$last" >/dev/null

declare -A runs=()
for ((i = 0; i < ROUNDS; i++)); do
  if [[ -n "$BASE" ]]; then
    # shellcheck disable=SC2086 # a command line
    runs[base-build]+="$(cpu_seconds $BASE_TWONEX -C "$base_ws" build -q "$last") "
    # shellcheck disable=SC2086
    runs[base-graph]+="$(cpu_seconds $BASE_TWONEX -C "$base_ws" graph) "
  fi
  runs[build]+="$(cpu_seconds "${TWONEX_ARGV[@]}" -C "$ws" build -q "$last") "
  runs[graph]+="$(cpu_seconds "${TWONEX_ARGV[@]}" -C "$ws" graph) "
done
machine_line
report() {
  local build graph
  # shellcheck disable=SC2086 # lists of numbers
  build="$(median ${runs[$1build]})" graph="$(median ${runs[$1graph]})"
  echo "$2: no-op build ${build} s, graph ${graph} s CPU (medians of $ROUNDS): $(
    awk -v b="$build" -v g="$graph" 'BEGIN {printf "%.2f", b / g}')×"
}
[[ -n "$BASE" ]] && report base- "base ($BASE)"
report "" "this checkout"
