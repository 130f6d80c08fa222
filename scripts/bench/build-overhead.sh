#!/usr/bin/env bash
# Benchmark: what 2nex adds to a trivial build (script `echo hi > "$OUT_DIR/x"`,
# one output listing /x), from `2nex build` to the ostree commit.
# Target (issue 4): under 150 ms of 2nex overhead per package beyond the script.
#
# Two measurements, each side by side with its baselines:
#  1. one package, `build --rebuild` (repository already there), against the
#     same script in bubblewrap with the namespaces and host-mode mounts 2nex
#     uses, the script in plain bash, and `deno run` of an empty script;
#  2. a chain of 20 trivial packages built from scratch (repository and cache
#     removed before each run), against 1 package from scratch: the difference
#     divided by 19 is the cost of one more package, start-up excluded.
#
# Usage: scripts/bench/build-overhead.sh    (RUNS=10, CHAIN_RUNS=5; WS=DIR)
# shellcheck source=scripts/bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNS="${RUNS:-10}"
CHAIN_RUNS="${CHAIN_RUNS:-5}"
CHAIN=20
WS="${WS:-${TMPDIR:-/tmp}/2nex-bench-build}"
TARGET_MS=150

require_tool hyperfine
require_tool bwrap bubblewrap
require_tool unshare util-linux
require_gnu_time

SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT

# The expected hash of the trivial result, so that builds verify as they would for real.
mkdir -p "$SCRATCH/out"
checksum="$(trivial_checksum "$SCRATCH")"
deno run --quiet --allow-read --allow-write "$REPO/scripts/bench/gen-workspace.ts" "$CHAIN" \
  --chain --out "$WS" --checksum "$checksum"
"${TWONEX_ARGV[@]}" -C "$WS" build -q "lib-00000" >/dev/null

# The baseline sandbox: the same helpers, namespaces and host-mode mounts as 2nex's bwrap
# sandbox (lib/sandbox/bwrap.ts), without 2nex around it.
host_dirs=(--ro-bind /usr /usr)
for dir in bin sbin lib lib64; do
  if [[ -L "/$dir" ]]; then
    host_dirs+=(--symlink "$(readlink "/$dir")" "/$dir")
  elif [[ -d "/$dir" ]]; then
    host_dirs+=(--ro-bind "/$dir" "/$dir")
  fi
done
bwrap_cmd="unshare --user --map-root-user --net -- bwrap --unshare-user --unshare-ipc \
--unshare-pid --unshare-uts --unshare-cgroup-try --uid 0 --gid 0 --hostname 2nex \
--die-with-parent --new-session --cap-drop ALL --clearenv --setenv PATH /usr/bin:/bin \
${host_dirs[*]} --dir /2nex/work --bind $SCRATCH/out /2nex/out --tmpfs /tmp --proc /proc \
--dev /dev --chdir /2nex/work -- bash -c 'echo hi > /2nex/out/x'"
echo 'Deno.exit(0);' >"$SCRATCH/empty.ts"

machine_line
single="$RESULTS/build-overhead-single.json"
hyperfine --warmup 2 --runs "$RUNS" --export-json "$single" --style basic \
  -n "bash script" "bash -c 'echo hi > $SCRATCH/out/x'" \
  -n "bwrap script" "$bwrap_cmd" \
  -n "deno empty" "deno run --quiet $SCRATCH/empty.ts" \
  -n "2nex build --rebuild" "$TWONEX -C '$WS' build -q --rebuild lib-00000" >/dev/null
echo
summarize "$single" "bwrap script"

chain="$RESULTS/build-overhead-chain.json"
hyperfine --runs "$CHAIN_RUNS" --export-json "$chain" --style basic \
  --prepare "rm -rf '$WS/.2nex'" \
  -n "1 package from scratch" "$TWONEX -C '$WS' build -q lib-00000" \
  -n "$CHAIN packages from scratch" "$TWONEX -C '$WS' build -q lib-$(printf %05d $((CHAIN - 1)))" \
  >/dev/null
echo
summarize "$chain"

rm -rf "$WS/.2nex"
chain_mib="$(peak_rss_mib 1 "${TWONEX_ARGV[@]}" -C "$WS" build -q "lib-$(printf %05d $((CHAIN - 1)))")"
echo
echo "peak RSS of the $CHAIN-package build from scratch: $chain_mib MiB"

# shellcheck disable=SC2016 # TypeScript, not shell
deno eval --quiet '
  const [singleFile, chainFile, chain, target] = Deno.args;
  const median = (file, name) =>
    JSON.parse(Deno.readTextFileSync(file)).results.find((r) => r.command === name).median * 1000;
  const bwrap = median(singleFile, "bwrap script");
  const single = median(singleFile, "2nex build --rebuild") - bwrap;
  const one = median(chainFile, "1 package from scratch");
  const many = median(chainFile, `${chain} packages from scratch`);
  const perPackage = (many - one) / (Number(chain) - 1);
  const overhead = perPackage - bwrap;
  console.log(`one rebuild: ${single.toFixed(0)} ms beyond the sandboxed script (start-up included)`);
  console.log(`per package in a ${chain}-chain: ${perPackage.toFixed(0)} ms, ` +
    `${overhead.toFixed(0)} ms beyond the sandboxed script ` +
    `(target < ${target}): ${overhead < Number(target) ? "MET" : "MISSED"}`);
' "$single" "$chain" "$CHAIN" "$TARGET_MS"
