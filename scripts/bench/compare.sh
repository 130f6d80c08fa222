#!/usr/bin/env bash
# Benchmark: 2nex against its anchors, paired in one run (issue 19's table):
#   1. no-op build of a cached 1,000-package chain   vs `nix-build` no-op, `2nex graph`
#   2. per extra package from scratch, 50-chain       vs Nix (fresh derivations)
#   3. trivial `build --rebuild`                       vs a new `nix-build` derivation
#   4. `2nex hash` of a large tree, and of a tree of   vs `nix-hash`, `openssl sha256` per file
#      many small files
#   5. cold `lint` of 80,000 manifests (time, peak RSS) vs PyYAML's C loader, `cat`
# and prints each ratio. Installs Nix (Debian's nix-bin, single-user, sandbox on),
# hyperfine and GNU time as root when missing. Minutes long; not a test.
#
# Usage: scripts/bench/compare.sh   (RUNS=5; CHAIN=1000; LINT_N=80000; TREE=/usr/lib/x86_64-linux-gnu;
#                                    SMALL_TREE=/usr/include; PYYAML_PYTHON=/usr/bin/python3)
# shellcheck source=scripts/bench/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

RUNS="${RUNS:-5}"
CHAIN="${CHAIN:-1000}"
SMALL_CHAIN=50
LINT_N="${LINT_N:-80000}"
TREE="${TREE:-/usr/lib/x86_64-linux-gnu}"
SMALL_TREE="${SMALL_TREE:-/usr/include}"
WORK="${WORK:-${TMPDIR:-/tmp}/2nex-bench-compare}"

# apt_install PACKAGE: as root on Debian, installs it (refreshing the lists if needed).
apt_install() {
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$1" \
      >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$1" >/dev/null; }
  fi
}

install_if_missing() {
  local tool="$1" package="$2"
  command -v "$tool" >/dev/null 2>&1 && return 0
  apt_install "$package"
  require_tool "$tool" "$package"
}
install_if_missing nix-build nix-bin
install_if_missing hyperfine hyperfine
install_if_missing openssl openssl
install_if_missing busybox busybox-static
require_gnu_time
# The PyYAML anchor is Debian's python3 with Debian's python3-yaml (libyaml's C loader), named
# by path: another python3 first on PATH (pyenv's, here) loaded the 80,000 manifests in 41 s of
# CPU where Debian's took 27 s, which would flatter 2nex.
PYYAML_PYTHON="${PYYAML_PYTHON:-/usr/bin/python3}"
"$PYYAML_PYTHON" -c 'import yaml; yaml.CLoader' 2>/dev/null || apt_install python3-yaml
"$PYYAML_PYTHON" -c 'import yaml; yaml.CLoader' || {
  echo "bench: $PYYAML_PYTHON has no PyYAML with its C loader (Debian: apt-get install python3-yaml)" >&2
  exit 1
}

# Single-user Nix with its sandbox on and no substituters (this machine reaches none: asking
# one costs seconds per build); the builder is busybox's sh, mounted as /bin/sh.
export NIX_CONFIG=$'build-users-group =\nsubstituters =\nsandbox = true\nsandbox-paths = /bin/sh='"$(command -v busybox)"
mkdir -p "$WORK"
cat >"$WORK/chain.nix" <<'NIX'
{ n, salt ? "" }:
let
  step = prev: i: derivation {
    name = "p${toString i}";
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "echo hi > $out" ];
    inherit salt;
    dep = prev;
  };
in builtins.foldl' step "" (builtins.genList (i: i) n)
NIX
# A new salt per run makes every derivation new, as a from-scratch build needs.
cat >"$WORK/fresh-nix.sh" <<NIX
#!/usr/bin/env bash
exec nix-build --no-out-link "$WORK/chain.nix" --arg n "\$1" --argstr salt "\$(date +%s%N)\$RANDOM" >/dev/null 2>&1
NIX
chmod +x "$WORK/fresh-nix.sh"

checksum="$(trivial_checksum "$WORK")"
median() { deno eval --quiet 'const j = JSON.parse(Deno.readTextFileSync(Deno.args[0])); for (const r of j.results) console.log(r.command + "\t" + r.median);' "$1"; }
ratio() { deno eval --quiet 'console.log((Number(Deno.args[0]) / Number(Deno.args[1])).toFixed(2))' "$1" "$2"; }
declare -A M=()
record() { while IFS=$'\t' read -r name value; do M[$name]=$value; done < <(median "$1"); }

