# shellcheck shell=bash
# Shared helpers for the shell benchmarks in scripts/bench/ (sourced, not run).
#
# After sourcing: REPO (repository root), TWONEX (the 2nex command line, as one
# shell string for hyperfine) and TWONEX_ARGV (the same as an array), RESULTS
# (a directory for hyperfine's JSON), and the functions below.
#
# TWONEX is the `2nex` task of deno.json, run with `deno run` directly: `deno
# task` would add its own start-up and banner to every measurement. Set TWONEX
# in the environment to measure another build of 2nex (e.g. `dist/2nex`).

set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RESULTS="${RESULTS:-${TMPDIR:-/tmp}/2nex-bench-results}"
mkdir -p "$RESULTS"

# The task's command with absolute paths, so that it runs from any directory.
twonex_from_task() {
  # shellcheck disable=SC2016 # TypeScript, not shell
  deno eval --quiet '
    const config = JSON.parse(Deno.readTextFileSync(Deno.args[0] + "/deno.json"));
    const words = config.tasks["2nex"].split(/\s+/);
    if (words[0] !== "deno" || words[1] !== "run" || words.at(-1) !== "main.ts") {
      throw new Error("unexpected 2nex task: " + config.tasks["2nex"]);
    }
    words.splice(2, 0, "--config", Deno.args[0] + "/deno.json");
    words[words.length - 1] = Deno.args[0] + "/main.ts";
    console.log(words.join(" "));
  ' "$REPO"
}
TWONEX="${TWONEX:-$(twonex_from_task)}"
# shellcheck disable=SC2034 # used by the scripts that source this file
read -r -a TWONEX_ARGV <<<"$TWONEX"

# twonex_of DIR: the 2nex task's command line of another checkout DIR (for BASE=DIR runs).
twonex_of() {
  local words
  read -r -a words <<<"$TWONEX"
  words[3]="$1/deno.json" # deno run --config FILE …
  words[${#words[@]} - 1]="$1/main.ts"
  echo "${words[*]}"
}

# trivial_checksum DIR: the output hash of the generated chains' packages (one file /x
# holding "hi"), computed by 2nex itself in DIR/result.
trivial_checksum() {
  mkdir -p "$1/result"
  echo hi >"$1/result/x"
  "${TWONEX_ARGV[@]}" hash "$1/result"
}

# Fails with a hint when a tool is missing; installs GNU time on Debian as root.
require_tool() {
  local tool="$1"
  if command -v "$tool" >/dev/null 2>&1; then return 0; fi
  echo "bench: $tool is missing (Debian: apt-get install ${2:-$tool})" >&2
  exit 1
}

require_gnu_time() {
  if [[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1; then return 0; fi
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    apt-get install -y -qq time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
  fi
  [[ -x /usr/bin/time ]] || { echo "bench: GNU time is missing (apt-get install time)" >&2; exit 1; }
}

# peak_rss_mib RUNS CMD…: the largest "Maximum resident set size" of RUNS runs, in MiB.
# The command's output is discarded; a failing command fails the benchmark.
peak_rss_mib() {
  local runs="$1" peak=0 kib log
  shift
  log="$(mktemp)"
  for ((i = 0; i < runs; i++)); do
    if ! /usr/bin/time -v -o "$log" "$@" >/dev/null 2>&1; then
      echo "bench: command failed: $*" >&2
      cat "$log" >&2
      rm -f "$log"
      exit 1
    fi
    kib="$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$log")"
    ((kib > peak)) && peak="$kib"
  done
  rm -f "$log"
  echo $(((peak + 1023) / 1024))
}

# summarize JSON [BASELINE]: the Markdown table of a hyperfine JSON export.
summarize() {
  deno run --quiet --allow-read "$REPO/scripts/bench/summarize.ts" "$1" ${2:+--baseline "$2"}
}

# The machine, for the record next to the figures.
machine_line() {
  local cpu
  cpu="$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
  echo "machine: $(nproc) cores ($cpu), $(free -m | awk '/^Mem:/{print $2}') MiB RAM," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg), $(deno --version | head -1)"
}

# cpu_seconds CMD…: user + sys seconds (GNU time) of one run of the command and its children;
# its output is discarded and a failing command fails the benchmark.
cpu_seconds() {
  local log
  log="$(mktemp)"
  /usr/bin/time -o "$log" -f '%U %S' "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; exit 1; }
  awk '{print $1 + $2}' "$log"
  rm -f "$log"
}

# median N…: the median of the numbers.
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
