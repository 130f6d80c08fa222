#!/usr/bin/env bash
# Fills a vendor directory (a 2nex directory mirror) with the sources our
# manifests need, taken from Debian source packages.
#
# Usage: scripts/vendor-debian.sh DIR [MANIFEST_DIR…]     (as root, on Debian)
#        scripts/vendor-debian.sh --deb-src-only        (only the deb-src entries, step 2)
#
# Debian's .orig tarballs of many packages are the upstream release tarballs
# byte for byte, so a machine that reaches only Debian can still build our
# manifests, whose sources name the upstream URL and sha256. For every source of
# every manifest (default: the repository's manifests/), this script:
#   - counts it as provided when DIR already holds it under its mirror file name
#     with the right sha256;
#   - otherwise downloads the Debian source package that scripts/debian-sources.txt
#     maps the manifest's slug to (`apt-get source --download-only`), trying each
#     version apt knows, newest first, whose .dsc lists a wanted sha256, until the
#     files are found, and copies a downloaded file into DIR under the source's
#     file name only when its sha256 equals the source's sha256. A tarball inside
#     a downloaded .orig tarball (at the top of its directory, as GCC's release
#     inside Debian's gcc-12 tarball) counts as a downloaded file.
# It adds deb-src entries (derived from the existing Debian deb entries, so no
# host is named here) when they are missing, and keeps DIR/SHA256SUMS in the
# format `2nex vendor` writes. At the end it prints, per manifest source,
# "provided" or "NOT provided". A source Debian cannot provide is not an error;
# a broken setup (no apt, no deno, unwritable DIR) is. Idempotent.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$script_dir")
table="$script_dir/debian-sources.txt"
deb_src_file_name=2nex-deb-src.sources

die() {
  echo "vendor-debian: error: $*" >&2
  exit 1
}
note() { echo "vendor-debian: $*" >&2; }

