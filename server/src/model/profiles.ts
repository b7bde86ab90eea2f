/**
 * Kernel profiles: the behaviour of the parts the model implements in TypeScript
 * (VFS, iomap, jbd2, the extent tree) that differs between kernel versions. The ext4 C
 * itself is interpreted, never profiled.
 */
export interface KernelProfile {
  /** Stable id used in settings, JSON and `--kernel-version`. */
  readonly id: '2.6.31' | '4.6' | '5.3' | '6.1' | '6.12' | '6.12-atomic' | '6.13';
  /** The profile whose built-in constants apply (model/constants.ts). */
  readonly constants: '2.6.31' | '4.6' | '5.3' | '6.1' | '6.12' | '6.13';
  /**
   * How ext4 does direct IO in this kernel: through iomap (`iomap_dio_rw()`, 5.5+), or
   * through the generic fs/direct-io.c code with `get_block` callbacks
   * (`__blockdev_direct_IO()`, up to 5.4). A `blockdev` profile has no Debian tree: the
   * era's VFS, fs/direct-io.c and the ext4 functions a patch does not contain are
   * TypeScript models (model/legacy/), and the patch's own complete C runs over them.
   */
  readonly dio: 'iomap' | 'blockdev';
  /** For `blockdev` profiles: what differs between the legacy eras modelled. */
  readonly legacy?: LegacyDio;
  /**
   * A Debian tree that supplies the C of the era's iomap side, for a profile whose era
   * already had `iomap_dio_rw()` but used it only for DAX (5.3): the tree's functions
   * that did not exist or differ in the era (`hidden`) are removed and modelled instead.
   */
  readonly iomapReference?: { tree: '6.1'; hidden: readonly string[] };
  /** The exact release the profile was read from. */
  readonly release: string;
  /**
   * `ext4_map_blocks()` reports delayed-allocation blocks with `EXT4_MAP_DELAYED`
   * (6.12 ext4_map_blocks() → ext4_es_lookup_extent(): delayed extents set
   * EXT4_MAP_DELAYED); in 6.1 a delayed block looks like a hole to a lookup.
   */
  readonly mapReportsDelayed: boolean;
  /**
   * How `__iomap_dio_rw()` maps a page-cache invalidation failure before a DIO write
   * (KERNEL-NOTES "Page-cache invalidation"): 6.1 returns writeback errors as-is and
   * -ENOTBLK on invalidation failure; 6.12's kiocb_invalidate_pages() error path maps
   * everything but -EAGAIN to -ENOTBLK. Both fall back to buffered on invalidation failure.
   * 5.3 iomap_dio_rw() only warns (dio_warn_stale_pagecache()) and does the DIO.
   */
  readonly invalidateErrorsToENOTBLK: 'warn-only' | 'invalidation-only' | 'all-but-EAGAIN';
  /**
   * `RWF_ATOMIC` handling before ext4 runs: 6.1 has no such flag (kiocb_set_rw_flags()
   * rejects unknown flags with -EOPNOTSUPP); 6.12 defines it but ext4 never sets
   * FMODE_CAN_ATOMIC_WRITE so kiocb_set_rw_flags() returns -EOPNOTSUPP (KERNEL-NOTES).
   * `accepted`: ext4_file_open() sets FMODE_CAN_ATOMIC_WRITE when the inode can do atomic
   * writes (6.13 b7987a7d69a4: regular file and s_awu_min > 0, i.e. the fs has the extents
   * feature and the device supports atomic writes; awu_min = awu_max = the block size).
   */
  readonly atomicWrite: 'EOPNOTSUPP' | 'accepted';
}

/**
 * The legacy (fs/direct-io.c) DIO path of one era. Each field cites the function and
 * version it comes from.
 */
