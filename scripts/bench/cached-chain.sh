#!/usr/bin/env bash
# Benchmark: a fully cached `2nex build` of the last package of a chain of 200
# trivial packages (each depending on the previous one).
# Target (issue 4): under 1 s.
#
# The chain is built once first (about a minute; skipped when the workspace is
# already built). Side by side: `deno run` of an empty script (runtime
# start-up) and `2nex graph` of the same workspace (loading and resolving the
# 200 manifests), so that what is left is the cache lookups themselves.
#
# Usage: scripts/bench/cached-chain.sh [N]    (N=200; RUNS=10; WS=DIR)
# shellcheck source=scripts/bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

N="${1:-200}"
RUNS="${RUNS:-10}"
WS="${WS:-${TMPDIR:-/tmp}/2nex-bench-cached-$N}"
TARGET_MS=1000
LAST="lib-$(printf %05d $((N - 1)))"

require_tool hyperfine
require_tool bwrap bubblewrap
require_gnu_time

SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
checksum="$(trivial_checksum "$SCRATCH")"

# Regenerate only when the manifests would differ: keeping the workspace keeps its repository.
if [[ ! -f "$WS/.2nex-bench-workspace" || ! -f "$WS/manifests/group-000/lib-00000.yaml" ]] ||
  ! grep -q "$checksum" "$WS/manifests/group-000/lib-00000.yaml" ||
  [[ ! -f "$WS/manifests/$(printf 'group-%03d' $(((N - 1) / 100)))/$LAST.yaml" ]] ||
  [[ -f "$WS/manifests/$(printf 'group-%03d' $((N / 100)))/lib-$(printf %05d "$N").yaml" ]]; then
  deno run --quiet --allow-read --allow-write "$REPO/scripts/bench/gen-workspace.ts" "$N" \
    --chain --out "$WS" --checksum "$checksum"
fi
echo "building the chain of $N once (cached if already built)…"
start=$(date +%s%N)
"${TWONEX_ARGV[@]}" -C "$WS" build -q "$LAST" >/dev/null
echo "first build: $((($(date +%s%N) - start) / 1000000)) ms"

echo 'Deno.exit(0);' >"$SCRATCH/empty.ts"
machine_line
json="$RESULTS/cached-chain-$N.json"
hyperfine --warmup 1 --runs "$RUNS" --export-json "$json" --style basic \
  -n "deno empty" "deno run --quiet $SCRATCH/empty.ts" \
  -n "2nex graph" "$TWONEX -C '$WS' graph" \
  -n "2nex build (cached)" "$TWONEX -C '$WS' build -q $LAST" >/dev/null
echo
summarize "$json" "2nex graph"

rss_mib="$(peak_rss_mib 2 "${TWONEX_ARGV[@]}" -C "$WS" build -q "$LAST")"
echo
echo "peak RSS of the cached build: $rss_mib MiB"

# A cached build must not build anything: check the summary line.
summary="$("${TWONEX_ARGV[@]}" -C "$WS" build "$LAST" 2>&1 | tail -1)"
[[ "$summary" == "0 built, $N cached, 0 failed"* ]] || {
  echo "bench: the build was not fully cached: $summary" >&2
  exit 1
}

# shellcheck disable=SC2016 # TypeScript, not shell
deno eval --quiet '
  const [file, target] = Deno.args;
  const ms = JSON.parse(Deno.readTextFileSync(file)).results
    .find((r) => r.command === "2nex build (cached)").median * 1000;
  console.log(`cached build: median ${ms.toFixed(0)} ms (target < ${target}): ` +
    `${ms < Number(target) ? "MET" : "MISSED"}`);
' "$json" "$TARGET_MS"
