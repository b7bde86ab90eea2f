#!/usr/bin/env bash
# Fetch and unpack a Debian kernel image package for the conformance suite, cached outside
# git like scripts/fetch-kernels.sh does for the sources.
#
#   fetch-kernel-image.sh 6.1|6.12          the linux-image-*-amd64-unsigned package built
#                                           from the same Debian source version as
#                                           linux-source-6.1 / linux-source-6.12
#   fetch-kernel-image.sh PACKAGE-NAME      any Debian kernel image package, e.g.
#                                           linux-image-6.12.117+deb12-amd64-unsigned
#   fetch-kernel-image.sh /path/to/X.deb    a local kernel image .deb
#
# Prints the unpacked root (it has boot/vmlinuz-* and lib/modules/*/) on stdout.
#   EXT4WP_CACHE   cache root (default: ~/.cache/ext4-write-path)
set -euo pipefail
spec="${1:?usage: fetch-kernel-image.sh 6.1|6.12|PACKAGE|FILE.deb}"
cache="${EXT4WP_CACHE:-$HOME/.cache/ext4-write-path}"
debs="$cache/kernel-debs"
mkdir -p "$debs" "$cache/kernel-images"

die() { echo "fetch-kernel-image: $*" >&2; exit 1; }
updated=0
apt_update() {
  if [ "$updated" = 0 ] && [ "$(id -u)" = 0 ]; then apt-get update -qq >&2 || true; updated=1; fi
}

deb=""
case "$spec" in
  *.deb)
    [ -f "$spec" ] || die "$spec: no such file"
    deb=$(readlink -f "$spec")
    ;;
  6.1|6.12)
    # The image built from the same source version as linux-source-$spec (the tree the model reads).
    want=""
    src=$(ls "$cache"/debs/linux-source-"$spec"_*.deb 2>/dev/null | head -n1 || true)
    if [ -n "$src" ]; then want=$(dpkg-deb -f "$src" Version); fi
    cached=$(ls "$debs"/linux-image-"$spec"*-amd64-unsigned_"${want:-}"*_amd64.deb 2>/dev/null | grep -v -e cloud -e '-rt-' | head -n1 || true)
    if [ -n "$want" ] && [ -n "$cached" ]; then deb="$cached"; else
      [ -n "$want" ] || { apt_update; want=$(apt-cache show --no-all-versions "linux-source-$spec" 2>/dev/null | sed -n 's/^Version: //p' | head -n1); }
      [ -n "$want" ] || die "cannot tell the version of linux-source-$spec (run apt-get update?)"
      if [ "$spec" = 6.1 ]; then pat='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$'; else pat='^linux-image-6\.12\.[0-9]+\+deb[0-9]+-amd64-unsigned$'; fi
      cands=$(apt-cache search --names-only "$pat" | awk '{print $1}')
      [ -n "$cands" ] || { apt_update; cands=$(apt-cache search --names-only "$pat" | awk '{print $1}'); }
      [ -n "$cands" ] || die "no package matches $pat (is Debian's archive configured?)"
      pkg=$(apt-cache show $cands 2>/dev/null | awk -v w="$want" '/^Package: /{p=$2} /^Version: /{if ($2==w) {print p; exit}}')
      [ -n "$pkg" ] || die "no $pat package has version $want (the version of linux-source-$spec in the cache; if Debian moved on, delete $cache/debs/linux-source-${spec}_* and $cache/linux-$spec and run npm run fetch-kernels again)"
      spec_pkg="$pkg"
    fi
    ;;
  linux-image-*)
    spec_pkg="$spec"
    ;;
  *)
    die "unknown kernel spec $spec (6.1, 6.12, a linux-image-* package name, or a .deb file)"
    ;;
esac

if [ -z "$deb" ]; then
  deb=$(ls "$debs"/"${spec_pkg}"_*_amd64.deb 2>/dev/null | head -n1 || true)
  if [ -z "$deb" ]; then
    (cd "$debs" && apt-get download "$spec_pkg" >&2) || { apt_update; (cd "$debs" && apt-get download "$spec_pkg" >&2); } ||
      die "apt-get download $spec_pkg failed"
    deb=$(ls "$debs"/"${spec_pkg}"_*_amd64.deb | head -n1)
  fi
fi

root="$cache/kernel-images/$(basename "$deb" .deb)"
if [ ! -f "$root/.complete" ]; then
  rm -rf "$root"
  work=$(mktemp -d "$cache/kernel-images/.extract.XXXXXX")
  dpkg-deb -x "$deb" "$work"
  ls "$work"/boot/vmlinuz-* >/dev/null 2>&1 || { rm -rf "$work"; die "$deb has no boot/vmlinuz-*"; }
  kver=$(ls "$work/lib/modules" | head -n1)
  depmod -b "$work" "$kver" || die "depmod failed for $kver"
  mv "$work" "$root"
  touch "$root/.complete"
fi
echo "$root"
