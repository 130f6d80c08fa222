#!/usr/bin/env bash
# Benchmark: `2nex lint` and `2nex graph` on a generated workspace of N
# manifests (default 10,000, about 5 dependencies each).
# Target (issue 2): each under 2 s and under 500 MiB peak RSS on a 2-core machine.
#
# Each command is measured cold (the cache of loaded manifests,
# .2nex/cache/manifests.json, deleted before every run: every file parsed and
# validated, then the cache written) and warm (the cache of the previous run:
# every file read and hashed, none parsed).
#
# Side by side with three baselines: `cat` of every manifest (reading the
# bytes), `deno run` of an empty script (the runtime's start-up), and cold lint
# on one thread (TWONEX_LOAD_THREADS=1: no worker threads share the validation).
#
# Usage: scripts/bench/lint-graph.sh [N]
#   RUNS=3 (hyperfine runs per command), WS=DIR (workspace; reused when it was
#   generated with the same N), RSS_RUNS=2 (runs under /usr/bin/time -v).
# shellcheck source=scripts/bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

N="${1:-10000}"
RUNS="${RUNS:-3}"
RSS_RUNS="${RSS_RUNS:-2}"
WS="${WS:-${TMPDIR:-/tmp}/2nex-bench-lint-$N}"
TARGET_MS=2000
TARGET_MIB=500

require_tool hyperfine
require_gnu_time

# Generating 10,000 files takes several seconds on a slow disk: reuse a workspace of the same size.
if [[ -f "$WS/.2nex-bench-workspace" && -f "$WS/.count" && "$(cat "$WS/.count")" == "$N" ]]; then
  echo "reusing $WS ($N manifests)"
else
  deno run --quiet --allow-read --allow-write "$REPO/scripts/bench/gen-workspace.ts" "$N" --out "$WS"
  echo "$N" >"$WS/.count"
fi

EMPTY="$(mktemp --suffix=.ts)"
trap 'rm -f "$EMPTY"' EXIT

machine_line
json="$RESULTS/lint-graph-$N.json"
# --warmup 1: the first run fills the page cache and Deno's module cache.
CACHE="$WS/.2nex/cache/manifests.json"
hyperfine --warmup 1 --runs "$RUNS" --export-json "$json" --style basic \
  --prepare "true" -n "cat manifests" "find '$WS/manifests' -name '*.yaml' -exec cat {} + >/dev/null" \
  --prepare "true" -n "deno empty" "deno run --quiet $EMPTY" \
  --prepare "rm -f '$CACHE'" -n "2nex lint (cold, one thread)" "env TWONEX_LOAD_THREADS=1 $TWONEX -C '$WS' lint" \
  --prepare "rm -f '$CACHE'" -n "2nex lint (cold)" "$TWONEX -C '$WS' lint" \
  --prepare "rm -f '$CACHE'" -n "2nex graph (cold)" "$TWONEX -C '$WS' graph" \
  --prepare "true" -n "2nex lint (warm)" "$TWONEX -C '$WS' lint" \
  --prepare "true" -n "2nex graph (warm)" "$TWONEX -C '$WS' graph" >/dev/null
echo
summarize "$json" "cat manifests"

# Peak memory of a cold run (the larger: it holds the parsed documents and writes the cache).
cold_rss() {
  rm -f "$CACHE"
  peak_rss_mib 1 "${TWONEX_ARGV[@]}" -C "$WS" "$1"
}
lint_mib=0
graph_mib=0
for ((run = 0; run < RSS_RUNS; run++)); do
  mib="$(cold_rss lint)" && ((mib > lint_mib)) && lint_mib="$mib"
  mib="$(cold_rss graph)" && ((mib > graph_mib)) && graph_mib="$mib"
done
echo
echo "peak RSS (cold): lint ${lint_mib} MiB, graph ${graph_mib} MiB"

# Verdict on the medians.
# shellcheck disable=SC2016 # TypeScript, not shell
deno eval --quiet '
  const [file, targetMs, targetMib, lintMib, graphMib] = Deno.args;
  const { results } = JSON.parse(Deno.readTextFileSync(file));
  const rss = { lint: Number(lintMib), graph: Number(graphMib) };
  for (const command of ["lint", "graph"]) for (const state of ["cold", "warm"]) {
    const name = `2nex ${command} (${state})`;
    const ms = results.find((r) => r.command === name).median * 1000;
    const ok = ms < Number(targetMs) && rss[command] < Number(targetMib);
    console.log(`${name}: median ${ms.toFixed(0)} ms (target < ${targetMs}), ` +
      `peak ${rss[command]} MiB (target < ${targetMib}): ${ok ? "MET" : "MISSED"}`);
  }
' "$json" "$TARGET_MS" "$TARGET_MIB" "$lint_mib" "$graph_mib"
