#!/usr/bin/env bash
# Writes into DIR the tarballs that sit at the top of the directory inside each
# TARBALL (e.g. gcc-12-12.2.0/gcc-12.2.0-dfsg.tar.xz inside Debian's
# gcc-12_12.2.0.orig.tar.gz), under their own file names, byte for byte.
# Deeper members and other files are left alone. Used by vendor-debian.sh.
#
# Usage: scripts/inner-tarballs.sh DIR TARBALL…
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 DIR TARBALL…" >&2; exit 2; }
dir=$1
shift
mkdir -p "$dir"
for tarball in "$@"; do
  while IFS= read -r member; do
    [ -n "$member" ] || continue
    tar -xOf "$tarball" "$member" >"$dir/$(basename "$member")"
  done < <(tar -tf "$tarball" | grep -E '^[^/]+/[^/]+\.tar\.(gz|xz|bz2)$' || true)
done
