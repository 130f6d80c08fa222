#!/usr/bin/env bash
# Benchmark: where the start-up of a command goes, by CPU time (user + sys of the process tree,
# GNU time), each with the `2nex` task's Deno flags:
#   - an empty `deno run`: the runtime alone;
#   - the launcher's modules, loaded and not run (what main.ts imports);
#   - an empty worker with narrowed permissions, started and answered (the isolate each command
#     runs in);
#   - `2nex --version`: the launcher, the worker, the command table;
#   - `2nex graph` and a no-op `build` of a generated 50-chain (a small, fully built workspace).
# Each figure is a batch of BATCH runs under one `time` divided by BATCH (GNU time counts in
# 10 ms steps); the batches are interleaved round by round so that the load of a busy machine
# falls on all alike; prints the median per run. With BASE set to another checkout of 2nex, its
# --version, graph and no-op build run in the same rounds.
#
# Usage: scripts/bench/startup.sh [ROUNDS]   (BATCH=10; WORK=/tmp/2nex-bench-startup; BASE=)
# shellcheck source=scripts/bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
require_gnu_time

ROUNDS="${1:-7}"
BATCH="${BATCH:-10}"
WORK="${WORK:-${TMPDIR:-/tmp}/2nex-bench-startup}"
BASE="${BASE:-}"
mkdir -p "$WORK"

# deno run with the task's flags, on another file than main.ts.
read -r -a words <<<"$TWONEX"
deno_run=("${words[@]:0:${#words[@]}-1}")

echo "" >"$WORK/empty.ts"
echo "import \"$REPO/lib/cli/mod.ts\";" >"$WORK/launcher-modules.ts"
echo "self.postMessage(0);" >"$WORK/empty-worker.ts"
cat >"$WORK/start-worker.ts" <<'TS'
// An empty worker that may touch nothing: the narrowest the launcher could start.
const worker = new Worker(new URL("./empty-worker.ts", import.meta.url), {
  type: "module",
  deno: { permissions: "none" },
});
worker.onmessage = () => worker.terminate();
TS

ws="$WORK/chain-50"
checksum="$(trivial_checksum "$WORK")"
if [[ ! -d "$ws/.2nex/repo" ]]; then
  deno run --quiet --allow-read --allow-write "$REPO/scripts/bench/gen-workspace.ts" 50 \
    --chain --out "$ws" --checksum "$checksum" >/dev/null
  "${TWONEX_ARGV[@]}" -C "$ws" build -q lib-00049 >/dev/null
fi
declare -A TWONEX_OF=([this]="$TWONEX")
variants=(this)
if [[ -n "$BASE" ]]; then
  TWONEX_OF[base]="$(twonex_of "$BASE")"
  variants=(base this)
  # Each checkout keeps its own manifest cache.
  [[ -d "$WORK/chain-50-base" ]] || cp -a "$ws" "$WORK/chain-50-base"
fi
ws_of() { if [[ $1 == base ]]; then echo "$ws-base"; else echo "$ws"; fi; }
# A no-op saves its ref snapshot once the last ref write is 2 s old; then the next ones use it.
sleep 2
for v in "${variants[@]}"; do
  read -r -a cmd <<<"${TWONEX_OF[$v]}"
  "${cmd[@]}" -C "$(ws_of "$v")" build -q lib-00049 >/dev/null
done

batch() { # KEY CMD…: BATCH runs of the command under one time, per run
  local key="$1" total
  shift
  # shellcheck disable=SC2016 # the loop is bash -c's
  total="$(cpu_seconds bash -c 'for ((i = 0; i < $0; i++)); do "$@" >/dev/null; done' "$BATCH" "$@")"
  runs[$key]+="$(awk -v t="$total" -v n="$BATCH" 'BEGIN {print t / n}') "
}
declare -A runs=()
for ((round = 0; round < ROUNDS; round++)); do
  batch empty "${deno_run[@]}" "$WORK/empty.ts"
  batch launcher "${deno_run[@]}" "$WORK/launcher-modules.ts"
  batch worker "${deno_run[@]}" "$WORK/start-worker.ts"
  for v in "${variants[@]}"; do
    read -r -a cmd <<<"${TWONEX_OF[$v]}"
    dir="$(ws_of "$v")"
    batch "$v-version" "${cmd[@]}" --version
    batch "$v-graph" "${cmd[@]}" -C "$dir" graph
    batch "$v-noop" "${cmd[@]}" -C "$dir" build -q lib-00049
  done
done

machine_line
ms() { awk -v s="$1" 'BEGIN {printf "%.0f", s * 1000}'; }
# shellcheck disable=SC2086 # lists of numbers
{
  echo "| CPU per run (median of $ROUNDS batches of $BATCH) | ms |"
  echo "|---|---|"
  echo "| empty \`deno run\` | $(ms "$(median ${runs[empty]})") |"
  echo "| the launcher's modules, loaded | $(ms "$(median ${runs[launcher]})") |"
  echo "| an empty worker with narrowed permissions | $(ms "$(median ${runs[worker]})") |"
  for v in "${variants[@]}"; do
    label="this checkout"
    [[ $v == base ]] && label="base ($BASE)"
    echo "| $label: \`2nex --version\` | $(ms "$(median ${runs[$v-version]})") |"
    echo "| $label: \`2nex graph\`, 50-chain | $(ms "$(median ${runs[$v-graph]})") |"
    echo "| $label: no-op \`build\`, 50-chain | $(ms "$(median ${runs[$v-noop]})") |"
  done
}
