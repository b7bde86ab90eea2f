import { FALSE, int, T, toBigInt, TRUE, Value, VOID, ModelObject } from '../interp/values';
import type { ModelCtx, ModelFn, Registry } from './registry';
import type { BlockState } from '../scenario/types';
import type { World } from './world';

/**
 * ext4 functions the model implements in TypeScript rather than interpreting: the extent
 * tree and block allocator behind ext4_map_blocks(), jbd2 handles, the orphan list, and
 * extent conversion. Their C pulls in the extent status tree, the buddy allocator and
 * jbd2 (C-SURFACE.md §7), so they are "boundary" models: used even when inode.c is there.
 */

const model = (kind: 'boundary' | 'model' | 'fallback', cite: string, run: (ctx: ModelCtx, args: Value[]) => Value): ModelFn => ({
  kind,
  cite,
  run: (ctx, args) => run(ctx, args),
});

/** Names of the EXT4_GET_BLOCKS_* bits set in `flags`, for traces and outcomes. */
export function getBlocksFlagNames(ctx: ModelCtx, flags: bigint): string[] {
  if (flags === 0n) return ['0'];
  const names: string[] = [];
  const c = ctx.w.c;
  // Composite names first so IO_CREATE_EXT reads as one flag, not three.
  const order = ['IO_CREATE_EXT', 'IO_CONVERT_EXT', 'CREATE_ZERO', 'CREATE_UNWRIT_EXT', 'CREATE', 'UNWRIT_EXT', 'PRE_IO', 'CONVERT', 'ZERO', 'DELALLOC_RESERVE', 'METADATA_NOFAIL', 'NO_NORMALIZE', 'CONVERT_UNWRITTEN', 'IO_SUBMIT', 'CACHED_NOWAIT'];
  let rest = flags;
  for (const n of order) {
    const v = c(`EXT4_GET_BLOCKS_${n}`);
    if (v && (rest & v) === v) {
      names.push(`EXT4_GET_BLOCKS_${n}`);
      rest &= ~v;
    }
  }
  // The extent-status cache hints ext4.h defines beside them (7.2's conversion passes EXT4_EX_NOCACHE).
  for (const n of ['EXT4_EX_NOCACHE', 'EXT4_EX_FORCE_CACHE', 'EXT4_EX_NOFAIL']) {
    const v = c(n);
    if (v && (rest & v) === v) {
      names.push(n);
      rest &= ~v;
    }
  }
  if (rest) names.push(`0x${rest.toString(16)}`);
  return names;
}

/** Names of the EXT4_MAP_* bits set in `f`. */
export function mapFlagNames(ctx: ModelCtx, f: bigint): string[] {
  const out: string[] = [];
  for (const n of ['UNWRITTEN', 'NEW', 'MAPPED', 'DELAYED', 'BOUNDARY']) {
    const v = ctx.w.profile.mapReportsDelayed || n !== 'DELAYED' ? ctx.w.c(`EXT4_MAP_${n}`) : 0n;
    if (v && (f & v)) out.push(`EXT4_MAP_${n}`);
  }
  return out;
}

/**
 * Length of the run of blocks in state `st` starting at `lblk`, at most `max` (fs blocks).
 * Charged per block visited: `max` is the caller's `m_len`, up to 2^32 in edited C.
 */
function runLength(w: World, lblk: number, max: number, st: BlockState): number {
  if (st === '_') {
    // A hole runs to the next block that is set: found over the map, not block by block.
    w.charge(w.blocks.size, 'ext4_map_blocks');
    let next = Infinity;
    for (const b of w.blocks.keys()) if (b > lblk && b < next) next = b;
    return Math.min(max, next - lblk);
  }
  // Blocks that are set are bounded by the scenario and by charged allocations.
  let n = 0;
  while (n < max && w.blockAt(lblk + n) === st) n++;
  w.charge(n + 1, 'ext4_map_blocks');
  return n;
}

