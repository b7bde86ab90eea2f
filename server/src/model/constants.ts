/**
 * Built-in constant values, per kernel profile, for when no kernel tree is at hand
 * (hunk-only review). With a tree, `kernel/headers.ts` reads the same names from that
 * tree's headers and those values win; `test/constants.test.mjs` checks that these
 * tables equal what the real Debian 6.1.192 / 6.12.117 headers define.
 *
 * Sources: include/linux/fs.h (IOCB_*, S_*, I_DIRTY_*), include/linux/iomap.h (IOMAP_*),
 * fs/ext4/ext4.h (EXT4_MAP_* = BIT(BH_*) from include/linux/buffer_head.h,
 * EXT4_GET_BLOCKS_*, EXT4_INODE_*, EXT4_STATE_*, EXT4_MOUNT_*), fs/ext4/ext4_jbd2.h
 * (EXT4_HT_*), include/uapi/asm-generic/errno*.h and include/linux/errno.h (errno).
 */

const COMMON: Record<string, bigint> = {
  // errno (uapi/asm-generic/errno-base.h, errno.h; EIOCBQUEUED: include/linux/errno.h)
  EPERM: 1n, ENOENT: 2n, EINTR: 4n, EIO: 5n, ENOMEM: 12n, EFAULT: 14n, ENOTBLK: 15n, EBUSY: 16n,
  EEXIST: 17n, EINVAL: 22n, ETXTBSY: 26n, EFBIG: 27n, ENOSPC: 28n, EROFS: 30n, ERANGE: 34n,
  EAGAIN: 11n, ENOSYS: 38n, ENODATA: 61n, EOPNOTSUPP: 95n, EUCLEAN: 117n, EFSCORRUPTED: 117n,
  EDQUOT: 122n, EIOCBQUEUED: 529n, MAX_ERRNO: 4095n,
  // include/linux/fs.h
  IOCB_HIPRI: 1n, IOCB_DSYNC: 2n, IOCB_SYNC: 4n, IOCB_NOWAIT: 8n, IOCB_APPEND: 16n,
  IOCB_DIRECT: 1n << 17n, IOCB_WRITE: 1n << 18n,
  S_SYNC: 1n, S_APPEND: 4n, S_IMMUTABLE: 8n, S_NOSEC: 1n << 12n, S_DAX: 1n << 13n,
  S_ENCRYPTED: 1n << 14n, S_VERITY: 1n << 16n, S_IFMT: 0o170000n, S_IFREG: 0o100000n,
  // include/linux/iomap.h
  IOMAP_HOLE: 0n, IOMAP_DELALLOC: 1n, IOMAP_MAPPED: 2n, IOMAP_UNWRITTEN: 3n, IOMAP_INLINE: 4n,
  IOMAP_F_NEW: 1n, IOMAP_F_DIRTY: 2n, IOMAP_F_SHARED: 4n, IOMAP_F_MERGED: 8n,
  IOMAP_NULL_ADDR: -1n,
  IOMAP_WRITE: 1n, IOMAP_ZERO: 2n, IOMAP_REPORT: 4n, IOMAP_FAULT: 8n, IOMAP_DIRECT: 16n,
  IOMAP_NOWAIT: 32n, IOMAP_OVERWRITE_ONLY: 64n, IOMAP_UNSHARE: 128n, IOMAP_DAX: 256n,
  IOMAP_DIO_UNWRITTEN: 1n, IOMAP_DIO_COW: 2n,
  IOMAP_DIO_FORCE_WAIT: 1n, IOMAP_DIO_OVERWRITE_ONLY: 2n, IOMAP_DIO_PARTIAL: 4n,
  // fs/ext4/ext4.h: EXT4_MAP_x = BIT(BH_x), bh_state_bits in include/linux/buffer_head.h
  EXT4_MAP_NEW: 32n, EXT4_MAP_MAPPED: 16n, EXT4_MAP_UNWRITTEN: 2048n, EXT4_MAP_BOUNDARY: 512n,
  EXT4_GET_BLOCKS_CREATE: 1n, EXT4_GET_BLOCKS_UNWRIT_EXT: 2n, EXT4_GET_BLOCKS_CREATE_UNWRIT_EXT: 3n,
  EXT4_GET_BLOCKS_DELALLOC_RESERVE: 4n, EXT4_GET_BLOCKS_PRE_IO: 8n, EXT4_GET_BLOCKS_CONVERT: 16n,
  EXT4_GET_BLOCKS_IO_CREATE_EXT: 11n, EXT4_GET_BLOCKS_IO_CONVERT_EXT: 19n,
  EXT4_GET_BLOCKS_METADATA_NOFAIL: 32n, EXT4_GET_BLOCKS_NO_NORMALIZE: 64n,
  EXT4_GET_BLOCKS_CONVERT_UNWRITTEN: 256n, EXT4_GET_BLOCKS_ZERO: 512n, EXT4_GET_BLOCKS_CREATE_ZERO: 513n,
  EXT4_GET_BLOCKS_IO_SUBMIT: 1024n, EXT4_GET_BLOCKS_CACHED_NOWAIT: 2048n,
  EXT4_INODE_ENCRYPT: 11n, EXT4_INODE_JOURNAL_DATA: 14n, EXT4_INODE_EXTENTS: 19n, EXT4_INODE_VERITY: 20n,
  EXT4_INODE_DAX: 25n, EXT4_INODE_INLINE_DATA: 28n,
  EXT4_MAX_LOGICAL_BLOCK: 0xfffffffen,
  EXT4_MOUNT_DAX_ALWAYS: 512n, EXT4_MOUNT_JOURNAL_DATA: 1024n, EXT4_MOUNT_DATA_FLAGS: 3072n,
  EXT4_MOUNT_DIOREAD_NOLOCK: 0x400000n, EXT4_MOUNT_DELALLOC: 0x8000000n, EXT4_FLAGS_SHUTDOWN: 1n,
  // fs/ext4/ext4_jbd2.h
  EXT4_HT_MISC: 0n, EXT4_HT_INODE: 1n, EXT4_HT_WRITE_PAGE: 2n, EXT4_HT_MAP_BLOCKS: 3n,
  PAGE_SHIFT: 12n,
};