export interface LegacyDio {
  /**
   * The ->write entry the VFS calls: `ext4_file_write` (->aio_write, 2.6.31 fs/ext4/file.c,
   * which calls generic_file_aio_write()) or `ext4_file_write_iter` (->write_iter, 3.16+).
   */
  readonly entry: 'ext4_file_write' | 'ext4_file_write_iter';
  /**
   * Which DIO flag makes fs/direct-io.c get_more_blocks() pass `create = 0` for blocks
   * inside i_size, so a hole there ends the DIO with -ENOTBLK and the VFS falls back to
   * buffered IO: `DIO_LOCKING` in 2.6.31 (`dio->lock_type == DIO_LOCKING && block_in_file
   * < i_size >> blkbits`), `DIO_SKIP_HOLES` from 3.x on (`dio->flags & DIO_SKIP_HOLES &&
   * fs_startblk <= (i_size - 1) >> blkbits`).
   */
  readonly holesInsideSize: 'DIO_LOCKING' | 'DIO_SKIP_HOLES';
  /**
   * Where an AIO DIO completes when the fs asks for nothing special: in bio end_io, i.e.
   * interrupt context (2.6.31 dio_bio_end_aio() → dio_complete()); 3.13+ lets get_block
   * ask for process context with set_buffer_defer_completion() (dio->defer_completion →
   * queue_work(s_dio_done_wq)).
   */
  readonly deferCompletion: boolean;
  /**
   * 4.6 ext4_ext_map_blocks() / ext4_ext_handle_unwritten_extents(): with
   * EXT4_GET_BLOCKS_PRE_IO, a returned unwritten extent marks the io_end stored by
   * ext4_inode_aio_set() (ext4_set_io_unwritten_flag()) or, when there is none,
   * EXT4_STATE_DIO_UNWRITTEN on the inode. Removed by "ext4: simplify io_end handling for
   * AIO DIO" (4.7), after which the get_block callbacks do it.
   */
  readonly mapMarksInodeAio: boolean;
  /** The inode lock's name in this era: `i_mutex` (to 4.6) or `i_rwsem` (4.7+). */
  readonly lockName: 'i_mutex' | 'i_rwsem';
  /** Which era's ext4 models apply (model/legacy/ext4.ts `LEGACY_EXT4`). */
  readonly era: '2.6.31' | '4.6' | '5.3';
  /**
   * `RWF_NOWAIT` reaches ext4: 4.13 added it ("fs: Introduce RWF_NOWAIT", b745fafaf70c) and
   * ext4 sets FMODE_NOWAIT from 4.13 (728fbc0e10b7); before, kiocb_set_rw_flags() (4.6:
   * `flags & ~RWF_SUPPORTED`) refuses it with -EOPNOTSUPP.
   */
  readonly nowait: boolean;
}