/**
 * ext4_map_blocks(handle, inode, map, flags) over the block map.
 *
 * Lookup (no EXT4_GET_BLOCKS_CREATE): written → MAPPED; unwritten → UNWRITTEN without
 * MAPPED; hole → 0 with m_len clipped to the hole; delayed → 0, plus EXT4_MAP_DELAYED in
 * 6.12 (ext4_map_blocks(), 6.12 inode.c ~L638: `ext4_es_is_delayed(&es) ? EXT4_MAP_DELAYED : 0`).
 * With CREATE: written → MAPPED, nothing allocated; unwritten + PRE_IO → split, returns
 * UNWRITTEN|NEW|MAPPED; unwritten + UNWRIT_EXT → UNWRITTEN|MAPPED; unwritten + plain
 * CREATE → converted to written before the IO, NEW|MAPPED (extents.c
 * ext4_ext_handle_unwritten_extents(), 6.1/6.12); hole + UNWRIT_EXT on an extent inode →
 * new unwritten extent UNWRITTEN|NEW|MAPPED; hole otherwise → new written blocks NEW|MAPPED
 * (indirect inodes cannot hold unwritten extents: ext4_ind_map_blocks()). KERNEL-NOTES
 * "ext4_map_blocks". Returns the number of blocks mapped (m_len), 0 for a hole, or
 * -ENOSPC when `env.enospc` and blocks must be allocated.
 */
function mapBlocks(ctx: ModelCtx, args: Value[]): Value {
  return mapOnDisk(ctx, args, 'ext4_map_blocks', true);
}

/**
 * The block map below ext4_map_blocks(): `ext4_ext_map_blocks()` (extents.c) or
 * `ext4_ind_map_blocks()` (indirect.c) — the on-disk extent tree and the block allocator,
 * state the substrate keeps. The same rules as mapBlocks(), except that delayed blocks
 * are not on disk: a lookup sees a hole there (the extent status tree, not this, reports
 * them: `ext4_es_lookup_extent()`), and no `map` event is emitted (the probe on the
 * interpreted ext4_map_blocks() does). `asMapBlocks`: the whole of ext4_map_blocks() as
 * the model of trees without its C (legacy eras): delayed blocks reported per profile and
 * the `map` event emitted here.
 */
