import { FALSE, int, PlainObject, T, toBigInt, TRUE, truthy, Value, VOID } from '../interp/values';
import type { CObject } from '../interp/values';
import { fnField } from './iomap';
import type { ModelCtx, ModelFn, Registry } from './registry';
import type { World, WorldEvent } from './world';

/**
 * iomap buffered writes (fs/iomap/buffered-io.c and fs/iomap/iter.c, Linux 6.12), and the
 * ext4 helpers the 2026 "ext4: implement buffered write path using iomap" series (Zhang Yi,
 * v4, seed 002) calls that neither the 6.12 tree nor the patch itself supplies.
 *
 * ext4's ->iomap_begin / ->iomap_end / ->iomap_valid are called back into the interpreter,
 * so the C decides the mapping (delalloc reservation, unwritten allocation), whether a
 * journal handle is still open when the folio is locked, and the delalloc punch after a
 * short copy. The model owns only the loop, the folio locks, the copy and i_size.
 */

const m = (cite: string, run: (ctx: ModelCtx, args: Value[]) => Value): ModelFn => ({ kind: 'model', cite, run: (ctx, args) => run(ctx, args) });
const boundary = (cite: string, run: (ctx: ModelCtx, args: Value[]) => Value): ModelFn => ({ kind: 'boundary', cite, run: (ctx, args) => run(ctx, args) });

/** The page cache's folio size in the model: one 4 KiB page (large folios do not change lock order or punch ranges). */
const PAGE = 4096n;

const CITE_WRITE = 'fs/iomap/buffered-io.c iomap_file_buffered_write() → iomap_write_iter() → iomap_write_begin()/iomap_write_end(), fs/iomap/iter.c iomap_iter(), 6.12';

/**
 * How `copy_folio_from_iter_atomic()` fares on the user buffer: with `env.shortWrite` only
 * the first fs block of the request is readable, so `fault_in_iov_iter_readable()` fails
 * for the chunk after it and iomap_write_iter() stops with -EFAULT (6.12 buffered-io.c
 * ~L985) — a short write. Returns the bytes of `[pos, pos+bytes)` that can be copied.
 */
function readableBytes(w: World, pos0: bigint, pos: bigint, bytes: bigint): bigint {
  // A short DIO's buffered remainder reads a good buffer: the fault is a buffered request's.
  if (!w.scenario.env.shortWrite || w.scenario.request.direct) return bytes;
  const limit = pos0 + BigInt(w.blockSize);
  return pos >= limit ? 0n : pos + bytes > limit ? limit - pos : bytes;
}

/** The handle/folio events between `from` and now, for the outcome's lock-order summary. */
function orderSince(w: World, from: number): string[] {
  const out: string[] = [];
  for (const e of w.events.slice(from)) {
    if (e.e === 'journal') out.push(e.op === 'start' ? 'journal start' : 'journal stop');
    else if (e.e === 'folio-lock') out.push(e.handleOpen ? 'folio lock (handle open)' : 'folio lock (no handle)');
  }
  // Per-folio repetitions say nothing new: keep the first run of the pattern.
  return out.filter((x, i) => out.indexOf(x) === i || out[i - 1] !== x);
}

/** How blocks were instantiated between `from` and now: delalloc reservations, unwritten or written allocations. */
function newBlocksSince(w: World, from: number): string[] {
  const kinds = new Set<string>();
  const evs = w.events.slice(from);
  evs.forEach((e, i) => {
    if (e.e === 'delalloc' && e.op === 'reserve') kinds.add('delalloc');
    if (e.e !== 'alloc') return;
    // ext4_map_blocks() reports its flags right after the allocation it made.
    const map = e.how ? undefined : evs.slice(i + 1).find((x) => x.e === 'map');
    const how = e.how ?? (map && map.e === 'map' ? map.flags.join('|') : undefined);
    kinds.add(`${e.unwritten ? 'unwritten' : 'written'}${how ? ` (${how})` : ''}`);
  });
  return [...kinds];
}

