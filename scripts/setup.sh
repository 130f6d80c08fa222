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