machine_line
echo

# --- 1. no-op build of a cached chain ---------------------------------------------------
ws="$WORK/chain-$CHAIN"
last="lib-$(printf %05d $((CHAIN - 1)))"
deno run --quiet --allow-read --allow-write "$REPO/scripts/bench/gen-workspace.ts" "$CHAIN" \
  --chain --out "$ws" --checksum "$checksum" >/dev/null
echo "1. building the $CHAIN-chain once with 2nex and with Nix…"
"${TWONEX_ARGV[@]}" -C "$ws" build -q "$last" >/dev/null
nix-build --no-out-link "$WORK/chain.nix" --arg n "$CHAIN" >/dev/null 2>&1
# A no-op saves its ref snapshot only once the repository's last ref write is 2 s old
# (lib/store/ref_snapshot.ts); the warm-up run saves it, the measured runs use it.
sleep 2
hyperfine --warmup 1 --runs "$RUNS" --export-json "$RESULTS/compare-noop.json" --style none \
  -n "noop-2nex" "$TWONEX -C '$ws' build -q $last" \
  -n "noop-graph" "$TWONEX -C '$ws' graph" \
  -n "noop-nix" "nix-build --no-out-link '$WORK/chain.nix' --arg n $CHAIN" >/dev/null 2>&1
record "$RESULTS/compare-noop.json"

# --- 2. per extra package from scratch ------------------------------------------------------
ws50="$WORK/chain-$SMALL_CHAIN"
deno run --quiet --allow-read --allow-write "$REPO/scripts/bench/gen-workspace.ts" "$SMALL_CHAIN" \
  --chain --out "$ws50" --checksum "$checksum" >/dev/null
echo "2. chains of 1 and $SMALL_CHAIN from scratch…"
hyperfine --runs "$RUNS" --export-json "$RESULTS/compare-scratch.json" --style none \
  --prepare "rm -rf '$ws50/.2nex'" \
  -n "scratch-2nex-1" "$TWONEX -C '$ws50' build -q lib-00000" \
  -n "scratch-2nex-n" "$TWONEX -C '$ws50' build -q lib-$(printf %05d $((SMALL_CHAIN - 1)))" \
  -n "scratch-nix-1" "$WORK/fresh-nix.sh 1" \
  -n "scratch-nix-n" "$WORK/fresh-nix.sh $SMALL_CHAIN" >/dev/null
record "$RESULTS/compare-scratch.json"

# --- 3. trivial rebuild ------------------------------------------------------------------
echo "3. a trivial rebuild…"
"${TWONEX_ARGV[@]}" -C "$ws50" build -q lib-00000 >/dev/null
hyperfine --warmup 1 --runs "$((RUNS * 2))" --export-json "$RESULTS/compare-rebuild.json" --style none \
  -n "rebuild-2nex" "$TWONEX -C '$ws50' build -q --rebuild lib-00000" \
  -n "rebuild-nix" "$WORK/fresh-nix.sh 1" >/dev/null
record "$RESULTS/compare-rebuild.json"

# --- 4. hashing a tree -------------------------------------------------------------------
# Bytes on disk (a hard-linked file once) and bytes by name (once per name, as nix-hash and
# openssl read them; 2nex reads a hard-linked file once).
tree_size() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
files=$(find "$TREE" -type f | wc -l)
bytes=$(du -sb "$TREE" | cut -f1)
named=$(tree_size "$TREE")
echo "4. hashing $TREE ($files files, $((bytes / 1000000)) MB on disk, $((named / 1000000)) MB by name)…"
hyperfine --warmup 1 --runs "$RUNS" --export-json "$RESULTS/compare-hash.json" --style none \
  -n "hash-2nex" "$TWONEX hash '$TREE'" \
  -n "hash-nix" "nix-hash --type sha256 '$TREE'" \
  -n "hash-openssl" "find '$TREE' -type f -print0 | xargs -0 openssl sha256 >/dev/null" >/dev/null
record "$RESULTS/compare-hash.json"
small_files=$(find "$SMALL_TREE" -type f | wc -l)
small_named=$(tree_size "$SMALL_TREE")
echo "   and $SMALL_TREE ($small_files files, $((small_named / 1000000)) MB)…"
hyperfine --warmup 1 --runs "$RUNS" --export-json "$RESULTS/compare-hash-small.json" --style none \
  -n "hash-small-2nex" "$TWONEX hash '$SMALL_TREE'" \
  -n "hash-small-nix" "nix-hash --type sha256 '$SMALL_TREE'" >/dev/null
