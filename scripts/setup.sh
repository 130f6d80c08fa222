#!/usr/bin/env bash
# Installs what 2nex and its tests need on a fresh Debian machine, and nothing
# when all is present: Deno (from npm) and, as root, the host tools from Debian.
# Idempotent and quiet when there is nothing to do.
set -euo pipefail

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }

if ! have deno; then
  if have npm; then
    echo "setup: installing Deno from npm" >&2
    npm install -g --silent deno >/dev/null
  else
    echo "setup: Deno is missing and npm is not available; install Deno (e.g. npm install -g deno)" >&2
    exit 1
  fi
fi

have ostree || need_apt+=(ostree)
have bwrap || need_apt+=(bubblewrap)
have unshare || need_apt+=(util-linux)
have gcc || need_apt+=(gcc libc6-dev)
have make || need_apt+=(make)
have xz || need_apt+=(xz-utils)
dpkg -s busybox-static >/dev/null 2>&1 || need_apt+=(busybox-static)
for extra in ${SETUP_EXTRA_PACKAGES:-}; do
  dpkg -s "$extra" >/dev/null 2>&1 || need_apt+=("$extra")
done

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && have apt-get; then
    echo "setup: installing ${need_apt[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "setup: missing: ${need_apt[*]} (as root on Debian: apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
fi

# The `2nex` command on PATH: a shim that runs this checkout's main.ts with
# exactly the `2nex` task's permission flags (deno.json is the one place they
# are written), from whatever directory the user stands in. Root gets
# /usr/local/bin/2nex, anyone else ~/.local/bin/2nex. Rewritten only when it
# changed. TWONEX_BIN_DIR overrides the directory (tests use a temporary one).
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -n "${TWONEX_BIN_DIR:-}" ]; then
  bin_dir=$TWONEX_BIN_DIR
elif [ "$(id -u)" -eq 0 ]; then
  bin_dir=/usr/local/bin
else
  bin_dir=$HOME/.local/bin
fi
# shellcheck disable=SC2016 # TypeScript, not shell
flags=$(deno eval --quiet '
  const task = JSON.parse(Deno.readTextFileSync(Deno.args[0])).tasks["2nex"];
  const words = task.split(/\s+/);
  if (words[0] !== "deno" || words[1] !== "run" || words.at(-1) !== "main.ts") {
    throw new Error("the 2nex task is not `deno run FLAGS… main.ts`: " + task);
  }
  console.log(words.slice(2, -1).join(" "));
' "$repo_root/deno.json")
shim="#!/bin/sh
# Written by $repo_root/scripts/setup.sh: 2nex from that checkout, with the
# permission flags of its deno.json (--quiet keeps Deno's own notes out).
exec $(command -v deno) run --quiet $flags $repo_root/main.ts \"\$@\"
"
mkdir -p "$bin_dir"
if [ ! -f "$bin_dir/2nex" ] || [ "$(cat "$bin_dir/2nex")"$'\n' != "$shim" ]; then
  printf '%s' "$shim" >"$bin_dir/2nex.tmp.$$"
  chmod 755 "$bin_dir/2nex.tmp.$$"
  mv "$bin_dir/2nex.tmp.$$" "$bin_dir/2nex"
  echo "setup: installed the 2nex command as $bin_dir/2nex" >&2
fi
case ":$PATH:" in
*":$bin_dir:"*) ;;
*) echo "setup: add $bin_dir to PATH to run 2nex from any directory" >&2 ;;
esac
