/**
 * Size limits the kernel enforces on a write, as numbers a scenario can be checked
 * against. All values are bytes. Facts from the Debian 6.12 tree (6.1 agrees):
 *
 * * `MAX_RW_COUNT` = `INT_MAX & PAGE_MASK` (include/linux/fs.h): rw_verify_area()
 *   (fs/read_write.c) shortens any read/write to this many bytes.
 * * `MAX_LFS_FILESIZE` = `LLONG_MAX` on 64-bit (include/linux/fs.h).
 * * ext4's `s_maxbytes` for extent-mapped files: ext4_max_size() (fs/ext4/super.c):
 *   `((1 << 32) - 1) << blkbits` (the 32-bit `ee_block`), capped by `MAX_LFS_FILESIZE`;
 *   with `huge_file` (mke2fs's default since 1.41) no further cap.
 * * `s_bitmap_maxbytes` for indirect-mapped files: ext4_max_bitmap_size() (same file):
 *   what the direct, indirect, double and triple indirect blocks address, less the
 *   metadata blocks, within 2^48 - 1 blocks of `i_blocks` (huge_file).
 *
 * generic_write_checks_count() (fs/read_write.c) refuses a write at or past the limit
 * with -EFBIG and shortens one that crosses it; ext4_write_checks() does the same with
 * `s_bitmap_maxbytes` for indirect-mapped inodes.
 */

/** Bytes one write(2)/pwritev2(2) transfers at most: `MAX_RW_COUNT` for 4 KiB pages. */
export const MAX_RW_COUNT = 0x7fff_f000;

/** `MAX_LFS_FILESIZE` on 64-bit, as a bigint (bytes). */
export const MAX_LFS_FILESIZE = (1n << 63n) - 1n;

/** ext4_max_size(blkbits, has_huge_files = 1): `s_maxbytes` of an extent-mapped inode (bytes). */
export function ext4MaxSize(blockSize: number): bigint {
  const blkbits = BigInt(Math.log2(blockSize));
  const res = ((1n << 32n) - 1n) << blkbits;
  return res > MAX_LFS_FILESIZE ? MAX_LFS_FILESIZE : res;
}

/** ext4_max_bitmap_size(bits, has_huge_files = 1): `s_bitmap_maxbytes` of an indirect-mapped inode (bytes). */
export function ext4MaxBitmapSize(blockSize: number): bigint {
  const bits = BigInt(Math.log2(blockSize));
  const ppb = 1n << (bits - 2n);
  const ndir = 12n; // EXT4_NDIR_BLOCKS
  const divUp = (a: bigint, b: bigint) => (a + b - 1n) / b;
  let upper = (1n << 48n) - 1n;
  let res = ndir + ppb + ppb * ppb + ppb * ppb * ppb;
  let meta = 1n + (1n + ppb) + (1n + ppb + ppb * ppb);
  if (res + meta > upper) {
    res = upper;
    upper -= ndir;
    meta = 1n;
    upper -= ppb;
    if (upper < ppb * ppb) meta += 1n + divUp(upper, ppb);
    else {
      meta += 1n + ppb;
      upper -= ppb * ppb;
      meta += 1n + divUp(upper, ppb) + divUp(upper, ppb * ppb);
    }
    res -= meta;
  }
  res <<= bits;
  return res > MAX_LFS_FILESIZE ? MAX_LFS_FILESIZE : res;
}

/** The limit generic_write_checks()/ext4_write_checks() apply to an inode of this mapping (bytes). */
export function maxBytesFor(mapping: 'extents' | 'indirect', blockSize: number): bigint {
  return mapping === 'indirect' ? ext4MaxBitmapSize(blockSize) : ext4MaxSize(blockSize);
}
