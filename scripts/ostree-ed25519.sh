#!/usr/bin/env bash
# Builds a stock `ostree` command that can verify ed25519 signatures, for the
# test that stock ostree accepts what `2nex publish --key` signs. Debian
# bookworm's ostree (2022.7) is built without ed25519, so this builds Debian's
# own ostree source package (Debian's patches applied) with libsodium, into a
# prefix of its own: the system `ostree` that 2nex uses stays as it is.
#
# Usage: scripts/ostree-ed25519.sh [PREFIX]   (as root on Debian to install the
#        build dependencies; default PREFIX: $TWONEX_OSTREE_ED25519_PREFIX or
#        /opt/2nex-ostree-ed25519)
#
# Prints the path of the built command (PREFIX/bin/ostree) on stdout. Does
# nothing but print it when that command already exists and reports the
# sign-ed25519 feature. Only what `ostree` itself needs is built: no HTTP
# library but libcurl, no GPG, no documentation, no boot or FUSE helpers, and
# libostree linked in statically so the prefix holds a single file.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prefix=${1:-${TWONEX_OSTREE_ED25519_PREFIX:-/opt/2nex-ostree-ed25519}}
binary=$prefix/bin/ostree
source_package=ostree

die() {
  echo "ostree-ed25519: error: $*" >&2
  exit 1
}
note() { echo "ostree-ed25519: $*" >&2; }

# The output is read whole before grep looks at it: `grep -q` stops at the first
# match, and under pipefail the SIGPIPE that ostree may then get would fail the test.
has_ed25519() {
  local features
  [ -x "$1" ] && features=$("$1" --version 2>/dev/null) && grep -qx -- ' *- sign-ed25519' <<<"$features"
}

if has_ed25519 "$binary"; then
  echo "$binary"
  exit 0
fi

command -v apt-get >/dev/null || die "apt-get is needed (this script builds Debian's ostree source package)"

# Build dependencies: what configure requires with the options below (GLib, lzma,
# zlib, e2p's header, libcurl for HTTP pulls, libsodium for ed25519), bison for
# ostree's date parser, and dpkg-source to unpack the source package.
build_deps=(gcc make pkg-config bison dpkg-dev xz-utils libglib2.0-dev liblzma-dev zlib1g-dev
  libext2fs-dev libcurl4-gnutls-dev libsodium-dev)
missing=()
for package in "${build_deps[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || die "missing build dependencies: ${missing[*]} (as root: apt-get install ${missing[*]})"
  note "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Debian's source package, from the deb-src entries that vendor-debian.sh keeps
# (it adds them, derived from the Debian deb entries, when they are missing).
if [ -z "$(apt-cache showsrc "$source_package" 2>/dev/null)" ]; then
  bash "$script_dir/vendor-debian.sh" --deb-src-only
fi
(cd "$work" && apt-get source --download-only "$source_package" >/dev/null 2>"$work/apt-source.log") ||
  die "apt-get source $source_package failed: $(tail -3 "$work/apt-source.log")"
dsc=$(find "$work" -maxdepth 1 -name "${source_package}_*.dsc" | head -1)
[ -n "$dsc" ] || die "apt-get source downloaded no .dsc for $source_package"
# --no-check: apt already checked each file against its signed index.
(cd "$work" && dpkg-source --no-check -x "$dsc" src >/dev/null)

started=$(date +%s)
note "building $(basename "$dsc" .dsc) with ed25519 (libsodium) into $prefix"
cd "$work/src"
# --disable-maintainer-mode: Debian's patches touch configure.ac, and the
# shipped configure script is all this build needs (no autotools).
./configure --prefix="$prefix" --disable-maintainer-mode --disable-dependency-tracking \
  --disable-shared --enable-static \
  --with-ed25519-libsodium --with-curl --without-soup --without-gpgme \
  --without-libarchive --without-selinux --without-avahi --without-libmount \
  --without-libsystemd --disable-introspection --disable-gtk-doc --disable-man \
  --disable-rofiles-fuse >"$work/configure.log" 2>&1 ||
  die "configure failed: $(tail -5 "$work/configure.log")"
# Only the `ostree` program, with the generated headers that `make all` would
# make first (BUILT_SOURCES), asked of the Makefile itself.
built_sources=$(make -s -f Makefile -f - print-built-sources <<<'print-built-sources: ; @echo $(BUILT_SOURCES)')
# shellcheck disable=SC2086 # a list of file names
make -j"$(nproc)" $built_sources >"$work/make.log" 2>&1 &&
  make -j"$(nproc)" ostree >>"$work/make.log" 2>&1 || die "make failed: $(tail -15 "$work/make.log")"
has_ed25519 ./ostree || die "the built ostree does not report sign-ed25519"
install -D -m 755 ./ostree "$binary.tmp.$$"
mv "$binary.tmp.$$" "$binary"
note "built in $(($(date +%s) - started)) s"
echo "$binary"