/** 6.12 (also the base of the 6.13 table). */
const SIX_TWELVE: Record<string, bigint> = {
  ...COMMON,
  IOCB_ATOMIC: 64n,
  IOCB_DIO_CALLER_COMP: 1n << 22n,
  EXT4_MAP_DELAYED: 256n,
  I_DIRTY_DATASYNC: 16n,
  EXT4_STATE_NEW: 0n,
  EXT4_STATE_MAY_INLINE_DATA: 6n,
  EXT4_STATE_ORPHAN_FILE: 11n,
};

/**
 * The legacy DIO eras (no tree to read headers from; values from the era's headers).
 * fs.h 2.6.31: `#define WRITE 1`, `enum { DIO_LOCKING = 1, DIO_NO_LOCKING, DIO_OWN_LOCKING }`;
 * 4.6: `enum { DIO_LOCKING = 0x01, DIO_SKIP_HOLES = 0x02, DIO_ASYNC_EXTEND = 0x04,
 * DIO_SKIP_DIO_COUNT = 0x08 }`. ext4.h 2.6.31: EXT4_GET_BLOCKS_UNINIT_EXT 0x0002 (the bit
 * later renamed UNWRIT_EXT); EXT4_GET_BLOCKS_DIO_CREATE_EXT 0x0011 and DIO_CONVERT_EXT
 * 0x0021 as seed 003's patch defines them (2.6.32 merged EXT4_GET_BLOCKS_DIO = 0x0010).
 * inode.c 2.6.31: `#define DIO_MAX_BLOCKS 4096`. ext4.h 4.6: EXT4_STATE_DIO_UNWRITTEN is
 * the 7th inode state bit (JDATA, NEW, XATTR, NO_EXPAND, DA_ALLOC_CLOSE, EXT_MIGRATE,
 * DIO_UNWRITTEN), EXT4_IO_END_UNWRITTEN 0x0001 (fs/ext4/ext4.h io_end flags).
 */
const LEGACY: Record<string, bigint> = {
  ...COMMON,
  READ: 0n, WRITE: 1n,
  I_DIRTY_DATASYNC: 2n,
  EXT4_STATE_NEW: 1n,
  EXT4_STATE_DIO_UNWRITTEN: 6n,
  EXT4_STATE_MAY_INLINE_DATA: 8n,
  EXT4_IO_END_UNWRITTEN: 1n,
  GFP_NOFS: 0x50n, GFP_KERNEL: 0xd0n,
};

/** fs/direct-io.c of 3.x–5.4 (see LEGACY): the 4.6 and 5.3 tables. */
const FOUR_X: Record<string, bigint> = {
  ...LEGACY,
  DIO_LOCKING: 1n, DIO_SKIP_HOLES: 2n, DIO_ASYNC_EXTEND: 4n, DIO_SKIP_DIO_COUNT: 8n,
  DIO_MAX_BLOCKS: 4096n,
};

/** Constants per profile id. Values that moved between versions are listed per profile. */
export const BUILTIN_CONSTANTS: Readonly<Record<string, Readonly<Record<string, bigint>>>> = {
  '6.1': {
    ...COMMON,
    I_DIRTY_DATASYNC: 2n,
    EXT4_STATE_NEW: 1n,
    EXT4_STATE_MAY_INLINE_DATA: 7n,
    EXT4_STATE_ORPHAN_FILE: 12n,
  },
  '2.6.31': {
    ...LEGACY,
    DIO_LOCKING: 1n, DIO_NO_LOCKING: 2n, DIO_OWN_LOCKING: 3n,
    EXT4_GET_BLOCKS_UNINIT_EXT: 2n, EXT4_GET_BLOCKS_CREATE_UNINIT_EXT: 3n,
    EXT4_GET_BLOCKS_DIO_CREATE_EXT: 0x11n, EXT4_GET_BLOCKS_DIO_CONVERT_EXT: 0x21n,
    DIO_MAX_BLOCKS: 4096n,
  },
  '4.6': FOUR_X,
  // 5.3: fs.h DIO_* as 4.6; EXT4_STATE_DIO_UNWRITTEN still the 7th state bit (removed by
  // the 2019 iomap series, 5.5). iomap.h IOMAP_* and IOMAP_DIO_UNWRITTEN as in COMMON (5.3
  // include/linux/iomap.h: IOMAP_WRITE 0x01 … IOMAP_NOWAIT 0x20; IOMAP_DIO_UNWRITTEN 1 << 0).
  '5.3': FOUR_X,
  '6.12': SIX_TWELVE,
  // 6.13: IOMAP_ATOMIC = 1 << 9 (include/linux/iomap.h, added with iomap atomic writes);
  // the rest as 6.12. Not checked against a real 6.13 tree (none is fetched).
  '6.13': { ...SIX_TWELVE, IOMAP_ATOMIC: 1n << 9n },
};

/** Positive errno → name, for traces and `ret` strings (`-EAGAIN`). */
export const ERRNO_NAMES: ReadonlyMap<bigint, string> = new Map(
  Object.entries(COMMON)
    .filter(([k]) => /^E[A-Z0-9]+$/.test(k) && k !== 'EFSCORRUPTED')
    .map(([k, v]) => [v, k] as [bigint, string]),
);