/** The summary event both buffered write models end with (outcome `bufferedWrite`). */
export function bufferedEvent(w: World, from: number, bytes: bigint, via: 'buffer_head' | 'iomap', ops?: string): WorldEvent {
  return { e: 'buffered', bytes: Number(bytes), lock: w.lock, via, ...(ops ? { ops } : {}), newBlocks: newBlocksSince(w, from), order: orderSince(w, from) };
}

/** Emit a folio lock, recording whether this task has a jbd2 handle open (BRIEF check `lock-order`). */
export function folioLock(ctx: ModelCtx, via: 'iomap' | 'buffer_head', what: string, cite: string): void {
  const w = ctx.w;
  const handleOpen = w.openHandles > 0;
  w.emit({ e: 'folio-lock', handleOpen, via });
  ctx.it.trace.model(via === 'iomap' ? 'iomap_write_begin' : 'write_begin', `${what}: folio lock with ${handleOpen ? 'a journal handle open' : 'no journal handle open'}`, undefined, cite);
}

/** The type name of an iomap type value, for traces and the outcome's iomapTypes. */
function typeName(w: World, t: bigint): string {
  for (const n of ['HOLE', 'DELALLOC', 'MAPPED', 'UNWRITTEN', 'INLINE']) if (w.c(`IOMAP_${n}`) === t) return `IOMAP_${n}`;
  return `type ${t}`;
}

const flagsOf = (o: CObject) => toBigInt(o.get('flags'));
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/**
 * iomap_file_buffered_write(iocb, i, ops, [write_ops,] private).
 *
 * 6.12 (fs/iomap/buffered-io.c ~L1054) takes `(iocb, i, ops, private)` and finds
 * ->iomap_valid in `iomap->folio_ops`; the 2026 series passes `(iocb, i, ops, write_ops,
 * private)` with `write_ops->iomap_valid` (struct iomap_write_ops, as the seed's
 * `ext4_iomap_write_ops` shows). Both forms are accepted.
 *
 * The loop is 6.12's iomap_iter() (iter.c): ->iomap_end(inode, pos, length,
 * processed > 0 ? processed : 0, flags, iomap) after each mapping, a stale mapping re-maps
 * without advancing, 0 processed ends the loop. Per folio, iomap_write_iter():
 * fault_in_iov_iter_readable() (fails → -EFAULT), iomap_write_begin() (folio lock, then
 * ->iomap_valid: false sets IOMAP_F_STALE), the copy, iomap_write_end() (the folio is
 * dirtied), i_size_write() past EOF. Returns the bytes written, else the error; moves ki_pos.
 */