function mapOnDisk(ctx: ModelCtx, args: Value[], name: string, asMapBlocks: boolean): Value {
  const w = ctx.w;
  const c = w.c;
  const mapV = args[2];
  if (mapV?.k !== 'obj') {
    ctx.it.unknown(`${name}(): map argument is not a struct`);
    return int(-c('EIO'), T.int);
  }
  const map = mapV.obj;
  const flags = toBigInt(args[3] ?? int(0));
  const lblk = Number(BigInt.asUintN(32, toBigInt(map.get('m_lblk'))));
  const len = Number(BigInt.asUintN(32, toBigInt(map.get('m_len'))));
  const create = (flags & c('EXT4_GET_BLOCKS_CREATE')) !== 0n;
  const unwritExt = (flags & c('EXT4_GET_BLOCKS_UNWRIT_EXT')) !== 0n;
  const preIo = (flags & c('EXT4_GET_BLOCKS_PRE_IO')) !== 0n;
  const at = (n: number) => w.blockAt(n);
  const st = at(lblk);
  const F = (n: string) => c(`EXT4_MAP_${n}`);
  let mflags = 0n;
  let ret = 0;
  let mlen = len;
  const extents = w.mapping === 'extents';
  if (len === 0) {
    ret = 0;
  } else if (!create) {
    const run = runLength(w, lblk, len, st);
    mlen = run;
    if (st === 'W') {
      mflags = F('MAPPED');
      ret = run;
    } else if (st === 'U') {
      mflags = F('UNWRITTEN');
      ret = run;
    } else {
      if (asMapBlocks && st === 'D' && w.profile.mapReportsDelayed) mflags = F('DELAYED');
      ret = 0;
    }
  } else {
    const run = runLength(w, lblk, len, st);
    if (st === 'W') {
      mflags = F('MAPPED');
      ret = run;
      mlen = run;
    } else if (st === 'U') {
      mlen = ret = run;
      if (flags & c('EXT4_GET_BLOCKS_CONVERT')) {
        // extents.c ext4_ext_handle_unwritten_extents() 6.1–7.2: "IO end_io complete, convert
        // the filled extent to written" — ext4_convert_unwritten_extents_endio(), then
        // EXT4_MAP_MAPPED alone (map_out).
        for (let i = 0; i < run; i++) w.setBlock(lblk + i, 'W');
        w.esSeq++;
        mflags = F('MAPPED');
        w.emit({ e: 'convert', lblk, len: run, context: w.context, ok: true });
      } else if (preIo) mflags = F('UNWRITTEN') | F('NEW') | F('MAPPED');
      else if (unwritExt) mflags = F('UNWRITTEN') | F('MAPPED');
      else {
        w.charge(run, name);
        for (let i = 0; i < run; i++) w.setBlock(lblk + i, 'W');
        w.esSeq++;
        mflags = F('NEW') | F('MAPPED');
        w.emit({ e: 'alloc', lblk, len: run, unwritten: false, beyondEof: false, onOrphan: w.onOrphan, insideSize: BigInt(lblk) << BigInt(w.blkbits) < w.iSize });
      }
    } else {
      // A hole (or delayed blocks being allocated) is filled.
      w.emit({ e: 'may-sleep', what: 'block allocation', context: w.context });
      if (w.scenario.env.enospc) {
        ctx.it.trace.model(name, `allocate ${run} block(s) at ${lblk}`, '-ENOSPC', 'env.enospc: the allocator has no free blocks (ext4_mb_new_blocks() → -ENOSPC)');
        return int(-c('ENOSPC'), T.int);
      }
      const unwritten = extents && unwritExt;
      w.charge(run, name);
      for (let i = 0; i < run; i++) w.setBlock(lblk + i, unwritten ? 'U' : 'W');
      w.esSeq++;
      mflags = (unwritten ? F('UNWRITTEN') : 0n) | F('NEW') | F('MAPPED');
      mlen = ret = run;
      const startByte = BigInt(lblk) << BigInt(w.blkbits);
      w.emit({ e: 'alloc', lblk, len: run, unwritten, beyondEof: startByte >= w.iSize, onOrphan: w.onOrphan, insideSize: startByte < w.iSize });
    }
  }
  map.set('m_flags', int(mflags, T.uint));
  map.set('m_len', int(mlen, T.uint));
  map.set('m_pblk', int(BigInt(PBLK_BASE + lblk), T.ulong));
  const fl = getBlocksFlagNames(ctx, flags);
  const mf = mapFlagNames(ctx, mflags);
  if (asMapBlocks) {
    // The 2026 series' extent-status sequence snapshot (ext4_set_iomap() copies it into the iomap validity cookie).
    map.set('m_seq', int(w.esSeq, T.ulong));
    w.emit({ e: 'map', flags: fl, lblk, len, ret, mflags: mf });
  }
  ctx.it.trace.model(
    name,
    `${name}(lblk=${lblk}, len=${len}, ${fl.join('|')}) on ${st === '_' ? 'hole' : st === 'W' ? 'written' : st === 'U' ? 'unwritten' : 'delalloc'} block(s)`,
    `${ret}, m_flags=${mf.join('|') || '0'}`,
    asMapBlocks ? 'ext4_map_blocks() (inode.c) → ext4_ext_map_blocks()/ext4_ind_map_blocks(), 6.1/6.12; KERNEL-NOTES "ext4_map_blocks"' : `${name}(): the block map and allocator below ext4_map_blocks(); KERNEL-NOTES "ext4_map_blocks"`,
  );
  return int(ret, T.int);
}

/** Physical block of logical block 0 in the substrate's block map (any fixed offset: nothing reads it but check_block_validity()). */
const PBLK_BASE = 1_000_000;

/**
 * The extent status tree (fs/ext4/extents_status.c), a cache of the block map the
 * substrate holds: it knows every extent of the inode (written, unwritten, delayed, hole),
 * as after the inode's extents were read. An `extent_status` the interpreted C gets back
 * carries its status in `__status` (the kernel packs it into the top bits of `es_pblk`;
 * ext4_es_is_*() below read it).
 */