record "$RESULTS/compare-hash-small.json"

# --- 5. cold lint of many manifests --------------------------------------------------------
wsl="$WORK/lint-$LINT_N"
echo "5. cold lint of $LINT_N manifests (generating them once)…"
deno run --quiet --allow-read --allow-write "$REPO/scripts/bench/gen-workspace.ts" "$LINT_N" \
  --out "$wsl" >/dev/null
cat >"$WORK/pyyaml-load.py" <<'PY'
import sys, pathlib, yaml
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.yaml")):
    with open(path, "rb") as f:
        yaml.load(f, Loader=yaml.CLoader)
PY
hyperfine --runs "$RUNS" --export-json "$RESULTS/compare-lint.json" --style none \
  --prepare "rm -f '$wsl/.2nex/cache/manifests.json'" \
  -n "lint-2nex" "$TWONEX -C '$wsl' lint -q" \
  -n "lint-pyyaml" "$PYYAML_PYTHON '$WORK/pyyaml-load.py' '$wsl/manifests'" \
  -n "lint-cat" "find '$wsl/manifests' -name '*.yaml' -print0 | xargs -0 cat >/dev/null" >/dev/null
record "$RESULTS/compare-lint.json"
rm -rf "$wsl/.2nex/cache"
lint_mib="$(peak_rss_mib 1 "${TWONEX_ARGV[@]}" -C "$wsl" lint -q)"

ms() { deno eval --quiet 'console.log((Number(Deno.args[0]) * 1000).toFixed(0))' "$1"; }
per_extra() { deno eval --quiet 'console.log(((Number(Deno.args[0]) - Number(Deno.args[1])) / Number(Deno.args[2]) * 1000).toFixed(1))' "$1" "$2" "$((SMALL_CHAIN - 1))"; }
twonex_extra=$(per_extra "${M[scratch-2nex-n]}" "${M[scratch-2nex-1]}")
nix_extra=$(per_extra "${M[scratch-nix-n]}" "${M[scratch-nix-1]}")
echo
echo "| measure (medians) | 2nex | anchor | 2nex / anchor | target |"
echo "|---|---|---|---|---|"
echo "| no-op build, cached $CHAIN-chain | $(ms "${M[noop-2nex]}") ms | nix-build $(ms "${M[noop-nix]}") ms; 2nex graph $(ms "${M[noop-graph]}") ms | $(ratio "${M[noop-2nex]}" "${M[noop-nix]}")×; $(ratio "${M[noop-2nex]}" "${M[noop-graph]}")× | ≤ 2×; ≤ 1.3× |"
echo "| per extra package from scratch ($SMALL_CHAIN-chain) | $twonex_extra ms | Nix $nix_extra ms | $(ratio "$twonex_extra" "$nix_extra")× | ≤ 1.5× |"
echo "| trivial build --rebuild | $(ms "${M[rebuild-2nex]}") ms | new nix-build derivation $(ms "${M[rebuild-nix]}") ms | $(ratio "${M[rebuild-2nex]}" "${M[rebuild-nix]}")× | ≤ 1.0× |"
echo "| hash of $((bytes / 1000000)) MB ($((named / 1000000)) MB by name), $files files | $(ms "${M[hash-2nex]}") ms | nix-hash $(ms "${M[hash-nix]}") ms; openssl $(ms "${M[hash-openssl]}") ms | throughput $(ratio "${M[hash-nix]}" "${M[hash-2nex]}")× nix-hash | ≥ 1.0× |"
echo "| hash of $small_files small files, $((small_named / 1000000)) MB | $(ms "${M[hash-small-2nex]}") ms | nix-hash $(ms "${M[hash-small-nix]}") ms | throughput $(ratio "${M[hash-small-nix]}" "${M[hash-small-2nex]}")× nix-hash | — |"
echo "| cold lint of $LINT_N manifests | $(ms "${M[lint-2nex]}") ms, $lint_mib MiB peak | PyYAML C $(ms "${M[lint-pyyaml]}") ms; cat $(ms "${M[lint-cat]}") ms | $(ratio "${M[lint-2nex]}" "${M[lint-pyyaml]}")× PyYAML | ≤ 0.25×, ≤ 512 MiB |"
