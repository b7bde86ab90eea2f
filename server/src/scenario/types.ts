/**
 * The scenario file format (BRIEF.md "Interfaces"): a JSON array of scenarios, every field
 * optional but `id`. `normalizeScenario` fills the documented defaults.
 *
 * Units: `pos`, `len`, `size` are bytes; `blockSize` is bytes; `blocks` has one character
 * per fs block from block 0.
 */
export interface ScenarioInput {
  id: string;
  description?: string;
  request?: Partial<RequestSpec>;
  inode?: Partial<InodeSpec>;
  mount?: Partial<MountSpec>;
  env?: Partial<EnvSpec>;
}

export interface RequestSpec {
  /** `IOCB_DIRECT` (O_DIRECT). Default true. */
  direct: boolean;
  /** AIO (libaio/io_uring: not `is_sync_kiocb`). Default false. */
  aio: boolean;
  /** `IOCB_NOWAIT` (RWF_NOWAIT). Default false. */
  nowait: boolean;
  /** `IOCB_ATOMIC` (RWF_ATOMIC). Default false. */
  atomic: boolean;
  /** `IOCB_DSYNC` (O_DSYNC / RWF_DSYNC). Default false. */
  dsync: boolean;
  /** `IOCB_APPEND` (O_APPEND). Default false. */
  append: boolean;
  /** File offset in bytes. Default 0. */
  pos: number;
  /** Byte count. Default 4096. */
  len: number;
  /** Misalignment of the user buffer address in bytes (0 = page aligned). Default 0. */
  bufOffset: number;
}

export type BlockState = 'W' | 'U' | '_' | 'D';

export interface InodeSpec {
  /** `extents` (EXT4_INODE_EXTENTS) or `indirect` (block-mapped). Default `extents`. */
  mapping: 'extents' | 'indirect';
  /** One char per fs block: W written, U unwritten, _ hole, D delalloc. Default 16 × `W`. */
  blocks: string;
  /** `i_size` in bytes. Default: `blocks.length * blockSize`. */
  size: number;
  /** `i_disksize` in bytes. Default: `size`. */
  disksize?: number;
  /** `IS_NOSEC(inode)`: true once file_remove_privs() found nothing (warm); false right after load (cold). Default true. */
  nosec: boolean;
  /** `inline_data`, `encrypt`, `verity`, `journal_data`, `dax`. Default []. */
  flags: InodeFlag[];
}

export type InodeFlag = 'inline_data' | 'encrypt' | 'verity' | 'journal_data' | 'dax';

export interface MountSpec {
  /** fs block size in bytes. Default 4096. */
  blockSize: number;
  /** Default true (the default when block size equals page size). */
  dioreadNolock: boolean;
  /** Default true. */
  delalloc: boolean;
  /** data=journal. Default false. */
  dataJournal: boolean;
  /**
   * The filesystem has the `extent` feature (mkfs default). Default: true for an
   * extent-mapped inode, false for an indirect one (`mkfs.ext4 -O ^extent`); set it true
   * with an indirect inode for an old block-mapped file on an extent filesystem.
   */
  extentFeature: boolean;
}

export interface EnvSpec {
  /** Another task holds i_rwsem: trylocks fail, blocking locks sleep. Default false. */
  contended: boolean;
  /** The DIO copies only its first fs block, then makes no progress (short write). Default false. */
  shortWrite: boolean;
  /** Page-cache invalidation before the DIO fails. Default false. */
  invalidateFails: boolean;
  /** Block allocation fails with -ENOSPC. Default false. */
  enospc: boolean;
  /** Device logical block size in bytes. Default 512. */
  logicalBlockSize: number;
  /** Pages of the target range are in the page cache (matters for NOWAIT invalidation). Default false. */
  cachedPages: boolean;
  /** The block device supports atomic writes (bdev_can_atomic_write()). Default true. */
  atomicCapable: boolean;
}

/** A scenario with every default filled in. */
export interface Scenario {
  id: string;
  description?: string;
  request: RequestSpec;
  inode: Omit<InodeSpec, 'disksize'> & { disksize: number };
  mount: MountSpec;
  env: EnvSpec;
}

/** A problem with a scenario file: the scenario is skipped or defaulted, never fatal. */
export interface ScenarioProblem {
  id?: string;
  index: number;
  message: string;
}