function esLookup(ctx: ModelCtx, a: Value[]): Value {
  const w = ctx.w;
  const lblk = Number(BigInt.asUintN(32, toBigInt(a[1] ?? int(0))));
  const esV = a[3];
  if (esV?.k !== 'obj') {
    ctx.it.unknown('ext4_es_lookup_extent(): es is not a struct');
    return int(0, T.int);
  }
  const st = w.blockAt(lblk);
  // A hole with no extent after it runs to EXT_MAX_BLOCKS (extents.c ext4_ext_determine_insert_hole()).
  const len = runLength(w, lblk, EXT_MAX_BLOCKS - lblk, st);
  const es = esV.obj;
  es.set('es_lblk', int(lblk, T.uint));
  es.set('es_len', int(len, T.uint));
  es.set('es_pblk', int(BigInt(PBLK_BASE + lblk), T.ulong));
  es.set('__status', int(STATUS[st], T.int));
  // 7.2 ext4_es_lookup_extent(inode, lblk, next_lblk, es, pseq): the sequence count with the extent.
  const pseq = a[4];
  if (pseq?.k === 'ref') pseq.ref.set(int(w.esSeq, T.ulong));
  ctx.it.trace.model('ext4_es_lookup_extent', `extent status at block ${lblk}`, `${st === '_' ? 'hole' : st === 'W' ? 'written' : st === 'U' ? 'unwritten' : 'delayed'}, ${len} block(s)`, 'fs/ext4/extents_status.c ext4_es_lookup_extent(): the cached extent containing lblk');
  return int(1, T.int);
}

/** extents.h EXT_MAX_BLOCKS: the first logical block past the largest file. */
const EXT_MAX_BLOCKS = 0xffffffff;

const STATUS: Record<BlockState, number> = { W: 1, U: 2, D: 4, _: 8 };

function esIs(bit: number) {
  return (_ctx: ModelCtx, a: Value[]): Value => {
    const es = a[0];
    return es?.k === 'obj' && (Number(toBigInt(es.obj.get('__status'))) & bit) !== 0 ? TRUE : FALSE;
  };
}

/** ext4_convert_unwritten_extents(handle, inode, offset, len): unwritten → written over the byte range (extents.c, 6.1/6.12). */
function convertUnwritten(ctx: ModelCtx, args: Value[]): Value {
  const w = ctx.w;
  const off = toBigInt(args[2]);
  const len = toBigInt(args[3]);
  const first = Number(off >> BigInt(w.blkbits));
  const last = Number((off + len - 1n) >> BigInt(w.blkbits));
  let n = 0;
  for (const [b, st] of w.blocksIn(first, last, 'ext4_convert_unwritten_extents')) {
    if (st === 'U') {
      w.setBlock(b, 'W');
      n++;
    }
  }
  w.emit({ e: 'may-sleep', what: 'ext4_convert_unwritten_extents (journal start)', context: w.context });
  w.emit({ e: 'convert', lblk: first, len: last - first + 1, context: w.context, ok: true });
  ctx.it.trace.model('ext4_convert_unwritten_extents', `convert [${off}, +${len}) (blocks ${first}..${last})`, `${n} block(s) now written`, 'ext4_convert_unwritten_extents() extents.c 6.1/6.12: starts its own handles, EXT4_GET_BLOCKS_IO_CONVERT_EXT');
  return int(0, T.int);
}