function iomapFileBufferedWrite(ctx: ModelCtx, args: Value[]): Value {
  const { w, it } = ctx;
  const c = w.c;
  const ops = args[2];
  const writeOps = args.length >= 5 ? args[3] : undefined;
  const beginName = fnField(ops, 'iomap_begin');
  const endName = fnField(ops, 'iomap_end');
  const opsName = ops?.k === 'obj' ? ops.obj.ctype : '?';
  const from = w.events.length;
  const inodeV: Value = { k: 'obj', obj: w.objects.inode };
  const stale = c('IOMAP_F_STALE') || 1n << 5n;
  let flags = c('IOMAP_WRITE');
  if (w.iocbFlags & c('IOCB_NOWAIT')) flags |= c('IOMAP_NOWAIT');
  const pos0 = w.pos;
  let pos = pos0;
  let len = w.iterCount;
  it.trace.model('iomap_file_buffered_write', `iomap_file_buffered_write(ops=${opsName}${writeOps ? `, write_ops=${writeOps.k === 'obj' ? writeOps.obj.ctype : '?'}` : ''}) [${pos}, +${len}) with i_rwsem ${w.lock}`, undefined, CITE_WRITE);
  if (!beginName) {
    it.assume('iomap_file_buffered_write(): ops has no iomap_begin; -EIO');
    return int(-c('EIO'), T.long);
  }
  let iomap: CObject | undefined;
  let processed = 0n;
  let ret = 0n;
  let staleRuns = 0;
  for (let iterations = 0; ; iterations++) {
    if (iterations > 10_000) {
      it.assume('iomap_file_buffered_write(): more than 10000 mappings; stopped');
      break;
    }
    // iomap_iter(): ->iomap_end for the previous mapping, then advance.
    if (iomap && toBigInt(iomap.get('length'))) {
      const ilen = toBigInt(iomap.get('offset')) + toBigInt(iomap.get('length')) - pos;
      if (endName) {
        const r = toBigInt(it.call(endName, [inodeV, int(pos, T.long), int(min(len, ilen), T.long), int(processed > 0n ? processed : 0n, T.long), int(flags, T.uint), { k: 'obj', obj: iomap }]));
        if (r < 0n && processed === 0n) {
          ret = r;
          break;
        }
      }
      const isStale = (flagsOf(iomap) & stale) !== 0n;
      if (processed < 0n) {
        ret = processed;
        break;
      }
      if (processed === 0n && !isStale) break;
      if (isStale && processed === 0n && ++staleRuns > 3) {
        it.assume('iomap_write_begin(): ->iomap_valid reported the mapping stale 3 times in a row with nothing else changing the inode; stopped (no concurrent task in the scenario could have changed it)');
        break;
      }
      if (processed > 0n) staleRuns = 0;
      pos += processed;
      len -= processed;
      if (len === 0n) break;
    }
    processed = 0n;
    iomap = new PlainObject('iomap');
    const r = toBigInt(it.call(beginName, [inodeV, int(pos, T.long), int(len, T.long), int(flags, T.uint), { k: 'obj', obj: iomap }, { k: 'obj', obj: new PlainObject('iomap') }]));
    if (r < 0n) {
      ret = r;
      break;
    }
    const type = toBigInt(iomap.get('type'));
    w.emit({ e: 'iomap', type: typeName(w, type), offset: Number(toBigInt(iomap.get('offset'))), length: Number(toBigInt(iomap.get('length'))), zeroPartial: false });
    processed = writeIter(ctx, iomap, pos, len, pos0, writeOps, stale);
  }
  const written = pos - pos0;
  w.emit({ e: 'may-sleep', what: 'iomap_file_buffered_write (folio locks, block reservation)', context: w.context });
  w.emit(bufferedEvent(w, from, written, 'iomap', opsName));
  if (written === 0n) {
    it.trace.model('iomap_file_buffered_write', 'nothing written', it.showValue(int(ret, T.long)), CITE_WRITE);
    return int(ret, T.long);
  }
  if (written < BigInt(w.scenario.request.len)) w.shortBufferedCopy = true;
  w.pos = pos;
  it.trace.model('iomap_file_buffered_write', `${written} of ${written + len} bytes written${ret < 0n ? ` (then ${it.showValue(int(ret, T.long))})` : ''}`, `${written}`, `${CITE_WRITE}: iter.pos - ki_pos once anything was written`);
  return int(written, T.long);
}

/**
 * iomap_write_iter() over one mapping (6.12 buffered-io.c ~L945): folio by folio, returns
 * the bytes written, or a negative errno when nothing was.
 */
