#!/usr/bin/env bash
# Fetch Debian's linux-source-6.1, linux-source-6.12 (bookworm, through the machine's own
# apt) and linux-source-7.2 (Debian sid, through a private apt configuration under the
# cache: the system's apt sources are never changed), and cache the parts of each tree the
# tool reads: the top Makefile (kernel version), fs/ext4, fs/iomap, mm/filemap.c,
# fs/read_write.c, include/linux, include/uapi, include/vdso, include/asm-generic and the
# x86 page header. Nothing fetched is ever committed.
#
#   EXT4WP_CACHE   cache root (default: ~/.cache/ext4-write-path)
#   EXT4WP_KERNELS versions to fetch (default: "6.1 6.12 7.2")
#
# A tree is complete when its `.complete` marker names the current extraction list
# (EXTRACT_STAMP); a tree extracted with an older list is extracted again from its cached
# .deb. The versions actually used (Debian moves point releases) are written to
# $cache/versions.json. Prints the tree directories, one per line, on stdout.
set -euo pipefail
cache="${EXT4WP_CACHE:-$HOME/.cache/ext4-write-path}"
versions="${EXT4WP_KERNELS:-6.1 6.12 7.2}"
mkdir -p "$cache/debs"

# Bump when the list of extracted paths changes: cached trees are then re-extracted.
EXTRACT_STAMP="extract-v2"
EXTRACT_PATHS=(
  Makefile
  'fs/ext4/*'
  'fs/iomap/*'
  fs/read_write.c
  mm/filemap.c
  'include/linux/*'
  'include/uapi/*'
  'include/vdso/*'
  'include/asm-generic/*'
  arch/x86/include/asm/page_types.h
)
# Versions that come from Debian sid, not from the machine's own release.
SID_VERSIONS=" 7.2 "

# The machine's main Debian archive URI, read from its own apt sources (deb822 .sources or
# one-line .list); the security archive is skipped. Default: deb.debian.org.
debian_archive_uri() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk '
      /^[[:space:]]*$/ { if (u != "" && s !~ /-security/ && u !~ /security/ && u ~ /\/debian\/?$/) { print u; exit } u = ""; s = ""; next }
      /^URIs:/ { u = $2 }
      /^Suites:/ { $1 = ""; s = $0 }
      END { if (u != "" && s !~ /-security/ && u !~ /security/ && u ~ /\/debian\/?$/) print u }
    ' "$f" | head -n1)
    if [ -n "$uri" ]; then echo "$uri"; return; fi
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { print $i; break } }' "$f" \
      | grep -v security | grep -E '/debian/?$' | head -n1 || true)
    if [ -n "$uri" ]; then echo "$uri"; return; fi
  done
  echo "http://deb.debian.org/debian"
}

# apt-get with a private configuration for Debian sid: its own sources directory, lists
# and cache under $cache/apt-sid; the system's sources.list and sources.list.d are not read
# (Dir::Etc::sourcelist=/dev/null) and nothing under /etc/apt is written.
sid_apt_ready=0
sid_apt() {
  local dir="$cache/apt-sid"
  if [ "$sid_apt_ready" = 0 ]; then
    mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
    cat >"$dir/sid.sources" <<EOF
Types: deb
URIs: $(debian_archive_uri)
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  fi
  local opts=(-o Dir::Etc::sourcelist=/dev/null -o "Dir::Etc::sourceparts=$dir"
    -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache")
  # As root apt drops to _apt for downloads, which cannot enter a private cache under
  # /root; download as root (apt would do so anyway, with a warning).
  if [ "$(id -u)" = 0 ]; then opts+=(-o APT::Sandbox::User=root); fi
  if [ "$sid_apt_ready" = 0 ]; then
    apt-get "${opts[@]}" -qq update >&2
    sid_apt_ready=1
  fi
  apt-get "${opts[@]}" "$@"
}

need_update=1
fetch_deb() { # version → path of the cached linux-source .deb
  local v="$1" deb
  deb=$(ls "$cache"/debs/linux-source-"${v}"_*.deb 2>/dev/null | sort -V | tail -n1 || true)
  if [ -n "$deb" ]; then echo "$deb"; return; fi
  if [[ "$SID_VERSIONS" == *" $v "* ]]; then
    (cd "$cache/debs" && sid_apt download "linux-source-$v" >&2)
  else
    if [ "$need_update" = 1 ] && [ "$(id -u)" = 0 ]; then apt-get update -qq >&2 || true; need_update=0; fi
    (cd "$cache/debs" && apt-get download "linux-source-$v" >&2)
  fi
  ls "$cache"/debs/linux-source-"${v}"_*.deb | sort -V | tail -n1
}

for v in $versions; do
  tree="$cache/linux-$v"
  if [ -f "$tree/.complete" ] && grep -qx "$EXTRACT_STAMP" "$tree/.complete"; then echo "$tree"; continue; fi
  deb=$(fetch_deb "$v")
  work=$(mktemp -d "$cache/.extract.XXXXXX")
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" --wildcards '*/linux-source-*.tar.xz'
  tarball=$(ls "$work"/usr/src/linux-source-*.tar.xz | head -n1)
  top=$(basename "$tarball" .tar.xz)
  members=()
  for p in "${EXTRACT_PATHS[@]}"; do members+=("$top/$p"); done
  # A path an older tree lacks (include/vdso) is not an error; the required ones are checked.
  tar -xJf "$tarball" -C "$work" --wildcards "${members[@]}" 2>/dev/null || true
  for req in Makefile fs/ext4/file.c fs/ext4/inode.c fs/ext4/ext4.h include/linux/fs.h; do
    [ -f "$work/$top/$req" ] || { echo "fetch-kernels: $req missing from $tarball" >&2; exit 1; }
  done
  rm -rf "$tree"
  mv "$work/$top" "$tree"
  rm -rf "$work"
  debver=$(dpkg-deb -f "$deb" Version)
  printf '%s\npackage linux-source-%s %s\n' "$EXTRACT_STAMP" "$v" "$debver" >"$tree/.complete"
  echo "$tree"
done

# The versions in the cache, as used: tree version (Makefile) and Debian package version.
{
  echo "{"
  sep=""
  for d in "$cache"/linux-*/; do
    d=${d%/}
    [ -f "$d/.complete" ] || continue
    v=${d##*/linux-}
    kv=$(awk -F' *= *' '$1=="VERSION"{a=$2} $1=="PATCHLEVEL"{b=$2} $1=="SUBLEVEL"{c=$2} END{print a"."b"."c}' "$d/Makefile")
    pkg=$(awk '$1=="package"{print $3}' "$d/.complete")
    src="bookworm"
    if [[ "$SID_VERSIONS" == *" $v "* ]]; then src="sid"; fi
    printf '%s  "%s": { "kernel": "%s", "package": "linux-source-%s", "debianVersion": "%s", "suite": "%s", "extract": "%s" }' \
      "$sep" "$v" "$kv" "$v" "$pkg" "$src" "$(head -n1 "$d/.complete")"
    sep=$',\n'
  done
  printf '\n}\n'
} >"$cache/versions.json.tmp"
mv "$cache/versions.json.tmp" "$cache/versions.json"
