import type { BlockState, Scenario } from '../scenario/types';
import type { KernelProfile } from './profiles';
import { CObject, int, ModelObject, NULL, T, toBigInt, Value } from '../interp/values';
import { DEFAULT_LIMITS, Inconclusive } from '../interp/interpreter';
import { ext4MaxBitmapSize, ext4MaxSize } from '../scenario/limits';

/** i_rwsem as this request holds it. */
export type LockMode = 'none' | 'shared' | 'exclusive';

/** Where code runs: the submitting task, the DIO completion workqueue, or bio end_io (irq). */
export type ExecContext = 'process' | 'workqueue' | 'irq';

/**
 * One thing that happened, in order. The outcome and the invariant checks are computed
 * from this log, never from what the C "meant" to do.
 */
export type WorldEvent =
  | { e: 'lock'; op: LockOp; context: ExecContext }
  | { e: 'wait'; what: 'inode_dio_wait' | 'IOMAP_DIO_FORCE_WAIT' | 'wait-after-EIOCBQUEUED' | 'dio_await_completion' | 'flush_workqueue' | 'ext4_unwritten_wait' }
  /** A call that may sleep (lock, journal start, block allocation, IO wait). */
  | { e: 'may-sleep'; what: string; context: ExecContext }
  | { e: 'map'; flags: string[]; lblk: number; len: number; ret: number; mflags: string[] }
  /** Blocks allocated; `how` names the allocating call when it is not ext4_map_blocks() (a buffer_head get_block). */
  | { e: 'alloc'; lblk: number; len: number; unwritten: boolean; beyondEof: boolean; onOrphan: boolean; insideSize: boolean; how?: string }
  | { e: 'dio-start'; lock: LockMode; ops: string; dioFlags: string[] }
  | { e: 'iomap'; type: string; offset: number; length: number; /** Set by a later sub-block zeroing bio of this mapping (model/probes.ts). */ zeroPartial: boolean }
  | { e: 'dio-done'; bytes: number; queued: boolean; ret: string }
  | { e: 'end_io'; flags: string[]; size: number; context: ExecContext; lock: LockMode }
  | { e: 'convert'; lblk: number; len: number; context: ExecContext; ok: boolean }
  | { e: 'orphan'; op: 'add' | 'del' }
  | { e: 'size'; iSize: number; disksize: number; lock: LockMode; context: ExecContext }
  /**
   * A buffered write: bytes and the lock held; `via` which page-cache path ran, `ops` the
   * iomap_ops, `newBlocks` how it instantiated blocks (`delalloc`, `unwritten`, `written`),
   * `order` its journal-handle / folio-lock sequence (outcome `bufferedWrite`).
   */
  | { e: 'buffered'; bytes: number; lock: LockMode; via?: 'buffer_head' | 'iomap'; ops?: string; newBlocks?: string[]; order?: string[] }
  | { e: 'dax'; bytes: number; lock: LockMode }
  | { e: 'journal'; op: 'start' | 'stop' }
  /** A folio lock taken by a buffered write; `via` the path (the `lock-order` check is about iomap's). */
  | { e: 'folio-lock'; handleOpen: boolean; via?: 'buffer_head' | 'iomap' }
  | { e: 'delalloc'; op: 'reserve' | 'release'; lblk: number; len: number }
  /** A WARN_ON/WARN/BUG_ON whose condition held: its text, `file:line`, and the function it is in (when known). */
  | { e: 'warn'; text: string; where: string; fn?: string }
  /** generic_write_sync() wrote back and waited (IOCB_DSYNC): include/linux/fs.h, 6.1–7.2. */
  | { e: 'sync' }
  /** ->write_iter returned to the VFS: what follows runs after the syscall returned (queued AIO completion). */
  | { e: 'return' }
  /** Legacy DIO: the blocks written are unwritten and must be converted at completion (how it was recorded). */
  | { e: 'dio-unwritten'; how: string }
  /** Legacy DIO: an ext4_io_end_t was allocated for this request. */
  | { e: 'io_end'; op: 'alloc' }
  | { e: 'lock-error'; text: string };

