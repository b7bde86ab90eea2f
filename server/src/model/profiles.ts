/**
 * Kernel profiles: the behaviour of the parts the model implements in TypeScript
 * (VFS, iomap, jbd2, the extent tree) that differs between kernel versions. The ext4 C
 * itself is interpreted, never profiled.
 */
export interface KernelProfile {
  /** Stable id used in settings, JSON and `--kernel-version`. */
  readonly id: '6.1' | '6.12' | '6.12-atomic' | '6.13';
  /** The profile whose built-in constants apply (model/constants.ts). */
  readonly constants: '6.1' | '6.12' | '6.13';
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
   */
  readonly invalidateErrorsToENOTBLK: 'invalidation-only' | 'all-but-EAGAIN';
  /**
   * `RWF_ATOMIC` handling before ext4 runs: 6.1 has no such flag (kiocb_set_rw_flags()
   * rejects unknown flags with -EOPNOTSUPP); 6.12 defines it but ext4 never sets
   * FMODE_CAN_ATOMIC_WRITE so kiocb_set_rw_flags() returns -EOPNOTSUPP (KERNEL-NOTES).
   * `accepted`: ext4_file_open() sets FMODE_CAN_ATOMIC_WRITE when the inode can do atomic
   * writes (6.13 b7987a7d69a4: regular file and s_awu_min > 0, i.e. the fs has the extents
   * feature and the device supports atomic writes; awu_min = awu_max = the block size).
   */
  readonly atomicWrite: 'EOPNOTSUPP' | 'accepted';
  /**
   * What `__iomap_dio_rw()` returns for an atomic write when page-cache invalidation
   * fails: the plain -ENOTBLK (6.12 iomap, no atomic special case), or -EAGAIN (6.13:
   * "an atomic write must not fall back", fs/iomap/direct-io.c).
   */
  readonly atomicInvalidateErrno: 'ENOTBLK' | 'EAGAIN';
  /**
   * 6.13 iomap_dio_bio_iter(): an IOMAP_ATOMIC mapping whose length is not exactly one fs
   * block gets -EINVAL (one REQ_ATOMIC bio per atomic write).
   */
  readonly atomicOneBlockBio: boolean;
}

export const PROFILES: Readonly<Record<KernelProfile['id'], KernelProfile>> = {
  '6.1': {
    id: '6.1',
    constants: '6.1',
    release: '6.1.192 (Debian linux-source-6.1)',
    mapReportsDelayed: false,
    invalidateErrorsToENOTBLK: 'invalidation-only',
    atomicWrite: 'EOPNOTSUPP',
    atomicInvalidateErrno: 'ENOTBLK',
    atomicOneBlockBio: false,
  },
  '6.12': {
    id: '6.12',
    constants: '6.12',
    release: '6.12.117 (Debian linux-source-6.12)',
    mapReportsDelayed: true,
    invalidateErrorsToENOTBLK: 'all-but-EAGAIN',
    atomicWrite: 'EOPNOTSUPP',
    atomicInvalidateErrno: 'ENOTBLK',
    atomicOneBlockBio: false,
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
    release: '6.12 + ext4 atomic-write series v3 (Oct 2024; not a Debian release)',
    mapReportsDelayed: true,
    invalidateErrorsToENOTBLK: 'all-but-EAGAIN',
    atomicWrite: 'accepted',
    atomicInvalidateErrno: 'ENOTBLK',
    atomicOneBlockBio: false,
  },
  /**
   * Linux 6.13: ext4 atomic DIO (b7987a7d69a4, 43c696f9d094, 299537e9dfac) and iomap's
   * atomic rules: -EAGAIN instead of -ENOTBLK on invalidation failure, one fs block per
   * REQ_ATOMIC bio. Modelled from the merged patches; no Debian 6.13 tree to check against.
   */
  '6.13': {
    id: '6.13',
    constants: '6.13',
    release: '6.13 (upstream; modelled from the merged patches)',
    mapReportsDelayed: true,
    invalidateErrorsToENOTBLK: 'all-but-EAGAIN',
    atomicWrite: 'accepted',
    atomicInvalidateErrno: 'EAGAIN',
    atomicOneBlockBio: true,
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
  return { profile: PROFILES['6.1'], why: `Makefile says ${label}; no older profile yet, using 6.1 (a guess)` };
}