function writeIter(ctx: ModelCtx, iomap: CObject, pos0: bigint, len: bigint, reqPos: bigint, writeOps: Value | undefined, stale: bigint): bigint {
  const { w, it } = ctx;
  const mapEnd = toBigInt(iomap.get('offset')) + toBigInt(iomap.get('length'));
  let length = min(len, mapEnd - pos0);
  let pos = pos0;
  let total = 0n;
  let status = 0n;
  const validName = writeOps ? fnField(writeOps, 'iomap_valid') : fnField(iomap.get('folio_ops'), 'iomap_valid');
  while (length > 0n && w.iterCount > 0n) {
    let bytes = min(PAGE - (pos & (PAGE - 1n)), min(length, w.iterCount));
    const readable = readableBytes(w, reqPos, pos, bytes);
    if (readable === 0n) {
      it.trace.model('iomap_write_iter', `user buffer at +${pos - reqPos} is not readable (env.shortWrite)`, '-EFAULT', 'fs/iomap/buffered-io.c iomap_write_iter(): fault_in_iov_iter_readable() == bytes → -EFAULT, the write stops short');
      w.shortBufferedCopy = true;
      status = -w.c('EFAULT');
      break;
    }
    bytes = readable;
    folioLock(ctx, 'iomap', `iomap_write_begin(pos=${pos}, len=${bytes})`, 'fs/iomap/buffered-io.c iomap_write_begin() → __iomap_get_folio(): returns the folio locked, 6.12');
    if (validName && !truthy(it.call(validName, [{ k: 'obj', obj: w.objects.inode }, { k: 'obj', obj: iomap }]))) {
      iomap.set('flags', int(flagsOf(iomap) | stale, T.uint));
      it.trace.model('iomap_write_begin', `${validName}() says the cached mapping is stale`, 'IOMAP_F_STALE', 'fs/iomap/buffered-io.c iomap_write_begin(): !iomap_valid → IOMAP_F_STALE, unlock, re-map');
      break;
    }
    // iomap_write_end(): the copied range is dirty in the page cache; i_size moves past EOF.
    const first = Number(pos >> BigInt(w.blkbits));
    const last = Number((pos + bytes - 1n) >> BigInt(w.blkbits));
    w.charge(last - first + 1, 'iomap_write_end');
    for (let b = first; b <= last; b++) w.dirty.add(b);
    w.iterCount -= bytes;
    if (pos + bytes > w.iSize) {
      w.iSize = pos + bytes;
      w.emit({ e: 'size', iSize: Number(w.iSize), disksize: Number(w.iDisksize), lock: w.lock, context: w.context });
    }
    it.trace.model('iomap_write_end', `copied ${bytes} bytes at ${pos} into a ${typeName(w, toBigInt(iomap.get('type')))} mapping (blocks ${first}..${last} dirty)`, `${bytes}`, 'fs/iomap/buffered-io.c iomap_write_end() → __iomap_write_end(): folio dirtied; i_size_write() past EOF');
    pos += bytes;
    total += bytes;
    length -= bytes;
  }
  return total > 0n ? total : status;
}

/**
 * iomap_write_delalloc_release(inode, start_byte, end_byte, flags, iomap, punch) (6.12
 * buffered-io.c ~L1237): walks [start_byte, min(i_size, end_byte)) for dirty page-cache
 * data, keeps it, and calls `punch` on every range without it, then on the rest up to
 * end_byte. The scan is per fs block here (6.12 scans folios and their per-block dirty bits).
 */
function delallocRelease(ctx: ModelCtx, args: Value[]): Value {
  const { w, it } = ctx;
  const [inodeV, startV, endV, , iomapV, punchV] = args;
  const punch = punchV?.k === 'fn' ? punchV.name : undefined;
  const start = toBigInt(startV);
  const end = toBigInt(endV);
  const bs = BigInt(w.blockSize);
  const scanEnd = min(w.iSize, end);
  let punchStart = start;
  const call = (from: bigint, to: bigint) => {
    if (to <= from) return;
    if (!punch) {
      it.assume('iomap_write_delalloc_release(): the punch callback is not a function; nothing punched');
      return;
    }
    it.trace.model('iomap_write_delalloc_release', `no dirty page cache over [${from}, ${to})`, `${punch}()`, 'fs/iomap/buffered-io.c iomap_write_delalloc_release() → iomap_write_delalloc_scan(), 6.12');
    it.call(punch, [inodeV, int(from, T.long), int(to - from, T.long), iomapV]);
  };
  if (scanEnd > start) w.charge(Number((scanEnd - start) / bs) + 1, 'iomap_write_delalloc_release');
  for (let b = start - (start % bs); b < scanEnd; b += bs) {
    if (w.dirty.has(Number(b / bs))) {
      call(punchStart, b);
      punchStart = b + bs;
    }
  }
  call(punchStart > start ? punchStart : start, end);
  return VOID;
}