export type LockOp =
  | 'shared'
  | 'exclusive'
  | 'trylock-shared-failed'
  | 'trylock-exclusive-failed'
  | 'unlock-shared'
  | 'unlock-exclusive'
  | 'downgrade';

/** Whether ext4_atomic_write_init() gives the filesystem an atomic write unit: extent feature and an atomic-capable device. */
function atomicUnit(w: World): boolean {
  return w.scenario.mount.extentFeature && w.scenario.env.atomicCapable;
}

/**
 * The simulated kernel state for one scenario run: the inode (block map, sizes, flags,
 * orphan state), the mount, i_rwsem, the kiocb and iov_iter, and the event log.
 * Block numbers are fs blocks; positions and sizes are bytes.
 */
export class World {
  /** Logical block → state; an absent block is a hole. A Map, not an array: a write near `s_maxbytes` sets block 2^32 - 1 alone. */
  readonly blocks = new Map<number, BlockState>();
  iSize: bigint;
  iDisksize: bigint;
  nosec: boolean;
  readonly flags: Set<string>;
  readonly mapping: 'extents' | 'indirect';
  readonly blkbits: number;
  readonly blockSize: number;
  /** EXT4_STATE_* bits set on the inode (by value). */
  readonly stateBits = new Set<bigint>();
  onOrphan = false;
  lock: LockMode = 'none';
  context: ExecContext = 'process';
  pos: bigint;
  iocbFlags: bigint;
  iterCount: bigint;
  openHandles = 0;
  /** i_rwsem state when ext4_file_write_iter() returned. */
  lockAtReturn: LockMode = 'none';
  /** The filesystem has a journal (orphan list and handles are real). */
  readonly journaled = true;
  /** A buffered copy came up short (`env.shortWrite`: the user buffer faults after the first fs block). */
  shortBufferedCopy = false;
  /**
   * The extent-status sequence count (the 2026 series' `EXT4_I(inode)->i_es_seq`): bumped
   * whenever the model changes the block map's extents, so an iomap validity cookie taken
   * earlier (`map->m_seq`) can be compared with it.
   */
  esSeq = 0;
  /** What a deferred AIO completion returned (bytes or -errno), once it ran. */
  completionRet?: bigint;
  readonly events: WorldEvent[] = [];
  /** Where each event of `events` happened (same index): the context and the i_rwsem mode held then. */
  readonly stamps: Array<{ context: ExecContext; lock: LockMode }> = [];
  /**
   * Deferred work: AIO completions (run by the DIO workqueue, or by inode_dio_wait) and
   * work items queued with queue_work() (`work: true`, which flush_workqueue() runs).
   */
  readonly pending: Array<((lockHeld?: LockMode) => void) & { work?: boolean }> = [];
  /** In-flight DIO of this request (i_dio_count contribution). */
  dioInFlight = 0;
  /** Blocks with dirty page-cache pages (delalloc, or buffered writes not yet written back). */
  readonly dirty = new Set<number>();
  /** Blocks this request's DIO wrote, for the unwritten-left check. */
  readonly dioWritten = new Set<number>();
  /** Bios submitted and not yet completed (model/block.ts): they complete in blk_io_schedule() or after submission returns. */
  readonly inflight: CObject[] = [];
  /** Bytes of the user buffer the iter has advanced over (pinned into bios or copied). */
  iterAdvanced = 0n;
  /** Bytes of user data the DIO put into bios (zeroing bios not counted). */
  dioBytes = 0n;
  /** The DIO returned -EIOCBQUEUED: its completion runs later. */
  dioQueued = false;
  /** invalidate_inode_pages2_range() dropped the request's cached pages. */
  pagesInvalidated = false;
  /** Trylock/contention: another task holds i_rwsem. */
  readonly contended: boolean;
  readonly objects: WorldObjects;
  /**
   * `ext4_file_operations.fop_flags` as the image's initializer evaluates (FOP_* bits; 0 when
   * the table does not set it, as C zero-fills it), or undefined when it cannot be evaluated.
   * Set by the simulation before the write enters.
   */
  fopFlags?: bigint;
  /** EXT4_INODE_* bits the C set in i_flags that the scenario inode has no flag for. */
  extraInodeFlags = 0n;