export const PROFILES: Readonly<Record<KernelProfile['id'], KernelProfile>> = {
  /**
   * Linux 2.6.31 (the base of the 2009 "Direct IO for holes and fallocate" series, seed
   * 003): ext4_file_write() → generic_file_aio_write() under i_mutex → ext4_direct_IO() →
   * blockdev_direct_IO(…, ext4_get_block, NULL) with DIO_LOCKING. No iomap, no io_end.
   */
  '2.6.31': {
    id: '2.6.31',
    constants: '2.6.31',
    release: '2.6.31 (modelled from its fs/direct-io.c, mm/filemap.c and fs/ext4; no tree)',
    dio: 'blockdev',
    legacy: { entry: 'ext4_file_write', holesInsideSize: 'DIO_LOCKING', deferCompletion: false, mapMarksInodeAio: false, lockName: 'i_mutex', era: '2.6.31', nowait: false },
    mapReportsDelayed: false,
    invalidateErrorsToENOTBLK: 'invalidation-only',
    atomicWrite: 'EOPNOTSUPP',
  },
  /**
   * Linux 4.6 (the base of "ext4: simplify io_end handling for AIO DIO", seed 004):
   * ext4_file_write_iter() → __generic_file_write_iter() → ext4_direct_IO() →
   * ext4_ext_direct_IO() with ext4_dio_get_block_unwritten/_overwrite and the io_end
   * pointer kept in the inode (ext4_inode_aio_set()).
   */
  '4.6': {
    id: '4.6',
    constants: '4.6',
    release: '4.6 (modelled from its fs/direct-io.c, mm/filemap.c and fs/ext4; no tree)',
    dio: 'blockdev',
    legacy: { entry: 'ext4_file_write_iter', holesInsideSize: 'DIO_SKIP_HOLES', deferCompletion: true, mapMarksInodeAio: true, lockName: 'i_mutex', era: '4.6', nowait: false },
    mapReportsDelayed: false,
    invalidateErrorsToENOTBLK: 'invalidation-only',
    atomicWrite: 'EOPNOTSUPP',
  },
  /**
   * Linux 5.3 (the base of the 2019 "ext4: direct IO via iomap infrastructure" series, seed
   * 000): the last ext4 DIO on fs/direct-io.c. ext4_file_write_iter() takes i_rwsem
   * exclusive, serialises unaligned AIO with ext4_unwritten_wait(), detects a
   * dioread_nolock overwrite and calls __generic_file_write_iter() → ext4_direct_IO() →
   * ext4_direct_IO_write(), which drops i_rwsem around an overwrite, uses the 4.7+
   * get_block callbacks (ext4_dio_get_block_unwritten_sync/_async) and puts extending
   * writes on the orphan list; fs/direct-io.c makes an extending AIO synchronous. iomap
   * (fs/iomap/direct-io.c, split out in 5.3) exists but ext4 uses it for DAX only, so the
   * C of ext4's iomap side comes from the Debian 6.1 tree minus the functions 5.3 did not
   * have (`iomapReference.hidden`, modelled as the 2019 series' base has them).
   */
  '5.3': {
    id: '5.3',
    constants: '5.3',
    release: '5.3 (modelled from its fs/direct-io.c, mm/filemap.c, fs/iomap and fs/ext4; ext4\'s iomap side from Debian 6.1)',
    dio: 'blockdev',
    legacy: { entry: 'ext4_file_write_iter', holesInsideSize: 'DIO_SKIP_HOLES', deferCompletion: true, mapMarksInodeAio: false, lockName: 'i_rwsem', era: '5.3', nowait: true },
    iomapReference: {
      tree: '6.1',
      // 6.1 file.c/inode.c functions 5.3 did not have (added by the 2019 iomap series and
      // later) or had with another signature: the era models (or the patch's C) stand in.
      hidden: [
        'ext4_file_write_iter', 'ext4_dio_write_iter', 'ext4_buffered_write_iter', 'ext4_dio_write_end_io',
        'ext4_handle_inode_extension', 'ext4_write_checks', 'ext4_generic_write_checks',
        'ext4_overwrite_io', 'ext4_unaligned_io', 'ext4_extending_io', 'ext4_dio_write_checks', 'ext4_should_use_dio',
        'ext4_dio_supported',
        // The era's block mapping is the model's (5.3 had no extent-status seq, no
        // ext4_map_create_blocks(); the model holds its rules, KERNEL-NOTES).
        'ext4_map_blocks',
      ],
    },
    mapReportsDelayed: false,
    invalidateErrorsToENOTBLK: 'warn-only',
    atomicWrite: 'EOPNOTSUPP',
  },
  '6.1': {
    id: '6.1',
    constants: '6.1',
    dio: 'iomap',
    release: '6.1.192 (Debian linux-source-6.1)',
    mapReportsDelayed: false,
    invalidateErrorsToENOTBLK: 'invalidation-only',
    atomicWrite: 'EOPNOTSUPP',
  },
  '6.12': {
    id: '6.12',
    constants: '6.12',
    dio: 'iomap',
    release: '6.12.117 (Debian linux-source-6.12)',
    mapReportsDelayed: true,
    invalidateErrorsToENOTBLK: 'all-but-EAGAIN',
    atomicWrite: 'EOPNOTSUPP',
  },
  /**
   * The tree the October 2024 ext4 atomic-write series (seed 001) was written against:
   * 6.12's VFS and iomap with ext4 accepting RWF_ATOMIC (patches 1-3 of that series set
   * FMODE_CAN_ATOMIC_WRITE and validate the size). iomap has no atomic rules yet, so an
   * invalidation failure still returns -ENOTBLK and ext4 falls back to buffered IO.
   */
  '6.12-atomic': {
    id: '6.12-atomic',
    constants: '6.12',
    dio: 'iomap',
    release: '6.12 + ext4 atomic-write series v3 (Oct 2024; not a Debian release)',
    mapReportsDelayed: true,
    invalidateErrorsToENOTBLK: 'all-but-EAGAIN',
    atomicWrite: 'accepted',
  },
  /**
   * Linux 6.13: ext4 atomic DIO (b7987a7d69a4, 43c696f9d094, 299537e9dfac) and iomap's
   * atomic rules: -EAGAIN instead of -ENOTBLK on invalidation failure, one fs block per
   * REQ_ATOMIC bio. Modelled from the merged patches; no Debian 6.13 tree to check against.
   */
  '6.13': {
    id: '6.13',
    constants: '6.13',
    dio: 'iomap',
    release: '6.13 (upstream; modelled from the merged patches)',
    mapReportsDelayed: true,
    invalidateErrorsToENOTBLK: 'all-but-EAGAIN',
    atomicWrite: 'accepted',
  },
};

