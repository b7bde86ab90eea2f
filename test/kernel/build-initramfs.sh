#!/usr/bin/env bash
# Build the conformance initramfs for one kernel:
#
#   build-initramfs.sh MODULES_ROOT KVER OUT.cpio
#
# MODULES_ROOT/lib/modules/KVER holds the kernel's modules (with modules.dep: depmod -b).
# The archive has busybox-static (/bin), the real xfs_io, fio, mkfs.ext4 (mke2fs), filefrag,
# chattr/lsattr, dmsetup and every library `ldd` lists for them, the modules ext4 and virtio-blk
# need (decompressed; load order in /etc/ext4wp/modules) and test/kernel/guest/init.sh as
# /init. The per-run job script is appended by the harness as a second archive.
set -euo pipefail
mroot="${1:?usage: build-initramfs.sh MODULES_ROOT KVER OUT.cpio}"
kver="${2:?KVER}"
out="${3:?OUT.cpio}"
here="$(cd "$(dirname "$0")" && pwd)"
die() { echo "build-initramfs: $*" >&2; exit 1; }

for t in busybox cpio modprobe ldd xz; do command -v $t >/dev/null || die "$t not found (apt-get install busybox-static cpio kmod libc-bin xz-utils)"; done
busybox=$(command -v busybox)
file -L "$busybox" 2>/dev/null | grep -q 'dynamically' && die "$busybox is dynamically linked: install busybox-static"
tools=(/usr/sbin/xfs_io /usr/bin/fio /usr/sbin/mke2fs /usr/sbin/filefrag /usr/bin/chattr /usr/bin/lsattr /usr/sbin/dmsetup)
for t in "${tools[@]}"; do [ -x "$t" ] || die "$t not found (apt-get install xfsprogs fio e2fsprogs dmsetup)"; done
[ -d "$mroot/lib/modules/$kver" ] || die "no $mroot/lib/modules/$kver"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc/ext4wp,lib/modules/ext4wp,proc,sys,dev,tmp,mnt,out,ext4wp}
cp "$busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"

# Tools and their libraries (same paths as on the host, so the dynamic loader finds them).
copy_with_libs() {
  local f="$1"
  mkdir -p "$stage$(dirname "$f")"
  cp -L "$f" "$stage$f"
  ldd "$f" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
    [ -e "$stage$lib" ] && continue
    mkdir -p "$stage$(dirname "$lib")"
    cp -L "$lib" "$stage$lib"
  done
}
for t in "${tools[@]}"; do copy_with_libs "$t"; done
ln -s mke2fs "$stage/usr/sbin/mkfs.ext4"
[ -f /etc/mke2fs.conf ] && cp /etc/mke2fs.conf "$stage/etc/"
echo 'root:x:0:0:root:/:/bin/sh' > "$stage/etc/passwd"

# Modules: virtio PCI + block, device-mapper delay (a write latency for the scratch disk),
# crc32c (metadata_csum), ext4 and its dependencies, in load order.
: > "$stage/etc/ext4wp/modules"
for m in virtio_pci virtio_blk dm_mod dm_delay crc32c_generic ext4; do
  modprobe -d "$mroot" -S "$kver" --show-depends "$m" 2>/dev/null || true
done | awk '$1 == "insmod" {print $2}' | awk '!seen[$0]++' | while read -r ko; do
  base=$(basename "$ko")
  case "$ko" in
    *.ko.xz) xz -dc "$ko" > "$stage/lib/modules/ext4wp/${base%.xz}"; base=${base%.xz} ;;
    *.ko.zst) zstd -qdc "$ko" > "$stage/lib/modules/ext4wp/${base%.zst}"; base=${base%.zst} ;;
    *.ko.gz) gzip -dc "$ko" > "$stage/lib/modules/ext4wp/${base%.gz}"; base=${base%.gz} ;;
    *) cp "$ko" "$stage/lib/modules/ext4wp/$base" ;;
  esac
  echo "$base" >> "$stage/etc/ext4wp/modules"
done
grep -q '^ext4\.ko$' "$stage/etc/ext4wp/modules" ||
  modprobe -d "$mroot" -S "$kver" --show-depends ext4 2>&1 | grep -q builtin ||
  die "no ext4 module found under $mroot/lib/modules/$kver"

install -m 0755 "$here/guest/init.sh" "$stage/init"
mkdir -p "$(dirname "$out")"
# Uncompressed: under TCG the kernel unpacks a plain cpio in about half the time of a gzip one.
(cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) > "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