/**
 * ext4_da_map_blocks(inode, map) (6.12 inode.c ~L1754, static there; the series calls it as
 * a get_blocks callback with this signature). Over the block map: written → MAPPED,
 * unwritten → UNWRITTEN, delayed → DELAYED, hole → a new delalloc reservation
 * (ext4_insert_delayed_blocks() → ext4_da_reserve_space()) reported DELAYED.
 *
 * Guess, from the patch: a fresh reservation is also reported EXT4_MAP_NEW. 6.12 does not
 * set it, but the patch's ext4_iomap_buffered_da_write_end() punches only
 * `IOMAP_DELALLOC` mappings with IOMAP_F_NEW ("If we didn't reserve the blocks, we're not
 * allowed to punch them"), and ext4_set_iomap() derives IOMAP_F_NEW from EXT4_MAP_NEW, so
 * an earlier patch of the series must set it.
 */
function daMapBlocks(ctx: ModelCtx, args: Value[]): Value {
  const { w, it } = ctx;
  const mapV = args[1];
  if (mapV?.k !== 'obj') {
    it.assume('ext4_da_map_blocks(): map is not a struct; -EIO');
    return int(-w.c('EIO'), T.int);
  }
  const map = mapV.obj;
  const lblk = Number(BigInt.asUintN(32, toBigInt(map.get('m_lblk'))));
  const len = Number(BigInt.asUintN(32, toBigInt(map.get('m_len'))));
  const st = w.blockAt(lblk);
  let n = 0;
  while (n < len && w.blockAt(lblk + n) === st) n++;
  const F = (x: string) => w.c(`EXT4_MAP_${x}`);
  let mflags = 0n;
  let what: string;
  if (st === 'W') {
    mflags = F('MAPPED');
    what = 'written';
  } else if (st === 'U') {
    mflags = F('UNWRITTEN');
    what = 'unwritten';
  } else if (st === 'D') {
    mflags = F('DELAYED');
    what = 'already delayed';
  } else {
    if (w.scenario.env.enospc) {
      it.trace.model('ext4_da_map_blocks', `reserve ${n} block(s) at ${lblk}`, '-ENOSPC', 'env.enospc: ext4_da_reserve_space() → -ENOSPC');
      return int(-w.c('ENOSPC'), T.int);
    }
    w.charge(n, 'ext4_da_map_blocks');
    for (let i = 0; i < n; i++) w.setBlock(lblk + i, 'D');
    w.esSeq++;
    w.emit({ e: 'delalloc', op: 'reserve', lblk, len: n });
    w.emit({ e: 'may-sleep', what: 'delalloc reservation', context: w.context });
    mflags = F('DELAYED') | F('NEW');
    what = 'hole: delalloc reserved';
  }
  map.set('m_flags', int(mflags, T.uint));
  map.set('m_len', int(n, T.uint));
  map.set('m_pblk', int(st === 'W' || st === 'U' ? BigInt(1_000_000 + lblk) : 0n, T.ulong));
  map.set('m_seq', int(w.esSeq, T.ulong));
  it.trace.model('ext4_da_map_blocks', `ext4_da_map_blocks(lblk=${lblk}, len=${len}): ${what}`, `0, m_len=${n}`, '6.12 inode.c ext4_da_map_blocks(); EXT4_MAP_NEW on a fresh reservation is a guess from the series (see daMapBlocks)');
  return int(0, T.int);
}

/**
 * ext4_es_remove_extent(inode, lblk, len) (6.12 extents_status.c ~L1510): drops the
 * extent-status entries over the range; delayed ones give back their reservation
 * (`__es_remove_extent()` counts them, `ext4_da_release_space()` releases them). On the
 * block map: delayed blocks become holes, with a `release` event.
 */