/** A kernel version as read from a tree's top Makefile. */
export interface KernelVersion {
  version: number;
  patchlevel: number;
  sublevel: number;
}

/** Read VERSION / PATCHLEVEL / SUBLEVEL from a top-level kernel Makefile's text. */
export function parseMakefileVersion(makefile: string): KernelVersion | undefined {
  const get = (k: string) => {
    const m = new RegExp(`^${k}\\s*=\\s*(\\d+)`, 'm').exec(makefile);
    return m ? Number(m[1]) : undefined;
  };
  const version = get('VERSION');
  const patchlevel = get('PATCHLEVEL');
  if (version === undefined || patchlevel === undefined) return undefined;
  return { version, patchlevel, sublevel: get('SUBLEVEL') ?? 0 };
}

/**
 * Choose the profile for a kernel version: the newest profile not newer than it.
 * Returns the profile and why it was chosen (shown in hovers and JSON).
 */
/**
 * Profiles the user may choose for a tree whose Makefile picks `auto` (chooseProfile):
 * the tree's own profile, and 6.12-atomic (6.12 plus the RWF_ATOMIC series) on a 6.12 or
 * later tree. Anything else contradicts the C the tree holds: a 2.6.31 profile on a 6.1
 * tree models blockdev_direct_IO() around C that calls iomap_dio_rw() (issue 13: such a
 * run reported "no write-path change" and 0 problems).
 */
const COMPATIBLE: Partial<Record<KernelProfile['id'], ReadonlyArray<KernelProfile['id']>>> = {
  '6.12': ['6.12-atomic'],
  '6.13': ['6.12-atomic'],
};

/**
 * Why the user's profile `override` cannot be used for a tree whose Makefile says `v`, or
 * undefined when it can (no override, no version known, or a compatible profile). An
 * unknown id is a conflict too: it would otherwise be silently ignored.
 */
export function profileConflict(v: KernelVersion | undefined, override: string | undefined): string | undefined {
  if (!override) return undefined;
  if (!(override in PROFILES)) return `unknown kernel version profile "${override}" (one of ${Object.keys(PROFILES).join(', ')})`;
  if (!v) return undefined;
  const auto = chooseProfile(v).profile.id;
  if (override === auto || COMPATIBLE[auto]?.includes(override as KernelProfile['id'])) return undefined;
  return `profile ${override} contradicts the tree: its Makefile says ${v.version}.${v.patchlevel}.${v.sublevel}, whose write path is profile ${auto}`;
}

export function chooseProfile(v: KernelVersion | undefined, override?: string): { profile: KernelProfile; why: string } {
  if (override && override in PROFILES) {
    return { profile: PROFILES[override as KernelProfile['id']], why: `set by the user (${override})` };
  }
  if (!v) return { profile: PROFILES['6.12'], why: 'no kernel version known; defaulting to 6.12' };
  const n = v.version * 1000 + v.patchlevel;
  const label = `${v.version}.${v.patchlevel}.${v.sublevel}`;
  if (n >= 6013) return { profile: PROFILES['6.13'], why: `Makefile says ${label} (≥ 6.13)` };
  if (n >= 6012) return { profile: PROFILES['6.12'], why: `Makefile says ${label} (6.12)` };
  if (n >= 6001) return { profile: PROFILES['6.1'], why: `Makefile says ${label} (6.1 ≤ v < 6.12)` };
  if (n >= 5005) return { profile: PROFILES['6.1'], why: `Makefile says ${label}; iomap DIO (5.5+), nearest profile 6.1 (an approximation)` };
  if (n >= 4007) return { profile: PROFILES['5.3'], why: `Makefile says ${label}; legacy blockdev_direct_IO DIO with the 4.7+ get_block callbacks, nearest profile 5.3${n === 5003 ? '' : ' (an approximation)'}` };
  if (n >= 3000) return { profile: PROFILES['4.6'], why: `Makefile says ${label}; legacy blockdev_direct_IO DIO, nearest profile 4.6 (an approximation)` };
  return { profile: PROFILES['2.6.31'], why: `Makefile says ${label}; legacy blockdev_direct_IO DIO (2.6), profile 2.6.31` };
}