  private modelStepsLeft: number;

  /** @param modelSteps the budget of `charge()`: blocks/pages model loops may visit in one run. */
  constructor(readonly scenario: Scenario, readonly profile: KernelProfile, readonly c: (name: string) => bigint, readonly modelSteps = DEFAULT_LIMITS.steps) {
    this.modelStepsLeft = modelSteps;
    const s = scenario;
    [...s.inode.blocks].forEach((b, i) => {
      if (b !== '_') this.blocks.set(i, b as BlockState);
    });
    this.iSize = BigInt(s.inode.size);
    this.iDisksize = BigInt(s.inode.disksize);
    this.nosec = s.inode.nosec;
    this.flags = new Set(s.inode.flags);
    this.mapping = s.inode.mapping;
    this.blockSize = s.mount.blockSize;
    this.blkbits = Math.log2(s.mount.blockSize);
    this.pos = BigInt(s.request.pos);
    this.iterCount = BigInt(s.request.len);
    this.contended = s.env.contended;
    let f = c('IOCB_WRITE');
    if (s.request.direct) f |= c('IOCB_DIRECT');
    if (s.request.nowait) f |= c('IOCB_NOWAIT');
    if (s.request.dsync) f |= c('IOCB_DSYNC');
    if (s.request.append) f |= c('IOCB_APPEND');
    this.iocbFlags = f;
    // MAY_INLINE_DATA is set on inodes created with inline_data enabled; only the flag matters here.
    if (this.flags.has('inline_data')) this.stateBits.add(c('EXT4_STATE_MAY_INLINE_DATA'));
    for (const [i, b] of this.blocks) if (b === 'D') this.dirty.add(i);
    this.objects = makeObjects(this);
  }

  /** Record an event; each is charged (one unit), so the event log is bounded like the run. */
  emit(ev: WorldEvent): void {
    this.charge(1, 'event log');
    this.events.push(ev);
    this.stamps.push({ context: this.context, lock: this.lock });
  }

  blockAt(lblk: number): BlockState {
    return this.blocks.get(lblk) ?? '_';
  }

  /**
   * The blocks in [first, last] that are not holes, as [lblk, state] pairs in no
   * particular order. Costs min(range, blocks set), charged: callers pass ranges up to
   * LLONG_MAX (filemap_write_and_wait_range(…, LLONG_MAX)), so never walk the range blindly.
   * @throws Inconclusive when the model budget is spent.
   */
  blocksIn(first: number, last: number, what: string): Array<[number, BlockState]> {
    const out: Array<[number, BlockState]> = [];
    if (last < first) return out;
    if (last - first + 1 <= this.blocks.size) {
      this.charge(last - first + 1, what);
      for (let b = first; b <= last; b++) {
        const st = this.blocks.get(b);
        if (st) out.push([b, st]);
      }
    } else {
      this.charge(this.blocks.size, what);
      for (const [b, st] of this.blocks) if (b >= first && b <= last) out.push([b, st]);
    }
    return out;
  }

  /** Set one block's state (`_` makes it a hole again). */
  setBlock(lblk: number, st: BlockState): void {
    if (st === '_') this.blocks.delete(lblk);
    else this.blocks.set(lblk, st);
  }

  /**
   * Charge `n` units of model work (one per block or page a model loop visits) to this
   * run's budget, the same size as the interpreter's step budget: a request over millions
   * of blocks ends `inconclusive` instead of running for minutes (issue 16).
   * @throws Inconclusive when the budget is spent.
   */
  charge(n: number, what: string): void {
    this.modelStepsLeft -= n;
    if (this.modelStepsLeft < 0) throw new Inconclusive(`model step budget of ${this.modelSteps} exhausted`, what);
  }

  /** `IS_DAX(inode)`: the inode flag `dax` (S_DAX needs CONFIG_FS_DAX, on in Debian). */
  get isDax(): boolean {
    return this.flags.has('dax');
  }