function esRemoveExtent(ctx: ModelCtx, args: Value[]): Value {
  const { w, it } = ctx;
  const lblk = Number(toBigInt(args[1]));
  const len = Number(toBigInt(args[2]));
  let released = 0;
  for (const [b, st] of w.blocksIn(lblk, lblk + len - 1, 'ext4_es_remove_extent')) {
    if (st !== 'D') continue;
    w.setBlock(b, '_');
    w.dirty.delete(b);
    w.emit({ e: 'delalloc', op: 'release', lblk: b, len: 1 });
    released++;
  }
  w.esSeq++;
  it.trace.model('ext4_es_remove_extent', `remove blocks ${lblk}..${lblk + len - 1} from the extent status tree`, `${released} delalloc block(s) released`, '6.12 extents_status.c ext4_es_remove_extent() → ext4_da_release_space()');
  return VOID;
}

/**
 * ext4_iomap_map_blocks(inode, offset, length, [get_blocks,] map): a helper an earlier
 * patch of the 2026 series adds; seed 002 shows it split over two hunks (@@ -3908 and
 * @@ -3921) with five lines between them missing, so it cannot be rebuilt as C.
 * Modelled from its visible lines: m_len is the block count of [offset, offset+length)
 * clamped to EXT4_MAX_LOGICAL_BLOCK; with a `get_blocks` callback (the patch's form) the
 * call goes there, else to ext4_map_blocks(NULL, inode, map, 0). Guess: the missing lines
 * set `m_lblk = offset >> i_blkbits`, as 6.12's ext4_iomap_begin() computes it ("Calculate
 * the first and last logical blocks respectively").
 */
function iomapMapBlocks(ctx: ModelCtx, args: Value[]): Value {
  const { w, it } = ctx;
  const withCallback = args.length >= 5;
  const offset = toBigInt(args[1]);
  const length = toBigInt(args[2]);
  const getBlocks = withCallback ? args[3] : undefined;
  const mapV = args[withCallback ? 4 : 3];
  if (mapV?.k !== 'obj') {
    it.assume('ext4_iomap_map_blocks(): map is not a struct; -EIO');
    return int(-w.c('EIO'), T.int);
  }
  it.assume('ext4_iomap_map_blocks() is split over two hunks of this patch with lines missing between them: modelled from its visible lines, with m_lblk = offset >> i_blkbits assumed for the gap (as 6.12 ext4_iomap_begin() computes it)');
  const bits = BigInt(w.blkbits);
  const maxLblk = w.c('EXT4_MAX_LOGICAL_BLOCK') || 0xfffffffen;
  const lblk = offset >> bits;
  const lastBlk = min((offset + length - 1n) >> bits, maxLblk);
  mapV.obj.set('m_lblk', int(lblk, T.uint));
  mapV.obj.set('m_len', int(lastBlk - lblk + 1n, T.uint));
  if (getBlocks && getBlocks.k === 'fn') return it.call(getBlocks.name, [args[0], mapV]);
  return it.call('ext4_map_blocks', [{ k: 'null' }, args[0], mapV, int(0, T.int)]);
}

/**
 * ext4_inode_buffered_iomap(inode): the series' predicate for "this inode's buffered IO
 * goes through iomap". Neither 6.12 nor the patch defines it (an earlier patch of the
 * series does). Guess, recorded as an assumption: true for extent-mapped regular files
 * without inline data, data journalling, encryption or verity — the cases the patch's own
 * ext4_iomap_buffered_do_write_begin() rejects (inline data, no extents) plus the ones
 * ext4 keeps on buffer_heads elsewhere.
 */