export const EXT4: Registry = {
  // The tree's ext4_map_blocks() runs as C (issue 11); this model stands in only where the
  // image has none (the legacy eras, the 5.3 reference).
  ext4_map_blocks: model('model', 'ext4_map_blocks() inode.c 6.1/6.12 over a block map (see mapBlocks), for images without its C', mapBlocks),
  // Substrate even where extents.c is interpreted: the on-disk extent tree and the block
  // allocator are state (issue 11 §2), kept as the World's block map.
  ext4_ext_map_blocks: model('boundary', 'extents.c ext4_ext_map_blocks(): the extent tree and allocator below ext4_map_blocks() (see mapOnDisk)', (ctx, a) => mapOnDisk(ctx, a, 'ext4_ext_map_blocks', false)),
  ext4_ind_map_blocks: model('model', 'indirect.c ext4_ind_map_blocks(): block-mapped files, no unwritten extents (see mapOnDisk)', (ctx, a) => mapOnDisk(ctx, a, 'ext4_ind_map_blocks', false)),
  ext4_es_lookup_extent: model('model', 'extents_status.c ext4_es_lookup_extent(): the cached extent containing lblk; the cache covers the inode (see esLookup)', esLookup),
  ext4_es_is_written: model('model', 'extents_status.h ext4_es_is_written(): EXTENT_STATUS_WRITTEN', esIs(STATUS.W)),
  ext4_es_is_unwritten: model('model', 'extents_status.h ext4_es_is_unwritten(): EXTENT_STATUS_UNWRITTEN', esIs(STATUS.U)),
  ext4_es_is_delayed: model('model', 'extents_status.h ext4_es_is_delayed(): EXTENT_STATUS_DELAYED', esIs(STATUS.D)),
  ext4_es_is_hole: model('model', 'extents_status.h ext4_es_is_hole(): EXTENT_STATUS_HOLE', esIs(STATUS._)),
  ext4_es_pblock: model('model', 'extents_status.h ext4_es_pblock(): es_pblk without the status bits', (_ctx, a) => (a[0]?.k === 'obj' ? a[0].obj.get('es_pblk') : int(0, T.ulong))),
  ext4_es_insert_extent: model('model', 'extents_status.c ext4_es_insert_extent(): caches an extent the block map already holds (the substrate\'s cache mirrors the map)', () => VOID),
  ext4_es_scan_range: model('model', 'extents_status.c ext4_es_scan_range(inode, matching_fn, lblk, end) 6.1: a delayed extent in [lblk, end] (the only matching_fn ext4_map_blocks() passes is ext4_es_is_delayed)', (ctx, a) => {
    const from = Number(toBigInt(a[2] ?? int(0)));
    const to = Number(toBigInt(a[3] ?? int(0)));
    return ctx.w.blocksIn(from, to, 'ext4_es_scan_range').some(([, st]) => st === 'D') ? TRUE : FALSE;
  }),
  ext4_inode_block_valid: model('model', 'block_validity.c ext4_inode_block_valid(): the blocks lie in the data area (the substrate\'s block map is never corrupt)', () => int(1, T.int)),
  ext4_jbd2_inode_add_write: model('model', 'ext4_jbd2.c ext4_jbd2_inode_add_write(): data=ordered tracking of new blocks for the commit; no effect on the write path', () => int(0, T.int)),
  ext4_jbd2_inode_add_wait: model('model', 'ext4_jbd2.c ext4_jbd2_inode_add_wait(): data=ordered tracking; no effect on the write path', () => int(0, T.int)),
  ext4_fc_track_range: model('model', 'fast_commit.c ext4_fc_track_range(): fast-commit bookkeeping (no fast_commit in scenarios)', () => VOID),
  ext4_fc_track_inode: model('model', 'fast_commit.c ext4_fc_track_inode() 7.2: fast-commit bookkeeping (no fast_commit in scenarios)', () => VOID),
  ext4_issue_zeroout: model('model', 'inode.c/extents.c ext4_issue_zeroout(): zeroes new blocks on disk (EXT4_GET_BLOCKS_ZERO); the blocks stay as allocated', () => int(0, T.int)),
  ext4_inode_journal_mode: model('model', 'ext4_jbd2.c ext4_inode_journal_mode(): EXT4_INODE_JOURNAL_DATA_MODE for data=journal (mount, or the inode flag under nodelalloc), else EXT4_INODE_ORDERED_DATA_MODE (scenarios mount data=ordered, the default)', (ctx) =>
    int(ctx.w.c(ctx.w.journalData ? 'EXT4_INODE_JOURNAL_DATA_MODE' : 'EXT4_INODE_ORDERED_DATA_MODE'), T.int)),
  down_read: model('model', 'kernel/locking/rwsem.c down_read(): i_data_sem here; uncontended in a scenario', () => VOID),
  up_read: model('model', 'kernel/locking/rwsem.c up_read()', () => VOID),
  // For images without extents.c's C (the legacy eras); the trees run their own.
  ext4_convert_unwritten_extents: model('model', 'extents.c ext4_convert_unwritten_extents() 6.1/6.12', convertUnwritten),
  // In 7.2, not in 6.12 (RWF_ATOMIC over unwritten extents, called from
  // ext4_dio_write_end_io() for IOCB_ATOMIC): the same conversion of the written range,
  // in one journal transaction for the whole range so a crash leaves all or none of it
  // converted. The block map ends the same; only the transaction count differs, which no
  // outcome field reads.
  ext4_convert_unwritten_extents_atomic: model('model', 'extents.c ext4_convert_unwritten_extents_atomic() 7.2 (absent in 6.12): ext4_convert_unwritten_extents() over the range in one handle', convertUnwritten),
  // Macro-generated by EXT4_FEATURE_*_FUNCS() in ext4.h, which the header scan does not
  // expand yet (issue 11): the scenario's mount says which features the filesystem has.
  ext4_has_feature_extents: model('fallback', 'ext4.h EXT4_FEATURE_INCOMPAT_FUNCS(extents, EXTENTS) 6.1–7.2: the s_feature_incompat bit, from the scenario mount', (ctx) => int(ctx.w.scenario.mount.extentFeature ? 1 : 0, T.int)),
  ext4_has_feature_bigalloc: model('fallback', 'ext4.h EXT4_FEATURE_RO_COMPAT_FUNCS(bigalloc, BIGALLOC) 6.1–7.2: scenarios have no cluster size yet (issue 12), so never bigalloc', () => int(0, T.int)),
  ext4_meta_trans_blocks: model('boundary', 'inode.c ext4_meta_trans_blocks(inode, lblocks, pextents[, …]) 6.1–7.2: journal credits, a pure function of fs geometry (group count, extent depth) like ext4_chunk_trans_blocks(); 7.2 ext4_convert_unwritten_extents_atomic() only needs it non-zero', () => int(64, T.int)),
  ext4_chunk_trans_blocks: model('boundary', 'inode.c ext4_chunk_trans_blocks(): journal credits, a pure function of fs geometry; the value does not change the write path', () => int(64, T.int)),
  ext4_inode_datasync_dirty: model('boundary', 'inode.c ext4_inode_datasync_dirty(): whether fdatasync must commit metadata; only sets IOMAP_F_DIRTY, assumed false', () => FALSE),
  ext4_should_retry_alloc: model('boundary', 'balloc.c ext4_should_retry_alloc(): 0 when no clusters will be freed by a commit (persistent -ENOSPC)', () => int(0, T.int)),
  ext4_journal_start: model('model', 'ext4_jbd2.h ext4_journal_start() → __ext4_journal_start_sb(): a running handle (errors not modelled)', (ctx) => {
    const w = ctx.w;
    w.openHandles++;
    w.emit({ e: 'journal', op: 'start' });
    w.emit({ e: 'may-sleep', what: 'ext4_journal_start', context: w.context });
    return { k: 'obj', obj: new ModelObject('handle_t', {}) };
  }),
  ext4_journal_stop: model('model', 'ext4_jbd2.h ext4_journal_stop() → __ext4_journal_stop()', (ctx) => {
    ctx.w.openHandles = Math.max(0, ctx.w.openHandles - 1);
    ctx.w.emit({ e: 'journal', op: 'stop' });
    return int(0, T.int);
  }),
  ext4_mark_inode_dirty: model('model', 'ext4_jbd2.h ext4_mark_inode_dirty() → __ext4_mark_inode_dirty(): copies i_size/i_disksize into the journalled inode', () => int(0, T.int)),
  ext4_orphan_add: model('model', 'orphan.c ext4_orphan_add() 6.1/6.12: puts the inode on the orphan list (no-op without a journal)', (ctx) => {
    ctx.w.onOrphan = true;
    ctx.w.emit({ e: 'orphan', op: 'add' });
    ctx.it.trace.model('ext4_orphan_add', 'ext4_orphan_add(handle, inode)', 'on orphan list', 'orphan.c ext4_orphan_add()');
    return int(0, T.int);
  }),
  ext4_orphan_del: model('model', 'orphan.c ext4_orphan_del() 6.1/6.12: removes the inode from the orphan list (NULL handle: in-memory only)', (ctx) => {
    if (ctx.w.onOrphan) ctx.w.emit({ e: 'orphan', op: 'del' });
    ctx.w.onOrphan = false;
    ctx.it.trace.model('ext4_orphan_del', 'ext4_orphan_del(handle, inode)', 'off orphan list', 'orphan.c ext4_orphan_del()');
    return int(0, T.int);
  }),
  list_empty: model('model', 'include/linux/list.h list_empty(): on the ext4 write path only `list_empty(&EXT4_I(inode)->i_orphan)` (5.5–6.1 ext4_handle_inode_extension(), the 2019 series\' ext4_dio_write_end_io()): true when the inode is off the orphan list', (ctx) => (ctx.w.onOrphan ? FALSE : TRUE)),
  ext4_inode_orphan_tracked: model('model', 'ext4.h ext4_inode_orphan_tracked(): ORPHAN_FILE state or on the i_orphan list', (ctx) => (ctx.w.onOrphan ? TRUE : FALSE)),
  ext4_update_inode_size: model('model', 'ext4.h ext4_update_inode_size() 6.1/6.12: raise i_size and i_disksize to newsize; returns 1|2 for what changed', (ctx, a) => {
    const w = ctx.w;
    const n = toBigInt(a[1]);
    let changed = 0;
    if (n > w.iSize) {
      w.iSize = n;
      changed |= 1;
    }
    if (n > w.iDisksize) {
      w.iDisksize = n;
      changed |= 2;
    }
    if (changed) {
      w.emit({ e: 'size', iSize: Number(w.iSize), disksize: Number(w.iDisksize), lock: w.lock, context: w.context });
      ctx.it.trace.model('ext4_update_inode_size', `ext4_update_inode_size(inode, ${n})`, `i_size=${w.iSize} i_disksize=${w.iDisksize}`, 'fs/ext4/ext4.h ext4_update_inode_size()');
    }
    return int(changed, T.int);
  }),
  ext4_update_i_disksize: model('model', 'ext4.h ext4_update_i_disksize() 5.3/6.1/6.12: under i_data_sem, i_disksize = newsize when newsize is larger (i_size is not touched)', (ctx, a) => {
    const w = ctx.w;
    const n = toBigInt(a[1]);
    if (n > w.iDisksize) {
      w.iDisksize = n;
      w.emit({ e: 'size', iSize: Number(w.iSize), disksize: Number(w.iDisksize), lock: w.lock, context: w.context });
      ctx.it.trace.model('ext4_update_i_disksize', `ext4_update_i_disksize(inode, ${n})`, `i_disksize=${n}`, 'fs/ext4/ext4.h ext4_update_i_disksize()');
    }
    return VOID;
  }),
  ext4_truncate_failed_write: model('model', 'truncate.h ext4_truncate_failed_write(): truncate page cache and blocks past i_size', (ctx) => {
    const w = ctx.w;
    const keep = Number((w.iSize + BigInt(w.blockSize) - 1n) >> BigInt(w.blkbits));
    for (const b of [...w.blocks.keys()]) if (b >= keep) w.blocks.delete(b);
    ctx.it.trace.model('ext4_truncate_failed_write', 'truncate blocks past i_size', `${keep} block(s) kept`, 'fs/ext4/truncate.h ext4_truncate_failed_write()');
    return VOID;
  }),
  ext4_should_dioread_nolock: model('model', 'ext4_jbd2.h ext4_should_dioread_nolock(): dioread_nolock mount, extent-mapped regular file, not data=journal', (ctx) => {
    const w = ctx.w;
    return w.scenario.mount.dioreadNolock && w.mapping === 'extents' && !w.journalData ? TRUE : FALSE;
  }),
};