  /**
   * ext4_should_journal_data() → ext4_inode_journal_mode() (fs/ext4/ext4_jbd2.c, 6.1/6.12):
   * data=journal mount, or the per-inode JOURNAL_DATA flag — which is honoured only when
   * the fs is mounted nodelalloc (`ext4_test_inode_flag(.., EXT4_INODE_JOURNAL_DATA) &&
   * !test_opt(sb, DELALLOC)`). Found by the conformance suite (chattr +j on a delalloc
   * mount still does DIO on the real kernels). Encrypted regular files are never data
   * journalled (same function: ordered mode instead).
   */
  get journalData(): boolean {
    if (this.flags.has('encrypt')) return false;
    return this.scenario.mount.dataJournal || (this.flags.has('journal_data') && !this.scenario.mount.delalloc);
  }
}

/** The kernel objects the interpreted C reaches through pointers. */
export interface WorldObjects {
  iocb: ModelObject;
  iter: ModelObject;
  file: ModelObject;
  inode: ModelObject;
  ei: ModelObject;
  sb: ModelObject;
  sbi: ModelObject;
  mapping: ModelObject;
  rwsem: ModelObject;
  current: ModelObject;
}

function makeObjects(w: World): WorldObjects {
  const ptr = (o: ModelObject): Value => ({ k: 'obj', obj: o });
  const num = (get: () => bigint | number, t = T.long, set?: (v: bigint) => void) => ({
    get: () => int(typeof get() === 'bigint' ? (get() as bigint) : BigInt(get() as number), t),
    set: set ? (v: Value) => set(toBigInt(v)) : undefined,
  });
  const rwsem = new ModelObject('rw_semaphore', {});
  // address_space.host is the inode; `inode` is created below, so the getter reads it late.
  const mapping: ModelObject = new ModelObject('address_space', {
    host: { get: (): Value => ptr(inode) },
    // Pages in the file's page cache: the dirty blocks, plus the cached range unless it was invalidated.
    nrpages: num(() => w.dirty.size + (w.scenario.env.cachedPages && !w.pagesInvalidated ? 1 : 0), T.ulong),
  });
  const workqueue = new ModelObject('workqueue_struct', {});
  const bdev = new ModelObject('block_device', {});
  const journal = new ModelObject('journal_t', { j_inode: { get: () => ptr(new ModelObject('inode', {})) } });
  const es = new ModelObject('ext4_super_block', {
    s_feature_compat: num(() => features(w, 'COMPAT'), T.uint),
    s_feature_incompat: num(() => features(w, 'INCOMPAT'), T.uint),
    s_feature_ro_compat: num(() => features(w, 'RO_COMPAT'), T.uint),
  });
  const sbi = new ModelObject('ext4_sb_info', {
    // ext4_sample_last_mounted() (fs/ext4/file.c) samples the mount point once per mount,
    // on the first open: the scenario's file is opened after its setup wrote it, so the
    // sample is taken (EXT4_MF_MNTDIR_SAMPLED set) by the time the write's open runs.
    s_mount_flags: num(() => 1n << w.c('EXT4_MF_MNTDIR_SAMPLED'), T.ulong),
    // The on-disk superblock (ext4_sb_info.s_es): its feature words, which the
    // ext4_has_feature_*() functions EXT4_FEATURE_*_FUNCS() generates read.
    s_es: { get: () => ptr(es) },
    s_bitmap_maxbytes: num(() => ext4MaxBitmapSize(w.blockSize)),
    s_mount_opt: num(() => mountOpt(w), T.uint),
    // ext4_sb_info.s_mount_state: EXT4_VALID_FS etc.; never EXT4_FC_REPLAY (no fast-commit replay at mount in scenarios).
    s_mount_state: num(() => 0, T.u16),
    // The journal (journal_t): the scenario's filesystem has one; its inode is never the file written.
    s_journal: { get: () => ptr(journal) },
    s_daxdev: { get: () => NULL },
    s_dax_part_off: num(() => 0n, T.ulong),
    // ext4_atomic_write_init() (fs/ext4/super.c, 7.2): s_awu_min = max(s_blocksize, the
    // device's atomic unit min), s_awu_max = min(EXT4_CLUSTER_SIZE(sb), its max), both 0
    // without the extent feature, a device that can write atomically, or min ≤ max. The
    // scenario format has no device units or cluster size yet (issue 12): the device is
    // taken to cover exactly one fs block and the fs is not bigalloc (cluster = block), so
    // both are one block — the same [bs, bs] the model's own 6.13 checks use.
    // The unwritten-conversion workqueues ext4_fill_super() creates (2.6.32–3.x
    // `dio_unwritten_wq`, 3.10+ `rsv_conversion_wq`): opaque here, queue_work() is modelled.
    dio_unwritten_wq: { get: () => ptr(workqueue) },
    rsv_conversion_wq: { get: () => ptr(workqueue) },
    s_awu_min: num(() => (atomicUnit(w) ? w.blockSize : 0), T.uint),
    s_awu_max: num(() => (atomicUnit(w) ? w.blockSize : 0), T.uint),
  });
  const sb = new ModelObject('super_block', {
    s_blocksize: num(() => w.blockSize, T.ulong),
    s_blocksize_bits: num(() => w.blkbits, T.u8),
    s_fs_info: { get: () => ptr(sbi) },
    s_bdev: { get: () => ptr(bdev) },
    // s_dio_done_wq: created by sb_init_dio_done_wq() on the first AIO DIO (fs/direct-io.c); the model always succeeds.
    s_dio_done_wq: { get: () => ptr(workqueue) },
    s_maxbytes: num(() => ext4MaxSize(w.blockSize)),
  });
  const ei = new ModelObject('ext4_inode_info', {
    // fs/ext4/ext4.h, 64-bit: EXT4_INODE_BIT_FNS(flag, flags, 0) and (state, flags, 32) —
    // the on-disk inode flags in bits 0–31, the dynamic EXT4_STATE_* bits from bit 32.
    i_flags: num(() => ext4InodeFlags(w), T.ulong, (v) => setExt4InodeFlags(w, v)),
    i_disksize: num(() => w.iDisksize, T.long, (v) => {
      w.iDisksize = v;
    }),
    i_es_seq: num(() => w.esSeq, T.ulong),
    // The jbd2_inode ext4_inode_attach_jinode() attaches on the first open for writing: the
    // setup's writes opened the file before the scenario's open (so it returns 0 at once).
    jinode: { get: () => ptr(new ModelObject('jbd2_inode', {})) },
  });
  const inode: ModelObject = new ModelObject('inode', {
    i_sb: { get: () => ptr(sb) },
    i_blkbits: num(() => w.blkbits, T.u8),
    i_mode: num(() => 0o100644, T.u16),
    i_nlink: num(() => 1, T.uint),
    i_rwsem: { get: () => ptr(rwsem) },
    i_mapping: { get: () => ptr(mapping) },
    i_size: num(() => w.iSize),
    // include/linux/fs.h inode.i_flags, the S_* bits the IS_*() macros test: from the scenario inode.
    i_flags: num(() => inodeFlags(w), T.uint),
    // include/linux/fs.h i_write_hint (6.12+): WRITE_LIFE_NOT_SET unless fcntl(F_SET_RW_HINT).
    i_write_hint: num(() => 0, T.u8),
  });
  // The file's ->f_op: the tree's `ext4_file_operations` as the image initialises it. Only
  // fop_flags is held (6.12+ generic_write_checks_count() tests FOP_BUFFER_WASYNC), and only
  // when the simulation could evaluate the initializer (World.fopFlags); else reading it
  // cannot tell.
  let fileOps: ModelObject | undefined;
  const fPath = new ModelObject('path', { mnt: { get: () => ptr(new ModelObject('vfsmount', {})) } });
  const file = new ModelObject('file', {
    f_inode: { get: () => ptr(inode) },
    f_mapping: { get: () => ptr(mapping) },
    f_flags: num(() => openFlags(w), T.uint),
    // The file's path (mnt, dentry); only its mount is read (ext4_sample_last_mounted()).
    f_path: { get: () => ptr(fPath) },
    f_op: { get: () => ptr((fileOps ??= new ModelObject('file_operations', w.fopFlags === undefined ? {} : { fop_flags: num(() => w.fopFlags!, T.uint) }))) },
  });
  const iocb = new ModelObject('kiocb', {
    ki_filp: { get: () => ptr(file) },
    ki_pos: num(() => w.pos, T.long, (v) => {
      w.pos = v;
    }),
    ki_flags: num(() => w.iocbFlags, T.int, (v) => {
      w.iocbFlags = BigInt.asUintN(32, v);
    }),
    // fs/aio.c aio_prep_rw(): an AIO's ki_complete is aio_complete_rw; a sync kiocb has none (is_sync_kiocb()).
    ki_complete: { get: (): Value => (w.scenario.request.aio ? { k: 'fn', name: 'aio_complete_rw' } : NULL) },
    ki_ioprio: num(() => 0, T.u16),
    private: { get: () => kiocbPrivate, set: (v: Value) => (kiocbPrivate = v) },
    dio_complete: { get: () => kiocbDioComplete, set: (v: Value) => (kiocbDioComplete = v) },
  });
  const iter = new ModelObject('iov_iter', {
    count: num(() => w.iterCount, T.ulong, (v) => {
      w.iterCount = v;
    }),
    // include/linux/uio.h: a write's iter is the data source (ITER_SOURCE, iov_iter_rw() == WRITE), one user buffer (ITER_UBUF).
    data_source: num(() => 1, T.bool),
    // lib/iov_iter.c import_ubuf(): pwrite(2)/pwritev2() of one segment and io_submit()'s
    // IOCB_CMD_PWRITE give ITER_UBUF (6.1+; fs/read_write.c, fs/aio.c aio_setup_rw()).
    iter_type: num(() => w.c('ITER_UBUF'), T.u8),
  });
  let kiocbPrivate: Value = NULL;
  let kiocbDioComplete: Value = NULL;
  const current = new ModelObject('task_struct', {});
  return { iocb, iter, file, inode, ei, sb, sbi, mapping, rwsem, current };
}