function inodeBufferedIomap(ctx: ModelCtx): Value {
  const w = ctx.w;
  const on = w.mapping === 'extents' && !w.journalData && !['inline_data', 'encrypt', 'verity'].some((f) => w.flags.has(f));
  ctx.it.assume(`ext4_inode_buffered_iomap(): not in the 6.12 tree nor in this patch; assumed ${on ? 'true' : 'false'} (true exactly for extent-mapped inodes without inline data, data=journal, encryption or verity)`);
  return on ? TRUE : FALSE;
}

export const IOMAP_BUFFERED: Registry = {
  iomap_file_buffered_write: m(`${CITE_WRITE}; the 5-argument form (write_ops) is the 2026 series' (see iomapFileBufferedWrite)`, iomapFileBufferedWrite),
  iomap_write_delalloc_release: m('fs/iomap/buffered-io.c iomap_write_delalloc_release() 6.12 (see delallocRelease)', delallocRelease),
  iomap_last_written_block: m('include/linux/iomap.h iomap_last_written_block() 6.12: round_down(pos) when nothing was written, else round_up(pos + written) to the block size', (ctx, a) => {
    const bs = BigInt(ctx.w.blockSize);
    const pos = toBigInt(a[1]);
    const written = toBigInt(a[2]);
    return int(written === 0n ? pos - (pos % bs) : ((pos + written + bs - 1n) / bs) * bs, T.long);
  }),
  filemap_invalidate_lock: m('include/linux/fs.h filemap_invalidate_lock(): down_write(&mapping->invalidate_lock); no other task in a scenario contends for it', () => VOID),
  filemap_invalidate_unlock: m('include/linux/fs.h filemap_invalidate_unlock(): up_write(&mapping->invalidate_lock)', () => VOID),
  down_write: m('kernel/locking/rwsem.c down_write(): i_data_sem here; uncontended in a scenario, may sleep', (ctx) => {
    ctx.w.emit({ e: 'may-sleep', what: 'down_write', context: ctx.w.context });
    return VOID;
  }),
  up_write: m('kernel/locking/rwsem.c up_write()', () => VOID),
  DIV_ROUND_UP_ULL: m('include/linux/math.h DIV_ROUND_UP_ULL(ll, d): (ll + d - 1) / d', (_ctx, a) => {
    const d = toBigInt(a[1]);
    return int(d === 0n ? 0n : (toBigInt(a[0]) + d - 1n) / d, T.ulong);
  }),
  EXT4_BLOCK_SIZE: m('fs/ext4/ext4.h EXT4_BLOCK_SIZE(s): (s)->s_blocksize', (ctx) => int(ctx.w.blockSize, T.ulong)),
  ext4_emergency_state: m('the 2026 series\' ext4_emergency_state(sb) (replaces 6.12\'s ext4_forced_shutdown()): 0 unless the fs is shut down or in an emergency read-only state, never in scenarios', () => int(0, T.int)),
  ext4_da_map_blocks: boundary('6.12 inode.c ext4_da_map_blocks() over the block map, plus EXT4_MAP_NEW for a fresh reservation (a guess from the series; see daMapBlocks)', daMapBlocks),
  ext4_es_remove_extent: boundary('6.12 extents_status.c ext4_es_remove_extent(): releases delalloc reservations in the range (see esRemoveExtent)', esRemoveExtent),
  ext4_iomap_map_blocks: m('the 2026 series\' ext4_iomap_map_blocks(), from the lines seed 002 shows; m_lblk in the missing lines is a guess (see iomapMapBlocks)', iomapMapBlocks),
  ext4_nonda_switch: boundary('6.12 inode.c ext4_nonda_switch(): 1 (fall back to non-delalloc) when free clusters run below twice the dirty ones or the watermark; its percpu counters are outside the model: plenty of free space unless env.enospc', (ctx) => (ctx.w.scenario.env.enospc ? TRUE : FALSE)),
  ext4_inode_buffered_iomap: m('the 2026 series\' ext4_inode_buffered_iomap(); a guess recorded as an assumption (see inodeBufferedIomap)', (ctx) => inodeBufferedIomap(ctx)),
};