# `--deb-src-only`: only make sure that deb-src entries for the Debian deb
# entries exist and are fetched, for scripts that unpack another Debian source
# package (scripts/ostree-ed25519.sh).
deb_src_only=0
[ "${1:-}" != --deb-src-only ] || deb_src_only=1
command -v apt-get >/dev/null || die "apt-get is needed (this script runs on Debian)"
if [ "$deb_src_only" = 0 ]; then
  [ $# -ge 1 ] || die "usage: $0 DIR [MANIFEST_DIR…]"
  vendor_dir=$1
  shift
  manifest_dirs=("$@")
  [ ${#manifest_dirs[@]} -gt 0 ] || manifest_dirs=("$repo_dir/manifests")

  command -v deno >/dev/null || die "deno is needed to read the manifests (npm install -g deno)"
  command -v sha256sum >/dev/null || die "sha256sum is needed (coreutils)"
  mkdir -p "$vendor_dir"
  vendor_dir=$(cd "$vendor_dir" && pwd)
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

file_sha256() { sha256sum "$1" | cut -d' ' -f1; }

# True when FILE exists with sha256 SHA.
has_sha256() { [ -f "$1" ] && [ "$(file_sha256 "$1")" = "$2" ]; }

if [ "$deb_src_only" = 0 ]; then
  # --- 1. What the manifests need -------------------------------------------------
  # Lines: manifest <TAB> slug <TAB> source name <TAB> file name <TAB> sha256 <TAB> local path
  # (the local path of a `file:` source next to its manifest, "-" for a url: source)
  (cd "$repo_dir" && deno run --quiet --allow-read --allow-env=LOG_TOKENS,LOG_STREAM scripts/manifest-sources.ts "${manifest_dirs[@]}") \
    >"$tmp/sources.tsv" || die "could not list the manifests' sources"

  # Slugs with at least one source neither in the vendor directory nor in the
  # repository (a `file:` source next to its manifest needs no vendoring).
  # Each such slug maps to the sha256 sums it still needs (space-separated).
  declare -A missing_slugs=()
  while IFS=$'\t' read -r _manifest slug _name file sha local_path; do
    if [ "$local_path" != - ] && has_sha256 "$local_path" "$sha"; then continue; fi
    if [ "$file" = "?" ] || ! has_sha256 "$vendor_dir/$file" "$sha"; then
      missing_slugs[$slug]+="$sha "
    fi
  done <"$tmp/sources.tsv"
fi

# --- 2. deb-src entries -----------------------------------------------------------
lists_dir() {
  local LISTS
  eval "$(apt-config shell LISTS Dir::State::Lists/d)"
  echo "${LISTS:-/var/lib/apt/lists/}"
}

sources_parts_dir() {
  local PARTS
  eval "$(apt-config shell PARTS Dir::Etc::sourceparts/d)"
  echo "${PARTS:-/etc/apt/sources.list.d/}"
}

# apt's own view of the configured repositories, one target a line:
# type|repo-uri|suite|component|origin|file:entry
index_targets() {
  # shellcheck disable=SC2016 # $(FIELD) is apt's own template syntax
  apt-get indextargets --format '$(TARGET_OF)|$(REPO_URI)|$(RELEASE)|$(COMPONENT)|$(ORIGIN)|$(SOURCESENTRY)' |
    sort -u
}

# Prints the Signed-By value of a sources entry given as FILE:N (N: line of a
# one-line .list file, or the number of the stanza in a deb822 .sources file);
# empty when the entry has none. Multi-line (embedded key) values are kept.
signed_by_of() {
  local file=${1%:*} n=${1##*:}
  case $file in
  *.sources)
    awk -v want="$n" '
      BEGIN { stanza = 0; in_stanza = 0 }
      /^[ \t]*$/ { in_stanza = 0; grab = 0; next }
      /^#/ { next }
      {
        if (!in_stanza) { in_stanza = 1; stanza++ }
        if (stanza != want) next
        if (grab && /^[ \t]/) { print; next }
        grab = 0
        if (tolower($0) ~ /^signed-by:/) { sub(/^[^:]*:[ \t]*/, ""); print; grab = 1 }
      }' "$file"
    ;;
  *)
    sed -n "${n}p" "$file" | sed -n 's/^[^[]*\[\([^]]*\)\].*/\1/p' | tr -s ' \t' '\n' |
      sed -n 's/^signed-by=//Ip'
    ;;
  esac
}

# Writes the deb-src stanzas the Debian deb entries lack; prints "changed" when
# the file was (re)written or removed.
write_deb_src_entries() {
  local parts own targets
  parts=$(sources_parts_dir)
  own="${parts%/}/$deb_src_file_name"
  targets=$(index_targets)
  # deb-src that exist elsewhere than in our own file
  local have_src
  have_src=$(awk -F'|' -v own="$own" '$1 == "deb-src" && index($6, own ":") != 1 { print $2 "|" $3 "|" $4 }' <<<"$targets")
  local content="" key uri suite comp origin entry signed
  declare -A components=() signers=()
  local -a order=()
  while IFS='|' read -r type uri suite comp origin entry; do
    [ "$type" = deb ] || continue
    [ "$origin" = Debian ] || continue
    grep -qxF "$uri|$suite|$comp" <<<"$have_src" && continue
    signed=$(signed_by_of "$entry")
    key="$uri|$suite|$signed"
    if [ -z "${components[$key]+x}" ]; then
      order+=("$key")
      components[$key]=$comp
      signers[$key]=$signed
    elif [[ " ${components[$key]} " != *" $comp "* ]]; then
      components[$key]+=" $comp"
    fi
  done <<<"$targets"
  for key in "${order[@]}"; do
    IFS='|' read -r uri suite _ <<<"$key"
    content+="Types: deb-src"$'\n'"URIs: $uri"$'\n'"Suites: $suite"$'\n'
    content+="Components: ${components[$key]}"$'\n'
    [ -z "${signers[$key]}" ] || content+="Signed-By: ${signers[$key]}"$'\n'
    content+=$'\n'
  done
  if [ -z "$content" ]; then
    if [ -e "$own" ]; then
      rm -f "$own"
      echo changed
    fi
    return 0
  fi
  content="# Written by 2nex scripts/vendor-debian.sh: deb-src for the Debian deb entries."$'\n\n'"$content"
  # Compared byte for byte: $(cat) would drop the trailing blank line and
  # report a change (and an apt-get update) on every call.
  printf '%s' "$content" >"$own.tmp"
  if cmp -s "$own.tmp" "$own"; then
    rm -f "$own.tmp"
  else
    mv "$own.tmp" "$own"
    echo changed
  fi
}

apt_update() {
  note "apt-get update"
  # A third-party repository that fails must not stop us: what matters is
  # whether the Debian indexes are there afterwards, checked by the caller.
  apt-get update -qq >"$tmp/apt-update.log" 2>&1 || {
    note "apt-get update reported errors (continuing):"
    tail -5 "$tmp/apt-update.log" >&2
  }
}

ensure_deb_src() {
  local updated=0
  # Without fetched indexes apt lists no targets, and without release
  # information it cannot tell which entries are Debian's: fetch them first.
  if index_targets | awk -F'|' '
      $1 == "deb" { deb = 1; if ($5 !~ /^[A-Za-z]/) unknown = 1 }
      END { exit !(unknown || !deb) }'; then
    apt_update
    updated=1
  fi
  if [ "$(write_deb_src_entries)" = changed ]; then
    note "wrote deb-src entries to $(sources_parts_dir)$deb_src_file_name"
    apt_update
    updated=1
  fi
  # deb-src entries present but never fetched (e.g. a fresh machine)
  local lists
  lists=$(lists_dir)
  if [ "$updated" = 0 ] && ! compgen -G "${lists%/}/*_Sources*" >/dev/null; then
    apt_update
  fi
}

if [ "$deb_src_only" = 1 ]; then
  ensure_deb_src
  exit 0
fi

# --- 3. Download the Debian source packages that may provide what is missing ------
# The Debian source packages listed for a slug, one a line (a slug whose manifest
# has sources from several packages, as GCC with GMP, MPFR and MPC, lists them all).
debian_packages_for() {
  awk -v slug="$1" '!/^[ \t]*(#|$)/ && $1 == slug { for (i = 2; i <= NF; i++) print $i; exit }' "$table"
}

# Versions of source package $1 that apt knows, in apt's order (newest first).
source_versions() {
  apt-cache madison "$1" 2>/dev/null |
    awk -F'|' '$3 ~ /Sources[ \t]*$/ { gsub(/[ \t]/, "", $2); if (!seen[$2]++) print $2 }'
}

# The sha256 sums that the .dsc of source package $1 version $2 lists
# (Checksums-Sha256), one a line; nothing when apt's index does not give them.
source_sha256s() {
  apt-cache showsrc "$1" 2>/dev/null | awk -v package="$1" -v version="$2" '
    BEGIN { RS = ""; FS = "\n" }
    {
      name = ""; ver = ""; sums = ""; in_sums = 0
      for (i = 1; i <= NF; i++) {
        line = $i
        if (line ~ /^Package:/) { split(line, f, /[ \t]+/); name = f[2] }
        if (line ~ /^Version:/) { split(line, f, /[ \t]+/); ver = f[2] }
        if (line ~ /^[^ \t]/) in_sums = (line ~ /^Checksums-Sha256:/)
        else if (in_sums) { split(line, f, /[ \t]+/); sums = sums f[2] "\n" }
      }
      if (name == package && ver == version) printf "%s", sums
    }'
}

download_dir="$tmp/download"
mkdir -p "$download_dir"
# sha256 -> downloaded file (a file of a source package, or a tarball inside its .orig tarball)
declare -A downloaded=()

# Records every file of a download directory, and the tarballs at the top of its
# .orig tarballs: Debian packs some upstream tarballs inside its own (gcc-N's
# holds the release, repacked, as gcc-X.Y.Z-dfsg.tar.xz, next to other tarballs).
index_download() {
  local dir=$1 orig path
  mkdir -p "$dir/inner"
  while IFS= read -r -d '' orig; do
    "$script_dir/inner-tarballs.sh" "$dir/inner" "$orig" ||
      note "could not look inside $(basename "$orig")"
  done < <(find "$dir" -maxdepth 1 -type f -name '*.orig.tar.*' ! -name '*.asc' -print0)
  while IFS= read -r -d '' path; do
    downloaded[$(file_sha256 "$path")]=$path
  done < <(find "$dir" "$dir/inner" -maxdepth 1 -type f -print0)
}

# Downloads source package $1 ("NAME", "NAME=VERSION" or "NAME/SUITE") into its own directory.
download_source() {
  local dir
  dir="$download_dir/$(printf '%s' "$1" | tr -c 'A-Za-z0-9.+~-' _)"
  [ ! -d "$dir" ] || return 0
  mkdir -p "$dir"
  # apt drops privileges to _apt for downloads when it can write the directory.
  if id _apt >/dev/null 2>&1; then chown _apt "$dir"; fi
  note "apt-get source --download-only $1"
  if ! (cd "$dir" && apt-get source --download-only -qq "$1") >"$dir.log" 2>&1; then
    note "could not download Debian source package '$1':"
    grep -E '^(E|W):' "$dir.log" | head -5 >&2 || true
  fi
  index_download "$dir"
}

# The sha256 sums among "$@" that no downloaded file has yet.
still_wanted() {
  local sha
  for sha in "$@"; do
    [ -n "${downloaded[$sha]+x}" ] || echo "$sha"
  done
}

# Provides the sha256 sums $2 (space-separated) from source package $1. The
# newest version is not always downloadable (the archive drops a security
# update's files once a point release supersedes it) and an older one often
# carries the same upstream tarball: so every version apt knows is tried,
# newest first, skipping those whose .dsc lists none of the wanted files, until
# all are found. A package pinned to a version or suite is taken as pinned; when
# no .dsc lists a wanted file (one inside Debian's tarball), the newest is taken.
provide_from_package() {
  local package=$1 version sums sha tried=0
  local -a wanted versions
  read -r -a wanted <<<"$2"
  if [[ $package == */* || $package == *=* ]]; then
    download_source "$package"
    return 0
  fi
  mapfile -t versions < <(source_versions "$package")
  for version in "${versions[@]}"; do
    mapfile -t wanted < <(still_wanted "${wanted[@]}")
    [ ${#wanted[@]} -gt 0 ] || return 0
    sums=$(source_sha256s "$package" "$version")
    local carries=0
    for sha in "${wanted[@]}"; do
      if grep -qxF "$sha" <<<"$sums"; then carries=1; fi
    done
    [ "$carries" = 1 ] || continue
    tried=1
    download_source "$package=$version"
  done
  [ "$tried" = 1 ] || download_source "$package"
}

if [ ${#missing_slugs[@]} -gt 0 ]; then
  ensure_deb_src
  # Debian source package -> the sha256 sums wanted from it
  declare -A wanted_from=()
  for slug in $(printf '%s\n' "${!missing_slugs[@]}" | sort); do
    packages=$(debian_packages_for "$slug")
    if [ -z "$packages" ]; then
      note "no Debian source package is listed for slug '$slug' in ${table#"$repo_dir"/}"
      continue
    fi
    for package in $packages; do wanted_from[$package]+="${missing_slugs[$slug]}"; done
  done
  for package in $(printf '%s\n' "${!wanted_from[@]}" | sort); do
    provide_from_package "$package" "${wanted_from[$package]}"
  done
fi

# --- 4. Keep what matches, report every source --------------------------------------
# SHA256SUMS as `2nex vendor` writes it: "HASH  NAME" lines sorted by name, merged.
sums="$vendor_dir/SHA256SUMS"
declare -A sum_of=()
if [ -f "$sums" ]; then
  while read -r sum_hash sum_name; do
    [[ $sum_hash =~ ^[0-9a-f]{64}$ ]] && sum_of[${sum_name#\*}]=$sum_hash
  done <"$sums"
fi
provided=0
not_provided=0
while IFS=$'\t' read -r manifest _slug name file sha local_path; do
  label="${manifest#"$repo_dir"/} $name"
  if [ "$local_path" != - ] && has_sha256 "$local_path" "$sha"; then
    echo "in repository $label -> ${local_path#"$repo_dir"/}"
    continue
  fi
  if [ "$file" = "?" ]; then
    echo "NOT provided  $label (its file name needs an expression this script does not evaluate)"
    not_provided=$((not_provided + 1))
    continue
  fi
  target="$vendor_dir/$file"
  if has_sha256 "$target" "$sha"; then
    echo "provided      $label -> $file"
  elif [ -n "${downloaded[$sha]+x}" ]; then
    cp "${downloaded[$sha]}" "$target.tmp.$$"
    mv "$target.tmp.$$" "$target"
    echo "provided      $label -> $file (Debian's $(basename "${downloaded[$sha]}"))"
  else
    echo "NOT provided  $label ($file, sha256 $sha: no Debian file has this hash)"
    not_provided=$((not_provided + 1))
    continue
  fi
  provided=$((provided + 1))
  sum_of[$file]=$sha
done <"$tmp/sources.tsv"

for sum_name in "${!sum_of[@]}"; do
  echo "${sum_of[$sum_name]}  $sum_name"
done | LC_ALL=C sort -k2 >"$sums.tmp.$$"
mv "$sums.tmp.$$" "$sums"

echo "vendor-debian: $provided provided, $not_provided not provided, in $vendor_dir"