/** The scenario inode's flags as EXT4_INODE_* bit numbers (fs/ext4/ext4.h enum), set in ext4_inode_info.i_flags. */
const INODE_FLAG_BITS: Array<[string, (w: World) => boolean]> = [
  ['EXT4_INODE_EXTENTS', (w) => w.mapping === 'extents'],
  ['EXT4_INODE_INLINE_DATA', (w) => w.flags.has('inline_data')],
  ['EXT4_INODE_JOURNAL_DATA', (w) => w.flags.has('journal_data')],
  ['EXT4_INODE_VERITY', (w) => w.flags.has('verity')],
  ['EXT4_INODE_ENCRYPT', (w) => w.flags.has('encrypt')],
  ['EXT4_INODE_DAX', (w) => w.flags.has('dax')],
  ['EXT4_INODE_IMMUTABLE', (w) => w.flags.has('immutable')],
  ['EXT4_INODE_APPEND', (w) => w.flags.has('append')],
  ['EXT4_INODE_SYNC', (w) => w.flags.has('sync')],
];

/**
 * ext4_inode_info.i_flags on 64-bit: the scenario inode's on-disk flags (a flag the
 * scenario does not give is clear: the inode is the scenario's), flags the C set since
 * (World.extraInodeFlags), and the EXT4_STATE_* bits shifted by 32.
 */
