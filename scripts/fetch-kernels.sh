#!/usr/bin/env bash
# Fetch Debian's linux-source-6.1 and linux-source-6.12 and cache the parts of the
# tree the model reads: fs/ext4, fs/iomap, the headers it resolves constants from,
# and the top Makefile (kernel version). Nothing fetched is ever committed.
#
#   EXT4WP_CACHE   cache root (default: ~/.cache/ext4-write-path)
#   EXT4WP_KERNELS versions to fetch (default: "6.1 6.12")
#
# Prints the tree directories, one per line, on stdout.
set -euo pipefail
cache="${EXT4WP_CACHE:-$HOME/.cache/ext4-write-path}"
versions="${EXT4WP_KERNELS:-6.1 6.12}"
mkdir -p "$cache/debs"

need_update=1
for v in $versions; do
  tree="$cache/linux-$v"
  if [ -f "$tree/.complete" ]; then echo "$tree"; continue; fi
  deb=$(ls "$cache"/debs/linux-source-"${v}"_*.deb 2>/dev/null | head -n1 || true)
  if [ -z "$deb" ]; then
    if [ "$need_update" = 1 ] && [ "$(id -u)" = 0 ]; then apt-get update -qq >&2 || true; need_update=0; fi
    (cd "$cache/debs" && apt-get download "linux-source-$v" >&2)
    deb=$(ls "$cache"/debs/linux-source-"${v}"_*.deb | head -n1)
  fi
  work=$(mktemp -d "$cache/.extract.XXXXXX")
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" --wildcards '*/linux-source-*.tar.xz'
  tarball=$(ls "$work"/usr/src/linux-source-*.tar.xz | head -n1)
  top=$(basename "$tarball" .tar.xz)
  tar -xJf "$tarball" -C "$work" --wildcards \
    "$top/Makefile" "$top/fs/ext4/*" "$top/fs/iomap/*" "$top/include/linux/*" \
    "$top/include/uapi/*" "$top/arch/x86/include/asm/page_types.h" 2>/dev/null || \
  tar -xJf "$tarball" -C "$work" --wildcards \
    "$top/Makefile" "$top/fs/ext4/*" "$top/fs/iomap/*" "$top/include/linux/*" "$top/include/uapi/*"
  rm -rf "$tree"
  mv "$work/$top" "$tree"
  rm -rf "$work"
  touch "$tree/.complete"
  echo "$tree"
done