function ext4InodeFlags(w: World): bigint {
  let v = w.extraInodeFlags;
  for (const [name, on] of INODE_FLAG_BITS) if (on(w)) v |= 1n << w.c(name);
  for (const b of w.stateBits) v |= 1n << (b + 32n);
  return v;
}

/** A store to i_flags (set_bit()/clear_bit() of the generated helpers): state bits and the inode flags the World keeps. */
function setExt4InodeFlags(w: World, v: bigint): void {
  w.stateBits.clear();
  for (let b = 0n; b < 32n; b++) if ((v >> (b + 32n)) & 1n) w.stateBits.add(b);
  let rest = v & 0xffffffffn;
  for (const [name, on] of INODE_FLAG_BITS) {
    const bit = 1n << w.c(name);
    const want = (rest & bit) !== 0n;
    rest &= ~bit;
    if (want === on(w)) continue;
    const flag = name === 'EXT4_INODE_EXTENTS' ? undefined : name.slice('EXT4_INODE_'.length).toLowerCase();
    // The mapping kind of a scenario inode does not change under a write (ext4_ext_migrate() is not on the path).
    if (flag === undefined) continue;
    if (want) w.flags.add(flag);
    else w.flags.delete(flag);
  }
  w.extraInodeFlags = rest;
}

/**
 * The filesystem's feature words (ext4_super_block s_feature_compat / _incompat /
 * _ro_compat): what Debian 12's mkfs.ext4 makes (/etc/mke2fs.conf: base_features
 * sparse_super, large_file, filetype, resize_inode, dir_index, ext_attr; ext4 adds
 * has_journal, extent, huge_file, flex_bg, metadata_csum, 64bit, dir_nlink, extra_isize),
 * with `extent` from the scenario mount and inline_data when the scenario inode has inline
 * data; never bigalloc (no cluster size in scenarios yet, issue 12).
 */
function features(w: World, kind: 'COMPAT' | 'INCOMPAT' | 'RO_COMPAT'): bigint {
  const on: Record<typeof kind, string[]> = {
    COMPAT: ['EXT_ATTR', 'RESIZE_INODE', 'DIR_INDEX', 'HAS_JOURNAL'],
    INCOMPAT: ['FILETYPE', 'FLEX_BG', '64BIT', ...(w.scenario.mount.extentFeature ? ['EXTENTS'] : []), ...(w.flags.has('inline_data') ? ['INLINE_DATA'] : [])],
    RO_COMPAT: ['SPARSE_SUPER', 'LARGE_FILE', 'HUGE_FILE', 'DIR_NLINK', 'EXTRA_ISIZE', 'METADATA_CSUM'],
  };
  let v = 0n;
  for (const f of on[kind]) v |= w.c(`EXT4_FEATURE_${kind}_${f}`);
  return v;
}

/** inode->i_flags: S_NOSEC once file_remove_privs() found nothing to strip, and the S_* bits of the scenario's inode flags. */
function inodeFlags(w: World): bigint {
  const bits: Array<[boolean, string]> = [
    [w.nosec, 'S_NOSEC'],
    [w.flags.has('dax'), 'S_DAX'],
    [w.flags.has('encrypt'), 'S_ENCRYPTED'],
    [w.flags.has('verity'), 'S_VERITY'],
    [w.flags.has('immutable'), 'S_IMMUTABLE'],
    [w.flags.has('append'), 'S_APPEND'],
    [w.flags.has('sync'), 'S_SYNC'],
  ];
  let v = 0n;
  for (const [on, name] of bits) if (on) v |= w.c(name);
  return v;
}

/**
 * file->f_flags of the scenario's open: the flags that give the kiocb its IOCB_* bits
 * (include/linux/fs.h iocb_flags(): O_DIRECT → IOCB_DIRECT, O_APPEND → IOCB_APPEND,
 * O_DSYNC → IOCB_DSYNC), O_WRONLY, and O_LARGEFILE, which fs/open.c forces on 64-bit
 * (force_o_largefile(), do_sys_openat2()) so generic_write_check_limits() takes s_maxbytes.
 */
function openFlags(w: World): bigint {
  let v = w.c('O_WRONLY') | w.c('O_LARGEFILE');
  if (w.iocbFlags & w.c('IOCB_DIRECT')) v |= w.c('O_DIRECT');
  if (w.iocbFlags & w.c('IOCB_APPEND')) v |= w.c('O_APPEND');
  if (w.iocbFlags & w.c('IOCB_DSYNC')) v |= w.c('O_DSYNC');
  return v;
}

function mountOpt(w: World): bigint {
  let v = 0n;
  if (w.scenario.mount.dioreadNolock) v |= w.c('EXT4_MOUNT_DIOREAD_NOLOCK');
  if (w.scenario.mount.delalloc) v |= w.c('EXT4_MOUNT_DELALLOC');
  if (w.scenario.mount.dataJournal) v |= w.c('EXT4_MOUNT_JOURNAL_DATA');
  return v;
}
